// WindowsRegistry against the registry of the build's Wine prefix: every value type, both views, non-ASCII
// text, and values written by other tools straight through Win32.
#include "platform/windows/windows_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

using testing::ScratchKey;

/// Writes a raw value with RegSetValueExW, as another tool would.
void writeRaw(const std::string& key, const wchar_t* name, DWORD type, const void* data, DWORD size) {
  HKEY h = nullptr;
  const std::wstring wide(key.begin(), key.end());
  ASSERT_EQ(::RegCreateKeyExW(HKEY_LOCAL_MACHINE, wide.c_str(), 0, nullptr, 0, KEY_SET_VALUE | KEY_WOW64_64KEY,
                              nullptr, &h, nullptr),
            ERROR_SUCCESS);
  ASSERT_EQ(::RegSetValueExW(h, name, 0, type, static_cast<const BYTE*>(data), size), ERROR_SUCCESS);
  ::RegCloseKey(h);
}

TEST(WindowsRegistryTest, EveryValueTypeRoundTrips) {
  ScratchKey key;
  WindowsRegistry registry;
  const std::vector<std::pair<std::string, RegistryValue>> values = {
      {"sz", RegSz{"plain text"}},
      {"expand", RegExpandSz{"%SystemRoot%\\System32"}},
      {"multi", RegMultiSz{{"first", "second entry", "third"}}},
      {"dword", RegDword{0xDEADBEEF}},
      {"qword", RegQword{0x0123456789ABCDEFULL}},
      {"binary", RegBinary{{0x00, 0xFF, 0x10, 0x00}}},
      {"", RegSz{"the default value"}},
  };
  for (const auto& [name, value] : values) ASSERT_TRUE(registry.write(key.path(), name, value)) << name;
  for (const auto& [name, value] : values) {
    auto read = registry.read(key.path(), name);
    ASSERT_TRUE(read) << name << ": " << read.error().message;
    EXPECT_EQ(*read, value) << name;
  }
}

TEST(WindowsRegistryTest, ExpandStringsAreReturnedUnexpanded) {
  ScratchKey key;
  WindowsRegistry registry;
  ASSERT_TRUE(registry.write(key.path(), "path", RegExpandSz{"%ProgramData%\\Remediator"}));
  auto read = registry.read(key.path(), "path");
  ASSERT_TRUE(read);
  EXPECT_EQ(std::get<RegExpandSz>(*read).value, "%ProgramData%\\Remediator");
}

TEST(WindowsRegistryTest, NonAsciiKeysNamesAndValuesSurviveInBothViews) {
  ScratchKey key;
  WindowsRegistry registry;
  const std::string subkey = key / "Grüße 日本";
  const std::string name = "名前 Ünïcödé";
  const RegSz text{"Zoë's café — 😀 (an astral character, two UTF-16 units)"};
  const RegMultiSz multi{{"Ärger", "日本語", "plain"}};
  for (const RegistryView view : {RegistryView::k64, RegistryView::k32}) {
    ASSERT_TRUE(registry.write(subkey, name, text, view));
    ASSERT_TRUE(registry.write(subkey, "multi", multi, view));
    auto read = registry.read(subkey, name, view);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, RegistryValue{text});
    auto readMulti = registry.read(subkey, "multi", view);
    ASSERT_TRUE(readMulti);
    EXPECT_EQ(*readMulti, RegistryValue{multi});
  }
  auto children = registry.subkeys(key.path());
  ASSERT_TRUE(children);
  EXPECT_EQ(*children, std::vector<std::string>{"Grüße 日本"});
}

