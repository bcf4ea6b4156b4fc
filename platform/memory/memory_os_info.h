#pragma once

#include <mutex>
#include <string>
#include <type_traits>

#include "platform/os_info.h"

namespace remediator::platform {

/// OS facts for tests, each settable, errors included. Starts as an up-to-date Windows 10 Pro named "PC01"
/// with no pending reboot and no staged upgrade.
class MemoryOsInfo final : public OsInfo {
 public:
  Result<OsIdentity> identity() const override;
  std::string hostName() const override;
  Result<std::string> pendingReboot() const override;
  Result<std::string> upgradeStaged() const override;

  /// What identity() returns from now on.
  void setIdentity(OsIdentity identity);
  /// Makes identity() fail with `error`, as when the version keys cannot be read.
  void failIdentity(Error error);
  /// What hostName() returns from now on.
  void setHostName(std::string name);
  /// The signal pendingReboot() reports ("" for none).
  void setPendingReboot(std::string signal);
  /// Makes pendingReboot() fail with `error`.
  void failPendingReboot(Error error);
  /// The signal upgradeStaged() reports ("" for none).
  void setUpgradeStaged(std::string signal);
  /// Makes upgradeStaged() fail with `error`.
  void failUpgradeStaged(Error error);

 private:
  template <typename T>
  void assign(Result<T>& member, std::type_identity_t<Result<T>> value) {
    std::lock_guard lock(mutex_);
    member = std::move(value);
  }

  mutable std::mutex mutex_;
  Result<OsIdentity> identity_{OsIdentity{"Windows 10 Pro", "10.0", "19045", "3803"}};
  std::string hostName_ = "PC01";
  Result<std::string> pendingReboot_{std::string()};
  Result<std::string> upgradeStaged_{std::string()};
};

}  // namespace remediator::platform
