#include "platform/installed_products.h"

#include "platform/ascii.h"

namespace remediator::platform {
namespace {

/// MSI codes are written "{GUID}" in the registry but often without braces in policies and scripts.
std::string normalisedCode(const std::string& code) {
  std::string_view view(code);
  if (view.size() >= 2 && view.front() == '{' && view.back() == '}') view = view.substr(1, view.size() - 2);
  return toLowerAscii(view);
}

}  // namespace

std::optional<InstalledProduct> findProduct(const std::vector<InstalledProduct>& products,
                                            const std::vector<std::string>& names, const std::string& code) {
  const std::string wanted = normalisedCode(code);
  for (const auto& product : products) {
    for (const auto& name : names) {
      if (!name.empty() && equalsIgnoreCase(product.displayName, name)) return product;
    }
    if (wanted.empty()) continue;
    if (!product.productCode.empty() && normalisedCode(product.productCode) == wanted) return product;
    if (!product.upgradeCode.empty() && normalisedCode(product.upgradeCode) == wanted) return product;
  }
  return std::nullopt;
}

}  // namespace remediator::platform
