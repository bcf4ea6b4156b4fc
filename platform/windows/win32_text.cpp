#include "platform/windows/win32_text.h"

#include <windows.h>

#include <climits>

namespace remediator::platform {
namespace {

constexpr std::size_t kMaxConvertible = INT_MAX / 4;

std::wstring decode(UINT codePage, DWORD flags, std::string_view bytes, bool* ok) {
  *ok = true;
  if (bytes.empty()) return {};
  if (bytes.size() > kMaxConvertible) {
    *ok = false;
    return {};
  }
  const int size = static_cast<int>(bytes.size());
  const int needed = ::MultiByteToWideChar(codePage, flags, bytes.data(), size, nullptr, 0);
  if (needed <= 0) {
    *ok = false;
    return {};
  }
  std::wstring wide(static_cast<std::size_t>(needed), L'\0');
  ::MultiByteToWideChar(codePage, flags, bytes.data(), size, wide.data(), needed);
  return wide;
}

}  // namespace

Result<std::wstring> toWide(std::string_view utf8) {
  bool ok = false;
  std::wstring wide = decode(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, &ok);
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument,
                "text of " + std::to_string(utf8.size()) + " bytes is not valid UTF-8");
  }
  return wide;
}

std::string toUtf8(std::wstring_view utf16) {
  if (utf16.empty() || utf16.size() > kMaxConvertible) return {};
  const int size = static_cast<int>(utf16.size());
  const int needed = ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), size, nullptr, 0, nullptr, nullptr);
  if (needed <= 0) return {};
  std::string utf8(static_cast<std::size_t>(needed), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), size, utf8.data(), needed, nullptr, nullptr);
  return utf8;
}

std::string consoleBytesToUtf8(std::string_view bytes) {
  bool ok = false;
  decode(CP_UTF8, MB_ERR_INVALID_CHARS, bytes, &ok);
  if (ok) return std::string(bytes);
  std::wstring wide = decode(::GetOEMCP(), 0, bytes, &ok);
  return ok ? toUtf8(wide) : std::string(bytes);
}

}  // namespace remediator::platform
