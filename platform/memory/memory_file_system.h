#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_system.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// A file system in memory for tests: a tree of files, directories, links and other entries with sizes and
/// modification times. Paths split on both '/' and '\', so "C:\ProgramData\x" and "C:/ProgramData/x" are the
/// same entry; names are case-sensitive. Links are never followed, not even in the middle of a path (such a
/// path is kNotFound), and a file marked locked cannot be removed or replaced (kBusy), as a file another
/// process holds open on Windows.
class MemoryFileSystem final : public FileSystem {
 public:
  /// Writes and new directories take their modification time from `time`, which must outlive this object.
  explicit MemoryFileSystem(const TimeSource& time);
  ~MemoryFileSystem() override;

  Result<FileInfo> status(const std::filesystem::path& path) const override;
  Result<std::vector<DirEntry>> list(const std::filesystem::path& dir) const override;
  Result<std::string> readFile(const std::filesystem::path& path,
                               std::uint64_t maxBytes = kDefaultReadLimit) const override;
  Result<void> writeFileAtomic(const std::filesystem::path& path, const std::string& data) override;
  Result<void> removeFile(const std::filesystem::path& path) override;
  Result<void> removeDirectory(const std::filesystem::path& path) override;
  Result<void> createDirectories(const std::filesystem::path& path) override;

  /// Setup: creates or replaces the file `path` (parents are created), modified at `modified` or now.
  Result<void> addFile(const std::filesystem::path& path, std::string content = {},
                       std::optional<SysTime> modified = std::nullopt);
  /// Setup: creates the directory `path` and its parents, modified at `modified` or now.
  Result<void> addDirectory(const std::filesystem::path& path,
                            std::optional<SysTime> modified = std::nullopt);
  /// Setup: creates a link at `path` pointing to `target`; the target need not exist and is never visited.
  Result<void> addLink(const std::filesystem::path& path, std::string target);
  /// Setup: creates an entry that is neither file, directory nor link (a device, socket or fifo).
  Result<void> addOther(const std::filesystem::path& path);
  /// Setup: makes a file report `size` bytes without holding them, to model large logs cheaply.
  Result<void> setSize(const std::filesystem::path& path, std::uint64_t size);
  /// Setup: sets the modification time of an entry.
  Result<void> setModified(const std::filesystem::path& path, SysTime modified);
  /// Setup: marks an entry locked (removal and replacement fail with kBusy) or unlocks it.
  Result<void> setLocked(const std::filesystem::path& path, bool locked);
  /// Whether an entry exists at `path` (a link counts, whatever its target).
  bool exists(const std::filesystem::path& path) const;
  /// The target a link was created with.
  Result<std::string> linkTarget(const std::filesystem::path& path) const;

 private:
  struct Node;
  struct Located;
  Result<Located> locate(const std::filesystem::path& path, bool createParents) const;
  Result<Located> locateExisting(const std::filesystem::path& path) const;
  Result<Node*> findNode(const std::filesystem::path& path) const;
  std::unique_ptr<Node> makeNode(FileType type, std::optional<SysTime> modified = std::nullopt) const;
  void attach(const Located& where, std::unique_ptr<Node> node);
  void detach(const Located& where);
  Result<void> addEntry(const std::filesystem::path& path, std::unique_ptr<Node> node);

  const TimeSource& time_;
  mutable std::mutex mutex_;
  std::unique_ptr<Node> root_;
};

}  // namespace remediator::platform
