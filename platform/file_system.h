#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
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

/// How much FileSystem::readFile and DirectoryHandle::readFile read unless told otherwise: more than any state
/// file the product writes, far less than a planted multi-GB (sparse) file that would end in bad_alloc.
inline constexpr std::uint64_t kDefaultReadLimit = std::uint64_t{64} << 20;

/// The error of a read refused by its bound: "<file> holds N bytes, more than the M bytes ... read".
Error tooLargeToRead(const std::string& shownAs, std::uint64_t size, std::uint64_t maxBytes);

/// One entry of a directory listing.
struct DirEntry {
  std::string name;  ///< the entry's own name, not a path
  FileInfo info;
};

/// A directory held open, its entries named relative to it. Once it is open, swapping it or a folder above it for
/// a link cannot redirect what is done through it, which a walk that deletes in a folder others can write to
/// needs (a path is resolved again at every call; a held directory is not). Nothing here follows a link.
class DirectoryHandle {
 public:
  virtual ~DirectoryHandle() = default;
  /// The entries, in no particular order, as FileSystem::list.
  virtual Result<std::vector<DirEntry>> list() const = 0;
  /// Opens the subdirectory `name`; kInvalidArgument when it is a link or not a directory.
  virtual Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::string& name) const = 0;
  /// The content of the regular file `name`; kInvalidArgument when it is a link or not a regular file,
  /// kInvalidData when it holds more than `maxBytes` (checked before anything is read, and again while reading).
  virtual Result<std::string> readFile(const std::string& name, std::uint64_t maxBytes = kDefaultReadLimit) const = 0;
  /// Removes the file, link or other entry `name` (a link itself, never its target); kNotFound when absent,
  /// kBusy when locked by another process, kInvalidArgument for a directory.
  virtual Result<void> removeFile(const std::string& name) = 0;
  /// Removes the empty directory `name`; kInvalidArgument when it is not empty.
  virtual Result<void> removeDirectory(const std::string& name) = 0;
};

/// The file operations fixers need. Nothing here follows a link: status and list describe the link itself, and
/// removing a link removes the link, never its target.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<FileInfo> status(const std::filesystem::path& path) const = 0;
  /// The entries of a directory, in no particular order.
  virtual Result<std::vector<DirEntry>> list(const std::filesystem::path& dir) const = 0;
  /// The content of a regular file (never through a link); kInvalidData when it holds more than `maxBytes`.
  virtual Result<std::string> readFile(const std::filesystem::path& path,
                                       std::uint64_t maxBytes = kDefaultReadLimit) const = 0;
  /// Writes the whole file so that a crash leaves either the old or the new content (temp file, flush, rename).
  virtual Result<void> writeFileAtomic(const std::filesystem::path& path, const std::string& data) = 0;
  /// Removes a file or a link; kNotFound when absent; kBusy when locked by another process.
  virtual Result<void> removeFile(const std::filesystem::path& path) = 0;
  /// Removes an empty directory.
  virtual Result<void> removeDirectory(const std::filesystem::path& path) = 0;
  virtual Result<void> createDirectories(const std::filesystem::path& path) = 0;
  /// Opens the directory `dir` (kInvalidArgument when it is a link) for work relative to it. The default goes
  /// through the path calls above, which guard only the last component of each path; an implementation that can
  /// hold a directory open (openat, NtCreateFile with a root handle) overrides it.
  virtual Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::filesystem::path& dir);
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

/// The machine-wide application data folder as the OS itself names it (FOLDERID_ProgramData on Windows), not as
/// the environment says: a service's environment can disagree (Wine gives services %ProgramData% =
/// C:\users\Public). nullopt where the OS has no such folder (POSIX).
std::optional<std::filesystem::path> programDataFolder();

/// Sets the process environment variable `name` to `value`, or removes it when `value` is nullopt, so that
/// processEnvironment and child processes see the change (setenv on POSIX, _wputenv_s on Windows, where an empty
/// value removes the variable too). Not safe while other threads read the environment: for start-up code and
/// tests.
Result<void> setProcessEnvironment(const std::string& name, const std::optional<std::string>& value);

}  // namespace remediator::platform
