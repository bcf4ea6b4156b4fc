#include "fixers/stale_logs/stale_logs_fixer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fixers/stale_logs/logs_state.h"
#include "platform/memory/memory_platform.h"
#include "tests/platform/scoped_environment.h"
#include "tests/fixers/stale_logs/fake_archiver.h"

namespace remediator::fixers {
namespace {

using platform::MemoryPlatform;
using platform::Result;
using stale_logs::testing::FakeArchiver;
using namespace std::chrono_literals;

/// A clock that moves forward by `step` every time it is read, so a walk meets its deadline after a known number
/// of entries without any waiting.
class SteppingTime final : public platform::TimeSource {
 public:
  SysTime now() const override {
    const SysTime t = now_;
    now_ += step;
    return t;
  }
  void advance(Millis d) { now_ += d; }
  Millis step{0};

 private:
  mutable SysTime now_ = SysTime{} + std::chrono::hours(24 * 365 * 56);
};

/// `path` made absolute on this OS (prefixed with the drive on Windows, with its separators), as the fixer
/// writes paths back, so the same test paths work in the native and the Windows build.
std::string at(const std::string& path) {
  return std::filesystem::path(std::filesystem::current_path().root_name().string() + path).make_preferred().string();
}

const std::string kLogs = at("/ProgramData/Microsoft/Windows Server/Logs");
const std::string kState = at("/state");

platform::InstalledProduct connector(const std::string& version) {
  platform::InstalledProduct p;
  p.displayName = "Windows Server Essentials Connector";
  p.version = version;
  p.productCode = "{11111111-2222-3333-4444-555555555555}";
  return p;
}

class StaleLogsFixerTest : public ::testing::Test {
 protected:
  StaleLogsFixerTest() {
    auto fake = std::make_unique<FakeArchiver>(mp.files);
    archiver = fake.get();
    fixer = makeStaleLogsFixer(std::move(fake));
    policy.staleLogs.folder = kLogs;
    // The memory file system's paths are on the test's drive, not under the OS's ProgramData folder (under Wine
    // the current drive is Z:); the confinement to the Connector's tree has a test of its own.
    policy.staleLogs.folderAnywhere = true;
  }

  FixerContext context(Millis budget = 2min) {
    return FixerContext{mp.get(), policy, kState, time.now() + budget,
                        [this](const std::string& event, const std::string&, const State&) {
                          notes.push_back(event);
                        }};
  }

  void addLog(const std::string& relative, const std::string& content = "log line\n") {
    ASSERT_TRUE(mp.files.addFile(std::string(kLogs) + "/" + relative, content).ok());
  }

  bool exists(const std::string& relative) const { return mp.files.exists(std::string(kLogs) + "/" + relative); }

  /// detect, plan and apply, as the engine does in enforce mode.
  ApplyOutcome runOnce(Millis budget = 2min) {
    auto ctx = context(budget);
    const Finding finding = fixer->detect(ctx);
    return fixer->apply(fixer->plan(finding, ctx), ctx);
  }

  Finding detect() {
    auto ctx = context();
    return fixer->detect(ctx);
  }

  SteppingTime time;
  MemoryPlatform mp{time};
  policies::Policy policy;
  FakeArchiver* archiver = nullptr;
  std::unique_ptr<Fixer> fixer;
  std::vector<std::string> notes;
};

TEST_F(StaleLogsFixerTest, AbsentFolderIsCompliant) {
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(finding.observed.at("folder_exists"), "false");
  EXPECT_EQ(finding.observed.at("reason"), "connector_absent");
}

TEST_F(StaleLogsFixerTest, AuditPlanReportsCountsAndBytesAndChangesNothing) {
  addLog("Client.log", std::string(100, 'a'));
  addLog("Deploy/ClientDeploy.log", std::string(250, 'b'));
  ASSERT_TRUE(mp.files.addLink(std::string(kLogs) + "/shortcut", at("/elsewhere")).ok());

  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  EXPECT_EQ(finding.observed.at("reason"), "connector_absent");
  EXPECT_EQ(finding.observed.at("files"), "3");
  EXPECT_EQ(finding.observed.at("bytes"), "350");
  EXPECT_EQ(finding.desired.at("files"), "0");

  const Plan plan = fixer->plan(finding, ctx);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].kind, "archive_logs");
  EXPECT_EQ(plan[0].parameters.at("files"), "2");  // the link is not archived
  EXPECT_EQ(plan[0].parameters.at("bytes"), "350");
  EXPECT_EQ(plan[0].parameters.at("archive_dir"), (std::filesystem::path(kState) / "archive").string());
  EXPECT_EQ(plan[1].kind, "delete_logs");
  EXPECT_EQ(plan[1].parameters.at("files"), "3");
  EXPECT_EQ(plan[1].parameters.at("bytes"), "350");
  EXPECT_FALSE(plan[0].disruptive);
  EXPECT_FALSE(plan[1].disruptive);

