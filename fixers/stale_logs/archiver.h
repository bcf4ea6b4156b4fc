#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/file_system.h"
#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::fixers::stale_logs {

/// One archive being written. Files are added one at a time so a long archive can stop at a deadline; nothing
/// counts as archived until finish() succeeded. Destroying a writer that was not finished discards the partial
/// archive. The caller reads the files (through a DirectoryHandle, which never follows a link) and hands over
/// their content.
class ArchiveWriter {
 public:
  virtual ~ArchiveWriter() = default;
  /// Adds a file's `content` under the name `entryName` ('/'-separated, relative), stamped `modified`. After an
  /// error the archive can no longer be trusted and finish() fails.
  virtual platform::Result<void> add(const std::string& entryName, const std::string& content,
                                     platform::SysTime modified) = 0;
  /// Completes the archive and makes it visible under its final name. Only after this succeeded may the
  /// archived files be deleted.
  virtual platform::Result<void> finish() = 0;
};

/// Makes archives of log files before they are deleted.
class Archiver {
 public:
  virtual ~Archiver() = default;
  /// Starts the archive `archivePath`; its folder exists.
  virtual platform::Result<std::unique_ptr<ArchiveWriter>> open(const std::filesystem::path& archivePath) = 0;
};

/// The zip archiver (Poco::Zip): files under 1 KiB stored, larger ones deflated; written to "<name>.partial" and renamed into place by
/// finish(), so a crash never leaves a truncated archive under the final name. The archive is written to the
/// real file system.
std::unique_ptr<Archiver> makeZipArchiver();

/// The file name of an archive made at `time`: "logs-20261125T161530.123Z.zip" (UTC, sorts by time).
std::string archiveFileName(platform::SysTime time);

/// What pruneArchives removed and what it could not.
struct PruneOutcome {
  int removed = 0;
  std::vector<std::string> problems;  ///< one line per archive that could not be removed
};

/// Keeps the `keep` newest archives (by modification time; at least the newest one) in `dir` and removes the
/// others and any archive older than `maxAge` (0: no age limit) other than the newest. Only regular files named
/// like archiveFileName() are considered; anything else in the folder is left alone.
PruneOutcome pruneArchives(platform::FileSystem& files, const std::filesystem::path& dir, int keep,
                           platform::Millis maxAge, platform::SysTime now);

}  // namespace remediator::fixers::stale_logs
