#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "fixers/connector/connector_decision.h"
#include "fixers/connector/installer_check.h"
#include "tests/fixers/connector/connector_test_support.h"
#include "platform/platform.h"
#include "tests/platform/temp_dir.h"

namespace remediator::fixers::connector::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConnectorFixerTest : public GuardFixture {
 protected:
  /// Brings the guard to steady for kBefore.
  void baseline() {
    auto r = runOnce();
    ASSERT_EQ(kinds(r.plan), (std::vector<std::string>{"record_baseline"}));
    ASSERT_TRUE(r.outcome && r.outcome->ok) << (r.outcome ? r.outcome->message : "not applied");
    ASSERT_EQ(guardState(), "steady");
  }
  /// From steady, a prepare request: the Connector is removed and the guard awaits the upgrade.
  void prepare() {
    ASSERT_TRUE(requestPrepare(machine.files, kStateDir, time.now(), "feature update to 23H2").ok());
    auto r = runOnce();
    ASSERT_EQ(kinds(r.plan), (std::vector<std::string>{"take_request", "uninstall_connector"}));
    ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
    ASSERT_EQ(guardState(), "awaiting_upgrade");
  }
  std::vector<std::string> programs() {
    std::vector<std::string> out;
    for (const auto& r : machine.processes.requests())
      out.push_back(std::filesystem::path(r.program).filename().string());
    return out;
  }
  /// Scripts `program` to remove the Connector, then checks that a prepare runs it, alone, with `argument`.
  void expectPrepareRuns(const std::string& program, const std::string& argument) {
    machine.processes.onRun(program, [this](const ProcessRequest&) {
      machine.products.remove(kProductCode);
      return Result<ProcessResult>(ProcessResult{0, false, ""});
    });
    baseline();
    prepare();
    auto requests = machine.processes.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].program, program);
    EXPECT_THAT(requests[0].args, ElementsAre(argument));
  }
  std::filesystem::path installerPath(const char* ext = ".exe") {
    return kStateDir / "connector" / (std::string("connector-installer") + ext);
  }
};

TEST_F(ConnectorFixerTest, NotApplicableWithoutInstalledProductsOrProcesses) {
  auto p = machine.get();
  p.products = nullptr;
  FixerContext ctx{p, policy, kStateDir, time.now() + hours(1), [](auto&&...) {}};
  auto f = fixer->detect(ctx);
  EXPECT_EQ(f.status, FindingStatus::kNotApplicable);
  EXPECT_THAT(f.message, HasSubstr("not available on this platform"));
  p = machine.get();
  p.processes = nullptr;
  EXPECT_EQ(fixer->detect(ctx).status, FindingStatus::kNotApplicable);
}

TEST_F(ConnectorFixerTest, FirstSightRecordsTheOsIdentityItIsInstalledFor) {
  auto r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kDrift);
  EXPECT_EQ(r.finding.observed.at("guard_state"), "none");
  ASSERT_TRUE(r.outcome && r.outcome->ok);
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->status, FindingStatus::kCompliant);
  auto j = journal();
  ASSERT_TRUE(j);
  EXPECT_EQ(j->state, GuardState::kSteady);
  EXPECT_EQ(j->os, kBefore);
  EXPECT_TRUE(machine.processes.requests().empty());
}

TEST_F(ConnectorFixerTest, NoConnectorAndNoJournalIsNothingToGuard) {
  machine.products.remove("Windows Server Essentials Connector");
  auto r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kCompliant);
  EXPECT_FALSE(machine.files.exists(journalPath(kStateDir)));
}

TEST_F(ConnectorFixerTest, PrepareRemovesTheConnectorAndAwaitsTheUpgrade) {
  baseline();
  prepare();
  EXPECT_FALSE(connectorInstalled());
  EXPECT_FALSE(machine.files.exists(requestPath(kStateDir)));
  auto requests = machine.processes.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].program, "msiexec.exe");
  EXPECT_EQ(requests[0].args[0], "/x");
  EXPECT_EQ(requests[0].args[1], kProductCode);
  EXPECT_EQ(requests[0].timeout, policy.connector.installTimeout);
  auto j = journal();
  EXPECT_EQ(j->os, kBefore);
  EXPECT_THAT(j->reason, HasSubstr("feature update to 23H2"));
  // Intent before, result after, for each step.
  std::vector<std::string> uninstallNotes;
  for (const auto& n : notes) {
    if (n.details.count("step") && n.details.at("step") == "uninstall_connector")
      uninstallNotes.push_back(n.event);
  }
  EXPECT_THAT(uninstallNotes, ElementsAre("step_intent", "step_result"));
  // Awaiting is a resting state: nothing more to do until the OS changes.
  auto again = runOnce();
  EXPECT_EQ(again.finding.status, FindingStatus::kCompliant);
  EXPECT_THAT(again.finding.message, HasSubstr("reinstalled once"));
}

