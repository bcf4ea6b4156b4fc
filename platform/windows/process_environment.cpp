#include <windows.h>

#include <cstdlib>

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

Result<void> setProcessEnvironment(const std::string& name, const std::optional<std::string>& value) {
  if (name.empty() || name.find('=') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "environment variable name '" + name + "' is empty or contains '='");
  }
  auto wideName = toWide(name);
  if (!wideName) return fail(ErrorCode::kInvalidArgument, "environment variable name: " + wideName.error().message);
  auto wideValue = toWide(value.value_or(std::string()));
  if (!wideValue) return fail(ErrorCode::kInvalidArgument, "value of " + name + ": " + wideValue.error().message);
  // _wputenv_s updates the C runtime's copy (getenv) and the process's own (GetEnvironmentVariableW, children);
  // an empty value removes the variable.
  if (::_wputenv_s(wideName->c_str(), wideValue->c_str()) != 0) {
    return fail(ErrorCode::kFailed, "cannot set environment variable " + name);
  }
  return {};
}

}  // namespace remediator::platform
