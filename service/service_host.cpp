#include "service/service_host.h"

#include "service/audit_event_mirror.h"

#include "platform/event_log.h"
#include "platform/file_system.h"
#include "platform/service_control.h"

namespace remediator::service {

void adoptProgramDataFolder() {
  const auto folder = platform::programDataFolder();
  if (!folder) return;
  const auto text = folder->u8string();
  const std::string wanted(text.begin(), text.end());
  if (platform::processEnvironment("ProgramData") != wanted) {
    (void)platform::setProcessEnvironment("ProgramData", wanted);
  }
}

std::string completeRegistration(const std::string& serviceName, const std::filesystem::path& exe, std::string& notes) {
  std::string problems;
  if (auto r = platform::setServiceCommandLine(serviceName, exe); !r) problems += r.error().message + "\n";
  if (auto r = platform::applyServiceRecovery(serviceName, platform::kServiceRecovery); !r) {
    if (r.error().code == platform::ErrorCode::kNotSupported) {
      notes += r.error().message + "\n";
    } else {
      problems += r.error().message + "\n";
    }
  }
  if (auto r = platform::registerEventSource(kEventSource, exe); !r) problems += r.error().message + "\n";
  return problems;
}

std::string completeUnregistration() {
  if (auto r = platform::removeEventSource(kEventSource); !r) return r.error().message + "\n";
  return {};
}

void reportStartFailure(const std::string& message) {
  if (auto events = platform::openEventLog(kEventSource)) {
    (void)events->report(platform::EventType::kError, kStartFailedEventId,
                         "service service_start_failed (-, failed): " + message);
  }
}

}  // namespace remediator::service
