#include <windows.h>

#include "platform/file_system.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

std::optional<std::string> processEnvironment(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto wideName = toWide(name);
  if (!wideName) return std::nullopt;
  // Windows itself looks environment names up without regard to case.
  std::wstring value(256, L'\0');
  for (;;) {
    ::SetLastError(ERROR_SUCCESS);
    const DWORD length = ::GetEnvironmentVariableW(wideName->c_str(), value.data(), static_cast<DWORD>(value.size()));
    if (length == 0) {
      if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) return std::nullopt;
      return std::string();
    }
    if (length < value.size()) return toUtf8(std::wstring_view(value.data(), length));
    value.resize(length);  // too small: `length` is the size needed, terminator included
  }
}

}  // namespace remediator::platform
