#include "platform/posix/posix_file_system.h"

#include "platform/durable_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "file_system_listing.h"
#include "temp_dir.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;
using testing::ScopedTempDir;

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PosixFileSystemTest : public ::testing::Test {
 protected:
  std::map<std::string, FileType> listing(const std::filesystem::path& dir) {
    return testing::listing(files_, dir);
  }

  ScopedTempDir tree_;
  ScopedTempDir outside_;  // link targets live here, away from the tree being worked on
  PosixFileSystem files_;
};

TEST(PrivateFileTest, IsOwnerOnlyWhateverTheUmaskAndNeverReplacesOrFollowsALink) {
  ScopedTempDir dir;
  const mode_t old = ::umask(0);  // the most permissive umask: the file must still be 0600
  auto created = createPrivateFile(dir.path() / "policy.key", "secret\n");
  ::umask(old);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "policy.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(readWholeFile(dir.path() / "policy.key").value(), "secret\n");
  auto again = createPrivateFile(dir.path() / "policy.key", "other\n");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kBusy);
  EXPECT_EQ(readWholeFile(dir.path() / "policy.key").value(), "secret\n");
  // A link planted at the name (to a file someone else can read) is not written through.
  std::ofstream(dir.path() / "elsewhere") << "";
  fs::create_symlink(dir.path() / "elsewhere", dir.path() / "planted.key");
  EXPECT_FALSE(createPrivateFile(dir.path() / "planted.key", "secret\n").ok());
  EXPECT_EQ(readWholeFile(dir.path() / "elsewhere").value(), "");
}

// A sparse file of 8 GiB (truncate -s) is refused by its size before anything is read or reserved, through a
// path and through a held directory; a file within the bound reads whole.
TEST_F(PosixFileSystemTest, AReadPastItsBoundIsRefusedBeforeTheFileIsRead) {
  const auto big = tree_.path() / "sparse.log";
  writeText(big, "x");
  fs::resize_file(big, std::uint64_t{8} << 30);
  auto read = files_.readFile(big);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidData);
  EXPECT_NE(read.error().message.find("sparse.log holds 8589934592 bytes, more than the 67108864"), std::string::npos)
      << read.error().message;
  auto dir = files_.openDirectory(tree_.path());
  ASSERT_TRUE(dir.ok());
  auto viaHandle = (*dir)->readFile("sparse.log", 1024);
  ASSERT_FALSE(viaHandle.ok());
  EXPECT_EQ(viaHandle.error().code, ErrorCode::kInvalidData);
  writeText(tree_.path() / "small.log", std::string(1024, 's'));
  EXPECT_EQ(files_.readFile(tree_.path() / "small.log", 1024).valueOr(""), std::string(1024, 's'));
  EXPECT_FALSE(files_.readFile(tree_.path() / "small.log", 1023).ok());
}

TEST_F(PosixFileSystemTest, StatusReportsTypeSizeAndTime) {
  writeText(tree_ / "a.log", "12345");
  const timespec times[2] = {{1700000000, 0}, {1700000000, 500000000}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (tree_ / "a.log").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  auto info = files_.status(tree_ / "a.log");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->type, FileType::kFile);
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->modified, SysTime{} + std::chrono::milliseconds(1700000000500));
  EXPECT_EQ(files_.status(tree_.path())->type, FileType::kDirectory);
  EXPECT_EQ(files_.status(tree_ / "missing").error().code, ErrorCode::kNotFound);
}

