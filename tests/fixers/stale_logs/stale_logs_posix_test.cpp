// The stale-logs fixer on the real POSIX file system, in a temporary folder of its own per test.
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <set>

#include "fixers/stale_logs/stale_logs_fixer.h"
#include "platform/posix/posix_file_system.h"
#include "tests/platform/temp_dir.h"

namespace remediator::fixers {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class StaleLogsPosixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logs_ = root_ / "Logs";
    outside_ = root_ / "outside";
    writeText(outside_ / "secret.txt", "must survive");
    writeText(logs_ / "Client.log", "client log\n");
    writeText(logs_ / "Deploy" / "ClientDeploy.log", std::string(5000, 'd'));
    fs::create_directory_symlink(outside_, logs_ / "outside-dir");
    fs::create_symlink(outside_ / "secret.txt", logs_ / "Deploy" / "secret-link");
    policy_.staleLogs.folder = logs_.string();
    policy_.staleLogs.folderAnywhere = true;  // a temp folder, not the Connector's tree
    platform_.time = &time_;
    platform_.files = &files_;  // no installed-programs list: the Connector counts as absent
  }
  ApplyOutcome runOnce() {
    auto fixer = makeStaleLogsFixer();
    FixerContext ctx{platform_, policy_, root_ / "state", time_.now() + std::chrono::minutes(1), {}};
    const Finding finding = fixer->detect(ctx);
    EXPECT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
    return fixer->apply(fixer->plan(finding, ctx), ctx);
  }

  /// Clears with `archive = none`, expects success with `files` entries removed, `links` of them links, and
  /// nothing outside touched.
  ApplyOutcome clearWithoutArchive(const std::string& files, const std::string& links) {
    policy_.staleLogs.archive = "none";
    const ApplyOutcome outcome = runOnce();
    EXPECT_TRUE(outcome.ok) << outcome.message;
    EXPECT_EQ(outcome.details.at("files_removed"), files);
    EXPECT_EQ(outcome.details.at("links_removed"), links);
    expectOutsideUntouched();
    return outcome;
  }

  void expectOutsideUntouched() {
    EXPECT_EQ(readAll(outside_ / "secret.txt"), "must survive");
    EXPECT_FALSE(fs::exists(fs::symlink_status(logs_ / "outside-dir")));
    EXPECT_FALSE(fs::exists(fs::symlink_status(logs_ / "Deploy")));
    EXPECT_TRUE(fs::is_directory(logs_)) << "the root stays unless remove_root is set";
    EXPECT_TRUE(fs::is_empty(logs_));
  }

  platform::testing::ScopedTempDir root_;
  fs::path logs_;
  fs::path outside_;
  platform::RealTimeSource time_;
  platform::PosixFileSystem files_;
  platform::Platform platform_;
  policies::Policy policy_;
};

TEST_F(StaleLogsPosixTest, SymlinkToADirectoryOutsideIsRemovedAndItsContentSurvives) {
  const ApplyOutcome outcome = clearWithoutArchive("4", "2");
  EXPECT_EQ(outcome.details.at("bytes_removed"), "5011");
}

TEST_F(StaleLogsPosixTest, ZipHoldsTheArchivedFilesAndNoLinks) {
  const ApplyOutcome outcome = runOnce();
  ASSERT_TRUE(outcome.ok) << outcome.message;
  expectOutsideUntouched();

  const fs::path archive = outcome.details.at("archive");
  EXPECT_EQ(archive.parent_path(), root_ / "state" / "archive");
  EXPECT_TRUE(archive.filename().string().starts_with("logs-"));
  ASSERT_TRUE(fs::is_regular_file(archive));
  std::ifstream in(archive, std::ios::binary);
  Poco::Zip::ZipArchive zip(in);
  std::set<std::string> names;
  for (auto it = zip.headerBegin(); it != zip.headerEnd(); ++it) names.insert(it->first);
  EXPECT_EQ(names, (std::set<std::string>{"Client.log", "Deploy/ClientDeploy.log"}));

  // A small file is stored, a larger one deflated; both read back whole.
  const auto entryContent = [&](const std::string& name, Poco::Zip::ZipCommon::CompressionMethod method) {
    const auto header = zip.findHeader(name);
    EXPECT_NE(header, zip.headerEnd()) << name;
    if (header == zip.headerEnd()) return std::string();
    EXPECT_EQ(header->second.getCompressionMethod(), method) << name;
    in.clear();
    Poco::Zip::ZipInputStream entry(in, header->second);
    return std::string{std::istreambuf_iterator<char>(entry), std::istreambuf_iterator<char>()};
  };
  EXPECT_EQ(entryContent("Deploy/ClientDeploy.log", Poco::Zip::ZipCommon::CM_DEFLATE), std::string(5000, 'd'));
  EXPECT_EQ(entryContent("Client.log", Poco::Zip::ZipCommon::CM_STORE), "client log\n");
  EXPECT_FALSE(fs::exists(archive.string() + ".partial"));
}

