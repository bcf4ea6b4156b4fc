#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fixers/clock/sntp_client.h"
#include "platform/platform.h"
#include "policies/policy.h"

namespace remediator::fixers::clock {

/// Offsets within this distance of each other count as agreeing when servers vote. Servers on one LAN agree to a
/// few milliseconds; a second leaves room for a slow link and is still far below the 30 s threshold and the
/// 5 min Kerberos limit, so a falseticker outvoted at this tolerance cannot move the clock in a way that matters.
inline constexpr Millis kDefaultAgreement{1000};

/// Kerberos' default maximum clock skew: beyond it logons fail, and a step of more than this on the word of a
/// single unauthenticated SNTP server is not taken (the clock fixer asks W32Time to resync instead).
inline constexpr Millis kKerberosMaxSkew{5 * 60 * 1000};

/// How to measure the judged clock against time servers.
struct MeasureSettings {
  std::vector<ServerAddress> servers;  ///< in policy order; at least one
  int samples = 4;                     ///< exchanges per server; the least-delay one counts
  Millis queryTimeout{2000};           ///< per exchange, further bounded by the run's deadline
  Millis agreement = kDefaultAgreement;
};

/// What one server contributed to a measurement.
struct ServerReport {
  ServerAddress server;
  std::optional<SntpSample> best;  ///< its least-delay sample; empty when it gave none
  int asked = 0;                   ///< exchanges attempted
  int answered = 0;                ///< valid replies
  std::string problem;             ///< the last failed exchange, empty when all succeeded
  bool falseticker = false;        ///< answered but disagreed with the majority
};

/// The outcome of asking every server.
struct SkewMeasurement {
  SntpSample sample;                  ///< the one used: least delay among the servers of the majority
  ServerAddress server;               ///< where it came from
  std::vector<ServerReport> servers;  ///< every server asked, in policy order

  /// Servers of the majority, falsetickers, and servers that gave no sample ("host:port" each).
  std::vector<std::string> agreeing() const;
  std::vector<std::string> falsetickers() const;
  std::vector<std::string> silent() const;
};

/// The sample with the least round-trip delay (the first of equals); nullopt when there is none. A short delay
/// bounds the error of the offset best (the error is at most half the delay).
std::optional<SntpSample> leastDelay(const std::vector<SntpSample>& samples);

/// The majority rule. `offsets[i]` is server i's offset, empty when it gave none; every entry counts as a vote,
/// so a silent server weakens the majority rather than being ignored. Returns the indices of the largest group of
/// offsets all within `agreement` of one another if it holds more than half of all servers (one server: itself;
/// two: both must agree). Among equal largest groups (possible because agreement is not transitive) the one with
/// the smallest spread wins. kFailed "no majority ..." otherwise, kUnavailable when no server gave an offset.
Result<std::vector<std::size_t>> majorityGroup(const std::vector<std::optional<Nanos>>& offsets, Millis agreement);

/// Asks every server `settings.samples` times (in order, one at a time), keeps each server's least-delay sample
/// and applies the majority rule. A server's attempts end at its first kiss-o'-death or bad reply or its second
/// timeout; every exchange's timeout is cut to what is left before `deadline` (read from `time`). T1 and T4 come
/// from `clock`. The error message lists each server and what it said.
Result<SkewMeasurement> measureSkew(const MeasureSettings& settings, TimeQuery& query,
                                    const platform::SystemClock& clock, const platform::TimeSource& time,
                                    SysTime deadline);

/// The measurement settings of a policy: [clock] servers (default: [service] server), port, samples,
/// query_timeout. kInvalidArgument naming the key when no server is configured or an entry is malformed.
Result<MeasureSettings> measureSettingsFromPolicy(const policies::Policy& policy,
                                                  Millis agreement = kDefaultAgreement);

/// The read-only skew check behind `doctor`: measures `platform.clock` against the policy's servers without
/// changing anything. kNotSupported when the platform has no clock.
Result<SkewMeasurement> measureSkew(const policies::Policy& policy, const platform::Platform& platform,
                                    TimeQuery& query, SysTime deadline, Millis agreement = kDefaultAgreement);

/// A duration as signed milliseconds with three decimals ("+420000.125", "-12.500"), as in audit records.
std::string formatMillis(Nanos value);
/// A duration for a sentence: "+7 min 0.125 s", "-0.012 s", "+2 h 5 min 3.000 s".
std::string formatOffset(Nanos value);

}  // namespace remediator::fixers::clock
