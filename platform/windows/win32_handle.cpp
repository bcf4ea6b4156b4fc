#include "platform/windows/win32_handle.h"

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

}  // namespace remediator::platform
