// The fleet report over generated PC folders: every state, tamper evidence across publishes, the command's
// exit codes, and what a hostile PC can plant in its folder.
#include "service/fleet_report.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "platform/memory/memory_platform.h"
#include "service/cli.h"
#include "tests/service/audit_test_support.h"
#include "tests/service/fleet_test_support.h"

namespace remediator::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::PublishedPc;
using testing::writeEveryState;
using testing::TempDir;

const platform::SysTime kNow = testing::kFleetNow;

FleetOptions optionsAt(platform::SysTime now) {
  FleetOptions o;
  o.now = now;
  return o;
}

const PcView& pcNamed(const FleetReport& r, const std::string& name) {
  for (const auto& pc : r.pcs) {
    if (pc.name == name) return pc;
  }
  throw std::runtime_error("no PC " + name);
}

const FixerView& fixerNamed(const PcView& pc, const std::string& name) {
  for (const auto& f : pc.fixers) {
    if (f.fixer == name) return f;
  }
  throw std::runtime_error("no fixer " + name + " on " + pc.name);
}

TEST(FleetReportTest, EveryStateOfAGeneratedFleet) {
  TempDir root;
  writeEveryState(root.path());
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->pcs.size(), 6u);
  const auto& healthy = pcNamed(*report, "HEALTHY");
  EXPECT_FALSE(healthy.needsAdmin);
  EXPECT_EQ(healthy.chain, ChainState::kIntact);
  EXPECT_EQ(fixerNamed(healthy, "clock").state, "compliant");
  EXPECT_EQ(fixerNamed(healthy, "autologon").state, "off");

  const auto& healed = pcNamed(*report, "HEALED");
  EXPECT_FALSE(healed.needsAdmin);
  EXPECT_EQ(fixerNamed(healed, "autologon").state, "healed");
  EXPECT_EQ(fixerNamed(healed, "autologon").heals, 3);
  EXPECT_EQ(fixerNamed(healed, "autologon").days.back(), DayMark::kHealed);
  EXPECT_EQ(healed.records, 9u);

  EXPECT_EQ(fixerNamed(pcNamed(*report, "DRIFT"), "stale_logs").state, "drift");
  EXPECT_TRUE(pcNamed(*report, "DRIFT").needsAdmin);
  const auto& failed = pcNamed(*report, "FAILED");
  EXPECT_EQ(fixerNamed(failed, "connector").state, "failed");
  EXPECT_EQ(fixerNamed(failed, "clock").state, "breaker_open");
  EXPECT_TRUE(failed.needsAdmin);
  EXPECT_TRUE(pcNamed(*report, "STALE").stale);
  EXPECT_FALSE(pcNamed(*report, "HEALTHY").stale);
  ASSERT_EQ(pcNamed(*report, "DOCTOR").doctorProblems.size(), 1u);
  EXPECT_TRUE(pcNamed(*report, "DOCTOR").needsAdmin);
  EXPECT_TRUE(report->needsAdmin());

  // Recurring: HEALED healed autologon three times within the week.
  ASSERT_FALSE(report->recurring.empty());
  EXPECT_EQ(report->recurring.front().pc, "HEALED");
  EXPECT_EQ(report->recurring.front().heals, 3);
  // Actions of the last 7 days, newest first; the stale PC's ten-day-old record is not one.
  ASSERT_FALSE(report->actions.empty());
  for (std::size_t i = 1; i < report->actions.size(); ++i) EXPECT_GE(report->actions[i - 1].time, report->actions[i].time);
  EXPECT_EQ(report->timeline.count("autologon"), 1u);
}

TEST(FleetReportTest, AllHealthyNeedsNoAdministrator) {
  TempDir root;
  PublishedPc pc(root.path(), "PC01");
  pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "in sync");
  pc.publish(kNow - 1h);
  pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}});
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->needsAdmin());
}

TEST(FleetReportTest, AnEditedPublishedRecordBreaksTheChain) {
  TempDir root;
  PublishedPc pc(root.path(), "PC01");
  for (int i = 0; i < 5; ++i) pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "in sync");
  pc.publish(kNow - 1h);
  pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}});
  const fs::path chunk = pc.dir() / reportChunkName(1);
  std::string text = testing::readText(chunk);
  const auto at = text.find("in sync", text.find("\"seq\":3"));
  text.replace(at, 7, "IN SYNC");
  testing::writeText(chunk, text);
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  ASSERT_TRUE(report);
  const auto& v = pcNamed(*report, "PC01");
  EXPECT_EQ(v.chain, ChainState::kBroken);
  EXPECT_NE(v.chainDetail.find("seq 3"), std::string::npos) << v.chainDetail;
  EXPECT_TRUE(v.needsAdmin);
}

