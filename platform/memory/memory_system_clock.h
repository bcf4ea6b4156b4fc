#pragma once

#include <mutex>
#include <optional>
#include <vector>

#include "platform/system_clock.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// A system clock for tests: the time of a TimeSource plus an offset. correct() changes the offset, never the
/// TimeSource, so the engine's time stays steady while the clock under repair moves.
class MemorySystemClock final : public SystemClock {
 public:
  /// A clock `offset` away from `time` (positive: ahead). `time` must outlive the clock.
  explicit MemorySystemClock(const TimeSource& time, Millis offset = Millis{0});

  SysTime now() const override;
  Result<void> canCorrect() const override;
  /// Adds `offset` to the clock's offset and returns the configured kind of correction; refused corrections
  /// change nothing.
  /// With kResyncOnly and a correction kind of kStepped (the time service would not have made it), fails with
  /// kPermissionDenied and changes nothing.
  Result<ClockCorrection> correct(Millis offset, ClockStep step = ClockStep::kAllowed) override;

  /// Sets how far this clock is from the TimeSource (positive: ahead).
  void setOffset(Millis offset);
  /// How far this clock is from the TimeSource.
  Millis offset() const;
  /// Makes canCorrect() and correct() fail with `error` until allow().
  void refuse(Error error);
  /// Lets corrections succeed again.
  void allow();
  /// What correct() reports it did when it succeeds (kResynced unless set).
  void setCorrectionKind(ClockCorrection kind);
  /// Every successful correction, in order.
  std::vector<Millis> corrections() const;

 private:
  const TimeSource& time_;
  mutable std::mutex mutex_;
  Millis offset_;
  std::optional<Error> refusal_;
  ClockCorrection kind_ = ClockCorrection::kResynced;
  std::vector<Millis> corrections_;
};

}  // namespace remediator::platform
