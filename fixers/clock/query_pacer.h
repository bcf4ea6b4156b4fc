#pragma once

#include <functional>
#include <map>
#include <string>

#include "fixers/clock/sntp_client.h"

namespace remediator::fixers::clock {

/// RFC 4330 section 10: a client should not send a server more than one query a second. Every query to one
/// server is at least this long after the one before, within a pass and across the passes of one fixer.
inline constexpr Millis kMinQuerySpacing{1000};

/// Waits `d` of the time that the measurement reads from its TimeSource. The real one sleeps; tests advance a
/// ManualTimeSource, so the spacing is checked in virtual time without sleeping.
using Sleep = std::function<void(Millis d)>;

/// std::this_thread::sleep_for.
Sleep realSleep();

/// Keeps the queries to each server `spacing` apart: remembers when each server was last asked and waits, through
/// `sleep`, until it may be asked again. Not thread-safe: one per fixer, used by one run at a time.
class QueryPacer {
 public:
  explicit QueryPacer(Sleep sleep = realSleep(), Millis spacing = kMinQuerySpacing);

  /// Waits until `server` may be asked; false (without waiting) when that moment is past `deadline`.
  bool awaitTurn(const ServerAddress& server, const platform::TimeSource& time, SysTime deadline);
  /// Records that `server` was asked at `at`.
  void asked(const ServerAddress& server, SysTime at);
  Millis spacing() const { return spacing_; }

 private:
  Sleep sleep_;
  Millis spacing_;
  std::map<std::string, SysTime> lastAsked_;  ///< by ServerAddress::display()
};

}  // namespace remediator::fixers::clock
