#include <gtest/gtest.h>

#include "platform/memory/memory_platform.h"

namespace remediator::platform {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// --- MemoryServiceManager ---

TEST(MemoryServiceManagerTest, UnknownServiceIsNotFound) {
  MemoryServiceManager services;
  EXPECT_EQ(services.query("WseHealthSvc").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(services.start("WseHealthSvc", seconds(5)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(services.stop("WseHealthSvc", seconds(5)).error().code, ErrorCode::kNotFound);
}

TEST(MemoryServiceManagerTest, StartAndStopChangeTheState) {
  MemoryServiceManager services;
  services.addService("WseHealthSvc");
  EXPECT_EQ(services.query("wsehealthsvc").value(), ServiceState::kStopped);
  ASSERT_TRUE(services.start("WseHealthSvc", seconds(5)));
  EXPECT_EQ(services.query("WseHealthSvc").value(), ServiceState::kRunning);
  ASSERT_TRUE(services.start("WseHealthSvc", seconds(5)));  // starting a running service succeeds
  ASSERT_TRUE(services.stop("WseHealthSvc", seconds(5)));
  EXPECT_EQ(services.query("WseHealthSvc").value(), ServiceState::kStopped);
  EXPECT_EQ(services.startCount("WseHealthSvc"), 2);
  EXPECT_EQ(services.stopCount("WseHealthSvc"), 1);
}

TEST(MemoryServiceManagerTest, FailedStartKeepsTheStateUntilCleared) {
  MemoryServiceManager services;
  services.failStart("W32Time", fail(ErrorCode::kFailed, "the service did not respond"));
  EXPECT_EQ(services.query("W32Time").error().code, ErrorCode::kNotFound);  // a failure does not install it
  services.addService("W32Time", ServiceState::kStopped);
  auto started = services.start("W32Time", seconds(1));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message, "the service did not respond");
  EXPECT_EQ(services.query("W32Time").value(), ServiceState::kStopped);

  services.failStop("W32Time", fail(ErrorCode::kTimeout, "stop timed out"));
  services.clearFailures("W32Time");
  EXPECT_TRUE(services.start("W32Time", seconds(1)));
  EXPECT_TRUE(services.stop("W32Time", seconds(1)));
  EXPECT_EQ(services.startCount("W32Time"), 2);
}

TEST(MemoryServiceManagerTest, RemovedServiceIsGone) {
  MemoryServiceManager services;
  services.addService("SvcA", ServiceState::kRunning);
  EXPECT_TRUE(services.removeService("SVCA"));
  EXPECT_FALSE(services.removeService("SvcA"));
  EXPECT_EQ(services.query("SvcA").error().code, ErrorCode::kNotFound);
}

// --- MemoryInstalledProducts ---

InstalledProduct connector() {
  return InstalledProduct{"Windows Server Essentials Connector",
                          "6.3.9600",
                          "Microsoft Corporation",
                          "{A7C1D5E2-0000-4000-8000-00000000C0DE}",
                          "",
                          "MsiExec.exe /X{A7C1D5E2-0000-4000-8000-00000000C0DE}",
                          ""};
}

TEST(MemoryInstalledProductsTest, ListsWhatWasAddedInOrder) {
  MemoryInstalledProducts products;
  EXPECT_TRUE(products.list()->empty());
  products.add(InstalledProduct{"Tool", "1"});
  products.add(connector());
  auto list = products.list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].displayName, "Tool");
  EXPECT_EQ((*list)[1], connector());
}

TEST(MemoryInstalledProductsTest, SameProductCodeReplacesTheEntry) {
  MemoryInstalledProducts products;
  products.add(connector());
  auto upgraded = connector();
  upgraded.version = "10.0.14393";
  products.add(upgraded);
  ASSERT_EQ(products.list()->size(), 1u);
  EXPECT_EQ(products.list()->front().version, "10.0.14393");
}

TEST(MemoryInstalledProductsTest, RemoveByNameOrCode) {
  MemoryInstalledProducts products;
  products.add(connector());
  products.add(InstalledProduct{"Tool", "1"});
  EXPECT_EQ(products.remove("a7c1d5e2-0000-4000-8000-00000000c0de"), 1);
  EXPECT_EQ(products.remove("a7c1d5e2-0000-4000-8000-00000000c0de"), 0);
  EXPECT_EQ(products.remove("TOOL"), 1);
  EXPECT_TRUE(products.list()->empty());
}

TEST(MemoryInstalledProductsTest, FailedListReportsTheError) {
  MemoryInstalledProducts products;
  products.failList(fail(ErrorCode::kPermissionDenied, "cannot open Uninstall key"));
  EXPECT_EQ(products.list().error().code, ErrorCode::kPermissionDenied);
  products.clearFailure();
  EXPECT_TRUE(products.list().ok());
}

// --- MemoryProcessRunner ---

TEST(MemoryProcessRunnerTest, UnscriptedProgramIsNotFoundButStillRecorded) {
  MemoryProcessRunner runner;
  auto result = runner.run(ProcessRequest{"w32tm.exe", {"/resync"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(result.error().message.find("w32tm.exe"), std::string::npos);
  ASSERT_EQ(runner.requests().size(), 1u);
  EXPECT_EQ(runner.requests()[0].args, std::vector<std::string>{"/resync"});
}

TEST(MemoryProcessRunnerTest, FixedReplyMatchesTheFileNameWithoutCase) {
  MemoryProcessRunner runner;
  runner.reply("w32tm.exe", 0, "The command completed successfully.");
  auto result = runner.run(ProcessRequest{"C:\\Windows\\System32\\W32tm.EXE", {"/resync", "/nowait"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_EQ(result->output, "The command completed successfully.");
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(runner.runCount("W32TM.exe"), 1);
  EXPECT_EQ(runner.runCount("msiexec.exe"), 0);
}

TEST(MemoryProcessRunnerTest, FullPathScriptWinsOverFileNameScript) {
  MemoryProcessRunner runner;
  runner.reply("setup.exe", 1);
  runner.reply("C:\\Temp\\setup.exe", 2);
  EXPECT_EQ(runner.run(ProcessRequest{"C:\\Temp\\setup.exe"})->exitCode, 2);
  EXPECT_EQ(runner.run(ProcessRequest{"D:\\setup.exe"})->exitCode, 1);
}

TEST(MemoryProcessRunnerTest, HandlerCanUninstallAProduct) {
  ManualTimeSource time;
  MemoryPlatform mem(time);
  mem.products.add(connector());
  mem.processes.onRun("msiexec.exe", [&](const ProcessRequest& request) -> Result<ProcessResult> {
    // "/X{code}": remove the product the way msiexec would.
    if (request.args.empty() || request.args[0].rfind("/X", 0) != 0) return ProcessResult{1603, false, "bad"};
    mem.products.remove(request.args[0].substr(2));
    return ProcessResult{0, false, ""};
  });

  auto request = parseCommandLine(connector().uninstallString);
  ASSERT_TRUE(request.ok());
  auto result = mem.get().processes->run(*request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_TRUE(mem.products.list()->empty());
  EXPECT_EQ(mem.processes.runCount("MsiExec.exe"), 1);
}

TEST(MemoryProcessRunnerTest, HandlerMayReturnAnError) {
  MemoryProcessRunner runner;
  runner.onRun("setup.exe", [](const ProcessRequest&) -> Result<ProcessResult> {
    return fail(ErrorCode::kPermissionDenied, "access denied");
  });
  EXPECT_EQ(runner.run(ProcessRequest{"setup.exe"}).error().code, ErrorCode::kPermissionDenied);
}

// --- MemorySecretStore ---

TEST(MemorySecretStoreTest, StoresRetrievesAndRemoves) {
  MemorySecretStore secrets;
  EXPECT_EQ(secrets.retrieve("DefaultPassword").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(secrets.store("DefaultPassword", Secret("pw-1")));
  EXPECT_TRUE(secrets.contains("defaultpassword"));
  EXPECT_EQ(secrets.retrieve("DEFAULTPASSWORD")->reveal(), "pw-1");
  ASSERT_TRUE(secrets.store("DefaultPassword", Secret("pw-2")));
  EXPECT_EQ(secrets.retrieve("DefaultPassword")->reveal(), "pw-2");
  ASSERT_TRUE(secrets.remove("DefaultPassword"));
  EXPECT_FALSE(secrets.contains("DefaultPassword"));
  EXPECT_TRUE(secrets.remove("DefaultPassword"));  // removing an absent secret succeeds
}

TEST(MemorySecretStoreTest, FailAllFailsEveryOperationWithoutLeakingTheSecret) {
  MemorySecretStore secrets;
  ASSERT_TRUE(secrets.store("DefaultPassword", Secret("pw-1")));
  secrets.failAll(fail(ErrorCode::kNotSupported, "LSA private data is not available"));
  auto retrieved = secrets.retrieve("DefaultPassword");
  ASSERT_FALSE(retrieved.ok());
  EXPECT_EQ(retrieved.error().code, ErrorCode::kNotSupported);
  EXPECT_EQ(retrieved.error().message.find("pw-1"), std::string::npos);
  EXPECT_FALSE(secrets.store("DefaultPassword", Secret("pw-2")));
  EXPECT_FALSE(secrets.remove("DefaultPassword"));
  secrets.clearFailure();
  EXPECT_EQ(secrets.retrieve("DefaultPassword")->reveal(), "pw-1");
}

// --- MemorySystemClock ---

TEST(MemorySystemClockTest, FollowsTheTimeSourceAtAnOffset) {
  ManualTimeSource time;
  MemorySystemClock clock(time, -minutes(7));
  EXPECT_EQ(clock.now(), time.now() - minutes(7));
  time.advance(hours(1));
  EXPECT_EQ(clock.now(), time.now() - minutes(7));
  clock.setOffset(seconds(3));
  EXPECT_EQ(clock.now(), time.now() + seconds(3));
}

TEST(MemorySystemClockTest, CorrectMovesTheClockButNotTheTimeSource) {
  ManualTimeSource time;
  const SysTime start = time.now();
  MemorySystemClock clock(time, -minutes(7));
  ASSERT_TRUE(clock.canCorrect());
  auto corrected = clock.correct(minutes(7));
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(*corrected, ClockCorrection::kResynced);
  EXPECT_EQ(clock.offset(), milliseconds(0));
  EXPECT_EQ(clock.now(), time.now());
  EXPECT_EQ(time.now(), start);
  clock.setCorrectionKind(ClockCorrection::kStepped);
  EXPECT_EQ(clock.correct(milliseconds(-250)).value(), ClockCorrection::kStepped);
  EXPECT_EQ(clock.corrections(), (std::vector<Millis>{minutes(7), milliseconds(-250)}));
}

TEST(MemorySystemClockTest, RefusedCorrectionChangesNothing) {
  ManualTimeSource time;
  MemorySystemClock clock(time, hours(20));
  clock.refuse(fail(ErrorCode::kPermissionDenied, "SE_SYSTEMTIME_NAME not held"));
  EXPECT_EQ(clock.canCorrect().error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(clock.correct(-hours(20)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(clock.offset(), hours(20));
  EXPECT_TRUE(clock.corrections().empty());
  clock.allow();
  EXPECT_TRUE(clock.correct(-hours(20)).ok());
  EXPECT_EQ(clock.offset(), milliseconds(0));
}

// --- MemoryOsInfo ---

TEST(MemoryOsInfoTest, StartsAsAQuietWindowsMachine) {
  MemoryOsInfo os;
  EXPECT_EQ(os.identity()->product, "Windows 10 Pro");
  EXPECT_EQ(os.hostName(), "PC01");
  EXPECT_EQ(os.pendingReboot().value(), "");
  EXPECT_EQ(os.upgradeStaged().value(), "");
}

TEST(MemoryOsInfoTest, SettersAndFailuresShowThrough) {
  MemoryOsInfo os;
  const OsIdentity upgraded{"Windows 11 Pro", "10.0", "22631", "2861"};
  os.setIdentity(upgraded);
  os.setHostName("KIOSK-7");
  os.setPendingReboot("RebootPending key present");
  os.setUpgradeStaged("C:\\$WINDOWS.~BT exists");
  EXPECT_EQ(os.identity().value(), upgraded);
  EXPECT_EQ(os.hostName(), "KIOSK-7");
  EXPECT_EQ(os.pendingReboot().value(), "RebootPending key present");
  EXPECT_EQ(os.upgradeStaged().value(), "C:\\$WINDOWS.~BT exists");

  os.failIdentity(fail(ErrorCode::kPermissionDenied, "cannot read CurrentVersion"));
  os.failPendingReboot(fail(ErrorCode::kIo, "x"));
  os.failUpgradeStaged(fail(ErrorCode::kIo, "y"));
  EXPECT_EQ(os.identity().error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(os.pendingReboot().error().message, "x");
  EXPECT_EQ(os.upgradeStaged().error().message, "y");
}

// --- MemoryPlatform ---

TEST(MemoryPlatformTest, GetPointsAtEveryOwnedDouble) {
  ManualTimeSource time;
  MemoryPlatform mem(time);
  Platform& platform = mem.get();
  EXPECT_EQ(platform.time, &time);
  EXPECT_EQ(platform.clock, &mem.clock);
  EXPECT_EQ(platform.os, &mem.os);
  EXPECT_EQ(platform.files, &mem.files);
  EXPECT_EQ(platform.processes, &mem.processes);
  EXPECT_EQ(platform.registry, &mem.registry);
  EXPECT_EQ(platform.services, &mem.services);
  EXPECT_EQ(platform.products, &mem.products);
  EXPECT_EQ(platform.secrets, &mem.secrets);
}

TEST(MemoryPlatformTest, TwoPlatformsShareNothing) {
  ManualTimeSource time;
  MemoryPlatform first(time);
  MemoryPlatform second(time);
  ASSERT_TRUE(first.get().registry->write("SOFTWARE\\X", "V", RegDword{1}));
  ASSERT_TRUE(first.get().files->createDirectories("C:\\state"));
  first.services.addService("Svc");
  EXPECT_FALSE(second.get().registry->keyExists("SOFTWARE\\X"));
  EXPECT_EQ(second.get().files->status("C:\\state").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(second.get().services->query("Svc").error().code, ErrorCode::kNotFound);
}

TEST(MemoryPlatformTest, PartsUseTheGivenTimeSource) {
  ManualTimeSource time;
  MemoryPlatform mem(time);
  time.advance(hours(3));
  ASSERT_TRUE(mem.files.addFile("C:\\x"));
  EXPECT_EQ(mem.files.status("C:\\x")->modified, time.now());
  EXPECT_EQ(mem.get().clock->now(), time.now());
}


// --- MemoryChangeNotifier ---

TEST(MemoryChangeNotifierTest, WatchesWhatExistsAndTellsOnlyItsWatchers) {
  ManualTimeSource time;
  MemoryPlatform platform(time);
  platform.registry.createKey("SOFTWARE\\Watched");
  ASSERT_TRUE(platform.files.createDirectories("C:\\Logs"));
  auto& changes = platform.changes;
  EXPECT_EQ(changes.watch(WatchTarget::registryKey("SOFTWARE\\Missing"), [] {}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(changes.watch(WatchTarget::folder("C:\\Nope"), [] {}).error().code, ErrorCode::kNotFound);

  int keyHeard = 0;
  int folderHeard = 0;
  auto key = changes.watch(WatchTarget::registryKey("SOFTWARE\\Watched"), [&] { ++keyHeard; });
  auto folder = changes.watch(WatchTarget::folder("C:\\Logs"), [&] { ++folderHeard; });
  ASSERT_TRUE(key);
  ASSERT_TRUE(folder);
  EXPECT_EQ(changes.fire(WatchTarget::registryKey("SOFTWARE\\Watched")), 1);
  EXPECT_EQ(changes.fire(WatchTarget::registryKey("SOFTWARE\\Watched", RegistryView::k32)), 0);
  EXPECT_EQ(keyHeard, 1);
  EXPECT_EQ(folderHeard, 0);

  changes.end(WatchTarget::folder("C:\\Logs"));  // as if the folder were deleted
  EXPECT_FALSE((*folder)->active());
  EXPECT_EQ(changes.fire(WatchTarget::folder("C:\\Logs")), 0);
  key->reset();
  EXPECT_EQ(changes.fire(WatchTarget::registryKey("SOFTWARE\\Watched")), 0);
  EXPECT_TRUE(changes.watching().empty());
}

TEST(WatchTargetTest, DescribesKeysWithTheirViewAndFoldersAsTheyAre) {
  EXPECT_EQ(WatchTarget::registryKey("SOFTWARE\\X").describe(), "HKLM\\SOFTWARE\\X");
  EXPECT_EQ(WatchTarget::registryKey("SOFTWARE\\X", RegistryView::k32).describe(), "HKLM\\SOFTWARE\\X (32-bit view)");
  EXPECT_EQ(WatchTarget::folder("C:\\Logs", true).describe(), "C:\\Logs");
}

}  // namespace
}  // namespace remediator::platform
