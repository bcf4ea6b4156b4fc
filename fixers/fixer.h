#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/platform.h"
#include "platform/result.h"
#include "policies/policy.h"

namespace remediator::fixers {

using platform::Millis;
using platform::SysTime;

/// Observed or desired state: named facts, rendered as a JSON object in the audit log. Never holds a secret.
using State = std::map<std::string, std::string>;

/// What detect found.
enum class FindingStatus {
  kCompliant,      ///< the machine is as the policy wants it
  kDrift,          ///< it is not: observed differs from desired
  kNotApplicable,  ///< nothing to do here (no registry on this platform, feature not installed...)
  kError,          ///< detection itself failed
};

const char* findingStatusName(FindingStatus status);

struct Finding {
  FindingStatus status = FindingStatus::kCompliant;
  State observed;
  State desired;
  std::string message;  ///< one human sentence: what was found

  static Finding compliant(State observed, std::string message);
  static Finding drift(State observed, State desired, std::string message);
  static Finding notApplicable(std::string message);
  static Finding error(std::string message);
};

/// One step of a plan: plain data, so audit mode and dry-run say exactly what enforce would do.
struct Action {
  std::string kind;          ///< stable short name, e.g. "set_registry_value", "uninstall_product"
  std::string description;   ///< one human sentence
  State parameters;          ///< what it acts on (never a secret)
  bool disruptive = false;   ///< may only run inside the maintenance window...
  bool requested = false;    ///< ...unless an administrator or Windows Setup asked for it explicitly (upgrade prepare)
};

using Plan = std::vector<Action>;

/// What apply did.
struct ApplyOutcome {
  bool ok = true;
  std::string message;               ///< one human sentence
  std::vector<std::string> events;   ///< events to publish, e.g. "connector.installed"
  State details;                     ///< facts worth recording (counts, bytes, exit codes)
};

/// What the engine gives a fixer for one run.
struct FixerContext {
  platform::Platform& platform;
  const policies::Policy& policy;
  std::filesystem::path stateDir;  ///< the fixer may keep files under stateDir/<fixer id>/
  SysTime deadline;                ///< cooperative: a long operation stops and fails once past it
  /// Records an audit record in the middle of apply (intent before a disruptive step, its result after).
  std::function<void(const std::string& event, const std::string& message, const State& details)> note;

  bool pastDeadline() const { return platform.time->now() >= deadline; }
};

/// A fixer keeps one aspect of the machine in line with the policy. detect only reads; plan decides and is pure;
/// apply acts and is idempotent; the engine verifies by detecting again after apply.
class Fixer {
 public:
  virtual ~Fixer() = default;
  /// Stable id, also the policy section name: "clock", "stale_logs", "connector", "autologon".
  virtual std::string id() const = 0;
  /// Events that make the engine run this fixer at once ("connector.installed").
  virtual std::vector<std::string> triggers() const { return {}; }
  /// What makes the engine run this fixer at once when it changes under `policy` (a registry key, a folder):
  /// the service watches these while the fixer is not off. None by default.
  virtual std::vector<platform::WatchTarget> watches(const policies::Policy& policy) const {
    (void)policy;
    return {};
  }
  virtual Finding detect(FixerContext& ctx) = 0;
  virtual Plan plan(const Finding& finding, const FixerContext& ctx) const = 0;
  virtual ApplyOutcome apply(const Plan& plan, FixerContext& ctx) = 0;
};

/// The set of fixers the engine runs, registered explicitly (no static self-registration).
class FixerRegistry {
 public:
  void add(std::unique_ptr<Fixer> fixer);
  const std::vector<std::unique_ptr<Fixer>>& all() const { return fixers_; }
  Fixer* find(const std::string& id) const;

 private:
  std::vector<std::unique_ptr<Fixer>> fixers_;
};

}  // namespace remediator::fixers
