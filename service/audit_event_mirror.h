#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/event_log.h"
#include "service/audit_record.h"

namespace remediator::service {

/// The event source the product writes to in the Application log.
inline constexpr const char* kEventSource = "Remediator";

/// One row of the documented event id table (platform/windows/README.md, policies/README.md): the audit event
/// kind and the Event Log id it is written with. The ids are stable; new kinds get new ids.
struct EventIdEntry {
  const char* event;
  std::uint32_t id;
};

/// The whole table, in id order.
const std::vector<EventIdEntry>& eventIdTable();

/// The id for an audit event kind: its row of the table, else kOtherEventId.
std::uint32_t eventIdFor(const std::string& event);
inline constexpr std::uint32_t kOtherEventId = 1999;
/// The id the service reports a failed start with (there is no audit log to write to then).
inline constexpr std::uint32_t kStartFailedEventId = 1002;

/// The severity for an audit outcome: failed or refused -> error; drift, deferred or degraded -> warning;
/// anything else -> information.
platform::EventType eventTypeFor(const std::string& outcome);

/// The text that fills the message's %1: "<fixer> <event> (<mode>, <outcome>): <message>".
std::string eventTextFor(const AuditEntry& entry);

/// An AuditSink that writes every record to `primary` (the audit log, which stays the record of truth) and,
/// once it is durable there, to the event log as well. A failed Event Log write never fails the record.
class MirroredAuditSink final : public AuditSink {
 public:
  MirroredAuditSink(AuditSink& primary, std::unique_ptr<platform::EventLog> events);
  platform::Result<AuditRecord> append(const AuditEntry& entry) override;
  void setPolicyHash(const std::string& sha256) override;

 private:
  AuditSink& primary_;
  std::unique_ptr<platform::EventLog> events_;
};

}  // namespace remediator::service
