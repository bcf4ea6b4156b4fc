#include "platform/posix/posix_system_clock.h"

#include <time.h>

namespace remediator::platform {
namespace {

Error notSupported() {
  return fail(ErrorCode::kNotSupported,
              "correcting the system clock is not supported on Linux: the clock belongs to chrony or "
              "systemd-timesyncd, and this build only measures the offset");
}

}  // namespace

SysTime PosixSystemClock::now() const {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return SysTime{} + std::chrono::duration_cast<SysTime::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                   std::chrono::nanoseconds(ts.tv_nsec));
}

Result<void> PosixSystemClock::canCorrect() const { return notSupported(); }

Result<ClockCorrection> PosixSystemClock::correct(Millis, ClockStep) { return notSupported(); }

}  // namespace remediator::platform
