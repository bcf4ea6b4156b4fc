#pragma once

// Writes PC folders the way the publisher does (chunks of real, hash-chained records, head.json, status.json),
// for the fleet report's tests and its benchmark.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "platform/time_format.h"
#include "service/audit_log.h"
#include "service/report_publisher.h"

namespace remediator::service::testing {

class PublishedPc {
 public:
  PublishedPc(std::filesystem::path reportDir, std::string name)
      : dir_(std::move(reportDir) / name), name_(std::move(name)) {
    std::filesystem::create_directories(dir_);
  }

  /// Appends one record to the pending chunk.
  void record(platform::SysTime time, const std::string& fixer, const std::string& event, const std::string& mode,
              const std::string& outcome, const std::string& message) {
    AuditRecord r;
    r.seq = ++seq_;
    r.time = platform::formatUtc(time);
    r.host = name_;
    r.entry.fixer = fixer;
    r.entry.event = event;
    r.entry.mode = mode;
    r.entry.outcome = outcome;
    r.entry.message = message;
    r.entry.details = {{"count", "1"}};
    r.policySha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    r.prev = hash_;
    r.hash = auditSha256Hex(canonicalAuditForm(r));
    hash_ = r.hash;
    if (pending_.empty()) pendingFirst_ = r.seq;
    pending_ += auditRecordJson(r);
    pending_ += '\n';
  }

  /// Writes the pending records as one chunk and the head naming its last record, at `time`.
  void publish(platform::SysTime time) {
    if (!pending_.empty()) {
      write(reportChunkName(pendingFirst_), pending_);
      lastChunk_ = reportChunkName(pendingFirst_);
      pending_.clear();
    }
    write(kReportHeadFile, formatReportHead({seq_, hash_, lastChunk_, platform::formatUtc(time), name_}));
  }

  /// status.json with one entry per fixer: {fixer, mode, outcome, breaker_open}.
  struct Fixer {
    std::string fixer, mode, outcome;
    bool breakerOpen = false;
    std::string message = "";
  };
  void status(platform::SysTime time, const std::vector<Fixer>& fixers, const std::string& doctor = "null") {
    std::string host;
    for (char c : name_) host += (c == '\\' || c == '"') ? std::string("\\") + c : std::string(1, c);
    std::string text = "{\"host\":\"" + host + "\",\"written\":\"" + platform::formatUtc(time) + "\",\"fixers\":[";
    for (std::size_t i = 0; i < fixers.size(); ++i) {
      const auto& f = fixers[i];
      text += std::string(i ? "," : "") + "{\"fixer\":\"" + f.fixer + "\",\"mode\":\"" + f.mode +
              "\",\"outcome\":\"" + f.outcome + "\",\"message\":\"" + f.message + "\",\"breaker_open\":" +
              (f.breakerOpen ? "true" : "false") + "}";
    }
    text += "],\"doctor\":" + doctor + ",\"audit\":{\"local_last_seq\":" + std::to_string(seq_) +
            ",\"published_seq\":" + std::to_string(seq_) + ",\"continues_head\":true},\"published\":\"" +
            platform::formatUtc(time) + "\"}\n";
    write(kReportStatusFile, text);
  }

  /// Forgets the chain from here (a PC whose log was rewritten): the next record names another previous hash.
  void forkChain() { hash_ = std::string(64, 'e'); }

  void write(const std::string& file, const std::string& text) {
    std::ofstream out(dir_ / file, std::ios::binary | std::ios::trunc);
    out << text;
  }
  const std::filesystem::path& dir() const { return dir_; }
  std::uint64_t seq() const { return seq_; }

 private:
  std::filesystem::path dir_;
  std::string name_;
  std::uint64_t seq_ = 0;
  std::string hash_;
  std::string pending_;
  std::uint64_t pendingFirst_ = 0;
  std::string lastChunk_;
};

/// The "now" of the generated fleets.
inline const platform::SysTime kFleetNow = *platform::parseUtc("2026-12-07T12:00:00.000Z");

/// A fleet with one PC in each state.
inline void writeEveryState(const std::filesystem::path& root, platform::SysTime kNow = kFleetNow) {
  using namespace std::chrono_literals;
  {
    PublishedPc pc(root, "HEALTHY");
    pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "in sync");
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}, {"autologon", "off", ""}});
  }
  {
    PublishedPc pc(root, "HEALED");
    for (int day = 0; day < 3; ++day) {
      pc.record(kNow - 24h * day - 3h, "autologon", "detected", "enforce", "drift", "AutoAdminLogon is 0");
      pc.record(kNow - 24h * day - 3h, "autologon", "applied", "enforce", "ok", "set AutoAdminLogon");
      pc.record(kNow - 24h * day - 3h, "autologon", "verified", "enforce", "compliant", "autologon restored");
    }
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"autologon", "enforce", "fixed"}});
  }
  {
    PublishedPc pc(root, "DRIFT");
    pc.record(kNow - 2h, "stale_logs", "detected", "audit", "drift", "3 old log folders");
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"stale_logs", "audit", "drift"}});
  }
  {
    PublishedPc pc(root, "FAILED");
    pc.record(kNow - 2h, "connector", "failed", "enforce", "failed", "the installer exited with 1603");
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"connector", "enforce", "failed"}, {"clock", "enforce", "compliant", true}});
  }
  {
    PublishedPc pc(root, "STALE");
    pc.record(kNow - 10 * 24h, "clock", "detected", "enforce", "compliant", "in sync");
    pc.publish(kNow - 10 * 24h);
    pc.status(kNow - 10 * 24h, {{"clock", "enforce", "compliant"}});
  }
  {
    PublishedPc pc(root, "DOCTOR");
    pc.record(kNow - 2h, "clock", "detected", "enforce", "compliant", "in sync");
    pc.publish(kNow - 1h);
    pc.status(kNow - 1h, {{"clock", "enforce", "compliant"}},
              R"({"problems":[{"id":"dns","message":"the server's name does not resolve"}]})");
  }
}

}  // namespace remediator::service::testing