// A log file made 6 GiB with truncate (sparse: no disk used) would be read whole to be archived, which ended every
// run in bad_alloc. It is kept and named; the other files are archived and deleted; the run ends in a clear
// failure, not an exception. Without archiving it is simply deleted.
TEST_F(StaleLogsPosixTest, AMultiGigabyteSparseLogIsKeptAndNamedNotReadIntoMemory) {
  const auto big = logs_ / "Deploy" / "huge.log";
  writeText(big, "x");
  fs::resize_file(big, std::uint64_t{6} << 30);
  ApplyOutcome outcome;
  ASSERT_NO_THROW(outcome = runOnce());
  EXPECT_FALSE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.details.at("skipped"), "1");
  EXPECT_NE(outcome.details.at("skipped_paths").find("Deploy/huge.log (too large to archive: 6442450944 bytes, over "
                                                     "268435456)"),
            std::string::npos)
      << outcome.details.at("skipped_paths");
  EXPECT_TRUE(fs::exists(big));
  EXPECT_EQ(fs::file_size(big), std::uint64_t{6} << 30);
  EXPECT_FALSE(fs::exists(logs_ / "Client.log")) << "what could be archived was archived and deleted";
  EXPECT_EQ(readAll(outside_ / "secret.txt"), "must survive");

  policy_.staleLogs.archive = "none";
  outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_FALSE(fs::exists(big));
}

TEST_F(StaleLogsPosixTest, LinksPlantedDeepInTheTreeAreRemovedAsLinks) {
  const fs::path deep = logs_ / "a" / "b" / "c" / "d";
  writeText(deep / "deep.log", "deep\n");
  fs::create_directory_symlink(outside_, deep / "to-outside");
  fs::create_symlink(outside_ / "secret.txt", deep / "to-secret");
  writeText(root_ / "above.txt", "must survive too");
  fs::create_directory_symlink(root_.path(), logs_ / "a" / "b" / "to-root");  // a link to a folder above the logs
  const ApplyOutcome outcome = clearWithoutArchive("8", "5");
  EXPECT_EQ(outcome.details.at("directories_removed"), "5");
  EXPECT_EQ(readAll(root_ / "above.txt"), "must survive too");
}

/// Sets or clears the immutable attribute (chattr +i): even root cannot remove such a file. False where the
/// file system or the process's privileges do not allow it.
bool setImmutable(const fs::path& path, bool on) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok) {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  ::close(fd);
  return ok;
}

TEST_F(StaleLogsPosixTest, FileThatCannotBeRemovedIsSkippedReportedAndRemovedNextRun) {
  const fs::path stuck = logs_ / "Deploy" / "Stuck.log";
  writeText(stuck, "held\n");
  if (!setImmutable(stuck, true)) GTEST_SKIP() << "cannot make a file immutable here (needs root and ext4-like fs)";
  struct Release {  // the temporary folder must be removable whatever happens
    fs::path path;
    ~Release() { setImmutable(path, false); }
  } release{stuck};

  policy_.staleLogs.archive = "none";
  const ApplyOutcome first = runOnce();
  EXPECT_FALSE(first.ok);
  EXPECT_EQ(first.details.at("skipped"), "1");
  EXPECT_NE(first.details.at("skipped_paths").find("Deploy/Stuck.log"), std::string::npos)
      << first.details.at("skipped_paths");
  EXPECT_EQ(first.details.at("complete"), "true");
  EXPECT_EQ(readAll(stuck), "held\n");
  EXPECT_FALSE(fs::exists(logs_ / "Client.log")) << "the rest goes";
  EXPECT_TRUE(fs::is_directory(logs_ / "Deploy")) << "a folder holding a skipped file stays";
  EXPECT_EQ(readAll(outside_ / "secret.txt"), "must survive");

  ASSERT_TRUE(setImmutable(stuck, false));
  EXPECT_EQ(clearWithoutArchive("1", "0").details.at("skipped"), "0");
}

}  // namespace
}  // namespace remediator::fixers
