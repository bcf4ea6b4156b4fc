#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fixers/connector/connector_journal.h"
#include "platform/installed_products.h"
#include "platform/os_info.h"
#include "policies/policy.h"

namespace remediator::fixers::connector {

/// One step of the guard's state machine; each becomes one Action of the plan.
enum class StepKind {
  kRecordBaseline,   ///< record steady for the installed Connector: OS identity and staged signal as they are
                     ///< now
  kTakeRequest,      ///< take an administrator's prepare or cancel request into the journal
  kUninstall,        ///< remove the Connector and verify it is gone (disruptive)
  kDownload,         ///< fetch and check the installer
  kInstall,          ///< run the installer and verify the Connector is there (disruptive)
  kRecordInstalled,  ///< the Connector is present for this OS: back to steady
};

/// Stable action kind of a step: "record_baseline", "take_request", "uninstall_connector", ...
const char* stepKindName(StepKind kind);
std::optional<StepKind> parseStepKind(const std::string& name);

/// Everything the guard looks at, gathered by detect (read-only).
struct Observation {
  std::optional<ConnectorJournal> journal;
  std::optional<UpgradeRequest> request;  ///< a request not taken in yet
  bool requestFileLeft =
      false;  ///< a request already taken in is still on disk (a crash came before its removal)
  std::optional<platform::InstalledProduct> connector;  ///< the installed Connector, if any
  platform::OsIdentity os;
  std::string pendingReboot;     ///< the signal of a pending reboot or install, empty when none
  std::string upgradeStaged;     ///< the signal of a staged OS upgrade, empty when none or not watched
  bool installerReady = false;   ///< a checked installer is already in the state folder
  std::string installerUrl;      ///< empty when neither the policy nor the server name gives one
  std::string uninstallCommand;  ///< how the installed Connector would be removed, empty when unknown
  std::string installPolicy;     ///< fingerprint of the install settings now (see installPolicyFingerprint)
  SysTime now{};
};

/// What the guard should do now.
struct Decision {
  bool drift = false;           ///< false: the machine is where the guard wants it for now
  std::string message;          ///< one sentence for the audit log
  std::vector<StepKind> steps;  ///< empty with drift: waiting (reboot pending, retry gap) or given up
  GuardState afterUninstall = GuardState::kAwaitingUpgrade;  ///< for a kUninstall step
};

/// True when `a` and `b` are the same OS release (product, version, build). The revision (UBR) moves with
/// every monthly update, so on its own it does not make an upgrade, except while the guard awaits one.
bool sameRelease(const platform::OsIdentity& a, const platform::OsIdentity& b);

/// A short fingerprint of what an install attempt depends on in the policy (installer URL, arguments,
/// SHA-256, uninstall command). Attempts made under another fingerprint do not count against max_attempts.
std::string installPolicyFingerprint(const std::string& installerUrl,
                                     const policies::ConnectorSettings& settings);

/// Failed install attempts that count now: those made under the current install settings.
int countedAttempts(const ConnectorJournal& journal, const std::string& installPolicy);

/// The wait before install attempt `attempts + 1`: minReinstallGap, doubled for each failed attempt after the
/// first, at most max(minReinstallGap, backoffMax).
policies::Duration retryGap(const policies::ConnectorSettings& settings, int attempts,
                            policies::Duration backoffMax);

/// The journal after taking in `request` (pure; apply does the same to the journal on disk). nullopt: there
/// is no journal and the request changes nothing (a prepare where no Connector is installed).
std::optional<ConnectorJournal> takeRequest(std::optional<ConnectorJournal> journal,
                                            const UpgradeRequest& request, bool connectorInstalled,
                                            const platform::OsIdentity& os);

/// The state machine's decision (pure): which steps bring the guard from what `observation` shows towards its
/// next resting state (steady or awaiting_upgrade), within the policy's guards.
Decision decide(const Observation& observation, const policies::ConnectorSettings& settings,
                policies::Duration backoffMax);

}  // namespace remediator::fixers::connector
