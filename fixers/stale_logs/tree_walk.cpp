#include "fixers/stale_logs/tree_walk.h"

#include <utility>
#include <vector>

namespace remediator::fixers::stale_logs {
namespace {

struct Frame {
  WalkEntry dir;
  std::vector<platform::DirEntry> entries;
  std::size_t next = 0;
  bool kept = false;  // something below this directory stays
};

// A name a file system should never list; walking it could leave the tree.
bool unsafeName(const std::string& name) {
  return name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos;
}

}  // namespace

platform::Result<WalkResult> walkTree(const platform::FileSystem& files, const std::filesystem::path& root,
                                      const WalkVisitor& visitor) {
  auto rootEntries = files.list(root);
  if (!rootEntries) return rootEntries.error();

  WalkResult result;
  std::vector<Frame> stack;
  stack.push_back(Frame{WalkEntry{root, {}, {platform::FileType::kDirectory, 0, {}}, 0},
                        std::move(rootEntries).value()});

  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.entries.size()) {
      Frame done = std::move(top);
      stack.pop_back();
      if (stack.empty()) {
        result.allGone = !done.kept;
        break;
      }
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
    WalkEntry entry{top.dir.path / listed.name,
                    top.dir.relative.empty() ? listed.name : top.dir.relative + '/' + listed.name, listed.info,
                    top.dir.depth + 1};
    if (entry.info.type != platform::FileType::kDirectory) {
      if (visitor.onEntry(entry) == Fate::kKept) top.kept = true;
      continue;
    }
    auto children = files.list(entry.path);
    if (!children) {
      visitor.onListFailure(entry, children.error());
      top.kept = true;
      continue;
    }
    // `top` may dangle after the push.
    stack.push_back(Frame{std::move(entry), std::move(children).value()});
  }
  return result;
}

}  // namespace remediator::fixers::stale_logs
