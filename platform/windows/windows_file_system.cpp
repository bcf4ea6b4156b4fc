#include "platform/windows/windows_file_system.h"

#include <windows.h>
#include <winternl.h>

#include <system_error>
#include <vector>

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

Result<std::string> WindowsFileSystem::readFile(const std::filesystem::path& path, std::uint64_t maxBytes) const {
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
  return readToEnd(file.get(), path, maxBytes);
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

namespace {

/// A folder held open: every entry is reached through this handle, never by a path resolved again.
class WindowsDirectoryHandle final : public DirectoryHandle {
 public:
  WindowsDirectoryHandle(UniqueHandle handle, std::filesystem::path path)
      : handle_(std::move(handle)), path_(std::move(path)) {}

  /// Opens `path` as a directory without following a reparse point; kInvalidArgument when it is one.
  static Result<std::unique_ptr<DirectoryHandle>> open(const std::filesystem::path& path) {
    UniqueHandle handle(::CreateFileW(win32Path(path).c_str(), FILE_LIST_DIRECTORY | FILE_TRAVERSE | SYNCHRONIZE,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                      FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    if (!handle) return lastWin32Failure("open", displayPath(path));
    return checked(std::move(handle), path);
  }

  Result<std::vector<DirEntry>> list() const override {
    std::vector<DirEntry> entries;
    // 64 KiB per call: many entries per round trip to the file system.
    std::vector<unsigned char> buffer(64 * 1024);
    FILE_INFO_BY_HANDLE_CLASS kind = FileIdBothDirectoryRestartInfo;
    for (;;) {
      if (!::GetFileInformationByHandleEx(handle_.get(), kind, buffer.data(), static_cast<DWORD>(buffer.size()))) {
        const DWORD err = ::GetLastError();
        if (err == ERROR_NO_MORE_FILES) break;
        return win32Failure("list", displayPath(path_), err);
      }
      kind = FileIdBothDirectoryInfo;
      for (std::size_t offset = 0;;) {
        const auto* info = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(buffer.data() + offset);
        const std::wstring_view name(info->FileName, info->FileNameLength / sizeof(WCHAR));
        if (name != L"." && name != L"..") {
          FILETIME written{static_cast<DWORD>(info->LastWriteTime.LowPart),
                           static_cast<DWORD>(info->LastWriteTime.HighPart)};
          entries.push_back(DirEntry{toUtf8(name), infoFrom(info->FileAttributes,
                                                            static_cast<DWORD>(info->EndOfFile.HighPart),
                                                            info->EndOfFile.LowPart, written)});
        }
        if (info->NextEntryOffset == 0) break;
        offset += info->NextEntryOffset;
      }
    }
    return entries;
  }

  Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::string& name) const override {
    auto child = openChild(name, FILE_LIST_DIRECTORY | FILE_TRAVERSE, FILE_DIRECTORY_FILE);
    if (!child) return child.error();
    return checked(std::move(*child), path_ / std::filesystem::u8path(name));
  }

  Result<std::string> readFile(const std::string& name, std::uint64_t maxBytes) const override {
    const auto path = path_ / std::filesystem::u8path(name);
    auto file = openChild(name, GENERIC_READ, FILE_NON_DIRECTORY_FILE);
    if (!file) return file.error();
    auto attributes = attributesOfHandle(file->get(), path);
    if (!attributes) return attributes.error();
    if (isLink(*attributes)) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a link, which is not followed");
    return readToEnd(file->get(), path, maxBytes);
  }

  Result<void> removeFile(const std::string& name) override {
    const auto path = path_ / std::filesystem::u8path(name);
    // No FILE_NON_DIRECTORY_FILE: a junction or directory link is a directory entry and is removed as a link.
    auto entry = openChild(name, DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, 0);
    if (!entry) return entry.error();
    auto attributes = attributesOfHandle(entry->get(), path);
    if (!attributes) return attributes.error();
    if (isDirectory(*attributes) && !isLink(*attributes)) {
      return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a directory, not a file");
    }
    // A read-only file is removed too, as unlink does on POSIX: clear the attribute through the same handle.
    const bool readOnly = (*attributes & FILE_ATTRIBUTE_READONLY) != 0;
    if (readOnly) setAttributes(entry->get(), *attributes & ~FILE_ATTRIBUTE_READONLY);
    if (auto deleted = deleteThrough(entry->get(), path); !deleted) {
      if (readOnly) setAttributes(entry->get(), *attributes);
      return deleted.error();
    }
    return {};
  }

  Result<void> removeDirectory(const std::string& name) override {
    const auto path = path_ / std::filesystem::u8path(name);
    auto entry = openChild(name, DELETE | FILE_READ_ATTRIBUTES, FILE_DIRECTORY_FILE);
    if (!entry) return entry.error();
    auto attributes = attributesOfHandle(entry->get(), path);
    if (!attributes) return attributes.error();
    if (isLink(*attributes)) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a link, not a directory");
    auto deleted = deleteThrough(entry->get(), path);
    if (!deleted && deleted.error().code == ErrorCode::kInvalidArgument) {
      return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not empty");
    }
    return deleted;
  }

 private:
  static Result<std::unique_ptr<DirectoryHandle>> checked(UniqueHandle handle, const std::filesystem::path& path) {
    auto attributes = attributesOfHandle(handle.get(), path);
    if (!attributes) return attributes.error();
    if (isLink(*attributes)) {
      return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a link, which is not followed");
    }
    if (!isDirectory(*attributes)) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not a directory");
    return std::unique_ptr<DirectoryHandle>(std::make_unique<WindowsDirectoryHandle>(std::move(handle), path));
  }

  static Result<DWORD> attributesOfHandle(HANDLE handle, const std::filesystem::path& path) {
    FILE_BASIC_INFO basic{};
    if (!::GetFileInformationByHandleEx(handle, FileBasicInfo, &basic, sizeof basic)) {
      return lastWin32Failure("read the status of", displayPath(path));
    }
    return static_cast<DWORD>(basic.FileAttributes);
  }

  static void setAttributes(HANDLE handle, DWORD attributes) {
    FILE_BASIC_INFO basic{};
    basic.FileAttributes = attributes == 0 ? FILE_ATTRIBUTE_NORMAL : attributes;
    ::SetFileInformationByHandle(handle, FileBasicInfo, &basic, sizeof basic);
  }

  /// Marks the entry open as `handle` for deletion; it goes when the handle closes. ERROR_DIR_NOT_EMPTY becomes
  /// kInvalidArgument.
  static Result<void> deleteThrough(HANDLE handle, const std::filesystem::path& path) {
    FILE_DISPOSITION_INFO disposition{};
    disposition.DeleteFile = TRUE;
    if (!::SetFileInformationByHandle(handle, FileDispositionInfo, &disposition, sizeof disposition)) {
      const DWORD err = ::GetLastError();
      if (err == ERROR_DIR_NOT_EMPTY) return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not empty");
      return win32Failure("remove", displayPath(path), err);
    }
    return {};
  }

  /// Opens the entry `name` of this folder relative to its handle, the entry itself even when it is a reparse
  /// point. `options`: FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE or 0.
  Result<UniqueHandle> openChild(const std::string& name, ACCESS_MASK access, ULONG options) const {
    const auto path = path_ / std::filesystem::u8path(name);
    if (name.empty() || name == "." || name == ".." || name.find_first_of("\\/") != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, "'" + name + "' is not an entry name of " + displayPath(path_));
    }
    auto converted = toWide(name);
    if (!converted) return converted.error();
    std::wstring wide = std::move(*converted);
    UNICODE_STRING objectName{};
    objectName.Buffer = wide.data();
    objectName.Length = static_cast<USHORT>(wide.size() * sizeof(WCHAR));
    objectName.MaximumLength = objectName.Length;
    OBJECT_ATTRIBUTES attributes{};
    InitializeObjectAttributes(&attributes, &objectName, OBJ_CASE_INSENSITIVE, handle_.get(), nullptr);
    IO_STATUS_BLOCK status{};
    HANDLE child = nullptr;
    const NTSTATUS result = ::NtCreateFile(&child, access | SYNCHRONIZE, &attributes, &status, nullptr, 0,
                                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
                                           options | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT |
                                               FILE_OPEN_FOR_BACKUP_INTENT,
                                           nullptr, 0);
    if (result < 0) {
      const ULONG err = ::RtlNtStatusToDosError(result);
      // Opening a directory as a file or the other way round: say what it is.
      if (result == static_cast<NTSTATUS>(0xC00000BAL)) {  // STATUS_FILE_IS_A_DIRECTORY
        return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is a directory, not a file");
      }
      if (result == static_cast<NTSTATUS>(0xC0000103L)) {  // STATUS_NOT_A_DIRECTORY
        return fail(ErrorCode::kInvalidArgument, displayPath(path) + " is not a directory");
      }
      return win32Failure("open", displayPath(path), err);
    }
    return UniqueHandle(child);
  }

  UniqueHandle handle_;
  std::filesystem::path path_;
};

}  // namespace

Result<std::unique_ptr<DirectoryHandle>> WindowsFileSystem::openDirectory(const std::filesystem::path& dir) {
  return WindowsDirectoryHandle::open(dir);
}

}  // namespace remediator::platform