TEST_F(ConnectorFixerTest, UpgradeAfterPrepareDownloadsAndReinstalls) {
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"download_installer", "install_connector"}));
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_THAT(r.outcome->events, ElementsAre("connector.installed"));
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->status, FindingStatus::kCompliant);
  EXPECT_THAT(server.urls, ElementsAre("http://server01/Connect"));
  EXPECT_TRUE(connectorInstalled());
  auto j = journal();
  EXPECT_EQ(j->state, GuardState::kSteady);
  EXPECT_EQ(j->os, kAfter);
  EXPECT_EQ(j->attempts, 0);
  EXPECT_FALSE(machine.files.exists(installerPath()));  // the next cycle downloads afresh
  EXPECT_TRUE(violations.empty());
}

TEST_F(ConnectorFixerTest, InstallerRunsWithThePolicyArgumentsAndTimeout) {
  policy.connector.installerArgs = "/q \"/config:C:\\Conn cfg.xml\"";
  policy.connector.installTimeout = minutes(12);
  policy.connector.installerUrl = "http://server01/files/ComputerConnector.exe";
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  ASSERT_TRUE(runOnce().outcome->ok);
  auto requests = machine.processes.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].program, installerPath().string());
  EXPECT_THAT(requests[1].args, ElementsAre("/q", "/config:C:\\Conn cfg.xml"));
  EXPECT_EQ(requests[1].timeout, minutes(12));
  EXPECT_THAT(server.urls, ElementsAre("http://server01/files/ComputerConnector.exe"));
}

TEST_F(ConnectorFixerTest, InstallerFromAPathIsCopiedNotDownloaded) {
  policy.connector.installerUrl = "D:/Software/ComputerConnector.exe";
  ASSERT_TRUE(machine.files.addFile("D:/Software/ComputerConnector.exe", exeBody("from the share")).ok());
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_TRUE(server.urls.empty());
  EXPECT_EQ(installerRuns(), 1);
  EXPECT_EQ(r.outcome->details.at("installer_sha256"), sha256Hex(exeBody("from the share")));
}

/// The memory machine's file system, except one path that is a real file of the native file system.
class OneRealFile final : public FileSystem {
 public:
  OneRealFile(FileSystem& inner, std::filesystem::path alias, FileSystem& real, std::filesystem::path target)
      : inner_(inner), alias_(std::move(alias)), real_(real), target_(std::move(target)) {}
  Result<platform::FileInfo> status(const std::filesystem::path& p) const override {
    return p == alias_ ? real_.status(target_) : inner_.status(p);
  }
  Result<std::vector<platform::DirEntry>> list(const std::filesystem::path& d) const override { return inner_.list(d); }
  Result<std::string> readFile(const std::filesystem::path& p,
                               std::uint64_t maxBytes = platform::kDefaultReadLimit) const override {
    return p == alias_ ? real_.readFile(target_, maxBytes) : inner_.readFile(p, maxBytes);
  }
  Result<void> writeFileAtomic(const std::filesystem::path& p, const std::string& d) override {
    return inner_.writeFileAtomic(p, d);
  }
  Result<void> removeFile(const std::filesystem::path& p) override { return inner_.removeFile(p); }
  Result<void> removeDirectory(const std::filesystem::path& p) override { return inner_.removeDirectory(p); }
  Result<void> createDirectories(const std::filesystem::path& p) override { return inner_.createDirectories(p); }

 private:
  FileSystem& inner_;
  std::filesystem::path alias_;
  FileSystem& real_;
  std::filesystem::path target_;
};

