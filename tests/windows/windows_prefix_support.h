#pragma once
// Helpers for the Windows tests that change shared places of the Wine prefix (the Winlogon and CurrentVersion
// keys, the Connector's logs folder): Win32 reads and writes independent of WindowsRegistry, to check what the
// product left, and RAII objects that put back what a test changed, also when it fails.
#include <windows.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace remediator::platform::testing {

inline std::wstring wide(const std::string& ascii) { return std::wstring(ascii.begin(), ascii.end()); }

inline std::string narrow(const std::wstring& text) {
  if (text.empty()) return {};
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0,
                                         nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), size, nullptr, nullptr);
  return out;
}

/// A value of HKLM\<key> (64-bit view) as RegGetValueW returns it: its type and, for strings and DWORDs, its
/// text. nullopt when the value does not exist.
struct RawValue {
  DWORD type = REG_NONE;
  std::string text;
  std::vector<BYTE> bytes;
};
inline std::optional<RawValue> rawRead(const std::string& key, const std::string& name) {
  DWORD type = 0;
  DWORD size = 0;
  if (::RegGetValueW(HKEY_LOCAL_MACHINE, wide(key).c_str(), wide(name).c_str(),
                     RRF_RT_ANY | RRF_NOEXPAND | RRF_SUBKEY_WOW6464KEY, &type, nullptr, &size) != ERROR_SUCCESS) {
    return std::nullopt;
  }
  RawValue value;
  value.type = type;
  value.bytes.resize(size);
  if (::RegGetValueW(HKEY_LOCAL_MACHINE, wide(key).c_str(), wide(name).c_str(),
                     RRF_RT_ANY | RRF_NOEXPAND | RRF_SUBKEY_WOW6464KEY, &type, value.bytes.data(),
                     &size) != ERROR_SUCCESS) {
    return std::nullopt;
  }
  value.bytes.resize(size);
  if (type == REG_SZ || type == REG_EXPAND_SZ) {
    std::wstring text(reinterpret_cast<const wchar_t*>(value.bytes.data()), size / sizeof(wchar_t));
    while (!text.empty() && text.back() == L'\0') text.pop_back();
    value.text = narrow(text);
  } else if (type == REG_DWORD && size == sizeof(DWORD)) {
    DWORD number = 0;
    std::memcpy(&number, value.bytes.data(), sizeof number);
    value.text = std::to_string(number);
  }
  return value;
}

inline void rawWriteSz(const std::string& key, const std::string& name, const std::string& text) {
  const std::wstring value = wide(text);
  ASSERT_EQ(::RegSetKeyValueW(HKEY_LOCAL_MACHINE, wide(key).c_str(), wide(name).c_str(), REG_SZ, value.c_str(),
                              static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t))),
            ERROR_SUCCESS)
      << key << "\\" << name;
}

/// Saves the values `names` of HKLM\<key> (64-bit view) and puts them back when it dies: rewritten with their
/// original type and bytes, or deleted when they did not exist.
class SavedRegistryValues {
 public:
  SavedRegistryValues(std::string key, std::vector<std::string> names) : key_(std::move(key)) {
    for (const auto& name : names) saved_[name] = rawRead(key_, name);
  }
  ~SavedRegistryValues() {
    HKEY handle = nullptr;
    if (::RegOpenKeyExW(HKEY_LOCAL_MACHINE, wide(key_).c_str(), 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &handle) !=
        ERROR_SUCCESS) {
      return;
    }
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::RegSetValueExW(handle, wide(name).c_str(), 0, value->type, value->bytes.data(),
                         static_cast<DWORD>(value->bytes.size()));
      } else {
        ::RegDeleteValueW(handle, wide(name).c_str());
      }
    }
    ::RegCloseKey(handle);
  }
  SavedRegistryValues(const SavedRegistryValues&) = delete;
  SavedRegistryValues& operator=(const SavedRegistryValues&) = delete;

 private:
  std::string key_;
  std::map<std::string, std::optional<RawValue>> saved_;
};

/// %ProgramData%, read from this process's environment directly (not through the product's expansion).
inline std::filesystem::path programData() {
  wchar_t buffer[MAX_PATH] = {};
  const DWORD n = ::GetEnvironmentVariableW(L"ProgramData", buffer, MAX_PATH);
  return n > 0 && n < MAX_PATH ? std::filesystem::path(buffer) : std::filesystem::path();
}

inline void put(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

/// The Connector's logs folder of the prefix, with files planted in it; whatever the test created is removed
/// when it dies (the folder and its parent stay only if they existed before).
class PlantedLogs {
 public:
  PlantedLogs() {
    parent_ = programData() / L"Microsoft" / L"Windows Server";
    logs_ = parent_ / L"Logs";
    parentExisted_ = std::filesystem::exists(parent_);
    logsExisted_ = std::filesystem::exists(logs_);
  }
  ~PlantedLogs() {
    std::error_code ignored;
    if (!parentExisted_) {
      std::filesystem::remove_all(parent_, ignored);
    } else if (!logsExisted_) {
      std::filesystem::remove_all(logs_, ignored);
    } else {
      for (const auto& name : planted_) std::filesystem::remove_all(logs_ / name, ignored);
    }
  }
  PlantedLogs(const PlantedLogs&) = delete;
  PlantedLogs& operator=(const PlantedLogs&) = delete;

  void plant(const std::filesystem::path& relative, const std::string& content) {
    put(logs_ / relative, content);
    planted_.insert(*relative.begin());
  }
  void plantFolder(const std::filesystem::path& relative) {
    std::filesystem::create_directories(logs_ / relative);
    planted_.insert(*relative.begin());
  }
  const std::filesystem::path& path() const { return logs_; }
  bool existedBefore() const { return logsExisted_; }

  std::set<std::string> contents() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(logs_)) {
      names.insert(entry.path().lexically_relative(logs_).generic_string());
    }
    return names;
  }

 private:
  std::filesystem::path parent_;
  std::filesystem::path logs_;
  bool parentExisted_ = false;
  bool logsExisted_ = false;
  std::set<std::filesystem::path> planted_;
};

}  // namespace remediator::platform::testing
