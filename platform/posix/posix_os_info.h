#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "platform/os_info.h"

namespace remediator::platform {

/// OS facts on Linux: identity from os-release and uname, a pending reboot from the Debian/Ubuntu marker
/// file. Linux has no staged OS upgrades in the Windows sense, so upgradeStaged() is always "".
class PosixOsInfo final : public OsInfo {
 public:
  /// Reads /etc/os-release (falling back to /usr/lib/os-release) and /var/run/reboot-required.
  PosixOsInfo();
  /// Reads the given files instead, for tests.
  PosixOsInfo(std::filesystem::path osRelease, std::filesystem::path rebootRequired);

  /// product = NAME, version = "VERSION_ID (VERSION_CODENAME)", build = the kernel release (uname -r).
  Result<OsIdentity> identity() const override;
  /// gethostname().
  std::string hostName() const override;
  /// "reboot required (<path> exists)" when the marker file exists, else "".
  Result<std::string> pendingReboot() const override;
  Result<std::string> upgradeStaged() const override;

 private:
  std::vector<std::filesystem::path> osReleaseCandidates_;
  std::filesystem::path rebootRequired_;
};

/// Parses os-release text (os-release(5)): KEY=value lines, values optionally in double quotes (with shell
/// backslash escapes) or single quotes, '#' comments and blank lines ignored. A malformed line fails with
/// kInvalidData naming `source` and the line number.
Result<std::map<std::string, std::string>> parseOsRelease(const std::string& text, const std::string& source);

/// The identity that parsed os-release fields and a kernel release describe (see PosixOsInfo::identity).
OsIdentity osIdentityFromRelease(const std::map<std::string, std::string>& fields, const std::string& kernel);

}  // namespace remediator::platform
