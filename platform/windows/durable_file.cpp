// platform/durable_file.h on Windows: FlushFileBuffers for durability, MoveFileExW for atomic replacement,
// LockFileEx for the instance lock.
#include "platform/durable_file.h"

#include <windows.h>

#include <algorithm>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// The instance lock covers one byte far beyond any content, so the holder's process id at the start of the file
// stays readable (Windows byte-range locks are mandatory: a locked byte cannot be read by others).
constexpr DWORD kLockOffsetHigh = 0x40000000;

HANDLE asHandle(std::intptr_t handle) { return reinterpret_cast<HANDLE>(handle); }
std::intptr_t fromHandle(HANDLE handle) { return reinterpret_cast<std::intptr_t>(handle); }

/// Writes all of `data` at the current position, or at `offset` when given; returns the bytes written and
/// the Win32 error (0 when all went in).
std::pair<std::size_t, DWORD> writeAll(HANDLE file, const char* data, std::size_t size,
                                       const std::uint64_t* offset = nullptr) {
  std::size_t done = 0;
  while (done < size) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size - done, 1u << 30));
    DWORD written = 0;
    OVERLAPPED at{};
    if (offset != nullptr) {
      const std::uint64_t position = *offset + done;
      at.Offset = static_cast<DWORD>(position & 0xFFFFFFFF);
      at.OffsetHigh = static_cast<DWORD>(position >> 32);
    }
    if (!::WriteFile(file, data + done, chunk, &written, offset != nullptr ? &at : nullptr)) {
      return {done, ::GetLastError()};
    }
    done += written;
  }
  return {done, 0};
}

Result<std::uint64_t> sizeOf(HANDLE file, const fs::path& path) {
  LARGE_INTEGER size{};
  if (!::GetFileSizeEx(file, &size)) return lastWin32Failure("read the size of", displayPath(path));
  return static_cast<std::uint64_t>(size.QuadPart);
}

Result<HANDLE> openAlways(const fs::path& path, DWORD access) {
  HANDLE file = ::CreateFileW(win32Path(path).c_str(), access, kShareAll, nullptr, OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return lastWin32Failure("open", displayPath(path));
  return file;
}

}  // namespace

// --- AppendOnlyFile ---

