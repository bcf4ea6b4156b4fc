#pragma once

#include <memory>

#include "fixers/clock/skew_measurement.h"
#include "fixers/clock/sntp_client.h"
#include "fixers/fixer.h"

namespace remediator::fixers::clock {

/// The kind of the clock fixer's one action.
inline constexpr const char* kCorrectClockAction = "correct_clock";

/// How long detect's measurement stands in for apply's: the engine plans and applies within milliseconds of
/// detect; a plan applied later (or a second time) is measured again.
inline constexpr Millis kFreshMeasurement{5000};

/// Settings of the clock fixer that are not policy keys.
struct ClockFixerOptions {
  Millis agreement = kDefaultAgreement;  ///< how close servers' offsets must be to count as agreeing
  Sleep sleep = realSleep();             ///< how the spacing between queries is waited (tests: virtual time)
  Millis spacing = kMinQuerySpacing;     ///< between two queries to one server
  /// apply uses detect's measurement instead of measuring again when it is at most this old (and no correction
  /// came between): the engine applies right after detect, so a second round of queries would tell nothing new.
  Millis fresh = kFreshMeasurement;
};

/// The clock fixer (policy section [clock]): keeps the system clock within [clock] threshold of the time servers
/// (default: the Essentials server), because Kerberos refuses logons beyond 5 minutes of skew and the Connector
/// then reports "The server is not available".
///
/// detect measures the offset of ctx.platform.clock over SNTP (majority rule across servers); compliant within
/// threshold, drift beyond it. Beyond [clock] max_correction the finding is still kDrift but the plan is empty
/// and the message says an administrator must act: an absurd offset means a wrong server or a wrong date, and
/// correcting it blindly would do more harm than the skew. plan: one non-disruptive `correct_clock` action with
/// parameters offset_ms and server. apply measures again unless detect's measurement is fresh (a correction
/// discards it, so that applying a plan twice corrects once), refuses
/// if the offset moved by more than the agreement tolerance since the plan, notes its intent and calls
/// ctx.platform.clock->correct(). Queries to one server are at least options.spacing apart across the fixer's runs.
std::unique_ptr<Fixer> makeClockFixer(std::shared_ptr<TimeQuery> query = makeSntpTimeQuery(),
                                      ClockFixerOptions options = {});

}  // namespace remediator::fixers::clock
