// Change notifications against the build's Wine prefix: WindowsChangeNotifier on a scratch key, on the real
// Winlogon key and on a folder; then the acceptance test of issue 4, the autologon fixer answering a change of
// Winlogon within one second through the service's change triggers and engine.
#include "platform/windows/windows_change_notifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "fixers/autologon/autologon_fixer.h"
#include "platform/memory/memory_secret_store.h"
#include "platform/windows/windows_registry.h"
#include "service/change_triggers.h"
#include "service/engine.h"
#include "tests/service/test_fixer.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

using namespace std::chrono_literals;
using testing::ScratchKey;
using Steady = std::chrono::steady_clock;

constexpr const char* kWinlogon = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";

/// Counts the callbacks of a watch and when the first came; a test waits for it with a bound.
class Heard {
 public:
  ChangeNotifier::Callback callback() {
    return [this] {
      std::lock_guard lock(mutex_);
      if (count_++ == 0) first_ = Steady::now();
      cv_.notify_all();
    };
  }
  /// Waits up to `limit` for the first change; its arrival time, or nullopt.
  std::optional<Steady::time_point> first(Steady::duration limit) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, limit, [&] { return count_ > 0; });
    return count_ > 0 ? std::optional(first_) : std::nullopt;
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
  Steady::time_point first_;
};

/// A folder of the test's own in the prefix's temp folder, removed at the end.
class ScratchFolder {
 public:
  ScratchFolder() : path_(std::filesystem::temp_directory_path() / ("remediator-watch-" + testing::uniqueSuffix())) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A scratch key holding one value, watched.
class WatchedScratchKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registry_.write(key_.path(), "value", RegDword{0}));
    auto watch = notifier_.watch(WatchTarget::registryKey(key_.path()), heard_.callback());
    ASSERT_TRUE(watch) << watch.error().message;
    watch_ = std::move(*watch);
  }

  ScratchKey key_;
  WindowsRegistry registry_;
  WindowsChangeNotifier notifier_;
  Heard heard_;
  std::unique_ptr<ChangeSubscription> watch_;
};

TEST_F(WatchedScratchKeyTest, SeesAValueSetWithinOneSecond) {
  EXPECT_TRUE(watch_->active());
  const auto written = Steady::now();
  ASSERT_TRUE(registry_.write(key_.path(), "new", RegSz{"changed"}));
  const auto at = heard_.first(1s);
  ASSERT_TRUE(at) << "no notification within one second";
  EXPECT_LE(*at - written, 1s);
}

