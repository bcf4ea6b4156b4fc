#include "platform/memory/memory_service_manager.h"

namespace remediator::platform {
namespace {

Error noSuchService(const std::string& name) {
  return fail(ErrorCode::kNotFound, "service '" + name + "' is not installed");
}

}  // namespace

Result<ServiceState> MemoryServiceManager::query(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto found = services_.find(name);
  if (found == services_.end() || !found->second.installed) return noSuchService(name);
  return found->second.state;
}

Result<void> MemoryServiceManager::start(const std::string& name, Millis) {
  return changeState(name, ServiceState::kRunning);
}

Result<void> MemoryServiceManager::stop(const std::string& name, Millis) {
  return changeState(name, ServiceState::kStopped);
}

Result<void> MemoryServiceManager::changeState(const std::string& name, ServiceState target) {
  std::lock_guard lock(mutex_);
  const auto found = services_.find(name);
  if (found == services_.end() || !found->second.installed) return noSuchService(name);
  Service& service = found->second;
  const bool starting = target == ServiceState::kRunning;
  ++(starting ? service.starts : service.stops);
  if (const auto& failure = starting ? service.startFailure : service.stopFailure) return *failure;
  service.state = target;
  return {};
}

void MemoryServiceManager::addService(const std::string& name, ServiceState state) {
  std::lock_guard lock(mutex_);
  Service& service = services_[name];
  service.installed = true;
  service.state = state;
}

bool MemoryServiceManager::removeService(const std::string& name) {
  std::lock_guard lock(mutex_);
  const auto found = services_.find(name);
  if (found == services_.end() || !found->second.installed) return false;
  found->second.installed = false;
  return true;
}

void MemoryServiceManager::failStart(const std::string& name, Error error) {
  std::lock_guard lock(mutex_);
  services_[name].startFailure = std::move(error);
}

void MemoryServiceManager::failStop(const std::string& name, Error error) {
  std::lock_guard lock(mutex_);
  services_[name].stopFailure = std::move(error);
}

void MemoryServiceManager::clearFailures(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (const auto found = services_.find(name); found != services_.end()) {
    found->second.startFailure.reset();
    found->second.stopFailure.reset();
  }
}

int MemoryServiceManager::startCount(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto found = services_.find(name);
  return found == services_.end() ? 0 : found->second.starts;
}

int MemoryServiceManager::stopCount(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto found = services_.find(name);
  return found == services_.end() ? 0 : found->second.stops;
}

}  // namespace remediator::platform
