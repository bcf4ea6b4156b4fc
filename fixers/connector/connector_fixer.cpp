#include "platform/time_format.h"
#include "fixers/connector/connector_fixer.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fixers/connector/connector_decision.h"
#include "fixers/connector/connector_journal.h"
#include "fixers/connector/installer_check.h"
#include "platform/ascii.h"
#include "platform/file_system.h"
#include "platform/installed_products.h"
#include "platform/process_runner.h"

namespace remediator::fixers {

namespace connector {
namespace {

using platform::ErrorCode;
using platform::fail;
using platform::InstalledProduct;
using platform::OsIdentity;

constexpr const char* kInstallerBase = "connector-installer";
constexpr const char* kDownloadName = "connector-installer.download";

std::string minutes(Millis d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d).count()) + " min";
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(separator, start), text.size());
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string get(const State& state, const std::string& key) {
  auto it = state.find(key);
  return it == state.end() ? std::string() : it->second;
}

std::string describeProduct(const std::optional<InstalledProduct>& product) {
  if (!product) return "not installed";
  return product->displayName + (product->version.empty() ? "" : " " + product->version);
}

/// The parts of the platform the guard cannot work without; empty when all are there.
std::string missingParts(const platform::Platform& p) {
  std::vector<std::string> missing;
  if (!p.products) missing.push_back("the installed programs list");
  if (!p.processes) missing.push_back("a process runner");
  if (!p.os) missing.push_back("the OS identity");
  if (!p.files) missing.push_back("a file system");
  return join(missing, ", ");
}

std::string installerUrl(const policies::Policy& policy) {
  if (!policy.connector.installerUrl.empty()) return policy.connector.installerUrl;
  if (!policy.service.server.empty()) return "http://" + policy.service.server + "/Connect";
  return {};
}

std::filesystem::path msiLog(const std::filesystem::path& stateDir, const char* what) {
  return guardDir(stateDir) / (std::string("msiexec-") + what + ".log");
}

/// How the Connector is removed: the policy's command, else what the product registered, quiet first.
std::string uninstallCommand(const InstalledProduct& product, const policies::ConnectorSettings& settings,
                             const std::filesystem::path& stateDir) {
  if (!settings.uninstallCommand.empty()) return settings.uninstallCommand;
  if (!product.quietUninstallString.empty()) return product.quietUninstallString;
  if (!product.productCode.empty()) {
    return "msiexec.exe /x " + product.productCode + " /qn /norestart /l*v \"" +
           msiLog(stateDir, "uninstall").string() + "\"";
  }
  return product.uninstallString;
}

Result<std::optional<InstalledProduct>> findConnector(const FixerContext& ctx) {
  auto list = ctx.platform.products->list();
  if (!list) return fail(list.error().code, "cannot list the installed programs: " + list.error().message);
  const auto& s = ctx.policy.connector;
  return platform::findProduct(*list, s.productNames, s.productCode);
}

/// The pending-reboot signal; a platform that cannot tell says so, and an unreadable signal counts as pending
/// (installing then would fail anyway).
std::string pendingReboot(const FixerContext& ctx) {
  auto pending = ctx.platform.os->pendingReboot();
  if (pending) return *pending;
  if (pending.error().code == ErrorCode::kNotSupported) return {};
  return "cannot tell: " + pending.error().message;
}

std::string upgradeStaged(const FixerContext& ctx) {
  if (!ctx.policy.connector.watchStagedUpgrade) return {};
  return ctx.platform.os->upgradeStaged().valueOr(std::string());
}

struct ReadyInstaller {
  std::filesystem::path path;
  InstallerKind kind;
};

/// The checked installer in the state folder; nullopt when there is none, an error when one is there but
/// fails the checks (empty, a web page, not an installer, wrong SHA-256).
Result<std::optional<ReadyInstaller>> readyInstaller(const FixerContext& ctx) {
  for (const auto kind : {InstallerKind::kExe, InstallerKind::kMsi}) {
    const auto path = guardDir(ctx.stateDir) / (std::string(kInstallerBase) + installerExtension(kind));
    auto body = readFileIfPresent(*ctx.platform.files, path);
    if (!body) return body.error();
    if (!*body) continue;
    auto checked = checkInstaller(**body, "", ctx.policy.connector.installerSha256, path.string());
    if (!checked) return checked.error();
    if (*checked != kind) {
      return fail(ErrorCode::kInvalidData, path.string() + ": the content does not match the file name");
    }
    return std::optional<ReadyInstaller>(ReadyInstaller{path, kind});
  }
  return std::optional<ReadyInstaller>{};
}

Result<Observation> observe(const FixerContext& ctx) {
  Observation o;
  o.now = ctx.platform.time->now();
  auto journal = loadJournal(*ctx.platform.files, ctx.stateDir);
  if (!journal) return journal.error();
  o.journal = *journal;
  auto request = loadRequest(*ctx.platform.files, ctx.stateDir);
  if (!request) return request.error();
  if (*request) {
    if (o.journal && o.journal->lastRequestId == (*request)->id) {
      o.requestFileLeft = true;
    } else {
      o.request = **request;
    }
  }
  auto connector = findConnector(ctx);
  if (!connector) return connector.error();
  o.connector = *connector;
  auto os = ctx.platform.os->identity();
  if (!os) return fail(os.error().code, "cannot read the OS identity: " + os.error().message);
  o.os = *os;
  o.pendingReboot = pendingReboot(ctx);
  o.upgradeStaged = upgradeStaged(ctx);
  auto ready = readyInstaller(ctx);
  o.installerReady = ready && ready->has_value();
  o.installerUrl = installerUrl(ctx.policy);
  o.installPolicy = installPolicyFingerprint(o.installerUrl, ctx.policy.connector);
  if (o.connector) o.uninstallCommand = uninstallCommand(*o.connector, ctx.policy.connector, ctx.stateDir);
  return o;
}

State observedState(const Observation& o, const Decision& d, bool watchStaged) {
  State s;
  s["guard_state"] = o.journal ? guardStateName(o.journal->state) : "none";
  s["connector"] = describeProduct(o.connector);
  s["os"] = o.os.describe();
  if (o.journal) {
    s["recorded_os"] = o.journal->os.describe();
    s["since"] = platform::formatUtc(o.journal->since);
    s["attempts"] = std::to_string(countedAttempts(*o.journal, o.installPolicy));
    if (o.journal->lastAttempt) s["last_attempt"] = platform::formatUtc(*o.journal->lastAttempt);
    if (!o.journal->lastError.empty()) s["last_error"] = o.journal->lastError;
  }
  s["pending_reboot"] = o.pendingReboot.empty() ? "no" : o.pendingReboot;
  if (watchStaged) s["upgrade_staged"] = o.upgradeStaged.empty() ? "no" : o.upgradeStaged;
  if (o.request) {
    s["request"] = std::string(requestKindName(o.request->kind)) +
                   (o.request->reason.empty() ? "" : " (" + o.request->reason + ")");
  } else if (o.requestFileLeft) {
    s["request"] = "already taken in";
  }
  s["installer"] = o.installerReady ? "ready" : "none";
  if (!o.uninstallCommand.empty()) s["uninstall_command"] = o.uninstallCommand;
  if (!o.installerUrl.empty()) s["installer_url"] = o.installerUrl;
  std::vector<std::string> steps;
  for (const auto step : d.steps) steps.push_back(stepKindName(step));
  if (!steps.empty()) s["next_steps"] = join(steps, ",");
  if (std::find(d.steps.begin(), d.steps.end(), StepKind::kUninstall) != d.steps.end()) {
    s["after_uninstall"] = guardStateName(d.afterUninstall);
  }
  return s;
}

/// Runs the steps of one apply, each against a fresh look at the machine and the journal on disk.
class StepRunner {
 public:
  StepRunner(FixerContext& ctx, Downloader& downloader, ApplyOutcome& outcome)
      : ctx_(ctx), settings_(ctx.policy.connector), downloader_(downloader), outcome_(outcome) {}

