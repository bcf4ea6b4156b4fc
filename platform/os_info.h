#pragma once

#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// What identifies an OS install: an upgrade changes at least one field.
struct OsIdentity {
  std::string product;   ///< "Windows 10 Pro", "Debian GNU/Linux"
  std::string version;   ///< "10.0", "12"
  std::string build;     ///< "19045"
  std::string revision;  ///< update build revision (UBR), "" where none
  bool operator==(const OsIdentity&) const = default;
  /// "product version build.revision", for messages.
  std::string describe() const;
};

/// Facts about the running OS.
class OsInfo {
 public:
  virtual ~OsInfo() = default;
  virtual Result<OsIdentity> identity() const = 0;
  /// The computer name.
  virtual std::string hostName() const = 0;
  /// Whether a reboot or an install is pending (an install would fail now): the signal seen, empty when none.
  virtual Result<std::string> pendingReboot() const = 0;
  /// Whether an OS upgrade is staged and about to run; the string says which signal, empty when none.
  virtual Result<std::string> upgradeStaged() const = 0;
};

}  // namespace remediator::platform
