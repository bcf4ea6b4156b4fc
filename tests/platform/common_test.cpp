#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <ostream>
#include <set>
#include <type_traits>

#include "platform/file_system.h"
#include "platform/installed_products.h"
#include "platform/os_info.h"
#include "platform/registry.h"
#include "platform/secret_store.h"
#include "platform/service_manager.h"
#include "tests/platform/scoped_environment.h"

namespace remediator::platform {
namespace {

// --- registryValueText ---

TEST(RegistryValueTextTest, TextTypesGiveTheirText) {
  EXPECT_EQ(registryValueText(RegSz{"1"}), "1");
  EXPECT_EQ(registryValueText(RegExpandSz{"%SystemRoot%\\x"}), "%SystemRoot%\\x");
}

TEST(RegistryValueTextTest, NumbersGiveDecimalText) {
  EXPECT_EQ(registryValueText(RegDword{1}), "1");
  EXPECT_EQ(registryValueText(RegDword{4294967295u}), "4294967295");
  EXPECT_EQ(registryValueText(RegQword{18446744073709551615ull}), "18446744073709551615");
}

TEST(RegistryValueTextTest, OtherTypesGiveEmptyText) {
  EXPECT_EQ(registryValueText(RegMultiSz{{"a", "b"}}), "");
  EXPECT_EQ(registryValueText(RegBinary{{0x31}}), "");
}

// --- serviceStateName ---

TEST(ServiceStateNameTest, EveryStateHasItsOwnName) {
  std::set<std::string> names;
  for (auto state : {ServiceState::kStopped, ServiceState::kStartPending, ServiceState::kStopPending,
                     ServiceState::kRunning, ServiceState::kPaused, ServiceState::kOther}) {
    names.insert(serviceStateName(state));
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_STREQ(serviceStateName(ServiceState::kRunning), "running");
  EXPECT_STREQ(serviceStateName(ServiceState::kStartPending), "start_pending");
}

// --- findProduct ---

std::vector<InstalledProduct> sampleProducts() {
  InstalledProduct office{"Microsoft Office",
                          "16.0",
                          "Microsoft",
                          "{90160000-0011-0000-1000-0000000FF1CE}",
                          "",
                          "MsiExec.exe /X{90160000-0011-0000-1000-0000000FF1CE}",
                          ""};
  InstalledProduct connector{"Windows Server Essentials Connector",
                             "6.3",
                             "Microsoft",
                             "{A7C1D5E2-0000-4000-8000-00000000C0DE}",
                             "{B1B2B3B4-0000-4000-8000-0000000000AA}",
                             "MsiExec.exe /X{A7C1D5E2-0000-4000-8000-00000000C0DE}",
                             ""};
  InstalledProduct tool{"Tool", "1", "", "", "", "\"C:\\Program Files\\Tool\\uninst.exe\"", ""};
  return {office, connector, tool};
}

TEST(FindProductTest, MatchesDisplayNameWithoutCase) {
  auto found =
      findProduct(sampleProducts(), {"Windows Server 2012 Connector", "windows server ESSENTIALS connector"});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->version, "6.3");
}

TEST(FindProductTest, MatchesProductCodeWithOrWithoutBracesAndCase) {
  auto braced = findProduct(sampleProducts(), {}, "{a7c1d5e2-0000-4000-8000-00000000c0de}");
  auto bare = findProduct(sampleProducts(), {}, "A7C1D5E2-0000-4000-8000-00000000C0DE");
  ASSERT_TRUE(braced);
  ASSERT_TRUE(bare);
  EXPECT_EQ(braced->displayName, "Windows Server Essentials Connector");
  EXPECT_EQ(*bare, *braced);
}

TEST(FindProductTest, MatchesUpgradeCode) {
  auto found = findProduct(sampleProducts(), {}, "b1b2b3b4-0000-4000-8000-0000000000aa");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->displayName, "Windows Server Essentials Connector");
}

TEST(FindProductTest, ReturnsTheFirstMatchInListOrder) {
  auto products = sampleProducts();
  products.push_back(products[1]);
  products.back().version = "later";
  auto found = findProduct(products, {"Windows Server Essentials Connector"});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->version, "6.3");
}

TEST(FindProductTest, NothingMatchesGivesNullopt) {
  EXPECT_FALSE(findProduct(sampleProducts(), {"Windows Server Essentials"}));
  EXPECT_FALSE(findProduct(sampleProducts(), {"Connector"}, "{00000000-0000-0000-0000-000000000000}"));
  // An empty code must not match the products that have no code.
  EXPECT_FALSE(findProduct(sampleProducts(), {}, ""));
  EXPECT_FALSE(findProduct(sampleProducts(), {""}, "{}"));
}

// --- OsIdentity ---

