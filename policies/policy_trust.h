#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/result.h"
#include "policies/policy_signature.h"

namespace remediator::policies {

/// What the administrator set at install about whom the policy source is trusted to speak for: the public keys
/// a policy must be signed by (POLICY_KEYS), the opt-in to unsigned http (ALLOW_UNSIGNED_HTTP), and where the
/// anti-rollback record lives. Never taken from a fetched policy.
struct PolicyTrust {
  std::vector<PolicyKey> keys;  ///< empty: policies are not signed
  bool allowUnsignedHttp = false;
  std::string keysOrigin;  ///< where the keys came from, for messages ("HKLM\SOFTWARE\Remediator PolicyKeys")
  /// The last accepted signed policy's serial and hash (<state folder>/policy.accepted.json); empty: not kept.
  std::filesystem::path acceptedFile;
  /// The source is the state folder's own policy file, which only administrators write: taken as it is, like
  /// the trusted keys themselves.
  bool trustedLocation = false;

  /// A source that needs no signature and is accepted unsigned even over http: for tests and tools.
  static PolicyTrust unsignedAccepted();
};

/// The anti-rollback record: the last signed policy the service accepted.
struct AcceptedPolicy {
  std::int64_t serial = 0;
  std::string sha256;
  std::string keyId;
  std::string source;
  std::string time;  ///< ISO 8601 UTC
};

/// Reads the record; nullopt when there is none yet. A record that cannot be read or parsed is an error: the
/// caller refuses new policies rather than forget the serial.
platform::Result<std::optional<AcceptedPolicy>> readAcceptedPolicy(const std::filesystem::path& path);
/// Writes the record durably (temp file, flush, rename).
platform::Result<void> writeAcceptedPolicy(const std::filesystem::path& path, const AcceptedPolicy& accepted);

/// The anti-rollback rule: empty when a policy with `serial` and `sha256` may follow `last`, else why not.
/// Lower serial: refused (a replay of an older policy). Same serial, other bytes: refused (two policies cannot
/// share a serial). Same serial, same bytes: the same policy again, accepted.
std::string rollbackProblem(const AcceptedPolicy& last, std::int64_t serial, const std::string& sha256);

}  // namespace remediator::policies
