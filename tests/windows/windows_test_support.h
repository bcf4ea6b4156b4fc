#pragma once

#include <windows.h>

#include <atomic>
#include <string>

#include "platform/registry.h"

namespace remediator::platform::testing {

/// A unique name part for this process and call ("1234-7"), so parallel test processes never share a key or a
/// service.
inline std::string uniqueSuffix() {
  static std::atomic<unsigned> counter{0};
  return std::to_string(::GetCurrentProcessId()) + "-" + std::to_string(counter.fetch_add(1));
}

/// A registry key of the test's own under HKLM\SOFTWARE\RemediatorTests, deleted in both views when the object
/// dies. The tests run in the build's private Wine prefix, so this is that prefix's registry.
class ScratchKey {
 public:
  ScratchKey() : path_("SOFTWARE\\RemediatorTests\\" + uniqueSuffix()) {}
  ~ScratchKey() {
    const std::wstring wide(path_.begin(), path_.end());  // ASCII by construction
    for (REGSAM view : {KEY_WOW64_64KEY, KEY_WOW64_32KEY}) {
      HKEY parent = nullptr;
      if (::RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\RemediatorTests", 0, KEY_ALL_ACCESS | view, &parent) ==
          ERROR_SUCCESS) {
        const std::wstring leaf = wide.substr(wide.rfind(L'\\') + 1);
        ::RegDeleteTreeW(parent, leaf.c_str());
        ::RegDeleteKeyExW(parent, leaf.c_str(), view, 0);
        ::RegCloseKey(parent);
      }
    }
  }
  ScratchKey(const ScratchKey&) = delete;
  ScratchKey& operator=(const ScratchKey&) = delete;

  /// The key path below HKLM, as the Registry interface takes it.
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& sub) const { return path_ + "\\" + sub; }

 private:
  std::string path_;
};

/// The Windows path of a file the build made: the build knows its Linux path, and Wine maps the Linux root to
/// drive Z:.
inline std::string windowsPath(const std::string& linuxPath) {
  std::string path = "Z:";
  for (const char c : linuxPath) path += c == '/' ? '\\' : c;
  return path;
}

/// test_helper.exe (see test_helper.cpp) as a Windows path.
inline std::string helperPath() { return windowsPath(REMEDIATOR_TEST_HELPER); }

}  // namespace remediator::platform::testing
