#include "platform/durable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platform/posix/posix_file_system.h"
#include "platform/posix/posix_io.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;

Error ioError(const std::string& what, const fs::path& path, int err) { return errnoError(what, path.string(), err); }

int retryOpen(const fs::path& path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

/// Writes all of `data` at `offset`, or at the file offset (the end, with O_APPEND) when `offset` is negative;
/// returns the bytes written and the errno that stopped it (0 when none).
std::pair<std::size_t, int> writeAll(int fd, const char* data, std::size_t size, off_t offset = -1) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = offset < 0 ? ::write(fd, data + done, size - done)
                                 : ::pwrite(fd, data + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {done, errno};
    }
    done += static_cast<std::size_t>(n);
  }
  return {done, 0};
}

int dataSync(int fd) {
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? errno : 0;
}

fs::path parentOf(const fs::path& path) {
  fs::path dir = path.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

struct OpenedFile {
  int fd = -1;
  std::uint64_t size = 0;
};

/// Opens `path`, creating it when absent; a creation is made durable by syncing the directory, so a file that
/// then receives synced data cannot vanish in a crash.
Result<OpenedFile> openOrCreate(const fs::path& path, int flags) {
  int fd = retryOpen(path, flags);
  if (fd < 0 && errno != ENOENT) return ioError("open", path, errno);
  if (fd < 0) {
    fd = retryOpen(path, flags | O_CREAT | O_EXCL, 0640);
    if (fd < 0 && errno == EEXIST) fd = retryOpen(path, flags);  // created by someone else meanwhile
    if (fd < 0) return ioError("create", path, errno);
    if (auto synced = syncDirectory(parentOf(path)); !synced) {
      ::close(fd);
      return synced.error();
    }
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ioError("stat", path, err);
  }
  return OpenedFile{fd, static_cast<std::uint64_t>(st.st_size)};
}

}  // namespace

// --- AppendOnlyFile ---

Result<std::unique_ptr<AppendOnlyFile>> AppendOnlyFile::open(const fs::path& path) {
  auto opened = openOrCreate(path, O_WRONLY | O_APPEND);
  if (!opened) return opened.error();
  return std::unique_ptr<AppendOnlyFile>(new AppendOnlyFile(opened->fd, opened->size, path));
}

AppendOnlyFile::~AppendOnlyFile() { ::close(static_cast<int>(handle_)); }

Result<void> AppendOnlyFile::append(const std::string& data, bool sync) {
  const int fd = static_cast<int>(handle_);
  auto [written, err] = writeAll(fd, data.data(), data.size());
  size_ += written;
  if (err != 0) return ioError("append to", path_, err);
  if (sync) {
    if (int syncErr = dataSync(fd); syncErr != 0) return ioError("flush", path_, syncErr);
  }
  return {};
}

// --- RewritableFile ---

Result<std::unique_ptr<RewritableFile>> RewritableFile::open(const fs::path& path) {
  auto opened = openOrCreate(path, O_RDWR);
  if (!opened) return opened.error();
  return std::unique_ptr<RewritableFile>(new RewritableFile(opened->fd, opened->size, path));
}

RewritableFile::~RewritableFile() { ::close(static_cast<int>(handle_)); }

Result<void> RewritableFile::rewrite(const std::string& data, bool sync) {
  const int fd = static_cast<int>(handle_);
  if (auto [written, err] = writeAll(fd, data.data(), data.size(), 0); err != 0) {
    return ioError("write", path_, err);
  }
  if (data.size() < size_) {
    if (::ftruncate(fd, static_cast<off_t>(data.size())) != 0) return ioError("truncate", path_, errno);
  }
  size_ = data.size();
  if (sync) {
    if (int syncErr = dataSync(fd); syncErr != 0) return ioError("flush", path_, syncErr);
  }
  return {};
}

// --- whole files ---

Result<void> writeFileDurably(const fs::path& path, const std::string& data) {
  return PosixFileSystem().writeFileAtomic(path, data);
}

Result<void> createPrivateFile(const fs::path& path, const std::string& data) {
  // O_EXCL | O_NOFOLLOW: a file or a link planted at the name is never written through or replaced.
  const int fd = retryOpen(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fail(ErrorCode::kBusy, path.string() + " already exists; it is not replaced");
    return ioError("create", path, errno);
  }
  int err = ::fchmod(fd, 0600) != 0 ? errno : 0;  // the umask may have taken bits away, never added any
  if (err == 0) err = writeAll(fd, data.data(), data.size()).second;
  if (err == 0) err = dataSync(fd);
  ::close(fd);
  if (err != 0) {
    ::unlink(path.c_str());
    return ioError("write", path, err);
  }
  return syncDirectory(parentOf(path));
}

Result<std::string> readWholeFile(const fs::path& path) { return readRegularFile(path, FollowLinks::kYes); }

Result<void> syncDirectory(const fs::path& dir) {
  int fd = retryOpen(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ioError("open directory", dir, errno);
  int err = 0;
  if (::fsync(fd) != 0) err = errno;
  ::close(fd);
  // Some file systems cannot sync a directory; their metadata is then as durable as it gets.
  if (err != 0 && err != EINVAL && err != ENOTSUP) return ioError("flush directory", dir, err);
  return {};
}

// --- InstanceLock ---

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const fs::path& path) {
  int fd = retryOpen(path, O_RDWR | O_CREAT, 0640);
  if (fd < 0) return ioError("open lock file", path, errno);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return ioError("lock", path, err);
    }
    // The holder wrote its process id into the file: name it so the admin knows which one to look at.
    std::string holder;
    char buffer[32] = {};
    ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    if (n > 0) holder.assign(buffer, static_cast<std::size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    std::string message = "lock file " + path.string() + " is held by another process";
    if (!holder.empty() && holder.find_first_not_of("0123456789") == std::string::npos) {
      message += " (pid " + holder + ")";
    }
    return fail(ErrorCode::kBusy, message + ": is another instance running?");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)writeAll(fd, pid.data(), pid.size(), 0);
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

InstanceLock::~InstanceLock() {
  // Closing the descriptor releases the lock; the file stays so that its inode, and the lock, stay the same.
  ::close(static_cast<int>(handle_));
}

}  // namespace remediator::platform