  EXPECT_TRUE(exists("Client.log"));
  EXPECT_TRUE(exists("Deploy/ClientDeploy.log"));
  EXPECT_EQ(archiver->opened, 0);
}

TEST_F(StaleLogsFixerTest, PlantedLinkIsRemovedAsALinkAndItsTargetSurvives) {
  policy.staleLogs.archive = "none";
  ASSERT_TRUE(mp.files.addFile(at("/Windows/System32/config/SAM"), "precious").ok());
  ASSERT_TRUE(mp.files.addLink(std::string(kLogs) + "/evil", at("/Windows/System32/config")).ok());
  addLog("sub/Client.log");

  const ApplyOutcome outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_FALSE(exists("evil"));
  EXPECT_FALSE(exists("sub"));
  EXPECT_TRUE(mp.files.exists(at("/Windows/System32/config/SAM")));
  EXPECT_EQ(mp.files.readFile(at("/Windows/System32/config/SAM")).valueOr(""), "precious");
  EXPECT_EQ(outcome.details.at("links_removed"), "1");
  EXPECT_TRUE(mp.files.exists(kLogs)) << "the root stays unless remove_root is set";
}

TEST_F(StaleLogsFixerTest, LinksAreNeverArchivedThrough) {
  ASSERT_TRUE(mp.files.addFile(at("/secret/data.txt"), "outside").ok());
  ASSERT_TRUE(mp.files.addLink(std::string(kLogs) + "/to-secret", at("/secret")).ok());
  ASSERT_TRUE(mp.files.addLink(std::string(kLogs) + "/to-file", at("/secret/data.txt")).ok());
  addLog("Client.log", "inside");

  const ApplyOutcome outcome = runOnce();
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(archiver->entries, std::vector<std::string>{"Client.log"});
  EXPECT_EQ(archiver->bytes, 6u);
  EXPECT_FALSE(exists("to-secret"));
  EXPECT_FALSE(exists("to-file"));
  EXPECT_EQ(mp.files.readFile(at("/secret/data.txt")).valueOr(""), "outside");
}

TEST_F(StaleLogsFixerTest, LockedFileIsSkippedReportedAndRetriedNextRun) {
  policy.staleLogs.archive = "none";
  addLog("a.log");
  addLog("Deploy/locked.log");
  addLog("Deploy/b.log");
  ASSERT_TRUE(mp.files.setLocked(std::string(kLogs) + "/Deploy/locked.log", true).ok());

  const ApplyOutcome first = runOnce();
  EXPECT_FALSE(first.ok);
  EXPECT_EQ(first.details.at("skipped"), "1");
  EXPECT_NE(first.details.at("skipped_paths").find("Deploy/locked.log (busy)"), std::string::npos);
  EXPECT_EQ(first.details.at("files_removed"), "2");
  EXPECT_NE(first.message.find("retried next run"), std::string::npos);
  EXPECT_TRUE(exists("Deploy/locked.log"));
  EXPECT_FALSE(exists("Deploy/b.log"));
  EXPECT_FALSE(exists("a.log"));
  EXPECT_TRUE(exists("Deploy")) << "a folder still holding a skipped file stays";

  ASSERT_TRUE(mp.files.setLocked(std::string(kLogs) + "/Deploy/locked.log", false).ok());
  const ApplyOutcome second = runOnce();
  EXPECT_TRUE(second.ok) << second.message;
  EXPECT_FALSE(exists("Deploy"));
  EXPECT_EQ(detect().status, FindingStatus::kCompliant);
}

