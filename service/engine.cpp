#include "service/engine.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <exception>
#include <sstream>

#include "platform/durable_file.h"
#include "platform/time_format.h"
#include "platform/utf8_path.h"

namespace remediator::service {

using platform::formatUtc;
using platform::parseUtc;

using fixers::FindingStatus;
using policies::Mode;

namespace {

constexpr const char* kStatusFile = "status.json";
constexpr const char* kResetPrefix = "reset-breaker";
constexpr const char* kTriggerPrefix = "trigger-";

std::string describePlan(const fixers::Plan& plan) {
  std::ostringstream out;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    out << (i ? "; " : "") << plan[i].kind << ": " << plan[i].description;
  }
  return out.str();
}

fixers::State planDetails(const fixers::Plan& plan) {
  fixers::State details;
  details["actions"] = std::to_string(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::string prefix = "action" + std::to_string(i + 1);
    details[prefix] = plan[i].kind;
    details[prefix + ".description"] = plan[i].description;
    if (plan[i].disruptive) details[prefix + ".disruptive"] = "true";
    for (const auto& [k, v] : plan[i].parameters) details[prefix + "." + k] = v;
  }
  return details;
}

std::string countActions(std::size_t n) { return std::to_string(n) + (n == 1 ? " action" : " actions"); }

}  // namespace

Engine::Engine(platform::Platform& platform, fixers::FixerRegistry& fixers, AuditSink& audit, EngineOptions options)
    : platform_(platform), fixers_(fixers), audit_(audit), options_(std::move(options)) {}

ScheduleSettings Engine::settingsFor(const std::string& fixerId) const {
  ScheduleSettings s;
  if (!policy_) return s;
  const auto& svc = policy_->policy.service;
  s.startDelay = svc.startDelay;
  s.splayMax = svc.splay;
  s.backoffInitial = svc.backoffInitial;
  s.backoffMax = svc.backoffMax;
  s.breakerFailures = svc.breakerFailures;
  s.recurrenceCount = svc.recurrenceCount;
  s.recurrenceWindow = svc.recurrenceWindow;
  if (auto f = policy_->policy.fixer(fixerId)) s.interval = f->interval;
  return s;
}

FixerSchedule& Engine::scheduleFor(const std::string& fixerId) {
  auto it = schedules_.find(fixerId);
  if (it == schedules_.end()) {
    it = schedules_.emplace(fixerId, FixerSchedule(fixerId, options_.host, settingsFor(fixerId), platform_.time->now()))
             .first;
  }
  return it->second;
}

void Engine::setPolicy(const policies::LoadedPolicy& policy) {
  const bool changed = !policy_ || policy_->sha256 != policy.sha256;
  policy_ = policy;
  audit_.setPolicyHash(policy.sha256);
  const auto now = platform_.time->now();
  for (const auto& fixer : fixers_.all()) {
    const auto id = fixer->id();
    auto it = schedules_.find(id);
    if (it == schedules_.end()) {
      schedules_.emplace(id, FixerSchedule(id, options_.host, settingsFor(id), now));
      continue;
    }
    // New timing settings; keep the history. A changed policy is the administrator's answer to an open breaker.
    const bool wasOpen = it->second.breakerOpen();
    FixerSchedule renewed(id, options_.host, settingsFor(id), now);
    if (!changed) {
      renewed = it->second;
    } else if (wasOpen) {
      audit(id, "breaker_reset", policies::modeName(policy.policy.fixer(id).value_or(policies::FixerSettings{}).mode),
            AuditEntry{.outcome = "ok", .message = "The policy changed, so the circuit breaker is closed again."});
    }
    it->second = renewed;
    it->second.trigger(now);
  }
}