TEST(FleetReportTest, ARemovedChunkIsSeen) {
  TempDir root;
  PublishedPc pc(root.path(), "PC01");
  pc.record(kNow - 3h, "clock", "detected", "enforce", "compliant", "a");
  pc.publish(kNow - 3h);
  pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "b");
  pc.publish(kNow - 2h);
  pc.record(kNow - 1h, "clock", "detected", "enforce", "compliant", "c");
  pc.publish(kNow - 1h);
  pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}});
  fs::remove(pc.dir() / reportChunkName(2));
  auto gap = readFleetReport(root.path(), optionsAt(kNow));
  EXPECT_EQ(pcNamed(*gap, "PC01").chain, ChainState::kBroken);
  EXPECT_NE(pcNamed(*gap, "PC01").chainDetail.find("records 2..2"), std::string::npos);
  fs::remove(pc.dir() / reportChunkName(3));
  auto tail = readFleetReport(root.path(), optionsAt(kNow));
  EXPECT_EQ(pcNamed(*tail, "PC01").chain, ChainState::kBroken);
  EXPECT_NE(pcNamed(*tail, "PC01").chainDetail.find("chunks were removed"), std::string::npos)
      << pcNamed(*tail, "PC01").chainDetail;
}

TEST(FleetReportTest, APublishThatDoesNotContinueTheHeadIsDivergedAtItsSeq) {
  TempDir root;
  PublishedPc pc(root.path(), "PC01");
  for (int i = 0; i < 4; ++i) pc.record(kNow - 3h, "clock", "detected", "enforce", "compliant", "x");
  pc.publish(kNow - 3h);
  pc.forkChain();
  pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "y");
  pc.publish(kNow - 2h);
  pc.status(kNow - 2h, {{"clock", "enforce", "compliant"}});
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  const auto& v = pcNamed(*report, "PC01");
  EXPECT_EQ(v.chain, ChainState::kDiverged);
  EXPECT_NE(v.chainDetail.find("diverged at seq 5"), std::string::npos) << v.chainDetail;
  EXPECT_TRUE(v.needsAdmin);
}

// End to end: the real publisher, a PC that rewrites its local log after publishing, the report.
TEST(FleetReportTest, ALocalLogRewrittenAfterPublishingShowsAsDiverged) {
  platform::ManualTimeSource time(kNow - 2h);
  platform::MemoryPlatform memory(time);
  platform::NativePlatform native;
  TempDir share;
  TempDir state;
  AuditLogOptions o;
  o.path = state / "audit.jsonl";
  o.host = "PC09";
  auto log = JsonlAuditLog::open(o, time).value();
  AuditEntry e{.fixer = "clock", .event = "detected", .mode = "enforce", .outcome = "compliant", .message = "ok"};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(e));
  PublisherOptions po;
  po.reportDir = share.path();
  po.host = "PC09";
  po.auditLog = o.path;
  po.statusFile = state / "status.json";
  ReportPublisher publisher(po, *native.get().files, time);
  ASSERT_TRUE(publisher.publishOnce());
  log.reset();
  // Rewrite: record 2 says something else, and every record from there is hashed again.
  testing::rewriteAndRechain(o.path, 2, "never happened");
  log = JsonlAuditLog::open(o, time).value();
  ASSERT_TRUE(log->append(e));
  time.advance(1h);
  ASSERT_TRUE(publisher.publishOnce());

  auto report = readFleetReport(share.path(), optionsAt(kNow));
  ASSERT_TRUE(report);
  const auto& v = pcNamed(*report, "PC09");
  EXPECT_EQ(v.chain, ChainState::kDiverged) << v.chainDetail;
  EXPECT_NE(v.chainDetail.find("seq 4"), std::string::npos) << v.chainDetail;
}

// --- the command ---

int runFleet(const std::vector<std::string>& args, std::string& out, std::string& err) {
  platform::ManualTimeSource time(kNow);
  platform::MemoryPlatform memory(time);
  std::istringstream in;
  std::ostringstream o, e;
  const int rc = runCli(args, CliIo{in, o, e}, memory.get());
  out = o.str();
  err = e.str();
  return rc;
}

