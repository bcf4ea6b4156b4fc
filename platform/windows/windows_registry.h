#pragma once

#include "platform/registry.h"

namespace remediator::platform {

/// HKEY_LOCAL_MACHINE through RegGetValueW, RegSetValueExW, RegDeleteValueW and RegEnumKeyExW, in the 64-bit or
/// the 32-bit view (KEY_WOW64_64KEY / KEY_WOW64_32KEY). Names and text are UTF-8 here and UTF-16 in the
/// registry; REG_EXPAND_SZ is returned unexpanded. Value types other than the five typed ones read as RegBinary.
/// Changes of a key are watched by WindowsChangeNotifier.
class WindowsRegistry final : public Registry {
 public:
  Result<RegistryValue> read(const std::string& key, const std::string& name,
                             RegistryView view = RegistryView::k64) const override;
  /// A REG_MULTI_SZ cannot hold an empty string (it would end the list): such a value fails with
  /// kInvalidArgument before anything is written.
  Result<void> write(const std::string& key, const std::string& name, const RegistryValue& value,
                     RegistryView view = RegistryView::k64) override;
  Result<void> remove(const std::string& key, const std::string& name,
                      RegistryView view = RegistryView::k64) override;
  Result<std::vector<std::string>> subkeys(const std::string& key,
                                           RegistryView view = RegistryView::k64) const override;
  bool keyExists(const std::string& key, RegistryView view = RegistryView::k64) const override;
};

/// The bytes of a REG_MULTI_SZ, UTF-16 strings each ending in NUL plus the closing NUL; kInvalidArgument for an
/// empty entry (the list would end there). Exposed for tests.
Result<std::wstring> encodeMultiString(const std::vector<std::string>& entries);

/// Splits REG_MULTI_SZ data (`chars` UTF-16 units) into UTF-8 strings. Tolerates the missing final NULs that
/// careless writers leave.
std::vector<std::string> decodeMultiString(const wchar_t* data, std::size_t chars);

}  // namespace remediator::platform