  Result<std::string> run(StepKind kind, const Action& action) {
    const std::string step = stepKindName(kind);
    State intent = action.parameters;
    intent["step"] = step;
    ctx_.note("step_intent", action.description, intent);
    auto result = dispatch(kind, action);
    State details{{"step", step}, {"outcome", result ? "ok" : "failed"}};
    if (auto journal = loadJournal(*ctx_.platform.files, ctx_.stateDir); journal && *journal) {
      details["guard_state"] = guardStateName((*journal)->state);
    }
    ctx_.note("step_result", result ? *result : result.error().message, details);
    return result;
  }

 private:
  struct Machine {
    std::optional<InstalledProduct> connector;
    OsIdentity os;
  };

  Result<std::string> dispatch(StepKind kind, const Action& action) {
    switch (kind) {
      case StepKind::kRecordBaseline:
        return recordBaseline();
      case StepKind::kTakeRequest:
        return takeRequestIn();
      case StepKind::kUninstall:
        return uninstall(get(action.parameters, "then") == guardStateName(GuardState::kReinstallRequested)
                             ? GuardState::kReinstallRequested
                             : GuardState::kAwaitingUpgrade);
      case StepKind::kDownload:
        return download(get(action.parameters, "url"));
      case StepKind::kInstall:
        return install();
      case StepKind::kRecordInstalled:
        return recordInstalled();
    }
    return fail(ErrorCode::kInvalidArgument, "unknown step");
  }