void Engine::audit(const std::string& fixer, const std::string& event, const std::string& mode,
                   const AuditEntry& base) {
  AuditEntry entry = base;
  entry.fixer = fixer;
  entry.event = event;
  entry.mode = mode;
  if (!runTrigger_.empty()) entry.details["trigger"] = runTrigger_;
  // An audit record that cannot be written is not a reason to stop healing; the sink reports it in the
  // operational log and the gap shows in `audit verify`.
  (void)audit_.append(entry);
}

std::optional<platform::SysTime> Engine::nextDue() const {
  if (!policy_) return std::nullopt;
  std::optional<platform::SysTime> next;
  for (const auto& fixer : fixers_.all()) {
    const auto settings = policy_->policy.fixer(fixer->id());
    if (!settings || settings->mode == Mode::kOff) continue;
    auto it = schedules_.find(fixer->id());
    if (it == schedules_.end()) continue;
    if (!next || it->second.nextDue() < *next) next = it->second.nextDue();
  }
  return next;
}

const FixerSchedule* Engine::schedule(const std::string& fixerId) const {
  auto it = schedules_.find(fixerId);
  return it == schedules_.end() ? nullptr : &it->second;
}

void Engine::publish(const std::string& event) {
  pendingEvents_.push_back(event);
  for (const auto& id : takeListeners()) scheduleFor(id).trigger(platform_.time->now());
}

void Engine::trigger(const std::string& fixerId, const std::string& why) {
  const auto now = platform_.time->now();
  for (const auto& fixer : fixers_.all()) {
    if (!fixerId.empty() && fixer->id() != fixerId) continue;
    scheduleFor(fixer->id()).trigger(now);
    if (why.empty()) continue;
    auto& reason = triggerReasons_[fixer->id()];
    if (reason.find(why) == std::string::npos) reason += (reason.empty() ? "" : "; ") + why;
  }
}

void Engine::resetBreaker(const std::string& fixerId, const std::string& why) {
  for (auto& [id, schedule] : schedules_) {
    if (!fixerId.empty() && id != fixerId) continue;
    if (!schedule.breakerOpen()) continue;
    schedule.resetBreaker();
    schedule.trigger(platform_.time->now());
    const auto mode = policy_ ? policy_->policy.fixer(id).value_or(policies::FixerSettings{}).mode : Mode::kOff;
    audit(id, "breaker_reset", policies::modeName(mode), AuditEntry{.outcome = "ok", .message = why});
  }
}

void Engine::consumeRequests() {
  if (options_.stateDir.empty()) return;
  std::error_code ec;
  std::vector<std::filesystem::path> found;
  for (std::filesystem::directory_iterator it(options_.stateDir, ec), end; !ec && it != end; it.increment(ec)) {
    found.push_back(it->path());
  }
  for (const auto& path : found) {
    // Any user may name a file in the state folder so that path::string() throws (an unpaired surrogate on
    // Windows): such a name is not a request.
    const auto name = platform::pathToUtf8(path.filename());
    if (name.rfind(kTriggerPrefix, 0) == 0) {
      std::error_code rmEc;
      std::filesystem::remove(path, rmEc);
      trigger(name.substr(std::string(kTriggerPrefix).size()));
      continue;
    }
    if (name.rfind(kResetPrefix, 0) != 0) continue;
    std::string fixer = name.substr(std::string(kResetPrefix).size());
    if (!fixer.empty() && fixer[0] == '-') fixer.erase(0, 1);
    std::error_code rmEc;
    std::filesystem::remove(path, rmEc);
    resetBreaker(fixer, "An administrator reset the circuit breaker.");
  }
}

std::vector<std::string> Engine::takeListeners() {
  std::vector<std::string> listeners;
  for (const auto& event : pendingEvents_) {
    for (const auto& fixer : fixers_.all()) {
      const auto triggers = fixer->triggers();
      if (std::find(triggers.begin(), triggers.end(), event) != triggers.end() &&
          std::find(listeners.begin(), listeners.end(), fixer->id()) == listeners.end()) {
        listeners.push_back(fixer->id());
      }
    }
  }
  pendingEvents_.clear();
  return listeners;
}

