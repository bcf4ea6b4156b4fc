#include "platform/windows/windows_registry.h"

#include <windows.h>

#include <cstring>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

REGSAM viewFlag(RegistryView view) { return view == RegistryView::k64 ? KEY_WOW64_64KEY : KEY_WOW64_32KEY; }

const char* viewName(RegistryView view) { return view == RegistryView::k64 ? "64-bit" : "32-bit"; }

std::string describeKey(const std::string& key, RegistryView view) {
  return "HKLM\\" + key + " (" + viewName(view) + " view)";
}

std::string describeValue(const std::string& key, const std::string& name, RegistryView view) {
  return describeKey(key, view) + " value '" + (name.empty() ? "(default)" : name) + "'";
}

using KeyHandle = OwnedHandle<HKEY, &::RegCloseKey>;

/// The key path as Win32 wants it: UTF-16, no leading backslash. Forward slashes are not separators in the
/// registry, so they are left alone.
Result<std::wstring> keyPath(const std::string& key) {
  std::size_t start = 0;
  while (start < key.size() && key[start] == '\\') ++start;
  std::string_view trimmed(key);
  trimmed.remove_prefix(start);
  while (!trimmed.empty() && trimmed.back() == '\\') trimmed.remove_suffix(1);
  if (trimmed.empty()) return fail(ErrorCode::kInvalidArgument, "empty registry key path");
  auto wide = toWide(trimmed);
  if (!wide) return fail(ErrorCode::kInvalidArgument, "registry key '" + key + "': " + wide.error().message);
  return wide;
}

Result<std::wstring> valueName(const std::string& key, const std::string& name) {
  auto wide = toWide(name);
  if (!wide) {
    return fail(ErrorCode::kInvalidArgument, "value name under HKLM\\" + key + ": " + wide.error().message);
  }
  return wide;
}

/// Opens `key` with `access`; LSTATUS as the Win32 error.
LSTATUS openKey(const std::wstring& key, REGSAM access, RegistryView view, KeyHandle& handle) {
  return ::RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.c_str(), 0, access | viewFlag(view), handle.out());
}

std::wstring wideTextOf(const std::vector<BYTE>& data, DWORD size) {
  std::wstring text(reinterpret_cast<const wchar_t*>(data.data()), size / sizeof(wchar_t));
  while (!text.empty() && text.back() == L'\0') text.pop_back();
  return text;
}

Result<std::vector<BYTE>> encode(const RegistryValue& value, DWORD* type, const std::string& what) {
  std::vector<BYTE> bytes;
  const auto wideBytes = [&bytes](const std::wstring& text) {
    // Counted with the terminating NUL(s), as RegSetValueExW expects.
    const std::size_t size = (text.size() + 1) * sizeof(wchar_t);
    bytes.resize(size);
    std::memcpy(bytes.data(), text.c_str(), size);
  };
  if (const auto* sz = std::get_if<RegSz>(&value)) {
    auto wide = toWide(sz->value);
    if (!wide) return fail(ErrorCode::kInvalidArgument, what + ": " + wide.error().message);
    *type = REG_SZ;
    wideBytes(*wide);
  } else if (const auto* expand = std::get_if<RegExpandSz>(&value)) {
    auto wide = toWide(expand->value);
    if (!wide) return fail(ErrorCode::kInvalidArgument, what + ": " + wide.error().message);
    *type = REG_EXPAND_SZ;
    wideBytes(*wide);
  } else if (const auto* multi = std::get_if<RegMultiSz>(&value)) {
    auto wide = encodeMultiString(multi->value);
    if (!wide) return fail(wide.error().code, what + ": " + wide.error().message);
    *type = REG_MULTI_SZ;
    bytes.resize(wide->size() * sizeof(wchar_t));
    std::memcpy(bytes.data(), wide->data(), bytes.size());
  } else if (const auto* dword = std::get_if<RegDword>(&value)) {
    *type = REG_DWORD;
    bytes.resize(sizeof(DWORD));
    const DWORD v = dword->value;
    std::memcpy(bytes.data(), &v, sizeof v);
  } else if (const auto* qword = std::get_if<RegQword>(&value)) {
    *type = REG_QWORD;
    bytes.resize(sizeof(std::uint64_t));
    const std::uint64_t v = qword->value;
    std::memcpy(bytes.data(), &v, sizeof v);
  } else {
    const auto& binary = std::get<RegBinary>(value);
    *type = REG_BINARY;
    bytes.assign(binary.value.begin(), binary.value.end());
  }
  return bytes;
}

}  // namespace

