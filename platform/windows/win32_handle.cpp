#include "platform/windows/win32_handle.h"

#include <algorithm>

#include "platform/file_system.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

std::wstring win32Path(const std::filesystem::path& path) {
  std::wstring text = std::filesystem::path(path).make_preferred().wstring();
  if (text.size() < MAX_PATH - 12 || !path.is_absolute() || text.rfind(L"\\\\?\\", 0) == 0) return text;
  // The prefix turns off Win32's path normalisation, so normalise first ("." and ".." are not resolved after).
  text = std::filesystem::path(text).lexically_normal().wstring();
  if (text.rfind(L"\\\\", 0) == 0) return L"\\\\?\\UNC\\" + text.substr(2);  // \\server\share\...
  return L"\\\\?\\" + text;
}

std::string displayPath(const std::filesystem::path& path) { return toUtf8(path.wstring()); }

Result<void> writeToFile(HANDLE file, const std::string& data, const std::filesystem::path& path,
                         std::size_t* written, const std::uint64_t* offset) {
  std::size_t done = 0;
  Result<void> result;
  while (done < data.size()) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 30));
    DWORD wrote = 0;
    OVERLAPPED at{};
    if (offset != nullptr) {
      const std::uint64_t position = *offset + done;
      at.Offset = static_cast<DWORD>(position & 0xFFFFFFFF);
      at.OffsetHigh = static_cast<DWORD>(position >> 32);
    }
    if (!::WriteFile(file, data.data() + done, chunk, &wrote, offset != nullptr ? &at : nullptr)) {
      result = lastWin32Failure("write", displayPath(path));
      break;
    }
    done += wrote;
  }
  if (written != nullptr) *written = done;
  return result;
}

Result<std::string> readToEnd(HANDLE file, const std::filesystem::path& path, std::uint64_t maxBytes) {
  std::string content;
  LARGE_INTEGER size{};
  if (::GetFileSizeEx(file, &size) && size.QuadPart > 0) {
    if (static_cast<std::uint64_t>(size.QuadPart) > maxBytes) {
      return tooLargeToRead(displayPath(path), static_cast<std::uint64_t>(size.QuadPart), maxBytes);
    }
    content.reserve(static_cast<std::size_t>(size.QuadPart));
  }
  char buffer[64 * 1024];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(file, buffer, sizeof buffer, &got, nullptr)) return lastWin32Failure("read", displayPath(path));
    if (got == 0) break;
    if (content.size() + got > maxBytes) return tooLargeToRead(displayPath(path), content.size() + got, maxBytes);
    content.append(buffer, got);
  }
  return content;
}

}  // namespace remediator::platform
