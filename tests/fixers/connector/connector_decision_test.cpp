#include "fixers/connector/connector_decision.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixers/connector/installer_check.h"
#include "tests/fixers/connector/connector_test_support.h"

namespace remediator::fixers::connector::testing {
namespace {

using std::chrono::hours;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RetryGapTest, DoublesPerFailedAttemptAndStopsAtTheCap) {
  policies::ConnectorSettings s;
  s.minReinstallGap = hours(1);
  EXPECT_EQ(retryGap(s, 1, hours(4)), hours(1));
  EXPECT_EQ(retryGap(s, 2, hours(4)), hours(2));
  EXPECT_EQ(retryGap(s, 3, hours(4)), hours(4));
  EXPECT_EQ(retryGap(s, 30, hours(4)), hours(4));
  // A gap longer than the engine's cap is kept as the policy set it.
  s.minReinstallGap = hours(6);
  EXPECT_EQ(retryGap(s, 3, hours(4)), hours(6));
}

TEST(SameReleaseTest, IgnoresOnlyTheRevision) {
  auto patched = kBefore;
  patched.revision = "9999";
  EXPECT_TRUE(sameRelease(kBefore, patched));
  auto edition = kBefore;
  edition.product = "Windows 10 Enterprise";
  EXPECT_FALSE(sameRelease(kBefore, edition));
  EXPECT_FALSE(sameRelease(kBefore, kAfter));
}

UpgradeRequest request(RequestKind kind, std::string id, SysTime at) {
  return {std::move(id), kind, at, "why"};
}

TEST(TakeRequestTest, PrepareStartsTheRemovalOnceAndCancelEndsTheWait) {
  const SysTime t0{};
  ConnectorJournal steady{GuardState::kSteady, t0, "", kBefore};
  steady.attempts = 4;
  steady.lastError = "old failure";

  auto prepared = takeRequest(steady, request(RequestKind::kPrepare, "a", t0 + hours(1)), true, kBefore);
  ASSERT_TRUE(prepared);
  EXPECT_EQ(prepared->state, GuardState::kPrepareRequested);
  EXPECT_EQ(prepared->since, t0 + hours(1));
  EXPECT_EQ(prepared->attempts, 0);
  EXPECT_TRUE(prepared->lastError.empty());
  EXPECT_EQ(prepared->lastRequestId, "a");

  auto again = takeRequest(prepared, request(RequestKind::kPrepare, "b", t0 + hours(2)), true, kBefore);
  EXPECT_EQ(again->state, GuardState::kPrepareRequested);
  EXPECT_EQ(again->since, t0 + hours(1));
  EXPECT_EQ(again->lastRequestId, "b");

  auto cancelled = takeRequest(again, request(RequestKind::kCancel, "c", t0 + hours(3)), true, kBefore);
  EXPECT_EQ(cancelled->state, GuardState::kReinstallRequested);

  auto steadyCancel = takeRequest(steady, request(RequestKind::kCancel, "d", t0), true, kBefore);
  EXPECT_EQ(steadyCancel->state, GuardState::kSteady);
  EXPECT_EQ(steadyCancel->attempts, 0);

  EXPECT_FALSE(takeRequest(std::nullopt, request(RequestKind::kPrepare, "e", t0), false, kBefore));
  auto fresh = takeRequest(std::nullopt, request(RequestKind::kPrepare, "f", t0), true, kBefore);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->state, GuardState::kPrepareRequested);
  EXPECT_EQ(fresh->os, kBefore);
}

class DecideTest : public ::testing::Test {
 protected:
  DecideTest() {
    o.journal = ConnectorJournal{GuardState::kSteady, SysTime{}, "", kBefore};
    o.connector = connectorProduct();
    o.os = kBefore;
    o.installerUrl = "http://server01/Connect";
    o.uninstallCommand = "msiexec.exe /x " + kProductCode;
    o.now = SysTime{} + hours(1000);
  }
  Decision decideNow() { return decide(o, s, hours(4)); }
  Observation o;
  policies::ConnectorSettings s;
};