TEST_F(StaleLogsFixerTest, DeadlineStopsTheWalkAndTheNextRunContinues) {
  policy.staleLogs.archive = "none";
  for (int i = 0; i < 40; ++i) addLog("dir" + std::to_string(i % 4) + "/f" + std::to_string(i) + ".log");

  auto ctx = context(10s);
  const Finding finding = fixer->detect(ctx);
  const Plan plan = fixer->plan(finding, ctx);
  ASSERT_EQ(finding.observed.at("files"), "40");
  time.step = 1s;  // every clock read costs a second: the 10 s budget runs out part way
  ctx.deadline = time.now() + 10s;
  const ApplyOutcome partial = fixer->apply(plan, ctx);
  EXPECT_FALSE(partial.ok);
  EXPECT_EQ(partial.details.at("complete"), "false");
  EXPECT_NE(partial.message.find("deadline"), std::string::npos);
  const auto removed = std::stoul(partial.details.at("files_removed"));
  EXPECT_GT(removed, 0u);
  EXPECT_LT(removed, 40u);
  EXPECT_TRUE(partial.events.empty());

  time.step = 0s;
  const ApplyOutcome rest = runOnce();
  EXPECT_TRUE(rest.ok) << rest.message;
  EXPECT_EQ(std::stoul(rest.details.at("files_removed")), 40u - removed);
  EXPECT_EQ(rest.events, std::vector<std::string>{"stale_logs.cleared"});
}

TEST_F(StaleLogsFixerTest, ArchiveDeadlineStillDeletesWhatWasArchived) {
  for (int i = 0; i < 40; ++i) addLog("f" + std::to_string(i) + ".log");
  auto ctx = context();
  const Plan plan = fixer->plan(fixer->detect(ctx), ctx);
  time.step = 1s;
  ctx.deadline = time.now() + 40s;
  const ApplyOutcome partial = fixer->apply(plan, ctx);
  EXPECT_FALSE(partial.ok);
  EXPECT_EQ(partial.details.at("complete"), "false");
  ASSERT_EQ(archiver->finished.size(), 1u);
  const auto archived = archiver->entries.size();
  EXPECT_GT(archived, 0u);
  EXPECT_LT(archived, 40u);
  const auto removed = std::stoul(partial.details.at("files_removed"));
  EXPECT_GT(removed, 0u);
  EXPECT_LE(removed, archived);
  for (int i = 0; i < 40; ++i) {
    const std::string name = "f" + std::to_string(i) + ".log";
    if (exists(name)) continue;
    EXPECT_NE(std::find(archiver->entries.begin(), archiver->entries.end(), name), archiver->entries.end())
        << name << " was deleted without being archived";
  }
}

TEST_F(StaleLogsFixerTest, VersionChangeIsDetectedThroughTheStateFile) {
  mp.products.add(connector("6.3.9600.1"));
  addLog("Client.log");

  Finding first = detect();
  EXPECT_EQ(first.status, FindingStatus::kCompliant) << first.message;
  auto recorded = stale_logs::readLogsState(mp.files, stale_logs::logsStatePath(kState));
  ASSERT_TRUE(recorded.ok());
  ASSERT_TRUE(recorded->has_value());
  EXPECT_EQ((*recorded)->connectorVersion, "6.3.9600.1");
  EXPECT_EQ((*recorded)->folder, kLogs);

  mp.products.add(connector("10.0.14393.4"));  // same product code: an in-place upgrade
  const Finding changed = detect();
  ASSERT_EQ(changed.status, FindingStatus::kDrift) << changed.message;
  EXPECT_EQ(changed.observed.at("reason"), "version_changed");
  EXPECT_EQ(changed.observed.at("logs_connector_version"), "6.3.9600.1");
  EXPECT_EQ(changed.observed.at("connector_version"), "10.0.14393.4");

  const ApplyOutcome outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_FALSE(exists("Client.log"));
  recorded = stale_logs::readLogsState(mp.files, stale_logs::logsStatePath(kState));
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->connectorVersion, "10.0.14393.4");

  addLog("Client.log");  // written by the new Connector
  EXPECT_EQ(detect().status, FindingStatus::kCompliant);
}

TEST_F(StaleLogsFixerTest, LogsOfAConnectorInstalledAfterAClearingAreKept) {
  mp.products.add(connector("6.3.9600.1"));
  addLog("Client.log");
  ASSERT_EQ(detect().status, FindingStatus::kCompliant);

  mp.products.remove("Windows Server Essentials Connector");
  const ApplyOutcome cleared = runOnce();
  ASSERT_TRUE(cleared.ok) << cleared.message;
  EXPECT_FALSE(exists("Client.log"));

  mp.products.add(connector("10.0.14393.4"));
  addLog("ClientSetup.log");
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_TRUE(exists("ClientSetup.log"));
}

