#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platform/result.h"
#include "policies/policy.h"

namespace remediator::policies {

/// The kinds of value a key holds. Each has one syntax, the same in INI and XML.
enum class ValueType {
  kString,             ///< free text, taken as written (no quotes needed)
  kPath,               ///< a file or folder path; %NAME% environment references expand at load
  kList,               ///< comma-separated items
  kInt,                ///< a whole number
  kSize,               ///< a size with a unit: 512KB, 10MB
  kDuration,           ///< a duration with a unit: 500ms, 30s, 15m, 2h, 7d
  kBool,               ///< true or false
  kMode,               ///< off, audit or enforce
  kChoice,             ///< one of the words in KeySpec::choices
  kMaintenanceWindow,  ///< weekly ranges: "Sat 22:00-Sun 04:00, daily 01:00-02:00"
};

/// Short name of a value type, as the reference documentation uses it ("duration", "size").
const char* valueTypeName(ValueType type);

/// The Policy field a key sets, as a function returning a reference to it (a captureless lambda in the
/// table).
template <typename T>
using FieldRef = T& (*)(Policy&);
using Field = std::variant<FieldRef<std::string>, FieldRef<std::vector<std::string>>, FieldRef<int>,
                           FieldRef<std::uint64_t>, FieldRef<Duration>, FieldRef<bool>, FieldRef<Mode>,
                           FieldRef<std::vector<MaintenanceRange>>>;

/// A further syntax check of a text value (of each item, for a list): nullptr when it passes, else a phrase
/// saying what was expected.
using ValueCheck = const char* (*)(std::string_view value);

/// One key of the policy: the single place a key is declared. Validation, defaults in messages, the effective
/// policy printers and the reference test all read this table.
struct KeySpec {
  std::string_view section;  ///< INI section, XML element under /policy
  std::string_view key;      ///< INI key, XML element under the section
  ValueType type = ValueType::kString;
  Field field;
  /// Required in its section when that section is present. [service] is always present in a valid policy.
  bool required = false;
  /// Inclusive range: kInt the number, kSize bytes, kDuration milliseconds; kString, kPath and kList the
  /// least length or item count (min only). Both 0: no range.
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::string_view choices;  ///< kChoice: the words, separated by '|'
  ValueCheck check = nullptr;
  std::string_view doc;  ///< one line for an administrator
};

/// A section of the policy.
struct SectionSpec {
  std::string_view name;
  bool fixer = false;  ///< a fixer's section: absent means the fixer is off; present needs `mode`
  std::string_view doc;
};

/// Every section, in the order the printers and the reference use.
const std::vector<SectionSpec>& policySections();
/// Every key, grouped by section in policySections() order.
const std::vector<KeySpec>& policySchema();
/// The section named `name` exactly, or nullptr.
const SectionSpec* findSection(std::string_view name);
/// The key `key` of `section` exactly, or nullptr.
const KeySpec* findKey(std::string_view section, std::string_view key);

/// Parses `text` (already trimmed) as the value of `spec` and stores it in `policy`. On failure the error
/// message says what was expected, without location and without echoing `text`, so the caller decides both.
platform::Result<void> setValue(const KeySpec& spec, std::string_view text, Policy& policy);
/// The value of `spec` in `policy`, written in the syntax setValue reads.
std::string formatValue(const KeySpec& spec, const Policy& policy);
/// The default of `spec`: its value in a default-constructed Policy.
std::string defaultValue(const KeySpec& spec);
/// What a valid value looks like, with range or choices: "a duration from 1m to 30d".
std::string describeExpected(const KeySpec& spec);

/// Expands %NAME% environment references in every path value that is not a URL (unknown names stay as they
/// are). The loader calls it once per load, so defaults such as %ProgramData% expand too.
void expandPathValues(Policy& policy);

/// A rule between keys that one key's syntax cannot express (backoff_max not below backoff_initial, an
/// autologon user when autologon is on).
struct CrossCheckViolation {
  std::string_view section;
  std::string_view key;  ///< the key to blame
  std::string message;   ///< what is wrong and what is expected
};

/// The rules between keys, checked on a policy whose every value passed its own check.
std::vector<CrossCheckViolation> crossCheck(const Policy& policy);

/// Whether a key name asks to keep a password in the policy ("password", "autologon_password", "passwd").
bool isPasswordKey(std::string_view key);
/// What to tell an administrator who wrote a password key: where the password goes instead.
std::string_view passwordKeyAdvice();

}  // namespace remediator::policies