  SysTime now() const { return ctx_.platform.time->now(); }

  Result<Machine> look() const {
    auto connector = findConnector(ctx_);
    if (!connector) return connector.error();
    auto os = ctx_.platform.os->identity();
    if (!os) return fail(os.error().code, "cannot read the OS identity: " + os.error().message);
    return Machine{*connector, *os};
  }

  Result<ConnectorJournal> journal() const {
    auto journal = loadJournal(*ctx_.platform.files, ctx_.stateDir);
    if (!journal) return journal.error();
    if (!*journal) return fail(ErrorCode::kNotFound, "no journal at " + journalPath(ctx_.stateDir).string());
    return **journal;
  }

  Result<void> write(const ConnectorJournal& journal) {
    return saveJournal(*ctx_.platform.files, ctx_.stateDir, journal);
  }

  /// Records why a step failed in the journal (best effort: the step's own error is the one to report).
  platform::Error failStep(ConnectorJournal journal, ErrorCode code, const std::string& message) {
    journal.lastError = message;
    (void)write(journal);
    return fail(code, message);
  }

  /// Removes the installer and any download a crash left behind; absent files are fine.
  void removeInstallers() {
    const auto dir = guardDir(ctx_.stateDir);
    for (const auto kind : {InstallerKind::kExe, InstallerKind::kMsi}) {
      (void)ctx_.platform.files->removeFile(dir / (std::string(kInstallerBase) + installerExtension(kind)));
    }
    (void)ctx_.platform.files->removeFile(dir / kDownloadName);
  }

  /// The journal of a Connector verified installed for `os`.
  ConnectorJournal steady(ConnectorJournal journal, const OsIdentity& os, std::string reason) const {
    journal.state = GuardState::kSteady;
    journal.since = now();
    journal.reason = std::move(reason);
    journal.os = os;
    journal.attempts = 0;
    journal.lastAttempt.reset();
    journal.lastError.clear();
    journal.stagedSignal = upgradeStaged(ctx_);
    return journal;
  }

  Result<std::string> recordBaseline() {
    auto machine = look();
    if (!machine) return machine.error();
    if (!machine->connector) return std::string("No Connector is installed: nothing to record.");
    auto existing = loadJournal(*ctx_.platform.files, ctx_.stateDir);
    if (!existing) return existing.error();
    if (*existing && (*existing)->state != GuardState::kSteady) {
      return fail(ErrorCode::kBusy, "the journal changed to " +
                                        std::string(guardStateName((*existing)->state)) +
                                        " since detection; not overwriting it");
    }
    const auto reason = *existing ? (*existing)->reason : "first sight of " + machine->connector->displayName;
    auto next = steady(existing->value_or(ConnectorJournal{}), machine->os, reason);
    if (*existing) next.since = (*existing)->since;
    if (auto ok = write(next); !ok) return ok.error();
    return "Recorded " + describeProduct(machine->connector) + " as installed for " + machine->os.describe() +
           ".";
  }

