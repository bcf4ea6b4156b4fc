#pragma once

#include <cstdint>
#include <string>

#include "fixers/fixer.h"
#include "platform/result.h"

namespace remediator::service {

using fixers::State;

/// What the engine says happened; the audit sink adds sequence, time, host, policy hash and the chain.
struct AuditEntry {
  std::string fixer;     ///< fixer id, or "service" for the engine's own records
  std::string event;     ///< detected, planned, intent, applied, verified, skipped, deferred, failed, recurred, ...
  std::string mode;      ///< off, audit, enforce (the mode in force for this run)
  State observed;
  State desired;
  std::string outcome;   ///< compliant, drift, not_applicable, ok, failed, ...
  std::string message;   ///< one human sentence
  State details;         ///< extra facts (counts, exit codes, the actions planned)
};

/// One line of the audit log.
struct AuditRecord {
  std::uint64_t seq = 0;
  std::string time;          ///< UTC, ISO 8601 with milliseconds: 2026-11-25T16:15:30.123Z
  std::string host;
  AuditEntry entry;
  std::string policySha256;
  std::string prev;          ///< hash of the previous record ("" for the very first)
  std::string hash;          ///< SHA-256 over the canonical form of every other field
};

/// Where audit records go. append returns once the record is durable.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual platform::Result<AuditRecord> append(const AuditEntry& entry) = 0;
  /// The policy hash stamped on records from now on.
  virtual void setPolicyHash(const std::string& sha256) = 0;
};

}  // namespace remediator::service
