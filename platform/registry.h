#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "platform/result.h"

namespace remediator::platform {

/// Which registry view to use on 64-bit Windows (KEY_WOW64_64KEY / KEY_WOW64_32KEY).
enum class RegistryView { k64, k32 };

/// REG_SZ text (UTF-8 here; converted at the Windows edge).
struct RegSz { std::string value; bool operator==(const RegSz&) const = default; };
/// REG_EXPAND_SZ text, returned unexpanded.
struct RegExpandSz { std::string value; bool operator==(const RegExpandSz&) const = default; };
/// REG_MULTI_SZ.
struct RegMultiSz { std::vector<std::string> value; bool operator==(const RegMultiSz&) const = default; };
/// REG_DWORD.
struct RegDword { std::uint32_t value = 0; bool operator==(const RegDword&) const = default; };
/// REG_QWORD.
struct RegQword { std::uint64_t value = 0; bool operator==(const RegQword&) const = default; };
/// REG_BINARY.
struct RegBinary { std::vector<std::uint8_t> value; bool operator==(const RegBinary&) const = default; };

/// One typed registry value.
using RegistryValue = std::variant<RegSz, RegExpandSz, RegMultiSz, RegDword, RegQword, RegBinary>;

/// Text of a REG_SZ/REG_EXPAND_SZ value, or the decimal text of a DWORD/QWORD (tools disagree on how some
/// Winlogon values are typed, so readers accept both). Empty for other types.
std::string registryValueText(const RegistryValue& value);

/// The machine registry (HKEY_LOCAL_MACHINE). Keys are paths below HKLM with backslashes, e.g.
/// `SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`.
class Registry {
 public:
  virtual ~Registry() = default;

  /// The value `name` of `key`; kNotFound when the key or value does not exist.
  virtual Result<RegistryValue> read(const std::string& key, const std::string& name,
                                     RegistryView view = RegistryView::k64) const = 0;
  /// Creates the key if needed and writes the value.
  virtual Result<void> write(const std::string& key, const std::string& name, const RegistryValue& value,
                             RegistryView view = RegistryView::k64) = 0;
  /// Deletes one value; deleting a value that does not exist succeeds.
  virtual Result<void> remove(const std::string& key, const std::string& name,
                              RegistryView view = RegistryView::k64) = 0;
  /// Names of the direct subkeys of `key`; kNotFound when the key does not exist.
  virtual Result<std::vector<std::string>> subkeys(const std::string& key,
                                                   RegistryView view = RegistryView::k64) const = 0;
  /// Whether `key` exists.
  virtual bool keyExists(const std::string& key, RegistryView view = RegistryView::k64) const = 0;
};

}  // namespace remediator::platform
