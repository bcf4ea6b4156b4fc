#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// How the service manager restarts the service after a failure: after `restartDelaySeconds` on each of the
/// first three failures, the count going back to zero after `resetSeconds` without one; a stop with a non-zero
/// exit code counts as a failure too. At shutdown the service manager waits up to `preshutdownSeconds` for the
/// service to finish its current step (Windows' own default since build 15063 is 10 s, short for a step that
/// runs an installer).
struct ServiceRecovery {
  unsigned restartDelaySeconds = 60;
  unsigned resetSeconds = 24 * 60 * 60;
  unsigned restarts = 3;
  unsigned preshutdownSeconds = 60;
};

/// The product's recovery settings (see platform/windows/README.md).
inline constexpr ServiceRecovery kServiceRecovery{};

/// Records `"<exe>" service` as the command line of the service `serviceName`: the program dispatches on its
/// first argument, and the service manager starts the program exactly as recorded. On a platform without a
/// service manager this does nothing.
Result<void> setServiceCommandLine(const std::string& serviceName, const std::filesystem::path& exe);

/// Sets the failure actions of the service `serviceName` (ChangeServiceConfig2W: restart actions, pre-shutdown
/// timeout and the non-zero-exit flag) to `recovery`. Idempotent: run at registration and at every start, since an installer
/// may register the service without them. kNotSupported when the service manager took the restart actions but
/// not the non-zero-exit flag (Wine). On a platform without a service manager this does nothing.
Result<void> applyServiceRecovery(const std::string& serviceName, const ServiceRecovery& recovery);

/// What the service manager asked of the service.
enum class ServiceControlKind {
  kStop,         ///< `sc stop`, `net stop`
  kShutdown,     ///< the machine shuts down (sent only when pre-shutdown was not handled)
  kPreshutdown,  ///< the machine is about to shut down: finish the current step and stop
  kTimeChange,   ///< the system time was changed
  kUserDefined,  ///< a code from 128 to 255 (`sc control <service> <code>`)
};

/// One control request: its kind and, for kUserDefined, its code.
struct ServiceControlRequest {
  ServiceControlKind kind = ServiceControlKind::kStop;
  std::uint32_t code = 0;
};

/// The request a raw service control code stands for; nullopt for codes the service does not take (pause,
/// interrogate, parameter changes, ...). Pure, so the mapping is tested everywhere.
std::optional<ServiceControlRequest> serviceControlRequestFor(std::uint32_t control);

/// Handles one control request on the service manager's thread, so it must only hand the work on. Returns
/// whether the request is taken; an untaken user-defined code is answered with ERROR_CALL_NOT_IMPLEMENTED.
using ServiceControlCallback = std::function<bool(const ServiceControlRequest&)>;

/// This process's control link with the service manager, as long as it lives.
class ServiceControlLink {
 public:
  virtual ~ServiceControlLink() = default;
};

/// Makes `onControl` the control handler of the running service `serviceName` (RegisterServiceCtrlHandlerExW,
/// replacing the hosting framework's, which knows stop and shutdown only) and reports RUNNING, accepting stop,
/// shutdown, pre-shutdown and time change. A stop, shutdown or pre-shutdown is reported as STOP_PENDING before
/// `onControl` sees it, with a checkpoint that rises every few seconds while the current step finishes, so the
/// service manager keeps waiting within its limits. nullptr when the process is not a service (a console run,
/// POSIX): there is nothing to link then.
std::unique_ptr<ServiceControlLink> linkServiceControl(const std::string& serviceName, ServiceControlCallback onControl);

}  // namespace remediator::platform
