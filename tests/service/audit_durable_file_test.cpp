#include "platform/durable_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "audit_test_support.h"

namespace remediator::platform {
namespace {

using service::testing::readText;
using service::testing::TempDir;

TEST(AppendOnlyFileTest, AppendsAtTheEndAndCountsTheSize) {
  TempDir dir;
  const auto path = dir / "log.jsonl";
  {
    auto file = AppendOnlyFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ((*file)->size(), 0u);
    ASSERT_TRUE((*file)->append("first\n").ok());
    ASSERT_TRUE((*file)->append("second\n", false).ok());
    EXPECT_EQ((*file)->size(), 13u);
  }
  auto reopened = AppendOnlyFile::open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->size(), 13u);
  ASSERT_TRUE((*reopened)->append("third\n").ok());
  EXPECT_EQ(readText(path), "first\nsecond\nthird\n");
}

TEST(AppendOnlyFileTest, MissingFolderIsNotFoundNamingThePath) {
  TempDir dir;
  const auto path = dir / "absent" / "log.jsonl";
  auto file = AppendOnlyFile::open(path);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
  EXPECT_NE(file.error().message.find(path.string()), std::string::npos) << file.error().message;
}

TEST(RewritableFileTest, RewriteReplacesContentAndCutsWhenShorter) {
  TempDir dir;
  const auto path = dir / "audit.state";
  auto file = RewritableFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  ASSERT_TRUE((*file)->rewrite("seq=0001 hash=aaaa\n").ok());
  ASSERT_TRUE((*file)->rewrite("seq=0002 hash=bbbb\n").ok());
  EXPECT_EQ(readText(path), "seq=0002 hash=bbbb\n");
  ASSERT_TRUE((*file)->rewrite("short\n", true).ok());
  EXPECT_EQ(readText(path), "short\n");
}

TEST(WriteFileDurablyTest, ReplacesContentAndLeavesNoTemporaryFile) {
  TempDir dir;
  const auto path = dir / "policy.cache";
  ASSERT_TRUE(writeFileDurably(path, "old").ok());
  ASSERT_TRUE(writeFileDurably(path, "new content").ok());
  EXPECT_EQ(readText(path), "new content");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileDurablyTest, MissingFolderFailsNamingTheFile) {
  TempDir dir;
  auto written = writeFileDurably(dir / "absent" / "x", "data");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kNotFound);
  EXPECT_NE(written.error().message.find("absent"), std::string::npos) << written.error().message;
}

TEST(ReadWholeFileTest, ReadsBinaryContentAndReportsAMissingFile) {
  TempDir dir;
  const std::string bytes("a\0b\xff\n", 5);
  service::testing::writeText(dir / "data", bytes);
  auto read = readWholeFile(dir / "data");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  auto missing = readWholeFile(dir / "absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("absent"), std::string::npos);
}

TEST(InstanceLockTest, SecondAcquireFailsWithBusyUntilTheFirstIsReleased) {
  TempDir dir;
  const auto path = dir / "remediator.lock";
  auto first = InstanceLock::acquire(path);
  ASSERT_TRUE(first.ok()) << first.error().message;

  auto second = InstanceLock::acquire(path);  // another open file description, same process
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
  EXPECT_NE(second.error().message.find(path.string()), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.error().message;

  first->reset();
  auto third = InstanceLock::acquire(path);
  EXPECT_TRUE(third.ok());
}

}  // namespace
}  // namespace remediator::platform
