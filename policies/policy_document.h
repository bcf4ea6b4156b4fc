#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/result.h"
#include "policies/policy_loader.h"

namespace remediator::policies {

/// The largest policy file accepted, in bytes.
inline constexpr std::size_t kMaxPolicyBytes = 1u << 20;

/// A policy as written, before validation: its sections and keys in document order with the lines they are
/// on. INI and XML both read into this, so validation is one piece of code for both formats.
struct PolicyDocument {
  struct Section {
    std::string name;
    int line = 0;
  };
  struct Entry {
    std::string section;
    std::string key;
    std::string value;  ///< trimmed
    int line = 0;
  };
  PolicyFormat format = PolicyFormat::kIni;
  std::vector<Section> sections;
  std::vector<Entry> entries;
};

/// One problem in a policy: the line it is on (0 when there is none to name) and a message naming the key.
struct PolicyProblem {
  int line = 0;
  std::string message;
};

/// One error for all `problems`, ordered by line, each on its own line prefixed "name:line: ".
platform::Error policyError(const std::string& name, std::vector<PolicyProblem> problems);

/// How a key is named in messages: "[clock] mode" for INI, "/policy/clock/mode" for XML; an empty key names
/// the section alone.
std::string keyLabel(PolicyFormat format, std::string_view section, std::string_view key = {});

/// Checks that raw policy bytes are text this product reads: not empty, not binary, UTF-8 (a byte-order mark
/// is allowed), not too large. Returns the text without its byte-order mark.
platform::Result<std::string_view> checkPolicyText(std::string_view raw, const std::string& name);

/// Reads INI text (without byte-order mark) into a document; malformed lines and duplicate sections or keys
/// are errors naming their line.
platform::Result<PolicyDocument> readIniDocument(std::string_view text, const std::string& name);

/// Reads XML text (without byte-order mark) into a document: root <policy>, one element per section, one per
/// key; malformed XML, attributes, stray text and duplicate elements are errors naming their line.
platform::Result<PolicyDocument> readXmlDocument(std::string_view text, const std::string& name);

}  // namespace remediator::policies
