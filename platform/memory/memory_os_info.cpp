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

void MemoryOsInfo::setIdentity(OsIdentity identity) { assign(identity_, std::move(identity)); }
void MemoryOsInfo::failIdentity(Error error) { assign(identity_, std::move(error)); }

void MemoryOsInfo::setHostName(std::string name) {
  std::lock_guard lock(mutex_);
  hostName_ = std::move(name);
}

void MemoryOsInfo::setPendingReboot(std::string signal) { assign(pendingReboot_, std::move(signal)); }
void MemoryOsInfo::failPendingReboot(Error error) { assign(pendingReboot_, std::move(error)); }
void MemoryOsInfo::setUpgradeStaged(std::string signal) { assign(upgradeStaged_, std::move(signal)); }
void MemoryOsInfo::failUpgradeStaged(Error error) { assign(upgradeStaged_, std::move(error)); }

}  // namespace remediator::platform
