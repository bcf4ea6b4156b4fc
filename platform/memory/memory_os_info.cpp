#include "platform/memory/memory_os_info.h"

namespace remediator::platform {

Result<OsIdentity> MemoryOsInfo::identity() const {
  std::lock_guard lock(mutex_);
  return identity_;
}

std::string MemoryOsInfo::hostName() const {
  std::lock_guard lock(mutex_);
  return hostName_;
}

Result<std::string> MemoryOsInfo::pendingReboot() const {
  std::lock_guard lock(mutex_);
  return pendingReboot_;
}

Result<std::string> MemoryOsInfo::upgradeStaged() const {
  std::lock_guard lock(mutex_);
  return upgradeStaged_;
}

void MemoryOsInfo::setIdentity(OsIdentity identity) {
  std::lock_guard lock(mutex_);
  identity_ = std::move(identity);
}

void MemoryOsInfo::failIdentity(Error error) {
  std::lock_guard lock(mutex_);
  identity_ = std::move(error);
}

void MemoryOsInfo::setHostName(std::string name) {
  std::lock_guard lock(mutex_);
  hostName_ = std::move(name);
}

void MemoryOsInfo::setPendingReboot(std::string signal) {
  std::lock_guard lock(mutex_);
  pendingReboot_ = std::move(signal);
}

void MemoryOsInfo::failPendingReboot(Error error) {
  std::lock_guard lock(mutex_);
  pendingReboot_ = std::move(error);
}

void MemoryOsInfo::setUpgradeStaged(std::string signal) {
  std::lock_guard lock(mutex_);
  upgradeStaged_ = std::move(signal);
}

void MemoryOsInfo::failUpgradeStaged(Error error) {
  std::lock_guard lock(mutex_);
  upgradeStaged_ = std::move(error);
}

}  // namespace remediator::platform
