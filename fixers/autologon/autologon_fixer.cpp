#include "fixers/autologon/autologon_fixer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "platform/ascii.h"
#include "platform/registry.h"

namespace remediator::fixers {

namespace autologon {
namespace {

using platform::equalsIgnoreCase;
using platform::ErrorCode;
using platform::fail;
using platform::Registry;
using platform::RegistryValue;
using platform::Result;
using platform::Secret;
using platform::SecretStore;

// Names of the facts in observed and desired state (documented in README.md).
constexpr const char* kAutoAdminLogon = "auto_admin_logon";
constexpr const char* kAutoAdminLogonType = "auto_admin_logon_type";
constexpr const char* kUser = "user";
constexpr const char* kDomain = "domain";
constexpr const char* kPlaintext = "plaintext_password";
constexpr const char* kServiceCopy = "service_secret";
constexpr const char* kWinlogonCopy = "winlogon_secret";
constexpr const char* kAutoLogonCount = "auto_logon_count";
constexpr const char* kForceAutoLogon = "force_auto_logon";
constexpr const char* kBanner = "logon_banner";
constexpr const char* kBlockers = "blockers";

constexpr const char* kPresent = "present";
constexpr const char* kAbsent = "absent";
constexpr const char* kEmpty = "empty";
constexpr const char* kDiffers = "differs";
constexpr const char* kNone = "none";

constexpr const char* kBlockerBanner = "logon_banner";
constexpr const char* kBlockerCountZero = "auto_logon_count_zero";

constexpr const char* kSetPasswordHint =
    "the service holds no autologon password to restore from: an administrator must run "
    "`remediator autologon set-password`";

std::string hklm(const std::string& key, const std::string& name) { return "HKLM\\" + key + "\\" + name; }
std::string winlogonKeyPath() { return std::string("HKLM\\") + kWinlogonKey; }

std::string get(const State& state, const char* key) {
  auto it = state.find(key);
  return it == state.end() ? std::string{} : it->second;
}

bool has(const State& state, const char* key) { return state.count(key) != 0; }

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

const char* registryTypeName(const RegistryValue& value) {
  switch (value.index()) {
    case 0:
      return "REG_SZ";
    case 1:
      return "REG_EXPAND_SZ";
    case 2:
      return "REG_MULTI_SZ";
    case 3:
      return "REG_DWORD";
    case 4:
      return "REG_QWORD";
    default:
      return "REG_BINARY";
  }
}

// A registry value that may be absent: kNotFound is not an error here.
Result<std::optional<RegistryValue>> readOptional(const Registry& registry, const std::string& key,
                                                  const std::string& name) {
  auto value = registry.read(key, name);
  if (value) return std::optional<RegistryValue>(std::move(value).value());
  if (value.error().code == ErrorCode::kNotFound) return std::optional<RegistryValue>();
  return fail(value.error().code, "cannot read " + hklm(key, name) + ": " + value.error().message);
}

Result<std::optional<Secret>> retrieveOptional(const SecretStore& secrets, const std::string& name) {
  auto secret = secrets.retrieve(name);
  if (secret) return std::optional<Secret>(std::move(secret).value());
  if (secret.error().code == ErrorCode::kNotFound) return std::optional<Secret>();
  return fail(secret.error().code, "cannot read the secret '" + name + "': " + secret.error().message);
}

/// The plaintext DefaultPassword registry value, if any, as a Secret; the registry read's copy is wiped.
Result<std::optional<Secret>> readPlaintextPassword(const Registry& registry) {
  auto value = readOptional(registry, kWinlogonKey, kWinlogonSecret);
  if (!value) return value.error();
  if (!*value) return std::optional<Secret>();
  std::string* text = nullptr;
  if (auto* sz = std::get_if<platform::RegSz>(&**value)) text = &sz->value;
  if (auto* expand = std::get_if<platform::RegExpandSz>(&**value)) text = &expand->value;
  if (text == nullptr) return std::optional<Secret>(Secret());  // not text: nothing Winlogon could use
  Secret secret(*text);
  platform::secureWipe(text->data(), text->size());
  return std::optional<Secret>(std::move(secret));
}

/// Reads everything detect looks at into state. Passwords are read only to learn whether they are there (and
/// whether Winlogon's copy equals the service's); no password ever reaches the state.
Result<State> observe(const Registry& registry, const SecretStore& secrets) {
  State observed;

  auto autoAdminLogon = readOptional(registry, kWinlogonKey, "AutoAdminLogon");
  if (!autoAdminLogon) return autoAdminLogon.error();
  if (*autoAdminLogon) {
    observed[kAutoAdminLogon] = platform::registryValueText(**autoAdminLogon);
    observed[kAutoAdminLogonType] = registryTypeName(**autoAdminLogon);
  } else {
    observed[kAutoAdminLogon] = kAbsent;
    observed[kAutoAdminLogonType] = kAbsent;
  }

  for (const auto& [stateKey, valueName] :
       {std::pair{kUser, "DefaultUserName"}, {kDomain, "DefaultDomainName"}}) {
    auto value = readOptional(registry, kWinlogonKey, valueName);
    if (!value) return value.error();
    observed[stateKey] = *value ? platform::registryValueText(**value) : std::string{};
  }

  {
    auto plaintext = readPlaintextPassword(registry);
    if (!plaintext) return plaintext.error();
    observed[kPlaintext] = !*plaintext ? kAbsent : (*plaintext)->empty() ? kEmpty : kPresent;
  }

  std::vector<std::string> blockers;
  auto count = readOptional(registry, kWinlogonKey, "AutoLogonCount");
  if (!count) return count.error();
  observed[kAutoLogonCount] = *count ? platform::registryValueText(**count) : kAbsent;
  if (*count && trim(platform::registryValueText(**count)) == "0") blockers.push_back(kBlockerCountZero);

  auto force = readOptional(registry, kWinlogonKey, "ForceAutoLogon");
  if (!force) return force.error();
  observed[kForceAutoLogon] = *force ? platform::registryValueText(**force) : kAbsent;

  std::vector<std::string> banners;
  for (const auto& [key, shortKey] :
       {std::pair{kWinlogonKey, "Winlogon"}, {kPoliciesSystemKey, "Policies\\System"}}) {
    for (const char* name : {"LegalNoticeCaption", "LegalNoticeText"}) {
      auto value = readOptional(registry, key, name);
      if (!value) return value.error();
      if (*value && !trim(platform::registryValueText(**value)).empty()) {
        banners.push_back(std::string(shortKey) + "\\" + name);
      }
    }
  }
  observed[kBanner] = banners.empty() ? std::string(kAbsent) : join(banners, ", ");
  if (!banners.empty()) blockers.push_back(kBlockerBanner);
  observed[kBlockers] = blockers.empty() ? std::string(kNone) : join(blockers, ",");

  auto serviceCopy = retrieveOptional(secrets, kServiceSecret);
  if (!serviceCopy) return serviceCopy.error();
  observed[kServiceCopy] = *serviceCopy ? kPresent : kAbsent;
  auto winlogonCopy = retrieveOptional(secrets, kWinlogonSecret);
  if (!winlogonCopy) return winlogonCopy.error();
  if (!*winlogonCopy) {
    observed[kWinlogonCopy] = kAbsent;
  } else if (*serviceCopy && !(**serviceCopy == **winlogonCopy)) {
    observed[kWinlogonCopy] = kDiffers;
  } else {
    observed[kWinlogonCopy] = kPresent;
  }
  return observed;
}

State desiredState(const policies::AutologonSettings& settings, const platform::OsInfo* os) {
  State desired;
  if (settings.migratePlaintext) desired[kPlaintext] = kAbsent;
  if (!settings.enabled) {
    desired[kAutoAdminLogon] = "0";
    desired[kWinlogonCopy] = kAbsent;
    return desired;
  }
  desired[kAutoAdminLogon] = "1";
  desired[kAutoAdminLogonType] = "REG_SZ";
  desired[kUser] = trim(settings.user);
  // A local account logs on to the computer itself, which Winlogon names by the computer name. Without OsInfo
  // the domain is left as it is.
  if (!trim(settings.domain).empty()) {
    desired[kDomain] = trim(settings.domain);
  } else if (os != nullptr) {
    desired[kDomain] = os->hostName();
  }
  desired[kServiceCopy] = kPresent;
  desired[kWinlogonCopy] = kPresent;
  desired[kBlockers] = kNone;
  return desired;
}

/// The aspects in which the machine differs from the policy, in the order a plan fixes them.
enum class Gap { kPlaintext, kServiceCopy, kWinlogonCopy, kUser, kDomain, kAutoAdminLogon, kBlockers };

bool autoAdminLogonMatches(const State& observed, const std::string& want) {
  const std::string value = trim(get(observed, kAutoAdminLogon));
  if (want == "1") return value == "1" && get(observed, kAutoAdminLogonType) == "REG_SZ";
  // Off is off whatever the type, and an absent value is off.
  return value == "0" || value == kAbsent;
}

std::vector<Gap> findGaps(const State& observed, const State& desired) {
  std::vector<Gap> gaps;
  if (has(desired, kPlaintext) && get(observed, kPlaintext) != get(desired, kPlaintext))
    gaps.push_back(Gap::kPlaintext);
  if (has(desired, kServiceCopy) && get(observed, kServiceCopy) != get(desired, kServiceCopy)) {
    gaps.push_back(Gap::kServiceCopy);
  }
  if (has(desired, kWinlogonCopy) && get(observed, kWinlogonCopy) != get(desired, kWinlogonCopy)) {
    gaps.push_back(Gap::kWinlogonCopy);
  }
  if (has(desired, kUser) && !equalsIgnoreCase(get(observed, kUser), get(desired, kUser)))
    gaps.push_back(Gap::kUser);
  if (has(desired, kDomain) && !equalsIgnoreCase(get(observed, kDomain), get(desired, kDomain))) {
    gaps.push_back(Gap::kDomain);
  }
  if (has(desired, kAutoAdminLogon) && !autoAdminLogonMatches(observed, get(desired, kAutoAdminLogon))) {
    gaps.push_back(Gap::kAutoAdminLogon);
  }
  if (has(desired, kBlockers) && get(observed, kBlockers) != get(desired, kBlockers))
    gaps.push_back(Gap::kBlockers);
  return gaps;
}

std::string quoted(const std::string& text) { return text.empty() ? "empty" : "'" + text + "'"; }

std::string describeGap(Gap gap, const State& observed, const State& desired) {
  switch (gap) {
    case Gap::kPlaintext:
      return "a plaintext DefaultPassword registry value is present (readable by any authenticated user)";
    case Gap::kServiceCopy:
      return kSetPasswordHint;
    case Gap::kWinlogonCopy:
      if (get(desired, kWinlogonCopy) == kAbsent) return "the DefaultPassword secret is still stored";
      return get(observed, kWinlogonCopy) == kDiffers
                 ? "the DefaultPassword secret differs from the service's copy"
                 : "the DefaultPassword secret is missing";
    case Gap::kUser:
      return "DefaultUserName is " + quoted(get(observed, kUser)) + ", not " + quoted(get(desired, kUser));
    case Gap::kDomain:
      return "DefaultDomainName is " + quoted(get(observed, kDomain)) + ", not " +
             quoted(get(desired, kDomain));
    case Gap::kAutoAdminLogon:
      return "AutoAdminLogon is " + get(observed, kAutoAdminLogon) +
             (get(observed, kAutoAdminLogonType) == kAbsent
                  ? ""
                  : " (" + get(observed, kAutoAdminLogonType) + ")") +
             ", not " + get(desired, kAutoAdminLogon) + " (REG_SZ)";
    case Gap::kBlockers: {
      std::vector<std::string> parts;
      const std::string blockers = get(observed, kBlockers);
      if (blockers.find(kBlockerBanner) != std::string::npos) {
        parts.push_back("a logon banner (" + get(observed, kBanner) + ") stops autologon at the banner");
      }
      if (blockers.find(kBlockerCountZero) != std::string::npos) {
        parts.push_back("AutoLogonCount is 0, so Windows turns autologon off again at the next logon");
      }
      return "blocked, and left for an administrator: " + join(parts, "; ");
    }
  }
  return {};
}

std::string account(const State& desired) {
  const std::string domain = get(desired, kDomain);
  return domain.empty() ? get(desired, kUser) : domain + "\\" + get(desired, kUser);
}

Action registryAction(const std::string& name, const std::string& value, std::string description) {
  return Action{"set_registry_value",
                std::move(description),
                {{"key", winlogonKeyPath()}, {"name", name}, {"type", "REG_SZ"}, {"value", value}},
                false};
}

class AutologonFixer final : public Fixer {
 public:
  std::string id() const override { return "autologon"; }
  std::vector<std::string> triggers() const override { return {"connector.installed"}; }
  // Whoever overwrites Winlogon (the Connector's installer, a script) is answered at once.
  std::vector<platform::WatchTarget> watches(const policies::Policy&) const override {
    return {platform::WatchTarget::registryKey(kWinlogonKey)};
  }

