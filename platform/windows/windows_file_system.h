#pragma once

#include "platform/file_system.h"

namespace remediator::platform {

/// The file system on Windows, through the W functions: no path operation follows a reparse point (symbolic
/// link, junction, mount point) at the last component of its path, and openDirectory() follows none at all. status() and list() describe one as kLink,
/// readFile() and list() refuse one, and removeFile() on one removes the link and leaves its target alone. A
/// file another process holds open without FILE_SHARE_DELETE cannot be removed or replaced: kBusy.
class WindowsFileSystem final : public FileSystem {
 public:
  Result<FileInfo> status(const std::filesystem::path& path) const override;
  Result<std::vector<DirEntry>> list(const std::filesystem::path& dir) const override;
  Result<std::string> readFile(const std::filesystem::path& path,
                               std::uint64_t maxBytes = kDefaultReadLimit) const override;
  /// A new temp file in the same folder, written and flushed (FlushFileBuffers), then moved over `path`
  /// (MoveFileExW with MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH).
  Result<void> writeFileAtomic(const std::filesystem::path& path, const std::string& data) override;
  /// A read-only file is removed too (its attribute is cleared first), as unlink does on POSIX.
  Result<void> removeFile(const std::filesystem::path& path) override;
  Result<void> removeDirectory(const std::filesystem::path& path) override;
  Result<void> createDirectories(const std::filesystem::path& path) override;
  /// Holds the directory open (a handle opened on the reparse point itself, never through it) and opens,
  /// reads and deletes every entry relative to that handle (NtCreateFile with a root directory, deletion through
  /// the entry's own handle), so a folder swapped for a junction while a walk works in it cannot redirect it.
  Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::filesystem::path& dir) override;
};

}  // namespace remediator::platform
