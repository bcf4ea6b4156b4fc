#include "platform/posix/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <system_error>

#include "platform/posix/posix_io.h"

namespace remediator::platform {
namespace {

FileInfo infoFromStat(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileType::kFile;
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileType::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileType::kLink;
  } else {
    info.type = FileType::kOther;
  }
  info.size = info.type == FileType::kDirectory ? 0 : static_cast<std::uint64_t>(st.st_size);
  info.modified =
      SysTime{} + std::chrono::duration_cast<SysTime::duration>(std::chrono::seconds(st.st_mtim.tv_sec) +
                                                                std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return info;
}

Result<struct stat> linkStatus(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errnoError("read the status of", path.string(), errno);
  return st;
}

std::filesystem::path directoryOf(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

int writeAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

Result<void> syncDirectoryOf(const std::filesystem::path& path) {
  const auto dir = directoryOf(path);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoError("open directory", dir.string(), errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot fsync a directory; the rename is then as durable as they make it.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) return errnoError("flush directory", dir.string(), err);
  return {};
}

// The entries of the open directory `fd`, which stays open; errors name it `dir`.
Result<std::vector<DirEntry>> listOpenDirectory(int fd, const std::filesystem::path& dir) {
  // fdopendir takes over the descriptor it is given, so it gets a duplicate. The duplicate shares the read
  // position, hence the rewind: a handle may be listed more than once.
  const int streamFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (streamFd < 0) return errnoError("list", dir.string(), errno);
  DIR* stream = ::fdopendir(streamFd);
  if (stream == nullptr) {
    const int err = errno;
    ::close(streamFd);
    return errnoError("list", dir.string(), err);
  }
  ::rewinddir(stream);
  std::vector<DirEntry> entries;
  std::optional<Error> failure;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      if (errno != 0) failure = errnoError("list", dir.string(), errno);
      break;
    }
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat child {};
    if (::fstatat(fd, name.c_str(), &child, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we were listing
      failure = errnoError("read the status of", (dir / name).string(), errno);
      break;
    }
    entries.push_back(DirEntry{name, infoFromStat(child)});
  }
  ::closedir(stream);
  if (failure) return *failure;
  return entries;
}

/// A directory held open: every call is relative to its descriptor, so renaming it or a folder above it, or
/// swapping either for a link, cannot redirect a call to somewhere else.
class PosixDirectoryHandle final : public DirectoryHandle {
 public:
  PosixDirectoryHandle(int fd, std::filesystem::path shown) : fd_(fd), shown_(std::move(shown)) {}
  ~PosixDirectoryHandle() override { ::close(fd_); }
  PosixDirectoryHandle(const PosixDirectoryHandle&) = delete;
  PosixDirectoryHandle& operator=(const PosixDirectoryHandle&) = delete;

  /// Opens `name` below `dirFd` (AT_FDCWD: a path), refusing a link at its last component.
  static Result<std::unique_ptr<DirectoryHandle>> open(int dirFd, const std::string& name,
                                                       const std::filesystem::path& shown) {
    int fd;
    do {
      fd = ::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      const int err = errno;
      struct stat st {};
      if ((err == ELOOP || err == ENOTDIR) && ::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
          return fail(ErrorCode::kInvalidArgument, shown.string() + " is a symbolic link, which is not followed");
        }
        if (!S_ISDIR(st.st_mode)) return fail(ErrorCode::kInvalidArgument, shown.string() + " is not a directory");
      }
      return errnoError("open directory", shown.string(), err);
    }
    return std::unique_ptr<DirectoryHandle>(std::make_unique<PosixDirectoryHandle>(fd, shown));
  }

  Result<std::vector<DirEntry>> list() const override { return listOpenDirectory(fd_, shown_); }

  Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::string& name) const override {
    return open(fd_, name, shown_ / name);
  }

  Result<std::string> readFile(const std::string& name, std::uint64_t maxBytes) const override {
    return readRegularFileAt(fd_, name, FollowLinks::kNo, (shown_ / name).string(), maxBytes);
  }

