#include "platform/memory/memory_file_system.h"

namespace remediator::platform {

struct MemoryFileSystem::Node {
  FileType type = FileType::kDirectory;
  std::string content;
  std::uint64_t size = 0;
  SysTime modified{};
  bool locked = false;
  std::string target;                                     // links only
  std::map<std::string, std::unique_ptr<Node>> children;  // directories only
};

/// Where a path leads: the directory that holds (or would hold) the entry, and the entry itself.
struct MemoryFileSystem::Located {
  Node* parent = nullptr;  // null for the root
  std::string name;
  Node* node = nullptr;  // null when the entry does not exist
};

namespace {

/// Splits on both separators; "." is dropped and ".." goes up, as the OS would resolve them lexically.
std::vector<std::string> split(const std::filesystem::path& path) {
  std::vector<std::string> parts;
  const std::string text = path.string();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find_first_of("/\\", pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  return parts;
}

Error notFound(const std::filesystem::path& path) {
  return fail(ErrorCode::kNotFound, path.string() + " does not exist");
}

FileInfo infoOf(const auto& node) {
  return FileInfo{node.type, node.type == FileType::kLink ? node.target.size() : node.size, node.modified};
}

}  // namespace

MemoryFileSystem::MemoryFileSystem(const TimeSource& time) : time_(time), root_(std::make_unique<Node>()) {
  root_->modified = time_.now();
}

MemoryFileSystem::~MemoryFileSystem() = default;

Result<MemoryFileSystem::Located> MemoryFileSystem::locate(const std::filesystem::path& path,
                                                           bool createParents) const {
  const auto parts = split(path);
  if (parts.empty()) return Located{nullptr, {}, root_.get()};
  Node* dir = root_.get();
  std::string prefix;  // for messages, in the caller's own separator style
  const char* separator = path.string().find('\\') != std::string::npos ? "\\" : "/";
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix += (i == 0 ? "" : separator) + parts[i];
    auto found = dir->children.find(parts[i]);
    if (found == dir->children.end()) {
      if (!createParents) {
        return fail(ErrorCode::kNotFound, path.string() + ": directory " + prefix + " does not exist");
      }
      dir->modified = time_.now();
      found = dir->children.emplace(parts[i], makeNode(FileType::kDirectory)).first;
    }
    Node* child = found->second.get();
    if (child->type == FileType::kLink) {
      return fail(createParents ? ErrorCode::kInvalidArgument : ErrorCode::kNotFound,
                  path.string() + ": " + prefix + " is a link, which is not followed");
    }
    if (child->type != FileType::kDirectory) {
      return fail(createParents ? ErrorCode::kInvalidArgument : ErrorCode::kNotFound,
                  path.string() + ": " + prefix + " is not a directory");
    }
    dir = child;
  }
  const auto found = dir->children.find(parts.back());
  return Located{dir, parts.back(), found == dir->children.end() ? nullptr : found->second.get()};
}

Result<MemoryFileSystem::Located> MemoryFileSystem::locateExisting(const std::filesystem::path& path) const {
  auto where = locate(path, false);
  if (where && where->node == nullptr) return notFound(path);
  return where;
}

Result<MemoryFileSystem::Node*> MemoryFileSystem::findNode(const std::filesystem::path& path) const {
  auto where = locateExisting(path);
  if (!where) return where.error();
  return where->node;
}

std::unique_ptr<MemoryFileSystem::Node> MemoryFileSystem::makeNode(FileType type,
                                                                   std::optional<SysTime> modified) const {
  auto node = std::make_unique<Node>();
  node->type = type;
  node->modified = modified.value_or(time_.now());
  return node;
}

void MemoryFileSystem::attach(const Located& where, std::unique_ptr<Node> node) {
  // A new or replaced entry changes its directory, as it would on disk.
  where.parent->modified = time_.now();
  where.parent->children[where.name] = std::move(node);
}

void MemoryFileSystem::detach(const Located& where) {
  where.parent->children.erase(where.name);
  where.parent->modified = time_.now();
}

Result<FileInfo> MemoryFileSystem::status(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  return infoOf(**node);
}

Result<std::vector<DirEntry>> MemoryFileSystem::list(const std::filesystem::path& dir) const {
  std::lock_guard lock(mutex_);
  auto node = findNode(dir);
  if (!node) return node.error();
  if ((*node)->type == FileType::kLink) {
    return fail(ErrorCode::kInvalidArgument, dir.string() + " is a link, which is not followed");
  }
  if ((*node)->type != FileType::kDirectory) {
    return fail(ErrorCode::kInvalidArgument, dir.string() + " is not a directory");
  }
  std::vector<DirEntry> entries;
  for (const auto& [name, child] : (*node)->children) entries.push_back(DirEntry{name, infoOf(*child)});
  return entries;
}

Result<std::string> MemoryFileSystem::readFile(const std::filesystem::path& path, std::uint64_t maxBytes) const {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  if ((*node)->type != FileType::kFile) {
    return fail(ErrorCode::kInvalidArgument,
                path.string() + ((*node)->type == FileType::kLink ? " is a link, which is not followed"
                                                                  : " is not a regular file"));
  }
  if ((*node)->content.size() > maxBytes) return tooLargeToRead(path.string(), (*node)->content.size(), maxBytes);
  return (*node)->content;
}

Result<void> MemoryFileSystem::writeFileAtomic(const std::filesystem::path& path, const std::string& data) {
  std::lock_guard lock(mutex_);
  auto where = locate(path, false);
  if (!where) return where.error();
  if (where->parent == nullptr) return fail(ErrorCode::kInvalidArgument, "cannot write the root directory");
  if (Node* existing = where->node) {
    if (existing->type == FileType::kDirectory) {
      return fail(ErrorCode::kInvalidArgument, path.string() + " is a directory");
    }
    if (existing->locked) return fail(ErrorCode::kBusy, path.string() + " is locked by another process");
  }
  // Like a rename over the old entry: a link there is replaced, its target untouched.
  auto file = makeNode(FileType::kFile);
  file->content = data;
  file->size = data.size();
  attach(*where, std::move(file));
  return {};
}

Result<void> MemoryFileSystem::removeFile(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  auto where = locateExisting(path);
  if (!where) return where.error();
  if (where->node->type == FileType::kDirectory) {
    return fail(ErrorCode::kInvalidArgument, path.string() + " is a directory, not a file");
  }
  if (where->node->locked) return fail(ErrorCode::kBusy, path.string() + " is locked by another process");
  detach(*where);
  return {};
}

Result<void> MemoryFileSystem::removeDirectory(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  auto where = locateExisting(path);
  if (!where) return where.error();
  if (where->parent == nullptr) return fail(ErrorCode::kInvalidArgument, "cannot remove the root directory");
  if (where->node->type != FileType::kDirectory) {
    return fail(ErrorCode::kInvalidArgument, path.string() + " is not a directory");
  }
  if (!where->node->children.empty()) {
    return fail(ErrorCode::kInvalidArgument, path.string() + " is not empty");
  }
  if (where->node->locked) return fail(ErrorCode::kBusy, path.string() + " is in use by another process");
  detach(*where);
  return {};
}

Result<void> MemoryFileSystem::createDirectories(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  auto where = locate(path, true);
  if (!where) return where.error();
  if (where->node != nullptr) {
    if (where->node->type == FileType::kDirectory) return {};
    return fail(ErrorCode::kInvalidArgument, path.string() + " exists and is not a directory");
  }
  attach(*where, makeNode(FileType::kDirectory));
  return {};
}

Result<void> MemoryFileSystem::addEntry(const std::filesystem::path& path, std::unique_ptr<Node> node) {
  std::lock_guard lock(mutex_);
  auto where = locate(path, true);
  if (!where) return where.error();
  if (where->parent == nullptr) return fail(ErrorCode::kInvalidArgument, "cannot replace the root directory");
  if (where->node != nullptr && where->node->type == FileType::kDirectory) {
    if (node->type != FileType::kDirectory) {
      return fail(ErrorCode::kInvalidArgument, path.string() + " is a directory");
    }
    where->node->modified = node->modified;  // adding a directory twice keeps its contents
    return {};
  }
  where->parent->children[where->name] = std::move(node);
  return {};
}

Result<void> MemoryFileSystem::addFile(const std::filesystem::path& path, std::string content,
                                       std::optional<SysTime> modified) {
  auto node = makeNode(FileType::kFile, modified);
  node->size = content.size();
  node->content = std::move(content);
  return addEntry(path, std::move(node));
}

Result<void> MemoryFileSystem::addDirectory(const std::filesystem::path& path,
                                            std::optional<SysTime> modified) {
  return addEntry(path, makeNode(FileType::kDirectory, modified));
}

Result<void> MemoryFileSystem::addLink(const std::filesystem::path& path, std::string target) {
  auto node = makeNode(FileType::kLink);
  node->target = std::move(target);
  return addEntry(path, std::move(node));
}

Result<void> MemoryFileSystem::addOther(const std::filesystem::path& path) {
  return addEntry(path, makeNode(FileType::kOther));
}

Result<void> MemoryFileSystem::setSize(const std::filesystem::path& path, std::uint64_t size) {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  if ((*node)->type != FileType::kFile) {
    return fail(ErrorCode::kInvalidArgument, path.string() + " is not a regular file");
  }
  (*node)->size = size;
  return {};
}

Result<void> MemoryFileSystem::setModified(const std::filesystem::path& path, SysTime modified) {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  (*node)->modified = modified;
  return {};
}

Result<void> MemoryFileSystem::setLocked(const std::filesystem::path& path, bool locked) {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  (*node)->locked = locked;
  return {};
}

bool MemoryFileSystem::exists(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  return findNode(path).ok();
}

Result<std::string> MemoryFileSystem::linkTarget(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  auto node = findNode(path);
  if (!node) return node.error();
  if ((*node)->type != FileType::kLink)
    return fail(ErrorCode::kInvalidArgument, path.string() + " is not a link");
  return (*node)->target;
}

}  // namespace remediator::platform
