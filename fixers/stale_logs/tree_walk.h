#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "platform/file_system.h"
#include "platform/result.h"

namespace remediator::fixers::stale_logs {

/// One entry met by walkTree.
struct WalkEntry {
  platform::DirectoryHandle* dir = nullptr;  ///< the open directory holding the entry: act through it
  std::string name;                          ///< the entry's name in `dir`
  std::string relative;                      ///< '/'-separated path below the walk's root
  platform::FileInfo info;                   ///< as listed, links not followed
  int depth = 1;                             ///< 1 for the root's own entries
};

/// Whether a visited entry is still there afterwards.
enum class Fate { kGone, kKept };

/// What walkTree calls. Every member must be set.
struct WalkVisitor {
  /// Checked before each entry; true ends the walk at once (the deadline passed).
  std::function<bool()> stop;
  /// A file, link or other non-directory entry. A link is never entered or followed.
  std::function<Fate(const WalkEntry&)> onEntry;
  /// A directory below the root, after its own entries, called only when all of them are gone.
  std::function<Fate(const WalkEntry&)> onDirectory;
  /// A directory below the root that could not be listed; it and its contents stay.
  std::function<void(const WalkEntry&, const platform::Error&)> onListFailure;
};

/// How a walk ended.
struct WalkResult {
  bool complete = true;  ///< false when stop() ended it early
  bool allGone = true;   ///< every entry below the root is gone (the root itself is never visited)
};

/// Walks the tree below `root` depth first, children before their directory. Directories are only entered when
/// listed as kDirectory, and are held open (FileSystem::openDirectory) while their entries are visited, so a
/// symbolic link, junction or other reparse point in the tree is reported to onEntry as kLink and never walked
/// through, even one swapped in for a directory during the walk. Fails only when `root` itself cannot be opened
/// or listed.
platform::Result<WalkResult> walkTree(platform::FileSystem& files, const std::filesystem::path& root,
                                      const WalkVisitor& visitor);

}  // namespace remediator::fixers::stale_logs
