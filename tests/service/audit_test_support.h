#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "platform/time_source.h"
#include "service/audit_log.h"
#include "tests/platform/temp_dir.h"

namespace remediator::service::testing {

/// A folder of the test's own, removed when the test ends.
using TempDir = platform::testing::ScopedTempDir;

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// The lines of a file, without their newlines; a last line without a newline is kept as it is.
inline std::vector<std::string> readLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::string text = readText(path);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline void writeLines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  writeText(path, text);
}

/// A typical engine record: the n-th detection of a clock drift.
inline AuditEntry clockEntry(int n) {
  AuditEntry entry;
  entry.fixer = "clock";
  entry.event = "detected";
  entry.mode = "enforce";
  entry.observed = {{"offset_ms", std::to_string(400000 + n)}};
  entry.desired = {{"max_offset_ms", "60000"}};
  entry.outcome = "drift";
  entry.message = "The clock is " + std::to_string(400 + n) + " s ahead of the server.";
  entry.details = {{"server", "srv01"}, {"run", std::to_string(n)}};
  return entry;
}

/// A log in `dir` (audit.jsonl, audit.state) with the given rotation settings.
inline AuditLogOptions auditOptions(const TempDir& dir, std::uint64_t maxBytes = 10ull << 20, int keepFiles = 10) {
  AuditLogOptions options;
  options.path = dir / "audit.jsonl";
  options.stateFile = dir / "audit.state";
  options.host = "PC-042";
  options.maxBytes = maxBytes;
  options.keepFiles = keepFiles;
  return options;
}

/// Opens the log and fails the test when that fails.
inline std::unique_ptr<JsonlAuditLog> openLog(const AuditLogOptions& options, const platform::TimeSource& time) {
  auto log = JsonlAuditLog::open(options, time);
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
  return log.ok() ? std::move(*log) : nullptr;
}

/// Appends `count` clock records and returns them.
inline std::vector<AuditRecord> appendRecords(JsonlAuditLog& log, int count, int first = 1) {
  std::vector<AuditRecord> records;
  for (int n = first; n < first + count; ++n) {
    auto record = log.append(clockEntry(n));
    EXPECT_TRUE(record.ok()) << (record.ok() ? "" : record.error().message);
    if (record.ok()) records.push_back(*record);
  }
  return records;
}

/// Opens the log, appends `count` clock records and closes it again, as a service run that then stops.
inline std::vector<AuditRecord> writeLog(const AuditLogOptions& options, const platform::TimeSource& time, int count) {
  auto log = openLog(options, time);
  return log ? appendRecords(*log, count) : std::vector<AuditRecord>{};
}

/// Whether one of the verification's notes contains `part`.
inline bool hasNote(const AuditVerification& v, const std::string& part) {
  for (const auto& note : v.notes) {
    if (note.find(part) != std::string::npos) return true;
  }
  return false;
}

inline std::string joined(const std::vector<std::string>& texts) {
  std::string out;
  for (const auto& text : texts) out += text + "\n";
  return out;
}

/// Rewrites a log as a tamperer who has the code would: record `seq` gets `message`, and every record from the
/// first is hashed again (canonical form), so the log verifies on its own.
inline void rewriteAndRechain(const std::filesystem::path& path, std::uint64_t seq, const std::string& message) {
  auto lines = readLines(path);
  std::string prev;
  for (auto& line : lines) {
    auto r = *parseAuditRecord(line);
    if (r.seq == seq) r.entry.message = message;
    r.prev = prev;
    r.hash = auditSha256Hex(canonicalAuditForm(r));
    prev = r.hash;
    line = auditRecordJson(r);
  }
  writeLines(path, lines);
}

}  // namespace remediator::service::testing
