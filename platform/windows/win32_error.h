#pragma once

#include <cstdint>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// The ErrorCode for a Win32 error code (GetLastError, LSTATUS): ERROR_FILE_NOT_FOUND is kNotFound,
/// ERROR_ACCESS_DENIED kPermissionDenied, ERROR_SHARING_VIOLATION kBusy and so on; anything else is kFailed.
ErrorCode errorCodeFromWin32(std::uint32_t win32Error);

/// The system's own text for a Win32 error code, in UTF-8, without the trailing line break; "error N" when the
/// system has none.
std::string win32Message(std::uint32_t win32Error);

/// "cannot <what> <subject>: <system text> (error N)", coded by errorCodeFromWin32.
Error win32Failure(const std::string& what, const std::string& subject, std::uint32_t win32Error);

/// win32Failure with GetLastError().
Error lastWin32Failure(const std::string& what, const std::string& subject);

}  // namespace remediator::platform
