// WindowsInstalledProducts: fake Uninstall entries written into the prefix's registry in both views are found
// with every field, and the pure parts (packed MSI codes, merging) on their own.
#include "platform/windows/windows_installed_products.h"

#include <gtest/gtest.h>

#include "platform/windows/windows_process_runner.h"
#include "platform/windows/windows_registry.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

/// An Uninstall entry of the test's own, removed in both views afterwards.
class FakeUninstallEntry {
 public:
  FakeUninstallEntry(WindowsRegistry& registry, std::string keyName, RegistryView view)
      : registry_(registry), key_(std::string(WindowsInstalledProducts::kUninstallKey) + "\\" + keyName),
        keyName_(std::move(keyName)), view_(view) {}
  ~FakeUninstallEntry() {
    HKEY parent = nullptr;
    const REGSAM flag = view_ == RegistryView::k64 ? KEY_WOW64_64KEY : KEY_WOW64_32KEY;
    if (::RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall", 0,
                        KEY_ALL_ACCESS | flag, &parent) == ERROR_SUCCESS) {
      const std::wstring leaf(keyName_.begin(), keyName_.end());
      ::RegDeleteTreeW(parent, leaf.c_str());
      ::RegDeleteKeyExW(parent, leaf.c_str(), flag, 0);
      ::RegCloseKey(parent);
    }
  }
  void set(const std::string& name, const std::string& value) {
    ASSERT_TRUE(registry_.write(key_, name, RegSz{value}, view_));
  }

 private:
  WindowsRegistry& registry_;
  std::string key_;
  std::string keyName_;
  RegistryView view_;
};

const InstalledProduct* named(const std::vector<InstalledProduct>& products, const std::string& name) {
  for (const auto& p : products) {
    if (p.displayName == name) return &p;
  }
  return nullptr;
}

TEST(WindowsInstalledProductsTest, FindsFakeEntriesInBothViews) {
  WindowsRegistry registry;
  const std::string suffix = testing::uniqueSuffix();
  const std::string name64 = "Windows Server Essentials Connector (test " + suffix + ")";
  const std::string name32 = "Ünïcödé 32-bit tool (test " + suffix + ")";
  FakeUninstallEntry entry64(registry, "RemediatorTest64-" + suffix, RegistryView::k64);
  entry64.set("DisplayName", name64);
  entry64.set("DisplayVersion", "10.0.14393.0");
  entry64.set("Publisher", "Microsoft Corporation");
  entry64.set("UninstallString", "\"C:\\Program Files\\Windows Server\\Bin\\uninstall.exe\"");
  entry64.set("QuietUninstallString", "\"C:\\Program Files\\Windows Server\\Bin\\uninstall.exe\" /quiet");
  FakeUninstallEntry entry32(registry, "RemediatorTest32-" + suffix, RegistryView::k32);
  entry32.set("DisplayName", name32);
  entry32.set("UninstallString", "C:\\Tools\\uninst.exe");
  FakeUninstallEntry hidden(registry, "RemediatorTestHidden-" + suffix, RegistryView::k64);
  hidden.set("UninstallString", "C:\\nothing.exe");  // no DisplayName: not in Programs and Features

  WindowsInstalledProducts products(registry);
  auto list = products.list();
  ASSERT_TRUE(list) << list.error().message;
  const auto* p64 = named(*list, name64);
  ASSERT_NE(p64, nullptr);
  EXPECT_EQ(p64->version, "10.0.14393.0");
  EXPECT_EQ(p64->publisher, "Microsoft Corporation");
  EXPECT_EQ(p64->quietUninstallString, "\"C:\\Program Files\\Windows Server\\Bin\\uninstall.exe\" /quiet");
  EXPECT_EQ(p64->productCode, "");
  const auto* p32 = named(*list, name32);
  ASSERT_NE(p32, nullptr);
  EXPECT_EQ(p32->uninstallString, "C:\\Tools\\uninst.exe");
  for (const auto& p : *list) EXPECT_NE(p.uninstallString, "C:\\nothing.exe");

  auto found = findProduct(*list, {"windows server essentials connector (TEST " + suffix + ")"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->displayName, name64);
}

TEST(WindowsInstalledProductsTest, GuidKeyNameIsTheProductCodeAndMergesAcrossViews) {
  WindowsRegistry registry;
  // A product code made unique per run: the last 12 digits carry the process id.
  char code[40];
  std::snprintf(code, sizeof code, "{5EB7E2B8-0C1D-4E5F-9A6B-%012lX}", static_cast<unsigned long>(::GetCurrentProcessId()));
  FakeUninstallEntry in64(registry, code, RegistryView::k64);
  in64.set("DisplayName", "Merged Product");
  FakeUninstallEntry in32(registry, code, RegistryView::k32);
  in32.set("DisplayName", "Merged Product");
  in32.set("Publisher", "Only the 32-bit entry says");

  auto list = WindowsInstalledProducts(registry).list();
  ASSERT_TRUE(list) << list.error().message;
  int count = 0;
  for (const auto& p : *list) {
    if (p.productCode != code) continue;
    ++count;
    EXPECT_EQ(p.publisher, "Only the 32-bit entry says");
  }
  EXPECT_EQ(count, 1);
  EXPECT_TRUE(findProduct(*list, {}, std::string(code).substr(1, 36)).has_value()) << "found by code without braces";
}

TEST(WindowsInstalledProductsTest, FindsAnInstalledMsiWithItsUpgradeCode) {
  const std::string msi = REMEDIATOR_TEST_MSI;
  if (msi.empty()) GTEST_SKIP() << "wixl was not found when this was built, so there is no test MSI";
  const std::string productCode = "{6F1D1C40-5A3B-4C9E-9E55-1B7D2D1A0001}";
  WindowsProcessRunner runner;
  const auto msiexec = [&runner](std::vector<std::string> args) {
    ProcessRequest request;
    request.program = "msiexec";
    request.args = std::move(args);
    request.timeout = std::chrono::minutes(2);
    return runner.run(request);
  };
  (void)msiexec({"/x", productCode, "/qn"});  // left over from an interrupted run
  auto installed = msiexec({"/i", testing::windowsPath(msi), "/qn"});
  ASSERT_TRUE(installed) << installed.error().message;
  ASSERT_EQ(installed->exitCode, 0) << installed->output;

  WindowsRegistry registry;
  auto list = WindowsInstalledProducts(registry).list();
  ASSERT_TRUE(list) << list.error().message;
  auto found = findProduct(*list, {}, productCode);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->displayName, "Remediator Test Product");
  EXPECT_EQ(found->version, "1.2.3");
  EXPECT_EQ(found->publisher, "Remediator Tests");
  EXPECT_EQ(found->upgradeCode, "{6F1D1C40-5A3B-4C9E-9E55-1B7D2D1A0002}");
  EXPECT_FALSE(found->uninstallString.empty());
  EXPECT_TRUE(findProduct(*list, {}, "6F1D1C40-5A3B-4C9E-9E55-1B7D2D1A0002").has_value()) << "by upgrade code";

  auto removed = msiexec({"/x", productCode, "/qn"});
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->exitCode, 0) << removed->output;
  auto after = WindowsInstalledProducts(registry).list();
  ASSERT_TRUE(after);
  EXPECT_FALSE(findProduct(*after, {}, productCode).has_value());
}