bool Engine::enabled(const std::string& fixerId) const {
  const auto settings = policy_ ? policy_->policy.fixer(fixerId) : std::nullopt;
  return settings && settings->mode != Mode::kOff;
}

std::vector<RunReport> Engine::runDue() {
  std::vector<RunReport> reports;
  if (!policy_) return reports;
  consumeRequests();
  // A published event makes its listeners due at once: those later in the order run in this round, those that
  // already ran run again in the next. The bound keeps two fixers that trigger each other from spinning.
  for (int round = 0; round < 8; ++round) {
    bool ran = false;
    for (const auto& fixer : fixers_.all()) {
      if (!enabled(fixer->id()) || !scheduleFor(fixer->id()).due(platform_.time->now())) continue;
      reports.push_back(runFixer(*fixer, triggerReasons_.count(fixer->id()) ? RunReason::kTriggered
                                                                             : RunReason::kScheduled));
      ran = true;
      for (const auto& id : takeListeners()) scheduleFor(id).trigger(platform_.time->now());
    }
    if (!ran) break;
  }
  saveStatus();
  return reports;
}

std::vector<RunReport> Engine::runAllOnce(const std::optional<std::string>& only) {
  std::vector<RunReport> reports;
  if (!policy_) return reports;
  // Listeners that had already run when an event came run once more after the pass, as the service would.
  std::set<std::string> ran;
  std::vector<std::string> rerun;
  auto runOne = [&](fixers::Fixer& fixer, RunReason reason) {
    reports.push_back(runFixer(fixer, reason));
    ran.insert(fixer.id());
    for (const auto& id : takeListeners()) {
      if (ran.count(id) && enabled(id) && std::find(rerun.begin(), rerun.end(), id) == rerun.end()) {
        rerun.push_back(id);
      }
    }
  };
  for (const auto& fixer : fixers_.all()) {
    if (only && fixer->id() != *only) continue;
    runOne(*fixer, RunReason::kOnce);
  }
  for (std::size_t i = 0; i < rerun.size() && i < 8; ++i) {
    if (auto* fixer = fixers_.find(rerun[i])) runOne(*fixer, RunReason::kTriggered);
  }
  saveStatus();
  return reports;
}

RunReport Engine::runFixer(fixers::Fixer& fixer, RunReason reason) {
  const auto id = fixer.id();
  const auto settings = policy_->policy.fixer(id).value_or(policies::FixerSettings{});
  auto& schedule = scheduleFor(id);
  const auto now = platform_.time->now();
  lastRunAt_[id] = now;
  // Whatever run comes first answers the trigger; its records say why it came early.
  std::string why;
  if (auto it = triggerReasons_.find(id); it != triggerReasons_.end()) {
    if (reason != RunReason::kOnce) why = it->second;
    triggerReasons_.erase(it);
  }
  if (settings.mode == Mode::kOff) {
    schedule.recordSuccess(now);
    RunReport report{id, "off", "-", "none", "off", "The policy turns this fixer off."};
    lastReports_[id] = report;
    return report;
  }
  Mode mode = settings.mode;
  std::string modeName = policies::modeName(mode);
  if (mode == Mode::kEnforce && options_.dryRun) {
    mode = Mode::kAudit;
    modeName = "audit";
  }
  if (mode == Mode::kEnforce && schedule.breakerOpen()) {
    mode = Mode::kAudit;
    modeName = "audit";
  }
  runTrigger_ = why;
  RunReport report = runPhases(fixer, schedule, mode, modeName);
  runTrigger_.clear();
  lastReports_[id] = report;
  return report;
}