  Result<std::string> takeRequestIn() {
    auto request = loadRequest(*ctx_.platform.files, ctx_.stateDir);
    if (!request) return request.error();
    if (!*request) return std::string("No request was waiting.");
    auto existing = loadJournal(*ctx_.platform.files, ctx_.stateDir);
    if (!existing) return existing.error();
    std::string message;
    if (*existing && (*existing)->lastRequestId == (*request)->id) {
      message = "The request was taken in already.";
    } else {
      auto machine = look();
      if (!machine) return machine.error();
      auto next = takeRequest(*existing, **request, machine->connector.has_value(), machine->os);
      if (next) {
        if (auto ok = write(*next); !ok) return ok.error();
        message = "Took in the " + std::string(requestKindName((*request)->kind)) +
                  " request: the guard is " + guardStateName(next->state) + ".";
      } else {
        message = "Took in the " + std::string(requestKindName((*request)->kind)) +
                  " request: no Connector is installed or recorded, so nothing changes.";
      }
    }
    auto removed = ctx_.platform.files->removeFile(requestPath(ctx_.stateDir));
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      return fail(removed.error().code,
                  "cannot remove " + requestPath(ctx_.stateDir).string() + ": " + removed.error().message);
    }
    return message;
  }

  Result<std::string> uninstall(GuardState after) {
    auto current = journal();
    if (!current) return current.error();
    auto machine = look();
    if (!machine) return machine.error();
    auto next = *current;
    if (current->state != GuardState::kUninstalling || current->afterUninstall != after) {
      next.state = GuardState::kUninstalling;
      next.since = now();
      next.afterUninstall = after;
      if (after == GuardState::kAwaitingUpgrade) {
        next.os = machine->os;
        if (auto staged = upgradeStaged(ctx_); !staged.empty()) next.stagedSignal = staged;
      }
      if (auto ok = write(next); !ok) return ok.error();
    }
    std::string removed = "The Connector was gone already";
    if (machine->connector) {
      const auto name = describeProduct(machine->connector);
      const auto command = uninstallCommand(*machine->connector, settings_, ctx_.stateDir);
      if (command.empty()) {
        return failStep(next, ErrorCode::kNotFound,
                        name + " registers no uninstall command: set [connector] uninstall_command");
      }
      // Split as Programs and Features does: an unquoted path with blanks is the longest existing .exe prefix.
      auto request = platform::parseUninstallString(command, [&](const std::string& program) {
        auto info = ctx_.platform.files->status(program);
        return info && info->type == platform::FileType::kFile;
      });
      if (!request) {
        return failStep(next, ErrorCode::kInvalidArgument,
                        "the uninstall command of " + name + " cannot be split: " + request.error().message);
      }
      request->timeout = settings_.installTimeout;
      auto ran = ctx_.platform.processes->run(*request);
      if (!ran) {
        return failStep(next, ran.error().code,
                        "cannot start the uninstall command of " + name + ": " + ran.error().message);
      }
      if (ran->timedOut) {
        return failStep(next, ErrorCode::kTimeout,
                        "the uninstall command of " + name + " did not finish within " +
                            minutes(settings_.installTimeout));
      }
      auto still = findConnector(ctx_);
      if (!still) return failStep(next, still.error().code, still.error().message);
      if (*still) {
        return failStep(next, ErrorCode::kFailed,
                        name + " is still installed after its uninstall command (exit code " +
                            std::to_string(ran->exitCode) + ")");
      }
      outcome_.details["uninstall_exit_code"] = std::to_string(ran->exitCode);
      removed = "Removed " + name + " (exit code " + std::to_string(ran->exitCode) + ")";
    }
    next.state = after;
    next.since = now();
    next.lastError.clear();
    if (after == GuardState::kReinstallRequested) next.os = machine->os;
    if (auto ok = write(next); !ok) return ok.error();
    return removed + (after == GuardState::kAwaitingUpgrade ? "; the guard awaits the OS upgrade."
                                                            : "; the Connector is reinstalled next.");
  }

  Result<std::string> download(const std::string& url) {
    auto current = journal();
    if (!current) return current.error();
    auto machine = look();
    if (!machine) return machine.error();
    if (url.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "no installer URL: set [connector] installer_url or [service] server");
    }
    auto next = *current;
    next.state = GuardState::kDownloading;
    if (current->state != GuardState::kDownloading) next.since = now();
    // With no Connector left the install is for this OS; a stale one keeps its OS until it is removed.
    if (!machine->connector) next.os = machine->os;
    if (auto ok = write(next); !ok) return ok.error();
    removeInstallers();

