#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "platform/time_format.h"
#include "platform/time_source.h"
#include "policies/policy.h"

namespace remediator::service {

using platform::Millis;
using platform::SysTime;

/// Local time's offset from UTC at a given instant; injected so tests do not depend on the machine's zone.
using UtcOffsetFn = std::function<std::chrono::minutes(SysTime)>;
/// The offset of the machine's own time zone (from platform/, which knows the OS's time-zone calls).
using platform::localUtcOffset;

/// A stable per-host, per-fixer delay in [0, min(interval, splayMax)): FNV-1a of "host/fixer", as CFEngine's
/// splaytime does, so a fleet spreads its runs and each host keeps the same slot across restarts.
Millis splayFor(const std::string& host, const std::string& fixerId, Millis interval, Millis splayMax);

/// The wait after `failures` failures in a row (at least 1): `initial`, doubled per further failure, at most `cap`.
Millis doublingBackoff(Millis initial, Millis cap, int failures);

/// Whether `t` lies in one of the ranges (local time); an empty list means "always".
bool inMaintenanceWindow(SysTime t, const std::vector<policies::MaintenanceRange>& ranges, const UtcOffsetFn& offset);
/// The first instant at or after `t` that lies in a window (`t` itself when already inside or when the list is
/// empty).
SysTime nextWindowStart(SysTime t, const std::vector<policies::MaintenanceRange>& ranges, const UtcOffsetFn& offset);

/// The engine's timing settings for one fixer, from [service] and the fixer's section.
struct ScheduleSettings {
  Millis interval{std::chrono::minutes(15)};
  Millis startDelay{std::chrono::seconds(30)};
  Millis splayMax{std::chrono::minutes(10)};
  Millis backoffInitial{std::chrono::minutes(1)};
  Millis backoffMax{std::chrono::hours(4)};
  int breakerFailures = 5;
  int recurrenceCount = 3;
  Millis recurrenceWindow{std::chrono::hours(24 * 7)};
};

/// When one fixer runs next, and the failure and drift history that decides it. Pure logic in virtual time.
class FixerSchedule {
 public:
  FixerSchedule(std::string fixerId, const std::string& host, ScheduleSettings settings, SysTime start);

  const std::string& fixerId() const { return fixerId_; }
  SysTime nextDue() const { return nextDue_; }
  bool due(SysTime now) const { return now >= nextDue_; }
  Millis splay() const { return splay_; }

  /// Makes the fixer due at once (an event it listens to was published).
  void trigger(SysTime now);
  /// A run succeeded: the next run is the fixer's next aligned slot (epoch-aligned interval plus splay).
  void recordSuccess(SysTime now);
  /// A run failed: back off exponentially (initial, 2x, 4x... capped); returns true when this failure opened the
  /// circuit breaker.
  bool recordFailure(SysTime now);
  /// A disruptive step waits for the maintenance window: the next run is at `windowStart` (a run before it
  /// could only defer again), which is the catch-up.
  void deferUntil(SysTime windowStart);

  int consecutiveFailures() const { return failures_; }
  bool breakerOpen() const { return breakerOpen_; }
  /// Closes the breaker (policy changed, or an administrator reset it).
  void resetBreaker();

  /// Drift was found after the fixer had seen the machine compliant: returns true when it is the
  /// recurrenceCount-th time within recurrenceWindow.
  bool recordDriftReturn(SysTime now);
  int recurrencesInWindow() const { return static_cast<int>(driftReturns_.size()); }

  /// The slot after `now`: the smallest k*interval + splay (since the epoch) that is > now.
  SysTime nextSlotAfter(SysTime now) const;

 private:
  std::string fixerId_;
  ScheduleSettings settings_;
  Millis splay_;
  SysTime nextDue_;
  int failures_ = 0;
  bool breakerOpen_ = false;
  std::deque<SysTime> driftReturns_;
};

}  // namespace remediator::service
