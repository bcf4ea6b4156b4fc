#include <windows.h>

#include "platform/event_log.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

const std::wstring kSourcesKey = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";

class WindowsEventLog final : public EventLog {
 public:
  WindowsEventLog(HANDLE handle, std::string source) : handle_(handle), source_(std::move(source)) {}
  ~WindowsEventLog() override { ::DeregisterEventSource(handle_); }

  Result<void> report(EventType type, std::uint32_t eventId, const std::string& text) override {
    auto wide = toWide(text);
    if (!wide) return wide.error();
    const WORD wType = type == EventType::kError     ? EVENTLOG_ERROR_TYPE
                       : type == EventType::kWarning ? EVENTLOG_WARNING_TYPE
                                                     : EVENTLOG_INFORMATION_TYPE;
    const wchar_t* strings[] = {wide->c_str()};
    if (!::ReportEventW(handle_, wType, 0, eventId, nullptr, 1, 0, strings, nullptr)) {
      return lastWin32Failure("write to the event log of", source_);
    }
    return {};
  }

 private:
  HANDLE handle_;
  std::string source_;
};

}  // namespace

std::unique_ptr<EventLog> openEventLog(const std::string& source) {
  auto wide = toWide(source);
  if (!wide) return nullptr;
  HANDLE handle = ::RegisterEventSourceW(nullptr, wide->c_str());
  if (handle == nullptr) return nullptr;
  return std::make_unique<WindowsEventLog>(handle, source);
}

Result<void> registerEventSource(const std::string& source, const std::filesystem::path& messageFile) {
  auto wide = toWide(source);
  if (!wide) return wide.error();
  const std::wstring keyPath = kSourcesKey + *wide;
  OwnedHandle<HKEY, &::RegCloseKey> key;
  LSTATUS rc = ::RegCreateKeyExW(HKEY_LOCAL_MACHINE, keyPath.c_str(), 0, nullptr, 0, KEY_SET_VALUE, nullptr,
                                 key.out(), nullptr);
  const std::string subject = "HKLM\\" + toUtf8(keyPath);
  if (rc != ERROR_SUCCESS) return win32Failure("create", subject, static_cast<std::uint32_t>(rc));
  const std::wstring file = messageFile.wstring();
  rc = ::RegSetValueExW(key.get(), L"EventMessageFile", 0, REG_EXPAND_SZ, reinterpret_cast<const BYTE*>(file.c_str()),
                        static_cast<DWORD>((file.size() + 1) * sizeof(wchar_t)));
  if (rc != ERROR_SUCCESS) return win32Failure("set EventMessageFile in", subject, static_cast<std::uint32_t>(rc));
  const DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  rc = ::RegSetValueExW(key.get(), L"TypesSupported", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&types),
                        sizeof types);
  if (rc != ERROR_SUCCESS) return win32Failure("set TypesSupported in", subject, static_cast<std::uint32_t>(rc));
  return {};
}

Result<void> removeEventSource(const std::string& source) {
  auto wide = toWide(source);
  if (!wide) return wide.error();
  const std::wstring keyPath = kSourcesKey + *wide;
  const LSTATUS rc = ::RegDeleteTreeW(HKEY_LOCAL_MACHINE, keyPath.c_str());
  if (rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND) {
    ::RegDeleteKeyW(HKEY_LOCAL_MACHINE, keyPath.c_str());  // RegDeleteTreeW leaves the key itself
    return {};
  }
  return win32Failure("remove", "HKLM\\" + toUtf8(keyPath), static_cast<std::uint32_t>(rc));
}

}  // namespace remediator::platform
