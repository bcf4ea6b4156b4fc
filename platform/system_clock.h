#pragma once

#include <string>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// How a clock correction was made.
enum class ClockCorrection { kResynced, kStepped };

/// The clock the clock fixer keeps in line. Separate from TimeSource: the engine's notion of time must not jump
/// because this clock was corrected in a test.
class SystemClock {
 public:
  virtual ~SystemClock() = default;
  /// The system's UTC time, as precisely as the OS gives it.
  virtual SysTime now() const = 0;
  /// Whether this process may correct the clock; the error says why not.
  virtual Result<void> canCorrect() const = 0;
  /// Corrects the clock by `offset` (positive: forward): the OS time service first, a step as the fallback.
  virtual Result<ClockCorrection> correct(Millis offset) = 0;
};

}  // namespace remediator::platform
