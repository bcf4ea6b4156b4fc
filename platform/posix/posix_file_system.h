#pragma once

#include "platform/file_system.h"

namespace remediator::platform {

/// The file system on POSIX, through lstat and friends: no operation follows a symbolic link at the last
/// component of its path. status() and list() describe a link as kLink, readFile() and list() refuse one, and
/// removeFile() on a link removes the link and leaves its target alone.
class PosixFileSystem final : public FileSystem {
 public:
  Result<FileInfo> status(const std::filesystem::path& path) const override;
  Result<std::vector<DirEntry>> list(const std::filesystem::path& dir) const override;
  Result<std::string> readFile(const std::filesystem::path& path,
                               std::uint64_t maxBytes = kDefaultReadLimit) const override;
  /// A unique temp file in the same directory (mkstemp, never an existing path), written and fsynced, renamed
  /// over `path` (replacing a link there, not its target), then the directory is fsynced. The new file keeps
  /// the permission bits of the file it replaces, or gets 0644.
  Result<void> writeFileAtomic(const std::filesystem::path& path, const std::string& data) override;
  Result<void> removeFile(const std::filesystem::path& path) override;
  Result<void> removeDirectory(const std::filesystem::path& path) override;
  Result<void> createDirectories(const std::filesystem::path& path) override;
  /// Holds the directory open (O_NOFOLLOW) and works in it with openat, fstatat and unlinkat.
  Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::filesystem::path& dir) override;
};

}  // namespace remediator::platform