TEST_F(DecideTest, SteadyForTheSameReleaseIsCompliant) {
  auto d = decideNow();
  EXPECT_FALSE(d.drift);
  EXPECT_TRUE(d.steps.empty());
}

TEST_F(DecideTest, InterruptedUninstallBeforeAnUpgradeIsRunAgain) {
  o.journal->state = GuardState::kUninstalling;
  auto d = decideNow();
  EXPECT_THAT(d.steps, ElementsAre(StepKind::kUninstall));
  EXPECT_EQ(d.afterUninstall, GuardState::kAwaitingUpgrade);
  // ... and when it had finished before the crash, the journal catches up without running anything.
  o.connector.reset();
  d = decideNow();
  EXPECT_THAT(d.steps, ElementsAre(StepKind::kUninstall));
  EXPECT_THAT(d.message, HasSubstr("gone"));
}

TEST_F(DecideTest, InterruptedInstallThatFinishedIsRecordedNotRepeated) {
  o.journal->state = GuardState::kInstalling;
  o.journal->os = kAfter;
  o.os = kAfter;
  EXPECT_THAT(decideNow().steps, ElementsAre(StepKind::kRecordInstalled));
}

TEST_F(DecideTest, ReadyInstallerIsNotDownloadedAgain) {
  o.journal->state = GuardState::kDownloading;
  o.connector.reset();
  o.installerReady = true;
  EXPECT_THAT(decideNow().steps, ElementsAre(StepKind::kInstall));
  o.installerReady = false;
  EXPECT_THAT(decideNow().steps, ElementsAre(StepKind::kDownload, StepKind::kInstall));
}

TEST_F(DecideTest, StaleConnectorAfterAnInterruptedDownloadIsStillReplaced) {
  o.journal->state = GuardState::kDownloading;
  o.os = kAfter;
  EXPECT_THAT(decideNow().steps, ElementsAre(StepKind::kDownload, StepKind::kUninstall, StepKind::kInstall));
}

TEST_F(DecideTest, NoUninstallCommandWaitsRatherThanInstallingOverTheOldConnector) {
  o.os = kAfter;
  o.uninstallCommand.clear();
  auto d = decideNow();
  EXPECT_TRUE(d.drift);
  EXPECT_TRUE(d.steps.empty());
  EXPECT_THAT(d.message, HasSubstr("uninstall_command"));
}

TEST(InstallerCheckTest, AcceptsProgramsAndPackagesOnly) {
  EXPECT_EQ(*checkInstaller(exeBody(), "application/octet-stream", "", "u"), InstallerKind::kExe);
  EXPECT_EQ(*checkInstaller(msiBody(), "", "", "u"), InstallerKind::kMsi);
  EXPECT_THAT(checkInstaller("", "", "", "http://s/Connect").error().message,
              ::testing::StartsWith("http://s/Connect: the installer is empty"));
  EXPECT_THAT(checkInstaller(exeBody(), "text/html", "", "u").error().message, HasSubstr("web page"));
  EXPECT_THAT(checkInstaller("\xEF\xBB\xBF  <!doctype HTML><p>sign in", "application/octet-stream", "", "u")
                  .error()
                  .message,
              HasSubstr("web page"));
  EXPECT_THAT(checkInstaller("#!/bin/sh\necho hi\n", "", "", "u").error().message,
              HasSubstr("neither a Windows program nor an MSI package"));
}

TEST(InstallerCheckTest, ComparesTheSha256CaseInsensitively) {
  // SHA-256 of "abc", from FIPS 180-2.
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto body = exeBody();
  const auto sha = sha256Hex(body);
  std::string upper = sha;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(checkInstaller(body, "", upper, "u").ok());
  auto wrong = checkInstaller(exeBody("other"), "", sha, "u");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidData);
  EXPECT_THAT(wrong.error().message, HasSubstr("does not match"));
}

}  // namespace
}  // namespace remediator::fixers::connector::testing
