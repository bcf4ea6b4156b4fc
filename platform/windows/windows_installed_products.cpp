#include "platform/windows/windows_installed_products.h"

#include <windows.h>
#include <msi.h>

#include <cctype>

#include "platform/ascii.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

constexpr const char* kUpgradeCodesKey = "SOFTWARE\\Classes\\Installer\\UpgradeCodes";
constexpr std::size_t kGuidChars = 38;  // "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"

bool isGuid(const std::string& text) {
  if (text.size() != kGuidChars || text.front() != '{' || text.back() != '}') return false;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    const bool dash = i == 9 || i == 14 || i == 19 || i == 24;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string codeKey(const std::string& code) {
  std::string_view view(code);
  if (view.size() >= 2 && view.front() == '{' && view.back() == '}') view = view.substr(1, view.size() - 2);
  return toLowerAscii(view);
}

Result<std::string> optionalText(const Registry& registry, const std::string& key, const char* name,
                                 RegistryView view) {
  auto value = registry.read(key, name, view);
  if (!value) {
    if (value.error().code == ErrorCode::kNotFound) return std::string();
    return value.error();
  }
  return registryValueText(*value);
}

/// The three Windows Installer calls used here, from msi.dll loaded on first use. Linking msi.dll into every
/// program would load it (and what it needs) at each start, which costs seconds per process under Wine.
struct MsiApi {
  decltype(&::MsiEnumProductsExW) enumProducts = nullptr;
  decltype(&::MsiGetProductInfoExW) productInfo = nullptr;
  decltype(&::MsiEnumRelatedProductsW) relatedProducts = nullptr;
};

const MsiApi* msiApi() {
  static const MsiApi* api = [] () -> const MsiApi* {
    HMODULE msi = ::LoadLibraryExW(L"msi.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (msi == nullptr) return nullptr;  // kept loaded for the life of the process
    static MsiApi loaded;
    loaded.enumProducts = reinterpret_cast<decltype(&::MsiEnumProductsExW)>(
        reinterpret_cast<void*>(::GetProcAddress(msi, "MsiEnumProductsExW")));
    loaded.productInfo = reinterpret_cast<decltype(&::MsiGetProductInfoExW)>(
        reinterpret_cast<void*>(::GetProcAddress(msi, "MsiGetProductInfoExW")));
    loaded.relatedProducts = reinterpret_cast<decltype(&::MsiEnumRelatedProductsW)>(
        reinterpret_cast<void*>(::GetProcAddress(msi, "MsiEnumRelatedProductsW")));
    if (!loaded.enumProducts || !loaded.productInfo || !loaded.relatedProducts) return nullptr;
    return &loaded;
  }();
  return api;
}

/// One product property from the MSI database, "" when it has none.
std::string msiProperty(const MsiApi& msi, const wchar_t* productCode, const wchar_t* property) {
  DWORD size = 0;
  wchar_t empty[1] = {L'\0'};
  UINT rc = msi.productInfo(productCode, nullptr, MSIINSTALLCONTEXT_MACHINE, property, empty, &size);
  if (rc != ERROR_MORE_DATA && rc != ERROR_SUCCESS) return {};
  if (size == 0) return {};
  std::wstring buffer(size + 1, L'\0');
  DWORD length = size + 1;
  rc = msi.productInfo(productCode, nullptr, MSIINSTALLCONTEXT_MACHINE, property, buffer.data(), &length);
  if (rc != ERROR_SUCCESS) return {};
  return toUtf8(std::wstring_view(buffer.data(), length));
}

/// Machine-wide MSI products with their names and versions.
Result<std::vector<InstalledProduct>> msiProducts(const MsiApi& msi) {
  std::vector<InstalledProduct> products;
  for (DWORD index = 0;; ++index) {
    wchar_t code[kGuidChars + 1] = {};
    const UINT rc = msi.enumProducts(nullptr, nullptr, MSIINSTALLCONTEXT_MACHINE, index, code, nullptr,
                                     nullptr, nullptr);
    if (rc == ERROR_NO_MORE_ITEMS) break;
    if (rc != ERROR_SUCCESS) return win32Failure("list", "the products of the Windows Installer database", rc);
    InstalledProduct product;
    product.productCode = toUtf8(code);
    product.displayName = msiProperty(msi, code, L"ProductName");
    product.version = msiProperty(msi, code, L"VersionString");
    product.publisher = msiProperty(msi, code, L"Publisher");
    product.uninstallString = "MsiExec.exe /X" + product.productCode;
    products.push_back(std::move(product));
  }
  return products;
}

/// Sets the upgrade code of every product in `products` that the Windows Installer relates to one.
void addUpgradeCodes(const MsiApi& msi, const Registry& registry, std::vector<InstalledProduct>& products) {
  auto packedCodes = registry.subkeys(kUpgradeCodesKey);
  if (!packedCodes) return;  // no MSI product with an upgrade code is installed
  for (const auto& packed : *packedCodes) {
    const auto upgradeCode = unpackMsiGuid(packed);
    if (!upgradeCode) continue;
    auto wideUpgrade = toWide(*upgradeCode);
    if (!wideUpgrade) continue;
    for (DWORD index = 0;; ++index) {
      wchar_t related[kGuidChars + 1] = {};
      if (msi.relatedProducts(wideUpgrade->c_str(), 0, index, related) != ERROR_SUCCESS) break;
      const std::string productKey = codeKey(toUtf8(related));
      for (auto& product : products) {
        if (!product.productCode.empty() && codeKey(product.productCode) == productKey && product.upgradeCode.empty()) {
          product.upgradeCode = *upgradeCode;
        }
      }
    }
  }
}

}  // namespace

Result<std::optional<InstalledProduct>> readUninstallEntry(const Registry& registry, const std::string& keyName,
                                                           RegistryView view) {
  const std::string key = std::string(WindowsInstalledProducts::kUninstallKey) + "\\" + keyName;
  auto name = optionalText(registry, key, "DisplayName", view);
  if (!name) return name.error();
  if (name->empty()) return std::optional<InstalledProduct>();
  InstalledProduct product;
  product.displayName = *name;
  struct Field {
    const char* valueName;
    std::string InstalledProduct::*member;
  };
  for (const Field& field : {Field{"DisplayVersion", &InstalledProduct::version},
                             Field{"Publisher", &InstalledProduct::publisher},
                             Field{"UninstallString", &InstalledProduct::uninstallString},
                             Field{"QuietUninstallString", &InstalledProduct::quietUninstallString}}) {
    auto text = optionalText(registry, key, field.valueName, view);
    if (!text) return text.error();
    product.*field.member = *text;
  }
  if (isGuid(keyName)) product.productCode = keyName;
  return std::optional<InstalledProduct>(std::move(product));
}

std::optional<std::string> unpackMsiGuid(const std::string& packed) {
  if (packed.size() != 32) return std::nullopt;
  for (const char c : packed) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::string plain;
  const auto reversed = [&](std::size_t from, std::size_t count) {
    plain.append(packed.rbegin() + static_cast<long>(packed.size() - from - count),
                 packed.rbegin() + static_cast<long>(packed.size() - from));
  };
  reversed(0, 8);
  reversed(8, 4);
  reversed(12, 4);
  for (std::size_t i = 16; i < 32; i += 2) {
    plain += packed[i + 1];
    plain += packed[i];
  }
  std::string guid;
  guid.reserve(kGuidChars);
  guid += '{';
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) guid += '-';
    guid += static_cast<char>(std::toupper(static_cast<unsigned char>(plain[i])));
  }
  guid += '}';
  return guid;
}

