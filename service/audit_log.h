#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/durable_file.h"
#include "platform/time_source.h"
#include "service/audit_record.h"

namespace remediator::service {

/// Canonical form of a record (every field but `hash`, fixed key order, compact JSON): what `hash` covers.
std::string canonicalAuditForm(const AuditRecord& record);
/// The JSON line written to the log for a record (canonical form plus "hash"), without the newline.
std::string auditRecordJson(const AuditRecord& record);
/// Parses one log line; kInvalidData when it is not a complete record.
platform::Result<AuditRecord> parseAuditRecord(const std::string& line);

struct AuditLogOptions {
  std::filesystem::path path;        ///< the live log, e.g. <state>/audit.jsonl
  std::filesystem::path stateFile;   ///< last seq and hash, e.g. <state>/audit.state
  std::string host;
  std::uint64_t maxBytes = 10ull << 20;  ///< rotate when the live file would grow past this
  int keepFiles = 10;                    ///< rotated files kept (audit.1.jsonl is the newest)
};

/// The hash-chained JSON Lines audit log. Every append is fsynced before it returns; the last sequence number and
/// hash are mirrored in a state file so that a truncated tail is detectable. Opening a log whose last line was torn
/// by a crash records the fact and goes on.
class JsonlAuditLog final : public AuditSink {
 public:
  static platform::Result<std::unique_ptr<JsonlAuditLog>> open(AuditLogOptions options,
                                                               const platform::TimeSource& time);
  ~JsonlAuditLog() override;

  platform::Result<AuditRecord> append(const AuditEntry& entry) override;
  void setPolicyHash(const std::string& sha256) override { policySha256_ = sha256; }
  std::uint64_t lastSeq() const { return lastSeq_; }

 private:
  JsonlAuditLog(AuditLogOptions options, const platform::TimeSource& time);
  platform::Result<void> rotate();

  AuditLogOptions options_;
  const platform::TimeSource& time_;
  std::unique_ptr<platform::AppendOnlyFile> file_;
  std::string policySha256_;
  std::uint64_t lastSeq_ = 0;
  std::string lastHash_;
};

/// Result of verifying a log and its rotated predecessors.
struct AuditVerification {
  bool intact = true;
  std::uint64_t records = 0;        ///< records read
  std::uint64_t firstSeq = 0;       ///< first sequence number present (older files may have rotated away)
  std::uint64_t lastSeq = 0;
  std::string problem;              ///< first problem, naming the file, line and seq: empty when intact
  std::vector<std::string> notes;   ///< harmless findings: a torn last line from a crash, rotated-away history
};

/// Verifies the chain across rotated files (oldest first), the sequence, every hash, and the tail against the
/// state file when given.
AuditVerification verifyAuditLog(const std::filesystem::path& path,
                                 const std::optional<std::filesystem::path>& stateFile);

/// Every readable record of a log and its rotated files, oldest first; torn or unparsable lines are skipped and
/// described in `problems`.
struct AuditReadResult {
  std::vector<AuditRecord> records;
  std::vector<std::string> problems;
};
AuditReadResult readAuditLog(const std::filesystem::path& path);

/// The rotated file names for a live log, oldest first, then the live file itself (which may be absent).
std::vector<std::filesystem::path> auditLogFiles(const std::filesystem::path& path);

}  // namespace remediator::service
