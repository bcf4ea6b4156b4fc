#include "platform/posix/posix_os_info.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "platform/platform.h"
#include "platform/posix/posix_system_clock.h"
#include "temp_dir.h"

namespace remediator::platform {
namespace {

using testing::ScopedTempDir;

constexpr const char* kDebianRelease = R"os(PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
# a comment, then a blank line

HOME_URL="https://www.debian.org/"
)os";

std::string kernelRelease() {
  utsname uts{};
  ::uname(&uts);
  return uts.release;
}

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(OsReleaseTest, ParsesQuotedAndUnquotedValues) {
  auto fields = parseOsRelease(kDebianRelease, "fixture");
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  EXPECT_EQ(fields->at("NAME"), "Debian GNU/Linux");
  EXPECT_EQ(fields->at("VERSION_ID"), "12");
  EXPECT_EQ(fields->at("VERSION_CODENAME"), "bookworm");
  EXPECT_EQ(fields->at("HOME_URL"), "https://www.debian.org/");
  EXPECT_EQ(fields->size(), 7u);
}

TEST(OsReleaseTest, HandlesEscapesAndSingleQuotes) {
  auto fields = parseOsRelease(
      "A=\"say \\\"hi\\\" for \\$5 \\\\ \\`x\\`\"\nB='no \\escapes $here'\nC=\n  D=\"x\"  \r\n", "fixture");
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  EXPECT_EQ(fields->at("A"), "say \"hi\" for $5 \\ `x`");
  EXPECT_EQ(fields->at("B"), "no \\escapes $here");
  EXPECT_EQ(fields->at("C"), "");
  EXPECT_EQ(fields->at("D"), "x");
}

TEST(OsReleaseTest, MalformedLinesNameTheSourceAndLine) {
  struct Case {
    const char* text;
    const char* where;
  };
  for (const Case& c : {Case{"NAME=x\nGARBAGE\n", "fixture:2"}, Case{"NAME=\"open\n", "fixture:1"},
                        Case{"\n\nBAD-KEY=1\n", "fixture:3"}, Case{"A=\"x\"y\n", "fixture:1"},
                        Case{"=value\n", "fixture:1"}}) {
    auto fields = parseOsRelease(c.text, "fixture");
    ASSERT_FALSE(fields.ok()) << c.text;
    EXPECT_EQ(fields.error().code, ErrorCode::kInvalidData);
    EXPECT_NE(fields.error().message.find(c.where), std::string::npos) << fields.error().message;
  }
}

TEST(OsReleaseTest, IdentityCombinesReleaseAndKernel) {
  auto fields = parseOsRelease(kDebianRelease, "fixture");
  ASSERT_TRUE(fields.ok());
  const OsIdentity identity = osIdentityFromRelease(*fields, "6.1.0-13-amd64");
  EXPECT_EQ(identity, (OsIdentity{"Debian GNU/Linux", "12 (bookworm)", "6.1.0-13-amd64", ""}));
  // os-release(5): NAME defaults to "Linux"; a rolling release may have no version at all.
  EXPECT_EQ(osIdentityFromRelease({}, "6.6"), (OsIdentity{"Linux", "", "6.6", ""}));
}

TEST(PosixOsInfoTest, IdentityComesFromTheGivenFileAndUname) {
  ScopedTempDir dir;
  writeText(dir / "os-release", kDebianRelease);
  PosixOsInfo os(dir / "os-release", dir / "reboot-required");
  auto identity = os.identity();
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_EQ(identity->product, "Debian GNU/Linux");
  EXPECT_EQ(identity->version, "12 (bookworm)");
  EXPECT_EQ(identity->build, kernelRelease());
}

TEST(PosixOsInfoTest, MissingOrBrokenReleaseFileIsANamedError) {
  ScopedTempDir dir;
  PosixOsInfo missing(dir / "os-release", dir / "reboot-required");
  auto identity = missing.identity();
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.error().code, ErrorCode::kNotFound);
  EXPECT_NE(identity.error().message.find((dir / "os-release").string()), std::string::npos);

  writeText(dir / "os-release", "NAME=ok\nthis is not an assignment\n");
  auto broken = missing.identity();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kInvalidData);
  EXPECT_NE(broken.error().message.find((dir / "os-release").string() + ":2"), std::string::npos);
}

TEST(PosixOsInfoTest, PendingRebootFollowsTheMarkerFile) {
  ScopedTempDir dir;
  PosixOsInfo os(dir / "os-release", dir / "reboot-required");
  EXPECT_EQ(os.pendingReboot().value(), "");
  writeText(dir / "reboot-required", "");
  auto pending = os.pendingReboot();
  ASSERT_TRUE(pending.ok());
  EXPECT_NE(pending->find((dir / "reboot-required").string()), std::string::npos);
  EXPECT_EQ(os.upgradeStaged().value(), "");
}

TEST(PosixOsInfoTest, HostNameIsTheSystemHostName) {
  char expected[256] = {};
  ASSERT_EQ(::gethostname(expected, sizeof expected - 1), 0);
  EXPECT_EQ(PosixOsInfo().hostName(), expected);
  EXPECT_FALSE(PosixOsInfo().hostName().empty());
}

TEST(PosixOsInfoTest, ThisMachineHasAnIdentity) {
  auto identity = PosixOsInfo().identity();
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_FALSE(identity->product.empty());
  EXPECT_EQ(identity->build, kernelRelease());
}

TEST(PosixSystemClockTest, NowIsTheSystemTime) {
  PosixSystemClock clock;
  const auto before = std::chrono::system_clock::now();
  const auto now = clock.now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, after);
}

TEST(PosixSystemClockTest, NeverCorrectsTheHostClock) {
  PosixSystemClock clock;
  auto can = clock.canCorrect();
  ASSERT_FALSE(can.ok());
  EXPECT_EQ(can.error().code, ErrorCode::kNotSupported);
  EXPECT_NE(can.error().message.find("chrony"), std::string::npos);
  auto corrected = clock.correct(std::chrono::milliseconds(1));
  ASSERT_FALSE(corrected.ok());
  EXPECT_EQ(corrected.error().code, ErrorCode::kNotSupported);
}

TEST(NativePlatformTest, PosixPartsAreSetAndWindowsPartsAreNull) {
  NativePlatform native;
  Platform& platform = native.get();
  ASSERT_NE(platform.time, nullptr);
  ASSERT_NE(platform.clock, nullptr);
  ASSERT_NE(platform.os, nullptr);
  ASSERT_NE(platform.files, nullptr);
  ASSERT_NE(platform.processes, nullptr);
  EXPECT_EQ(platform.registry, nullptr);
  EXPECT_EQ(platform.services, nullptr);
  EXPECT_EQ(platform.products, nullptr);
  EXPECT_EQ(platform.secrets, nullptr);

  ScopedTempDir dir;
  EXPECT_EQ(platform.files->status(dir.path())->type, FileType::kDirectory);
  EXPECT_EQ(platform.processes->run(ProcessRequest{"true"})->exitCode, 0);
  EXPECT_EQ(platform.clock->correct(std::chrono::seconds(1)).error().code, ErrorCode::kNotSupported);
}

}  // namespace
}  // namespace remediator::platform
