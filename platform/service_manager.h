#pragma once

#include <string>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// State of an installed service as the service manager reports it.
enum class ServiceState { kStopped, kStartPending, kStopPending, kRunning, kPaused, kOther };

const char* serviceStateName(ServiceState state);

/// The OS service manager (the SCM on Windows).
class ServiceManager {
 public:
  virtual ~ServiceManager() = default;
  /// Current state of the service with short name `name`; kNotFound when no such service is installed.
  virtual Result<ServiceState> query(const std::string& name) const = 0;
  /// Starts the service and waits up to `timeout` for it to run; starting a running service succeeds.
  virtual Result<void> start(const std::string& name, Millis timeout) = 0;
  /// Stops the service and waits up to `timeout`; stopping a stopped service succeeds.
  virtual Result<void> stop(const std::string& name, Millis timeout) = 0;
};

}  // namespace remediator::platform
