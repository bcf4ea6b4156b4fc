#include <windows.h>
#include <winsvc.h>

#include <vector>

#include "platform/service_control.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_service.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

Result<void> setServiceCommandLine(const std::string& serviceName, const std::filesystem::path& exe) {
  auto service = openService(serviceName, SERVICE_CHANGE_CONFIG);
  if (!service) return service.error();
  const std::wstring commandLine = L"\"" + exe.wstring() + L"\" service";
  if (!::ChangeServiceConfigW((*service)->get(), SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
                              commandLine.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)) {
    return lastWin32Failure("set the command line of", "service '" + serviceName + "'");
  }
  return {};
}

Result<void> applyServiceRecovery(const std::string& serviceName, const ServiceRecovery& recovery) {
  // SC_ACTION_RESTART needs SERVICE_START on the handle as well as SERVICE_CHANGE_CONFIG.
  auto service = openService(serviceName, SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (!service) return service.error();
  std::vector<SC_ACTION> actions(recovery.restarts, SC_ACTION{SC_ACTION_RESTART, recovery.restartDelaySeconds * 1000});
  actions.push_back(SC_ACTION{SC_ACTION_NONE, 0});  // after the third failure in a day: stay stopped
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = recovery.resetSeconds;
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  const std::string subject = "service '" + serviceName + "'";
  if (!::ChangeServiceConfig2W((*service)->get(), SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return lastWin32Failure("set the failure actions of", subject);
  }
  SERVICE_FAILURE_ACTIONS_FLAG flag{};
  flag.fFailureActionsOnNonCrashFailures = TRUE;  // a stop with a non-zero exit code is a failure too
  if (!::ChangeServiceConfig2W((*service)->get(), SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag)) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_INVALID_LEVEL) {  // a service manager older than Vista's, or Wine's
      return fail(ErrorCode::kNotSupported, "the service manager does not know SERVICE_CONFIG_FAILURE_ACTIONS_FLAG: "
                                            "a non-zero exit of " + subject + " does not count as a failure here");
    }
    return win32Failure("set the failure actions flag of", subject, err);
  }
  return {};
}

}  // namespace remediator::platform