TEST_F(WatchedScratchKeyTest, KeepsWatchingAfterAChangeAndStopsWhenTheSubscriptionGoes) {
  ASSERT_TRUE(registry_.write(key_.path(), "value", RegDword{1}));
  ASSERT_TRUE(heard_.first(1s));
  // Re-armed: a second change is heard too.
  const int afterFirst = heard_.count();
  ASSERT_TRUE(registry_.write(key_.path(), "other", RegDword{2}));
  const auto deadline = Steady::now() + 1s;
  while (heard_.count() == afterFirst && Steady::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_GT(heard_.count(), afterFirst);

  watch_.reset();
  const int beforeRemoval = heard_.count();
  ASSERT_TRUE(registry_.write(key_.path(), "value", RegDword{3}));
  std::this_thread::sleep_for(300ms);  // a notification would have come by now (they take milliseconds here)
  EXPECT_EQ(heard_.count(), beforeRemoval);
}

// What the connector fixer watches: the Uninstall keys with their subkeys, in both views.
TEST(WindowsChangeNotifierTest, SeesASubkeyAddedBelowASubtreeWatchInEitherView) {
  ScratchKey key;
  WindowsRegistry registry;
  WindowsChangeNotifier notifier;
  for (const RegistryView view : {RegistryView::k64, RegistryView::k32}) {
    ASSERT_TRUE(registry.write(key.path(), "marker", RegDword{1}, view));
    Heard heard;
    auto watch = notifier.watch(WatchTarget::registryKey(key.path(), view, true), heard.callback());
    ASSERT_TRUE(watch) << watch.error().message;
    const auto written = Steady::now();
    ASSERT_TRUE(registry.write(key / "{PRODUCT-CODE}", "DisplayName", RegSz{"A Product"}, view));
    const auto at = heard.first(1s);
    ASSERT_TRUE(at) << "no notification within one second, view " << (view == RegistryView::k64 ? 64 : 32);
    EXPECT_LE(*at - written, 1s);
  }
}

TEST(WindowsChangeNotifierTest, SeesAChangeOfTheRealWinlogonKeyWithinOneSecond) {
  WindowsRegistry registry;
  const std::string probe = "RemediatorWatchProbe-" + testing::uniqueSuffix();
  WindowsChangeNotifier notifier;
  Heard heard;
  auto watch = notifier.watch(WatchTarget::registryKey(kWinlogon), heard.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  const auto written = Steady::now();
  ASSERT_TRUE(registry.write(kWinlogon, probe, RegSz{"probe"}));
  const auto at = heard.first(1s);
  EXPECT_TRUE(registry.remove(kWinlogon, probe));  // leave Winlogon as it was
  ASSERT_TRUE(at) << "no notification within one second";
  EXPECT_LE(*at - written, 1s);
}

TEST(WindowsChangeNotifierTest, SeesAFileCreatedInAFolderWithinOneSecond) {
  ScratchFolder folder;
  WindowsChangeNotifier notifier;
  Heard heard;
  auto watch = notifier.watch(WatchTarget::folder(folder.path().string()),
                              heard.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  const auto written = Steady::now();
  std::ofstream(folder.path() / "new.log") << "a log line\n";
  const auto at = heard.first(1s);
  ASSERT_TRUE(at) << "no notification within one second";
  EXPECT_LE(*at - written, 1s);
}

TEST(WindowsChangeNotifierTest, MissingKeysAndFoldersAreNotFound) {
  WindowsChangeNotifier notifier;
  ScratchKey key;  // never created
  auto missingKey = notifier.watch(WatchTarget::registryKey(key.path()), [] {});
  ASSERT_FALSE(missingKey);
  EXPECT_EQ(missingKey.error().code, ErrorCode::kNotFound) << missingKey.error().message;
  ScratchFolder folder;
  auto missingFolder = notifier.watch(WatchTarget::folder((folder.path() / "not" / "there").string()), [] {});
  ASSERT_FALSE(missingFolder);
  EXPECT_EQ(missingFolder.error().code, ErrorCode::kNotFound) << missingFolder.error().message;
}

/// The Winlogon values the autologon fixer may change, put back as they were when the test ends.
class WinlogonRestorer {
 public:
  explicit WinlogonRestorer(WindowsRegistry& registry) : registry_(registry) {
    for (const char* name : kNames) {
      auto value = registry_.read(kWinlogon, name);
      saved_.emplace_back(name, value ? std::optional(*value) : std::nullopt);
    }
  }
  ~WinlogonRestorer() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        (void)registry_.write(kWinlogon, name, *value);
      } else {
        (void)registry_.remove(kWinlogon, name);
      }
    }
  }

 private:
  static constexpr const char* kNames[] = {"AutoAdminLogon", "DefaultUserName", "DefaultDomainName",
                                           "DefaultPassword"};
  WindowsRegistry& registry_;
  std::vector<std::pair<std::string, std::optional<RegistryValue>>> saved_;
};

