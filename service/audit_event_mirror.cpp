#include "service/audit_event_mirror.h"

namespace remediator::service {

const std::vector<EventIdEntry>& eventIdTable() {
  // Keep in step with platform/windows/event_messages.mc (one message per id) and the README tables.
  static const std::vector<EventIdEntry> kTable = {
      {"service_started", 1000}, {"service_stopped", 1001},  {"service_start_failed", 1002},
      {"policy_loaded", 1003},   {"policy_cached", 1004},    {"policy_rejected", 1005},
      {"control_received", 1006},
      {"detected", 1100},        {"planned", 1101},          {"intent", 1102},
      {"applied", 1103},         {"verified", 1104},         {"skipped", 1105},
      {"deferred", 1106},        {"failed", 1107},           {"recurred", 1108},
      {"breaker_open", 1109},    {"breaker_reset", 1110},    {"step_intent", 1111},
      {"step_result", 1112},     {"archived", 1113},
  };
  return kTable;
}

std::uint32_t eventIdFor(const std::string& event) {
  for (const auto& row : eventIdTable()) {
    if (event == row.event) return row.id;
  }
  return kOtherEventId;
}

platform::EventType eventTypeFor(const std::string& outcome) {
  if (outcome == "failed" || outcome == "refused") return platform::EventType::kError;
  if (outcome == "drift" || outcome == "deferred" || outcome == "degraded") return platform::EventType::kWarning;
  return platform::EventType::kInformation;
}

std::string eventTextFor(const AuditEntry& entry) {
  return entry.fixer + " " + entry.event + " (" + entry.mode + ", " + entry.outcome + "): " + entry.message;
}

MirroredAuditSink::MirroredAuditSink(AuditSink& primary, std::unique_ptr<platform::EventLog> events)
    : primary_(primary), events_(std::move(events)) {}

platform::Result<AuditRecord> MirroredAuditSink::append(const AuditEntry& entry) {
  auto record = primary_.append(entry);
  if (record && events_) (void)events_->report(eventTypeFor(entry.outcome), eventIdFor(entry.event), eventTextFor(entry));
  return record;
}

void MirroredAuditSink::setPolicyHash(const std::string& sha256) { primary_.setPolicyHash(sha256); }

}  // namespace remediator::service