RunReport Engine::runPhases(fixers::Fixer& fixer, FixerSchedule& schedule, Mode mode, const std::string& modeName) {
  const auto id = fixer.id();
  const auto settings = policy_->policy.fixer(id).value_or(policies::FixerSettings{});
  const auto start = platform_.time->now();
  fixers::FixerContext ctx{platform_, policy_->policy, options_.stateDir, start + settings.timeout, {}};
  ctx.note = [&](const std::string& event, const std::string& message, const fixers::State& details) {
    audit(id, event, modeName, AuditEntry{.outcome = "ok", .message = message, .details = details});
  };
  RunReport report{id, modeName, "error", "none", "failed", "", true};

  auto fail = [&](const std::string& phase, const std::string& message, const AuditEntry& extra = {}) {
    AuditEntry entry = extra;
    entry.outcome = "failed";
    entry.message = message;
    entry.details["phase"] = phase;
    audit(id, "failed", modeName, entry);
    const auto now = platform_.time->now();
    if (schedule.recordFailure(now)) {
      audit(id, "breaker_open", modeName,
            AuditEntry{.outcome = "audit_only",
                       .message = "After " + std::to_string(schedule.consecutiveFailures()) +
                                  " failures in a row this fixer only detects and reports until the policy "
                                  "changes or an administrator runs `remediator reset " + id + "`."});
    }
    report.outcome = "failed";
    report.message = message;
    report.problem = true;
    return report;
  };

  // Detect.
  fixers::Finding finding;
  try {
    finding = fixer.detect(ctx);
  } catch (const std::exception& e) {
    return fail("detect", std::string("Detection threw an exception: ") + e.what());
  } catch (...) {
    return fail("detect", "Detection threw an unknown exception.");
  }
  report.finding = fixers::findingStatusName(finding.status);
  if (finding.status == FindingStatus::kError) {
    return fail("detect", finding.message, AuditEntry{.observed = finding.observed, .desired = finding.desired});
  }
  audit(id, "detected", modeName,
        AuditEntry{.observed = finding.observed, .desired = finding.desired, .outcome = report.finding,
                   .message = finding.message});
  if (ctx.pastDeadline()) return fail("detect", "The run passed its deadline while detecting.");

  if (finding.status != FindingStatus::kDrift) {
    lastCompliant_[id] = finding.status == FindingStatus::kCompliant;
    schedule.recordSuccess(platform_.time->now());
    report.outcome = report.finding;
    report.message = finding.message;
    report.problem = false;
    return report;
  }

  // Drift. Did it come back after the machine had been compliant?
  if (lastCompliant_[id] && schedule.recordDriftReturn(platform_.time->now())) {
    audit(id, "recurred", modeName,
          AuditEntry{.observed = finding.observed, .desired = finding.desired, .outcome = "recurred",
                     .message = "This drift has come back " + std::to_string(schedule.recurrencesInWindow()) +
                                " times within the recurrence window: something keeps undoing the fix."});
  }
  lastCompliant_[id] = false;

  fixers::Plan plan;
  try {
    plan = fixer.plan(finding, ctx);
  } catch (const std::exception& e) {
    return fail("plan", std::string("Planning threw an exception: ") + e.what());
  }
  report.action = "planned " + countActions(plan.size());
  audit(id, "planned", modeName,
        AuditEntry{.observed = finding.observed, .desired = finding.desired, .outcome = "drift",
                   .message = plan.empty() ? "No action can fix this drift: " + finding.message
                                           : "Planned: " + describePlan(plan),
                   .details = planDetails(plan)});
  report.outcome = "drift";
  report.message = finding.message;
  report.problem = true;

  if (plan.empty()) {
    schedule.recordSuccess(platform_.time->now());
    return report;
  }
  if (mode != Mode::kEnforce) {
    std::string why = "Audit mode: nothing was changed.";
    if (policy_->policy.fixer(id)->mode == Mode::kEnforce) {
      why = options_.dryRun ? "Dry run: nothing was changed."
                            : "The circuit breaker is open: nothing was changed until the policy changes or an "
                              "administrator resets it.";
    }
    audit(id, "skipped", modeName, AuditEntry{.outcome = "not_applied", .message = why});
    schedule.recordSuccess(platform_.time->now());
    return report;
  }

  // Disruptive steps wait for the maintenance window; catch up at its start.
  // An explicit request (Windows Setup's hook before an upgrade) cannot wait for the window: the upgrade will not.
  const bool disruptive =
      std::any_of(plan.begin(), plan.end(), [](const auto& a) { return a.disruptive && !a.requested; });
  const auto& window = policy_->policy.service.maintenanceWindow;
  const auto now = platform_.time->now();
  if (disruptive && !inMaintenanceWindow(now, window, options_.utcOffset)) {
    const auto at = nextWindowStart(now, window, options_.utcOffset);
    audit(id, "deferred", modeName,
          AuditEntry{.outcome = "deferred",
                     .message = "A disruptive step waits for the maintenance window, which opens at " +
                                formatUtc(at) + ".",
                     .details = {{"window_opens", formatUtc(at)}}});
    schedule.deferUntil(at);
    report.action = "deferred";
    report.outcome = "deferred";
    return report;
  }

  // Apply: intent first, then the act, then its result.
  audit(id, "intent", modeName,
        AuditEntry{.observed = finding.observed, .desired = finding.desired, .outcome = "applying",
                   .message = "About to apply: " + describePlan(plan), .details = planDetails(plan)});
  fixers::ApplyOutcome outcome;
  try {
    outcome = fixer.apply(plan, ctx);
  } catch (const std::exception& e) {
    return fail("apply", std::string("Applying threw an exception: ") + e.what());
  }
  if (!outcome.ok) return fail("apply", outcome.message, AuditEntry{.details = outcome.details});
  audit(id, "applied", modeName, AuditEntry{.outcome = "ok", .message = outcome.message, .details = outcome.details});
  report.action = "applied " + countActions(plan.size());
  pendingEvents_.insert(pendingEvents_.end(), outcome.events.begin(), outcome.events.end());
  if (ctx.pastDeadline()) return fail("apply", "The run passed its deadline while applying.");

  // Verify by detecting again.
  fixers::Finding after;
  try {
    after = fixer.detect(ctx);
  } catch (const std::exception& e) {
    return fail("verify", std::string("Verification threw an exception: ") + e.what());
  }
  if (after.status == FindingStatus::kError) {
    return fail("verify", "Verification failed after applying: " + after.message,
                AuditEntry{.observed = after.observed, .desired = after.desired});
  }
  if (after.status == FindingStatus::kDrift) {
    // What remains may be drift no action can fix (a logon banner, say): the run did all it could, which is not a
    // failure to back off from, but the drift is still reported.
    fixers::Plan rest;
    try {
      rest = fixer.plan(after, ctx);
    } catch (const std::exception&) {
      rest.push_back({});
    }
    if (!rest.empty()) {
      return fail("verify", "Drift remains after applying: " + after.message,
                  AuditEntry{.observed = after.observed, .desired = after.desired});
    }
    audit(id, "verified", modeName,
          AuditEntry{.observed = after.observed, .desired = after.desired, .outcome = "drift_remains",
                     .message = "Applied what could be applied; what remains needs an administrator: " + after.message});
    schedule.recordSuccess(platform_.time->now());
    report.outcome = "drift";
    report.message = after.message;
    report.problem = true;
    return report;
  }
  audit(id, "verified", modeName,
        AuditEntry{.observed = after.observed, .desired = after.desired, .outcome = "compliant",
                   .message = after.message});
  lastCompliant_[id] = true;
  schedule.recordSuccess(platform_.time->now());
  report.outcome = "fixed";
  report.message = outcome.message;
  report.problem = false;
  return report;
}