// Anyone who can write the share (or answer for the server) can put a multi-GB sparse file where the installer
// should be: it is refused by its size with a message naming it, never read into memory (that ended in
// bad_alloc at every run), and nothing is run.
TEST_F(ConnectorFixerTest, AMultiGigabyteSparseInstallerIsRefusedBeforeItIsRead) {
  platform::testing::ScopedTempDir dir;
  const auto big = dir / "ComputerConnector.exe";
  { std::ofstream(big, std::ios::binary) << "MZ"; }
  std::filesystem::resize_file(big, std::uint64_t{5} << 30);  // truncate -s 5G: sparse, no disk used
  platform::NativePlatform native;
  OneRealFile files(machine.files, "D:/Software/ComputerConnector.exe", *native.get().files, big);
  machine.get().files = &files;
  policy.connector.installerUrl = "D:/Software/ComputerConnector.exe";
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  ASSERT_TRUE(r.outcome.has_value());
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("ComputerConnector.exe"));
  EXPECT_THAT(r.outcome->message, HasSubstr("holds 5368709120 bytes, more than the 1073741824")) << r.outcome->message;
  EXPECT_EQ(installerRuns(), 0);
  EXPECT_FALSE(machine.files.exists(installerPath()));
}

TEST_F(ConnectorFixerTest, MsiInstallerRunsThroughMsiexecQuietly) {
  server.body = msiBody();
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  ASSERT_TRUE(runOnce().outcome->ok);
  auto install = machine.processes.requests().back();
  EXPECT_EQ(install.program, "msiexec.exe");
  ASSERT_GE(install.args.size(), 4u);
  EXPECT_EQ(install.args[0], "/i");
  EXPECT_EQ(install.args[1], installerPath(".msi").string());
  EXPECT_NE(std::find(install.args.begin(), install.args.end(), "/qn"), install.args.end());
  EXPECT_NE(std::find(install.args.begin(), install.args.end(), "/norestart"), install.args.end());
  EXPECT_TRUE(connectorInstalled());
}

TEST_F(ConnectorFixerTest, UpgradeWithoutPrepareDownloadsFirstThenReplacesTheConnector) {
  baseline();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan),
            (std::vector<std::string>{"download_installer", "uninstall_connector", "install_connector"}));
  EXPECT_TRUE(r.plan[1].disruptive);
  EXPECT_TRUE(r.plan[2].disruptive);
  EXPECT_FALSE(r.plan[0].disruptive);
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_EQ(programs(), (std::vector<std::string>{"msiexec.exe", "connector-installer.exe"}));
  EXPECT_TRUE(connectorInstalled());
  EXPECT_EQ(journal()->os, kAfter);
  EXPECT_THAT(events, ElementsAre("connector.installed"));
  EXPECT_TRUE(violations.empty());
}

TEST_F(ConnectorFixerTest, UnreachableServerLeavesTheOldConnectorInPlace) {
  baseline();
  machine.os.setIdentity(kAfter);
  server.failure =
      platform::fail(ErrorCode::kUnavailable, "cannot download http://server01/Connect: refused");
  auto r = runOnce();
  ASSERT_TRUE(r.outcome);
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("refused"));
  EXPECT_TRUE(connectorInstalled());
  EXPECT_TRUE(machine.processes.requests().empty());
  EXPECT_EQ(guardState(), "reinstall_requested");
  // Once the server answers, the replacement goes through.
  server.failure.reset();
  r = runOnce();
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_EQ(journal()->os, kAfter);
  EXPECT_EQ(guardState(), "steady");
}

TEST_F(ConnectorFixerTest, MonthlyUpdateRevisionIsNotAnUpgrade) {
  baseline();
  auto patched = kBefore;
  patched.revision = "4046";
  machine.os.setIdentity(patched);
  auto r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kCompliant);
  EXPECT_TRUE(machine.processes.requests().empty());
}

TEST_F(ConnectorFixerTest, RevisionChangeWhileAwaitingCountsAsTheUpgrade) {
  baseline();
  prepare();
  auto patched = kBefore;
  patched.revision = "4046";
  machine.os.setIdentity(patched);
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"download_installer", "install_connector"}));
  EXPECT_TRUE(r.outcome->ok);
}

TEST_F(ConnectorFixerTest, CancelBringsTheConnectorBack) {
  baseline();
  prepare();
  ASSERT_TRUE(requestCancel(machine.files, kStateDir, time.now(), "upgrade postponed").ok());
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan),
            (std::vector<std::string>{"take_request", "download_installer", "install_connector"}));
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_TRUE(connectorInstalled());
  EXPECT_EQ(guardState(), "steady");
  EXPECT_EQ(journal()->os, kBefore);
}

TEST_F(ConnectorFixerTest, CancelWhenSteadyChangesNothing) {
  baseline();
  ASSERT_TRUE(requestCancel(machine.files, kStateDir, time.now(), "").ok());
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"take_request"}));
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->status, FindingStatus::kCompliant);
  EXPECT_TRUE(machine.processes.requests().empty());
  EXPECT_FALSE(machine.files.exists(requestPath(kStateDir)));
}