    auto failDownload = [&](ErrorCode code, const std::string& message) {
      next.state = GuardState::kReinstallRequested;
      return failStep(next, code, message);
    };
    const auto destination = guardDir(ctx_.stateDir) / kDownloadName;
    const auto left = std::chrono::duration_cast<Millis>(ctx_.deadline - now());
    DownloadRequest request{url, destination,
                            std::clamp(left, Millis(std::chrono::seconds(1)),
                                       std::max(settings_.installTimeout, Millis(std::chrono::seconds(1))))};
    request.allowedRedirectHosts = settings_.allowedRedirectHosts;
    auto info = fetch(request);
    if (!info) return failDownload(info.error().code, info.error().message);
    // Bounded as the download is: a planted or swapped multi-GB file is refused, not read into memory.
    auto body = ctx_.platform.files->readFile(destination, request.maxBytes);
    if (!body) {
      return failDownload(body.error().code,
                          "cannot read " + destination.string() + ": " + body.error().message);
    }
    auto kind = checkInstaller(*body, info->contentType, settings_.installerSha256, info->finalUrl);
    (void)ctx_.platform.files->removeFile(destination);
    if (!kind) return failDownload(kind.error().code, kind.error().message);
    const auto path = guardDir(ctx_.stateDir) / (std::string(kInstallerBase) + installerExtension(*kind));
    if (auto ok = writeFileInFolder(*ctx_.platform.files, path, *body); !ok) {
      return failDownload(ok.error().code, ok.error().message);
    }
    const auto sha = sha256Hex(*body);
    outcome_.details["installer_bytes"] = std::to_string(body->size());
    outcome_.details["installer_sha256"] = sha;
    return "Downloaded " + std::to_string(body->size()) + " bytes from " + info->finalUrl + " (SHA-256 " +
           sha + (settings_.installerSha256.empty() ? ", not pinned by policy" : ", as the policy requires") +
           ").";
  }

  /// An http:// or https:// URL goes to the downloader; anything else is a local or UNC path, copied.
  Result<DownloadInfo> fetch(const DownloadRequest& request) {
    const auto scheme = request.url.substr(0, request.url.find("://"));
    if (scheme != request.url &&
        (platform::equalsIgnoreCase(scheme, "http") || platform::equalsIgnoreCase(scheme, "https"))) {
      return downloader_.download(request);
    }
    const std::filesystem::path source = platform::expandEnvironment(request.url);
    auto body = ctx_.platform.files->readFile(source, request.maxBytes);
    if (!body) {
      return fail(body.error().code,
                  "cannot read the installer " + source.string() + ": " + body.error().message);
    }
    if (auto ok = writeFileInFolder(*ctx_.platform.files, request.destination, *body); !ok) return ok.error();
    return DownloadInfo{body->size(), "", source.string()};
  }

  Result<platform::ProcessRequest> installCommand(const ReadyInstaller& installer) const {
    const auto& args = settings_.installerArgs;
    const std::string file = "\"" + installer.path.string() + "\"";
    const std::string line = installer.kind == InstallerKind::kMsi
                                 ? "msiexec.exe /i " + file + " " + args + " /qn /norestart /l*v \"" +
                                       msiLog(ctx_.stateDir, "install").string() + "\""
                                 : file + " " + args;
    auto request = platform::parseCommandLine(line);
    // The message of a failed split would quote the arguments; the policy key is enough to find them.
    if (!request) return fail(ErrorCode::kInvalidArgument, "[connector] installer_args cannot be split");
    request->timeout = settings_.installTimeout;
    return request;
  }

  Result<std::string> install() {
    auto current = journal();
    if (!current) return current.error();
    auto machine = look();
    if (!machine) return machine.error();
    if (machine->connector) {
      if (current->state == GuardState::kInstalling || sameRelease(machine->os, current->os)) {
        return recordInstalled();
      }
      return fail(ErrorCode::kFailed, describeProduct(machine->connector) + " installed for " +
                                          current->os.describe() + " is still there; not installing over it");
    }
    if (const auto pending = pendingReboot(ctx_); !pending.empty()) {
      return fail(ErrorCode::kBusy, "the install waits: a reboot or an install is pending (" + pending + ")");
    }
    auto ready = readyInstaller(ctx_);
    if (!ready) {
      removeInstallers();
      auto next = *current;
      next.state = GuardState::kReinstallRequested;
      return failStep(next, ready.error().code, ready.error().message);
    }
    if (!*ready) {
      return fail(ErrorCode::kNotFound, "no checked installer in " + guardDir(ctx_.stateDir).string());
    }
    auto request = installCommand(**ready);
    if (!request) return request.error();

    auto next = *current;
    next.state = GuardState::kInstalling;
    next.since = now();
    next.os = machine->os;
    const auto policyNow = installPolicyFingerprint(installerUrl(ctx_.policy), settings_);
    next.attempts = countedAttempts(*current, policyNow) + 1;
    next.attemptsPolicy = policyNow;
    next.lastAttempt = now();
    next.lastError.clear();
    if (auto ok = write(next); !ok) return ok.error();

    auto ran = ctx_.platform.processes->run(*request);
    auto after = findConnector(ctx_);
    if (ran) outcome_.details["install_exit_code"] = std::to_string(ran->exitCode);
    if (ran && !ran->timedOut && after && *after) {
      removeInstallers();
      if (auto ok = write(steady(next, machine->os, "installed for " + machine->os.describe())); !ok) {
        return ok.error();
      }
      outcome_.events.push_back(kConnectorInstalledEvent);
      return "Installed " + describeProduct(*after) + " for " + machine->os.describe() + " (exit code " +
             std::to_string(ran->exitCode) + ").";
    }
    std::string why;
    if (!ran) {
      why = "the installer could not be started: " + ran.error().message;
    } else if (ran->timedOut) {
      why = "the installer did not finish within " + minutes(settings_.installTimeout);
    } else if (!after) {
      why = after.error().message;
    } else {
      why = "the installer exited with code " + std::to_string(ran->exitCode) +
            " but no Connector is registered";
    }
    // A fresh download for the next attempt: the server may have a fixed installer by then.
    removeInstallers();
    next.state = GuardState::kReinstallRequested;
    std::string message = "install attempt " + std::to_string(next.attempts) + " of " +
                          std::to_string(settings_.maxAttempts) + " failed: " + why;
    if (next.attempts < settings_.maxAttempts) {
      message += "; the next attempt waits until " +
                 platform::formatUtc(*next.lastAttempt +
                                   retryGap(settings_, next.attempts, ctx_.policy.service.backoffMax));
    } else {
      message += "; the guard gives up until `remediator upgrade cancel` or a policy change";
    }
    return failStep(next, ErrorCode::kFailed, message);
  }

  Result<std::string> recordInstalled() {
    auto current = journal();
    if (!current) return current.error();
    auto machine = look();
    if (!machine) return machine.error();
    if (!machine->connector)
      return fail(ErrorCode::kNotFound, "the Connector is not installed: nothing to record");
    removeInstallers();
    if (auto ok = write(steady(*current, machine->os, "found installed")); !ok) return ok.error();
    if (current->state != GuardState::kSteady) outcome_.events.push_back(kConnectorInstalledEvent);
    return "Recorded " + describeProduct(machine->connector) + " as installed for " + machine->os.describe() +
           ".";
  }

  FixerContext& ctx_;
  const policies::ConnectorSettings& settings_;
  Downloader& downloader_;
  ApplyOutcome& outcome_;
};

