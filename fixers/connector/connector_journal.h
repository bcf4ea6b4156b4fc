#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_system.h"
#include "platform/os_info.h"
#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::fixers::connector {

using platform::Result;
using platform::SysTime;

/// Where the connector upgrade guard stands. The journal is written before each step, so after a crash the
/// state names the step that may have been cut short; the fixer then checks the machine before going on.
enum class GuardState {
  kSteady,              ///< the Connector is installed for the recorded OS identity
  kPrepareRequested,    ///< an OS upgrade is coming: the Connector is to be removed
  kUninstalling,        ///< the Connector's uninstall command is (or was, before a crash) running
  kAwaitingUpgrade,     ///< the Connector was removed on purpose; waiting for the OS upgrade
  kReinstallRequested,  ///< the Connector is to be installed again (upgrade done, cancelled, timed out,
                        ///< missing)
  kDownloading,         ///< the installer is being fetched from the server
  kInstalling,          ///< the installer is (or was, before a crash) running
};

/// Stable name used in the journal and in audit records: "steady", "awaiting_upgrade", ...
const char* guardStateName(GuardState state);
/// The state named `name`, or nullopt.
std::optional<GuardState> parseGuardState(const std::string& name);

/// The guard's durable memory, kept in <stateDir>/connector/journal.json.
struct ConnectorJournal {
  GuardState state = GuardState::kSteady;
  SysTime since{};     ///< when this state was entered
  std::string reason;  ///< why, for people: "preinstall hook", "OS upgraded from ... to ..."
  /// The OS the Connector is installed for (steady), was removed for (prepare .. awaiting) or is being
  /// installed for (reinstall steps).
  platform::OsIdentity os;
  /// While uninstalling: where the guard goes once the Connector is gone, kAwaitingUpgrade or
  /// kReinstallRequested.
  GuardState afterUninstall = GuardState::kAwaitingUpgrade;
  int attempts = 0;  ///< install attempts since the last success or administrator request
  /// Fingerprint of the install settings the attempts were made with: a policy that changes them (a fixed
  /// URL, other arguments) starts the count again.
  std::string attemptsPolicy;
  std::optional<SysTime> lastAttempt;  ///< start of the latest install attempt
  std::string lastError;               ///< why the latest step failed, empty after a success
  std::string lastRequestId;           ///< the latest administrator request taken in (prepare or cancel)
  /// The staged-upgrade signal already dealt with: acted on, or present when the Connector was (re)installed
  /// (Windows keeps the staging folder for a while after an upgrade). Only a signal that differs makes the
  /// guard remove the Connector; a signal that went away is forgotten.
  std::string stagedSignal;
  bool operator==(const ConnectorJournal&) const = default;
};

/// Reads a whole file; nullopt when it does not exist, an error naming the file for any other failure.
Result<std::optional<std::string>> readFileIfPresent(const platform::FileSystem& files,
                                                     const std::filesystem::path& path);
/// Writes a whole file atomically, creating its folder first; an error names the file or folder.
Result<void> writeFileInFolder(platform::FileSystem& files, const std::filesystem::path& path,
                               const std::string& data);

/// The guard's folder below the state folder: <stateDir>/connector.
std::filesystem::path guardDir(const std::filesystem::path& stateDir);
/// <stateDir>/connector/journal.json.
std::filesystem::path journalPath(const std::filesystem::path& stateDir);
/// <stateDir>/connector/request.json, written by the command line and taken in by the fixer.
std::filesystem::path requestPath(const std::filesystem::path& stateDir);

/// The journal as JSON text.
std::string journalToJson(const ConnectorJournal& journal);
/// Parses journal JSON; kInvalidData naming `origin` and the offending key when malformed.
Result<ConnectorJournal> journalFromJson(const std::string& text, const std::string& origin);

