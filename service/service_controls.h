#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_system.h"
#include "platform/result.h"
#include "platform/service_control.h"
#include "service/engine.h"
#include "service/runtime.h"

namespace remediator::service {

/// What a service control asks of the engine.
enum class ControlAction {
  kUpgradePrepare,  ///< `remediator upgrade prepare`: the connector guard removes the Connector before an OS upgrade
  kUpgradeCancel,   ///< `remediator upgrade cancel`: the upgrade will not come, bring the Connector back
  kRunAll,          ///< every fixer runs now, whatever its schedule
  kClockCheck,      ///< the system time was changed: the clock fixer checks it now
};

/// One user-defined control code (`sc control Remediator <code>`) and what it does.
struct UserControlCode {
  std::uint32_t code;
  ControlAction action;
  const char* name;  ///< as the audit record and the documentation name it
};

/// The documented table of user-defined codes (platform/windows/README.md): 128 upgrade prepare, 129 upgrade
/// cancel, 130 run every fixer now. Codes 131 to 255 are refused.
const std::vector<UserControlCode>& userControlCodes();

/// The action a control request stands for: time change -> kClockCheck, a user-defined code from the table ->
/// its action. nullopt for stops (the host handles those) and codes not in the table.
std::optional<ControlAction> controlActionFor(const platform::ServiceControlRequest& request);

/// A short name of the action ("upgrade prepare"), for records and logs.
const char* controlActionName(ControlAction action);

/// Carries out `action` the way the command line does: the upgrade requests go to the connector guard's request
/// file in `stateDir` and make the guard due at once; kRunAll and kClockCheck make the fixers due at once.
/// Returns the sentence for the audit record. Must run on the engine's thread.
platform::Result<std::string> performControl(ControlAction action, Engine& engine, platform::FileSystem& files,
                                             const std::filesystem::path& stateDir, platform::SysTime now);

/// performControl on the runtime's engine and state folder, recorded in the audit log as the service event
/// "control_received" (failed when the request could not be written). `code` is the raw control code.
void handleControl(ControlAction action, std::uint32_t code, Runtime& runtime, platform::Platform& platform);

}  // namespace remediator::service