void Engine::saveStatus() const {
  if (options_.stateDir.empty()) return;
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("host", options_.host);
  root.set("written", formatUtc(platform_.time->now()));
  root.set("policy_sha256", policy_ ? policy_->sha256 : std::string());
  Poco::JSON::Array fixers;
  for (const auto& fixer : fixers_.all()) {
    const auto id = fixer->id();
    Poco::JSON::Object f(Poco::JSON_PRESERVE_KEY_ORDER);
    f.set("fixer", id);
    const Mode mode = policy_ ? policy_->policy.fixer(id).value_or(policies::FixerSettings{}).mode : Mode::kOff;
    f.set("mode", policies::modeName(mode));
    if (auto it = lastRunAt_.find(id); it != lastRunAt_.end()) f.set("last_run", formatUtc(it->second));
    if (auto it = lastReports_.find(id); it != lastReports_.end()) {
      f.set("finding", it->second.finding);
      f.set("outcome", it->second.outcome);
      f.set("message", it->second.message);
    }
    if (auto it = schedules_.find(id); it != schedules_.end()) {
      if (mode != Mode::kOff) f.set("next_due", formatUtc(it->second.nextDue()));
      f.set("failures", it->second.consecutiveFailures());
      f.set("breaker_open", it->second.breakerOpen());
    }
    fixers.add(f);
  }
  root.set("fixers", fixers);
  // The doctor's result goes here once the doctor exists: {"problems":[{"id","message"}...]}; null until then.
  root.set("doctor", Poco::Dynamic::Var());
  std::ostringstream out;
  root.stringify(out, 2);
  (void)platform::writeFileDurably(options_.stateDir / kStatusFile, out.str() + "\n");
}

