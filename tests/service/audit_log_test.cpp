#include "service/audit_log.h"

#include <gtest/gtest.h>

#include <regex>

#include "audit_test_support.h"

namespace remediator::service {
namespace {

using namespace std::chrono_literals;
using testing::appendRecords;
using testing::auditOptions;
using testing::clockEntry;
using testing::hasNote;
using testing::openLog;
using testing::readLines;
using testing::readText;
using testing::TempDir;

constexpr platform::SysTime kNov25{std::chrono::milliseconds(1795623330123)};  // 2026-11-25T16:15:30.123Z

TEST(AuditLogTest, CanonicalFormHasFixedKeyOrderAndKnownHash) {
  TempDir dir;
  platform::ManualTimeSource time(kNov25);
  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  log->setPolicyHash("abc");
  auto record = log->append(clockEntry(1));
  ASSERT_TRUE(record.ok()) << record.error().message;

  const std::string canonical =
      R"({"seq":1,"time":"2026-11-25T16:15:30.123Z","host":"PC-042","fixer":"clock","event":"detected",)"
      R"("mode":"enforce","observed":{"offset_ms":"400001"},"desired":{"max_offset_ms":"60000"},)"
      R"("outcome":"drift","message":"The clock is 401 s ahead of the server.",)"
      R"("details":{"run":"1","server":"srv01"},"policy_sha256":"abc","prev":""})";
  EXPECT_EQ(canonicalAuditForm(*record), canonical);
  // sha256 of the canonical form above, computed independently.
  EXPECT_EQ(record->hash, "6c03a30a5420af7302756a7814fc40d43339d1092becb68df2e7ab8171926621");
  EXPECT_EQ(readText(dir / "audit.jsonl"),
            canonical.substr(0, canonical.size() - 1) + R"(,"hash":")" + record->hash + "\"}\n");
}

TEST(AuditLogTest, TimeIsUtcWithMillisecondsAndZ) {
  TempDir dir;
  platform::ManualTimeSource time(kNov25);
  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  auto first = log->append(clockEntry(1));
  time.advance(1007ms);
  auto second = log->append(clockEntry(2));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->time, "2026-11-25T16:15:30.123Z");
  EXPECT_EQ(second->time, "2026-11-25T16:15:31.130Z");
  EXPECT_TRUE(std::regex_match(second->time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(AuditLogTest, ChainLinksEachRecordToThePreviousOne) {
  TempDir dir;
  platform::ManualTimeSource time;
  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  auto records = appendRecords(*log, 4);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].seq, 1u);
  EXPECT_EQ(records[0].prev, "");
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].seq, i + 1);
    EXPECT_EQ(records[i].prev, records[i - 1].hash);
    EXPECT_NE(records[i].hash, records[i - 1].hash);
  }
  EXPECT_EQ(log->lastSeq(), 4u);
  auto parsed = parseAuditRecord(readLines(dir / "audit.jsonl")[2]);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(auditRecordJson(*parsed), auditRecordJson(records[2]));
}

TEST(AuditLogTest, RecordsSurviveReopenAndTheSequenceContinues) {
  TempDir dir;
  platform::ManualTimeSource time;
  const auto before = testing::writeLog(auditOptions(dir), time, 3);
  ASSERT_EQ(before.size(), 3u);
  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->lastSeq(), 3u);
  auto next = log->append(clockEntry(4));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 4u);
  EXPECT_EQ(next->prev, before.back().hash);

  auto verified = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(verified.intact) << verified.problem;
  EXPECT_EQ(verified.records, 4u);
  EXPECT_EQ(verified.firstSeq, 1u);
  EXPECT_EQ(verified.lastSeq, 4u);
  EXPECT_TRUE(verified.notes.empty()) << verified.notes.front();
}

