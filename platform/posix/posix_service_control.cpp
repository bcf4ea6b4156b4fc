#include "platform/service_control.h"

namespace remediator::platform {

// No service control manager here: systemd or whatever starts the daemon owns its command line and restarts.

Result<void> setServiceCommandLine(const std::string&, const std::filesystem::path&) { return {}; }

Result<void> applyServiceRecovery(const std::string&, const ServiceRecovery&) { return {}; }

}  // namespace remediator::platform
