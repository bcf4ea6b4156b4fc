#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/installed_products.h"
#include "platform/registry.h"

namespace remediator::platform {

/// The installed programs as "Programs and Features" knows them: every subkey of
/// HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall with a DisplayName, in the 64-bit and the 32-bit
/// view, merged with the machine-wide products of the MSI database (MsiEnumProductsExW, which also finds MSI
/// products hidden from that list) and their upgrade codes (MsiEnumRelatedProductsW over the registered
/// upgrade codes). One entry per product code, or per Uninstall key for programs that are not MSI packages.
class WindowsInstalledProducts final : public InstalledProducts {
 public:
  /// `registry` must outlive this object.
  explicit WindowsInstalledProducts(const Registry& registry) : registry_(registry) {}
  Result<std::vector<InstalledProduct>> list() const override;

  static constexpr const char* kUninstallKey = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

 private:
  const Registry& registry_;
};

/// The product described by one Uninstall key (`keyName` is its name), or nullopt when it has no DisplayName
/// (Programs and Features does not list those). The product code is the key name when that is a "{GUID}".
Result<std::optional<InstalledProduct>> readUninstallEntry(const Registry& registry, const std::string& keyName,
                                                           RegistryView view);

/// A "{GUID}" from the packed form the Windows Installer uses for registry key names (32 hex digits: the first
/// three groups reversed, each byte of the rest with its two digits swapped); nullopt for anything else.
std::optional<std::string> unpackMsiGuid(const std::string& packed);

/// Adds `extra` to `products`: an entry with the product code of an existing one fills only the fields that are
/// still empty there; others are appended. Product codes compare without regard to case or braces.
void mergeProducts(std::vector<InstalledProduct>& products, const std::vector<InstalledProduct>& extra);

}  // namespace remediator::platform
