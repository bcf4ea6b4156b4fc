#include "service/change_triggers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <vector>

#include "fixers/builtin.h"
#include "platform/memory/memory_platform.h"
#include "test_fixer.h"

namespace remediator::service {
namespace {

using namespace std::chrono_literals;
using platform::WatchTarget;
using policies::Mode;
using testing::MemoryAuditSink;
using testing::TestFixer;

const char* const kWinlogon = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";

// The service's event loop in virtual time: news from the notifier is queued as Asio would queue it, and each
// turn delivers it, triggers what is due and runs the engine, as service_app.cpp does.
class ChangeTriggersTest : public ::testing::Test {
 protected:
  ChangeTriggersTest() {
    stateDir_ = std::filesystem::temp_directory_path() /
                ("remediator-changes-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(stateDir_);
    std::filesystem::create_directories(stateDir_);
    loaded_.sha256 = "policy-1";
    loaded_.policy.service.startDelay = 1s;
    loaded_.policy.service.splay = 0ms;
    loaded_.policy.staleLogs.folder = "/data/logs";
    loaded_.policy.staleLogs.folderAnywhere = true;
    platform_.registry.createKey(kWinlogon);
    EXPECT_TRUE(platform_.files.createDirectories("/data/logs"));

    autologon_ = &add("autologon", [](const policies::Policy&) {
      return std::vector<WatchTarget>{WatchTarget::registryKey(kWinlogon)};
    });
    staleLogs_ = &add("stale_logs", [](const policies::Policy& p) {
      return std::vector<WatchTarget>{WatchTarget::folder(p.staleLogs.folder, true)};
    });
  }
  ~ChangeTriggersTest() override {
    triggers_.reset();
    std::filesystem::remove_all(stateDir_);
  }

  TestFixer& add(const std::string& id, std::function<std::vector<WatchTarget>(const policies::Policy&)> watching) {
    auto fixer = std::make_unique<TestFixer>(id);
    fixer->watching = std::move(watching);
    auto* raw = fixer.get();
    fixers_.add(std::move(fixer));
    const policies::FixerSettings s{Mode::kEnforce, 15min, 1min};
    if (id == "stale_logs") loaded_.policy.staleLogs.common = s;
    if (id == "autologon") loaded_.policy.autologon.common = s;
    return *raw;
  }

  // Starts the engine and the watches, and lets the first scheduled runs pass.
  void start() {
    engine_ = std::make_unique<Engine>(platform_.get(), fixers_, audit_,
                                       EngineOptions{"host1", stateDir_, false, [](platform::SysTime) { return 0min; }});
    engine_->setPolicy(loaded_);
    triggers_ = std::make_unique<ChangeTriggers>(
        platform_.get().changes, fixers_, time_, [this](std::function<void()> f) { posted_.push_back(std::move(f)); },
        [this] { ++pendingCalls_; });
    triggers_->follow(loaded_.policy);
    time_.advance(1s);
    turn();
    ASSERT_FALSE(engine_->nextDue() <= time_.now());
    time_.advance(100ms);  // past that run: what changes now is news
  }

  // One turn of the loop at the current virtual time; returns the fixers that ran.
  std::vector<std::string> turn() {
    auto news = std::move(posted_);
    posted_.clear();
    for (auto& f : news) f();
    if (auto due = triggers_->nextDue(); due && *due <= time_.now()) triggers_->triggerDue(*engine_, time_.now());
    std::vector<std::string> ran;
    const auto start = time_.now();
    for (const auto& r : engine_->runDue()) ran.push_back(r.fixer);
    triggers_->ran(ran, start, time_.now());
    return ran;
  }

  // Moves time forward in steps of `step` for `span`, turning the loop each time; every fixer run, in order.
  std::vector<std::string> runFor(platform::Millis span, platform::Millis step = 50ms) {
    std::vector<std::string> ran;
    for (platform::Millis t{0}; t < span; t += step) {
      time_.advance(step);
      for (auto& id : turn()) ran.push_back(id);
    }
    return ran;
  }

  std::vector<std::string> watching() const {
    std::vector<std::string> out;
    for (const auto& t : platform_.changes.watching()) out.push_back(t.describe());
    return out;
  }

  platform::ManualTimeSource time_;
  platform::MemoryPlatform platform_{time_};
  fixers::FixerRegistry fixers_;
  MemoryAuditSink audit_;
  policies::LoadedPolicy loaded_;
  std::filesystem::path stateDir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ChangeTriggers> triggers_;
  std::vector<std::function<void()>> posted_;
  int pendingCalls_ = 0;
  TestFixer* autologon_ = nullptr;
  TestFixer* staleLogs_ = nullptr;
};

TEST_F(ChangeTriggersTest, AChangeRunsTheWatchingFixerAtOnceAndSaysWhy) {
  start();
  autologon_->value = 1;  // someone overwrote Winlogon
  ASSERT_EQ(platform_.changes.fire(WatchTarget::registryKey(kWinlogon)), 1);
  EXPECT_EQ(turn(), std::vector<std::string>{});  // the news arrives; the debounce has not passed yet
  EXPECT_EQ(pendingCalls_, 1);
  ASSERT_TRUE(triggers_->nextDue());
  EXPECT_EQ(*triggers_->nextDue(), time_.now() + 300ms);

  EXPECT_EQ(runFor(300ms), std::vector<std::string>{"autologon"});
  EXPECT_EQ(autologon_->value, 0);
  int withReason = 0;
  for (const auto& r : audit_.records) {
    if (r.entry.fixer != "autologon") continue;
    const auto it = r.entry.details.find("trigger");
    if (it == r.entry.details.end()) continue;
    EXPECT_EQ(it->second, std::string("changed: HKLM\\") + kWinlogon);
    ++withReason;
  }
  // detected, planned, intent, applied, verified of the triggered run; the first, scheduled run has none.
  EXPECT_EQ(withReason, 5);
  EXPECT_EQ(staleLogs_->detects, 1);  // only the scheduled first run
}

TEST_F(ChangeTriggersTest, ABurstOfChangesIsAnsweredByOneRun) {
  start();
  const int before = autologon_->detects;
  for (int i = 0; i < 5; ++i) {
    platform_.changes.fire(WatchTarget::registryKey(kWinlogon));
    time_.advance(50ms);
    turn();
  }
  runFor(2s);
  EXPECT_EQ(autologon_->detects - before, 1);
}

TEST_F(ChangeTriggersTest, AStormGetsOneTriggeredRunPerGap) {
  start();
  const int before = staleLogs_->detects;
  // A change every 100 ms for 12 s: runs at 0.3 s, 5.3 s and 10.3 s, never more.
  std::vector<std::string> ran;
  for (int i = 0; i < 120; ++i) {
    platform_.changes.fire(WatchTarget::folder("/data/logs", true));
    for (auto& id : runFor(100ms)) ran.push_back(id);
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"stale_logs", "stale_logs", "stale_logs"}));
  EXPECT_EQ(staleLogs_->detects - before, 3);
}

TEST_F(ChangeTriggersTest, TheFixersOwnChangeDuringItsRunIsNotNews) {
  start();
  // Restoring Winlogon fires the watch on Winlogon, as RegSetValueExW would.
  autologon_->onApply = [this](fixers::FixerContext&) {
    platform_.changes.fire(WatchTarget::registryKey(kWinlogon));
  };
  autologon_->value = 1;
  platform_.changes.fire(WatchTarget::registryKey(kWinlogon));
  EXPECT_EQ(runFor(1s), std::vector<std::string>{"autologon"});
  EXPECT_EQ(autologon_->applies, 1);
  EXPECT_FALSE(triggers_->nextDue());
  EXPECT_EQ(runFor(10s), std::vector<std::string>{});
}

TEST_F(ChangeTriggersTest, AScheduledRunAnswersAChangeNotedBeforeIt) {
  start();
  platform_.changes.fire(WatchTarget::registryKey(kWinlogon));
  turn();
  ASSERT_TRUE(triggers_->nextDue());
  time_.advance(10ms);
  engine_->trigger("autologon");  // e.g. an administrator's request gets there first
  EXPECT_EQ(turn(), std::vector<std::string>{"autologon"});
  EXPECT_FALSE(triggers_->nextDue());
  EXPECT_EQ(runFor(1s), std::vector<std::string>{});
}

TEST_F(ChangeTriggersTest, WatchesFollowThePolicy) {
  start();
  EXPECT_EQ(watching(), (std::vector<std::string>{std::string("HKLM\\") + kWinlogon, "/data/logs"}));

  ASSERT_TRUE(platform_.files.createDirectories("/other/logs"));
  loaded_.policy.staleLogs.folder = "/other/logs";
  loaded_.policy.autologon.common.mode = Mode::kOff;
  triggers_->follow(loaded_.policy);
  EXPECT_EQ(watching(), std::vector<std::string>{"/other/logs"});
  EXPECT_EQ(platform_.changes.fire(WatchTarget::folder("/data/logs", true)), 0);
  EXPECT_EQ(platform_.changes.fire(WatchTarget::registryKey(kWinlogon)), 0);
  EXPECT_EQ(platform_.changes.fire(WatchTarget::folder("/other/logs", true)), 1);
}

TEST_F(ChangeTriggersTest, AMissingFolderIsWaitedForInItsParent) {
  loaded_.policy.staleLogs.folder = "/data/new/logs";
  start();
  EXPECT_EQ(triggers_->describeWatches(),
            (std::vector<std::string>{std::string("autologon: HKLM\\") + kWinlogon,
                                      "stale_logs: /data (until /data/new/logs exists)"}));
  const int before = staleLogs_->detects;

  ASSERT_TRUE(platform_.files.createDirectories("/data/new/logs"));
  ASSERT_EQ(platform_.changes.fire(WatchTarget::folder("/data")), 1);
  runFor(1s);
  EXPECT_EQ(staleLogs_->detects - before, 1);  // the folder appeared: a look at once
  EXPECT_EQ(watching(), (std::vector<std::string>{std::string("HKLM\\") + kWinlogon, "/data/new/logs"}));
}

TEST_F(ChangeTriggersTest, AnEndedWatchIsMadeAgainAfterARun) {
  start();
  // The fixer removed its folder (remove_root): the watch ends, its parent stands in.
  platform_.changes.end(WatchTarget::folder("/data/logs", true));
  ASSERT_TRUE(platform_.files.removeDirectory("/data/logs"));
  engine_->trigger("stale_logs");
  EXPECT_EQ(turn(), std::vector<std::string>{"stale_logs"});
  EXPECT_EQ(watching(), (std::vector<std::string>{std::string("HKLM\\") + kWinlogon, "/data"}));
}

TEST_F(ChangeTriggersTest, WithoutANotifierNothingIsWatched) {
  start();
  ChangeTriggers none(nullptr, fixers_, time_, [](std::function<void()>) {}, {});
  none.follow(loaded_.policy);
  EXPECT_TRUE(none.describeWatches().empty());
  EXPECT_FALSE(none.nextDue());
}

TEST(BuiltinFixerWatchesTest, EachFixerWatchesWhatItsPolicyNames) {
  fixers::FixerRegistry fixers;
  fixers::registerBuiltinFixers(fixers);
  policies::Policy policy;
  const auto logs = (std::filesystem::temp_directory_path() / "Logs").lexically_normal();
  policy.staleLogs.folder = logs.string();
  policy.staleLogs.folderAnywhere = true;
  EXPECT_EQ(fixers.find("autologon")->watches(policy),
            std::vector<WatchTarget>{WatchTarget::registryKey(kWinlogon)});
  EXPECT_EQ(fixers.find("stale_logs")->watches(policy),
            std::vector<WatchTarget>{WatchTarget::folder(logs.string(), true)});
  policy.staleLogs.folder = "relative\\logs";  // not a valid setting: detect reports it, nothing is watched
  EXPECT_TRUE(fixers.find("stale_logs")->watches(policy).empty());
  const std::string uninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  EXPECT_EQ(fixers.find("connector")->watches(policy),
            (std::vector<WatchTarget>{WatchTarget::registryKey(uninstall, platform::RegistryView::k64, true),
                                      WatchTarget::registryKey(uninstall, platform::RegistryView::k32, true)}));
  EXPECT_TRUE(fixers.find("clock")->watches(policy).empty());
}

}  // namespace
}  // namespace remediator::service