platform::Result<std::string> renderStatus(const std::filesystem::path& stateDir) {
  auto text = platform::readWholeFile(stateDir / kStatusFile);
  if (!text) {
    return platform::fail(text.error().code, "No status in " + (stateDir / kStatusFile).string() +
                                                  ": the service has not run yet (" + text.error().message + ")");
  }
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(*text).extract<Poco::JSON::Object::Ptr>();
    std::ostringstream out;
    out << "host " << root->optValue<std::string>("host", "?") << ", status written "
        << root->optValue<std::string>("written", "?") << "\n";
    out << "policy sha256 " << root->optValue<std::string>("policy_sha256", "") << "\n\n";
    const char* fmt = "%-11s %-8s %-24s %-15s %-15s %-24s %s\n";
    char line[512];
    std::snprintf(line, sizeof line, fmt, "FIXER", "MODE", "LAST RUN", "FINDING", "OUTCOME", "NEXT DUE", "BREAKER");
    out << line;
    auto fixers = root->getArray("fixers");
    for (std::size_t i = 0; fixers && i < fixers->size(); ++i) {
      auto f = fixers->getObject(static_cast<unsigned>(i));
      std::snprintf(line, sizeof line, fmt, f->optValue<std::string>("fixer", "?").c_str(),
                    f->optValue<std::string>("mode", "?").c_str(), f->optValue<std::string>("last_run", "-").c_str(),
                    f->optValue<std::string>("finding", "-").c_str(), f->optValue<std::string>("outcome", "-").c_str(),
                    f->optValue<std::string>("next_due", "-").c_str(),
                    f->optValue<bool>("breaker_open", false)
                        ? ("open after " + std::to_string(f->optValue<int>("failures", 0)) + " failures").c_str()
                        : "closed");
      out << line;
    }
    return out.str();
  } catch (const std::exception& e) {
    return platform::fail(platform::ErrorCode::kInvalidData,
                          (stateDir / kStatusFile).string() + " is not valid status JSON: " + e.what());
  }
}

platform::Result<void> requestTrigger(const std::filesystem::path& stateDir, const std::string& fixerId) {
  return platform::writeFileDurably(stateDir / (std::string(kTriggerPrefix) + fixerId), "run requested\n");
}

platform::Result<void> requestBreakerReset(const std::filesystem::path& stateDir, const std::string& fixerId) {
  const auto name = fixerId.empty() ? std::string(kResetPrefix) : std::string(kResetPrefix) + "-" + fixerId;
  return platform::writeFileDurably(stateDir / name, "reset requested\n");
}

}  // namespace remediator::service