TEST_F(StaleLogsFixerTest, ArchiveNoneDeletesWithoutArchiving) {
  policy.staleLogs.archive = "none";
  addLog("a.log");
  addLog("b.log");
  auto ctx = context();
  const Plan plan = fixer->plan(fixer->detect(ctx), ctx);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].kind, "delete_logs");
  const ApplyOutcome outcome = fixer->apply(plan, ctx);
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(archiver->opened, 0);
  EXPECT_EQ(outcome.details.count("archive"), 0u);
  EXPECT_FALSE(exists("a.log"));
  EXPECT_FALSE(mp.files.exists(kState + "/archive"));
}

TEST_F(StaleLogsFixerTest, ArchiveZipArchivesEveryFileBeforeDeleting) {
  addLog("a.log", "aaaa");
  addLog("Deploy/b.log", "bb");
  const ApplyOutcome outcome = runOnce();
  ASSERT_TRUE(outcome.ok) << outcome.message;
  ASSERT_EQ(archiver->finished.size(), 1u);
  std::vector<std::string> names = archiver->entries;
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Deploy/b.log", "a.log"}));
  EXPECT_EQ(archiver->bytes, 6u);
  EXPECT_EQ(outcome.details.at("archived_files"), "2");
  EXPECT_EQ(outcome.details.at("archive"), archiver->finished[0].string());
  EXPECT_EQ(archiver->finished[0].parent_path(), std::filesystem::path(kState) / "archive");
  EXPECT_TRUE(mp.files.exists(archiver->finished[0]));
  EXPECT_FALSE(exists("a.log"));
  EXPECT_FALSE(exists("Deploy"));
  EXPECT_NE(std::find(notes.begin(), notes.end(), "archived"), notes.end());
}

TEST_F(StaleLogsFixerTest, FailedArchiveDeletesNothing) {
  archiver->failFinish = true;
  addLog("a.log");
  ASSERT_TRUE(mp.files.addLink(std::string(kLogs) + "/link", at("/x")).ok());
  const ApplyOutcome outcome = runOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("nothing deleted"), std::string::npos) << outcome.message;
  EXPECT_TRUE(exists("a.log"));
  EXPECT_TRUE(exists("link"));
}

/// The in-memory file system, except that the files named in `unreadable` cannot be read (kBusy), as Windows
/// refuses a file another process holds open without read sharing.
class ReadLockingFileSystem final : public platform::FileSystem {
 public:
  explicit ReadLockingFileSystem(platform::FileSystem& inner) : inner_(inner) {}
  Result<platform::FileInfo> status(const std::filesystem::path& p) const override { return inner_.status(p); }
  Result<std::vector<platform::DirEntry>> list(const std::filesystem::path& p) const override {
    return inner_.list(p);
  }
  Result<std::string> readFile(const std::filesystem::path& p,
                               std::uint64_t maxBytes = platform::kDefaultReadLimit) const override {
    if (unreadable.count(p.filename().string())) {
      return platform::fail(platform::ErrorCode::kBusy, p.string() + " is open without read sharing");
    }
    return inner_.readFile(p, maxBytes);
  }
  Result<void> writeFileAtomic(const std::filesystem::path& p, const std::string& d) override {
    return inner_.writeFileAtomic(p, d);
  }
  Result<void> removeFile(const std::filesystem::path& p) override { return inner_.removeFile(p); }
  Result<void> removeDirectory(const std::filesystem::path& p) override { return inner_.removeDirectory(p); }
  Result<void> createDirectories(const std::filesystem::path& p) override { return inner_.createDirectories(p); }

  std::set<std::string> unreadable;

 private:
  platform::FileSystem& inner_;
};

TEST_F(StaleLogsFixerTest, FileThatCannotBeReadForArchivingIsKept) {
  ReadLockingFileSystem files(mp.files);
  files.unreadable = {"held.log"};
  mp.get().files = &files;
  addLog("held.log");
  addLog("free.log");
  const ApplyOutcome outcome = runOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(exists("held.log"));
  EXPECT_FALSE(exists("free.log"));
  EXPECT_EQ(archiver->entries, std::vector<std::string>{"free.log"});
  EXPECT_NE(outcome.details.at("skipped_paths").find("held.log (busy)"), std::string::npos);
}

TEST_F(StaleLogsFixerTest, ArchiveThatBreaksDeletesNothing) {
  archiver->failAdd = {"b.log"};
  addLog("a.log");
  addLog("b.log");
  addLog("c.log");
  const ApplyOutcome outcome = runOnce();
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("nothing deleted"), std::string::npos) << outcome.message;
  EXPECT_TRUE(exists("a.log"));
  EXPECT_TRUE(exists("b.log"));
  EXPECT_TRUE(exists("c.log"));
  EXPECT_TRUE(archiver->finished.empty());
}