// Issue 4's acceptance test: a registry change notification triggers the autologon fixer within one second.
// The fixer runs on the real Winlogon key of the prefix, through the service's ChangeTriggers and Engine, with
// the loop of service_app.cpp played here on this thread. The secret store is the in-memory one: Wine's LSA
// calls are stubs that answer "not found" (platform/windows/README.md), so the password side cannot be shown
// under Wine; the fixer's logic for it is covered by the native autologon tests.
TEST(WindowsChangeAcceptanceTest, AutologonFixerRestoresWinlogonWithinOneSecondOfAChange) {
  WindowsRegistry registry;
  WinlogonRestorer restore(registry);
  RealTimeSource time;
  MemorySecretStore secrets;
  WindowsChangeNotifier notifier;
  Platform platform;
  platform.time = &time;
  platform.registry = &registry;
  platform.secrets = &secrets;
  platform.changes = &notifier;
  ASSERT_TRUE(fixers::autologon::setPassword(platform, Secret("test password")));

  fixers::FixerRegistry fixers;
  fixers.add(fixers::makeAutologonFixer());
  policies::LoadedPolicy loaded;
  loaded.sha256 = "watch-test";
  loaded.policy.service.splay = 0ms;
  loaded.policy.autologon.common = {policies::Mode::kEnforce, 15min, 1min};
  loaded.policy.autologon.user = "kiosk";
  loaded.policy.autologon.domain = "TESTDOMAIN";
  service::testing::MemoryAuditSink audit;
  service::Engine engine(platform, fixers, audit, service::EngineOptions{"host1", {}, false});
  engine.setPolicy(loaded);
  // Make the machine compliant first, as the service's first run would.
  auto first = engine.runAllOnce();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_FALSE(first[0].problem) << first[0].outcome << ": " << first[0].message;
  ASSERT_EQ(registryValueText(*registry.read(kWinlogon, "AutoAdminLogon")), "1");

  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> posted;
  service::ChangeTriggers triggers(
      platform.changes, fixers, time,
      [&](std::function<void()> f) {
        std::lock_guard lock(mutex);
        posted.push_back(std::move(f));
        cv.notify_all();
      },
      {});
  triggers.follow(loaded.policy);
  ASSERT_EQ(triggers.describeWatches(), std::vector<std::string>{std::string("autologon: HKLM\\") + kWinlogon});
  const auto auditedBefore = audit.records.size();

  // The Connector's installer (here: this test) turns autologon off.
  const auto changedAt = Steady::now();
  ASSERT_TRUE(registry.write(kWinlogon, "AutoAdminLogon", RegSz{"0"}));

  // The service's loop: news from the watcher thread, the debounce, the triggered run. Polled every 10 ms.
  std::optional<Steady::duration> restoredAfter;
  while (Steady::now() - changedAt < 2s && !restoredAfter) {
    std::deque<std::function<void()>> news;
    {
      std::unique_lock lock(mutex);
      cv.wait_for(lock, 10ms, [&] { return !posted.empty(); });
      news.swap(posted);
    }
    for (auto& f : news) f();
    if (auto due = triggers.nextDue(); due && *due <= time.now()) triggers.triggerDue(engine, time.now());
    const auto start = time.now();
    std::vector<std::string> ran;
    for (const auto& r : engine.runDue()) ran.push_back(r.fixer);
    triggers.ran(ran, start, time.now());
    auto value = registry.read(kWinlogon, "AutoAdminLogon");
    if (value && registryValueText(*value) == "1") restoredAfter = Steady::now() - changedAt;
  }
  ASSERT_TRUE(restoredAfter) << "AutoAdminLogon was not restored within two seconds";
  EXPECT_LE(*restoredAfter, 1s) << "restored after "
                                << std::chrono::duration_cast<std::chrono::milliseconds>(*restoredAfter).count()
                                << " ms";
  std::cout << "AutoAdminLogon restored "
            << std::chrono::duration_cast<std::chrono::milliseconds>(*restoredAfter).count()
            << " ms after it was changed\n";

  // The triggered run's records say why it ran.
  bool applied = false;
  for (std::size_t i = auditedBefore; i < audit.records.size(); ++i) {
    const auto& entry = audit.records[i].entry;
    if (entry.fixer != "autologon") continue;
    EXPECT_EQ(entry.details.count("trigger") ? entry.details.at("trigger") : "",
              std::string("changed: HKLM\\") + kWinlogon)
        << entry.event;
    applied = applied || entry.event == "applied";
  }
  EXPECT_TRUE(applied);
}

}  // namespace
}  // namespace remediator::platform
