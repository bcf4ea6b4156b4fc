#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// The severity an event is shown with.
enum class EventType { kInformation, kWarning, kError };

/// The system's event log for one source (on Windows the Application log): administrators read it with their
/// usual tools, next to the product's own audit log.
class EventLog {
 public:
  virtual ~EventLog() = default;
  /// Writes one event: `eventId` picks the message of the program's message table, `text` fills its %1.
  virtual Result<void> report(EventType type, std::uint32_t eventId, const std::string& text) = 0;
};

/// The event log of `source` (RegisterEventSourceW); nullptr where there is none (POSIX) or it cannot be opened.
std::unique_ptr<EventLog> openEventLog(const std::string& source);

/// Registers `source` in the Application log with the message table in `messageFile` (the program):
/// HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\<source>, EventMessageFile and TypesSupported
/// = 7 (error, warning, information). Nothing to do on POSIX.
Result<void> registerEventSource(const std::string& source, const std::filesystem::path& messageFile);

/// Removes the registration of `source`; an absent one is fine. Nothing to do on POSIX.
Result<void> removeEventSource(const std::string& source);

}  // namespace remediator::platform
