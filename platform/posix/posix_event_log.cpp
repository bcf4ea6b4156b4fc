#include "platform/event_log.h"

namespace remediator::platform {

// No Windows Event Log here: the audit log and the operational log are the records.

std::unique_ptr<EventLog> openEventLog(const std::string&) { return nullptr; }

Result<void> registerEventSource(const std::string&, const std::filesystem::path&) { return {}; }

Result<void> removeEventSource(const std::string&) { return {}; }

}  // namespace remediator::platform
