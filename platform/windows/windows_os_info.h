#pragma once

#include <filesystem>

#include "platform/os_info.h"
#include "platform/registry.h"

namespace remediator::platform {

/// OS facts on Windows, read from the registry (through `registry`, so the rules can be tested on any
/// registry) and the system drive:
/// - identity from HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion: ProductName;
///   CurrentMajorVersionNumber.CurrentMinorVersionNumber (CurrentVersion before Windows 10); CurrentBuild
///   (CurrentBuildNumber where absent); UBR;
/// - a pending reboot from Component Based Servicing\RebootPending, WindowsUpdate\Auto Update\RebootRequired and
///   a non-empty Session Manager\PendingFileRenameOperations;
/// - a staged upgrade from the folder `<system drive>\$WINDOWS.~BT` that Windows Setup creates.
class WindowsOsInfo final : public OsInfo {
 public:
  /// `registry` must outlive this object. `systemDrive` is where $WINDOWS.~BT is looked for (%SystemDrive%\).
  WindowsOsInfo(const Registry& registry, std::filesystem::path systemDrive);

  /// kNotFound when the CurrentVersion key or its ProductName is missing.
  Result<OsIdentity> identity() const override;
  /// The NetBIOS computer name (what the Connector and the "non-ASCII name" check look at).
  std::string hostName() const override;
  /// Every signal seen, joined with "; "; "" when none.
  Result<std::string> pendingReboot() const override;
  Result<std::string> upgradeStaged() const override;

  /// The folder holding the registry keys above, for tests and messages.
  static constexpr const char* kCurrentVersionKey = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";

 private:
  const Registry& registry_;
  std::filesystem::path systemDrive_;
};

/// %SystemDrive%\ (C:\ when the variable is missing).
std::filesystem::path systemDriveRoot();

}  // namespace remediator::platform