TEST_F(StaleLogsFixerTest, FileChangedAfterArchivingIsKept) {
  // A log written to between archiving and deleting must not lose the new lines: the deleting walk only takes
  // what still matches what was archived. Writing through the file system moves the clock on (stepping time).
  addLog("busy.log", "old");
  addLog("quiet.log", "old");
  auto ctx = context();
  const Plan plan = fixer->plan(fixer->detect(ctx), ctx);
  ASSERT_EQ(plan.size(), 2u);
  // The archiver's finish is the moment between the two walks: change the file then.
  struct ChangingArchiver final : stale_logs::Archiver {
    ChangingArchiver(platform::MemoryFileSystem& files, SteppingTime& time) : files_(files), time_(time) {}
    Result<std::unique_ptr<stale_logs::ArchiveWriter>> open(const std::filesystem::path&) override {
      struct W final : stale_logs::ArchiveWriter {
        W(platform::MemoryFileSystem& f, SteppingTime& t) : f_(f), t_(t) {}
        Result<void> add(const std::string&, const std::string&, SysTime) override { return {}; }
        Result<void> finish() override {
          t_.advance(1s);
          return f_.addFile(std::string(kLogs) + "/busy.log", "old and new");
        }
        platform::MemoryFileSystem& f_;
        SteppingTime& t_;
      };
      return std::unique_ptr<stale_logs::ArchiveWriter>(std::make_unique<W>(files_, time_));
    }
    platform::MemoryFileSystem& files_;
    SteppingTime& time_;
  };
  auto changing = makeStaleLogsFixer(std::make_unique<ChangingArchiver>(mp.files, time));
  const ApplyOutcome outcome = changing->apply(plan, ctx);
  EXPECT_TRUE(exists("busy.log"));
  EXPECT_EQ(mp.files.readFile(std::string(kLogs) + "/busy.log").valueOr(""), "old and new");
  EXPECT_FALSE(exists("quiet.log"));
  EXPECT_EQ(outcome.details.at("files_removed"), "1");
}

TEST_F(StaleLogsFixerTest, RootIsRemovedOnlyWhenToldTo) {
  policy.staleLogs.archive = "none";
  addLog("a.log");
  ASSERT_TRUE(runOnce().ok);
  EXPECT_TRUE(mp.files.exists(kLogs));
  EXPECT_EQ(detect().status, FindingStatus::kCompliant);

  policy.staleLogs.removeRoot = true;
  const Finding finding = detect();
  ASSERT_EQ(finding.status, FindingStatus::kDrift);
  EXPECT_EQ(finding.desired.at("folder_exists"), "false");
  const ApplyOutcome outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_FALSE(mp.files.exists(kLogs));
  EXPECT_TRUE(mp.files.exists(at("/ProgramData/Microsoft/Windows Server")));
}

TEST_F(StaleLogsFixerTest, RetentionRemovesOnlyOldFilesWhileTheConnectorIsInstalled) {
  mp.products.add(connector("10.0.14393.4"));
  policy.staleLogs.archive = "none";
  policy.staleLogs.retention = std::chrono::hours(24 * 30);
  addLog("Deploy/old.log");
  addLog("new.log");
  ASSERT_TRUE(mp.files.setModified(std::string(kLogs) + "/Deploy/old.log", time.now() - std::chrono::hours(24 * 31))
                  .ok());
  const Finding finding = detect();
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  EXPECT_EQ(finding.observed.at("reason"), "retention");
  EXPECT_EQ(finding.observed.at("files"), "1");

  const ApplyOutcome outcome = runOnce();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_FALSE(exists("Deploy/old.log"));
  EXPECT_TRUE(exists("Deploy")) << "retention never removes folders";
  EXPECT_TRUE(exists("new.log"));
  EXPECT_EQ(detect().status, FindingStatus::kCompliant);
}

TEST_F(StaleLogsFixerTest, RootThatIsALinkIsRefused) {
  ASSERT_TRUE(mp.files.addFile(at("/Windows/win.ini"), "x").ok());
  ASSERT_TRUE(mp.files.addLink(kLogs, at("/Windows")).ok());
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("link"), std::string::npos) << finding.message;

  // A plan made earlier, when the folder was real, still refuses to walk through the link.
  Action erase{"delete_logs", "", {{"folder", kLogs}, {"reason", "connector_absent"}, {"remove_root", "false"}}};
  auto ctx = context();
  const ApplyOutcome outcome = fixer->apply({erase}, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(mp.files.exists(at("/Windows/win.ini")));
}

