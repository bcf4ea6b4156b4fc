// WindowsOsInfo: the rules on a MemoryRegistry (every Windows generation, every reboot signal), and the real
// identity of the Wine prefix (set to Windows 10 by cmake/wine-run.sh).
#include "platform/windows/windows_os_info.h"

#include <gtest/gtest.h>

#include "platform/ascii.h"
#include "platform/file_system.h"
#include "platform/memory/memory_registry.h"
#include "platform/windows/windows_registry.h"
#include "tests/platform/temp_dir.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

const std::string kCurrentVersion = WindowsOsInfo::kCurrentVersionKey;

TEST(WindowsOsInfoTest, IdentityOfWindows10WithUpdateRevision) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kCurrentVersion, "ProductName", RegSz{"Windows 10 Pro"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentMajorVersionNumber", RegDword{10}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentMinorVersionNumber", RegDword{0}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentVersion", RegSz{"6.3"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentBuild", RegSz{"19045"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "UBR", RegDword{3803}));
  WindowsOsInfo os(registry, "C:\\");
  auto id = os.identity();
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, (OsIdentity{"Windows 10 Pro", "10.0", "19045", "3803"}));
}

TEST(WindowsOsInfoTest, IdentityOfWindows7FromTheOlderValues) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kCurrentVersion, "ProductName", RegSz{"Windows 7 Professional"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentVersion", RegSz{"6.1"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentBuildNumber", RegSz{"7601"}));
  WindowsOsInfo os(registry, "C:\\");
  EXPECT_EQ(*os.identity(), (OsIdentity{"Windows 7 Professional", "6.1", "7601", ""}));
}

TEST(WindowsOsInfoTest, AnUpgradeChangesTheIdentity) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kCurrentVersion, "ProductName", RegSz{"Windows 10 Pro"}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentMajorVersionNumber", RegDword{10}));
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentBuild", RegSz{"19044"}));
  WindowsOsInfo os(registry, "C:\\");
  const auto before = *os.identity();
  ASSERT_TRUE(registry.write(kCurrentVersion, "CurrentBuild", RegSz{"19045"}));
  EXPECT_NE(*os.identity(), before);
}

TEST(WindowsOsInfoTest, MissingProductNameIsNotFound) {
  MemoryRegistry registry;
  WindowsOsInfo os(registry, "C:\\");
  auto id = os.identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::kNotFound);
}

TEST(WindowsOsInfoTest, PendingRebootReportsEverySignal) {
  MemoryRegistry registry;
  WindowsOsInfo os(registry, "C:\\");
  EXPECT_EQ(*os.pendingReboot(), "");

  registry.createKey("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending");
  EXPECT_EQ(*os.pendingReboot(), "Component Based Servicing reports RebootPending");
  registry.createKey("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired");
  ASSERT_TRUE(registry.write("SYSTEM\\CurrentControlSet\\Control\\Session Manager", "PendingFileRenameOperations",
                             RegMultiSz{{"\\??\\C:\\Windows\\old.dll"}}));
  const std::string all = *os.pendingReboot();
  EXPECT_NE(all.find("RebootPending"), std::string::npos) << all;
  EXPECT_NE(all.find("RebootRequired"), std::string::npos) << all;
  EXPECT_NE(all.find("PendingFileRenameOperations"), std::string::npos) << all;
}

TEST(WindowsOsInfoTest, EmptyRenameListIsNoSignal) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write("SYSTEM\\CurrentControlSet\\Control\\Session Manager", "PendingFileRenameOperations",
                             RegMultiSz{}));
  WindowsOsInfo os(registry, "C:\\");
  EXPECT_EQ(*os.pendingReboot(), "");
}

TEST(WindowsOsInfoTest, StagedUpgradeIsTheSetupFolderOnTheSystemDrive) {
  testing::ScopedTempDir drive;
  MemoryRegistry registry;
  WindowsOsInfo os(registry, drive.path());
  EXPECT_EQ(*os.upgradeStaged(), "");
  std::filesystem::create_directory(drive.path() / L"$WINDOWS.~BT");
  const std::string signal = *os.upgradeStaged();
  EXPECT_NE(signal.find("$WINDOWS.~BT"), std::string::npos) << signal;
}

TEST(WindowsOsInfoTest, IdentityOfThisPrefixIsWindows10) {
  WindowsRegistry registry;
  WindowsOsInfo os(registry, systemDriveRoot());
  auto id = os.identity();
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_NE(id->product.find("Windows"), std::string::npos) << id->product;
  EXPECT_EQ(id->version, "10.0");
  ASSERT_FALSE(id->build.empty());
  EXPECT_EQ(id->build.find_first_not_of("0123456789"), std::string::npos) << id->build;
  EXPECT_TRUE(os.pendingReboot()) << "the signals of a fresh prefix must be readable";
  EXPECT_TRUE(os.upgradeStaged());
}

TEST(WindowsOsInfoTest, HostNameIsTheComputerName) {
  WindowsRegistry registry;
  WindowsOsInfo os(registry, systemDriveRoot());
  const auto expected = processEnvironment("COMPUTERNAME");
  ASSERT_TRUE(expected.has_value());
  EXPECT_TRUE(equalsIgnoreCase(os.hostName(), *expected)) << os.hostName() << " vs " << *expected;
}

}  // namespace
}  // namespace remediator::platform