class ConnectorFixer final : public Fixer {
 public:
  explicit ConnectorFixer(std::unique_ptr<Downloader> downloader) : downloader_(std::move(downloader)) {}

  std::string id() const override { return "connector"; }

  // A program installed or removed (the Connector itself, by hand or by Windows Setup) is looked at at once.
  std::vector<platform::WatchTarget> watches(const policies::Policy&) const override {
    constexpr const char* kUninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
    return {platform::WatchTarget::registryKey(kUninstall, platform::RegistryView::k64, true),
            platform::WatchTarget::registryKey(kUninstall, platform::RegistryView::k32, true)};
  }

  Finding detect(FixerContext& ctx) override {
    if (const auto missing = missingParts(ctx.platform); !missing.empty()) {
      return Finding::notApplicable("The connector upgrade guard needs " + missing +
                                    ", which are not available on this platform.");
    }
    auto observation = observe(ctx);
    if (!observation) return Finding::error(observation.error().message);
    const auto decision = decide(*observation, ctx.policy.connector, ctx.policy.service.backoffMax);
    auto observed = observedState(*observation, decision, ctx.policy.connector.watchStagedUpgrade);
    if (!decision.drift) return Finding::compliant(std::move(observed), decision.message);
    const bool awaiting = std::find(decision.steps.begin(), decision.steps.end(), StepKind::kUninstall) !=
                              decision.steps.end() &&
                          decision.afterUninstall == GuardState::kAwaitingUpgrade;
    State desired{{"guard_state", awaiting ? "awaiting_upgrade" : "steady"},
                  {"connector", awaiting ? "removed until the OS upgrade" : "installed"}};
    return Finding::drift(std::move(observed), std::move(desired), decision.message);
  }

