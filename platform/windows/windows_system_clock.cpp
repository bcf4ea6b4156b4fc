#include "platform/windows/windows_system_clock.h"

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_time.h"

namespace remediator::platform {
namespace {

SysTime readSystemClock() {
  FILETIME ft{};
  ::GetSystemTimePreciseAsFileTime(&ft);
  return fromFileTime(ft);
}

Error forbidden() {
  return fail(ErrorCode::kPermissionDenied,
              "changing the system clock is forbidden in this process (REMEDIATOR_NEVER_SET_CLOCK is set)");
}

Result<LUID> systemTimePrivilege() {
  LUID luid{};
  if (!::LookupPrivilegeValueW(nullptr, L"SeSystemtimePrivilege", &luid)) {
    return lastWin32Failure("look up", "SeSystemtimePrivilege");
  }
  return luid;
}

/// SE_SYSTEMTIME_NAME enabled for the life of the object, then put back as it was (LocalSystem holds it
/// disabled), so the process never keeps the right to move the clock between corrections.
class SystemTimePrivilegeScope {
 public:
  static Result<std::unique_ptr<SystemTimePrivilegeScope>> enable() {
    std::unique_ptr<SystemTimePrivilegeScope> scope(new SystemTimePrivilegeScope());
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, scope->token_.out())) {
      return lastWin32Failure("open", "the process token");
    }
    auto luid = systemTimePrivilege();
    if (!luid) return luid.error();
    TOKEN_PRIVILEGES wanted{};
    wanted.PrivilegeCount = 1;
    wanted.Privileges[0].Luid = *luid;
    wanted.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    DWORD previousSize = 0;
    if (!::AdjustTokenPrivileges(scope->token_.get(), FALSE, &wanted, sizeof scope->previous_, &scope->previous_,
                                 &previousSize)) {
      return lastWin32Failure("enable", "SeSystemtimePrivilege");
    }
    // AdjustTokenPrivileges succeeds even when the token does not hold the privilege; it says so here.
    if (::GetLastError() == ERROR_NOT_ALL_ASSIGNED) {
      return fail(ErrorCode::kPermissionDenied,
                  "this account does not hold SeSystemtimePrivilege (run as LocalSystem or an administrator)");
    }
    scope->adjusted_ = true;
    return scope;
  }
  ~SystemTimePrivilegeScope() {
    if (adjusted_) ::AdjustTokenPrivileges(token_.get(), FALSE, &previous_, 0, nullptr, nullptr);
  }

 private:
  SystemTimePrivilegeScope() = default;
  UniqueHandle token_;
  TOKEN_PRIVILEGES previous_{};
  bool adjusted_ = false;
};

template <typename D>
std::string seconds(D d) {
  const double s = std::chrono::duration<double>(d).count();
  char text[32];
  std::snprintf(text, sizeof text, "%+.3f s", s);
  return text;
}

}  // namespace

bool clockChangesForbidden() {
  wchar_t value[8] = {};
  const DWORD length = ::GetEnvironmentVariableW(L"REMEDIATOR_NEVER_SET_CLOCK", value, 8);
  if (length == 0 && ::GetLastError() == ERROR_ENVVAR_NOT_FOUND) return false;
  if (length == 0) return false;                          // set but empty
  if (length >= 8) return true;                           // something long: take it as set
  return !(length == 1 && value[0] == L'0');
}

Result<void> stepSystemClock(Millis delta) {
  if (clockChangesForbidden()) return forbidden();
  auto privilege = SystemTimePrivilegeScope::enable();
  if (!privilege) return privilege.error();
  // Read as late as possible, so the step lands where it was meant to.
  const FILETIME target = toFileTime(readSystemClock() + delta);
  SYSTEMTIME utc{};
  if (!::FileTimeToSystemTime(&target, &utc)) return lastWin32Failure("convert", "the corrected time");
  if (!::SetSystemTime(&utc)) return lastWin32Failure("set", "the system clock");
  return {};
}

Result<ClockCorrection> correctThroughTimeServiceThenStep(Millis offset, ProcessRunner& runner,
                                                          const ClockControl& control, ClockStep step) {
  const SysTime before = control.read();
  const Millis startedAt = control.elapsed();
  ProcessRequest resync;
  resync.program = "w32tm";
  resync.args = {"/resync"};
  resync.timeout = std::chrono::seconds(60);
  auto ran = runner.run(resync);
  const Millis waited = control.elapsed() - startedAt;
  const auto moved = std::chrono::duration_cast<Millis>(control.read() - before) - waited;
  const Millis tolerance = std::max<Millis>(std::chrono::seconds(2), Millis(std::abs(offset.count()) / 10));
  const bool resynced = ran && !ran->timedOut && ran->exitCode == 0;
  if (resynced && std::abs((moved - offset).count()) <= tolerance.count()) return ClockCorrection::kResynced;

  std::string why;
  if (!ran) {
    why = ran.error().message;
  } else if (ran->timedOut) {
    why = "w32tm /resync did not finish within 60 s";
  } else if (ran->exitCode != 0) {
    why = "w32tm /resync exited with " + std::to_string(ran->exitCode);
  } else {
    why = "W32Time moved the clock by " + seconds(moved) + " of the " + seconds(offset) + " needed";
  }
  if (step == ClockStep::kResyncOnly) {
    return fail(ErrorCode::kPermissionDenied, why + "; the clock is not stepped (only W32Time's own resync may make "
                                                    "this correction)");
  }
  if (auto stepped = control.step(offset - moved); !stepped) {
    return fail(stepped.error().code, why + "; stepping the clock failed: " + stepped.error().message);
  }
  return ClockCorrection::kStepped;
}

SysTime WindowsSystemClock::now() const { return readSystemClock(); }

Result<void> WindowsSystemClock::canCorrect() const {
  if (clockChangesForbidden()) return forbidden();
  UniqueHandle token;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, token.out())) {
    return lastWin32Failure("open", "the process token");
  }
  auto luid = systemTimePrivilege();
  if (!luid) return luid.error();
  DWORD size = 0;
  ::GetTokenInformation(token.get(), TokenPrivileges, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  if (size == 0 || !::GetTokenInformation(token.get(), TokenPrivileges, buffer.data(), size, &size)) {
    return lastWin32Failure("read the privileges of", "the process token");
  }
  const auto* privileges = reinterpret_cast<const TOKEN_PRIVILEGES*>(buffer.data());
  for (DWORD i = 0; i < privileges->PrivilegeCount; ++i) {
    const LUID& held = privileges->Privileges[i].Luid;
    if (held.LowPart == luid->LowPart && held.HighPart == luid->HighPart) return {};
  }
  return fail(ErrorCode::kPermissionDenied,
              "this account does not hold SeSystemtimePrivilege (run as LocalSystem or an administrator)");
}

Result<ClockCorrection> WindowsSystemClock::correct(Millis offset, ClockStep step) {
  // Checked before anything runs: w32tm /resync would move the clock too.
  if (clockChangesForbidden()) return forbidden();
  const auto start = std::chrono::steady_clock::now();
  ClockControl control{
      readSystemClock,
      stepSystemClock,
      [start] { return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start); },
  };
  return correctThroughTimeServiceThenStep(offset, runner_, control, step);
}

}  // namespace remediator::platform