TEST(MsiGuidTest, PackedCodesUnpack) {
  EXPECT_EQ(unpackMsiGuid("87654321BA09FEDC2143658709BADCFE"), "{12345678-90AB-CDEF-1234-567890ABCDEF}");
  EXPECT_EQ(unpackMsiGuid("87654321ba09fedc2143658709badcfe"), "{12345678-90AB-CDEF-1234-567890ABCDEF}");
  EXPECT_FALSE(unpackMsiGuid("87654321BA09FEDC2143658709BADCF").has_value());
  EXPECT_FALSE(unpackMsiGuid("87654321BA09FEDC2143658709BADCFG").has_value());
  EXPECT_FALSE(unpackMsiGuid("{12345678-90AB-CDEF-1234-567890ABCDEF}").has_value());
}

TEST(MergeProductsTest, SameCodeFillsGapsOthersAreAppended) {
  std::vector<InstalledProduct> products = {
      {"Connector", "1.0", "", "{AAAAAAAA-0000-0000-0000-000000000001}", "", "MsiExec.exe /X{...}", ""},
      {"Tool", "2.0", "Vendor", "", "", "tool-uninstall.exe", ""},
  };
  mergeProducts(products, {
                              {"Other name", "9.9", "Microsoft", "{aaaaaaaa-0000-0000-0000-000000000001}",
                               "{BBBBBBBB-0000-0000-0000-000000000002}", "ignored", ""},
                              {"New", "", "", "{CCCCCCCC-0000-0000-0000-000000000003}", "", "", ""},
                          });
  ASSERT_EQ(products.size(), 3u);
  EXPECT_EQ(products[0].displayName, "Connector") << "filled fields are kept";
  EXPECT_EQ(products[0].version, "1.0");
  EXPECT_EQ(products[0].publisher, "Microsoft") << "empty fields are filled";
  EXPECT_EQ(products[0].upgradeCode, "{BBBBBBBB-0000-0000-0000-000000000002}");
  EXPECT_EQ(products[2].displayName, "New");
}

}  // namespace
}  // namespace remediator::platform