void mergeProducts(std::vector<InstalledProduct>& products, const std::vector<InstalledProduct>& extra) {
  for (const auto& candidate : extra) {
    InstalledProduct* same = nullptr;
    if (!candidate.productCode.empty()) {
      for (auto& existing : products) {
        if (!existing.productCode.empty() && codeKey(existing.productCode) == codeKey(candidate.productCode)) {
          same = &existing;
          break;
        }
      }
    }
    if (same == nullptr) {
      products.push_back(candidate);
      continue;
    }
    for (auto member : {&InstalledProduct::displayName, &InstalledProduct::version, &InstalledProduct::publisher,
                        &InstalledProduct::upgradeCode, &InstalledProduct::uninstallString,
                        &InstalledProduct::quietUninstallString}) {
      if ((same->*member).empty()) same->*member = candidate.*member;
    }
  }
}

Result<std::vector<InstalledProduct>> WindowsInstalledProducts::list() const {
  std::vector<InstalledProduct> products;
  for (const RegistryView view : {RegistryView::k64, RegistryView::k32}) {
    auto keys = registry_.subkeys(kUninstallKey, view);
    if (!keys) {
      if (keys.error().code == ErrorCode::kNotFound) continue;
      return keys.error();
    }
    std::vector<InstalledProduct> found;
    for (const auto& keyName : *keys) {
      auto entry = readUninstallEntry(registry_, keyName, view);
      if (!entry) return entry.error();
      if (*entry) found.push_back(std::move(**entry));
    }
    mergeProducts(products, found);
  }
  const MsiApi* msi = msiApi();
  if (msi == nullptr) {
    return fail(ErrorCode::kUnavailable, "cannot list installed products: the Windows Installer (msi.dll) "
                                         "could not be loaded: " + win32Message(::GetLastError()));
  }
  auto packages = msiProducts(*msi);
  if (!packages) return packages.error();
  mergeProducts(products, *packages);
  addUpgradeCodes(*msi, registry_, products);
  return products;
}

}  // namespace remediator::platform