Result<std::unique_ptr<AppendOnlyFile>> AppendOnlyFile::open(const fs::path& path) {
  // FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end, whoever else appends.
  auto file = openAlways(path, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
  if (!file) return file.error();
  UniqueHandle owner(*file);
  auto size = sizeOf(*file, path);
  if (!size) return size.error();
  return std::unique_ptr<AppendOnlyFile>(new AppendOnlyFile(fromHandle(owner.release()), *size, path));
}

AppendOnlyFile::~AppendOnlyFile() { ::CloseHandle(asHandle(handle_)); }

Result<void> AppendOnlyFile::append(const std::string& data, bool sync) {
  auto [written, err] = writeAll(asHandle(handle_), data.data(), data.size());
  size_ += written;
  if (err != 0) return win32Failure("append to", displayPath(path_), err);
  if (sync && !::FlushFileBuffers(asHandle(handle_))) return lastWin32Failure("flush", displayPath(path_));
  return {};
}

// --- RewritableFile ---

Result<std::unique_ptr<RewritableFile>> RewritableFile::open(const fs::path& path) {
  auto file = openAlways(path, GENERIC_READ | GENERIC_WRITE);
  if (!file) return file.error();
  UniqueHandle owner(*file);
  auto size = sizeOf(*file, path);
  if (!size) return size.error();
  return std::unique_ptr<RewritableFile>(new RewritableFile(fromHandle(owner.release()), *size, path));
}

RewritableFile::~RewritableFile() { ::CloseHandle(asHandle(handle_)); }

Result<void> RewritableFile::rewrite(const std::string& data, bool sync) {
  HANDLE file = asHandle(handle_);
  const std::uint64_t start = 0;
  if (auto [written, err] = writeAll(file, data.data(), data.size(), &start); err != 0) {
    return win32Failure("write", displayPath(path_), err);
  }
  if (data.size() < size_) {
    FILE_END_OF_FILE_INFO end{};
    end.EndOfFile.QuadPart = static_cast<LONGLONG>(data.size());
    if (!::SetFileInformationByHandle(file, FileEndOfFileInfo, &end, sizeof end)) {
      return lastWin32Failure("truncate", displayPath(path_));
    }
  }
  size_ = data.size();
  if (sync && !::FlushFileBuffers(file)) return lastWin32Failure("flush", displayPath(path_));
  return {};
}

// --- whole files ---

Result<void> writeFileDurably(const fs::path& path, const std::string& data) {
  fs::path temp = path;
  temp += L".tmp." + std::to_wstring(::GetCurrentProcessId());
  const std::wstring tempW = win32Path(temp);
  {
    UniqueHandle file(::CreateFileW(tempW.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                                    nullptr));
    if (!file) return lastWin32Failure("create", displayPath(temp));
    auto [written, err] = writeAll(file.get(), data.data(), data.size());
    if (err == 0 && !::FlushFileBuffers(file.get())) err = ::GetLastError();
    if (err != 0) {
      file.reset();
      ::DeleteFileW(tempW.c_str());
      return win32Failure("write", displayPath(temp), err);
    }
  }
  if (!::MoveFileExW(tempW.c_str(), win32Path(path).c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    const DWORD err = ::GetLastError();
    ::DeleteFileW(tempW.c_str());
    return win32Failure("replace", displayPath(path), err);
  }
  return {};
}

Result<std::string> readWholeFile(const fs::path& path) {
  UniqueHandle file(::CreateFileW(win32Path(path).c_str(), GENERIC_READ, kShareAll, nullptr, OPEN_EXISTING,
                                  FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file) return lastWin32Failure("open", displayPath(path));
  std::string content;
  if (auto size = sizeOf(file.get(), path)) content.reserve(*size);
  char buffer[64 * 1024];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(file.get(), buffer, sizeof buffer, &got, nullptr)) return lastWin32Failure("read", displayPath(path));
    if (got == 0) break;
    content.append(buffer, got);
  }
  return content;
}

Result<void> syncDirectory(const fs::path&) {
  // NTFS journals renames, creations and removals itself; a directory cannot be flushed on Windows.
  return {};
}

// --- InstanceLock ---

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const fs::path& path) {
  auto opened = openAlways(path, GENERIC_READ | GENERIC_WRITE);
  if (!opened) return opened.error();
  UniqueHandle file(*opened);
  OVERLAPPED range{};
  range.OffsetHigh = kLockOffsetHigh;
  if (!::LockFileEx(file.get(), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &range)) {
    const DWORD err = ::GetLastError();
    if (err != ERROR_LOCK_VIOLATION && err != ERROR_IO_PENDING) return win32Failure("lock", displayPath(path), err);
    // The holder wrote its process id into the file: name it so the admin knows which one to look at.
    char buffer[32] = {};
    DWORD got = 0;
    OVERLAPPED start{};
    std::string holder;
    if (::ReadFile(file.get(), buffer, sizeof buffer - 1, &got, &start)) holder.assign(buffer, got);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r' || holder.back() == ' ')) {
      holder.pop_back();
    }
    std::string message = "lock file " + displayPath(path) + " is held by another process";
    if (!holder.empty() && holder.find_first_not_of("0123456789") == std::string::npos) {
      message += " (pid " + holder + ")";
    }
    return fail(ErrorCode::kBusy, message + ": is another instance running?");
  }
  const std::string pid = std::to_string(::GetCurrentProcessId()) + "\n";
  FILE_END_OF_FILE_INFO empty{};
  if (::SetFileInformationByHandle(file.get(), FileEndOfFileInfo, &empty, sizeof empty)) {
    const std::uint64_t start = 0;
    (void)writeAll(file.get(), pid.data(), pid.size(), &start);
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fromHandle(file.release())));
}

InstanceLock::~InstanceLock() {
  // Closing the handle releases the lock; the file stays, so the next holder locks the same file.
  ::CloseHandle(asHandle(handle_));
}

}  // namespace remediator::platform
