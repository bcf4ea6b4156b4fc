#include "service/runtime.h"

#include <algorithm>
#include <sstream>

#include "fixers/builtin.h"
#include "policies/value_syntax.h"
#include "service/oplog.h"
#include "platform/utf8_path.h"

namespace remediator::service {

using platform::ErrorCode;

std::filesystem::path defaultDataDir() {
  if (auto folder = platform::programDataFolder()) return *folder / "Remediator";
  const std::string expanded = platform::expandEnvironment("%ProgramData%");
  if (expanded.find('%') == std::string::npos && !expanded.empty()) {
    return platform::pathFromUtf8(expanded) / "Remediator";
  }
  return "/var/lib/remediator";
}

std::filesystem::path defaultPolicyPath(const std::filesystem::path& dataDir) {
  std::error_code ec;
  if (std::filesystem::exists(dataDir / "policy.ini", ec)) return dataDir / "policy.ini";
  if (std::filesystem::exists(dataDir / "policy.xml", ec)) return dataDir / "policy.xml";
  return dataDir / "policy.ini";
}

InstallSettings readInstallSettings(const platform::Registry* registry) {
  InstallSettings settings;
  if (!registry) return settings;
  auto text = [&](const char* name) {
    auto value = registry->read(kInstallSettingsKey, name);
    return value ? platform::registryValueText(*value) : std::string();
  };
  settings.installDir = text("InstallDir");
  settings.policySource = text("PolicySource");
  settings.server = text("Server");
  settings.policyKeys = text("PolicyKeys");
  settings.allowUnsignedHttp = text("AllowUnsignedHttp");
  return settings;
}

platform::Result<policies::PolicyTrust> readPolicyTrust(const platform::Registry* registry,
                                                        const std::filesystem::path& stateDir) {
  policies::PolicyTrust trust;
  trust.acceptedFile = stateDir / kAcceptedPolicyFile;
  std::string keys;
  if (registry) {
    const auto settings = readInstallSettings(registry);
    keys = settings.policyKeys;
    trust.allowUnsignedHttp = settings.allowUnsignedHttp == "1";
    trust.keysOrigin = std::string("HKLM\\") + kInstallSettingsKey + " PolicyKeys (the MSI's POLICY_KEYS)";
  } else {
    const auto path = stateDir / kPolicyKeysFile;
    trust.keysOrigin = path.string();
    auto text = platform::readWholeFile(path);
    if (!text && text.error().code != ErrorCode::kNotFound) {
      return platform::fail(ErrorCode::kInvalidData, "cannot read the trusted policy keys: " + text.error().message);
    }
    std::istringstream lines(text.valueOr(""));
    for (std::string line; std::getline(lines, line);) {
      if (policies::trimView(line) == "allow-unsigned-http") {
        trust.allowUnsignedHttp = true;
      } else {
        keys += line + "\n";
      }
    }
  }
  auto parsed = policies::parseKeyList(keys, trust.keysOrigin);
  if (!parsed) return parsed.error();
  trust.keys = std::move(*parsed);
  return trust;
}

namespace {

bool isHostName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The shipped INI with its [service] server line set to `server` (kept as it is when `server` is empty).
std::string withServer(const std::string& text, const std::string& server) {
  if (server.empty()) return text;
  std::istringstream in(text);
  std::string out, line, section;
  bool replaced = false;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (!t.empty() && t.front() == '[') section = trim(t.substr(1, t.find(']') - 1));
    const auto eq = t.find('=');
    if (section == "service" && !replaced && eq != std::string::npos && trim(t.substr(0, eq)) == "server") {
      line = "server = " + server + (!line.empty() && line.back() == '\r' ? "\r" : "");
      replaced = true;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

platform::Result<bool> seedDefaultPolicy(const std::filesystem::path& shipped, const std::filesystem::path& dataDir,
                                         const std::string& server) {
  std::error_code ec;
  if (std::filesystem::exists(dataDir / "policy.ini", ec) || std::filesystem::exists(dataDir / "policy.xml", ec)) {
    return false;
  }
  if (!server.empty() && !isHostName(server)) {
    return platform::fail(ErrorCode::kInvalidData,
                          std::string("HKLM\\") + kInstallSettingsKey + " Server (the MSI's SERVER property): '" +
                              server + "' is not a host name (letters, digits, '-' and '.')");
  }
  auto text = platform::readWholeFile(shipped);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return false;
    return text.error();
  }
  if (auto written = platform::writeFileDurably(dataDir / "policy.ini", withServer(*text, server)); !written) {
    return written.error();
  }
  return true;
}

platform::Result<void> removeDataDir(const std::filesystem::path& dataDir) {
  std::error_code ec;
  if (!std::filesystem::exists(dataDir, ec)) return {};
  const auto lockPath = dataDir / "remediator.lock";
  {
    auto lock = platform::InstanceLock::acquire(lockPath);
    if (!lock) {
      return platform::fail(ErrorCode::kBusy, "the state folder " + dataDir.string() +
                                                  " is in use (is the service still running?): " +
                                                  lock.error().message);
    }
    for (const auto& entry : std::filesystem::directory_iterator(dataDir, ec)) {
      if (entry.path().filename() == "remediator.lock") continue;
      std::filesystem::remove_all(entry.path(), ec);
      if (ec) return platform::fail(ErrorCode::kIo, "cannot delete " + entry.path().string() + ": " + ec.message());
    }
    if (ec) return platform::fail(ErrorCode::kIo, "cannot list " + dataDir.string() + ": " + ec.message());
  }
  std::filesystem::remove_all(dataDir, ec);
  if (ec) return platform::fail(ErrorCode::kIo, "cannot delete " + dataDir.string() + ": " + ec.message());
  return {};
}

platform::Result<std::unique_ptr<Runtime>> Runtime::start(const RuntimeOptions& options,
                                                           platform::Platform& platform) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->platform_ = &platform;
  rt->stateDir_ = options.stateDir.empty() ? defaultDataDir() : platform::pathFromUtf8(options.stateDir);
  std::error_code ec;
  std::filesystem::create_directories(rt->stateDir_, ec);
  if (ec) {
    return platform::fail(ErrorCode::kIo,
                          "cannot create the state folder " + platform::pathToUtf8(rt->stateDir_) + ": " + ec.message());
  }
  auto lock = platform::InstanceLock::acquire(rt->stateDir_ / "remediator.lock");
  if (!lock) {
    return platform::fail(lock.error().code, "another instance is using the state folder " + platform::pathToUtf8(rt->stateDir_) +
                                                 " (" + lock.error().message + ")");
  }
  rt->lock_ = std::move(*lock);

  // Without --policy: what the MSI recorded. The local policy file is the bootstrap, seeded from the shipped
  // default when there is none; POLICY_SOURCE, when given, is the central source.
  std::string policyRef = options.policy;
  std::string central;
  bool seeded = false;
  if (policyRef.empty()) {
    const auto settings = readInstallSettings(platform.registry);
    if (!settings.installDir.empty()) {
      auto seed = seedDefaultPolicy(platform::pathFromUtf8(settings.installDir) / "default-policy.ini",
                                    rt->stateDir_, settings.server);
      if (!seed) return seed.error();
      seeded = *seed;
    }
    const auto local = defaultPolicyPath(rt->stateDir_);
    central = settings.policySource;
    policyRef = std::filesystem::exists(local, ec) || central.empty() ? platform::pathToUtf8(local) : central;
  }
  auto trust = readPolicyTrust(platform.registry, rt->stateDir_);
  if (!trust) return trust.error();
  // The state folder's own policy file is trusted by where it is, as the keys are; everything else (a central
  // source, a file or URL given with --policy) by the trust rules.
  auto bootstrapTrust = *trust;
  bootstrapTrust.trustedLocation = options.policy.empty() && policyRef == platform::pathToUtf8(defaultPolicyPath(rt->stateDir_));
  // The bootstrap file and a central source each keep their own last-good cache, so that starting from the
  // local file never overwrites the last policy the central source gave.
  std::filesystem::create_directories(rt->stateDir_ / "bootstrap", ec);
  rt->source_ = std::make_unique<policies::PolicySource>(
      policyRef, policyRef == central ? rt->stateDir_ : rt->stateDir_ / "bootstrap");
  rt->source_->setTrust(policyRef == central ? *trust : bootstrapTrust);
  auto fetched = rt->source_->fetch();
  if (!fetched) return fetched.error();
  // A policy may name its own central source (POLICY_SOURCE comes first); from then on refreshes come from it.
  if (central.empty()) central = fetched->loaded.policy.service.source;
  if (!central.empty() && central != policyRef) {
    auto centralSource = std::make_unique<policies::PolicySource>(central, rt->stateDir_);
    centralSource->setTrust(*trust);
    if (auto centralFetch = centralSource->fetch()) {
      fetched = std::move(centralFetch);
      rt->source_ = std::move(centralSource);
    } else {
      rt->lastProblem_ = centralFetch.error().message;
      rt->lastRefused_ = centralFetch.error().code == ErrorCode::kPermissionDenied;
      // Kept and tried again at every refresh: the network may simply not be up yet.
      rt->pendingCentral_ = std::move(centralSource);
      rt->centralFailures_ = 1;
      rt->centralProblem_ = rt->lastProblem_;
    }
  }
  const auto& policy = fetched->loaded.policy;
  initOperationalLog(parseLogLevel(policy.service.logLevel), rt->stateDir_, options.consoleLog);

  AuditLogOptions auditOptions;
  auditOptions.path = policy.service.auditLog.empty() ? rt->stateDir_ / "audit.jsonl"
                                                      : platform::pathFromUtf8(policy.service.auditLog);
  auditOptions.stateFile = rt->stateDir_ / "audit.state";
  auditOptions.host = platform.os ? platform.os->hostName() : "unknown";
  auditOptions.maxBytes = policy.service.auditMaxBytes;
  auditOptions.keepFiles = policy.service.auditKeepFiles;
  rt->auditPath_ = auditOptions.path;
  rt->host_ = auditOptions.host;
  auto audit = JsonlAuditLog::open(auditOptions, *platform.time);
  if (!audit) return audit.error();
  rt->audit_ = std::move(*audit);
  rt->sink_ = std::make_unique<MirroredAuditSink>(*rt->audit_, platform::openEventLog(kEventSource));

  fixers::registerBuiltinFixers(rt->fixers_);
  rt->engine_ = std::make_unique<Engine>(platform, rt->fixers_, *rt->sink_,
                                         EngineOptions{auditOptions.host, rt->stateDir_, options.dryRun});
  rt->engine_->setPolicy(fetched->loaded);
  if (seeded) {
    rt->auditService("policy_seeded", "ok",
                     "No policy was in " + rt->stateDir_.string() +
                         "; the default policy shipped with the program was copied there as policy.ini.");
  }
  if (fetched->fromCache && fetched->refused) {
    rt->auditService("policy_rejected", "refused",
                     "The policy from " + rt->source_->source() + " was refused (" + fetched->problem +
                         "); the last good policy from the cache is in force.");
    rt->lastProblem_ = fetched->problem;
  } else if (fetched->fromCache) {
    rt->auditService("policy_cached", "degraded",
                     "The policy source " + rt->source_->source() + " could not be used (" + fetched->problem +
                         "); the last good policy from the cache is in force.");
  } else if (!rt->lastProblem_.empty()) {
    rt->auditService("policy_rejected", rt->lastRefused_ ? "refused" : "degraded",
                     "The central policy source could not be used: " + rt->lastProblem_ +
                         (rt->pendingCentral_ ? "; it is tried again at the next refresh" : ""));
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
  if (auto r = sink_->append(entry); !r) logError("audit log: " + r.error().message);
}

platform::Millis Runtime::nextRefreshDelay() const {
  const auto& service = engine_->policy()->policy.service;
  const auto refresh = std::chrono::duration_cast<platform::Millis>(service.refresh);
  if (!pendingCentral_) return refresh;
  const auto cap = std::min(refresh, std::chrono::duration_cast<platform::Millis>(service.backoffMax));
  const auto delay = doublingBackoff(std::chrono::duration_cast<platform::Millis>(service.backoffInitial), cap,
                                     centralFailures_);
  return std::max(delay, platform::Millis(std::chrono::seconds(1)));
}

void Runtime::refreshPolicy() {
  if (pendingCentral_) {
    auto central = pendingCentral_->fetch();
    if (central) {
      source_ = std::move(pendingCentral_);
      centralFailures_ = 0;
      centralProblem_.clear();
      auditService("policy_source", "ok",
                   "The central policy source " + source_->source() +
                       " answered; policies come from it from now on.");
      if (central->fromCache) {
        lastProblem_ = central->problem;
        auditService("policy_cached", "degraded",
                     "The policy source " + source_->source() + " could not be used (" + central->problem +
                         "); the last good policy from the cache is in force.");
      } else {
        lastProblem_.clear();
      }
      adopt(*central);
      return;
    }
    ++centralFailures_;
    if (central.error().message != centralProblem_) {
      auditService("policy_rejected", central.error().code == ErrorCode::kPermissionDenied ? "refused" : "kept",
                   "The central policy source could not be used yet; tried again in " +
                       policies::formatDuration(nextRefreshDelay()) + ": " + central.error().message);
      logWarning(central.error().message);
    }
    centralProblem_ = central.error().message;
  }
  auto fetched = source_->fetch();
  if (!fetched) {
    if (fetched.error().message != lastProblem_) {
      auditService("policy_rejected", fetched.error().code == ErrorCode::kPermissionDenied ? "refused" : "kept",
                   "The policy could not be refreshed and the current one stays: " + fetched.error().message);
      logWarning(fetched.error().message);
    }
    lastProblem_ = fetched.error().message;
    return;
  }
  if (fetched->fromCache) {
    if (fetched->problem != lastProblem_) {
      auditService("policy_rejected", fetched->refused ? "refused" : "kept",
                   std::string(fetched->refused ? "The policy from the source was refused"
                                                : "The policy source could not be used") +
                       " and the current policy stays: " + fetched->problem);
      logWarning(fetched->problem);
    }
    lastProblem_ = fetched->problem;
    return;
  }
  lastProblem_.clear();
  adopt(*fetched);
}

void Runtime::adopt(const policies::PolicyFetch& fetched) {
  if (fetched.loaded.sha256 == engine_->policy()->sha256) return;
  engine_->setPolicy(fetched.loaded);
  setLogLevel(parseLogLevel(fetched.loaded.policy.service.logLevel));
  auditService("policy_loaded", "ok",
               "A new policy is in force: " + fetched.loaded.origin + " (serial " +
                   std::to_string(fetched.loaded.policy.service.serial) +
                   (fetched.signedBy.empty() ? ", unsigned" : ", signed by key " + fetched.signedBy) + ").");
  logInfo("new policy " + fetched.loaded.sha256 + " in force");
}

std::optional<PublisherOptions> Runtime::publisherOptions() const {
  const auto& service = policy().policy.service;
  if (service.report.empty()) return std::nullopt;
  PublisherOptions options;
  options.reportDir = std::filesystem::path(service.report);
  options.host = host_;
  options.auditLog = auditPath_;
  options.statusFile = stateDir_ / "status.json";
  options.backoffInitial = service.backoffInitial;
  options.backoffMax = service.backoffMax;
  options.splay = service.splay;
  return options;
}

}  // namespace remediator::service