  Result<void> removeFile(const std::string& name) override {
    // unlinkat without AT_REMOVEDIR removes a link itself and refuses a directory (EISDIR).
    if (::unlinkat(fd_, name.c_str(), 0) != 0) {
      if (errno == EISDIR) {
        return fail(ErrorCode::kInvalidArgument, (shown_ / name).string() + " is a directory, not a file");
      }
      return errnoError("remove", (shown_ / name).string(), errno);
    }
    return {};
  }

  Result<void> removeDirectory(const std::string& name) override {
    if (::unlinkat(fd_, name.c_str(), AT_REMOVEDIR) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST) {
        return fail(ErrorCode::kInvalidArgument, (shown_ / name).string() + " is not empty");
      }
      if (errno == ENOTDIR) {
        return fail(ErrorCode::kInvalidArgument, (shown_ / name).string() + " is not a directory");
      }
      return errnoError("remove directory", (shown_ / name).string(), errno);
    }
    return {};
  }

 private:
  int fd_;
  std::filesystem::path shown_;
};

}  // namespace

Result<FileInfo> PosixFileSystem::status(const std::filesystem::path& path) const {
  auto st = linkStatus(path);
  if (!st) return st.error();
  return infoFromStat(*st);
}

Result<std::vector<DirEntry>> PosixFileSystem::list(const std::filesystem::path& dir) const {
  auto st = linkStatus(dir);
  if (!st) return st.error();
  if (S_ISLNK(st->st_mode)) {
    return fail(ErrorCode::kInvalidArgument, dir.string() + " is a symbolic link, which is not followed");
  }
  if (!S_ISDIR(st->st_mode)) return fail(ErrorCode::kInvalidArgument, dir.string() + " is not a directory");
  // O_NOFOLLOW closes the window in which the directory could be swapped for a link after the lstat.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errnoError("open directory", dir.string(), errno);
  auto entries = listOpenDirectory(fd, dir);
  ::close(fd);
  return entries;
}

Result<std::string> PosixFileSystem::readFile(const std::filesystem::path& path, std::uint64_t maxBytes) const {
  return readRegularFileAt(AT_FDCWD, path, FollowLinks::kNo, path.string(), maxBytes);
}

Result<void> PosixFileSystem::writeFileAtomic(const std::filesystem::path& path, const std::string& data) {
  mode_t mode = 0644;
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (S_ISDIR(existing.st_mode))
      return fail(ErrorCode::kInvalidArgument, path.string() + " is a directory");
    if (S_ISREG(existing.st_mode)) mode = existing.st_mode & 07777;
  } else if (errno != ENOENT) {
    return errnoError("read the status of", path.string(), errno);
  }

  std::string temp = (directoryOf(path) / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return errnoError("create a temporary file for", path.string(), errno);
  int err = writeAll(fd, data);
  if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return errnoError("write", path.string(), err);
  }
  return syncDirectoryOf(path);
}

Result<void> PosixFileSystem::removeFile(const std::filesystem::path& path) {
  auto st = linkStatus(path);
  if (!st) return st.error();
  if (S_ISDIR(st->st_mode))
    return fail(ErrorCode::kInvalidArgument, path.string() + " is a directory, not a file");
  // unlink() never follows a link: it removes the link itself.
  if (::unlink(path.c_str()) != 0) return errnoError("remove", path.string(), errno);
  return {};
}

Result<void> PosixFileSystem::removeDirectory(const std::filesystem::path& path) {
  auto st = linkStatus(path);
  if (!st) return st.error();
  if (S_ISLNK(st->st_mode)) {
    return fail(ErrorCode::kInvalidArgument, path.string() + " is a symbolic link, not a directory");
  }
  if (!S_ISDIR(st->st_mode)) return fail(ErrorCode::kInvalidArgument, path.string() + " is not a directory");
  if (::rmdir(path.c_str()) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) {
      return fail(ErrorCode::kInvalidArgument, path.string() + " is not empty");
    }
    return errnoError("remove directory", path.string(), errno);
  }
  return {};
}

Result<void> PosixFileSystem::createDirectories(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ErrorCode::kInvalidArgument, path.string() + " exists and is not a directory");
  }
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return errnoError("create directory", path.string(), ec.value());
  return {};
}

Result<std::unique_ptr<DirectoryHandle>> PosixFileSystem::openDirectory(const std::filesystem::path& dir) {
  return PosixDirectoryHandle::open(AT_FDCWD, dir.string(), dir);
}

}  // namespace remediator::platform
