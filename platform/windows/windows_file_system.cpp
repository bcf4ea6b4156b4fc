#include "platform/windows/windows_file_system.h"

#include <windows.h>

#include <system_error>

#include "platform/durable_file.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"
#include "platform/windows/win32_time.h"

namespace remediator::platform {
namespace {

FileInfo infoFrom(DWORD attributes, DWORD sizeHigh, DWORD sizeLow, const FILETIME& written) {
  FileInfo info;
  if (attributes & FILE_ATTRIBUTE_REPARSE_POINT) {
    info.type = FileType::kLink;
  } else if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
    info.type = FileType::kDirectory;
  } else if (attributes & FILE_ATTRIBUTE_DEVICE) {
    info.type = FileType::kOther;
  } else {
    info.type = FileType::kFile;
  }
  info.size = info.type == FileType::kDirectory ? 0 : (static_cast<std::uint64_t>(sizeHigh) << 32) | sizeLow;
  info.modified = fromFileTime(written);
  return info;
}

Result<WIN32_FILE_ATTRIBUTE_DATA> attributesOf(const std::filesystem::path& path) {
  WIN32_FILE_ATTRIBUTE_DATA data{};
  // Describes a symbolic link or junction itself, not its target.
  if (!::GetFileAttributesExW(win32Path(path).c_str(), GetFileExInfoStandard, &data)) {
    return lastWin32Failure("read the status of", displayPath(path));
  }
  return data;
}

bool isLink(DWORD attributes) { return (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0; }
bool isDirectory(DWORD attributes) { return (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0; }

/// The attributes of `path` when it is a directory and not a link; otherwise kInvalidArgument, saying what a link
/// is not (`asLink`: "which is not followed", "not a directory").
Result<WIN32_FILE_ATTRIBUTE_DATA> realDirectory(const std::filesystem::path& path, const std::string& asLink) {
  auto data = attributesOf(path);
  if (!data) return data.error();
  if (isLink(data->dwFileAttributes)) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a link, " + asLink);
  if (!isDirectory(data->dwFileAttributes)) {
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not a directory");
  }
  return data;
}

}  // namespace

Result<FileInfo> WindowsFileSystem::status(const std::filesystem::path& path) const {
  auto data = attributesOf(path);
  if (!data) return data.error();
  return infoFrom(data->dwFileAttributes, data->nFileSizeHigh, data->nFileSizeLow, data->ftLastWriteTime);
}

Result<std::vector<DirEntry>> WindowsFileSystem::list(const std::filesystem::path& dir) const {
  if (auto real = realDirectory(dir, "which is not followed"); !real) return real.error();
  WIN32_FIND_DATAW found{};
  const std::wstring pattern = win32Path(dir / L"*");
  HANDLE search = ::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &found, FindExSearchNameMatch, nullptr,
                                     FIND_FIRST_EX_LARGE_FETCH);
  if (search == INVALID_HANDLE_VALUE) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND) return std::vector<DirEntry>{};  // not even "." (a drive root)
    return win32Failure("list", displayPath(dir), err);
  }
  std::vector<DirEntry> entries;
  DWORD err = ERROR_SUCCESS;
  for (;;) {
    const std::wstring_view name(found.cFileName);
    if (name != L"." && name != L"..") {
      entries.push_back(DirEntry{toUtf8(name), infoFrom(found.dwFileAttributes, found.nFileSizeHigh,
                                                        found.nFileSizeLow, found.ftLastWriteTime)});
    }
    if (!::FindNextFileW(search, &found)) {
      err = ::GetLastError();
      break;
    }
  }
  ::FindClose(search);
  if (err != ERROR_NO_MORE_FILES) return win32Failure("list", displayPath(dir), err);
  return entries;
}

Result<std::string> WindowsFileSystem::readFile(const std::filesystem::path& path) const {
  // FILE_FLAG_OPEN_REPARSE_POINT opens a link as itself, so a link swapped in after a check is still refused.
  UniqueHandle file(::CreateFileW(win32Path(path).c_str(), GENERIC_READ,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                  FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!file) return lastWin32Failure("open", displayPath(path));
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(file.get(), &info)) return lastWin32Failure("read the status of", displayPath(path));
  if (isLink(info.dwFileAttributes)) {
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a link, which is not followed");
  }
  if (isDirectory(info.dwFileAttributes)) {
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not a regular file");
  }
  return readToEnd(file.get(), path);
}

Result<void> WindowsFileSystem::writeFileAtomic(const std::filesystem::path& path, const std::string& data) {
  WIN32_FILE_ATTRIBUTE_DATA existing{};
  if (::GetFileAttributesExW(win32Path(path).c_str(), GetFileExInfoStandard, &existing) &&
      isDirectory(existing.dwFileAttributes) && !isLink(existing.dwFileAttributes)) {
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a directory");
  }
  return writeFileDurably(path, data);
}

Result<void> WindowsFileSystem::removeFile(const std::filesystem::path& path) {
  auto data = attributesOf(path);
  if (!data) return data.error();
  const DWORD attributes = data->dwFileAttributes;
  const std::wstring wide = win32Path(path);
  if (isDirectory(attributes) && !isLink(attributes)) {
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a directory, not a file");
  }
  if (isDirectory(attributes)) {
    // A directory link or junction: RemoveDirectoryW removes the link itself, never what it points to.
    if (!::RemoveDirectoryW(wide.c_str())) return lastWin32Failure("remove", displayPath(path));
    return {};
  }
  if (attributes & FILE_ATTRIBUTE_READONLY) ::SetFileAttributesW(wide.c_str(), attributes & ~FILE_ATTRIBUTE_READONLY);
  if (!::DeleteFileW(wide.c_str())) {
    const DWORD err = ::GetLastError();
    if (attributes & FILE_ATTRIBUTE_READONLY) ::SetFileAttributesW(wide.c_str(), attributes);
    return win32Failure("remove", displayPath(path), err);
  }
  return {};
}

Result<void> WindowsFileSystem::removeDirectory(const std::filesystem::path& path) {
  if (auto real = realDirectory(path, "not a directory"); !real) return real.error();
  if (!::RemoveDirectoryW(win32Path(path).c_str())) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_DIR_NOT_EMPTY) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not empty");
    return win32Failure("remove directory", displayPath(path), err);
  }
  return {};
}

Result<void> WindowsFileSystem::createDirectories(const std::filesystem::path& path) {
  WIN32_FILE_ATTRIBUTE_DATA existing{};
  if (::GetFileAttributesExW(win32Path(path).c_str(), GetFileExInfoStandard, &existing)) {
    if (isDirectory(existing.dwFileAttributes)) return {};
    return fail(ErrorCode::kInvalidArgument, displayPath(path) + " exists and is not a directory");
  }
  // Parents first; each one that already exists is fine.
  const auto parent = path.parent_path();
  if (!parent.empty() && parent != path && parent != path.root_path()) {
    if (auto made = createDirectories(parent); !made) return made.error();
  }
  if (!::CreateDirectoryW(win32Path(path).c_str(), nullptr)) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_ALREADY_EXISTS) return {};
    return win32Failure("create directory", displayPath(path), err);
  }
  return {};
}

}  // namespace remediator::platform
