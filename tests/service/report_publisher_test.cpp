// The report publisher: a PC's status and audit records reach <report>/<HOST>/ once each, whatever the share
// does in between (offline, gone and back, a crash between a chunk and its head), in bounded passes.
#include "service/report_publisher.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "platform/memory/memory_file_system.h"
#include "platform/platform.h"
#include "service/audit_log.h"
#include "tests/service/audit_test_support.h"

namespace remediator::service {
namespace {

namespace fs = std::filesystem;
using platform::ErrorCode;
using platform::Result;
using testing::TempDir;

/// Delegates to another file system; can go offline (every call fails as an unreachable share does) or fail the
/// next write of one file name (a crash right before that write).
class FlakyFileSystem final : public platform::FileSystem {
 public:
  explicit FlakyFileSystem(platform::FileSystem& inner) : inner_(inner) {}
  bool offline = false;
  std::string failNextWriteOf;  ///< a file name

  Result<platform::FileInfo> status(const fs::path& p) const override {
    if (offline) return down(p);
    return inner_.status(p);
  }
  Result<std::vector<platform::DirEntry>> list(const fs::path& p) const override {
    if (offline) return down(p);
    return inner_.list(p);
  }
  Result<std::string> readFile(const fs::path& p, std::uint64_t maxBytes) const override {
    if (offline) return down(p);
    return inner_.readFile(p, maxBytes);
  }
  Result<void> writeFileAtomic(const fs::path& p, const std::string& data) override {
    if (offline) return down(p);
    if (!failNextWriteOf.empty() && p.filename() == failNextWriteOf) {
      failNextWriteOf.clear();
      return platform::fail(ErrorCode::kIo, "the process died before writing " + p.string());
    }
    return inner_.writeFileAtomic(p, data);
  }
  Result<void> removeFile(const fs::path& p) override { return inner_.removeFile(p); }
  Result<void> removeDirectory(const fs::path& p) override { return inner_.removeDirectory(p); }
  Result<void> createDirectories(const fs::path& p) override {
    if (offline) return down(p);
    return inner_.createDirectories(p);
  }

 private:
  static platform::Error down(const fs::path& p) {
    return platform::fail(ErrorCode::kUnavailable, "the network path " + p.string() + " was not found");
  }
  platform::FileSystem& inner_;
};

/// One PC: a real audit log in a temp folder and a status file beside it.
struct Pc {
  Pc(const std::string& host, const platform::TimeSource& time) : host(host) {
    AuditLogOptions o;
    o.path = dir / "audit.jsonl";
    o.stateFile = dir / "audit.state";
    o.host = host;
    log = JsonlAuditLog::open(o, time).value();
    testing::writeText(dir / "status.json", R"({"host":")" + host + R"(","fixers":[{"fixer":"clock","mode":"enforce","outcome":"fixed"}]})");
  }
  void record(int n) {
    for (int i = 0; i < n; ++i) {
      AuditEntry e;
      e.fixer = "clock";
      e.event = "detected";
      e.outcome = "compliant";
      e.message = "record " + std::to_string(++written);
      ASSERT_TRUE(log->append(e));
    }
  }
  PublisherOptions options(const fs::path& report) const {
    PublisherOptions o;
    o.reportDir = report;
    o.host = host;
    o.auditLog = dir / "audit.jsonl";
    o.statusFile = dir / "status.json";
    return o;
  }
  std::string host;
  TempDir dir;
  std::unique_ptr<JsonlAuditLog> log;
  int written = 0;
};

/// Every record published for `host`, chunk by chunk in name order, as seq -> how many times it was published.
std::map<std::uint64_t, int> publishedSeqs(platform::FileSystem& files, const fs::path& pcDir,
                                           std::vector<std::string>* chunkNames = nullptr) {
  std::map<std::uint64_t, int> seqs;
  auto entries = files.list(pcDir);
  if (!entries) return seqs;
  std::vector<std::string> names;
  for (const auto& e : *entries) {
    if (parseReportChunkName(e.name)) names.push_back(e.name);
  }
  std::sort(names.begin(), names.end());
  std::string prevHash;
  for (const auto& name : names) {
    auto text = files.readFile(pcDir / name);
    std::size_t start = 0;
    while (start < text->size()) {
      const auto end = text->find('\n', start);
      auto r = parseAuditRecord(text->substr(start, end - start));
      EXPECT_TRUE(r) << name;
      if (r) {
        ++seqs[r->seq];
        EXPECT_EQ(r->prev, prevHash) << "seq " << r->seq << " does not continue the chain";
        prevHash = r->hash;
      }
      start = end + 1;
    }
  }
  if (chunkNames) *chunkNames = names;
  return seqs;
}

void expectEachOnce(const std::map<std::uint64_t, int>& seqs, std::uint64_t last) {
  ASSERT_EQ(seqs.size(), last) << "records missing";
  for (const auto& [seq, times] : seqs) EXPECT_EQ(times, 1) << "seq " << seq << " published " << times << " times";
  EXPECT_EQ(seqs.begin()->first, 1u);
  EXPECT_EQ(seqs.rbegin()->first, last);
}

class PublisherTest : public ::testing::Test {
 protected:
  platform::ManualTimeSource time;
  platform::MemoryFileSystem memory{time};
  FlakyFileSystem share{memory};
  const fs::path report = "\\\\SERVER\\Remediator$\\reports";
  const fs::path pcDir = report / "PC01";
  void SetUp() override { ASSERT_TRUE(memory.addDirectory(report)); }
};

TEST_F(PublisherTest, PublishesStatusRecordsAndHeadThenOnlyWhatIsNew) {
  Pc pc("PC01", time);
  pc.record(5);
  ReportPublisher publisher(pc.options(report), share, time);
  EXPECT_TRUE(publisher.due(pc.log->lastSeq()));
  auto first = publisher.publishOnce();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->records, 5u);
  EXPECT_EQ(first->headSeq, 5u);
  EXPECT_TRUE(first->caughtUp);

