#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/durable_file.h"
#include "platform/platform.h"
#include "policies/policy_source.h"
#include "service/audit_event_mirror.h"
#include "service/audit_log.h"
#include "service/engine.h"
#include "service/report_publisher.h"

namespace remediator::service {

/// Where things live when nobody says: the OS's ProgramData folder (FOLDERID_ProgramData, whatever the
/// environment says) + Remediator on Windows, /var/lib/remediator elsewhere. Never the working directory.
std::filesystem::path defaultDataDir();
/// The policy file used when none is given: policy.ini, else policy.xml, in the data folder.
std::filesystem::path defaultPolicyPath(const std::filesystem::path& dataDir);

/// Where the MSI records what it installed and the properties it was given (under HKEY_LOCAL_MACHINE).
inline constexpr const char* kInstallSettingsKey = "SOFTWARE\\Remediator";

/// What the MSI recorded in kInstallSettingsKey; each field empty when the value is absent or the platform has no
/// registry.
struct InstallSettings {
  std::string installDir;    ///< InstallDir: the program's folder, holding default-policy.ini
  std::string policySource;  ///< PolicySource (POLICY_SOURCE): where the policy comes from
  std::string server;        ///< Server (SERVER): the Essentials server named in a seeded default policy
  std::string policyKeys;    ///< PolicyKeys (POLICY_KEYS): the public keys a policy from the source must be signed by
  std::string allowUnsignedHttp;  ///< AllowUnsignedHttp (ALLOW_UNSIGNED_HTTP): "1" accepts unsigned http sources
};

/// Reads kInstallSettingsKey; `registry` may be null.
InstallSettings readInstallSettings(const platform::Registry* registry);

/// Where there is no registry (Linux), the file in the state folder that stands in for POLICY_KEYS and
/// ALLOW_UNSIGNED_HTTP: public keys separated by commas or lines, '#' comment lines, and the line
/// `allow-unsigned-http` for the opt-in. Like the state folder, only root writes it.
inline constexpr const char* kPolicyKeysFile = "policy-keys";
/// The anti-rollback record in the state folder (policies::AcceptedPolicy).
inline constexpr const char* kAcceptedPolicyFile = "policy.accepted.json";

/// The policy trust set by the administrator: keys and the unsigned-http opt-in from kInstallSettingsKey where
/// there is a registry, else from <stateDir>/kPolicyKeysFile; never from a policy. The anti-rollback record is
/// <stateDir>/kAcceptedPolicyFile. Malformed keys fail with kInvalidData naming the value or file and the item.
platform::Result<policies::PolicyTrust> readPolicyTrust(const platform::Registry* registry,
                                                        const std::filesystem::path& stateDir);

/// Copies the shipped default policy `shipped` to policy.ini in `dataDir` when `dataDir` holds no policy.ini and
/// no policy.xml, with the `[service] server` line set to `server` when that is not empty. Never touches an
/// existing policy. True when it wrote the file, false when a policy was already there or `shipped` is missing;
/// fails when `server` is not a host name or the file cannot be written.
platform::Result<bool> seedDefaultPolicy(const std::filesystem::path& shipped, const std::filesystem::path& dataDir,
                                         const std::string& server);

/// Deletes the state folder with everything in it (audit log, state, caches, archives): the MSI's REMOVE_DATA=1
/// uninstall. Fails with kBusy, deleting nothing, while a service or command holds the folder's lock.
platform::Result<void> removeDataDir(const std::filesystem::path& dataDir);

struct RuntimeOptions {
  std::string policy;    ///< path or URL; empty: the installed settings, else defaultPolicyPath
  std::string stateDir;  ///< empty: defaultDataDir
  bool dryRun = false;
  bool consoleLog = false;
};

/// What `run --once` and the service share: the state folder and its lock, the policy (with its last-good
/// cache), the audit log, the fixers and the engine. One instance per state folder.
class Runtime {
 public:
  /// Takes the state folder's lock, loads the policy, opens the audit log and registers the fixers. Fails with a
  /// message that names the file or key at fault; a second instance on the same state folder gets kBusy.
  static platform::Result<std::unique_ptr<Runtime>> start(const RuntimeOptions& options, platform::Platform& platform);
  ~Runtime();

  Engine& engine() { return *engine_; }
  const fixers::FixerRegistry& fixers() const { return fixers_; }
  JsonlAuditLog& audit() { return *audit_; }
  const std::filesystem::path& stateDir() const { return stateDir_; }
  const policies::LoadedPolicy& policy() const { return *engine_->policy(); }

  /// What the report publisher needs under the current policy; nullopt when `[service] report` is empty.
  std::optional<PublisherOptions> publisherOptions() const;

  /// Fetches the policy again. A new valid policy replaces the old one; an unreachable or invalid source keeps
  /// the current policy. Either way the outcome is audited when it is news. While the central source has not
  /// answered yet (the PC started before the network), it is tried first, and from its first answer on it is
  /// the source.
  void refreshPolicy();
  /// How long until the next refreshPolicy: the policy's refresh interval; while the central source has not
  /// answered, its backoff (backoff_initial, doubling per failed try, at most backoff_max and never more than
  /// the refresh interval).
  platform::Millis nextRefreshDelay() const;
  /// Whether the central source is still waited for (its first fetch failed and none has succeeded since).
  bool centralPending() const { return pendingCentral_ != nullptr; }
  /// Records a service-level event in the audit log (fixer "service").
  void auditService(const std::string& event, const std::string& outcome, const std::string& message);

 private:
  Runtime() = default;
  /// Puts a fetched policy in force when it differs from the current one, and audits it.
  void adopt(const policies::PolicyFetch& fetched);

  std::filesystem::path stateDir_;
  std::filesystem::path auditPath_;
  std::string host_;
  std::unique_ptr<platform::InstanceLock> lock_;
  std::unique_ptr<policies::PolicySource> source_;
  std::unique_ptr<policies::PolicySource> pendingCentral_;  ///< the central source until it first answers
  int centralFailures_ = 0;                                  ///< failed tries of pendingCentral_ in a row
  std::string centralProblem_;                               ///< why pendingCentral_ last failed
  std::unique_ptr<JsonlAuditLog> audit_;
  std::unique_ptr<MirroredAuditSink> sink_;  ///< the audit log, mirrored to the Event Log where there is one
  fixers::FixerRegistry fixers_;
  std::unique_ptr<Engine> engine_;
  platform::Platform* platform_ = nullptr;
  std::string lastProblem_;
  bool lastRefused_ = false;  ///< lastProblem_ is a refusal by the trust rules
};

}  // namespace remediator::service
