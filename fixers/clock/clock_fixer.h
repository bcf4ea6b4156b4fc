#pragma once

#include <memory>

#include "fixers/clock/skew_measurement.h"
#include "fixers/clock/sntp_client.h"
#include "fixers/fixer.h"

namespace remediator::fixers::clock {

/// The kind of the clock fixer's one action.
inline constexpr const char* kCorrectClockAction = "correct_clock";

/// Settings of the clock fixer that are not policy keys.
struct ClockFixerOptions {
  Millis agreement = kDefaultAgreement;  ///< how close servers' offsets must be to count as agreeing
};

/// The clock fixer (policy section [clock]): keeps the system clock within [clock] threshold of the time servers
/// (default: the Essentials server), because Kerberos refuses logons beyond 5 minutes of skew and the Connector
/// then reports "The server is not available".
///
/// detect measures the offset of ctx.platform.clock over SNTP (majority rule across servers); compliant within
/// threshold, drift beyond it. Beyond [clock] max_correction the finding is still kDrift but the plan is empty
/// and the message says an administrator must act: an absurd offset means a wrong server or a wrong date, and
/// correcting it blindly would do more harm than the skew. plan: one non-disruptive `correct_clock` action with
/// parameters offset_ms and server. apply measures again (so that applying a plan twice corrects once), refuses
/// if the offset moved by more than the agreement tolerance since the plan, notes its intent and calls
/// ctx.platform.clock->correct().
std::unique_ptr<Fixer> makeClockFixer(std::shared_ptr<TimeQuery> query = makeSntpTimeQuery(),
                                      ClockFixerOptions options = {});

}  // namespace remediator::fixers::clock
