#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// What a directory entry is, seen without following links.
enum class FileType {
  kFile,
  kDirectory,
  kLink,   ///< a symbolic link, junction or any other reparse point: never followed
  kOther,  ///< device, socket, fifo
};

/// What status() and list() report about one entry, seen without following links.
struct FileInfo {
  FileType type = FileType::kFile;
  std::uint64_t size = 0;  ///< bytes, for files
  SysTime modified{};
};

/// One entry of a directory listing.
struct DirEntry {
  std::string name;  ///< the entry's own name, not a path
  FileInfo info;
};

/// The file operations fixers need. Nothing here follows a link: status and list describe the link itself, and
/// removing a link removes the link, never its target.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<FileInfo> status(const std::filesystem::path& path) const = 0;
  /// The entries of a directory, in no particular order.
  virtual Result<std::vector<DirEntry>> list(const std::filesystem::path& dir) const = 0;
  virtual Result<std::string> readFile(const std::filesystem::path& path) const = 0;
  /// Writes the whole file so that a crash leaves either the old or the new content (temp file, flush, rename).
  virtual Result<void> writeFileAtomic(const std::filesystem::path& path, const std::string& data) = 0;
  /// Removes a file or a link; kNotFound when absent; kBusy when locked by another process.
  virtual Result<void> removeFile(const std::filesystem::path& path) = 0;
  /// Removes an empty directory.
  virtual Result<void> removeDirectory(const std::filesystem::path& path) = 0;
  virtual Result<void> createDirectories(const std::filesystem::path& path) = 0;
};

/// Expands `%NAME%` environment references the Windows way (unknown names stay as they are). On POSIX the
/// process environment is used too, so policies written for Windows still load in native tests.
std::string expandEnvironment(const std::string& text);

/// Looks up one environment variable by name; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Expands `%NAME%` references with `lookup` instead of the process environment, so that tests and callers with
/// their own environment (another user's profile) get the same rules: unknown names stay as they are.
std::string expandEnvironment(const std::string& text, const EnvironmentLookup& lookup);

/// The process environment variable `name`, found without regard to case the way Windows does; nullopt when
/// absent. The lookup expandEnvironment(text) uses.
std::optional<std::string> processEnvironment(const std::string& name);

}  // namespace remediator::platform