TEST_F(ConnectorFixerTest, SecondPrepareFromTheNextHookChangesNothing) {
  baseline();
  prepare();
  const auto since = journal()->since;
  time.advance(minutes(40));
  ASSERT_TRUE(requestPrepare(machine.files, kStateDir, time.now(), "precommit").ok());
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"take_request"}));
  EXPECT_EQ(guardState(), "awaiting_upgrade");
  EXPECT_EQ(journal()->since, since);
  EXPECT_EQ(machine.processes.requests().size(), 1u);
}

TEST_F(ConnectorFixerTest, UpgradeThatNeverComesReinstallsAfterUpgradeWait) {
  policy.connector.upgradeWait = hours(48);
  baseline();
  prepare();
  time.advance(hours(48) - minutes(1));
  EXPECT_EQ(runOnce().finding.status, FindingStatus::kCompliant);
  EXPECT_FALSE(connectorInstalled());
  time.advance(minutes(1));
  auto r = runOnce();
  EXPECT_THAT(r.finding.message, HasSubstr("No OS upgrade came"));
  ASSERT_TRUE(r.outcome && r.outcome->ok);
  EXPECT_TRUE(connectorInstalled());
  EXPECT_EQ(guardState(), "steady");
}

TEST_F(ConnectorFixerTest, PendingRebootDefersTheInstall) {
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  machine.os.setPendingReboot("Component Based Servicing\\RebootPending");
  auto r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kDrift);
  EXPECT_TRUE(r.plan.empty());
  EXPECT_THAT(r.finding.message, HasSubstr("RebootPending"));
  EXPECT_TRUE(server.urls.empty());
  EXPECT_EQ(installerRuns(), 0);
  machine.os.setPendingReboot("");
  ASSERT_TRUE(runOnce().outcome->ok);
  EXPECT_TRUE(connectorInstalled());
}

TEST_F(ConnectorFixerTest, ShaMismatchRefusesToRunTheInstaller) {
  policy.connector.installerSha256 = sha256Hex(exeBody("the build the admin pinned"));
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  ASSERT_TRUE(r.outcome);
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("SHA-256"));
  EXPECT_EQ(installerRuns(), 0);
  EXPECT_FALSE(machine.files.exists(installerPath()));
  EXPECT_FALSE(machine.files.exists(kStateDir / "connector" / "connector-installer.download"));
  EXPECT_EQ(guardState(), "reinstall_requested");
  EXPECT_THAT(journal()->lastError, HasSubstr("SHA-256"));
  // The server gets the pinned build; the guard takes it (a refused download is not an install attempt).
  server.body = exeBody("the build the admin pinned");
  r = runOnce();
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_EQ(installerRuns(), 1);
}

TEST_F(ConnectorFixerTest, TamperedInstallerInTheStateFolderIsNotRun) {
  policy.connector.installerSha256 = sha256Hex(exeBody());
  baseline();
  machine.os.setIdentity(kAfter);
  machine.os.setPendingReboot("PendingFileRenameOperations");
  // Something put a different program where the guard keeps its installer.
  ASSERT_TRUE(machine.files.addFile(installerPath(), exeBody("tampered")).ok());
  machine.os.setPendingReboot("");
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan).front(), "download_installer");
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_EQ(installerRuns(), 1);
}

TEST_F(ConnectorFixerTest, WebPageInsteadOfInstallerIsRefused) {
  server.body = "<!DOCTYPE html><html><body>Connect your computer to the server</body></html>";
  server.contentType = "text/html; charset=utf-8";
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("installer_url"));
  EXPECT_EQ(installerRuns(), 0);
}

