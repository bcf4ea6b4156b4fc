#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>

#include "audit_test_support.h"
#include "service/audit_log.h"

namespace remediator::service {
namespace {

using testing::readLines;
using testing::writeLines;

/// A log of six records with its state file; each test tampers with it the way an intruder or a careless editor
/// would, and checks that verification names the place.
class AuditVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = testing::openLog(testing::auditOptions(dir_), time_);
    ASSERT_TRUE(log);
    records_ = testing::appendRecords(*log, 6);
    ASSERT_EQ(records_.size(), 6u);
    lines_ = readLines(log_);
    ASSERT_EQ(lines_.size(), 6u);
  }

  AuditVerification verify() { return verifyAuditLog(log_, state_); }

  /// The record re-hashed the way a forger who knows the format would do it.
  static std::string forge(AuditRecord record) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(canonicalAuditForm(record));
    record.hash = Poco::DigestEngine::digestToHex(engine.digest());
    return auditRecordJson(record);
  }

  static void expectFailureAt(const AuditVerification& v, const std::string& where, const std::string& why) {
    EXPECT_FALSE(v.intact);
    EXPECT_NE(v.problem.find(where), std::string::npos) << v.problem;
    EXPECT_NE(v.problem.find(why), std::string::npos) << v.problem;
  }

  testing::TempDir dir_;
  platform::ManualTimeSource time_;
  std::filesystem::path log_ = dir_ / "audit.jsonl";
  std::filesystem::path state_ = dir_ / "audit.state";
  std::vector<AuditRecord> records_;
  std::vector<std::string> lines_;
};

TEST_F(AuditVerifyTest, UntouchedLogIsIntact) {
  auto v = verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 6u);
  EXPECT_EQ(v.firstSeq, 1u);
  EXPECT_EQ(v.lastSeq, 6u);
  EXPECT_TRUE(v.problem.empty());
  EXPECT_TRUE(v.notes.empty());
}

TEST_F(AuditVerifyTest, EditedFieldIsDetected) {
  const auto at = lines_[2].find("ahead of");
  ASSERT_NE(at, std::string::npos);
  lines_[2].replace(at, 8, "behind  ");
  writeLines(log_, lines_);
  expectFailureAt(verify(), "audit.jsonl line 3 (seq 3)", "edited");
}

TEST_F(AuditVerifyTest, ReformattedLineIsDetected) {
  // Same content, other spelling: a space after a colon. The hash still matches; the bytes do not.
  const auto at = lines_[1].find("\"host\":");
  lines_[1].insert(at + 7, " ");
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 2 (seq 2)", "canonical");
}

TEST_F(AuditVerifyTest, DeletedMiddleRecordIsDetected) {
  lines_.erase(lines_.begin() + 2);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 3 (seq 4)", "expected seq 3");
}

TEST_F(AuditVerifyTest, SwappedRecordsAreDetected) {
  std::swap(lines_[3], lines_[4]);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 4 (seq 5)", "expected seq 4");
}

TEST_F(AuditVerifyTest, InsertedCopyIsDetected) {
  lines_.insert(lines_.begin() + 3, lines_[2]);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 4 (seq 3)", "reordered or inserted");
}

TEST_F(AuditVerifyTest, InsertedForgedRecordIsDetected) {
  // A well-formed record chained after seq 3 with a valid hash: the real seq 4 after it gives it away.
  AuditRecord forged = records_[2];
  forged.seq = 4;
  forged.prev = records_[2].hash;
  forged.entry.message = "Nothing happened here.";
  lines_.insert(lines_.begin() + 3, forge(forged));
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 5 (seq 4)", "expected seq 5");
}

TEST_F(AuditVerifyTest, ReplacedRecordWithValidHashBreaksTheNextPrev) {
  AuditRecord changed = records_[3];
  changed.entry.outcome = "compliant";
  lines_[3] = forge(changed);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 5 (seq 5)", "prev does not match the hash of seq 4");
}

TEST_F(AuditVerifyTest, BrokenPrevIsDetected) {
  AuditRecord rechained = records_[4];
  rechained.prev = records_[2].hash;  // skips seq 4 in the chain
  lines_[4] = forge(rechained);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 5 (seq 5)", "prev does not match");
}

TEST_F(AuditVerifyTest, BadHashIsDetected) {
  const auto at = lines_[0].find("\"hash\":\"") + 8;
  lines_[0][at] = lines_[0][at] == 'a' ? 'b' : 'a';
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 1 (seq 1)", "hash does not match");
}

