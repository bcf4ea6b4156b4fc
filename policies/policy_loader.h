#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "platform/result.h"
#include "policies/policy.h"

namespace remediator::policies {

using platform::Result;

enum class PolicyFormat { kIni, kXml };

/// A policy that passed validation, with what identifies it.
struct LoadedPolicy {
  Policy policy;
  std::string sha256;  ///< of the raw bytes, lower-case hex; recorded in every audit record
  std::string origin;  ///< the file or URL it came from
  std::string text;    ///< the raw text as loaded
};

/// Parses and validates policy text. `name` (file name or URL) starts every error message, which also names the
/// line where the format allows, the key and what was expected: "policy.ini:12: [clock] mode: expected one of
/// off, audit, enforce; got 'on'". Errors have code kInvalidData.
Result<LoadedPolicy> parsePolicy(std::string_view text, PolicyFormat format, const std::string& name);

/// The format of a file from its extension (.ini, .xml), else from its first non-blank character.
PolicyFormat guessFormat(const std::string& name, std::string_view text);

/// Reads and validates a local policy file (on Windows also a UNC path).
Result<LoadedPolicy> loadPolicyFile(const std::filesystem::path& path);

/// The effective policy (defaults filled in) as JSON, keys in schema order: what `policy show --json` prints.
std::string effectivePolicyJson(const Policy& policy);
/// The effective policy as INI text that loads back to the same policy: what `policy show` prints.
std::string effectivePolicyIni(const Policy& policy);

}  // namespace remediator::policies
