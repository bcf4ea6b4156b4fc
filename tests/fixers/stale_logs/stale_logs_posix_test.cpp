// The stale-logs fixer on the real POSIX file system, in a temporary folder of its own per test.
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>
#include <gtest/gtest.h>

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
  policy_.staleLogs.archive = "none";
  const ApplyOutcome outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.details.at("links_removed"), "2");
  EXPECT_EQ(outcome.details.at("files_removed"), "4");
  EXPECT_EQ(outcome.details.at("bytes_removed"), "5011");
  expectOutsideUntouched();
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

  const auto header = zip.findHeader("Deploy/ClientDeploy.log");
  ASSERT_NE(header, zip.headerEnd());
  Poco::Zip::ZipInputStream entry(in, header->second);
  const std::string content{std::istreambuf_iterator<char>(entry), std::istreambuf_iterator<char>()};
  EXPECT_EQ(content, std::string(5000, 'd'));
  EXPECT_FALSE(fs::exists(archive.string() + ".partial"));
}

}  // namespace
}  // namespace remediator::fixers
