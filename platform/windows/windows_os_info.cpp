#include "platform/windows/windows_os_info.h"

#include <windows.h>

#include <system_error>

#include "platform/file_system.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

constexpr const char* kRebootPendingKey =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending";
constexpr const char* kRebootRequiredKey =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired";
constexpr const char* kSessionManagerKey = "SYSTEM\\CurrentControlSet\\Control\\Session Manager";
constexpr const char* kStagingFolder = "$WINDOWS.~BT";

/// The value as text, "" when absent; other read failures are returned.
Result<std::string> optionalText(const Registry& registry, const std::string& key, const std::string& name) {
  auto value = registry.read(key, name);
  if (!value) {
    if (value.error().code == ErrorCode::kNotFound) return std::string();
    return value.error();
  }
  return registryValueText(*value);
}

}  // namespace

WindowsOsInfo::WindowsOsInfo(const Registry& registry, std::filesystem::path systemDrive)
    : registry_(registry), systemDrive_(std::move(systemDrive)) {}

Result<OsIdentity> WindowsOsInfo::identity() const {
  const std::string key = kCurrentVersionKey;
  auto product = registry_.read(key, "ProductName");
  if (!product) return product.error();
  OsIdentity id;
  id.product = registryValueText(*product);
  if (id.product.empty()) {
    return fail(ErrorCode::kInvalidData, "HKLM\\" + key + " value 'ProductName' is empty or not text");
  }
  auto major = optionalText(registry_, key, "CurrentMajorVersionNumber");
  if (!major) return major.error();
  if (!major->empty()) {
    auto minor = optionalText(registry_, key, "CurrentMinorVersionNumber");
    if (!minor) return minor.error();
    id.version = *major + "." + (minor->empty() ? "0" : *minor);
  } else {
    auto legacy = optionalText(registry_, key, "CurrentVersion");
    if (!legacy) return legacy.error();
    id.version = *legacy;
  }
  auto build = optionalText(registry_, key, "CurrentBuild");
  if (!build) return build.error();
  if (build->empty()) {
    build = optionalText(registry_, key, "CurrentBuildNumber");
    if (!build) return build.error();
  }
  id.build = *build;
  auto revision = optionalText(registry_, key, "UBR");
  if (!revision) return revision.error();
  id.revision = *revision;
  return id;
}

std::string WindowsOsInfo::hostName() const {
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 1] = {};
  DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
  if (!::GetComputerNameExW(ComputerNameNetBIOS, name, &size)) return {};
  return toUtf8(std::wstring_view(name, size));
}

Result<std::string> WindowsOsInfo::pendingReboot() const {
  std::string signals;
  const auto add = [&signals](const std::string& signal) {
    if (!signals.empty()) signals += "; ";
    signals += signal;
  };
  if (registry_.keyExists(kRebootPendingKey)) add("Component Based Servicing reports RebootPending");
  if (registry_.keyExists(kRebootRequiredKey)) add("Windows Update reports RebootRequired");
  auto renames = registry_.read(kSessionManagerKey, "PendingFileRenameOperations");
  if (renames) {
    // Entries come in pairs (source, target; an empty target is a deletion, stored as an empty string that
    // ends a REG_MULTI_SZ early), so count what is there rather than pairs.
    std::size_t entries = 0;
    if (const auto* multi = std::get_if<RegMultiSz>(&*renames)) entries = multi->value.size();
    else if (!registryValueText(*renames).empty()) entries = 1;
    if (entries > 0) add("file operations are pending until the next reboot (PendingFileRenameOperations)");
  } else if (renames.error().code != ErrorCode::kNotFound) {
    return renames.error();
  }
  return signals;
}

Result<std::string> WindowsOsInfo::upgradeStaged() const {
  const auto folder = systemDrive_ / kStagingFolder;
  std::error_code ec;
  const bool exists = std::filesystem::is_directory(folder, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(ErrorCode::kIo, "cannot check " + folder.string() + ": " + ec.message());
  }
  if (!exists) return std::string();
  return "Windows Setup has staged an upgrade (" + folder.string() + " exists)";
}

std::filesystem::path systemDriveRoot() {
  const auto drive = processEnvironment("SystemDrive");
  return std::filesystem::path((drive && !drive->empty() ? *drive : std::string("C:")) + "\\");
}

}  // namespace remediator::platform
