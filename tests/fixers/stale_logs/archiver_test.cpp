#include "fixers/stale_logs/archiver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/memory/memory_file_system.h"

namespace remediator::fixers::stale_logs {
namespace {

using namespace std::chrono_literals;

TEST(ArchiveFileNameTest, IsUtcWithMillisecondsAndSortsByTime) {
  // 2026-11-25T16:15:30.123Z
  const platform::SysTime t = platform::SysTime{} + std::chrono::sys_days{std::chrono::year{2026} /
                                                                            std::chrono::November / 25}
                                                        .time_since_epoch() +
                              16h + 15min + 30s + 123ms;
  EXPECT_EQ(archiveFileName(t), "logs-20261125T161530.123Z.zip");
  EXPECT_LT(archiveFileName(t), archiveFileName(t + 1ms));
}

class PruneArchivesTest : public ::testing::Test {
 protected:
  void add(const std::string& name, std::chrono::hours age) {
    ASSERT_TRUE(files.addFile("/archive/" + name, "zip", time.now() - age).ok());
  }
  std::vector<std::string> left() {
    std::vector<std::string> names;
    for (const auto& e : files.list("/archive").valueOr({})) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  platform::ManualTimeSource time;
  platform::MemoryFileSystem files{time};
};

TEST_F(PruneArchivesTest, KeepsTheNewestAndLeavesOtherFilesAlone) {
  add("logs-1.zip", 40h);
  add("logs-2.zip", 30h);
  add("logs-3.zip", 20h);
  add("logs-4.zip", 10h);
  add("notes.txt", 50h);
  ASSERT_TRUE(files.addLink("/archive/logs-9.zip", "/elsewhere").ok());
  const auto outcome = pruneArchives(files, "/archive", 2, 0ms, time.now());
  EXPECT_EQ(outcome.removed, 2);
  EXPECT_TRUE(outcome.problems.empty());
  EXPECT_EQ(left(), (std::vector<std::string>{"logs-3.zip", "logs-4.zip", "logs-9.zip", "notes.txt"}));
}

TEST_F(PruneArchivesTest, DropsArchivesOlderThanMaxAgeButNeverTheNewest) {
  add("logs-1.zip", 100h);
  add("logs-2.zip", 80h);
  add("logs-3.zip", 1h);
  EXPECT_EQ(pruneArchives(files, "/archive", 10, 48h, time.now()).removed, 2);
  EXPECT_EQ(left(), std::vector<std::string>{"logs-3.zip"});

  time.advance(1000h);
  EXPECT_EQ(pruneArchives(files, "/archive", 10, 48h, time.now()).removed, 0);
  EXPECT_EQ(left(), std::vector<std::string>{"logs-3.zip"});
}

TEST_F(PruneArchivesTest, RemovesPartialArchivesLeftByACrash) {
  add("logs-1.zip", 1h);
  add("logs-2.zip.partial", 2h);
  EXPECT_EQ(pruneArchives(files, "/archive", 5, 0ms, time.now()).removed, 1);
  EXPECT_EQ(left(), std::vector<std::string>{"logs-1.zip"});
}

TEST_F(PruneArchivesTest, ReportsAnArchiveThatCannotBeRemoved) {
  add("logs-1.zip", 2h);
  add("logs-2.zip", 1h);
  ASSERT_TRUE(files.setLocked("/archive/logs-1.zip", true).ok());
  const auto outcome = pruneArchives(files, "/archive", 1, 0ms, time.now());
  EXPECT_EQ(outcome.removed, 0);
  ASSERT_EQ(outcome.problems.size(), 1u);
  const std::string locked = (std::filesystem::path("/archive") / "logs-1.zip").string();  // "\\" on Windows
  EXPECT_NE(outcome.problems[0].find(locked), std::string::npos);
}

}  // namespace
}  // namespace remediator::fixers::stale_logs
