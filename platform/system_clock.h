#pragma once

#include <string>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// How a clock correction was made.
enum class ClockCorrection { kResynced, kStepped };

/// What a correction may do when the OS time service does not make it.
enum class ClockStep {
  kAllowed,     ///< step the clock by what is left
  kResyncOnly,  ///< only the time service's own resync (its own sources); fail rather than step
};

/// The clock the clock fixer keeps in line. Separate from TimeSource: the engine's notion of time must not jump
/// because this clock was corrected in a test.
class SystemClock {
 public:
  virtual ~SystemClock() = default;
  /// The system's UTC time, as precisely as the OS gives it.
  virtual SysTime now() const = 0;
  /// Whether this process may correct the clock; the error says why not.
  virtual Result<void> canCorrect() const = 0;
  /// Corrects the clock by `offset` (positive: forward): the OS time service first, a step as the fallback
  /// unless `step` is kResyncOnly (then kPermissionDenied when the time service did not make the correction).
  virtual Result<ClockCorrection> correct(Millis offset, ClockStep step = ClockStep::kAllowed) = 0;
};

}  // namespace remediator::platform
