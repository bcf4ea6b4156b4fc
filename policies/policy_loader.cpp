#include "policies/policy_loader.h"

#include <Poco/JSONString.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "platform/ascii.h"
#include "platform/durable_file.h"
#include "policies/policy_document.h"
#include "policies/policy_schema.h"
#include "policies/value_syntax.h"

namespace remediator::policies {
namespace {

using platform::ErrorCode;
using platform::fail;

constexpr std::size_t kMaxEchoedValue = 60;

/// A value as echoed in an error message: quoted, control characters replaced, long values cut.
std::string quoteValue(std::string_view value) {
  std::string shown;
  for (char c : value.substr(0, kMaxEchoedValue)) shown += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (value.size() > kMaxEchoedValue) shown += "...";
  return "'" + shown + "'";
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// The candidate closest to `written` when it is likely a typo of it (case, '-' for '_', two edits), else
/// empty.
std::string closest(std::string_view written, const std::vector<std::string_view>& candidates) {
  std::string normal = platform::toLowerAscii(written);
  std::replace(normal.begin(), normal.end(), '-', '_');
  std::string_view best;
  std::size_t bestDistance = 3;
  for (std::string_view candidate : candidates) {
    std::size_t distance = editDistance(normal, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return std::string(best);
}

std::string joinNames(const std::vector<std::string_view>& names) {
  std::string text;
  for (std::string_view name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

std::string unknownSectionMessage(PolicyFormat format, const std::string& section) {
  std::vector<std::string_view> names;
  for (const SectionSpec& spec : policySections()) names.push_back(spec.name);
  std::string guess = closest(section, names);
  return keyLabel(format, section) + ": unknown section" +
         (guess.empty() ? "" : "; did you mean " + keyLabel(format, guess) + "?") + " Sections are " +
         joinNames(names) + ".";
}

std::string unknownKeyMessage(PolicyFormat format, const std::string& section, const std::string& key) {
  std::vector<std::string_view> names;
  for (const KeySpec& spec : policySchema()) {
    if (spec.section == section) names.push_back(spec.key);
  }
  std::string guess = closest(key, names);
  if (!guess.empty()) return keyLabel(format, section, key) + ": unknown key; did you mean " + guess + "?";
  return keyLabel(format, section, key) + ": unknown key; " + keyLabel(format, section) + " has " +
         joinNames(names) + ".";
}

/// Turns a document into a policy: every key known and valid, required keys present, rules between keys kept.
/// All problems are reported together, each naming its line and key.
platform::Result<Policy> validate(const PolicyDocument& document, const std::string& name) {
  const PolicyFormat format = document.format;
  Policy policy;
  std::vector<PolicyProblem> problems;
  std::map<std::string, int, std::less<>> sectionLines;
  std::map<std::pair<std::string_view, std::string_view>, int> keyLines;

  for (const PolicyDocument::Section& section : document.sections) {
    if (findSection(section.name) == nullptr) {
      problems.push_back({section.line, unknownSectionMessage(format, section.name)});
    } else {
      sectionLines.emplace(section.name, section.line);
    }
  }
  for (const PolicyDocument::Entry& entry : document.entries) {
    std::string label = keyLabel(format, entry.section, entry.key);
    // Before anything else, so that a password in an unknown section gets the same advice and never an echo.
    if (isPasswordKey(entry.key)) {
      problems.push_back({entry.line, label + ": " + std::string(passwordKeyAdvice())});
      continue;
    }
    if (findSection(entry.section) == nullptr) continue;  // reported with the section
    const KeySpec* spec = findKey(entry.section, entry.key);
    if (spec == nullptr) {
      problems.push_back({entry.line, unknownKeyMessage(format, entry.section, entry.key)});
      continue;
    }
    keyLines[{spec->section, spec->key}] = entry.line;
    if (auto ok = setValue(*spec, entry.value, policy); !ok) {
      problems.push_back(
          {entry.line, label + ": " + ok.error().message + "; got " + quoteValue(entry.value)});
    }
  }
  for (const KeySpec& spec : policySchema()) {
    if (!spec.required || keyLines.contains({spec.section, spec.key})) continue;
    auto section = sectionLines.find(spec.section);
    bool sectionPresent = section != sectionLines.end();
    if (!sectionPresent && findSection(spec.section)->fixer)
      continue;  // an absent fixer section: the fixer is off
    problems.push_back({sectionPresent ? section->second : 0,
                        keyLabel(format, spec.section, spec.key) + ": required key is missing" +
                            (sectionPresent ? "" : " (and so is its section)") + ": expected " +
                            describeExpected(spec)});
  }
  if (problems.empty()) {
    for (const CrossCheckViolation& violation : crossCheck(policy)) {
      auto key = keyLines.find({violation.section, violation.key});
      auto section = sectionLines.find(violation.section);
      int line = key != keyLines.end() ? key->second : section != sectionLines.end() ? section->second : 0;
      problems.push_back(
          {line, keyLabel(format, violation.section, violation.key) + ": " + violation.message});
    }
  }
  if (!problems.empty()) return policyError(name, std::move(problems));
  expandPathValues(policy);
  return policy;
}

std::string sha256Hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string jsonValue(const KeySpec& spec, const Policy& policy) {
  switch (spec.type) {
    case ValueType::kInt:
    case ValueType::kBool:
      return formatValue(spec, policy);
    case ValueType::kList: {
      // Splitting the formatted list again keeps this free of the field's type; items never hold commas.
      auto items = splitList(formatValue(spec, policy));
      std::string array = "[";
      for (const std::string& item : items.valueOr({}))
        array += (array.size() > 1 ? ", " : "") + Poco::toJSON(item);
      return array + "]";
    }
    default:
      return Poco::toJSON(formatValue(spec, policy));
  }
}

}  // namespace

platform::Result<LoadedPolicy> parsePolicy(std::string_view text, PolicyFormat format,
                                           const std::string& name) {
  try {
    auto body = checkPolicyText(text, name);
    if (!body) return body.error();
    auto document =
        format == PolicyFormat::kXml ? readXmlDocument(*body, name) : readIniDocument(*body, name);
    if (!document) return document.error();
    auto policy = validate(*document, name);
    if (!policy) return policy.error();
    return LoadedPolicy{std::move(*policy), sha256Hex(text), name, std::string(text)};
  } catch (const std::exception& e) {
    // Boost's readers are caught where they are called; this is for what no one expects (out of memory).
    return fail(ErrorCode::kInvalidData, name + ": cannot read the policy: " + e.what());
  }
}

PolicyFormat guessFormat(const std::string& name, std::string_view text) {
  std::string path = platform::toLowerAscii(std::string_view(name).substr(0, name.find_first_of("?#")));
  if (path.ends_with(".xml")) return PolicyFormat::kXml;
  if (path.ends_with(".ini")) return PolicyFormat::kIni;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  text = trimView(text);
  return !text.empty() && text.front() == '<' ? PolicyFormat::kXml : PolicyFormat::kIni;
}

platform::Result<LoadedPolicy> loadPolicyFile(const std::filesystem::path& path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxPolicyBytes) {
    return fail(ErrorCode::kInvalidData, path.string() + ": the file is " + std::to_string(size) +
                                             " bytes; a policy may have at most " +
                                             std::to_string(kMaxPolicyBytes) + " bytes");
  }
  auto text = platform::readWholeFile(path);
  if (!text) return fail(text.error().code, "cannot read the policy: " + text.error().message);
  return parsePolicy(*text, guessFormat(path.string(), *text), path.string());
}

std::string effectivePolicyJson(const Policy& policy) {
  std::string json = "{";
  for (const SectionSpec& section : policySections()) {
    json +=
        std::string(json.size() > 1 ? ",\n" : "\n") + "  " + Poco::toJSON(std::string(section.name)) + ": {";
    bool first = true;
    for (const KeySpec& spec : policySchema()) {
      if (spec.section != section.name) continue;
      json += std::string(first ? "\n" : ",\n") + "    " + Poco::toJSON(std::string(spec.key)) + ": " +
              jsonValue(spec, policy);
      first = false;
    }
    json += "\n  }";
  }
  return json + "\n}\n";
}

std::string effectivePolicyIni(const Policy& policy) {
  std::string ini =
      "; The effective policy: every key with its value, defaults filled in. It loads back to the same "
      "policy.\n";
  for (const SectionSpec& section : policySections()) {
    ini += "\n; " + std::string(section.doc) + "\n[" + std::string(section.name) + "]\n";
    for (const KeySpec& spec : policySchema()) {
      if (spec.section != section.name) continue;
      std::string fallback = defaultValue(spec);
      ini += "; " + std::string(spec.doc) + " Default: " + (fallback.empty() ? "(empty)" : fallback) + ".\n";
      ini += std::string(spec.key) + " = " + formatValue(spec, policy) + "\n";
    }
  }
  return ini;
}

}  // namespace remediator::policies