  auto head = parseReportHeadFromBytes(*memory.readFile(pcDir / kReportHeadFile));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->seq, 5u);
  EXPECT_EQ(head->chunk, reportChunkName(1));
  auto status = memory.readFile(pcDir / kReportStatusFile);
  ASSERT_TRUE(status);
  EXPECT_NE(status->find("\"fixer\": \"clock\""), std::string::npos) << *status;
  EXPECT_NE(status->find("\"doctor\": null"), std::string::npos) << "a place for the doctor's result: " << *status;
  EXPECT_NE(status->find("\"local_last_seq\": 5"), std::string::npos) << *status;

  // Nothing new: not due until a day has passed; then the head's time moves on and no chunk is added.
  EXPECT_FALSE(publisher.due(pc.log->lastSeq()));
  time.advance(std::chrono::hours(25));
  EXPECT_TRUE(publisher.due(pc.log->lastSeq()));
  auto idle = publisher.publishOnce();
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->records, 0u);
  EXPECT_NE(parseReportHeadFromBytes(*memory.readFile(pcDir / kReportHeadFile))->time, head->time);

  pc.record(3);
  EXPECT_TRUE(publisher.due(pc.log->lastSeq()));
  auto next = publisher.publishOnce();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->records, 3u);
  std::vector<std::string> chunks;
  expectEachOnce(publishedSeqs(memory, pcDir, &chunks), 8);
  EXPECT_EQ(chunks, (std::vector<std::string>{reportChunkName(1), reportChunkName(6)}));
}

TEST_F(PublisherTest, ShareOfflineThenBackLosesNothingAndDuplicatesNothing) {
  Pc pc("PC01", time);
  pc.record(2);
  ReportPublisher publisher(pc.options(report), share, time);
  ASSERT_TRUE(publisher.publishOnce());

  share.offline = true;
  pc.record(4);
  auto down = publisher.publishOnce();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(down.error().message.find("not reachable"), std::string::npos) << down.error().message;
  // Backoff: not due again at once, due after the first wait, and the wait doubles.
  EXPECT_FALSE(publisher.due(pc.log->lastSeq()));
  time.advance(std::chrono::seconds(61));
  EXPECT_TRUE(publisher.due(pc.log->lastSeq()));
  ASSERT_FALSE(publisher.publishOnce());
  time.advance(std::chrono::seconds(61));
  EXPECT_FALSE(publisher.due(pc.log->lastSeq())) << "the second wait is two minutes";
  time.advance(std::chrono::seconds(61));
  EXPECT_TRUE(publisher.due(pc.log->lastSeq()));

  share.offline = false;
  pc.record(1);
  auto back = publisher.publishOnce();
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->records, 5u);
  EXPECT_EQ(publisher.consecutiveFailures(), 0);
  expectEachOnce(publishedSeqs(memory, pcDir), 7);
}

TEST_F(PublisherTest, CrashBetweenChunkAndHeadRewritesTheSameChunk) {
  Pc pc("PC01", time);
  pc.record(3);
  ReportPublisher publisher(pc.options(report), share, time);
  ASSERT_TRUE(publisher.publishOnce());

  pc.record(2);
  share.failNextWriteOf = kReportHeadFile;
  ASSERT_FALSE(publisher.publishOnce());
  // The chunk is there, the head still names the one before.
  EXPECT_TRUE(memory.exists(pcDir / reportChunkName(4)));
  EXPECT_EQ(parseReportHeadFromBytes(*memory.readFile(pcDir / kReportHeadFile))->seq, 3u);

  // A new publisher (the service restarted after the crash) goes on from the head on the share.
  pc.record(1);
  ReportPublisher restarted(pc.options(report), share, time);
  auto r = restarted.publishOnce();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records, 3u);
  std::vector<std::string> chunks;
  expectEachOnce(publishedSeqs(memory, pcDir, &chunks), 6);
  EXPECT_EQ(chunks.size(), 2u);
  EXPECT_EQ(parseReportHeadFromBytes(*memory.readFile(pcDir / kReportHeadFile))->seq, 6u);
}

