#pragma once

#include <windows.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// Owns a kernel HANDLE (file, pipe, process, job); closes it when it dies. Treats both null and
/// INVALID_HANDLE_VALUE as "no handle", since Win32 uses either for failure depending on the call.
class UniqueHandle {
 public:
  explicit UniqueHandle(HANDLE handle = nullptr) : handle_(handle) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }

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

/// Owns a handle of type `H` that `Close` releases: `OwnedHandle<HKEY, &::RegCloseKey>` for a registry key,
/// `OwnedHandle<SC_HANDLE, &::CloseServiceHandle>` for the SCM. Null means "no handle".
template <typename H, auto Close>
class OwnedHandle {
 public:
  explicit OwnedHandle(H handle = nullptr) : handle_(handle) {}
  ~OwnedHandle() {
    if (handle_ != nullptr) Close(handle_);
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  H get() const { return handle_; }
  H* out() { return &handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  H handle_;
};

/// A path as Win32 file functions want it: UTF-16 with backslashes, and the "\\?\" prefix when it is absolute
/// and too long for MAX_PATH, so deep trees (old Connector logs) can still be walked and removed.
std::wstring win32Path(const std::filesystem::path& path);

/// A path for messages, in UTF-8.
std::string displayPath(const std::filesystem::path& path);

/// Writes all of `data` to `file` (at `offset` when given, else at the file pointer); `written` counts what got
/// in even when it fails. The error names `path`.
Result<void> writeToFile(HANDLE file, const std::string& data, const std::filesystem::path& path,
                         std::size_t* written = nullptr, const std::uint64_t* offset = nullptr);

/// Reads `file` from its file pointer to the end. The error names `path`.
Result<std::string> readToEnd(HANDLE file, const std::filesystem::path& path, std::uint64_t maxBytes = UINT64_MAX);

}  // namespace remediator::platform