  Finding detect(FixerContext& ctx) override {
    auto& platform = ctx.platform;
    if (platform.registry == nullptr || platform.secrets == nullptr) {
      return Finding::notApplicable(
          "autologon: the Winlogon registry and secret store are not available on this "
          "platform");
    }
    const auto& settings = ctx.policy.autologon;
    if (settings.enabled && trim(settings.user).empty()) {
      return Finding::error(
          "policy key [autologon] user is empty: name the account autologon should use, or set "
          "[autologon] enabled = false");
    }
    auto observed = observe(*platform.registry, *platform.secrets);
    if (!observed) return Finding::error("autologon: " + observed.error().message);
    State desired = desiredState(settings, platform.os);

    const auto gaps = findGaps(*observed, desired);
    if (gaps.empty()) {
      std::string message = settings.enabled
                                ? "Autologon is configured for " + account(desired) + " as the policy wants"
                                : "Autologon is off as the policy wants";
      if (get(*observed, kPlaintext) != kAbsent) {
        message +=
            "; a plaintext DefaultPassword registry value is present and [autologon] migrate_plaintext = "
            "false "
            "leaves it";
      }
      return Finding::compliant(std::move(observed).value(), message + ".");
    }
    std::vector<std::string> parts;
    for (Gap gap : gaps) parts.push_back(describeGap(gap, *observed, desired));
    return Finding::drift(std::move(observed).value(), std::move(desired),
                          "Autologon differs from the policy: " + join(parts, "; ") + ".");
  }