TEST_F(AuditVerifyTest, TruncatedTailIsDetectedAgainstTheStateFile) {
  lines_.resize(4);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "audit.jsonl line 4 (seq 4)", "truncated");
  EXPECT_NE(verify().problem.find("seq 6"), std::string::npos);
  // Without the state file the cut cannot be seen: the chain itself is whole, and the verdict says the tail is
  // not vouched for rather than calling the log intact.
  const auto withoutState = verifyAuditLog(log_, std::nullopt);
  EXPECT_TRUE(withoutState.intact);
  EXPECT_FALSE(withoutState.tailVouched);
  EXPECT_NE(withoutState.tailProblem.find("no state file"), std::string::npos) << withoutState.tailProblem;
}

TEST_F(AuditVerifyTest, TheTailIsVouchedForOnlyAgainstAReadableStateFile) {
  EXPECT_TRUE(verify().tailVouched);
  testing::writeText(state_, "{not a state");
  const auto torn = verify();
  EXPECT_TRUE(torn.intact);
  EXPECT_FALSE(torn.tailVouched);
  EXPECT_NE(torn.tailProblem.find("audit.state"), std::string::npos) << torn.tailProblem;
}

TEST_F(AuditVerifyTest, EmptiedLogIsDetectedAgainstTheStateFile) {
  testing::writeText(log_, "");
  expectFailureAt(verify(), "no records", "truncated");
}

TEST_F(AuditVerifyTest, ReplacedLastRecordIsDetectedAgainstTheStateFile) {
  AuditRecord replaced = records_[5];
  replaced.entry.event = "skipped";
  lines_[5] = forge(replaced);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "seq 6", "differs from the one in the state file");
}

TEST_F(AuditVerifyTest, UnreadableMiddleLineIsAFailure) {
  lines_[2] = lines_[2].substr(0, 30);
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 3", "no recovery record accounts for");
}

TEST_F(AuditVerifyTest, InsertedEmptyLineIsAFailure) {
  lines_.insert(lines_.begin() + 2, "");
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 3", "no recovery record accounts for");
}

TEST_F(AuditVerifyTest, RecoveryRecordWithoutItsTornLineIsAFailure) {
  {
    testing::writeText(log_, testing::readText(log_) + "{\"seq\":7,\"ti");
    auto log = testing::openLog(testing::auditOptions(dir_), time_);  // records the torn line 7
    ASSERT_TRUE(log);
  }
  lines_ = readLines(log_);
  ASSERT_EQ(lines_.size(), 8u);
  EXPECT_TRUE(verify().intact) << verify().problem;
  lines_.erase(lines_.begin() + 6);  // drop the torn line, keep the record naming it
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 7 (seq 7)", "recovery record names a torn line");
}

TEST_F(AuditVerifyTest, RecoveryRecordMustNameTheTornBytes) {
  {
    testing::writeText(log_, testing::readText(log_) + "{\"seq\":7,\"ti");
    auto log = testing::openLog(testing::auditOptions(dir_), time_);
    ASSERT_TRUE(log);
  }
  lines_ = readLines(log_);
  ASSERT_EQ(lines_.size(), 8u);
  lines_[6] = "{\"seq\":7,\"tX";  // same length, other bytes
  writeLines(log_, lines_);
  expectFailureAt(verify(), "line 7", "no recovery record accounts for");
}

TEST_F(AuditVerifyTest, TamperingInARotatedFileIsNamedByFile) {
  testing::TempDir dir;
  auto log = testing::openLog(testing::auditOptions(dir, 1200, 10), time_);
  ASSERT_TRUE(log);
  testing::appendRecords(*log, 10);
  const auto rotated = dir / "audit.2.jsonl";
  ASSERT_TRUE(std::filesystem::exists(rotated));
  auto lines = readLines(rotated);
  ASSERT_GE(lines.size(), 2u);
  lines[1].replace(lines[1].find("\"drift\""), 7, "\"fixed\"");
  writeLines(rotated, lines);
  auto v = verifyAuditLog(dir / "audit.jsonl", dir / "audit.state");
  EXPECT_FALSE(v.intact);
  EXPECT_NE(v.problem.find("audit.2.jsonl line 2"), std::string::npos) << v.problem;
}

}  // namespace
}  // namespace remediator::service
