#include "platform/time_format.h"
#include "fixers/connector/connector_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "platform/memory/memory_file_system.h"
#include "tests/fixers/connector/connector_test_support.h"

namespace remediator::fixers::connector::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ConnectorJournalTest : public ::testing::Test {
 protected:
  platform::ManualTimeSource time;
  platform::MemoryFileSystem files{time};
};

ConnectorJournal sampleJournal(SysTime at) {
  ConnectorJournal j;
  j.state = GuardState::kUninstalling;
  j.since = at;
  j.reason = "prepare: \"quoted\" reason";
  j.os = kBefore;
  j.afterUninstall = GuardState::kReinstallRequested;
  j.attempts = 2;
  j.attemptsPolicy = "0123456789abcdef";
  j.lastAttempt = at - hours(3);
  j.lastError = "the installer exited with code 1603";
  j.lastRequestId = "1764000000000-00ff";
  j.stagedSignal = "C:\\$WINDOWS.~BT";
  return j;
}

TEST_F(ConnectorJournalTest, RoundTripsEveryField) {
  const auto at = SysTime{} + milliseconds(1764087330123);
  const auto j = sampleJournal(at);
  ASSERT_TRUE(saveJournal(files, kStateDir, j).ok());
  auto loaded = loadJournal(files, kStateDir);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, j);
  EXPECT_THAT(*files.readFile(journalPath(kStateDir)), HasSubstr("\"state\": \"uninstalling\""));
}

TEST_F(ConnectorJournalTest, AbsentJournalIsNoJournal) {
  auto loaded = loadJournal(files, kStateDir);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(ConnectorJournalTest, MalformedJournalNamesTheFileAndKey) {
  auto text = journalToJson(sampleJournal(time.now()));
  auto bad = text;
  bad.replace(bad.find("\"attempts\": 2"), 13, "\"attempts\": \"two\"");
  auto parsed = journalFromJson(bad, "journal.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidData);
  EXPECT_EQ(parsed.error().message, "journal.json: key 'attempts': expected an integer");

  bad = text;
  bad.replace(bad.find("\"build\""), 7, "\"bild\"");
  parsed = journalFromJson(bad, "journal.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "journal.json: key 'os.build': missing");

  parsed = journalFromJson("{\"version\": 1, \"state\": \"steady\", \"since\": \"yesterday\"}", "j.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, StartsWith("j.json: key 'since': expected a UTC time"));

  parsed = journalFromJson("{ not json", "j.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, StartsWith("j.json: not valid journal JSON"));
}

TEST_F(ConnectorJournalTest, JournalFromANewerBuildIsRefused) {
  auto text = journalToJson(sampleJournal(time.now()));
  text.replace(text.find("\"version\": 1"), 12, "\"version\": 7");
  auto parsed = journalFromJson(text, "journal.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, HasSubstr("'version'"));
}

TEST_F(ConnectorJournalTest, TimesRoundTripToTheMillisecond) {
  const auto t = SysTime{} + milliseconds(1764087330123);
  EXPECT_EQ(platform::formatUtc(t), "2025-11-25T16:15:30.123Z");
  EXPECT_EQ(platform::parseUtc("2025-11-25T16:15:30.123Z"), t);
  EXPECT_FALSE(platform::parseUtc("2025-11-25T16:15:30.123"));
  EXPECT_FALSE(platform::parseUtc("2025-02-30T00:00:00.000Z"));
  EXPECT_FALSE(platform::parseUtc("2025-11-25T16:15:30.123Z trailing"));
}

TEST_F(ConnectorJournalTest, RequestsAreWrittenForTheFixerAndANewerOneReplacesAnOlder) {
  auto prepare = requestPrepare(files, kStateDir, time.now(), "preinstall hook");
  ASSERT_TRUE(prepare.ok());
  auto loaded = loadRequest(files, kStateDir);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ(**loaded, *prepare);
  EXPECT_EQ((*loaded)->kind, RequestKind::kPrepare);

  auto cancel = requestCancel(files, kStateDir, time.now(), "failure hook");
  ASSERT_TRUE(cancel.ok());
  EXPECT_NE(cancel->id, prepare->id);
  loaded = loadRequest(files, kStateDir);
  EXPECT_EQ((*loaded)->kind, RequestKind::kCancel);
  EXPECT_EQ((*loaded)->reason, "failure hook");
  // The journal is not touched by a request.
  EXPECT_FALSE(files.exists(journalPath(kStateDir)));
}

TEST_F(ConnectorJournalTest, MalformedRequestNamesTheFile) {
  ASSERT_TRUE(files
                  .addFile(requestPath(kStateDir),
                           "{\"id\": \"1\", \"kind\": \"reboot\", \"requested\": "
                           "\"2025-11-25T16:15:30.123Z\"}")
                  .ok());
  auto loaded = loadRequest(files, kStateDir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr(requestPath(kStateDir).string()));
  EXPECT_THAT(loaded.error().message, HasSubstr("'kind'"));
}

TEST_F(ConnectorJournalTest, HooksCallTheServiceAndAlwaysExitZero) {
  const std::filesystem::path windows = "C:/Windows";
  const std::filesystem::path exe = "C:\\Program Files\\Remediator\\remediator.exe";
  auto written = installHooks(files, windows, exe);
  ASSERT_TRUE(written.ok()) << written.error().message;
  ASSERT_EQ(written->size(), 3u);
  const auto dir = windows / "System32" / "update" / "run" / kHookGuid;
  EXPECT_EQ(hookDir(windows), dir);

  const auto pre = *files.readFile(dir / "preinstall.cmd");
  const auto commit = *files.readFile(dir / "precommit.cmd");
  const auto failure = *files.readFile(dir / "failure.cmd");
  EXPECT_THAT(pre, HasSubstr("\"C:\\Program Files\\Remediator\\remediator.exe\" upgrade prepare --reason "
                             "\"Windows Setup preinstall.cmd\" >nul 2>&1\r\n"));
  EXPECT_THAT(commit, HasSubstr("\" upgrade prepare --wait 10m --reason \"Windows Setup precommit.cmd\""));
  EXPECT_THAT(failure, HasSubstr("\" upgrade cancel "));
  for (const auto& script : {pre, commit, failure}) {
    EXPECT_THAT(script, StartsWith("@echo off\r\n"));
    EXPECT_THAT(script, ::testing::EndsWith("exit /b 0\r\n"));
    // Every line ends in CRLF: cmd.exe reads LF-only batch files wrongly around labels and blocks.
    for (std::size_t i = script.find('\n'); i != std::string::npos; i = script.find('\n', i + 1)) {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(script[i - 1], '\r');
    }
  }
  // Installing again replaces the same three files.
  ASSERT_TRUE(installHooks(files, windows, exe).ok());
  EXPECT_EQ(files.list(dir)->size(), 3u);

  ASSERT_TRUE(removeHooks(files, windows).ok());
  EXPECT_FALSE(files.exists(dir));
  EXPECT_TRUE(removeHooks(files, windows).ok());
}

TEST_F(ConnectorJournalTest, HooksRefuseAQuotedOrEmptyExePath) {
  EXPECT_EQ(installHooks(files, "C:/Windows", "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(installHooks(files, "C:/Windows", "C:\\a\"b.exe").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace remediator::fixers::connector::testing