/// Reads the journal; nullopt when there is none yet. A malformed journal is an error (kInvalidData) and is
/// left as it is for an administrator to look at.
Result<std::optional<ConnectorJournal>> loadJournal(const platform::FileSystem& files,
                                                    const std::filesystem::path& stateDir);
/// Writes the journal atomically (a crash leaves the old or the new one), creating the folder when needed.
Result<void> saveJournal(platform::FileSystem& files, const std::filesystem::path& stateDir,
                         const ConnectorJournal& journal);

/// What an administrator or a Windows Setup hook asked for.
enum class RequestKind {
  kPrepare,  ///< an OS upgrade is coming: remove the Connector now
  kCancel,   ///< the upgrade will not come (or was rolled back): bring the Connector back
};

const char* requestKindName(RequestKind kind);

/// A request waiting in <stateDir>/connector/request.json. Requests live in their own file so the command
/// line never rewrites the journal while the service may be writing it; the fixer takes the request in on its
/// next run (recording its id in the journal) and then deletes the file. A newer request replaces an older
/// one that was not taken in yet.
struct UpgradeRequest {
  std::string id;  ///< unique per request
  RequestKind kind = RequestKind::kPrepare;
  SysTime requested{};
  std::string reason;
  bool operator==(const UpgradeRequest&) const = default;
};

/// Reads the waiting request; nullopt when there is none. kInvalidData naming the file when malformed.
Result<std::optional<UpgradeRequest>> loadRequest(const platform::FileSystem& files,
                                                  const std::filesystem::path& stateDir);

/// `remediator upgrade prepare`: asks the guard to remove the Connector before an OS upgrade. Only writes the
/// request; the fixer acts on its next run. Returns the request written.
Result<UpgradeRequest> requestPrepare(platform::FileSystem& files, const std::filesystem::path& stateDir,
                                      SysTime now, const std::string& reason);
/// `remediator upgrade cancel`: the upgrade will not come, reinstall the Connector now. Also resets the
/// attempt counter, so it is the way to retry after the guard gave up. Only writes the request.
Result<UpgradeRequest> requestCancel(platform::FileSystem& files, const std::filesystem::path& stateDir,
                                     SysTime now, const std::string& reason);

/// The folder name below %WINDIR%\System32\update\run that holds this product's hook scripts. Fixed, so that
/// installing the hooks again replaces them instead of adding a second set.
inline constexpr const char* kHookGuid = "5d1f3c7a-8e2b-4a96-b0c4-7f29e6d18a35";

/// How long precommit.cmd waits for the guard to have removed the Connector (`upgrade prepare --wait`).
inline constexpr const char* kPrecommitWait = "10m";

/// The folder of the guard's Windows Setup hooks: <windowsDir>\System32\update\run\<fixed GUID>.
std::filesystem::path hookDir(const std::filesystem::path& windowsDir);

/// `remediator upgrade install-hooks`: writes preinstall.cmd and precommit.cmd (calling `"<exe>" upgrade
/// prepare`, precommit.cmd with `--wait` kPrecommitWait) and failure.cmd (calling `"<exe>" upgrade cancel`), each naming itself with --reason, into
/// hookDir(windowsDir). Every script exits 0, whatever the call returns, so it can never fail a Windows
/// update. Returns the files written.
Result<std::vector<std::filesystem::path>> installHooks(platform::FileSystem& files,
                                                        const std::filesystem::path& windowsDir,
                                                        const std::filesystem::path& exePath);
/// Removes the hook scripts and their folder (for the product's uninstall); absent files are fine.
Result<void> removeHooks(platform::FileSystem& files, const std::filesystem::path& windowsDir);

/// The text of one hook script: a batch file that runs `"<exe>" upgrade <verb> --reason "Windows Setup
/// <hook>"` and exits 0. CRLF line ends.
std::string hookScript(const std::filesystem::path& exePath, const std::string& verb,
                       const std::string& hookName);


}  // namespace remediator::fixers::connector
