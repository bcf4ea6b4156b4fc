#pragma once

#include "platform/system_clock.h"

namespace remediator::platform {

/// The Linux system clock, read-only. On Linux the clock belongs to chrony or systemd-timesyncd, and this
/// build only measures it: canCorrect() and correct() always fail with kNotSupported, so that no code path of
/// this product can step the clock of the host it runs on.
class PosixSystemClock final : public SystemClock {
 public:
  /// CLOCK_REALTIME, to the nanosecond where the system clock offers it.
  SysTime now() const override;
  Result<void> canCorrect() const override;
  Result<ClockCorrection> correct(Millis offset, ClockStep step = ClockStep::kAllowed) override;
};

}  // namespace remediator::platform
