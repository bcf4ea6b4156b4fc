#include "platform/windows/win32_error.h"

#include <windows.h>

#include "platform/windows/win32_text.h"

namespace remediator::platform {

ErrorCode errorCodeFromWin32(std::uint32_t win32Error) {
  switch (win32Error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_SERVICE_DOES_NOT_EXIST:
    case ERROR_UNKNOWN_PRODUCT:
    case ERROR_NOT_FOUND:
    case ERROR_MOD_NOT_FOUND: return ErrorCode::kNotFound;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_NOT_ALL_ASSIGNED:
    case ERROR_WRITE_PROTECT: return ErrorCode::kPermissionDenied;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_BUSY:
    case ERROR_SERVICE_ALREADY_RUNNING:
    case ERROR_SERVICE_CANNOT_ACCEPT_CTRL:
    case ERROR_DEPENDENT_SERVICES_RUNNING:
    case ERROR_SERVICE_DATABASE_LOCKED: return ErrorCode::kBusy;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_DIRECTORY:
    case ERROR_DIR_NOT_EMPTY:
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS: return ErrorCode::kInvalidArgument;
    case ERROR_INVALID_DATA:
    case ERROR_BAD_FORMAT: return ErrorCode::kInvalidData;
    case ERROR_TIMEOUT:
    case WAIT_TIMEOUT:
    case ERROR_SERVICE_REQUEST_TIMEOUT: return ErrorCode::kTimeout;
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_NOT_SUPPORTED: return ErrorCode::kNotSupported;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
    case ERROR_CRC:
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
    case ERROR_IO_DEVICE: return ErrorCode::kIo;
    default: return ErrorCode::kFailed;
  }
}

std::string win32Message(std::uint32_t win32Error) {
  wchar_t* buffer = nullptr;
  const DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
      win32Error, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text;
  if (length > 0 && buffer != nullptr) text = toUtf8(std::wstring_view(buffer, length));
  if (buffer != nullptr) ::LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) {
    text.pop_back();
  }
  return text.empty() ? "error " + std::to_string(win32Error) : text;
}

Error win32Failure(const std::string& what, const std::string& subject, std::uint32_t win32Error) {
  return fail(errorCodeFromWin32(win32Error), "cannot " + what + (subject.empty() ? "" : " " + subject) + ": " +
                                                  win32Message(win32Error) + " (error " +
                                                  std::to_string(win32Error) + ")");
}

Error lastWin32Failure(const std::string& what, const std::string& subject) {
  return win32Failure(what, subject, ::GetLastError());
}

}  // namespace remediator::platform
