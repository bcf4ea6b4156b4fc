// DirectoryHandle: the POSIX one held open with openat/unlinkat, and the default one over path calls.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "platform/memory/memory_file_system.h"
#include "platform/posix/posix_file_system.h"
#include "temp_dir.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;
using testing::ScopedTempDir;

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::set<std::string> names(const std::vector<DirEntry>& entries) {
  std::set<std::string> out;
  for (const auto& e : entries) out.insert(e.name);
  return out;
}

class PosixDirectoryHandleTest : public ::testing::Test {
 protected:
  std::unique_ptr<DirectoryHandle> open(const fs::path& dir) {
    auto handle = files_.openDirectory(dir);
    EXPECT_TRUE(handle.ok()) << handle.error().message;
    return handle ? std::move(handle).value() : nullptr;
  }

  ScopedTempDir tree_;
  ScopedTempDir outside_;
  PosixFileSystem files_;
};

TEST_F(PosixDirectoryHandleTest, RemovalStaysInTheOpenedDirectoryAfterItIsSwappedForALink) {
  fs::create_directory(tree_ / "sub");
  writeText(tree_ / "sub" / "victim.txt", "in the tree");
  writeText(outside_ / "victim.txt", "outside");
  auto root = open(tree_.path());
  ASSERT_TRUE(root);
  auto sub = root->openDirectory("sub");
  ASSERT_TRUE(sub.ok()) << sub.error().message;

  // The attack: once the walker has listed sub, the folder is renamed and a link to a folder outside takes
  // its place, hoping the next path-based delete resolves through the link.
  fs::rename(tree_ / "sub", tree_ / "sub.moved");
  fs::create_directory_symlink(outside_.path(), tree_ / "sub");

  ASSERT_TRUE((*sub)->removeFile("victim.txt").ok());
  EXPECT_TRUE(fs::exists(outside_ / "victim.txt"));
  EXPECT_FALSE(fs::exists(tree_ / "sub.moved" / "victim.txt"));
  auto again = root->openDirectory("sub");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(again.error().message.find("symbolic link"), std::string::npos) << again.error().message;
}

TEST_F(PosixDirectoryHandleTest, NeverOpensOrReadsThroughALink) {
  writeText(outside_ / "secret.txt", "secret");
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");
  fs::create_symlink(outside_ / "secret.txt", tree_ / "file-link");
  auto rootLink = files_.openDirectory(tree_ / "dir-link");
  ASSERT_FALSE(rootLink.ok());
  EXPECT_EQ(rootLink.error().code, ErrorCode::kInvalidArgument);

  auto root = open(tree_.path());
  ASSERT_TRUE(root);
  EXPECT_EQ(root->openDirectory("dir-link").error().code, ErrorCode::kInvalidArgument);
  auto read = root->readFile("file-link");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root->openDirectory("file-link").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PosixDirectoryHandleTest, RemovesLinksAsThemselvesAndReportsEachRefusal) {
  writeText(outside_ / "target.txt", "keep");
  fs::create_symlink(outside_ / "target.txt", tree_ / "link");
  fs::create_directory_symlink(outside_.path(), tree_ / "dir-link");
  fs::create_directory(tree_ / "full");
  writeText(tree_ / "full" / "a.log", "a");
  writeText(tree_ / "b.log", "bb");
  auto root = open(tree_.path());
  ASSERT_TRUE(root);

  EXPECT_EQ(names(*root->list()), (std::set<std::string>{"b.log", "dir-link", "full", "link"}));
  ASSERT_TRUE(root->removeFile("link").ok());
  ASSERT_TRUE(root->removeFile("dir-link").ok());
  EXPECT_EQ(root->readFile("b.log").valueOr(""), "bb");
  EXPECT_EQ(root->removeFile("full").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root->removeDirectory("full").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root->removeDirectory("b.log").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root->removeFile("missing").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fs::directory_iterator(outside_.path())->path().filename(), "target.txt");

  auto full = root->openDirectory("full");
  ASSERT_TRUE(full.ok());
  ASSERT_TRUE((*full)->removeFile("a.log").ok());
  ASSERT_TRUE(root->removeDirectory("full").ok());
  // Listing again starts from the beginning.
  EXPECT_EQ(names(*root->list()), std::set<std::string>{"b.log"});
  EXPECT_EQ(names(*root->list()), std::set<std::string>{"b.log"});
}

TEST(PathDirectoryHandleTest, WorksThroughThePathCallsAndRefusesLinks) {
  ManualTimeSource time;
  MemoryFileSystem files(time);
  ASSERT_TRUE(files.addFile("/logs/sub/a.log", "a").ok());
  ASSERT_TRUE(files.addLink("/logs/link", "/elsewhere").ok());
  ASSERT_TRUE(files.addFile("/elsewhere/keep.txt", "k").ok());

  EXPECT_EQ(files.openDirectory("/logs/link").error().code, ErrorCode::kInvalidArgument);
  auto root = files.openDirectory("/logs");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(names(*(*root)->list()), (std::set<std::string>{"link", "sub"}));
  EXPECT_EQ((*root)->openDirectory("link").error().code, ErrorCode::kInvalidArgument);
  auto sub = (*root)->openDirectory("sub");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ((*sub)->readFile("a.log").valueOr(""), "a");
  ASSERT_TRUE((*sub)->removeFile("a.log").ok());
  ASSERT_TRUE((*root)->removeDirectory("sub").ok());
  ASSERT_TRUE((*root)->removeFile("link").ok());
  EXPECT_TRUE(files.exists("/elsewhere/keep.txt"));
  EXPECT_TRUE((*root)->list()->empty());
}

}  // namespace
}  // namespace remediator::platform