TEST_F(PublisherTest, BoundedWorkPerPass) {
  Pc pc("PC01", time);
  pc.record(10);
  auto options = pc.options(report);
  options.maxRecordsPerPass = 4;
  ReportPublisher publisher(options, share, time);
  std::vector<std::uint64_t> perPass;
  for (int pass = 0; pass < 10; ++pass) {
    auto r = publisher.publishOnce();
    ASSERT_TRUE(r);
    perPass.push_back(r->records);
    if (r->caughtUp) break;
  }
  EXPECT_EQ(perPass, (std::vector<std::uint64_t>{4, 4, 2}));
  expectEachOnce(publishedSeqs(memory, pcDir), 10);
}

TEST_F(PublisherTest, TwoPcsWriteTheirOwnFolders) {
  Pc a("PC01", time);
  Pc b("PC02", time);
  a.record(2);
  b.record(3);
  ReportPublisher pa(a.options(report), share, time);
  ReportPublisher pb(b.options(report), share, time);
  ASSERT_TRUE(pa.publishOnce());
  ASSERT_TRUE(pb.publishOnce());
  expectEachOnce(publishedSeqs(memory, report / "PC01"), 2);
  expectEachOnce(publishedSeqs(memory, report / "PC02"), 3);
}

TEST_F(PublisherTest, NeverCreatesTheShareFolderItself) {
  Pc pc("PC01", time);
  pc.record(1);
  ReportPublisher publisher(pc.options(report / "missing"), share, time);
  auto r = publisher.publishOnce();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(memory.exists(report / "missing"));
}

TEST_F(PublisherTest, AHostNameThatIsNotAFolderNameIsRefused) {
  Pc pc("PC01", time);
  auto options = pc.options(report);
  options.host = "..\\OTHER";
  ReportPublisher publisher(options, share, time);
  auto r = publisher.publishOnce();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PublisherTest, ARewrittenLocalLogIsSaidNotToContinueTheHead) {
  Pc pc("PC01", time);
  pc.record(4);
  ReportPublisher publisher(pc.options(report), share, time);
  ASSERT_TRUE(publisher.publishOnce());
  // Someone edits record 2 on the PC and re-chains everything after it, then more records come.
  pc.log.reset();
  testing::rewriteAndRechain(pc.dir / "audit.jsonl", 2, "nothing happened");
  fs::remove(pc.dir / "audit.state");
  AuditLogOptions o;
  o.path = pc.dir / "audit.jsonl";
  o.stateFile = pc.dir / "audit.state";
  o.host = "PC01";
  pc.log = JsonlAuditLog::open(o, time).value();
  pc.record(2);
  auto r = publisher.publishOnce();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->continuesHead);
  EXPECT_NE(memory.readFile(pcDir / kReportStatusFile)->find("\"continues_head\": false"), std::string::npos);
}

// Natively: the share is a real folder that disappears (renamed away, as a share going offline) and comes back.
TEST(PublisherNativeTest, FolderThatDisappearsAndComesBack) {
  platform::ManualTimeSource time;
  platform::NativePlatform native;
  TempDir share;
  const fs::path report = share / "reports";
  fs::create_directory(report);
  Pc pc("PC07", time);
  pc.record(3);
  ReportPublisher publisher(pc.options(report), *native.get().files, time);
  ASSERT_TRUE(publisher.publishOnce());

  fs::rename(report, share / "away");
  pc.record(2);
  auto gone = publisher.publishOnce();
  ASSERT_FALSE(gone);
  EXPECT_FALSE(fs::exists(report)) << "the share's folder is never made on the local disk";
  fs::rename(share / "away", report);
  time.advance(std::chrono::minutes(2));
  ASSERT_TRUE(publisher.due(pc.log->lastSeq()));
  auto back = publisher.publishOnce();
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->records, 2u);
  expectEachOnce(publishedSeqs(*native.get().files, report / "PC07"), 5);
  // Nothing but the published files: no temporary file left behind.
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(report / "PC07")) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{kReportHeadFile, kReportStatusFile, reportChunkName(1), reportChunkName(4)}));
}

TEST(ReportChunkNameTest, RoundTripsAndRefusesLookAlikes) {
  EXPECT_EQ(parseReportChunkName(reportChunkName(42)), 42u);
  EXPECT_FALSE(parseReportChunkName("audit-42.jsonl"));
  EXPECT_FALSE(parseReportChunkName(reportChunkName(42) + ".tmp"));
  EXPECT_FALSE(parseReportChunkName("audit-9999999999999999999x.jsonl"));
  EXPECT_FALSE(parseReportChunkName("audit-99999999999999999999.jsonl")) << "past UINT64_MAX";
}

}  // namespace
}  // namespace remediator::service
