#pragma once

#include <filesystem>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// How the service manager restarts the service after a failure: after `restartDelaySeconds` on each of the
/// first three failures, the count going back to zero after `resetSeconds` without one; a stop with a non-zero
/// exit code counts as a failure too.
struct ServiceRecovery {
  unsigned restartDelaySeconds = 60;
  unsigned resetSeconds = 24 * 60 * 60;
  unsigned restarts = 3;
};

/// The product's recovery settings (see platform/windows/README.md).
inline constexpr ServiceRecovery kServiceRecovery{};

/// Records `"<exe>" service` as the command line of the service `serviceName`: the program dispatches on its
/// first argument, and the service manager starts the program exactly as recorded. On a platform without a
/// service manager this does nothing.
Result<void> setServiceCommandLine(const std::string& serviceName, const std::filesystem::path& exe);

/// Sets the failure actions of the service `serviceName` (ChangeServiceConfig2W: restart actions and the
/// non-zero-exit flag) to `recovery`. Idempotent: run at registration and at every start, since an installer
/// may register the service without them. kNotSupported when the service manager took the restart actions but
/// not the non-zero-exit flag (Wine). On a platform without a service manager this does nothing.
Result<void> applyServiceRecovery(const std::string& serviceName, const ServiceRecovery& recovery);

}  // namespace remediator::platform