  Plan plan(const Finding& finding, const FixerContext& ctx) const override {
    if (finding.status != FindingStatus::kDrift) return {};
    const State& observed = finding.observed;
    const State& desired = finding.desired;
    const auto gaps = findGaps(observed, desired);
    const auto needs = [&gaps](Gap gap) { return std::find(gaps.begin(), gaps.end(), gap) != gaps.end(); };
    const bool enable = get(desired, kAutoAdminLogon) == "1";
    // Migration adopts a non-empty plaintext password as the service's copy when the service has none.
    const bool adopts = needs(Gap::kPlaintext) && get(observed, kPlaintext) == kPresent &&
                        get(observed, kServiceCopy) != kPresent;

    Plan plan;
    if (needs(Gap::kPlaintext)) {
      plan.push_back(
          Action{"migrate_plaintext_password",
                 adopts ? "Move the plaintext DefaultPassword registry value into the service's secret and "
                          "delete the registry value"
                        : "Delete the plaintext DefaultPassword registry value (the service's secret is "
                          "the password in force)",
                 {{"key", winlogonKeyPath()}, {"name", kWinlogonSecret}, {"to", kServiceSecret}},
                 false});
    }
    if (!enable) {
      if (needs(Gap::kAutoAdminLogon))
        plan.push_back(registryAction("AutoAdminLogon", "0", "Turn autologon off"));
      if (needs(Gap::kWinlogonCopy)) {
        plan.push_back(Action{"remove_secret",
                              "Delete the DefaultPassword secret Winlogon reads",
                              {{"secret", kWinlogonSecret}},
                              false});
      }
      return plan;
    }
    const bool passwordAvailable = get(observed, kServiceCopy) == kPresent || adopts;
    if (passwordAvailable && (needs(Gap::kWinlogonCopy) || adopts)) {
      plan.push_back(Action{"store_secret",
                            "Restore the DefaultPassword secret Winlogon reads from the service's copy",
                            {{"secret", kWinlogonSecret}, {"from", kServiceSecret}},
                            false});
    }
    if (needs(Gap::kUser)) {
      plan.push_back(
          registryAction("DefaultUserName", get(desired, kUser), "Set the autologon account name"));
    }
    if (needs(Gap::kDomain)) {
      plan.push_back(
          registryAction("DefaultDomainName", get(desired, kDomain), "Set the autologon account's domain"));
    }
    if (needs(Gap::kAutoAdminLogon)) {
      plan.push_back(registryAction("AutoAdminLogon", "1", "Turn autologon on (REG_SZ \"1\")"));
    }
    return plan;
  }

