#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fixers/autologon/autologon_fixer.h"
#include "fixers/fixer.h"
#include "platform/memory/memory_platform.h"
#include "platform/registry.h"
#include "platform/secret_store.h"
#include "platform/time_source.h"
#include "policies/policy.h"

namespace remediator::fixers::autologon::testing {

using platform::RegDword;
using platform::RegistryValue;
using platform::RegSz;
using platform::Secret;

/// A password no fixture value or message contains by chance, so finding it anywhere means it leaked.
inline constexpr const char* kPassword = "Qv7#kiosk-Autologon-9183!";

/// One ctx.note() call as the engine would receive it.
struct NoteCall {
  std::string event;
  std::string message;
  State details;
};

/// A State as JSON-ish text, the way the audit log renders it.
inline std::string render(const State& state) {
  std::string out = "{";
  for (const auto& [key, value] : state) {
    if (out.size() > 1) out += ",";
    out += "\"" + key + "\":\"" + value + "\"";
  }
  return out + "}";
}

inline std::string render(const Finding& finding) {
  return std::string("{\"status\":\"") + findingStatusName(finding.status) + "\",\"message\":\"" +
         finding.message + "\",\"observed\":" + render(finding.observed) +
         ",\"desired\":" + render(finding.desired) + "}";
}

inline std::string render(const Plan& plan) {
  std::string out = "[";
  for (const Action& action : plan) {
    if (out.size() > 1) out += ",";
    out += "{\"kind\":\"" + action.kind + "\",\"description\":\"" + action.description +
           "\",\"parameters\":" + render(action.parameters) +
           ",\"disruptive\":" + (action.disruptive ? "true" : "false") + "}";
  }
  return out + "]";
}

inline std::string render(const ApplyOutcome& outcome) {
  std::string events;
  for (const auto& event : outcome.events) events += (events.empty() ? "\"" : ",\"") + event + "\"";
  return std::string("{\"ok\":") + (outcome.ok ? "true" : "false") + ",\"message\":\"" + outcome.message +
         "\",\"events\":[" + events + "],\"details\":" + render(outcome.details) + "}";
}

inline std::string render(const NoteCall& note) {
  return "{\"event\":\"" + note.event + "\",\"message\":\"" + note.message +
         "\",\"details\":" + render(note.details) + "}";
}

/// A secret store that reads from another but refuses every change, as LSA refuses a caller without the
/// right.
class ReadOnlySecrets final : public platform::SecretStore {
 public:
  explicit ReadOnlySecrets(const platform::SecretStore& inner) : inner_(inner) {}
  platform::Result<Secret> retrieve(const std::string& name) const override { return inner_.retrieve(name); }
  platform::Result<void> store(const std::string&, const Secret&) override { return denied(); }
  platform::Result<void> remove(const std::string&) override { return denied(); }

 private:
  static platform::Error denied() {
    return platform::fail(platform::ErrorCode::kPermissionDenied, "access denied");
  }
  const platform::SecretStore& inner_;
};

/// A MemoryPlatform, an enforce-mode policy for CONTOSO\kiosk and the fixer, with helpers to set the Winlogon
/// key up and to run detect, plan, apply and detect again as the engine does.
class AutologonFixture : public ::testing::Test {
 public:
  AutologonFixture() {
    policy.autologon.common.mode = policies::Mode::kEnforce;
    policy.autologon.user = "kiosk";
    policy.autologon.domain = "CONTOSO";
  }

  FixerContext context(platform::Millis budget = std::chrono::minutes(1)) {
    return FixerContext{mem.get(), policy, std::filesystem::path{}, time.now() + budget,
                        [this](const std::string& event, const std::string& message, const State& details) {
                          notes.push_back(NoteCall{event, message, details});
                        }};
  }

  void writeWinlogon(const std::string& name, const RegistryValue& value) {
    ASSERT_TRUE(mem.registry.write(kWinlogonKey, name, value).ok()) << name;
  }

  /// The Winlogon values for autologon as CONTOSO\kiosk, without any password.
  void writeAutologonValues() {
    writeWinlogon("AutoAdminLogon", RegSz{"1"});
    writeWinlogon("DefaultUserName", RegSz{"kiosk"});
    writeWinlogon("DefaultDomainName", RegSz{"CONTOSO"});
  }

  /// Autologon on for CONTOSO\kiosk with both secrets stored: what the policy wants.
  void configureCompliant() {
    writeAutologonValues();
    ASSERT_TRUE(setPassword(mem.get(), Secret(kPassword)).ok());
  }

  /// The Winlogon value as text, "<absent>" when it does not exist.
  std::string winlogonText(const std::string& name) const {
    auto value = mem.registry.read(kWinlogonKey, name);
    return value ? platform::registryValueText(*value) : std::string("<absent>");
  }

  /// Whether the stored secret `name` equals `expected` (compared without ever printing either).
  bool secretIs(const std::string& name, const std::string& expected) const {
    auto secret = mem.secrets.retrieve(name);
    return secret.ok() && secret->reveal() == expected;
  }

  /// One run the way the engine does it: detect, plan, apply (only when there is a plan), detect again.
  struct Run {
    Finding before;
    Plan plan;
    ApplyOutcome outcome;
    Finding after;
  };
  Run run() {
    Run r;
    auto ctx = context();
    r.before = fixer->detect(ctx);
    r.plan = fixer->plan(r.before, ctx);
    if (!r.plan.empty()) r.outcome = fixer->apply(r.plan, ctx);
    r.after = fixer->detect(ctx);
    return r;
  }

  static const Action* findAction(const Plan& plan, const std::string& kind, const std::string& name = {}) {
    for (const Action& action : plan) {
      if (action.kind != kind) continue;
      if (!name.empty() && action.parameters.count("name") && action.parameters.at("name") != name) continue;
      return &action;
    }
    return nullptr;
  }

  platform::ManualTimeSource time;
  platform::MemoryPlatform mem{time};
  ReadOnlySecrets readOnlySecrets{mem.secrets};
  policies::Policy policy;
  std::unique_ptr<Fixer> fixer = makeAutologonFixer();
  std::vector<NoteCall> notes;
};

}  // namespace remediator::fixers::autologon::testing
