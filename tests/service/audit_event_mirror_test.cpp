// The Event Log mirror of the audit log: a stable id per event kind, a severity from the outcome, and every
// durable record written to the event log too. Wine's Event Log stores nothing, so the mapping is checked here
// and the Windows test only checks that ReportEventW accepts the events.
#include "service/audit_event_mirror.h"

#include <gtest/gtest.h>

#include <set>

#include "test_fixer.h"

namespace remediator::service {
namespace {

using platform::EventType;

/// Records what it is asked to write.
class RecordingEventLog final : public platform::EventLog {
 public:
  struct Event {
    EventType type;
    std::uint32_t id;
    std::string text;
  };
  explicit RecordingEventLog(std::vector<Event>& events) : events_(events) {}
  platform::Result<void> report(EventType type, std::uint32_t id, const std::string& text) override {
    events_.push_back({type, id, text});
    return {};
  }

 private:
  std::vector<Event>& events_;
};

/// An audit log that refuses every record (a full disk).
class FailingAuditSink final : public AuditSink {
 public:
  platform::Result<AuditRecord> append(const AuditEntry&) override {
    return platform::fail(platform::ErrorCode::kIo, "disk full");
  }
  void setPolicyHash(const std::string&) override {}
};

TEST(AuditEventMirrorTest, EveryEventKindHasItsOwnStableId) {
  // The documented ids: changing one breaks administrators' Event Log filters.
  EXPECT_EQ(eventIdFor("service_started"), 1000u);
  EXPECT_EQ(eventIdFor("service_stopped"), 1001u);
  EXPECT_EQ(eventIdFor("service_start_failed"), kStartFailedEventId);
  EXPECT_EQ(eventIdFor("policy_loaded"), 1003u);
  EXPECT_EQ(eventIdFor("control_received"), 1006u);
  EXPECT_EQ(eventIdFor("detected"), 1100u);
  EXPECT_EQ(eventIdFor("applied"), 1103u);
  EXPECT_EQ(eventIdFor("failed"), 1107u);
  EXPECT_EQ(eventIdFor("breaker_open"), 1109u);
  EXPECT_EQ(eventIdFor("something_new"), kOtherEventId);
  std::set<std::uint32_t> ids;
  std::set<std::string> kinds;
  for (const auto& row : eventIdTable()) {
    EXPECT_TRUE(ids.insert(row.id).second) << "id " << row.id << " is used twice";
    EXPECT_TRUE(kinds.insert(row.event).second) << row.event << " is listed twice";
    EXPECT_NE(row.id, kOtherEventId);
  }
}

TEST(AuditEventMirrorTest, SeverityFollowsTheOutcome) {
  EXPECT_EQ(eventTypeFor("failed"), EventType::kError);
  EXPECT_EQ(eventTypeFor("refused"), EventType::kError);
  EXPECT_EQ(eventTypeFor("drift"), EventType::kWarning);
  EXPECT_EQ(eventTypeFor("deferred"), EventType::kWarning);
  EXPECT_EQ(eventTypeFor("degraded"), EventType::kWarning);
  for (const char* fine : {"ok", "compliant", "fixed", "not_applicable", "kept", ""}) {
    EXPECT_EQ(eventTypeFor(fine), EventType::kInformation) << fine;
  }
}

TEST(AuditEventMirrorTest, DurableRecordsAreMirroredWithIdTypeAndText) {
  testing::MemoryAuditSink audit;
  std::vector<RecordingEventLog::Event> events;
  MirroredAuditSink sink(audit, std::make_unique<RecordingEventLog>(events));
  sink.setPolicyHash("sha-1");
  ASSERT_TRUE(sink.append(AuditEntry{.fixer = "clock", .event = "detected", .mode = "audit", .outcome = "drift",
                                     .message = "The clock is 420 s ahead."}));
  ASSERT_EQ(audit.records.size(), 1u);
  EXPECT_EQ(audit.records[0].policySha256, "sha-1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 1100u);
  EXPECT_EQ(events[0].type, EventType::kWarning);
  EXPECT_EQ(events[0].text, "clock detected (audit, drift): The clock is 420 s ahead.");
}

TEST(AuditEventMirrorTest, ARecordTheAuditLogRefusedIsNotMirrored) {
  FailingAuditSink audit;
  std::vector<RecordingEventLog::Event> events;
  MirroredAuditSink sink(audit, std::make_unique<RecordingEventLog>(events));
  EXPECT_FALSE(sink.append(AuditEntry{.fixer = "service", .event = "service_started", .outcome = "ok"}));
  EXPECT_TRUE(events.empty());
}

TEST(AuditEventMirrorTest, WithoutAnEventLogRecordsStillGoToTheAuditLog) {
  testing::MemoryAuditSink audit;
  MirroredAuditSink sink(audit, nullptr);
  EXPECT_TRUE(sink.append(AuditEntry{.fixer = "service", .event = "service_started", .outcome = "ok"}));
  EXPECT_EQ(audit.records.size(), 1u);
}

}  // namespace
}  // namespace remediator::service
