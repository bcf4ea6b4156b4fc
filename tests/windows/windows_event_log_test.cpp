// The Windows Event Log behind platform/event_log.h, against the prefix. Wine accepts ReportEventW but stores
// no events, so what is written cannot be read back here: the test checks that each severity is accepted and
// that the source registration lands in the registry and goes again; the id and severity mapping is tested
// natively (AuditEventMirrorTest), the message table by tests/windows/service_lifecycle.sh.
#include "platform/event_log.h"

#include <gtest/gtest.h>

#include <windows.h>

#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

const wchar_t* const kKey = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";

TEST(WindowsEventLogTest, ReportEventAcceptsEverySeverity) {
  auto events = openEventLog("RemediatorTest" + testing::uniqueSuffix());
  ASSERT_NE(events, nullptr);
  for (auto type : {EventType::kInformation, EventType::kWarning, EventType::kError}) {
    auto written = events->report(type, 1000, "Événement de test");
    EXPECT_TRUE(written) << written.error().message;
  }
}

TEST(WindowsEventLogTest, SourceRegistrationIsWrittenAndRemoved) {
  const std::string source = "RemediatorTest" + testing::uniqueSuffix();
  const std::wstring key = kKey + std::wstring(source.begin(), source.end());
  const auto exe = std::filesystem::u8path("C:\\Program Files\\Remediator\\remediator.exe");
  ASSERT_TRUE(registerEventSource(source, exe));

  wchar_t file[MAX_PATH] = {};
  DWORD size = sizeof file;
  EXPECT_EQ(::RegGetValueW(HKEY_LOCAL_MACHINE, key.c_str(), L"EventMessageFile", RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND,
                           nullptr, file, &size),
            ERROR_SUCCESS);
  EXPECT_EQ(std::wstring(file), exe.wstring());
  DWORD types = 0;
  size = sizeof types;
  EXPECT_EQ(::RegGetValueW(HKEY_LOCAL_MACHINE, key.c_str(), L"TypesSupported", RRF_RT_REG_DWORD, nullptr, &types,
                           &size),
            ERROR_SUCCESS);
  EXPECT_EQ(types, 7u);

  ASSERT_TRUE(removeEventSource(source));
  HKEY gone = nullptr;
  EXPECT_EQ(::RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.c_str(), 0, KEY_READ, &gone), ERROR_FILE_NOT_FOUND);
  EXPECT_TRUE(removeEventSource(source)) << "removing an absent source is fine";
}

}  // namespace
}  // namespace remediator::platform