TEST(FleetCommandTest, ExitCodesPageCsvAndJson) {
  TempDir root;
  TempDir outDir;
  std::string out, err;
  // All healthy: 0.
  {
    PublishedPc pc(root.path(), "PC01");
    pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "in sync");
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}});
  }
  const std::string page = (outDir / "report.html").string();
  EXPECT_EQ(runFleet({"fleet", "report", root.path().string(), "--out", page}, out, err), 0) << err;
  EXPECT_NE(out.find("1 PCs, 0 need an administrator"), std::string::npos) << out;
  EXPECT_NE(testing::readText(page).find("data-pc=\"PC01\""), std::string::npos);
  // A failing PC: 1, with CSV and JSON of the same rows.
  writeEveryState(root.path());
  const std::string csv = (outDir / "fleet.csv").string();
  EXPECT_EQ(runFleet({"fleet", "report", root.path().string(), "--out", page, "--csv", csv, "--json"}, out, err), 1);
  EXPECT_EQ(out.rfind("{\"folder\":", 0), 0u) << out.substr(0, 200);
  EXPECT_NE(out.find("\"pc\":\"FAILED\""), std::string::npos);
  const std::string csvText = testing::readText(csv);
  EXPECT_EQ(csvText.rfind("pc,state,last_seen", 0), 0u);
  EXPECT_NE(csvText.find("\"FAILED\",\"needs_admin\""), std::string::npos) << csvText;
  // Bad usage and an unreadable folder: 2.
  EXPECT_EQ(runFleet({"fleet", "report"}, out, err), 2);
  EXPECT_EQ(runFleet({"fleet", "report", (root / "missing").string(), "--out", page}, out, err), 2);
  EXPECT_NE(err.find("missing"), std::string::npos) << err;
  EXPECT_EQ(runFleet({"fleet", "report", root.path().string(), "--stale", "soon"}, out, err), 2);
}

// --- hostile input ---