TEST_F(PosixFileSystemTest, ListReportsLinksAsLinks) {
  writeText(outside_ / "target.txt", "keep me");
  writeText(tree_ / "a.log", "x");
  fs::create_directory(tree_ / "sub");
  fs::create_symlink(outside_ / "target.txt", tree_ / "file-link");
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");
  fs::create_symlink(tree_ / "nowhere", tree_ / "dangling");
  ASSERT_EQ(::mkfifo((tree_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(listing(tree_.path()), (std::map<std::string, FileType>{{"a.log", FileType::kFile},
                                                                    {"sub", FileType::kDirectory},
                                                                    {"file-link", FileType::kLink},
                                                                    {"dir-link", FileType::kLink},
                                                                    {"dangling", FileType::kLink},
                                                                    {"fifo", FileType::kOther}}));
  EXPECT_EQ(files_.status(tree_ / "dangling")->type, FileType::kLink);
}

TEST_F(PosixFileSystemTest, RemovingALinkLeavesItsTargetIntact) {
  writeText(outside_ / "target.txt", "keep me");
  fs::create_symlink(outside_ / "target.txt", tree_ / "file-link");
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");

  ASSERT_TRUE(files_.removeFile(tree_ / "file-link"));
  ASSERT_TRUE(files_.removeFile(tree_ / "dir-link"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree_ / "file-link")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree_ / "dir-link")));
  EXPECT_EQ(readText(outside_ / "target.txt"), "keep me");
  EXPECT_TRUE(fs::is_directory(outside_.path()));
}

TEST_F(PosixFileSystemTest, LinksAreNotFollowedForReadingOrListing) {
  writeText(outside_ / "target.txt", "secret-ish");
  fs::create_symlink(outside_ / "target.txt", tree_ / "file-link");
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");
  auto read = files_.readFile(tree_ / "file-link");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.list(tree_ / "dir-link").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.removeDirectory(tree_ / "dir-link").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(fs::exists(outside_ / "target.txt"));
}

TEST_F(PosixFileSystemTest, ReadFileRefusesWhatIsNotARegularFile) {
  ASSERT_EQ(::mkfifo((tree_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(files_.readFile(tree_ / "fifo").error().code, ErrorCode::kInvalidArgument);  // and does not block
  EXPECT_EQ(files_.readFile(tree_.path()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.readFile(tree_ / "missing").error().code, ErrorCode::kNotFound);
  writeText(tree_ / "ok.txt", std::string(200000, 'z'));
  EXPECT_EQ(files_.readFile(tree_ / "ok.txt").value(), std::string(200000, 'z'));
}

TEST_F(PosixFileSystemTest, WriteFileAtomicReplacesContentKeepsModeAndLeavesNoTemp) {
  writeText(tree_ / "state.json", "old");
  ASSERT_EQ(::chmod((tree_ / "state.json").c_str(), 0600), 0);
  ASSERT_TRUE(files_.writeFileAtomic(tree_ / "state.json", "new content"));
  EXPECT_EQ(readText(tree_ / "state.json"), "new content");
  EXPECT_EQ(fs::status(tree_ / "state.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(listing(tree_.path()), (std::map<std::string, FileType>{{"state.json", FileType::kFile}}));

  ASSERT_TRUE(files_.writeFileAtomic(tree_ / "fresh.json", ""));
  EXPECT_EQ(readText(tree_ / "fresh.json"), "");
}

TEST_F(PosixFileSystemTest, WriteFileAtomicOverALinkReplacesTheLinkNotTheTarget) {
  writeText(outside_ / "target.txt", "original");
  fs::create_symlink(outside_ / "target.txt", tree_ / "state.json");
  ASSERT_TRUE(files_.writeFileAtomic(tree_ / "state.json", "mine"));
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(tree_ / "state.json")));
  EXPECT_EQ(readText(tree_ / "state.json"), "mine");
  EXPECT_EQ(readText(outside_ / "target.txt"), "original");
}

TEST_F(PosixFileSystemTest, WriteFileAtomicFailuresAreNamed) {
  auto missingDir = files_.writeFileAtomic(tree_ / "no" / "such" / "file", "x");
  ASSERT_FALSE(missingDir.ok());
  EXPECT_EQ(missingDir.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missingDir.error().message.find((tree_ / "no").string()), std::string::npos);
  fs::create_directory(tree_ / "dir");
  EXPECT_EQ(files_.writeFileAtomic(tree_ / "dir", "x").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PosixFileSystemTest, RemoveFileAndRemoveDirectoryKeepToTheirKind) {
  writeText(tree_ / "a.log", "x");
  fs::create_directories(tree_ / "logs" / "inner");
  EXPECT_EQ(files_.removeFile(tree_ / "missing").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.removeFile(tree_ / "logs").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.removeDirectory(tree_ / "a.log").error().code, ErrorCode::kInvalidArgument);
  auto notEmpty = files_.removeDirectory(tree_ / "logs");
  ASSERT_FALSE(notEmpty.ok());
  EXPECT_EQ(notEmpty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(notEmpty.error().message.find("not empty"), std::string::npos);

  ASSERT_TRUE(files_.removeDirectory(tree_ / "logs" / "inner"));
  ASSERT_TRUE(files_.removeDirectory(tree_ / "logs"));
  ASSERT_TRUE(files_.removeFile(tree_ / "a.log"));
  EXPECT_TRUE(fs::is_empty(tree_.path()));
}

TEST_F(PosixFileSystemTest, CreateDirectoriesMakesTheChain) {
  ASSERT_TRUE(files_.createDirectories(tree_ / "a" / "b" / "c"));
  EXPECT_TRUE(fs::is_directory(tree_ / "a" / "b" / "c"));
  EXPECT_TRUE(files_.createDirectories(tree_ / "a" / "b" / "c"));
  writeText(tree_ / "file", "x");
  EXPECT_EQ(files_.createDirectories(tree_ / "file").error().code, ErrorCode::kInvalidArgument);
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");
  EXPECT_EQ(files_.createDirectories(tree_ / "dir-link").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PosixFileSystemTest, PermissionDeniedIsReportedAsSuch) {
  if (::geteuid() == 0) GTEST_SKIP() << "root is not refused by file permissions";
  fs::create_directory(tree_ / "locked");
  writeText(tree_ / "locked" / "f", "x");
  ASSERT_EQ(::chmod((tree_ / "locked").c_str(), 0500), 0);
  EXPECT_EQ(files_.removeFile(tree_ / "locked" / "f").error().code, ErrorCode::kPermissionDenied);
  ASSERT_EQ(::chmod((tree_ / "locked").c_str(), 0700), 0);
}

}  // namespace
}  // namespace remediator::platform
