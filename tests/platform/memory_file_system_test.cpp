#include "platform/memory/memory_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "file_system_listing.h"

namespace remediator::platform {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class MemoryFileSystemTest : public ::testing::Test {
 protected:
  std::map<std::string, FileType> listing(const std::filesystem::path& dir) {
    return testing::listing(files_, dir);
  }

  ManualTimeSource time_;
  MemoryFileSystem files_{time_};
  const std::string logs_ = "C:\\ProgramData\\Microsoft\\Windows Server\\Logs";
};

TEST_F(MemoryFileSystemTest, AddedFileReportsItsSizeTimeAndContent) {
  const SysTime old = time_.now() - hours(48);
  ASSERT_TRUE(files_.addFile(logs_ + "\\a.log", "hello", old));
  auto info = files_.status(logs_ + "\\a.log");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, FileType::kFile);
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->modified, old);
  EXPECT_EQ(files_.readFile(logs_ + "\\a.log").value(), "hello");
  ASSERT_TRUE(files_.setSize(logs_ + "\\a.log", 3u << 30));
  EXPECT_EQ(files_.status(logs_ + "\\a.log")->size, 3ull << 30);
}

TEST_F(MemoryFileSystemTest, BothSeparatorsNameTheSameEntry) {
  ASSERT_TRUE(files_.addFile("C:/ProgramData/x.txt", "x"));
  EXPECT_TRUE(files_.exists("C:\\ProgramData\\x.txt"));
  EXPECT_TRUE(files_.exists("C:\\ProgramData\\.\\sub\\..\\x.txt"));
  EXPECT_FALSE(files_.exists("C:\\programdata\\X.TXT"));  // names are case-sensitive
}

TEST_F(MemoryFileSystemTest, ListReportsEveryKindOfEntry) {
  ASSERT_TRUE(files_.addFile(logs_ + "\\a.log"));
  ASSERT_TRUE(files_.addDirectory(logs_ + "\\Setup"));
  ASSERT_TRUE(files_.addLink(logs_ + "\\elsewhere", "C:\\Windows"));
  ASSERT_TRUE(files_.addOther(logs_ + "\\pipe"));
  EXPECT_EQ(listing(logs_), (std::map<std::string, FileType>{{"a.log", FileType::kFile},
                                                             {"Setup", FileType::kDirectory},
                                                             {"elsewhere", FileType::kLink},
                                                             {"pipe", FileType::kOther}}));
}

