#include "platform/memory/memory_registry.h"

#include <gtest/gtest.h>

namespace remediator::platform {
namespace {

using Names = std::vector<std::string>;
constexpr const char* kWinlogon = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";

TEST(MemoryRegistryTest, ReadReturnsTheTypedValueWritten) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kWinlogon, "AutoAdminLogon", RegSz{"1"}));
  ASSERT_TRUE(registry.write(kWinlogon, "AutoLogonCount", RegDword{3}));
  ASSERT_TRUE(registry.write(kWinlogon, "Pending", RegMultiSz{{"a", "b"}}));
  EXPECT_EQ(registry.read(kWinlogon, "AutoAdminLogon").value(), RegistryValue(RegSz{"1"}));
  EXPECT_EQ(registry.read(kWinlogon, "AutoLogonCount").value(), RegistryValue(RegDword{3}));
  EXPECT_EQ(registry.read(kWinlogon, "Pending").value(), RegistryValue(RegMultiSz{{"a", "b"}}));
}

TEST(MemoryRegistryTest, ViewsAreKeptApart) {
  MemoryRegistry registry;
  const std::string uninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{X}";
  ASSERT_TRUE(registry.write(uninstall, "DisplayName", RegSz{"32-bit tool"}, RegistryView::k32));
  EXPECT_TRUE(registry.keyExists(uninstall, RegistryView::k32));
  EXPECT_FALSE(registry.keyExists(uninstall, RegistryView::k64));
  auto in64 = registry.read(uninstall, "DisplayName", RegistryView::k64);
  ASSERT_FALSE(in64.ok());
  EXPECT_EQ(in64.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(registry.read(uninstall, "DisplayName", RegistryView::k32).value(),
            RegistryValue(RegSz{"32-bit tool"}));
}

TEST(MemoryRegistryTest, KeysAndValueNamesIgnoreCase) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kWinlogon, "DefaultUserName", RegSz{"kiosk"}));
  EXPECT_EQ(
      registry.read("software\\MICROSOFT\\windows nt\\currentversion\\WINLOGON", "defaultusername").value(),
      RegistryValue(RegSz{"kiosk"}));
  // Writing under another case replaces the value and keeps the name as first written.
  ASSERT_TRUE(registry.write(kWinlogon, "DEFAULTUSERNAME", RegSz{"other"}));
  EXPECT_EQ(registry.valueNames(kWinlogon), Names{"DefaultUserName"});
  EXPECT_EQ(registry.read(kWinlogon, "DefaultUserName").value(), RegistryValue(RegSz{"other"}));
}

TEST(MemoryRegistryTest, MissingKeyAndMissingValueAreNotFoundAndNamed) {
  MemoryRegistry registry;
  auto noKey = registry.read("SOFTWARE\\Nope", "X");
  ASSERT_FALSE(noKey.ok());
  EXPECT_EQ(noKey.error().code, ErrorCode::kNotFound);
  EXPECT_NE(noKey.error().message.find("SOFTWARE\\Nope"), std::string::npos);

  registry.createKey("SOFTWARE\\Empty");
  auto noValue = registry.read("SOFTWARE\\Empty", "Missing");
  ASSERT_FALSE(noValue.ok());
  EXPECT_EQ(noValue.error().code, ErrorCode::kNotFound);
  EXPECT_NE(noValue.error().message.find("Missing"), std::string::npos);

  auto noSubkeys = registry.subkeys("SOFTWARE\\Nope");
  ASSERT_FALSE(noSubkeys.ok());
  EXPECT_EQ(noSubkeys.error().code, ErrorCode::kNotFound);
}

TEST(MemoryRegistryTest, ValuePathsImplyTheirParentKeys) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write("SOFTWARE\\Vendor\\Product\\Settings", "Level", RegDword{2}));
  EXPECT_TRUE(registry.keyExists("SOFTWARE"));
  EXPECT_TRUE(registry.keyExists("SOFTWARE\\Vendor\\Product"));
  EXPECT_EQ(registry.subkeys("SOFTWARE").value(), Names{"Vendor"});
  EXPECT_EQ(registry.subkeys("SOFTWARE\\Vendor").value(), Names{"Product"});
  EXPECT_EQ(registry.subkeys("SOFTWARE\\Vendor\\Product\\Settings").value(), Names{});
  EXPECT_EQ(registry.subkeys("").value(), Names{"SOFTWARE"});
}

TEST(MemoryRegistryTest, SubkeysListsOnlyDirectChildrenOfExplicitKeys) {
  MemoryRegistry registry;
  const std::string root = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  registry.createKey(root + "\\{B}");
  registry.createKey(root + "\\{A}\\Deeper");
  registry.createKey(root + " Extra");  // a sibling sharing the prefix must not be listed
  EXPECT_EQ(registry.subkeys(root).value(), (Names{"{A}", "{B}"}));
  EXPECT_TRUE(registry.keyExists("\\" + root + "\\{B}\\"));  // stray separators name the same key
}

TEST(MemoryRegistryTest, RemoveValueSucceedsWhetherOrNotItExists) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kWinlogon, "DefaultPassword", RegSz{"x"}));
  const int before = registry.changeCount();
  EXPECT_TRUE(registry.remove(kWinlogon, "DefaultPassword"));
  EXPECT_EQ(registry.changeCount(), before + 1);
  EXPECT_EQ(registry.read(kWinlogon, "DefaultPassword").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(registry.remove(kWinlogon, "DefaultPassword"));
  EXPECT_TRUE(registry.remove("SOFTWARE\\Nope", "X"));
  EXPECT_EQ(registry.changeCount(), before + 1);  // removing nothing changed nothing
  EXPECT_TRUE(registry.keyExists(kWinlogon));     // the key stays when its last value goes
}

TEST(MemoryRegistryTest, RemoveKeyRemovesTheWholeSubtreeOfOneView) {
  MemoryRegistry registry;
  const std::string pending =
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending";
  registry.createKey(pending + "\\Sub");
  registry.createKey(pending, RegistryView::k32);
  EXPECT_TRUE(registry.removeKey(pending));
  EXPECT_FALSE(registry.keyExists(pending));
  EXPECT_FALSE(registry.keyExists(pending + "\\Sub"));
  EXPECT_TRUE(registry.keyExists("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"));
  EXPECT_TRUE(registry.keyExists(pending, RegistryView::k32));
  EXPECT_FALSE(registry.removeKey(pending));
}

TEST(MemoryRegistryTest, DeniedWritesFailAndChangeNothing) {
  MemoryRegistry registry;
  ASSERT_TRUE(registry.write(kWinlogon, "AutoAdminLogon", RegSz{"0"}));
  registry.denyWrites("SOFTWARE\\Microsoft\\Windows NT", fail(ErrorCode::kPermissionDenied, "access denied"));
  const int before = registry.changeCount();

  auto write = registry.write(kWinlogon, "AutoAdminLogon", RegSz{"1"});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kPermissionDenied);
  auto remove = registry.remove(kWinlogon, "AutoAdminLogon");
  ASSERT_FALSE(remove.ok());
  EXPECT_EQ(registry.read(kWinlogon, "AutoAdminLogon").value(), RegistryValue(RegSz{"0"}));
  EXPECT_EQ(registry.changeCount(), before);
  EXPECT_TRUE(registry.write("SOFTWARE\\Microsoft\\Windows", "X", RegDword{1}));  // outside the denied key

  registry.allowWrites("SOFTWARE\\Microsoft\\Windows NT");
  EXPECT_TRUE(registry.write(kWinlogon, "AutoAdminLogon", RegSz{"1"}));
}

}  // namespace
}  // namespace remediator::platform
