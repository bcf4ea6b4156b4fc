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
  /// Opens `path` for appending, creating it (and making its directory entry durable) when absent.
  static Result<std::unique_ptr<AppendOnlyFile>> open(const std::filesystem::path& path);
  ~AppendOnlyFile();
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  /// Appends `data` and, when `sync`, flushes it to stable storage. A failure may leave part of `data` in the
  /// file; size() then counts the bytes that did get in.
  Result<void> append(const std::string& data, bool sync = true);
  /// Current size in bytes.
  std::uint64_t size() const { return size_; }

 private:
  AppendOnlyFile(std::intptr_t handle, std::uint64_t size, std::filesystem::path path)
      : handle_(handle), size_(size), path_(std::move(path)) {}
  std::intptr_t handle_;
  std::uint64_t size_;
  std::filesystem::path path_;
};

/// A small file rewritten in place from its first byte (pwrite / WriteFile at offset 0), without truncating or
/// renaming, so that one rewrite costs one write call. Without `sync` a crash may leave the previous content
/// or, rarely, a mix of both: callers that skip the flush must be able to tell (a checksum in the content).
class RewritableFile {
 public:
  /// Opens `path` for reading and writing, creating it empty when absent.
  static Result<std::unique_ptr<RewritableFile>> open(const std::filesystem::path& path);
  ~RewritableFile();
  RewritableFile(const RewritableFile&) = delete;
  RewritableFile& operator=(const RewritableFile&) = delete;

  /// Replaces the content with `data`; when `data` is shorter than the content the file is cut to its length.
  Result<void> rewrite(const std::string& data, bool sync = false);

 private:
  RewritableFile(std::intptr_t handle, std::uint64_t size, std::filesystem::path path)
      : handle_(handle), size_(size), path_(std::move(path)) {}
  std::intptr_t handle_;
  std::uint64_t size_;
  std::filesystem::path path_;
};

/// Writes a whole file so a crash leaves the old or the new content: temp file, flush, rename.
Result<void> writeFileDurably(const std::filesystem::path& path, const std::string& data);

/// Creates `path` holding `data`, readable and writable by its owner alone, flushed to disk; never replaces a file
/// that exists (kBusy then). POSIX: mode 0600, whatever the umask. Windows: a protected DACL with one ACE, full
/// control for the user who creates it (no inherited ACEs, so not even Administrators or SYSTEM can read it
/// without taking ownership first). For secrets that live in a file: a policy signing key.
Result<void> createPrivateFile(const std::filesystem::path& path, const std::string& data);

/// Reads a whole file; kNotFound when it does not exist.
Result<std::string> readWholeFile(const std::filesystem::path& path);

/// Makes renames, creations and removals inside `dir` durable (fsync of the directory on POSIX; nothing to do on
/// Windows, where NTFS journals them).
Result<void> syncDirectory(const std::filesystem::path& dir);

/// An exclusive, advisory lock on a file, held while the object lives; released by the OS when the process dies.
/// The lock belongs to the open file description: a child forked while it is held shares it.
class InstanceLock {
 public:
  /// Takes the lock or fails with kBusy when another process (or another open of the same file) holds it.
  static Result<std::unique_ptr<InstanceLock>> acquire(const std::filesystem::path& path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_;
};

}  // namespace remediator::platform