  ApplyOutcome apply(const Plan& plan, FixerContext& ctx) override {
    ApplyOutcome outcome;
    auto& platform = ctx.platform;
    if (platform.registry == nullptr || platform.secrets == nullptr) {
      return ApplyOutcome{
          false,
          "autologon: the Winlogon registry and secret store are not available on this platform",
          {},
          {}};
    }
    std::size_t done = 0;
    for (const Action& action : plan) {
      if (ctx.pastDeadline()) {
        outcome.ok = false;
        outcome.message = "Deadline passed after " + std::to_string(done) + " of " +
                          std::to_string(plan.size()) + " autologon actions.";
        break;
      }
      auto result = perform(action, ctx, outcome.details);
      if (!result) {
        outcome.ok = false;
        outcome.message = "Autologon action " + action.kind + " failed: " + result.error().message + ".";
        break;
      }
      ++done;
    }
    outcome.details["actions_done"] = std::to_string(done);
    if (outcome.ok) outcome.message = "Applied " + std::to_string(done) + " autologon actions.";
    return outcome;
  }

 private:
  static Result<void> perform(const Action& action, FixerContext& ctx, State& details) {
    if (action.kind == "set_registry_value") return setRegistryValue(action, *ctx.platform.registry, details);
    if (action.kind == "store_secret") return storeSecret(action, *ctx.platform.secrets, details);
    if (action.kind == "remove_secret") return removeSecret(action, *ctx.platform.secrets, details);
    if (action.kind == "migrate_plaintext_password")
      return migratePlaintext(*ctx.platform.registry, *ctx.platform.secrets, ctx, details);
    return fail(ErrorCode::kInvalidArgument, "unknown action kind '" + action.kind + "'");
  }

