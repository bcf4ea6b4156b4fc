// remediator.exe itself under Wine, started as a child process the Windows way (CreateProcessW through
// WindowsProcessRunner): `version`, `policy validate` and `run --once --dry-run` with the example policy
// (policies/examples/default.ini). Its server, ESSENTIALS, does not exist here: the clock fixer cannot measure,
// which the dry run must report as a failure, and nothing may be changed.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "platform/windows/windows_process_runner.h"
#include "remediator_version.h"
#include "service/audit_log.h"
#include "tests/platform/temp_dir.h"
#include "tests/windows/windows_prefix_support.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;
using testing::PlantedLogs;
using testing::ScopedTempDir;

const std::string kExamplePolicy = testing::windowsPath(REMEDIATOR_SOURCE_DIR "/policies/examples/default.ini");

ProcessResult remediator(const std::vector<std::string>& args) {
  WindowsProcessRunner runner;
  auto result = runner.run(ProcessRequest{testing::windowsPath(REMEDIATOR_EXE), args, std::chrono::minutes(2), {}});
  EXPECT_TRUE(result.ok()) << result.error().message;
  if (!result.ok()) return {};
  EXPECT_FALSE(result->timedOut);
  return *result;
}

/// The row of `fixer` in run's table, split into its columns: FIXER MODE FINDING ACTION OUTCOME DETAIL, printed
/// as "%-11s %-8s %-15s %-20s %-15s %s" (ACTION may hold spaces: "planned 2 actions").
std::vector<std::string> row(const std::string& output, const std::string& fixer) {
  const std::size_t at = output.find("\n" + fixer + " ");
  if (at == std::string::npos) return {};
  std::string line = output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> columns;
  std::size_t start = 0;
  for (const std::size_t width : {11, 8, 15, 20, 15, 0}) {
    std::string column = start < line.size() ? line.substr(start, width ? width : std::string::npos) : "";
    while (!column.empty() && column.back() == ' ') column.pop_back();
    columns.push_back(column);
    start += width + 1;
  }
  return columns;
}

TEST(WindowsCliTest, VersionPrintsTheProjectVersion) {
  const ProcessResult result = remediator({"version"});
  EXPECT_EQ(result.exitCode, 0);
  // Standard output is in text mode on Windows: the line ends in CR LF.
  EXPECT_EQ(result.output, std::string("remediator ") + REMEDIATOR_VERSION + "\r\n");
}

TEST(WindowsCliTest, PolicyValidateAcceptsTheExamplePolicyAndNamesTheFaultInABadOne) {
  ProcessResult result = remediator({"policy", "validate", kExamplePolicy});
  EXPECT_EQ(result.exitCode, 0) << result.output;
  EXPECT_EQ(result.output.rfind(kExamplePolicy + ": valid (sha256 ", 0), 0u) << result.output;

  ScopedTempDir dir;
  const fs::path bad = dir.path() / L"bad.ini";
  std::ofstream(bad) << "[service]\nserver = ESSENTIALS\n[clock]\nmode = sometimes\n";
  result = remediator({"policy", "validate", bad.string()});
  EXPECT_EQ(result.exitCode, 2) << result.output;
  EXPECT_NE(result.output.find("bad.ini"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("mode"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("sometimes"), std::string::npos) << result.output;
}

TEST(WindowsCliTest, DryRunOfTheExamplePolicyReportsAndChangesNothing) {
  PlantedLogs logs;
  if (logs.existedBefore() && !fs::is_empty(logs.path())) {
    GTEST_SKIP() << logs.path().string() << " already holds files of someone else";
  }
  logs.plant(L"Client.log", "left by an uninstalled Connector\n");  // 33 bytes
  ScopedTempDir dir;
  const fs::path state = dir.path() / L"state";

  const ProcessResult result =
      remediator({"run", "--once", "--dry-run", "--policy", kExamplePolicy, "--state-dir", state.string()});
  EXPECT_EQ(result.exitCode, 1) << "drift remains and the clock could not be measured:\n" << result.output;
  // FIXER MODE FINDING ACTION OUTCOME DETAIL, one row per fixer in the order they run.
  const auto clock = row(result.output, "clock");
  ASSERT_EQ(clock.size(), 6u) << result.output;
  EXPECT_EQ(std::vector<std::string>(clock.begin(), clock.begin() + 5),
            (std::vector<std::string>{"clock", "audit", "error", "none", "failed"}));
  EXPECT_NE(clock[5].find("ESSENTIALS"), std::string::npos) << clock[5];
  const auto staleLogs = row(result.output, "stale_logs");
  ASSERT_EQ(staleLogs.size(), 6u) << result.output;
  EXPECT_EQ(std::vector<std::string>(staleLogs.begin(), staleLogs.begin() + 5),
            (std::vector<std::string>{"stale_logs", "audit", "drift", "planned 2 actions", "drift"}));
  const auto connector = row(result.output, "connector");
  ASSERT_EQ(connector.size(), 6u) << result.output;
  EXPECT_EQ(connector[2], "compliant");
  const auto autologon = row(result.output, "autologon");
  ASSERT_EQ(autologon.size(), 6u) << result.output;
  EXPECT_EQ(autologon[1], "off");

  // The audit log: what each fixer saw, the plan stale_logs would carry out, and no record of any change.
  const auto read = service::readAuditLog(state / L"audit.jsonl");
  ASSERT_TRUE(read.problems.empty()) << read.problems.front();
  std::vector<std::string> seen;
  for (const auto& record : read.records) {
    const auto& e = record.entry;
    seen.push_back(e.fixer + ":" + e.event + ":" + e.outcome);
    EXPECT_EQ(e.mode, e.fixer == "autologon" ? "off" : "audit") << e.fixer;
    if (e.fixer == "clock") {
      EXPECT_EQ(e.details.at("phase"), "detect");
      EXPECT_NE(e.message.find("cannot resolve 'ESSENTIALS'"), std::string::npos) << e.message;
    }
    if (e.fixer == "stale_logs" && e.event == "detected") {
      EXPECT_EQ(e.observed.at("folder"), logs.path().string());
      EXPECT_EQ(e.observed.at("reason"), "connector_absent");
      EXPECT_EQ(e.observed.at("files"), "1");
      EXPECT_EQ(e.observed.at("bytes"), "33");
    }
    if (e.fixer == "stale_logs" && e.event == "skipped") {
      EXPECT_EQ(e.message, "Audit mode: nothing was changed.");
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"clock:failed:failed", "stale_logs:detected:drift",
                                            "stale_logs:planned:drift", "stale_logs:skipped:not_applied",
                                            "connector:detected:compliant"}));
  const auto verify = remediator({"audit", "verify", "--state-dir", state.string()});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  EXPECT_NE(verify.output.find("intact"), std::string::npos) << verify.output;

  // Nothing was changed: the log file is there, nothing was archived, the guard recorded nothing.
  EXPECT_EQ(logs.contents(), std::set<std::string>{"Client.log"});
  EXPECT_FALSE(fs::exists(state / L"archive"));
  EXPECT_FALSE(fs::exists(state / L"connector" / L"journal.json"));
}

}  // namespace
}  // namespace remediator::platform
