#include <windows.h>

#include <knownfolders.h>
#include <shlobj.h>

#include "platform/file_system.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

std::optional<std::filesystem::path> programDataFolder() {
  PWSTR folder = nullptr;
  const HRESULT hr = ::SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DEFAULT, nullptr, &folder);
  std::optional<std::filesystem::path> result;
  if (SUCCEEDED(hr) && folder != nullptr) result = std::filesystem::u8path(toUtf8(folder));
  ::CoTaskMemFree(folder);  // owned by the caller even when the call failed
  return result;
}

}  // namespace remediator::platform
