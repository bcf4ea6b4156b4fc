// The guard must reach a correct end whatever step a crash, power loss or reboot interrupts. Each scenario
// runs once without a crash to count its side effects (file writes and removals, program runs, downloads);
// then, for every k, it runs again on a fresh machine that dies just before or just after side effect k,
// restarts the fixer from the journal on disk and drives it on until the scenario's end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "tests/fixers/connector/connector_test_support.h"

namespace remediator::fixers::connector::testing {
namespace {

using std::chrono::hours;

/// A machine whose file system, process runner and server share one CrashPoint, and a service that restarts
/// the fixer (a new object, nothing kept in memory) after each crash.
class CrashRig {
 public:
  explicit CrashRig(bool replaceScenario) {
    policy.service.server = "server01";
    policy.connector.common.mode = policies::Mode::kEnforce;
    machine.os.setIdentity(kBefore);
    machine.products.add(connectorProduct());
    scriptConnectorPrograms(machine, &violations);
    if (replaceScenario) {
      // Replacing an installed Connector: it is only removed once a checked installer is at hand.
      machine.processes.onRun("msiexec.exe", [this](const ProcessRequest& request) {
        if (!machine.files.exists(kStateDir / "connector" / "connector-installer.exe")) {
          violations.push_back("the Connector was removed before its replacement was downloaded");
        }
        machine.products.remove(request.args.at(1));
        return Result<ProcessResult>(ProcessResult{0, false, ""});
      });
    }
    view = machine.get();
    view.files = &files;
    view.processes = &runner;
    server.crash = &crash;
    restart();
  }

  void restart() { fixer = makeConnectorFixer(std::make_unique<FakeDownloader>(server, files)); }

  /// One pass of the engine; a crash kills the run and the service starts again.
  void pass() {
    try {
      FixerContext ctx{view, policy, kStateDir, time.now() + hours(2), [](auto&&...) {}};
      auto finding = fixer->detect(ctx);
      if (finding.status == FindingStatus::kError) errors.push_back(finding.message);
      if (finding.status == FindingStatus::kDrift) {
        auto plan = fixer->plan(finding, ctx);
        if (!plan.empty()) {
          auto outcome = fixer->apply(plan, ctx);
          if (outcome.ok) (void)fixer->detect(ctx);
        }
      }
    } catch (const SimulatedCrash&) {
      restart();
    }
    // Past any retry gap a failed attempt set (the gap doubles, so allow the second one too).
    time.advance(hours(3));
  }

  bool driveUntil(const std::function<bool()>& done, int maxPasses = 12) {
    for (int i = 0; i < maxPasses; ++i) {
      pass();
      if (done()) return true;
    }
    return false;
  }

  std::optional<ConnectorJournal> journal() const {
    auto j = loadJournal(machine.files, kStateDir);
    return j.ok() ? *j : std::nullopt;
  }
  std::string state() const {
    auto j = journal();
    return j ? guardStateName(j->state) : "none";
  }
  bool installed() {
    auto list = machine.products.list();
    return list && platform::findProduct(*list, policy.connector.productNames).has_value();
  }
  bool steadyFor(const OsIdentity& os) {
    auto j = journal();
    return j && j->state == GuardState::kSteady && j->os == os && installed();
  }

  platform::ManualTimeSource time;
  platform::MemoryPlatform machine{time};
  CrashPoint crash;
  CrashingFileSystem files{machine.files, crash};
  CrashingProcessRunner runner{machine.processes, crash};
  platform::Platform view;
  policies::Policy policy;
  FakeServer server;
  std::unique_ptr<Fixer> fixer;
  std::vector<std::string> violations;
  std::vector<std::string> errors;
};

using Scenario = std::function<void(CrashRig&)>;

/// Prepare, upgrade, reinstall.
void prepareThenUpgrade(CrashRig& rig) {
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kBefore); })) << "baseline: " << rig.state();
  ASSERT_TRUE(requestPrepare(rig.machine.files, kStateDir, rig.time.now(), "preinstall").ok());
  ASSERT_TRUE(rig.driveUntil([&] { return rig.state() == "awaiting_upgrade"; }))
      << "prepare: " << rig.state();
  EXPECT_FALSE(rig.installed());
  rig.machine.os.setIdentity(kAfter);
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kAfter); })) << "reinstall: " << rig.state();
}