TEST(WindowsRegistryTest, ViewsAreSeparateAndThe32BitViewIsWow6432Node) {
  ScratchKey key;
  WindowsRegistry registry;
  ASSERT_TRUE(registry.write(key.path(), "only32", RegDword{32}, RegistryView::k32));
  ASSERT_TRUE(registry.write(key.path(), "only64", RegDword{64}, RegistryView::k64));

  EXPECT_EQ(registry.read(key.path(), "only32", RegistryView::k64).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(registry.read(key.path(), "only64", RegistryView::k32).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(std::get<RegDword>(*registry.read(key.path(), "only32", RegistryView::k32)).value, 32u);
  // Seen from the 64-bit view, the 32-bit view of SOFTWARE lives under SOFTWARE\WOW6432Node.
  const std::string redirected = "SOFTWARE\\WOW6432Node" + key.path().substr(std::string("SOFTWARE").size());
  auto viaNode = registry.read(redirected, "only32", RegistryView::k64);
  ASSERT_TRUE(viaNode) << viaNode.error().message;
  EXPECT_EQ(std::get<RegDword>(*viaNode).value, 32u);
}

TEST(WindowsRegistryTest, MissingKeyAndValueAreNotFoundAndNamed) {
  ScratchKey key;
  WindowsRegistry registry;
  auto noKey = registry.read(key / "absent", "x");
  ASSERT_FALSE(noKey);
  EXPECT_EQ(noKey.error().code, ErrorCode::kNotFound);
  EXPECT_NE(noKey.error().message.find(key / "absent"), std::string::npos) << noKey.error().message;

  ASSERT_TRUE(registry.write(key.path(), "present", RegSz{"1"}));
  auto noValue = registry.read(key.path(), "missing");
  ASSERT_FALSE(noValue);
  EXPECT_EQ(noValue.error().code, ErrorCode::kNotFound);
  EXPECT_NE(noValue.error().message.find("'missing'"), std::string::npos) << noValue.error().message;
  EXPECT_FALSE(registry.keyExists(key / "absent"));
  EXPECT_TRUE(registry.keyExists(key.path()));
}

TEST(WindowsRegistryTest, RemoveDeletesTheValueAndToleratesAbsence) {
  ScratchKey key;
  WindowsRegistry registry;
  ASSERT_TRUE(registry.write(key.path(), "gone", RegSz{"soon"}));
  ASSERT_TRUE(registry.remove(key.path(), "gone"));
  EXPECT_EQ(registry.read(key.path(), "gone").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(registry.remove(key.path(), "gone"));
  EXPECT_TRUE(registry.remove(key / "no such key", "gone"));
  EXPECT_TRUE(registry.keyExists(key.path())) << "removing a value must leave its key";
}

TEST(WindowsRegistryTest, SubkeysListsDirectChildrenOnly) {
  ScratchKey key;
  WindowsRegistry registry;
  ASSERT_TRUE(registry.write(key / "b", "v", RegDword{1}));
  ASSERT_TRUE(registry.write(key / "a\\deeper", "v", RegDword{1}));
  auto children = registry.subkeys(key.path());
  ASSERT_TRUE(children) << children.error().message;
  std::sort(children->begin(), children->end());
  EXPECT_EQ(*children, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(registry.subkeys(key / "absent").error().code, ErrorCode::kNotFound);
}

TEST(WindowsRegistryTest, EmptyMultiStringEntryIsRefusedBeforeWriting) {
  ScratchKey key;
  WindowsRegistry registry;
  auto written = registry.write(key.path(), "bad", RegMultiSz{{"a", "", "c"}});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(written.error().message.find("entry 2"), std::string::npos) << written.error().message;
  EXPECT_EQ(registry.read(key.path(), "bad").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(registry.write(key.path(), "empty", RegMultiSz{}));
  EXPECT_EQ(*registry.read(key.path(), "empty"), RegistryValue{RegMultiSz{}});
}

TEST(WindowsRegistryTest, ReadsCarelessValuesOtherToolsWrite) {
  ScratchKey key;
  WindowsRegistry registry;
  // REG_SZ without its terminating NUL, and REG_MULTI_SZ without the closing one.
  const wchar_t text[] = {L'a', L'b', L'c'};
  writeRaw(key.path(), L"unterminated", REG_SZ, text, sizeof text);
  const wchar_t multi[] = {L'x', L'\0', L'y', L'z'};
  writeRaw(key.path(), L"multi", REG_MULTI_SZ, multi, sizeof multi);
  // Winlogon's AutoAdminLogon written as a DWORD by some tools: still readable as text.
  const DWORD one = 1;
  writeRaw(key.path(), L"AutoAdminLogon", REG_DWORD, &one, sizeof one);

  EXPECT_EQ(*registry.read(key.path(), "unterminated"), RegistryValue{RegSz{"abc"}});
  EXPECT_EQ(*registry.read(key.path(), "multi"), RegistryValue{(RegMultiSz{{"x", "yz"}})});
  EXPECT_EQ(registryValueText(*registry.read(key.path(), "AutoAdminLogon")), "1");
}

TEST(WindowsRegistryTest, MalformedDwordIsInvalidData) {
  ScratchKey key;
  WindowsRegistry registry;
  const BYTE two[] = {1, 2};
  writeRaw(key.path(), L"short", REG_DWORD, two, sizeof two);
  auto read = registry.read(key.path(), "short");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidData);
  EXPECT_NE(read.error().message.find("'short'"), std::string::npos);
}

TEST(WindowsRegistryTest, InvalidUtf8IsRefused) {
  ScratchKey key;
  WindowsRegistry registry;
  auto written = registry.write(key.path(), "bad", RegSz{std::string("\xC3\x28", 2)});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(registry.read("", "x").error().code, ErrorCode::kInvalidArgument);
}

TEST(MultiStringTest, EncodingEndsWithTwoNulsAndDecodesBack) {
  auto encoded = encodeMultiString({"ab", "c"});
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, std::wstring(L"ab\0c\0\0", 6));
  EXPECT_EQ(decodeMultiString(encoded->data(), encoded->size()), (std::vector<std::string>{"ab", "c"}));
  EXPECT_EQ(*encodeMultiString({}), std::wstring(L"\0\0", 2));
  EXPECT_TRUE(decodeMultiString(L"", 0).empty());
}

}  // namespace
}  // namespace remediator::platform
