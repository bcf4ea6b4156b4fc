#include "service/runtime.h"

#include "fixers/builtin.h"
#include "service/oplog.h"

namespace remediator::service {

using platform::ErrorCode;

std::filesystem::path defaultDataDir() {
  const std::string expanded = platform::expandEnvironment("%ProgramData%");
  if (expanded.find('%') == std::string::npos && !expanded.empty()) {
    return std::filesystem::path(expanded) / "Remediator";
  }
  return "/var/lib/remediator";
}

std::filesystem::path defaultPolicyPath(const std::filesystem::path& dataDir) {
  std::error_code ec;
  if (std::filesystem::exists(dataDir / "policy.ini", ec)) return dataDir / "policy.ini";
  if (std::filesystem::exists(dataDir / "policy.xml", ec)) return dataDir / "policy.xml";
  return dataDir / "policy.ini";
}

platform::Result<std::unique_ptr<Runtime>> Runtime::start(const RuntimeOptions& options,
                                                           platform::Platform& platform) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->platform_ = &platform;
  rt->stateDir_ = options.stateDir.empty() ? defaultDataDir() : std::filesystem::path(options.stateDir);
  std::error_code ec;
  std::filesystem::create_directories(rt->stateDir_, ec);
  if (ec) {
    return platform::fail(ErrorCode::kIo,
                          "cannot create the state folder " + rt->stateDir_.string() + ": " + ec.message());
  }
  auto lock = platform::InstanceLock::acquire(rt->stateDir_ / "remediator.lock");
  if (!lock) {
    return platform::fail(lock.error().code, "another instance is using the state folder " + rt->stateDir_.string() +
                                                 " (" + lock.error().message + ")");
  }
  rt->lock_ = std::move(*lock);

  const std::string policyRef = options.policy.empty() ? defaultPolicyPath(rt->stateDir_).string() : options.policy;
  // The bootstrap file and a central source each keep their own last-good cache, so that starting from the
  // local file never overwrites the last policy the central source gave.
  std::filesystem::create_directories(rt->stateDir_ / "bootstrap", ec);
  rt->source_ = std::make_unique<policies::PolicySource>(policyRef, rt->stateDir_ / "bootstrap");
  auto fetched = rt->source_->fetch();
  if (!fetched) return fetched.error();
  // A policy may name its own central source; from then on that is where refreshes come from.
  const auto& central = fetched->loaded.policy.service.source;
  if (!central.empty() && central != policyRef) {
    auto centralSource = std::make_unique<policies::PolicySource>(central, rt->stateDir_);
    if (auto centralFetch = centralSource->fetch()) {
      fetched = std::move(centralFetch);
      rt->source_ = std::move(centralSource);
    } else {
      rt->lastProblem_ = centralFetch.error().message;
    }
  }
  const auto& policy = fetched->loaded.policy;
  initOperationalLog(parseLogLevel(policy.service.logLevel), rt->stateDir_, options.consoleLog);

  AuditLogOptions auditOptions;
  auditOptions.path = policy.service.auditLog.empty() ? rt->stateDir_ / "audit.jsonl"
                                                      : std::filesystem::path(policy.service.auditLog);
  auditOptions.stateFile = rt->stateDir_ / "audit.state";
  auditOptions.host = platform.os ? platform.os->hostName() : "unknown";
  auditOptions.maxBytes = policy.service.auditMaxBytes;
  auditOptions.keepFiles = policy.service.auditKeepFiles;
  auto audit = JsonlAuditLog::open(auditOptions, *platform.time);
  if (!audit) return audit.error();
  rt->audit_ = std::move(*audit);

  fixers::registerBuiltinFixers(rt->fixers_);
  rt->engine_ = std::make_unique<Engine>(platform, rt->fixers_, *rt->audit_,
                                         EngineOptions{auditOptions.host, rt->stateDir_, options.dryRun});
  rt->engine_->setPolicy(fetched->loaded);
  if (fetched->fromCache) {
    rt->auditService("policy_cached", "degraded",
                     "The policy source " + rt->source_->source() + " could not be used (" + fetched->problem +
                         "); the last good policy from the cache is in force.");
  } else if (!rt->lastProblem_.empty()) {
    rt->auditService("policy_rejected", "degraded", "The central policy source could not be used: " + rt->lastProblem_);
  }
  logInfo("policy " + fetched->loaded.origin + " (sha256 " + fetched->loaded.sha256 + ") in force");
  return rt;
}

// The operational log was opened in the state folder by start(); it goes with the runtime.
Runtime::~Runtime() { closeOperationalLog(); }

void Runtime::auditService(const std::string& event, const std::string& outcome, const std::string& message) {
  AuditEntry entry;
  entry.fixer = "service";
  entry.event = event;
  entry.mode = "-";
  entry.outcome = outcome;
  entry.message = message;
  if (auto r = audit_->append(entry); !r) logError("audit log: " + r.error().message);
}

void Runtime::refreshPolicy() {
  auto fetched = source_->fetch();
  if (!fetched) {
    if (fetched.error().message != lastProblem_) {
      auditService("policy_rejected", "kept", "The policy could not be refreshed and the current one stays: " +
                                                  fetched.error().message);
      logWarning(fetched.error().message);
    }
    lastProblem_ = fetched.error().message;
    return;
  }
  if (fetched->fromCache) {
    if (fetched->problem != lastProblem_) {
      auditService("policy_rejected", "kept", "The policy source could not be used and the current policy stays: " +
                                                  fetched->problem);
      logWarning(fetched->problem);
    }
    lastProblem_ = fetched->problem;
    return;
  }
  lastProblem_.clear();
  if (fetched->loaded.sha256 == engine_->policy()->sha256) return;
  engine_->setPolicy(fetched->loaded);
  setLogLevel(parseLogLevel(fetched->loaded.policy.service.logLevel));
  auditService("policy_loaded", "ok", "A new policy is in force: " + fetched->loaded.origin + ".");
  logInfo("new policy " + fetched->loaded.sha256 + " in force");
}

}  // namespace remediator::service
