#include "platform/service_control.h"

namespace remediator::platform {

// No service control manager here: systemd or whatever starts the daemon owns its command line and restarts.

Result<void> setServiceCommandLine(const std::string&, const std::filesystem::path&) { return {}; }

Result<void> applyServiceRecovery(const std::string&, const ServiceRecovery&) { return {}; }

// Signals (SIGTERM) stop a daemon here; there are no other controls to link.
std::unique_ptr<ServiceControlLink> linkServiceControl(const std::string&, ServiceControlCallback) { return nullptr; }

}  // namespace remediator::platform
