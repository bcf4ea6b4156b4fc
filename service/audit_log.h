#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/durable_file.h"
#include "platform/time_source.h"
#include "service/audit_record.h"

namespace remediator::service {

/// Event of the record the log writes on open when its last line was torn by a crash: details name the torn
/// line (`line`, `bytes`, `sha256` of its bytes), which stays in the file right before the record.
inline constexpr const char* kAuditEventLogRecovered = "log_recovered";
/// Event of the record the log writes on open when the state file shows records the log no longer has (its
/// tail was cut or its last record replaced). Verification reports every such record as a failure.
inline constexpr const char* kAuditEventLogTruncated = "log_truncated";
/// Event of the record written when rotation failed; records then go on in the live file.
inline constexpr const char* kAuditEventRotationFailed = "log_rotation_failed";

/// Canonical form of a record (every field but `hash`, fixed key order, compact JSON): what `hash` covers.
std::string canonicalAuditForm(const AuditRecord& record);
/// SHA-256 of `data` as 64 lowercase hex digits: the hash of the audit chain (platform/sha256.h).
std::string auditSha256Hex(std::string_view data);
/// SHA-256 of `a` followed by `b`, without joining them first.
std::string auditSha256Hex(std::string_view a, std::string_view b);
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
/// by a crash records the fact and goes on. Meant for one writer process (hold an InstanceLock); append may be
/// called from any thread.
class JsonlAuditLog final : public AuditSink {
 public:
  /// Opens (or creates) the log, continues its chain from the last record of the newest file, and records a torn
  /// last line or a tail missing against the state file before returning. `time` must outlive the log.
  static platform::Result<std::unique_ptr<JsonlAuditLog>> open(AuditLogOptions options,
                                                               const platform::TimeSource& time);
  ~JsonlAuditLog() override;

  /// Appends a record and returns it once it is on disk. An error means the record is not durable: nothing was
  /// written, or a partial line was (recovered before the next record), or the flush failed (the record then
  /// stays in the chain, since its bytes are in the file).
  platform::Result<AuditRecord> append(const AuditEntry& entry) override;
  void setPolicyHash(const std::string& sha256) override;
  std::uint64_t lastSeq() const;

 private:
  JsonlAuditLog(AuditLogOptions options, const platform::TimeSource& time);
  platform::Result<void> recoverTail();
  platform::Result<AuditRecord> appendLocked(const AuditEntry& entry, bool mayRotate, const std::string& prefix);
  platform::Result<void> rotate();
  void writeState();

  AuditLogOptions options_;
  const platform::TimeSource& time_;
  mutable std::mutex mutex_;
  std::unique_ptr<platform::AppendOnlyFile> file_;
  std::unique_ptr<platform::RewritableFile> state_;
  std::string policySha256_;
  std::uint64_t lastSeq_ = 0;
  std::string lastHash_;
  bool tailTorn_ = false;        ///< a failed append left part of a line: recover before the next record
  bool rotationFailed_ = false;  ///< a rotation failure was recorded; not recorded again until one succeeds
};

/// Result of verifying a log and its rotated predecessors.
struct AuditVerification {
  bool intact = true;
  std::uint64_t records = 0;        ///< records read
  std::uint64_t firstSeq = 0;       ///< first sequence number present (older files may have rotated away)
  std::uint64_t lastSeq = 0;
  std::string problem;              ///< first problem, naming the file, line and seq: empty when intact
  /// The tail was checked against a readable state file: no record after the last one can have been cut away.
  /// False when the state file is missing, unreadable or torn (truncating the log and deleting audit.state leaves
  /// a whole chain behind), and then `tailProblem` says why the tail cannot be vouched for.
  bool tailVouched = false;
  std::string tailProblem;
  std::vector<std::string> notes;   ///< harmless findings: a torn last line from a crash, rotated-away history
};

/// Verifies the chain across rotated files (oldest first), the sequence, every hash, and the tail against the
/// state file when given. Failures (stops at the first): an edited, deleted, reordered or inserted record, a bad
/// hash, a seq gap, a prev mismatch, a line that is not byte for byte the canonical form, an unreadable line no
/// recovery record names, a log_truncated record, the state file ahead of the log or naming another hash.
/// Notes: a torn last line not yet recovered, a recovered torn line, history rotated away, a state file that is
/// missing or torn (the tail then cannot be checked).
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
