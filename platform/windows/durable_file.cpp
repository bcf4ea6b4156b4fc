// platform/durable_file.h on Windows: FlushFileBuffers for durability, MoveFileExW for atomic replacement,
// LockFileEx for the instance lock.
#include "platform/durable_file.h"

#include <windows.h>
// After windows.h: ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW.
#include <sddl.h>

#include <atomic>

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

/// Opens `path` with `access`, creating it when absent, and reads its size.
struct OpenedFile {
  HANDLE handle;
  std::uint64_t size;
};
Result<OpenedFile> openAlways(const fs::path& path, DWORD access) {
  UniqueHandle file(::CreateFileW(win32Path(path).c_str(), access, kShareAll, nullptr, OPEN_ALWAYS,
                                  FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file) return lastWin32Failure("open", displayPath(path));
  LARGE_INTEGER size{};
  if (!::GetFileSizeEx(file.get(), &size)) return lastWin32Failure("read the size of", displayPath(path));
  return OpenedFile{file.release(), static_cast<std::uint64_t>(size.QuadPart)};
}

/// A temp file name beside `path` that no other writer (thread or process) uses at the same time.
fs::path tempPathFor(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  fs::path temp = path;
  temp += L".tmp." + std::to_wstring(::GetCurrentProcessId()) + L"." + std::to_wstring(counter.fetch_add(1));
  return temp;
}

}  // namespace

// --- AppendOnlyFile ---

Result<std::unique_ptr<AppendOnlyFile>> AppendOnlyFile::open(const fs::path& path) {
  // FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end, whoever else appends.
  auto file = openAlways(path, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
  if (!file) return file.error();
  return std::unique_ptr<AppendOnlyFile>(new AppendOnlyFile(fromHandle(file->handle), file->size, path));
}

AppendOnlyFile::~AppendOnlyFile() { ::CloseHandle(asHandle(handle_)); }

Result<void> AppendOnlyFile::append(const std::string& data, bool sync) {
  std::size_t written = 0;
  auto appended = writeToFile(asHandle(handle_), data, path_, &written);
  size_ += written;
  if (!appended) return appended;
  if (sync && !::FlushFileBuffers(asHandle(handle_))) return lastWin32Failure("flush", displayPath(path_));
  return {};
}

// --- RewritableFile ---

Result<std::unique_ptr<RewritableFile>> RewritableFile::open(const fs::path& path) {
  auto file = openAlways(path, GENERIC_READ | GENERIC_WRITE);
  if (!file) return file.error();
  return std::unique_ptr<RewritableFile>(new RewritableFile(fromHandle(file->handle), file->size, path));
}

RewritableFile::~RewritableFile() { ::CloseHandle(asHandle(handle_)); }

Result<void> RewritableFile::rewrite(const std::string& data, bool sync) {
  HANDLE file = asHandle(handle_);
  const std::uint64_t start = 0;
  if (auto written = writeToFile(file, data, path_, nullptr, &start); !written) return written;
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
  const fs::path temp = tempPathFor(path);
  const std::wstring tempW = win32Path(temp);
  {
    UniqueHandle file(::CreateFileW(tempW.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                                    nullptr));
    if (!file) return lastWin32Failure("create a temporary file for", displayPath(path));
    auto written = writeToFile(file.get(), data, temp);
    if (written && !::FlushFileBuffers(file.get())) written = lastWin32Failure("flush", displayPath(temp));
    if (!written) {
      file.reset();
      ::DeleteFileW(tempW.c_str());
      return written;
    }
  }
  if (!::MoveFileExW(tempW.c_str(), win32Path(path).c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    DWORD err = ::GetLastError();
    ::DeleteFileW(tempW.c_str());
    // Another process holding the file open makes the replace fail with "access denied".
    if (err == ERROR_ACCESS_DENIED) err = ERROR_SHARING_VIOLATION;
    return win32Failure("replace", displayPath(path), err);
  }
  return {};
}

Result<void> createPrivateFile(const fs::path& path, const std::string& data) {
  // The creating user's SID, from the process token, for a DACL of one ACE: "D:P(A;;FA;;;<sid>)".
  UniqueHandle token;
  {
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
      return lastWin32Failure("read the user of this process to create", displayPath(path));
    }
    token.reset(raw);
  }
  DWORD size = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  std::string buffer(size, '\0');
  if (size == 0 || !::GetTokenInformation(token.get(), TokenUser, buffer.data(), size, &size)) {
    return lastWin32Failure("read the user of this process to create", displayPath(path));
  }
  LPWSTR sidText = nullptr;
  if (!::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &sidText)) {
    return lastWin32Failure("read the user of this process to create", displayPath(path));
  }
  const std::wstring sddl = L"D:P(A;;FA;;;" + std::wstring(sidText) + L")";
  ::LocalFree(sidText);
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &descriptor, nullptr)) {
    return lastWin32Failure("build the owner-only security descriptor for", displayPath(path));
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, descriptor, FALSE};
  UniqueHandle file(::CreateFileW(win32Path(path).c_str(), GENERIC_WRITE, 0, &attributes, CREATE_NEW,
                                  FILE_ATTRIBUTE_NORMAL, nullptr));
  const DWORD createError = ::GetLastError();
  ::LocalFree(descriptor);
  if (!file) {
    if (createError == ERROR_FILE_EXISTS || createError == ERROR_ALREADY_EXISTS) {
      return fail(ErrorCode::kBusy, displayPath(path) + " already exists; it is not replaced");
    }
    return win32Failure("create", displayPath(path), createError);
  }
  auto written = writeToFile(file.get(), data, path);
  if (written && !::FlushFileBuffers(file.get())) written = lastWin32Failure("flush", displayPath(path));
  if (!written) {
    file.reset();
    ::DeleteFileW(win32Path(path).c_str());
  }
  return written;
}

Result<std::string> readWholeFile(const fs::path& path) {
  UniqueHandle file(::CreateFileW(win32Path(path).c_str(), GENERIC_READ, kShareAll, nullptr, OPEN_EXISTING,
                                  FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file) return lastWin32Failure("open", displayPath(path));
  return readToEnd(file.get(), path);
}

Result<void> syncDirectory(const fs::path&) {
  // NTFS journals renames, creations and removals itself; a directory cannot be flushed on Windows.
  return {};
}

// --- InstanceLock ---

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const fs::path& path) {
  auto opened = openAlways(path, GENERIC_READ | GENERIC_WRITE);
  if (!opened) return opened.error();
  UniqueHandle file(opened->handle);
  OVERLAPPED range{};
  range.OffsetHigh = kLockOffsetHigh;
  if (!::LockFileEx(file.get(), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &range)) {
    const DWORD err = ::GetLastError();
    if (err != ERROR_LOCK_VIOLATION && err != ERROR_IO_PENDING) return win32Failure("lock", displayPath(path), err);
    // The holder wrote its process id into the file: name it so the admin knows which one to look at.
    std::string holder = readToEnd(file.get(), path).valueOr(std::string()).substr(0, 32);
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
    (void)writeToFile(file.get(), pid, path, nullptr, &start);
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fromHandle(file.release())));
}

InstanceLock::~InstanceLock() {
  // Closing the handle releases the lock; the file stays, so the next holder locks the same file.
  ::CloseHandle(asHandle(handle_));
}

}  // namespace remediator::platform