Result<std::wstring> encodeMultiString(const std::vector<std::string>& entries) {
  std::wstring out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].empty()) {
      return fail(ErrorCode::kInvalidArgument, "REG_MULTI_SZ entry " + std::to_string(i + 1) +
                                                   " is empty, which a multi-string cannot hold");
    }
    auto wide = toWide(entries[i]);
    if (!wide) {
      return fail(ErrorCode::kInvalidArgument,
                  "REG_MULTI_SZ entry " + std::to_string(i + 1) + ": " + wide.error().message);
    }
    out += *wide;
    out += L'\0';
  }
  if (out.empty()) out += L'\0';  // an empty list is a lone terminator
  out += L'\0';
  return out;
}

std::vector<std::string> decodeMultiString(const wchar_t* data, std::size_t chars) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= chars; ++i) {
    if (i < chars && data[i] != L'\0') continue;
    if (i == start) break;  // an empty string ends the list
    entries.push_back(toUtf8(std::wstring_view(data + start, i - start)));
    start = i + 1;
  }
  return entries;
}

Result<RegistryValue> WindowsRegistry::read(const std::string& key, const std::string& name,
                                            RegistryView view) const {
  auto path = keyPath(key);
  if (!path) return path.error();
  auto wname = valueName(key, name);
  if (!wname) return wname.error();
  KeyHandle handle;
  if (LSTATUS rc = openKey(*path, KEY_QUERY_VALUE, view, handle); rc != ERROR_SUCCESS) {
    if (rc == ERROR_FILE_NOT_FOUND) return fail(ErrorCode::kNotFound, "no registry key " + describeKey(key, view));
    return win32Failure("open registry key", describeKey(key, view), static_cast<DWORD>(rc));
  }
  std::vector<BYTE> data(256);
  DWORD type = REG_NONE;
  for (int attempt = 0;; ++attempt) {
    DWORD size = static_cast<DWORD>(data.size());
    const LSTATUS rc = ::RegGetValueW(handle.get(), nullptr, wname->c_str(), RRF_RT_ANY | RRF_NOEXPAND, &type,
                                      data.data(), &size);
    if (rc == ERROR_SUCCESS) {
      data.resize(size);
      break;
    }
    if (rc == ERROR_MORE_DATA && attempt < 8) {  // grew between two calls: ask again
      data.resize(size + sizeof(wchar_t) * 2);
      continue;
    }
    if (rc == ERROR_FILE_NOT_FOUND) {
      return fail(ErrorCode::kNotFound, "no registry value " + describeValue(key, name, view));
    }
    return win32Failure("read registry value", describeValue(key, name, view), static_cast<DWORD>(rc));
  }
  const DWORD size = static_cast<DWORD>(data.size());
  switch (type) {
    case REG_SZ: return RegistryValue{RegSz{toUtf8(wideTextOf(data, size))}};
    case REG_EXPAND_SZ: return RegistryValue{RegExpandSz{toUtf8(wideTextOf(data, size))}};
    case REG_MULTI_SZ:
      return RegistryValue{
          RegMultiSz{decodeMultiString(reinterpret_cast<const wchar_t*>(data.data()), size / sizeof(wchar_t))}};
    case REG_DWORD:
    case REG_DWORD_BIG_ENDIAN: {
      if (size != sizeof(DWORD)) {
        return fail(ErrorCode::kInvalidData, "registry value " + describeValue(key, name, view) +
                                                 " is a DWORD of " + std::to_string(size) + " bytes");
      }
      DWORD v = 0;
      std::memcpy(&v, data.data(), sizeof v);
      if (type == REG_DWORD_BIG_ENDIAN) v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
      return RegistryValue{RegDword{v}};
    }
    case REG_QWORD: {
      if (size != sizeof(std::uint64_t)) {
        return fail(ErrorCode::kInvalidData, "registry value " + describeValue(key, name, view) +
                                                 " is a QWORD of " + std::to_string(size) + " bytes");
      }
      std::uint64_t v = 0;
      std::memcpy(&v, data.data(), sizeof v);
      return RegistryValue{RegQword{v}};
    }
    default: return RegistryValue{RegBinary{std::vector<std::uint8_t>(data.begin(), data.end())}};
  }
}