TEST(FleetHostileTest, NamesAndMessagesCannotInjectIntoThePage) {
  TempDir root;
#ifdef _WIN32
  const std::string evil = "&lt;x&gt;";  // Windows folder names have no '<' or '>'; a share served by Samba may
#else
  const std::string evil = "<script>alert(1)<\\script>";  // a folder name has no '/'; '<' and '>' are allowed
#endif
  PublishedPc pc(root.path(), evil);
  pc.record(kNow - 2h, "\"><img src=x onerror=alert(2)>", "failed", "enforce", "failed",
            "</td></tr></table><script>alert(3)</script>");
  pc.publish(kNow - 1h);
  pc.status(kNow - 1h, {{"<b>clock</b>", "enforce", "failed", false, "=HYPERLINK(\\\"http://x\\\")"}});
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  ASSERT_TRUE(report);
  std::ostringstream html;
  renderFleetHtml(*report, html);
  const std::string page = html.str();
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>clock"), std::string::npos);
#ifndef _WIN32
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;\\script&gt;"), std::string::npos);
#else
  EXPECT_NE(page.find("&amp;lt;x&amp;gt;"), std::string::npos);
#endif
  // Exactly one script element: ours. No reference to anything outside the page.
  std::size_t scripts = 0;
  for (auto at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(page.find(" src=\""), std::string::npos);
  EXPECT_EQ(page.find(" href=\""), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);

  std::ostringstream csv;
  renderFleetCsv(*report, csv);
  EXPECT_NE(csv.str().find("\"'=HYPERLINK"), std::string::npos) << "a formula is made text: " << csv.str();
  std::ostringstream json;
  renderFleetJson(*report, json);
  EXPECT_EQ(json.str().find("</script>"), std::string::npos);
  EXPECT_NE(json.str().find("\\u003cscript\\u003e"), std::string::npos);
}

TEST(FleetHostileTest, OversizedLinksAndGarbageAreBoundedFindings) {
  TempDir root;
  TempDir elsewhere;
  testing::writeText(elsewhere / "secret.txt", "not for the report");
#ifndef _WIN32  // links need a privilege on Windows; the reader's check is the same code
  // A link posing as a PC, and a PC whose chunk is a link to a file outside.
  fs::create_directory_symlink(elsewhere.path(), root / "LINKED");
  {
    PublishedPc pc(root.path(), "LINKCHUNK");
    fs::create_symlink(elsewhere / "secret.txt", pc.dir() / reportChunkName(1));
    pc.status(kNow, {});
  }
#endif
  // A chunk larger than any a PC writes (sparse: no disk used), a line longer than any record, garbage.
  {
    PublishedPc pc(root.path(), "HUGE");
    { std::ofstream f(pc.dir() / reportChunkName(1)); }
    fs::resize_file(pc.dir() / reportChunkName(1), (64ull << 20) + 1);
    pc.status(kNow, {});
  }
  {
    PublishedPc pc(root.path(), "LONGLINE");
    pc.write(reportChunkName(1), std::string(1 << 20, 'a') + "\n");
    pc.write(kReportHeadFile, std::string(100000, '{'));
    pc.write(kReportStatusFile, std::string(2 << 20, '['));
  }
  {
    PublishedPc pc(root.path(), "GARBAGE");
    pc.write(reportChunkName(1), "\xff\xfe\x00garbage\n{\"seq\":1}\n");
    pc.write(kReportStatusFile, "{\"fixers\":[1,2,{\"fixer\":5}],\"doctor\":{\"problems\":\"x\"}}");
  }
  auto report = readFleetReport(root.path(), optionsAt(kNow));
  ASSERT_TRUE(report);
#ifndef _WIN32
  for (const auto& pc : report->pcs) EXPECT_NE(pc.name, "LINKED") << "a link is not a PC";
  EXPECT_EQ(pcNamed(*report, "LINKCHUNK").chain, ChainState::kBroken);
  EXPECT_NE(pcNamed(*report, "LINKCHUNK").chainDetail.find("not a regular file"), std::string::npos);
#endif
  EXPECT_EQ(pcNamed(*report, "HUGE").chain, ChainState::kBroken);
  EXPECT_EQ(pcNamed(*report, "LONGLINE").chain, ChainState::kBroken);
  EXPECT_EQ(pcNamed(*report, "GARBAGE").chain, ChainState::kBroken);
  for (const auto& pc : report->pcs) EXPECT_TRUE(pc.needsAdmin) << pc.name;
  std::ostringstream html;
  renderFleetHtml(*report, html);
  EXPECT_EQ(html.str().find("not for the report"), std::string::npos);
}

// parsePcReportFromBytes takes anything: random bytes and mutations of a real chunk never crash it (a short
// in-process fuzz; the libFuzzer harness runs the same entry point longer).
TEST(FleetHostileTest, ParseFromBytesTakesAnything) {
  TempDir root;
  PublishedPc pc(root.path(), "PC01");
  for (int i = 0; i < 5; ++i) pc.record(kNow - 2h, "clock", "failed", "enforce", "failed", "m\xc3\xa9ssage \\ \"q\"");
  pc.publish(kNow - 1h);
  pc.status(kNow - 1h, {{"clock", "enforce", "failed"}});
  const std::string chunk = testing::readText(pc.dir() / reportChunkName(1));
  const std::string head = testing::readText(pc.dir() / kReportHeadFile);
  const std::string status = testing::readText(pc.dir() / kReportStatusFile);
  const auto clean = parsePcReportFromBytes("PC01", head, status, {{reportChunkName(1), chunk}}, optionsAt(kNow));
  EXPECT_EQ(clean.chain, ChainState::kIntact) << clean.chainDetail;
  EXPECT_EQ(clean.records, 5u);
  std::mt19937 random(12);
  for (int round = 0; round < 3000; ++round) {
    std::string c = chunk, h = head, s = status;
    std::string* target = round % 3 == 0 ? &c : round % 3 == 1 ? &h : &s;
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int k = 0; k < edits && !target->empty(); ++k) {
      const std::size_t at = random() % target->size();
      switch (random() % 3) {
        case 0: (*target)[at] = static_cast<char>(random()); break;
        case 1: target->erase(at, 1 + random() % 16); break;
        default: target->insert(at, std::string(1 + random() % 4, static_cast<char>(random())));
      }
    }
    const auto v = parsePcReportFromBytes("PC01", h, s, {{reportChunkName(1), c}}, optionsAt(kNow));
    if (target == &c && c != chunk) {
      EXPECT_NE(v.chain, ChainState::kIntact) << "a changed chunk is never intact";
    }
  }
}

}  // namespace
}  // namespace remediator::service
