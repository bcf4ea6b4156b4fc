#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixers/fixer.h"
#include "service/audit_record.h"

namespace remediator::service::testing {

/// A fixer whose "machine" is one integer: compliant when value == desired. Each phase can be scripted.
class TestFixer final : public fixers::Fixer {
 public:
  explicit TestFixer(std::string id, std::vector<std::string> triggers = {})
      : id_(std::move(id)), triggers_(std::move(triggers)) {}

  std::string id() const override { return id_; }
  std::vector<std::string> triggers() const override { return triggers_; }
  std::vector<platform::WatchTarget> watches(const policies::Policy& policy) const override {
    return watching ? watching(policy) : std::vector<platform::WatchTarget>{};
  }

  fixers::Finding detect(fixers::FixerContext& ctx) override {
    ++detects;
    if (onDetect) onDetect(ctx);
    if (throwOnDetect) throw std::runtime_error("detect exploded");
    if (detectError) return fixers::Finding::error("cannot read the value");
    const fixers::State observed{{"value", std::to_string(value)}};
    if (value == desired) return fixers::Finding::compliant(observed, "value is " + std::to_string(value));
    return fixers::Finding::drift(observed, {{"value", std::to_string(desired)}},
                                  "value is " + std::to_string(value) + ", wanted " + std::to_string(desired));
  }
  fixers::Plan plan(const fixers::Finding&, const fixers::FixerContext&) const override {
    if (unfixable) return {};
    return {fixers::Action{"set_value", "set the value to " + std::to_string(desired),
                           {{"value", std::to_string(desired)}}, disruptive, requested}};
  }
  fixers::ApplyOutcome apply(const fixers::Plan&, fixers::FixerContext& ctx) override {
    ++applies;
    if (onApply) onApply(ctx);
    if (applyFails) return {false, "the value would not change", {}, {}};
    if (!applyIsNoop) value = desired;
    return {true, "value set to " + std::to_string(desired), emits, {}};
  }

  int value = 0;
  int desired = 0;
  bool disruptive = false;
  bool requested = false;
  bool unfixable = false;
  bool throwOnDetect = false;
  bool detectError = false;
  bool applyFails = false;
  bool applyIsNoop = false;  // apply "succeeds" but changes nothing: verify must catch it
  std::vector<std::string> emits;
  std::function<void(fixers::FixerContext&)> onDetect;
  std::function<void(fixers::FixerContext&)> onApply;
  std::function<std::vector<platform::WatchTarget>(const policies::Policy&)> watching;
  int detects = 0;
  int applies = 0;

 private:
  std::string id_;
  std::vector<std::string> triggers_;
};

/// Keeps audit entries in memory, in order.
class MemoryAuditSink final : public AuditSink {
 public:
  platform::Result<AuditRecord> append(const AuditEntry& entry) override {
    AuditRecord r;
    r.seq = records.size() + 1;
    r.entry = entry;
    r.policySha256 = policyHash;
    records.push_back(r);
    return r;
  }
  void setPolicyHash(const std::string& sha) override { policyHash = sha; }

  /// Events recorded for `fixer`, in order.
  std::vector<std::string> events(const std::string& fixer) const {
    std::vector<std::string> out;
    for (const auto& r : records) {
      if (r.entry.fixer == fixer) out.push_back(r.entry.event);
    }
    return out;
  }
  int count(const std::string& fixer, const std::string& event) const {
    int n = 0;
    for (const auto& r : records) n += r.entry.fixer == fixer && r.entry.event == event;
    return n;
  }

  std::vector<AuditRecord> records;
  std::string policyHash;
};

}  // namespace remediator::service::testing