  Plan plan(const Finding& finding, const FixerContext& ctx) const override {
    Plan plan;
    const auto& o = finding.observed;
    const auto& s = ctx.policy.connector;
    const auto connector = get(o, "connector");
    // Steps an administrator or Windows Setup asked for run at once, whatever the maintenance window says.
    const bool requested = !get(o, "request").empty() || get(o, "guard_state") == "prepare_requested";
    for (const auto& name : split(get(o, "next_steps"), ',')) {
      const auto kind = parseStepKind(name);
      if (!kind) continue;
      Action a{name, "", {}, false};
      switch (*kind) {
        case StepKind::kRecordBaseline:
          a.description = "Record " + connector + " as installed for " + get(o, "os") + ".";
          a.parameters = {{"os", get(o, "os")}};
          break;
        case StepKind::kTakeRequest:
          a.description = "Take in the " + get(o, "request") + " request.";
          a.parameters = {{"request", get(o, "request")}};
          break;
        case StepKind::kUninstall:
          a.description = "Remove " + connector + " and verify it is gone.";
          a.parameters = {{"connector", connector},
                          {"command", get(o, "uninstall_command")},
                          {"then", get(o, "after_uninstall")}};
          a.disruptive = true;
          a.requested = requested;
          break;
        case StepKind::kDownload:
          a.description =
              "Download the Connector installer from " + get(o, "installer_url") + " and check it.";
          a.parameters = {{"url", get(o, "installer_url")},
                          {"sha256", s.installerSha256.empty() ? "not checked" : s.installerSha256}};
          break;
        case StepKind::kInstall:
          a.description = "Run the Connector installer and verify the Connector is installed.";
          a.parameters = {{"timeout", minutes(s.installTimeout)},
                          {"arguments", s.installerArgs.empty() ? "none" : "[connector] installer_args"}};
          a.disruptive = true;
          a.requested = requested;
          break;
        case StepKind::kRecordInstalled:
          a.description = "Record " + connector + " as installed for " + get(o, "os") + ".";
          a.parameters = {{"os", get(o, "os")}};
          break;
      }
      plan.push_back(std::move(a));
    }
    return plan;
  }

  ApplyOutcome apply(const Plan& plan, FixerContext& ctx) override {
    ApplyOutcome outcome;
    if (const auto missing = missingParts(ctx.platform); !missing.empty()) {
      outcome.ok = false;
      outcome.message = "The connector upgrade guard needs " + missing + ".";
      return outcome;
    }
    StepRunner runner(ctx, *downloader_, outcome);
    std::vector<std::string> done;
    for (const auto& action : plan) {
      const auto kind = parseStepKind(action.kind);
      if (!kind) {
        outcome.ok = false;
        outcome.message = "Unknown action '" + action.kind + "'.";
        return outcome;
      }
      if (ctx.pastDeadline()) {
        outcome.ok = false;
        outcome.message = "The run passed its deadline before " + action.kind + ".";
        return outcome;
      }
      auto result = runner.run(*kind, action);
      if (!result) {
        outcome.ok = false;
        outcome.message = join(done, " ") + (done.empty() ? "" : " ") + "Step " + action.kind +
                          " failed: " + result.error().message + ".";
        outcome.details["failed_step"] = action.kind;
        return outcome;
      }
      done.push_back(*result);
    }
    outcome.message = join(done, " ");
    return outcome;
  }

 private:
  std::unique_ptr<Downloader> downloader_;
};

}  // namespace
}  // namespace connector

std::unique_ptr<Fixer> makeConnectorFixer(std::unique_ptr<connector::Downloader> downloader) {
  return std::make_unique<connector::ConnectorFixer>(std::move(downloader));
}

}  // namespace remediator::fixers
