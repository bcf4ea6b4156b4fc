#include "platform/utf8_path.h"

#ifdef _WIN32
#include "platform/windows/win32_text.h"
#endif

namespace remediator::platform {

std::filesystem::path pathFromUtf8(std::string_view utf8) {
#ifdef _WIN32
  const std::u8string text(utf8.begin(), utf8.end());
  return std::filesystem::path(text);
#else
  return std::filesystem::path(std::string(utf8));
#endif
}

std::string pathToUtf8(const std::filesystem::path& path) {
#ifdef _WIN32
  return toUtf8(path.native());
#else
  return path.native();
#endif
}

}  // namespace remediator::platform
