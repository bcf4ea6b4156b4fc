#include "platform/posix/posix_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "platform/file_system.h"

namespace remediator::platform {

ErrorCode errorCodeFromErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return ErrorCode::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return ErrorCode::kPermissionDenied;
    case EBUSY:
    case ETXTBSY:
    case EWOULDBLOCK:
      return ErrorCode::kBusy;
    case EINVAL:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case ENOTEMPTY:
    case EEXIST:
      return ErrorCode::kInvalidArgument;
    case ETIMEDOUT:
      return ErrorCode::kTimeout;
    default:
      return ErrorCode::kIo;
  }
}

Error errnoError(const std::string& what, const std::string& subject, int err) {
  // std::generic_category().message() is thread-safe, unlike strerror().
  return fail(errorCodeFromErrno(err),
              "cannot " + what + " " + subject + ": " + std::generic_category().message(err));
}

Result<std::string> readRegularFile(const std::filesystem::path& path, FollowLinks follow) {
  return readRegularFileAt(AT_FDCWD, path, follow, path.string());
}

Result<std::string> readRegularFileAt(int dirFd, const std::filesystem::path& path, FollowLinks follow,
                                      const std::string& shownAs, std::uint64_t maxBytes) {
  // O_NONBLOCK so that a fifo at the path fails the type check below instead of blocking the open.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  if (follow == FollowLinks::kNo) flags |= O_NOFOLLOW;
  int fd;
  do {
    fd = ::openat(dirFd, path.c_str(), flags);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ELOOP && follow == FollowLinks::kNo) {
      return fail(ErrorCode::kInvalidArgument, shownAs + " is a symbolic link, which is not followed");
    }
    return errnoError("open", shownAs, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return errnoError("stat", shownAs, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, shownAs + " is not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > maxBytes) {
    ::close(fd);
    return tooLargeToRead(shownAs, static_cast<std::uint64_t>(st.st_size), maxBytes);
  }
  std::string content;
  content.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return errnoError("read", shownAs, err);
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::uint64_t>(n) > maxBytes) {  // it grew after the check above
      ::close(fd);
      return tooLargeToRead(shownAs, content.size() + static_cast<std::uint64_t>(n), maxBytes);
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace remediator::platform