  static Result<void> setRegistryValue(const Action& action, Registry& registry, State& details) {
    const std::string name = get(action.parameters, "name");
    if (get(action.parameters, "type") != "REG_SZ") {
      return fail(ErrorCode::kInvalidArgument, "set_registry_value " + name +
                                                   ": only REG_SZ is written, got type '" +
                                                   get(action.parameters, "type") + "'");
    }
    // The plaintext password value is never written, whatever a plan says.
    if (equalsIgnoreCase(name, kWinlogonSecret)) {
      return fail(ErrorCode::kInvalidArgument,
                  "refusing to write the plaintext DefaultPassword registry value");
    }
    if (get(action.parameters, "key") != winlogonKeyPath()) {
      return fail(ErrorCode::kInvalidArgument, "set_registry_value " + name + ": only values under " +
                                                   winlogonKeyPath() + " are written, got key '" +
                                                   get(action.parameters, "key") + "'");
    }
    auto written = registry.write(kWinlogonKey, name, platform::RegSz{get(action.parameters, "value")});
    if (!written) {
      return fail(written.error().code,
                  "cannot write " + hklm(kWinlogonKey, name) + ": " + written.error().message);
    }
    details[name] = get(action.parameters, "value");
    return {};
  }

  static Result<void> storeSecret(const Action& action, SecretStore& secrets, State& details) {
    auto source = retrieveOptional(secrets, get(action.parameters, "from"));
    if (!source) return source.error();
    if (!*source) return fail(ErrorCode::kNotFound, kSetPasswordHint);
    const std::string target = get(action.parameters, "secret");
    auto stored = secrets.store(target, **source);
    if (!stored) {
      return fail(stored.error().code, "cannot store the secret '" + target + "': " + stored.error().message);
    }
    details[std::string(kWinlogonCopy)] = "restored";
    return {};
  }

