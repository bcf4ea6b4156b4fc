#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "platform/ascii.h"
#include "platform/service_manager.h"

namespace remediator::platform {

/// An in-memory service manager for tests. Services exist once a test adds them; names compare without regard
/// to case as in the SCM. start() makes a service run and stop() stops it at once (timeouts are not waited
/// on), unless the test made that operation fail.
class MemoryServiceManager final : public ServiceManager {
 public:
  Result<ServiceState> query(const std::string& name) const override;
  Result<void> start(const std::string& name, Millis timeout) override;
  Result<void> stop(const std::string& name, Millis timeout) override;

  /// Installs the service `name` in `state` (or sets the state of one already there).
  void addService(const std::string& name, ServiceState state = ServiceState::kStopped);
  /// Uninstalls the service; returns whether it existed.
  bool removeService(const std::string& name);
  /// Makes start(name) fail with `error`, leaving the state as it is, until clearFailures(name). May be
  /// called before the service is added.
  void failStart(const std::string& name, Error error);
  /// Makes stop(name) fail with `error`, leaving the state as it is, until clearFailures(name).
  void failStop(const std::string& name, Error error);
  /// Lets start and stop of `name` succeed again.
  void clearFailures(const std::string& name);
  /// How often start(name) was called while the service was installed, whether or not it succeeded.
  int startCount(const std::string& name) const;
  /// How often stop(name) was called while the service was installed, whether or not it succeeded.
  int stopCount(const std::string& name) const;

 private:
  struct Service {
    bool installed = false;  // failures and counts may be set up before the service is added
    ServiceState state = ServiceState::kStopped;
    std::optional<Error> startFailure;
    std::optional<Error> stopFailure;
    int starts = 0;
    int stops = 0;
  };
  Result<void> changeState(const std::string& name, ServiceState target);

  mutable std::mutex mutex_;
  std::map<std::string, Service, LessIgnoreCase> services_;
};

}  // namespace remediator::platform
