#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/durable_file.h"
#include "platform/platform.h"
#include "policies/policy_source.h"
#include "service/audit_log.h"
#include "service/engine.h"

namespace remediator::service {

/// Where things live when nobody says: %ProgramData%\Remediator on Windows, /var/lib/remediator elsewhere.
std::filesystem::path defaultDataDir();
/// The policy file used when none is given: policy.ini, else policy.xml, in the data folder.
std::filesystem::path defaultPolicyPath(const std::filesystem::path& dataDir);

struct RuntimeOptions {
  std::string policy;    ///< path or URL; empty: defaultPolicyPath
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
  JsonlAuditLog& audit() { return *audit_; }
  const std::filesystem::path& stateDir() const { return stateDir_; }
  const policies::LoadedPolicy& policy() const { return *engine_->policy(); }

  /// Fetches the policy again. A new valid policy replaces the old one; an unreachable or invalid source keeps
  /// the current policy. Either way the outcome is audited when it is news.
  void refreshPolicy();
  /// Records a service-level event in the audit log (fixer "service").
  void auditService(const std::string& event, const std::string& outcome, const std::string& message);

 private:
  Runtime() = default;

  std::filesystem::path stateDir_;
  std::unique_ptr<platform::InstanceLock> lock_;
  std::unique_ptr<policies::PolicySource> source_;
  std::unique_ptr<JsonlAuditLog> audit_;
  fixers::FixerRegistry fixers_;
  std::unique_ptr<Engine> engine_;
  platform::Platform* platform_ = nullptr;
  std::string lastProblem_;
};

}  // namespace remediator::service