  static Result<void> removeSecret(const Action& action, SecretStore& secrets, State& details) {
    const std::string target = get(action.parameters, "secret");
    auto removed = secrets.remove(target);
    if (!removed) {
      return fail(removed.error().code,
                  "cannot delete the secret '" + target + "': " + removed.error().message);
    }
    details[std::string(kWinlogonCopy)] = "removed";
    return {};
  }

  // Stores before it deletes, so a failure leaves the password where it was.
  static Result<void> migratePlaintext(Registry& registry, SecretStore& secrets, FixerContext& ctx,
                                       State& details) {
    auto read = readPlaintextPassword(registry);
    if (!read) return read.error();
    if (!*read) {
      details[kPlaintext] = "already_gone";
      return {};
    }
    const Secret& plaintext = **read;

    const State where{{"key", winlogonKeyPath()}, {"name", kWinlogonSecret}};
    if (ctx.note) {
      ctx.note("intent", "Moving the plaintext DefaultPassword registry value out of the registry.", where);
    }
    auto serviceCopy = retrieveOptional(secrets, kServiceSecret);
    if (!serviceCopy) return serviceCopy.error();
    std::string result;
    if (!*serviceCopy && !plaintext.empty()) {
      auto stored = secrets.store(kServiceSecret, plaintext);
      if (!stored) {
        return fail(stored.error().code, std::string("cannot store the secret '") + kServiceSecret +
                                             "' (the registry value is kept): " + stored.error().message);
      }
      result = "adopted";
    } else if (!*serviceCopy) {
      result = "empty_deleted";
    } else {
      result = **serviceCopy == plaintext ? "same_as_service_copy" : "differed_from_service_copy";
    }
    auto removed = registry.remove(kWinlogonKey, kWinlogonSecret);
    if (!removed) {
      return fail(removed.error().code,
                  "cannot delete " + hklm(kWinlogonKey, kWinlogonSecret) + ": " + removed.error().message);
    }
    details[kPlaintext] = result;
    if (ctx.note) {
      State after = where;
      after["result"] = result;
      ctx.note(
          "applied",
          result == "adopted"
              ? "Moved the plaintext DefaultPassword registry value into the service's secret and deleted it."
              : "Deleted the plaintext DefaultPassword registry value; the service's secret stays the "
                "password "
                "in force.",
          after);
    }
    return {};
  }
};

}  // namespace

Result<void> setPassword(platform::Platform& platform, const Secret& password) {
  if (platform.secrets == nullptr) {
    return fail(ErrorCode::kNotSupported, "no secret store on this platform");
  }
  if (password.empty()) return fail(ErrorCode::kInvalidArgument, "the password is empty");
  for (const char* name : {kServiceSecret, kWinlogonSecret}) {
    auto stored = platform.secrets->store(name, password);
    if (!stored) {
      return fail(stored.error().code,
                  std::string("cannot store the secret '") + name + "': " + stored.error().message);
    }
  }
  return {};
}

Result<Secret> readPassword(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return fail(ErrorCode::kInvalidArgument, "no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Secret password(std::move(line));
  if (password.empty()) return fail(ErrorCode::kInvalidArgument, "the password line is empty");
  return password;
}

}  // namespace autologon

std::unique_ptr<Fixer> makeAutologonFixer() { return std::make_unique<autologon::AutologonFixer>(); }

}  // namespace remediator::fixers