TEST(AuditLogTest, EscapedTextAndBadUtf8RoundTrip) {
  TempDir dir;
  platform::ManualTimeSource time;
  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  AuditEntry entry = clockEntry(1);
  entry.message = "Path \"C:\\ProgramData\\Microsoft\\Windows Server\\Logs\"\nremoved\t\x01 in Zürich";
  entry.details = {{"name", "bad \xff byte"},
                   {"overlong", "\xC0\xAF"},
                   {"surrogate", "\xED\xA0\x80"},
                   {"four", "\xF0\x9F\x98\x80"},
                   {"cut", "\xE2\x82"},
                   {"quote\"key", "ok"}};
  auto record = log->append(entry);
  ASSERT_TRUE(record.ok());

  const auto lines = readLines(dir / "audit.jsonl");
  ASSERT_EQ(lines.size(), 1u);  // the newline in the message is escaped, not written
  EXPECT_NE(lines[0].find(R"(\"C:\\ProgramData)"), std::string::npos);
  EXPECT_NE(lines[0].find(R"(\u0001)"), std::string::npos);
  auto parsed = parseAuditRecord(lines[0]);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->entry.message, entry.message);
  EXPECT_EQ(parsed->entry.details.at("name"), "bad \xEF\xBF\xBD byte");  // U+FFFD stands for the bad byte
  EXPECT_EQ(parsed->entry.details.at("overlong"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(parsed->entry.details.at("surrogate"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(parsed->entry.details.at("four"), "\xF0\x9F\x98\x80");  // valid text passes unchanged
  EXPECT_EQ(parsed->entry.details.at("cut"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(parsed->entry.details.at("quote\"key"), "ok");
  EXPECT_EQ(parsed->hash, record->hash);
  EXPECT_TRUE(verifyAuditLog(dir / "audit.jsonl", dir / "audit.state").intact);
}

TEST(AuditLogTest, ParseNamesTheMissingOrMistypedKey) {
  auto missing = parseAuditRecord(R"({"seq":1,"time":"t"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, platform::ErrorCode::kInvalidData);
  EXPECT_NE(missing.error().message.find("'host'"), std::string::npos) << missing.error().message;

  AuditRecord record;
  record.seq = 7;
  record.hash = "h";
  std::string line = auditRecordJson(record);
  ASSERT_TRUE(parseAuditRecord(line).ok());
  std::string badState = line;
  badState.replace(badState.find(R"("observed":{})"), 13, R"("observed":{"n":1})");
  auto mistyped = parseAuditRecord(badState);
  ASSERT_FALSE(mistyped.ok());
  EXPECT_NE(mistyped.error().message.find("observed.n"), std::string::npos) << mistyped.error().message;
  std::string negative = line;
  negative.replace(0, 8, R"({"seq":-7)");
  ASSERT_FALSE(parseAuditRecord(negative).ok());
  EXPECT_NE(parseAuditRecord(negative).error().message.find("'seq'"), std::string::npos);
}

TEST(AuditLogTest, RotationKeepsTheChainAcrossFiles) {
  TempDir dir;
  platform::ManualTimeSource time;
  const std::uint64_t maxBytes = 1200;  // about three records a file
  auto log = openLog(auditOptions(dir, maxBytes, 10), time);
  ASSERT_TRUE(log);
  auto records = appendRecords(*log, 14);
  ASSERT_EQ(records.size(), 14u);

  const auto files = auditLogFiles(dir / "audit.jsonl");
  ASSERT_GE(files.size(), 4u);  // three or more rotated files and the live one
  EXPECT_EQ(files.back(), dir / "audit.jsonl");
  EXPECT_EQ(files[files.size() - 2], dir / "audit.1.jsonl");
  std::uint64_t expectedSeq = 1;
  std::string prev;
  for (const auto& file : files) {
    EXPECT_LE(std::filesystem::file_size(file), maxBytes) << file;
    const auto lines = readLines(file);
    ASSERT_FALSE(lines.empty()) << file;
    for (const auto& line : lines) {
      auto record = parseAuditRecord(line);
      ASSERT_TRUE(record.ok());
      EXPECT_EQ(record->seq, expectedSeq++);
      EXPECT_EQ(record->prev, prev);  // across file boundaries too
      prev = record->hash;
    }
  }
  EXPECT_EQ(expectedSeq, 15u);

  auto verified = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(verified.intact) << verified.problem;
  EXPECT_EQ(verified.records, 14u);
  EXPECT_EQ(verified.firstSeq, 1u);
  EXPECT_EQ(verified.lastSeq, 14u);
  EXPECT_EQ(readAuditLog(dir / "audit.jsonl").records.size(), 14u);
}

TEST(AuditLogTest, RotationDropsFilesBeyondKeepAndVerifyNotesIt) {
  TempDir dir;
  platform::ManualTimeSource time;
  auto log = openLog(auditOptions(dir, 1200, 2), time);
  ASSERT_TRUE(log);
  appendRecords(*log, 20);

  EXPECT_TRUE(std::filesystem::exists(dir / "audit.1.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir / "audit.2.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir / "audit.3.jsonl"));
  auto verified = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(verified.intact) << verified.problem;
  EXPECT_GT(verified.firstSeq, 1u);
  EXPECT_EQ(verified.lastSeq, 20u);
  EXPECT_EQ(verified.records, 20u - verified.firstSeq + 1);
  EXPECT_TRUE(hasNote(verified, "rotated away"));
}

TEST(AuditLogTest, ReopenAfterRotationContinuesFromTheNewestFile) {
  TempDir dir;
  platform::ManualTimeSource time;
  const auto before = testing::writeLog(auditOptions(dir, 1200, 10), time, 6);
  ASSERT_EQ(before.size(), 6u);
  // A crash right after a rotation leaves no live file: the chain then goes on from audit.1.jsonl.
  auto files = auditLogFiles(dir / "audit.jsonl");  // oldest first, the live file last
  ASSERT_GE(files.size(), 2u);
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::filesystem::rename(files[i], dir / ("audit." + std::to_string(files.size() - i) + ".jsonl"));
  }
  ASSERT_FALSE(std::filesystem::exists(dir / "audit.jsonl"));
  auto log = openLog(auditOptions(dir, 1200, 10), time);
  ASSERT_TRUE(log);
  auto next = log->append(clockEntry(7));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 7u);
  EXPECT_EQ(next->prev, before.back().hash);
}

TEST(AuditLogTest, TornLastLineIsRecordedOnReopenAndTheLogGoesOn) {
  TempDir dir;
  platform::ManualTimeSource time;
  const auto before = testing::writeLog(auditOptions(dir), time, 3);
  ASSERT_EQ(before.size(), 3u);
  // A crash in the middle of writing record 4: half of its line is on disk, no newline.
  AuditRecord fourth = before.back();
  fourth.seq = 4;
  const std::string half = auditRecordJson(fourth).substr(0, 57);
  testing::writeText(dir / "audit.jsonl", readText(dir / "audit.jsonl") + half);

  // Readers cope before the writer comes back.
  auto read = readAuditLog(dir / "audit.jsonl");
  EXPECT_EQ(read.records.size(), 3u);
  ASSERT_EQ(read.problems.size(), 1u);
  EXPECT_NE(read.problems[0].find("line 4"), std::string::npos) << read.problems[0];
  auto early = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(early.intact) << early.problem;
  EXPECT_TRUE(hasNote(early, "line 4")) << testing::joined(early.notes);

  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  auto next = log->append(clockEntry(5));
  ASSERT_TRUE(next.ok());

  const auto lines = readLines(dir / "audit.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[3], half);  // the torn bytes stay, on a line of their own
  auto recovery = parseAuditRecord(lines[4]);
  ASSERT_TRUE(recovery.ok()) << recovery.error().message;
  EXPECT_EQ(recovery->entry.event, kAuditEventLogRecovered);
  EXPECT_EQ(recovery->seq, 4u);
  EXPECT_EQ(recovery->prev, before.back().hash);
  EXPECT_EQ(recovery->entry.details.at("line"), "4");
  EXPECT_EQ(recovery->entry.details.at("bytes"), "57");
  EXPECT_EQ(recovery->entry.details.at("sha256").size(), 64u);
  EXPECT_EQ(next->seq, 5u);
  EXPECT_EQ(next->prev, recovery->hash);

  auto verified = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(verified.intact) << verified.problem;
  EXPECT_EQ(verified.records, 5u);
  EXPECT_TRUE(hasNote(verified, "line 4")) << testing::joined(verified.notes);
}

TEST(AuditLogTest, ReadersSurviveGarbage) {
  TempDir dir;
  testing::writeText(dir / "audit.jsonl",
                     std::string("\x00\x01", 2) + "\xff\xfe binary\n{}\n[]\nnull\n{\"seq\":\n" +
                         R"({"seq":-1,"time":"x"})" + "\n\n{\"seq\":1");
  auto read = readAuditLog(dir / "audit.jsonl");
  EXPECT_TRUE(read.records.empty());
  EXPECT_EQ(read.problems.size(), 8u);
  auto verified = verifyAuditLog(dir / "audit.jsonl", std::nullopt);
  EXPECT_FALSE(verified.intact);
  EXPECT_NE(verified.problem.find("line 1"), std::string::npos) << verified.problem;
}

TEST(AuditLogTest, TruncationFoundAtOpenIsRecordedAndStaysAFailure) {
  TempDir dir;
  platform::ManualTimeSource time;
  ASSERT_EQ(testing::writeLog(auditOptions(dir), time, 5).size(), 5u);
  auto lines = readLines(dir / "audit.jsonl");
  lines.resize(3);
  testing::writeLines(dir / "audit.jsonl", lines);

  auto log = openLog(auditOptions(dir), time);
  ASSERT_TRUE(log);
  auto next = log->append(clockEntry(6));
  ASSERT_TRUE(next.ok());
  auto marker = parseAuditRecord(readLines(dir / "audit.jsonl")[3]);
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(marker->entry.event, kAuditEventLogTruncated);
  EXPECT_EQ(marker->seq, 4u);
  EXPECT_EQ(marker->entry.details.at("state_seq"), "5");
  EXPECT_EQ(marker->entry.details.at("log_seq"), "3");

  // Writing on must not launder the loss: the state file now agrees with the log, the record keeps the evidence.
  auto verified = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_FALSE(verified.intact);
  EXPECT_NE(verified.problem.find("line 4 (seq 4)"), std::string::npos) << verified.problem;
}

TEST(AuditLogTest, StateFileIsMissingOrTornIsANoteNotAFailure) {
  TempDir dir;
  platform::ManualTimeSource time;
  ASSERT_EQ(testing::writeLog(auditOptions(dir), time, 2).size(), 2u);
  const std::string state = readText(dir / "audit.state");
  ASSERT_NE(state.find("seq=00000000000000000002"), std::string::npos) << state;

  std::string torn = state;
  torn[40] = torn[40] == '0' ? '1' : '0';  // a crash mixed old and new bytes: the CRC no longer matches
  testing::writeText(dir / "audit.state", torn);
  auto withTorn = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(withTorn.intact) << withTorn.problem;
  EXPECT_TRUE(hasNote(withTorn, "audit.state")) << testing::joined(withTorn.notes);

  std::filesystem::remove(dir / "audit.state");
  auto without = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_TRUE(without.intact) << without.problem;
  EXPECT_TRUE(hasNote(without, "cannot be read"));
}

}  // namespace
}  // namespace remediator::service