TEST_F(ConnectorFixerTest, FailedInstallsBackOffThenGiveUpUntilCancel) {
  policy.connector.maxAttempts = 3;
  policy.connector.minReinstallGap = hours(1);
  policy.service.backoffMax = hours(4);
  scriptConnectorPrograms(machine, &violations, 1603, false);
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);

  auto r = runOnce();
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("attempt 1 of 3"));
  EXPECT_EQ(journal()->attempts, 1);

  time.advance(minutes(59));
  r = runOnce();
  EXPECT_TRUE(r.plan.empty());
  EXPECT_THAT(r.finding.message, HasSubstr("waits until"));
  EXPECT_EQ(installerRuns(), 1);

  time.advance(minutes(1));
  r = runOnce();
  EXPECT_THAT(r.outcome->message, HasSubstr("attempt 2 of 3"));
  time.advance(hours(2) - minutes(1));  // the gap doubles after the second failure
  EXPECT_TRUE(runOnce().plan.empty());
  time.advance(minutes(1));
  r = runOnce();
  EXPECT_THAT(r.outcome->message, HasSubstr("gives up"));
  EXPECT_EQ(installerRuns(), 3);

  time.advance(hours(24));
  r = runOnce();
  EXPECT_TRUE(r.plan.empty());
  EXPECT_THAT(r.finding.message, HasSubstr("gave up"));
  EXPECT_EQ(installerRuns(), 3);

  // The administrator fixes the server's installer and asks again.
  scriptConnectorPrograms(machine, &violations);
  ASSERT_TRUE(requestCancel(machine.files, kStateDir, time.now(), "retry").ok());
  r = runOnce();
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.outcome->message;
  EXPECT_EQ(installerRuns(), 4);
  EXPECT_EQ(guardState(), "steady");
}

TEST_F(ConnectorFixerTest, GivenUpGuardTriesAgainUnderNewInstallSettings) {
  policy.connector.maxAttempts = 1;
  scriptConnectorPrograms(machine, &violations, 1603, false);
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  EXPECT_THAT(runOnce().outcome->message, HasSubstr("gives up"));
  time.advance(hours(5));
  EXPECT_THAT(runOnce().finding.message, HasSubstr("gave up"));
  // The administrator publishes a policy with the installer's silent switch; the fleet tries again by itself.
  scriptConnectorPrograms(machine, &violations);
  policy.connector.installerArgs = "/q";
  auto r = runOnce();
  ASSERT_TRUE(r.outcome && r.outcome->ok) << r.finding.message;
  EXPECT_EQ(installerRuns(), 2);
}

TEST_F(ConnectorFixerTest, MissingConnectorIsReinstalled) {
  baseline();
  machine.products.remove(kProductCode);
  auto r = runOnce();
  EXPECT_THAT(r.finding.message, HasSubstr("missing"));
  ASSERT_TRUE(r.outcome && r.outcome->ok);
  EXPECT_TRUE(connectorInstalled());
  EXPECT_THAT(events, ElementsAre("connector.installed"));
}

TEST_F(ConnectorFixerTest, StagedUpgradeRemovesTheConnectorOncePerSignal) {
  baseline();
  machine.os.setUpgradeStaged("C:\\$WINDOWS.~BT");
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"uninstall_connector"}));
  ASSERT_TRUE(r.outcome->ok);
  EXPECT_EQ(guardState(), "awaiting_upgrade");
  machine.os.setIdentity(kAfter);
  ASSERT_TRUE(runOnce().outcome->ok);
  EXPECT_TRUE(connectorInstalled());
  // Windows keeps the staging folder after the upgrade: that is no reason to remove the Connector again.
  r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kCompliant);
  EXPECT_EQ(machine.processes.runCount("msiexec.exe"), 1);
  // Once it is gone, the next staging counts again.
  machine.os.setUpgradeStaged("");
  r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"record_baseline"}));
  machine.os.setUpgradeStaged("C:\\$WINDOWS.~BT");
  EXPECT_EQ(kinds(runOnce().plan), (std::vector<std::string>{"uninstall_connector"}));
}

TEST_F(ConnectorFixerTest, StagedUpgradeIsIgnoredWhenNotWatched) {
  policy.connector.watchStagedUpgrade = false;
  baseline();
  machine.os.setUpgradeStaged("C:\\$WINDOWS.~BT");
  EXPECT_EQ(runOnce().finding.status, FindingStatus::kCompliant);
}

TEST_F(ConnectorFixerTest, PolicyUninstallCommandWins) {
  policy.connector.uninstallCommand = "\"C:\\Tools\\remove-connector.exe\" /silent";
  expectPrepareRuns("C:\\Tools\\remove-connector.exe", "/silent");
}

TEST_F(ConnectorFixerTest, QuietUninstallStringComesBeforeTheProductCode) {
  auto product = connectorProduct();
  product.quietUninstallString = "\"C:\\Program Files\\Windows Server\\Bin\\Uninstall.exe\" /quiet";
  machine.products.add(product);
  expectPrepareRuns("C:\\Program Files\\Windows Server\\Bin\\Uninstall.exe", "/quiet");
}

