#include "platform/time_format.h"
#include "fixers/connector/connector_decision.h"

#include <algorithm>
#include <array>

#include "fixers/connector/installer_check.h"
#include "fixers/connector/name_table.h"

namespace remediator::fixers::connector {

namespace {

constexpr NameTable<StepKind, 6> kStepNames{{
    {StepKind::kRecordBaseline, "record_baseline"},
    {StepKind::kTakeRequest, "take_request"},
    {StepKind::kUninstall, "uninstall_connector"},
    {StepKind::kDownload, "download_installer"},
    {StepKind::kInstall, "install_connector"},
    {StepKind::kRecordInstalled, "record_installed"},
}};

Decision compliant(std::string message) { return Decision{false, std::move(message), {}}; }
Decision waiting(std::string message) { return Decision{true, std::move(message), {}}; }
Decision act(std::string message, std::vector<StepKind> steps,
             GuardState afterUninstall = GuardState::kAwaitingUpgrade) {
  return Decision{true, std::move(message), std::move(steps), afterUninstall};
}

bool removing(const ConnectorJournal& j) {
  return j.state == GuardState::kPrepareRequested ||
         (j.state == GuardState::kUninstalling && j.afterUninstall == GuardState::kAwaitingUpgrade);
}

std::string connectorName(const Observation& o) {
  return o.connector ? o.connector->displayName : std::string("the Connector");
}

/// A reinstall: within the guards, fetch the installer unless one is ready, remove a stale Connector (after
/// the download, so the client is not left without one when the server cannot be reached), install.
Decision reinstall(const Observation& o, const ConnectorJournal& j,
                   const policies::ConnectorSettings& settings, policies::Duration backoffMax,
                   const std::string& why, bool staleInstalled) {
  if (o.installerUrl.empty() && !o.installerReady) {
    return waiting(why +
                   ", but no installer URL is known: set [connector] installer_url or [service] server.");
  }
  if (staleInstalled && o.uninstallCommand.empty()) {
    return waiting(why + ", but " + connectorName(o) +
                   " registers no uninstall command: set [connector] uninstall_command.");
  }
  const int attempts = countedAttempts(j, o.installPolicy);
  if (attempts >= settings.maxAttempts) {
    return waiting(
        why + ", but the guard gave up after " + std::to_string(attempts) +
        " failed install attempts (last: " + (j.lastError.empty() ? "unknown" : j.lastError) +
        "). `remediator upgrade cancel`, or a policy with other install settings, starts it again.");
  }
  if (!o.pendingReboot.empty()) {
    return waiting(why + "; waiting because a reboot or an install is pending (" + o.pendingReboot +
                   "), and the Connector's installer fails then.");
  }
  if (attempts > 0 && j.lastAttempt) {
    const auto next = *j.lastAttempt + retryGap(settings, attempts, backoffMax);
    if (o.now < next) {
      return waiting(why + "; attempt " + std::to_string(attempts + 1) + " of " +
                     std::to_string(settings.maxAttempts) + " waits until " + platform::formatUtc(next) +
                     " (last: " + (j.lastError.empty() ? "unknown" : j.lastError) + ").");
    }
  }
  std::vector<StepKind> steps;
  if (!o.installerReady) steps.push_back(StepKind::kDownload);
  if (staleInstalled) steps.push_back(StepKind::kUninstall);
  steps.push_back(StepKind::kInstall);
  return act(why + ": reinstalling the Connector.", std::move(steps), GuardState::kReinstallRequested);
}

Decision decideWithJournal(const Observation& o, const ConnectorJournal& j,
                           const policies::ConnectorSettings& settings, policies::Duration backoffMax) {
  const bool installed = o.connector.has_value();
  const auto upgraded = "The OS was upgraded from " + j.os.describe() + " to " + o.os.describe();
  switch (j.state) {
    case GuardState::kSteady:
      if (!installed) return reinstall(o, j, settings, backoffMax, "The Connector is missing", false);
      if (!sameRelease(o.os, j.os)) {
        return reinstall(o, j, settings, backoffMax,
                         upgraded + " while " + connectorName(o) + " stayed installed", true);
      }
      if (!o.upgradeStaged.empty() && o.upgradeStaged != j.stagedSignal) {
        return act("An OS upgrade is staged (" + o.upgradeStaged + "): removing " + connectorName(o) +
                       " before it runs.",
                   {StepKind::kUninstall});
      }
      if (o.upgradeStaged.empty() && !j.stagedSignal.empty()) {
        return act(
            "The staged-upgrade signal (" + j.stagedSignal + ") is gone: the guard acts on the next one.",
            {StepKind::kRecordBaseline});
      }
      return compliant(connectorName(o) + " is installed for " + o.os.describe() + ".");

    case GuardState::kPrepareRequested:
    case GuardState::kUninstalling:
      if (removing(j)) {
        if (installed && !sameRelease(o.os, j.os)) {
          return reinstall(o, j, settings, backoffMax,
                           upgraded + " before " + connectorName(o) + " could be removed", true);
        }
        if (installed) {
          return act("An OS upgrade is coming (" + j.reason + "): removing " + connectorName(o) + ".",
                     {StepKind::kUninstall});
        }
        if (!(o.os == j.os)) return reinstall(o, j, settings, backoffMax, upgraded, false);
        return act("The Connector is gone: recording that the guard awaits the OS upgrade.",
                   {StepKind::kUninstall});
      }
      // Replacing a Connector left over from before an upgrade.
      return reinstall(o, j, settings, backoffMax, "Replacing the Connector installed before the OS upgrade",
                       installed);

    case GuardState::kAwaitingUpgrade:
      if (!(o.os == j.os)) {
        if (installed)
          return act(upgraded + " and the Connector is back already.", {StepKind::kRecordInstalled});
        return reinstall(o, j, settings, backoffMax, upgraded, false);
      }
      if (installed) {
        return act(
            connectorName(o) + " was installed again while the guard awaited the upgrade: back to steady.",
            {StepKind::kRecordInstalled});
      }
      if (o.now >= j.since + settings.upgradeWait) {
        return reinstall(o, j, settings, backoffMax,
                         "No OS upgrade came since " + platform::formatUtc(j.since) + " (upgradeWait)", false);
      }
      return compliant("The Connector was removed for an OS upgrade (" + j.reason + ") on " +
                       platform::formatUtc(j.since) + "; it is reinstalled once " + j.os.describe() +
                       " changes, or at " + platform::formatUtc(j.since + settings.upgradeWait) +
                       " at the latest.");

    case GuardState::kReinstallRequested:
    case GuardState::kDownloading:
    case GuardState::kInstalling:
      if (installed && (j.state == GuardState::kInstalling || sameRelease(o.os, j.os))) {
        return act(connectorName(o) + " is installed for " + o.os.describe() + ": back to steady.",
                   {StepKind::kRecordInstalled});
      }
      if (installed) {
        return reinstall(o, j, settings, backoffMax,
                         connectorName(o) + " belongs to " + j.os.describe() + ", not " + o.os.describe(),
                         true);
      }
      return reinstall(o, j, settings, backoffMax,
                       "The Connector is to be reinstalled (" +
                           (j.reason.empty() ? guardStateName(j.state) : j.reason) + ")",
                       false);
  }
  return compliant("");
}

}  // namespace

const char* stepKindName(StepKind kind) { return nameIn(kStepNames, kind, ""); }

std::optional<StepKind> parseStepKind(const std::string& name) { return valueIn(kStepNames, name); }

std::string installPolicyFingerprint(const std::string& installerUrl,
                                     const policies::ConnectorSettings& settings) {
  const auto digest = sha256Hex(installerUrl + '\n' + settings.installerArgs + '\n' +
                                settings.installerSha256 + '\n' + settings.uninstallCommand);
  return digest.substr(0, 16);
}

int countedAttempts(const ConnectorJournal& journal, const std::string& installPolicy) {
  return journal.attemptsPolicy == installPolicy ? journal.attempts : 0;
}

bool sameRelease(const platform::OsIdentity& a, const platform::OsIdentity& b) {
  return a.product == b.product && a.version == b.version && a.build == b.build;
}

policies::Duration retryGap(const policies::ConnectorSettings& settings, int attempts,
                            policies::Duration backoffMax) {
  const auto cap = std::max(settings.minReinstallGap, backoffMax);
  auto gap = settings.minReinstallGap;
  for (int i = 1; i < attempts && gap < cap; ++i) gap *= 2;
  return std::min(gap, cap);
}

std::optional<ConnectorJournal> takeRequest(std::optional<ConnectorJournal> journal,
                                            const UpgradeRequest& request, bool connectorInstalled,
                                            const platform::OsIdentity& os) {
  if (!journal) {
    // Nothing recorded and nothing installed: there is nothing to remove or to bring back.
    if (!connectorInstalled) return std::nullopt;
    journal = ConnectorJournal{GuardState::kSteady, request.requested, "first sight", os};
  }
  auto j = std::move(*journal);
  const auto why =
      std::string(requestKindName(request.kind)) + (request.reason.empty() ? "" : ": " + request.reason);
  const bool awaiting = removing(j) || j.state == GuardState::kAwaitingUpgrade;
  if (request.kind == RequestKind::kPrepare && !awaiting) {
    // Windows Setup calls preinstall and precommit for one upgrade; the second prepare changes nothing.
    j.state = GuardState::kPrepareRequested;
    j.since = request.requested;
    j.reason = why;
    j.os = os;
  } else if (request.kind == RequestKind::kCancel && awaiting) {
    j.state = GuardState::kReinstallRequested;
    j.since = request.requested;
    j.reason = why;
  }
  j.attempts = 0;
  j.lastAttempt.reset();
  j.lastError.clear();
  j.lastRequestId = request.id;
  return j;
}

Decision decide(const Observation& o, const policies::ConnectorSettings& settings,
                policies::Duration backoffMax) {
  auto journal = o.journal;
  std::string taken;
  if (o.request) {
    journal = takeRequest(journal, *o.request, o.connector.has_value(), o.os);
    taken = "Taking in the " + std::string(requestKindName(o.request->kind)) + " request" +
            (o.request->reason.empty() ? "" : " (" + o.request->reason + ")") + ". ";
    if (!journal)
      return act(taken + "No Connector is installed or recorded: nothing to do.", {StepKind::kTakeRequest});
  }
  Decision d;
  if (!journal) {
    d = o.connector ? act("First sight of " + connectorName(o) + " on " + o.os.describe() +
                              ": recording the OS identity it is installed for.",
                          {StepKind::kRecordBaseline})
                    : compliant("No Connector is installed and none was recorded: nothing to guard.");
  } else {
    d = decideWithJournal(o, *journal, settings, backoffMax);
  }
  if (o.request || o.requestFileLeft) {
    if (!o.request) taken = "Removing a request file that was taken in already. ";
    d.drift = true;
    d.message = taken + d.message;
    d.steps.insert(d.steps.begin(), StepKind::kTakeRequest);
  }
  return d;
}

}  // namespace remediator::fixers::connector
