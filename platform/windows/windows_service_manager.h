#pragma once

#include "platform/service_manager.h"

namespace remediator::platform {

/// The Windows service control manager: QueryServiceStatusEx, StartServiceW, ControlService(STOP), with a
/// bounded wait for the service to reach the requested state. Services are named by their short (key) name.
class WindowsServiceManager final : public ServiceManager {
 public:
  Result<ServiceState> query(const std::string& name) const override;
  Result<void> start(const std::string& name, Millis timeout) override;
  /// Fails with kBusy, naming them, when other running services depend on this one.
  Result<void> stop(const std::string& name, Millis timeout) override;
};

}  // namespace remediator::platform