TEST(OsIdentityTest, DescribeJoinsTheFields) {
  EXPECT_EQ((OsIdentity{"Windows 10 Pro", "10.0", "19045", "3803"}).describe(),
            "Windows 10 Pro 10.0 19045.3803");
  EXPECT_EQ((OsIdentity{"Debian GNU/Linux", "12 (bookworm)", "6.1.0-13-amd64", ""}).describe(),
            "Debian GNU/Linux 12 (bookworm) 6.1.0-13-amd64");
  EXPECT_EQ((OsIdentity{"Linux", "", "6.1", ""}).describe(), "Linux 6.1");
  EXPECT_EQ(OsIdentity{}.describe(), "");
}

// --- Secret ---

template <typename T, typename = void>
struct IsStreamable : std::false_type {};
template <typename T>
struct IsStreamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

static_assert(IsStreamable<std::string>::value, "the detector must detect a streamable type");
static_assert(!IsStreamable<Secret>::value, "a Secret must not be streamable: it would end up in a log");
static_assert(!std::is_convertible_v<Secret, std::string>, "a Secret must not turn into a string silently");

TEST(SecretTest, SecureWipeZeroesTheBuffer) {
  std::array<char, 16> buffer{};
  buffer.fill('x');
  secureWipe(buffer.data(), buffer.size());
  for (char c : buffer) EXPECT_EQ(c, '\0');
}

TEST(SecretTest, RevealsItsValueAndComparesByValue) {
  Secret a("s3cr3t-value");
  Secret b = a;
  EXPECT_EQ(a.reveal(), "s3cr3t-value");
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(Secret().reveal() == a.reveal());
  EXPECT_TRUE(Secret().empty());
}

TEST(SecretTest, DestructionAfterShrinkingAssignmentIsSafe) {
  std::optional<Secret> secret(Secret(std::string(100, 'p')));
  *secret = Secret("short");  // the long value's buffer may be kept; the destructor wipes its whole capacity
  EXPECT_EQ(secret->reveal(), "short");
  secret.reset();
  EXPECT_FALSE(secret.has_value());
}

// --- expandEnvironment ---

EnvironmentLookup fakeEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "ProgramData") return std::string("C:\\ProgramData");
    if (name == "A") return std::string("a");
    if (name == "B") return std::string("b");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  };
}

TEST(ExpandEnvironmentTest, ReplacesKnownNames) {
  EXPECT_EQ(expandEnvironment("%ProgramData%\\Microsoft\\Windows Server\\Logs", fakeEnvironment()),
            "C:\\ProgramData\\Microsoft\\Windows Server\\Logs");
  EXPECT_EQ(expandEnvironment("%A%%B%", fakeEnvironment()), "ab");
  EXPECT_EQ(expandEnvironment("x%EMPTY%y", fakeEnvironment()), "xy");
}

TEST(ExpandEnvironmentTest, LeavesUnknownNamesAndStrayPercentSigns) {
  EXPECT_EQ(expandEnvironment("%NOPE%\\x", fakeEnvironment()), "%NOPE%\\x");
  EXPECT_EQ(expandEnvironment("100%", fakeEnvironment()), "100%");
  EXPECT_EQ(expandEnvironment("%%", fakeEnvironment()), "%%");
  EXPECT_EQ(expandEnvironment("", fakeEnvironment()), "");
  EXPECT_EQ(expandEnvironment("no references", fakeEnvironment()), "no references");
}

TEST(ExpandEnvironmentTest, ClosingPercentOfAnUnknownNameMayOpenTheNext) {
  EXPECT_EQ(expandEnvironment("50% of %A%", fakeEnvironment()), "50% of a");
}

TEST(ExpandEnvironmentTest, ProcessEnvironmentIsLookedUpWithoutCase) {
  testing::ScopedEnvironment env("Remediator_Test_Data", "/srv/data");
  EXPECT_EQ(expandEnvironment("%REMEDIATOR_TEST_DATA%/logs"), "/srv/data/logs");
  EXPECT_EQ(expandEnvironment("%remediator_test_data%/logs"), "/srv/data/logs");
  EXPECT_EQ(processEnvironment("remediator_TEST_data"), std::optional<std::string>("/srv/data"));
  EXPECT_EQ(expandEnvironment("%REMEDIATOR_TEST_UNSET_9F3A%"), "%REMEDIATOR_TEST_UNSET_9F3A%");
  EXPECT_FALSE(processEnvironment(""));
}

}  // namespace
}  // namespace remediator::platform

// SHA-256 behind the platform: the known vectors (FIPS 180-2), and two parts hashing as their concatenation.
#include "platform/sha256.h"
namespace remediator::platform {
TEST(Sha256Test, KnownVectorsAndParts) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("ab", "c"), sha256Hex("abc"));
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
}  // namespace remediator::platform
