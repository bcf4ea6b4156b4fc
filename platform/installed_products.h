#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/result.h"

namespace remediator::platform {

/// One entry of the installed programs list (the Uninstall keys and the MSI database on Windows).
struct InstalledProduct {
  std::string displayName;
  std::string version;
  std::string publisher;
  std::string productCode;          ///< MSI product code "{GUID}", empty for non-MSI programs
  std::string upgradeCode;          ///< MSI upgrade code, empty when unknown
  std::string uninstallString;      ///< UninstallString as registered
  std::string quietUninstallString; ///< QuietUninstallString, empty when absent
  bool operator==(const InstalledProduct&) const = default;
};

/// Which products are installed.
class InstalledProducts {
 public:
  virtual ~InstalledProducts() = default;
  /// Every installed product, both registry views merged (one entry per product code or key).
  virtual Result<std::vector<InstalledProduct>> list() const = 0;
};

/// The first product whose display name equals one of `names` (case-insensitive) or whose product or upgrade
/// code equals `code` (when not empty).
std::optional<InstalledProduct> findProduct(const std::vector<InstalledProduct>& products,
                                            const std::vector<std::string>& names, const std::string& code = {});

}  // namespace remediator::platform
