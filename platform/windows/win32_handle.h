#pragma once

#include <windows.h>

#include <filesystem>
#include <string>

namespace remediator::platform {

/// Owns a kernel HANDLE (file, pipe, process, job); closes it when it dies. Treats both null and
/// INVALID_HANDLE_VALUE as "no handle", since Win32 uses either for failure depending on the call.
class UniqueHandle {
 public:
  explicit UniqueHandle(HANDLE handle = nullptr) : handle_(handle) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;

  /// Closes the handle held, then holds `handle`.
  void reset(HANDLE handle = nullptr) {
    if (valid()) ::CloseHandle(handle_);
    handle_ = handle;
  }
  /// Gives up ownership without closing.
  HANDLE release() {
    HANDLE h = handle_;
    handle_ = nullptr;
    return h;
  }
  HANDLE get() const { return handle_; }
  HANDLE* out() { return &handle_; }
  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  explicit operator bool() const { return valid(); }

 private:
  HANDLE handle_;
};

/// A path as Win32 file functions want it: UTF-16 with backslashes, and the "\\?\" prefix when it is absolute
/// and too long for MAX_PATH, so deep trees (old Connector logs) can still be walked and removed.
std::wstring win32Path(const std::filesystem::path& path);

/// A path for messages, in UTF-8.
std::string displayPath(const std::filesystem::path& path);

}  // namespace remediator::platform
