#include "fixers/stale_logs/tree_walk.h"

#include <utility>
#include <vector>

namespace remediator::fixers::stale_logs {
namespace {

struct Frame {
  WalkEntry dir;                                     // as seen from its parent
  std::unique_ptr<platform::DirectoryHandle> handle;  // the directory itself, open
  std::vector<platform::DirEntry> entries;
  std::size_t next = 0;
  bool kept = false;  // something below this directory stays
};

// A name a file system should never list; acting on it could leave the directory.
bool unsafeName(const std::string& name) {
  return name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos;
}

}  // namespace

platform::Result<WalkResult> walkTree(platform::FileSystem& files, const std::filesystem::path& root,
                                      const WalkVisitor& visitor) {
  auto rootHandle = files.openDirectory(root);
  if (!rootHandle) return rootHandle.error();
  auto rootEntries = (*rootHandle)->list();
  if (!rootEntries) return rootEntries.error();

  WalkResult result;
  std::vector<Frame> stack;
  stack.push_back(Frame{WalkEntry{nullptr, {}, {}, {platform::FileType::kDirectory, 0, {}}, 0},
                        std::move(rootHandle).value(), std::move(rootEntries).value()});

  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.entries.size()) {
      Frame done = std::move(top);
      stack.pop_back();
      if (stack.empty()) {
        result.allGone = !done.kept;
        break;
      }
      done.handle.reset();  // closed before its parent removes it
      if (done.kept || visitor.onDirectory(done.dir) == Fate::kKept) stack.back().kept = true;
      continue;
    }
    if (visitor.stop()) {
      result.complete = false;
      result.allGone = false;
      break;
    }
    platform::DirEntry& listed = top.entries[top.next++];
    if (unsafeName(listed.name)) {
      top.kept = true;
      continue;
    }
    WalkEntry entry{top.handle.get(), listed.name,
                    top.dir.relative.empty() ? listed.name : top.dir.relative + '/' + listed.name, listed.info,
                    top.dir.depth + 1};
    if (entry.info.type != platform::FileType::kDirectory) {
      if (visitor.onEntry(entry) == Fate::kKept) top.kept = true;
      continue;
    }
    // Opened relative to the parent and without following a link: a directory swapped for a link since it was
    // listed fails here instead of being entered.
    auto handle = top.handle->openDirectory(listed.name);
    auto children = handle ? (*handle)->list() : platform::Result<std::vector<platform::DirEntry>>(handle.error());
    if (!children) {
      visitor.onListFailure(entry, children.error());
      top.kept = true;
      continue;
    }
    // `top` may dangle after the push.
    stack.push_back(Frame{std::move(entry), std::move(handle).value(), std::move(children).value()});
  }
  return result;
}

}  // namespace remediator::fixers::stale_logs