TEST_F(ConnectorFixerTest, AnUnquotedUninstallStringRunsTheRegisteredProgramNotAPlantedPrefix) {
  // The attack: a program planted at C:\Program.exe, where a split at the first blank of the unquoted string
  // points. Programs and Features takes the longest existing prefix ending in .exe, and so does the guard.
  auto product = connectorProduct();
  product.quietUninstallString = "C:\\Program Files\\Windows Server\\Bin\\Uninstall.exe /quiet";
  machine.products.add(product);
  ASSERT_TRUE(machine.files.addFile("C:\\Program.exe", exeBody("planted")).ok());
  ASSERT_TRUE(machine.files.addFile("C:\\Program Files\\Windows Server\\Bin\\Uninstall.exe", exeBody()).ok());
  machine.processes.onRun("C:\\Program.exe", [](const ProcessRequest&) -> Result<ProcessResult> {
    ADD_FAILURE() << "the planted program ran";
    return ProcessResult{0, false, ""};
  });
  expectPrepareRuns("C:\\Program Files\\Windows Server\\Bin\\Uninstall.exe", "/quiet");
}

TEST_F(ConnectorFixerTest, UninstallThatLeavesTheConnectorFailsAndRetries) {
  baseline();
  machine.processes.reply("msiexec.exe", 1603);
  ASSERT_TRUE(requestPrepare(machine.files, kStateDir, time.now(), "hook").ok());
  auto r = runOnce();
  ASSERT_TRUE(r.outcome);
  EXPECT_FALSE(r.outcome->ok);
  EXPECT_THAT(r.outcome->message, HasSubstr("still installed"));
  EXPECT_THAT(r.outcome->message, HasSubstr("1603"));
  EXPECT_EQ(guardState(), "uninstalling");
  scriptConnectorPrograms(machine, &violations);
  r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"uninstall_connector"}));
  EXPECT_TRUE(r.outcome->ok);
  EXPECT_EQ(guardState(), "awaiting_upgrade");
}

TEST_F(ConnectorFixerTest, PrepareWithoutConnectorOrJournalOnlyTakesTheRequest) {
  machine.products.remove(kProductCode);
  ASSERT_TRUE(requestPrepare(machine.files, kStateDir, time.now(), "hook").ok());
  auto r = runOnce();
  EXPECT_EQ(kinds(r.plan), (std::vector<std::string>{"take_request"}));
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->status, FindingStatus::kCompliant);
  EXPECT_FALSE(machine.files.exists(requestPath(kStateDir)));
  EXPECT_FALSE(machine.files.exists(journalPath(kStateDir)));
}

TEST_F(ConnectorFixerTest, MalformedJournalIsAnErrorNamingTheFileAndKept) {
  const std::string broken = "{\"version\": 1, \"state\": \"sleeping\"}";
  ASSERT_TRUE(machine.files.addFile(journalPath(kStateDir), broken).ok());
  auto r = runOnce();
  EXPECT_EQ(r.finding.status, FindingStatus::kError);
  EXPECT_THAT(r.finding.message, HasSubstr(journalPath(kStateDir).string()));
  EXPECT_THAT(r.finding.message, HasSubstr("'state'"));
  EXPECT_EQ(*machine.files.readFile(journalPath(kStateDir)), broken);
}

TEST_F(ConnectorFixerTest, NoInstallerUrlWaitsWithAClearMessage) {
  policy.service.server.clear();
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  EXPECT_TRUE(r.plan.empty());
  EXPECT_THAT(r.finding.message, HasSubstr("installer_url"));
}

TEST_F(ConnectorFixerTest, InstallerArgumentsStayOutOfPlansAndNotes) {
  policy.connector.installerArgs = "/password:Hunter2-secret";
  baseline();
  prepare();
  machine.os.setIdentity(kAfter);
  auto r = runOnce();
  ASSERT_TRUE(r.outcome->ok);
  for (const auto& a : r.plan) {
    for (const auto& [k, v] : a.parameters) EXPECT_EQ(v.find("Hunter2"), std::string::npos) << k;
    EXPECT_EQ(a.description.find("Hunter2"), std::string::npos);
  }
  for (const auto& n : notes) {
    EXPECT_EQ(n.message.find("Hunter2"), std::string::npos);
    for (const auto& [k, v] : n.details) EXPECT_EQ(v.find("Hunter2"), std::string::npos) << k;
  }
  for (const auto& [k, v] : r.outcome->details) EXPECT_EQ(v.find("Hunter2"), std::string::npos) << k;
  EXPECT_EQ(r.outcome->message.find("Hunter2"), std::string::npos);
}

}  // namespace
}  // namespace remediator::fixers::connector::testing
