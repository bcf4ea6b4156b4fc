#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// A file opened for appending whose every append is on disk before the call returns (fdatasync /
/// FlushFileBuffers). Used by the audit log; one implementation per OS, chosen by CMake.
class AppendOnlyFile {
 public:
  static Result<std::unique_ptr<AppendOnlyFile>> open(const std::filesystem::path& path);
  ~AppendOnlyFile();
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  /// Appends `data` and flushes it to stable storage.
  Result<void> append(const std::string& data, bool sync = true);
  /// Current size in bytes.
  std::uint64_t size() const { return size_; }

 private:
  AppendOnlyFile(std::intptr_t handle, std::uint64_t size) : handle_(handle), size_(size) {}
  std::intptr_t handle_;
  std::uint64_t size_;
};

/// Writes a whole file so a crash leaves the old or the new content: temp file, flush, rename.
Result<void> writeFileDurably(const std::filesystem::path& path, const std::string& data);

/// Reads a whole file; kNotFound when it does not exist.
Result<std::string> readWholeFile(const std::filesystem::path& path);

/// An exclusive, advisory lock on a file, held while the object lives; released by the OS when the process dies.
class InstanceLock {
 public:
  /// Takes the lock or fails with kBusy when another process holds it.
  static Result<std::unique_ptr<InstanceLock>> acquire(const std::filesystem::path& path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_;
};

}  // namespace remediator::platform
