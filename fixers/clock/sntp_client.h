#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "platform/result.h"
#include "platform/system_clock.h"
#include "platform/time_source.h"

namespace remediator::fixers::clock {

using platform::Millis;
using platform::Result;
using platform::SysTime;
using Nanos = std::chrono::nanoseconds;

/// Size of an NTP packet without extension fields or MAC.
inline constexpr std::size_t kNtpPacketSize = 48;
/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
inline constexpr std::uint64_t kNtpUnixEpochDelta = 2'208'988'800ull;

/// NTP association modes used here (RFC 5905, figure 10).
inline constexpr std::uint8_t kModeClient = 3;
inline constexpr std::uint8_t kModeServer = 4;
/// The leap indicator value that means "clock not synchronised".
inline constexpr std::uint8_t kLeapAlarm = 3;

/// A 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, the binary fraction in the low 32 bits.
/// The era is implicit; differences of timestamps are taken modulo 2^64 (RFC 5905 section 6), which is right
/// as long as both are within 68 years of each other.
using NtpTimestamp = std::uint64_t;

/// Converts a wall-clock time to an NTP timestamp.
NtpTimestamp toNtpTimestamp(SysTime time);
/// Converts an NTP timestamp back to wall-clock time, placing it in 1968-2104 (RFC 4330 section 3).
SysTime fromNtpTimestamp(NtpTimestamp timestamp);
/// `a - b` for two NTP timestamps within 68 years of each other, in nanoseconds.
Nanos ntpDifference(NtpTimestamp a, NtpTimestamp b);

/// The fields of an NTP header (RFC 5905 figure 8), in host order.
struct NtpPacket {
  std::uint8_t leap = 0;      ///< leap indicator, 0-3
  std::uint8_t version = 4;   ///< 1-7; 3 and 4 are in use
  std::uint8_t mode = kModeClient;
  std::uint8_t stratum = 0;   ///< 0 in a reply: kiss-o'-death; 1-15 synchronised; 16 unsynchronised
  std::int8_t poll = 0;
  std::int8_t precision = 0;
  std::uint32_t rootDelay = 0;
  std::uint32_t rootDispersion = 0;
  std::uint32_t referenceId = 0;  ///< in a kiss-o'-death: four ASCII characters, the kiss code
  NtpTimestamp reference = 0;
  NtpTimestamp originate = 0;  ///< T1 echoed back by the server
  NtpTimestamp receive = 0;    ///< T2: when the server received the request
  NtpTimestamp transmit = 0;   ///< T3: when the server sent the reply
  bool operator==(const NtpPacket&) const = default;
};

/// The 48 bytes of a packet in network order.
std::array<std::uint8_t, kNtpPacketSize> encodePacket(const NtpPacket& packet);
/// Reads the header of a received datagram; extension fields after the 48 bytes are ignored. kInvalidData when
/// the datagram is shorter than a header.
Result<NtpPacket> decodePacket(std::span<const std::uint8_t> datagram);
/// A client request (version 4, mode 3) whose transmit timestamp is `transmit`; the server echoes it as originate.
NtpPacket makeRequest(NtpTimestamp transmit);

/// Why a reply must not be used.
enum class ReplyProblem {
  kNone,
  kWrongMode,          ///< not a server reply (mode != 4)
  kOriginateMismatch,  ///< not the answer to our request: stale, duplicated or forged
  kKissOfDeath,        ///< stratum 0: the server refuses (DENY, RSTR) or asks us to back off (RATE)
  kBadStratum,         ///< stratum 16 or above: the server itself is not synchronised
  kLeapAlarm,          ///< leap indicator 3: the server's clock is not synchronised
  kZeroTransmit,       ///< transmit timestamp 0: the server did not say what time it is
};

/// Applies the reply checks of RFC 4330 section 5 to a decoded reply to a request sent with transmit timestamp
/// `sentTransmit`. Checked in this order: mode, originate, stratum (kiss-o'-death, then 16+), leap indicator,
/// transmit timestamp.
ReplyProblem checkReply(const NtpPacket& reply, NtpTimestamp sentTransmit);
/// One phrase for a person: what is wrong with `reply`, e.g. "kiss-o'-death RATE (...)".
std::string describeReplyProblem(ReplyProblem problem, const NtpPacket& reply);
/// The kiss code of a kiss-o'-death reply ("RATE", "DENY"); non-printable bytes become '?'.
std::string kissCode(const NtpPacket& reply);

/// One completed exchange with a server.
struct SntpSample {
  Nanos offset{0};  ///< how far the judged clock is behind the server (positive: the clock is slow)
  Nanos delay{0};   ///< round-trip delay minus the server's processing time
  int stratum = 0;
};

/// Offset and delay of a reply (RFC 5905 section 8): t1 and t4 are the judged clock's readings when the request
/// left and the reply arrived; t2 and t3 come from the reply.
SntpSample computeSample(const NtpPacket& reply, NtpTimestamp t1, NtpTimestamp t4);

/// Where a time server listens.
struct ServerAddress {
  std::string host;  ///< name or address literal (IPv6 without brackets)
  int port = 123;
  bool operator==(const ServerAddress&) const = default;
  /// "host:port", or "[v6]:port", for messages and audit records.
  std::string display() const;
};

/// Parses a server entry of the policy: "host", "host:port", "[v6addr]", "[v6addr]:port" or a bare IPv6 literal.
/// kInvalidArgument for an empty entry or a port outside 1-65535; the message quotes the entry.
Result<ServerAddress> parseServerAddress(const std::string& entry, int defaultPort);

/// One SNTP exchange with one server. Behind an interface so that measurement and the fixer can be tested without
/// a network; the real implementation speaks UDP.
class TimeQuery {
 public:
  virtual ~TimeQuery() = default;
  /// Sends one request to `server` and waits up to `timeout` for a valid reply. The request's T1 and the reply's
  /// T4 are read from `clock`, the clock being judged. Errors: kTimeout (no acceptable reply in time; the message
  /// says which replies were ignored), kUnavailable (unresolvable or refused), kInvalidData (a reply to our request
  /// failed a check), kBusy (kiss-o'-death RATE), kPermissionDenied (kiss-o'-death DENY or RSTR).
  virtual Result<SntpSample> exchange(const ServerAddress& server, Millis timeout,
                                      const platform::SystemClock& clock) = 0;
};

/// The real TimeQuery: UDP over Boost.Asio, an I/O context of its own per exchange, nothing shared between calls.
/// Replies that cannot be ours (too short, wrong originate) are ignored and waiting goes on, so a stale duplicate
/// or a forged packet cannot spoil or replace a good answer.
std::shared_ptr<TimeQuery> makeSntpTimeQuery();

}  // namespace remediator::fixers::clock
