// The service's control codes: what each raw code stands for, the documented table of user-defined codes, and
// what each action does to the engine and the state folder. The Windows handler that feeds them is exercised
// under Wine by tests/windows/service_controls.sh; Wine cannot send a time change, so that path is covered here.
#include "service/service_controls.h"

#include <gtest/gtest.h>

#include "fixers/connector/connector_journal.h"
#include "platform/memory/memory_file_system.h"
#include "test_fixer.h"

namespace remediator::service {
namespace {

using namespace std::chrono_literals;
using platform::ServiceControlKind;
using platform::ServiceControlRequest;
using platform::serviceControlRequestFor;
using policies::Mode;

TEST(ServiceControlsTest, RawCodesMapToRequests) {
  EXPECT_EQ(serviceControlRequestFor(0x1)->kind, ServiceControlKind::kStop);
  EXPECT_EQ(serviceControlRequestFor(0x5)->kind, ServiceControlKind::kShutdown);
  EXPECT_EQ(serviceControlRequestFor(0xF)->kind, ServiceControlKind::kPreshutdown);
  EXPECT_EQ(serviceControlRequestFor(0x10)->kind, ServiceControlKind::kTimeChange);
  EXPECT_EQ(serviceControlRequestFor(128)->kind, ServiceControlKind::kUserDefined);
  EXPECT_EQ(serviceControlRequestFor(128)->code, 128u);
  EXPECT_EQ(serviceControlRequestFor(255)->kind, ServiceControlKind::kUserDefined);
  for (std::uint32_t other : {0x2u, 0x3u, 0x4u, 0x6u, 127u, 256u}) {  // pause, continue, interrogate, ...
    EXPECT_FALSE(serviceControlRequestFor(other)) << other;
  }
}

TEST(ServiceControlsTest, UserCodesFollowTheDocumentedTable) {
  const auto user = [](std::uint32_t code) {
    return controlActionFor(ServiceControlRequest{ServiceControlKind::kUserDefined, code});
  };
  EXPECT_EQ(user(128), ControlAction::kUpgradePrepare);
  EXPECT_EQ(user(129), ControlAction::kUpgradeCancel);
  EXPECT_EQ(user(130), ControlAction::kRunAll);
  EXPECT_FALSE(user(131));
  EXPECT_FALSE(user(255));
  EXPECT_EQ(controlActionFor(ServiceControlRequest{ServiceControlKind::kTimeChange, 0x10}),
            ControlAction::kClockCheck);
  for (auto stop : {ServiceControlKind::kStop, ServiceControlKind::kShutdown, ServiceControlKind::kPreshutdown}) {
    EXPECT_FALSE(controlActionFor(ServiceControlRequest{stop, 0}));  // the host stops; no engine action
  }
  ASSERT_EQ(userControlCodes().size(), 3u);
  EXPECT_STREQ(userControlCodes()[0].name, "upgrade prepare");
}

class ServiceControlActionTest : public ::testing::Test {
 protected:
  ServiceControlActionTest() : files_(time_) {
    platform_.time = &time_;
    platform_.files = &files_;
    loaded_.sha256 = "policy-1";
    loaded_.policy.service.server = "server";
    loaded_.policy.service.startDelay = 0s;
    loaded_.policy.service.splay = 0ms;
    for (const char* id : {"clock", "connector", "stale_logs"}) {
      fixers_.add(std::make_unique<testing::TestFixer>(id, std::vector<std::string>{}));
    }
    const policies::FixerSettings s{Mode::kAudit, 15min, 1min};
    loaded_.policy.clock.common = s;
    loaded_.policy.connector.common = s;
    loaded_.policy.staleLogs.common = s;
    engine_ = std::make_unique<Engine>(platform_, fixers_, audit_,
                                       EngineOptions{"host1", "", false, [](platform::SysTime) { return 0min; }});
    engine_->setPolicy(loaded_);
    engine_->runDue();  // every fixer ran; the next runs are 15 minutes away
    time_.advance(1min);
  }

  /// Fixers that run when the engine looks now.
  std::vector<std::string> ranNow() {
    std::vector<std::string> ran;
    for (const auto& r : engine_->runDue()) ran.push_back(r.fixer);
    return ran;
  }

  platform::ManualTimeSource time_;
  platform::MemoryFileSystem files_;
  platform::Platform platform_;
  fixers::FixerRegistry fixers_;
  testing::MemoryAuditSink audit_;
  policies::LoadedPolicy loaded_;
  std::unique_ptr<Engine> engine_;
  const std::filesystem::path stateDir_ = "C:/ProgramData/Remediator";
};

TEST_F(ServiceControlActionTest, NothingRunsUntilAControlArrives) { EXPECT_TRUE(ranNow().empty()); }

TEST_F(ServiceControlActionTest, TimeChangeRunsTheClockFixerNow) {
  auto done = performControl(ControlAction::kClockCheck, *engine_, files_, stateDir_, time_.now());
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(ranNow(), std::vector<std::string>{"clock"});
}

TEST_F(ServiceControlActionTest, RunAllRunsEveryFixerNow) {
  ASSERT_TRUE(performControl(ControlAction::kRunAll, *engine_, files_, stateDir_, time_.now()));
  EXPECT_EQ(ranNow().size(), 3u);
}

TEST_F(ServiceControlActionTest, UpgradeCodesLeaveTheGuardsRequestAndRunTheGuard) {
  auto done = performControl(ControlAction::kUpgradePrepare, *engine_, files_, stateDir_, time_.now());
  ASSERT_TRUE(done) << done.error().message;
  auto request = fixers::connector::loadRequest(files_, stateDir_);
  ASSERT_TRUE(request && *request);
  EXPECT_EQ((*request)->kind, fixers::connector::RequestKind::kPrepare);
  EXPECT_NE(done->find((*request)->id), std::string::npos) << *done;
  EXPECT_EQ(ranNow(), std::vector<std::string>{"connector"});

  ASSERT_TRUE(performControl(ControlAction::kUpgradeCancel, *engine_, files_, stateDir_, time_.now()));
  request = fixers::connector::loadRequest(files_, stateDir_);
  ASSERT_TRUE(request && *request);
  EXPECT_EQ((*request)->kind, fixers::connector::RequestKind::kCancel);  // the newer request replaces the older
}

}  // namespace
}  // namespace remediator::service