Result<void> WindowsRegistry::write(const std::string& key, const std::string& name, const RegistryValue& value,
                                    RegistryView view) {
  auto path = keyPath(key);
  if (!path) return path.error();
  auto wname = valueName(key, name);
  if (!wname) return wname.error();
  DWORD type = REG_NONE;
  auto bytes = encode(value, &type, "registry value " + describeValue(key, name, view));
  if (!bytes) return bytes.error();
  KeyHandle handle;
  LSTATUS rc = ::RegCreateKeyExW(HKEY_LOCAL_MACHINE, path->c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE,
                                 KEY_SET_VALUE | viewFlag(view), nullptr, handle.out(), nullptr);
  if (rc != ERROR_SUCCESS) return win32Failure("create registry key", describeKey(key, view), static_cast<DWORD>(rc));
  rc = ::RegSetValueExW(handle.get(), wname->c_str(), 0, type, bytes->data(), static_cast<DWORD>(bytes->size()));
  if (rc != ERROR_SUCCESS) {
    return win32Failure("write registry value", describeValue(key, name, view), static_cast<DWORD>(rc));
  }
  return {};
}

Result<void> WindowsRegistry::remove(const std::string& key, const std::string& name, RegistryView view) {
  auto path = keyPath(key);
  if (!path) return path.error();
  auto wname = valueName(key, name);
  if (!wname) return wname.error();
  KeyHandle handle;
  LSTATUS rc = openKey(*path, KEY_SET_VALUE, view, handle);
  if (rc == ERROR_FILE_NOT_FOUND) return {};  // no key, so no value either
  if (rc != ERROR_SUCCESS) return win32Failure("open registry key", describeKey(key, view), static_cast<DWORD>(rc));
  rc = ::RegDeleteValueW(handle.get(), wname->c_str());
  if (rc != ERROR_SUCCESS && rc != ERROR_FILE_NOT_FOUND) {
    return win32Failure("delete registry value", describeValue(key, name, view), static_cast<DWORD>(rc));
  }
  return {};
}

Result<std::vector<std::string>> WindowsRegistry::subkeys(const std::string& key, RegistryView view) const {
  auto path = keyPath(key);
  if (!path) return path.error();
  KeyHandle handle;
  LSTATUS rc = openKey(*path, KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE, view, handle);
  if (rc == ERROR_FILE_NOT_FOUND) return fail(ErrorCode::kNotFound, "no registry key " + describeKey(key, view));
  if (rc != ERROR_SUCCESS) return win32Failure("open registry key", describeKey(key, view), static_cast<DWORD>(rc));
  DWORD maxLength = 0;
  rc = ::RegQueryInfoKeyW(handle.get(), nullptr, nullptr, nullptr, nullptr, &maxLength, nullptr, nullptr, nullptr,
                          nullptr, nullptr, nullptr);
  if (rc != ERROR_SUCCESS) return win32Failure("query registry key", describeKey(key, view), static_cast<DWORD>(rc));
  // Key names are at most 255 characters; the buffer grows if a subkey appears with a longer one meanwhile.
  std::wstring buffer(std::max<DWORD>(maxLength, 255) + 1, L'\0');
  std::vector<std::string> names;
  for (DWORD index = 0;; ++index) {
    DWORD length = static_cast<DWORD>(buffer.size());
    rc = ::RegEnumKeyExW(handle.get(), index, buffer.data(), &length, nullptr, nullptr, nullptr, nullptr);
    if (rc == ERROR_NO_MORE_ITEMS) break;
    if (rc == ERROR_MORE_DATA) {
      buffer.resize(buffer.size() * 2);
      --index;
      continue;
    }
    if (rc != ERROR_SUCCESS) {
      return win32Failure("list the subkeys of registry key", describeKey(key, view), static_cast<DWORD>(rc));
    }
    names.push_back(toUtf8(std::wstring_view(buffer.data(), length)));
  }
  return names;
}

bool WindowsRegistry::keyExists(const std::string& key, RegistryView view) const {
  auto path = keyPath(key);
  if (!path) return false;
  KeyHandle handle;
  return openKey(*path, KEY_QUERY_VALUE, view, handle) == ERROR_SUCCESS;
}

}  // namespace remediator::platform