TEST_F(MemoryFileSystemTest, MissingEntriesAreNotFound) {
  EXPECT_EQ(files_.status("C:\\nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.list("C:\\nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.readFile("C:\\nope\\x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.removeFile("C:\\nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.removeDirectory("C:\\nope").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(files_.createDirectories("C:\\state"));
  auto write = files_.writeFileAtomic("C:\\state\\nope\\x", "data");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, ErrorCode::kNotFound);
  EXPECT_NE(write.error().message.find("directory C:\\state\\nope does not exist"), std::string::npos)
      << write.error().message;
}

TEST_F(MemoryFileSystemTest, LinksAreNeverFollowed) {
  ASSERT_TRUE(files_.addFile("C:\\Windows\\System32\\config\\SAM", "precious"));
  ASSERT_TRUE(files_.addLink(logs_ + "\\junction", "C:\\Windows\\System32"));

  EXPECT_EQ(files_.status(logs_ + "\\junction")->type, FileType::kLink);
  EXPECT_EQ(files_.list(logs_ + "\\junction").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.readFile(logs_ + "\\junction").error().code, ErrorCode::kInvalidArgument);
  // A path through the link does not reach the target.
  EXPECT_EQ(files_.status(logs_ + "\\junction\\config\\SAM").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.removeFile(logs_ + "\\junction\\config\\SAM").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.removeDirectory(logs_ + "\\junction").error().code, ErrorCode::kInvalidArgument);

  // Removing the link removes the link alone.
  ASSERT_TRUE(files_.removeFile(logs_ + "\\junction"));
  EXPECT_FALSE(files_.exists(logs_ + "\\junction"));
  EXPECT_EQ(files_.readFile("C:\\Windows\\System32\\config\\SAM").value(), "precious");
}

TEST_F(MemoryFileSystemTest, WritingOverALinkReplacesTheLinkNotTheTarget) {
  ASSERT_TRUE(files_.addFile("C:\\target.txt", "original"));
  ASSERT_TRUE(files_.addLink("C:\\state\\file", "C:\\target.txt"));
  ASSERT_TRUE(files_.writeFileAtomic("C:\\state\\file", "new"));
  EXPECT_EQ(files_.status("C:\\state\\file")->type, FileType::kFile);
  EXPECT_EQ(files_.readFile("C:\\state\\file").value(), "new");
  EXPECT_EQ(files_.readFile("C:\\target.txt").value(), "original");
}

TEST_F(MemoryFileSystemTest, LockedFileCannotBeRemovedOrReplaced) {
  ASSERT_TRUE(files_.addFile(logs_ + "\\in-use.log", "busy"));
  ASSERT_TRUE(files_.setLocked(logs_ + "\\in-use.log", true));
  EXPECT_EQ(files_.removeFile(logs_ + "\\in-use.log").error().code, ErrorCode::kBusy);
  EXPECT_EQ(files_.writeFileAtomic(logs_ + "\\in-use.log", "x").error().code, ErrorCode::kBusy);
  EXPECT_EQ(files_.readFile(logs_ + "\\in-use.log").value(), "busy");  // still readable, as with share-read

  ASSERT_TRUE(files_.setLocked(logs_ + "\\in-use.log", false));
  EXPECT_TRUE(files_.removeFile(logs_ + "\\in-use.log"));
  EXPECT_FALSE(files_.exists(logs_ + "\\in-use.log"));
}

TEST_F(MemoryFileSystemTest, RemoveFileRefusesDirectoriesAndRemoveDirectoryRefusesFiles) {
  ASSERT_TRUE(files_.addFile(logs_ + "\\a.log"));
  EXPECT_EQ(files_.removeFile(logs_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.removeDirectory(logs_ + "\\a.log").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(files_.exists(logs_ + "\\a.log"));
}

TEST_F(MemoryFileSystemTest, RemoveDirectoryOnlyWhenEmpty) {
  ASSERT_TRUE(files_.addFile(logs_ + "\\a.log"));
  auto notEmpty = files_.removeDirectory(logs_);
  ASSERT_FALSE(notEmpty.ok());
  EXPECT_EQ(notEmpty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(notEmpty.error().message.find("not empty"), std::string::npos);

  ASSERT_TRUE(files_.removeFile(logs_ + "\\a.log"));
  EXPECT_TRUE(files_.removeDirectory(logs_));
  EXPECT_FALSE(files_.exists(logs_));
  EXPECT_TRUE(files_.exists("C:\\ProgramData\\Microsoft\\Windows Server"));
}

TEST_F(MemoryFileSystemTest, WriteFileAtomicStampsTheTimeAndTouchesTheDirectory) {
  ASSERT_TRUE(files_.createDirectories("C:\\state"));
  time_.advance(minutes(10));
  ASSERT_TRUE(files_.writeFileAtomic("C:\\state\\journal.json", "{}"));
  EXPECT_EQ(files_.status("C:\\state\\journal.json")->modified, time_.now());
  EXPECT_EQ(files_.status("C:\\state")->modified, time_.now());
  EXPECT_EQ(files_.readFile("C:\\state\\journal.json").value(), "{}");

  time_.advance(minutes(5));
  ASSERT_TRUE(files_.removeFile("C:\\state\\journal.json"));
  EXPECT_EQ(files_.status("C:\\state")->modified, time_.now());
}

TEST_F(MemoryFileSystemTest, WriteFileAtomicRefusesADirectory) {
  ASSERT_TRUE(files_.createDirectories("C:\\state\\dir"));
  EXPECT_EQ(files_.writeFileAtomic("C:\\state\\dir", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.status("C:\\state\\dir")->type, FileType::kDirectory);
}

TEST_F(MemoryFileSystemTest, CreateDirectoriesMakesTheChainAndIsIdempotent) {
  ASSERT_TRUE(files_.createDirectories("C:\\a\\b\\c"));
  EXPECT_EQ(files_.status("C:\\a\\b")->type, FileType::kDirectory);
  EXPECT_EQ(files_.status("C:\\a\\b\\c")->type, FileType::kDirectory);
  EXPECT_TRUE(files_.createDirectories("C:\\a\\b\\c"));

  ASSERT_TRUE(files_.addFile("C:\\a\\file"));
  EXPECT_EQ(files_.createDirectories("C:\\a\\file").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(files_.createDirectories("C:\\a\\file\\sub").error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(files_.addLink("C:\\a\\link", "C:\\a\\b"));
  EXPECT_EQ(files_.createDirectories("C:\\a\\link\\sub").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(files_.exists("C:\\a\\b\\sub"));
}

TEST_F(MemoryFileSystemTest, SetupHelpersReportMisuse) {
  ASSERT_TRUE(files_.addFile("C:\\a\\file"));
  EXPECT_FALSE(files_.addFile("C:\\a\\file\\below"));
  EXPECT_FALSE(files_.addFile("C:\\a"));  // a directory is not silently turned into a file
  EXPECT_FALSE(files_.setSize("C:\\a", 1));
  EXPECT_EQ(files_.setModified("C:\\nope", time_.now()).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(files_.addLink("C:\\l", "target"));
  EXPECT_EQ(files_.linkTarget("C:\\l").value(), "target");
  EXPECT_FALSE(files_.linkTarget("C:\\a\\file"));
}

}  // namespace
}  // namespace remediator::platform