/// The OS is upgraded with the Connector still installed.
void upgradeWithoutPrepare(CrashRig& rig) {
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kBefore); })) << "baseline: " << rig.state();
  rig.machine.os.setIdentity(kAfter);
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kAfter); })) << "replace: " << rig.state();
}

/// Prepare, then the upgrade is cancelled.
void prepareThenCancel(CrashRig& rig) {
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kBefore); })) << "baseline: " << rig.state();
  ASSERT_TRUE(requestPrepare(rig.machine.files, kStateDir, rig.time.now(), "preinstall").ok());
  ASSERT_TRUE(rig.driveUntil([&] { return rig.state() == "awaiting_upgrade"; }))
      << "prepare: " << rig.state();
  ASSERT_TRUE(requestCancel(rig.machine.files, kStateDir, rig.time.now(), "failure hook").ok());
  ASSERT_TRUE(rig.driveUntil([&] { return rig.steadyFor(kBefore); })) << "cancel: " << rig.state();
}

void expectCorrectEnd(CrashRig& rig, const OsIdentity& os) {
  EXPECT_TRUE(rig.steadyFor(os));
  EXPECT_TRUE(rig.installed());
  EXPECT_THAT(rig.violations, ::testing::IsEmpty());
  EXPECT_THAT(rig.errors, ::testing::IsEmpty());
  EXPECT_FALSE(rig.machine.files.exists(requestPath(kStateDir)));
  EXPECT_FALSE(rig.machine.files.exists(kStateDir / "connector" / "connector-installer.exe"));
  // One install, or two when the crash cut the first one short.
  EXPECT_GE(rig.machine.processes.runCount("connector-installer.exe"), 1);
  EXPECT_LE(rig.machine.processes.runCount("connector-installer.exe"), 2);
  EXPECT_EQ(rig.journal()->attempts, 0);
}

void crashAtEveryStep(const Scenario& scenario, bool replace, const OsIdentity& endOs, int minimumSteps) {
  int steps = 0;
  {
    CrashRig rig(replace);
    scenario(rig);
    expectCorrectEnd(rig, endOs);
    EXPECT_FALSE(rig.crash.crashed());
    steps = rig.crash.count();
  }
  // The scenario must have passed through every kind of step; a short count means the test proves little.
  ASSERT_GE(steps, minimumSteps);
  for (int k = 1; k <= steps; ++k) {
    for (const bool before : {true, false}) {
      SCOPED_TRACE("crash " + std::string(before ? "before" : "after") + " side effect " + std::to_string(k) +
                   " of " + std::to_string(steps));
      CrashRig rig(replace);
      rig.crash.arm(k, before);
      scenario(rig);
      EXPECT_TRUE(rig.crash.crashed());
      expectCorrectEnd(rig, endOs);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(ConnectorCrashTest, PrepareThenUpgradeEndsSteadyAfterACrashAtAnyStep) {
  crashAtEveryStep(prepareThenUpgrade, false, kAfter, 10);
}

TEST(ConnectorCrashTest, UpgradeWithoutPrepareEndsSteadyAfterACrashAtAnyStep) {
  crashAtEveryStep(upgradeWithoutPrepare, true, kAfter, 8);
}

TEST(ConnectorCrashTest, CancelledUpgradeEndsSteadyAfterACrashAtAnyStep) {
  crashAtEveryStep(prepareThenCancel, false, kBefore, 10);
}

}  // namespace
}  // namespace remediator::fixers::connector::testing
