#pragma once

#include <functional>

#include "platform/process_runner.h"
#include "platform/system_clock.h"

namespace remediator::platform {

/// What a clock correction may do, injected so that the decision can be tested without any clock moving.
struct ClockControl {
  std::function<SysTime()> read;                ///< the clock being corrected
  std::function<Result<void>(Millis)> step;     ///< moves it by the given amount at once
  std::function<Millis()> elapsed;              ///< a steady stopwatch since some fixed point
};

/// Corrects a clock by `offset`: first asks W32Time (`w32tm /resync` through `runner`), then checks whether the
/// clock really moved by about `offset` (within a tenth of it, at least 2 s); if W32Time failed, refused or did
/// not move it far enough (beyond its correction limits, or synced to another source) the rest is stepped.
/// With `step` kResyncOnly nothing is stepped: what W32Time did not do fails with kPermissionDenied.
Result<ClockCorrection> correctThroughTimeServiceThenStep(Millis offset, ProcessRunner& runner,
                                                          const ClockControl& control,
                                                          ClockStep step = ClockStep::kAllowed);

/// Whether this process was told never to change the system clock (environment REMEDIATOR_NEVER_SET_CLOCK set
/// to anything but "" or "0"). Every test run under Wine sets it: there, as root, SetSystemTime would move the
/// clock of the Linux machine running the tests.
bool clockChangesForbidden();

/// Steps the Windows clock by `delta` with SetSystemTime, enabling SE_SYSTEMTIME_NAME only around the call and
/// restoring the token's previous state afterwards. Refuses (kPermissionDenied) when clockChangesForbidden().
Result<void> stepSystemClock(Millis delta);

/// The Windows system clock: read with GetSystemTimePreciseAsFileTime; corrected through W32Time first and by
/// stepSystemClock as the fallback. Refuses every correction when clockChangesForbidden().
class WindowsSystemClock final : public SystemClock {
 public:
  /// `runner` runs w32tm and must outlive the clock.
  explicit WindowsSystemClock(ProcessRunner& runner) : runner_(runner) {}
  SysTime now() const override;
  /// kPermissionDenied when corrections are forbidden or the account does not hold SeSystemtimePrivilege.
  Result<void> canCorrect() const override;
  Result<ClockCorrection> correct(Millis offset, ClockStep step = ClockStep::kAllowed) override;

 private:
  ProcessRunner& runner_;
};

}  // namespace remediator::platform
