#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fixers/fixer.h"
#include "platform/platform.h"
#include "policies/policy_loader.h"
#include "service/audit_record.h"
#include "service/scheduler.h"

namespace remediator::service {

/// Why a fixer ran.
enum class RunReason { kScheduled, kTriggered, kOnce };

/// What one run of one fixer came to: one row of `remediator run --once`.
struct RunReport {
  std::string fixer;
  std::string mode;      ///< the mode in force for this run (audit when dry-run or the breaker is open)
  std::string finding;   ///< compliant, drift, not_applicable, error
  std::string action;    ///< what was done: "none", "planned 2 actions", "applied 2 actions", "deferred", ...
  std::string outcome;   ///< compliant, fixed, drift, failed, deferred, not_applicable, skipped
  std::string message;   ///< the human sentence behind the outcome
  bool problem = false;  ///< drift remains or an action failed: exit code 1 for `run --once`
};

struct EngineOptions {
  std::string host;
  std::filesystem::path stateDir;
  bool dryRun = false;          ///< every fixer runs as audit
  UtcOffsetFn utcOffset = localUtcOffset;
};

/// Detect, plan, apply, verify for each registered fixer, on schedule. One thread drives it (the service's event
/// loop, or `run --once`); time comes from the platform's TimeSource, so tests drive it in virtual time.
class Engine {
 public:
  Engine(platform::Platform& platform, fixers::FixerRegistry& fixers, AuditSink& audit, EngineOptions options);

  /// Installs a policy (validated already). A policy whose hash differs from the current one closes every open
  /// circuit breaker; schedules keep their history, timing settings are renewed.
  void setPolicy(const policies::LoadedPolicy& policy);
  const policies::LoadedPolicy* policy() const { return policy_ ? &*policy_ : nullptr; }

  /// Runs every fixer that is due at the platform's current time, and the fixers triggered by events they publish.
  std::vector<RunReport> runDue();
  /// Runs every fixer (or only `only`) once, now, whatever its schedule: `remediator run --once`.
  std::vector<RunReport> runAllOnce(const std::optional<std::string>& only = std::nullopt);
  /// The earliest time a fixer that is not off is due, or nullopt when every fixer is off.
  std::optional<platform::SysTime> nextDue() const;

  /// Publishes an event: fixers listening to it become due at once.
  void publish(const std::string& event);
  /// Makes one fixer (or, with an empty id, every fixer) due at once: a change notification or a control code.
  /// `why` ("changed: HKLM\...\Winlogon"), when given, is recorded as detail "trigger" on every audit record of
  /// the run it causes.
  void trigger(const std::string& fixerId, const std::string& why = {});
  /// Takes in the requests the command line left in the state folder (breaker resets, triggers). Cheap: the
  /// service calls it every few seconds.
  void consumeRequests();
  /// Closes the breaker of one fixer ("" = all), as an administrator's reset does.
  void resetBreaker(const std::string& fixerId, const std::string& why);

  /// The schedule of a fixer, for status and tests.
  const FixerSchedule* schedule(const std::string& fixerId) const;

  /// Writes <stateDir>/status.json: per fixer the last run, its finding, the next due time and breaker state.
  void saveStatus() const;

 private:
  RunReport runFixer(fixers::Fixer& fixer, RunReason reason);
  RunReport runPhases(fixers::Fixer& fixer, FixerSchedule& schedule, policies::Mode mode, const std::string& modeName);
  void audit(const std::string& fixer, const std::string& event, const std::string& mode, const AuditEntry& base);
  ScheduleSettings settingsFor(const std::string& fixerId) const;
  FixerSchedule& scheduleFor(const std::string& fixerId);
  /// The fixers listening to the events published since the last call; clears them.
  std::vector<std::string> takeListeners();
  bool enabled(const std::string& fixerId) const;

  platform::Platform& platform_;
  fixers::FixerRegistry& fixers_;
  AuditSink& audit_;
  EngineOptions options_;
  std::optional<policies::LoadedPolicy> policy_;
  std::map<std::string, FixerSchedule> schedules_;
  std::map<std::string, bool> lastCompliant_;       // whether the fixer last saw the machine compliant
  std::map<std::string, RunReport> lastReports_;
  std::map<std::string, platform::SysTime> lastRunAt_;
  std::vector<std::string> pendingEvents_;
  std::map<std::string, std::string> triggerReasons_;  // why a triggered fixer is due, until it runs
  std::string runTrigger_;                              // why the fixer running now was triggered
};

/// Reads `<stateDir>/status.json` as written by Engine::saveStatus, rendered as a table for `remediator status`.
platform::Result<std::string> renderStatus(const std::filesystem::path& stateDir);

/// Asks a running service to run a fixer at once (after `upgrade prepare`, say): a file the engine consumes.
platform::Result<void> requestTrigger(const std::filesystem::path& stateDir, const std::string& fixerId);

/// Asks a running service to close a fixer's breaker ("" = every fixer): the request is a file the engine
/// consumes before its next run.
platform::Result<void> requestBreakerReset(const std::filesystem::path& stateDir, const std::string& fixerId);

}  // namespace remediator::service