TEST_F(StaleLogsFixerTest, UnresolvedFolderIsAnErrorNamingTheKey) {
  policy.staleLogs.folder = "%NO_SUCH_VARIABLE_FOR_STALE_LOGS%\\Logs";
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("[stale_logs] folder"), std::string::npos) << finding.message;
}

TEST_F(StaleLogsFixerTest, UnknownArchiveValueIsAnErrorNamingTheKey) {
  policy.staleLogs.archive = "tar";
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("[stale_logs] archive: expected zip or none, got 'tar'"), std::string::npos)
      << finding.message;
}

TEST_F(StaleLogsFixerTest, AFolderOutsideTheConnectorsTreeIsRefusedUnlessFolderAnywhere) {
  // The attack: a policy that points the SYSTEM clearing at C:\Windows. The tree is the OS's ProgramData folder
  // where it names one (Windows), else %ProgramData%, set here so that the rule is shown on both platforms.
  const auto programData = platform::programDataFolder();
  std::optional<platform::testing::ScopedEnvironment> env;
  if (!programData) env.emplace("ProgramData", at("/ProgramData"));
  const auto tree = (programData ? *programData : std::filesystem::path(at("/ProgramData"))) / "Microsoft" /
                    "Windows Server";
  policy.staleLogs.folderAnywhere = false;
  ASSERT_TRUE(mp.files.addFile(at("/Windows/win.ini"), "[fonts]").ok());
  policy.staleLogs.folder = at("/Windows");
  const Finding refused = detect();
  EXPECT_EQ(refused.status, FindingStatus::kError);
  EXPECT_NE(refused.message.find("outside the Connector's folder"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("folder_anywhere"), std::string::npos) << refused.message;
  EXPECT_TRUE(fixer->watches(policy).empty()) << "a refused folder is watched";
  // The tree itself is not the Logs folder either: it holds the Connector's programs and data.
  policy.staleLogs.folder = tree.string();
  EXPECT_EQ(detect().status, FindingStatus::kError);
  // The Connector's Logs folder passes, and the override lets an administrator clear another one.
  policy.staleLogs.folder = (tree / "Logs").string();
  EXPECT_NE(detect().status, FindingStatus::kError) << detect().message;
  policy.staleLogs.folder = at("/Windows");
  policy.staleLogs.folderAnywhere = true;
  EXPECT_NE(detect().status, FindingStatus::kError);
  EXPECT_EQ(fixer->watches(policy).size(), 1u);
}

TEST_F(StaleLogsFixerTest, FolderHoldingTheStateFolderIsRefused) {
  policy.staleLogs.folder = at("/");
  EXPECT_EQ(detect().status, FindingStatus::kError);
  policy.staleLogs.folder = at("/state/..");
  EXPECT_EQ(detect().status, FindingStatus::kError);
  policy.staleLogs.folder = at("/STATE");  // case-insensitively the state folder, as on Windows
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("state folder"), std::string::npos) << finding.message;
}

TEST_F(StaleLogsFixerTest, WithoutAnInstalledProgramsListTheConnectorCountsAsAbsent) {
  mp.products.add(connector("10.0.14393.4"));
  mp.get().products = nullptr;
  addLog("Client.log");
  const Finding finding = detect();
  ASSERT_EQ(finding.status, FindingStatus::kDrift);
  EXPECT_EQ(finding.observed.at("reason"), "connector_absent");
}

TEST_F(StaleLogsFixerTest, FailingProgramsListIsAnError) {
  mp.products.failList(platform::fail(platform::ErrorCode::kPermissionDenied, "access denied"));
  addLog("Client.log");
  const Finding finding = detect();
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_TRUE(exists("Client.log"));
}

TEST_F(StaleLogsFixerTest, ArchivesBeyondTheKeepCountArePruned) {
  policy.staleLogs.archiveKeep = 2;
  for (int run = 0; run < 4; ++run) {
    addLog("run" + std::to_string(run) + ".log");
    time.advance(1h);
    ASSERT_TRUE(runOnce().ok);
  }
  ASSERT_EQ(archiver->finished.size(), 4u);
  auto left = mp.files.list(kState + "/archive");
  ASSERT_TRUE(left.ok());
  std::vector<std::string> names;
  for (const auto& e : *left) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{archiver->finished[2].filename().string(),
                                             archiver->finished[3].filename().string()}));
}

}  // namespace
}  // namespace remediator::fixers
