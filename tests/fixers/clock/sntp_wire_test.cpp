#include <gtest/gtest.h>

#include <vector>

#include "fixers/clock/skew_measurement.h"
#include "fixers/clock/sntp_client.h"

namespace remediator::fixers::clock {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr NtpTimestamp kSecond = 1ull << 32;

NtpTimestamp at(double secondsSince1900) {
  return static_cast<NtpTimestamp>(secondsSince1900 * static_cast<double>(kSecond));
}

NtpPacket goodReply(NtpTimestamp sent) {
  NtpPacket reply;
  reply.mode = kModeServer;
  reply.stratum = 2;
  reply.originate = sent;
  reply.receive = sent + kSecond;
  reply.transmit = sent + kSecond + 1000;
  return reply;
}

NtpPacket kiss(const char code[5]) {
  NtpPacket reply = goodReply(7);
  reply.stratum = 0;
  reply.referenceId = (std::uint32_t(std::uint8_t(code[0])) << 24) | (std::uint32_t(std::uint8_t(code[1])) << 16) |
                      (std::uint32_t(std::uint8_t(code[2])) << 8) | std::uint32_t(std::uint8_t(code[3]));
  return reply;
}

TEST(SntpWireTest, RequestIsVersion4ClientWithTransmitAtByte40) {
  const auto bytes = encodePacket(makeRequest(0x0102030405060708ull));
  EXPECT_EQ(bytes[0], 0x23);
  for (std::size_t i = 1; i < 40; ++i) EXPECT_EQ(bytes[i], 0) << "byte " << i;
  const std::vector<std::uint8_t> transmit(bytes.begin() + 40, bytes.end());
  EXPECT_EQ(transmit, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(SntpWireTest, EncodeDecodeRoundTripsEveryField) {
  NtpPacket p;
  p.leap = 2;
  p.version = 3;
  p.mode = kModeServer;
  p.stratum = 15;
  p.poll = -6;
  p.precision = -23;
  p.rootDelay = 0x00010002;
  p.rootDispersion = 0xA0B0C0D0;
  p.referenceId = 0x47505300;  // "GPS"
  p.reference = 0x1111111122222222ull;
  p.originate = 0x3333333344444444ull;
  p.receive = 0x5555555566666666ull;
  p.transmit = 0x77777777FFFFFFFFull;
  const auto bytes = encodePacket(p);
  EXPECT_EQ(bytes[0], (2 << 6) | (3 << 3) | 4);
  EXPECT_EQ(bytes[2], 0xFA);  // poll -6
  EXPECT_EQ(bytes[24], 0x33);
  EXPECT_EQ(bytes[32], 0x55);
  auto decoded = decodePacket(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, p);
}

TEST(SntpWireTest, DecodeIgnoresExtensionFieldsAfterTheHeader) {
  NtpPacket p = goodReply(99);
  const auto header = encodePacket(p);
  std::vector<std::uint8_t> datagram(header.begin(), header.end());
  datagram.resize(48 + 24, 0xEE);
  auto decoded = decodePacket(datagram);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, p);
}

TEST(SntpWireTest, DecodeRejectsShortDatagramNamingItsSize) {
  const std::vector<std::uint8_t> datagram(20, 0x24);
  auto decoded = decodePacket(datagram);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, platform::ErrorCode::kInvalidData);
  EXPECT_NE(decoded.error().message.find("20 bytes"), std::string::npos) << decoded.error().message;
}

TEST(SntpWireTest, UnixEpochIsNtpSeconds2208988800) {
  EXPECT_EQ(toNtpTimestamp(SysTime{}), kNtpUnixEpochDelta << 32);
  EXPECT_EQ(fromNtpTimestamp(kNtpUnixEpochDelta << 32), SysTime{});
}

TEST(SntpWireTest, HalfSecondIsHalfTheFraction) {
  const auto t = toNtpTimestamp(SysTime{} + milliseconds(1500));
  EXPECT_EQ(t >> 32, kNtpUnixEpochDelta + 1);
  EXPECT_EQ(t & 0xFFFFFFFFull, 0x80000000ull);
}

TEST(SntpWireTest, TimestampRoundTripKeepsNanoseconds) {
  const SysTime t = SysTime{} + std::chrono::duration_cast<SysTime::duration>(
                                    std::chrono::nanoseconds(1'795'000'000'123'456'789LL));  // 2026-11-18
  const auto back = fromNtpTimestamp(toNtpTimestamp(t));
  EXPECT_LE(std::chrono::abs(back - t), std::chrono::nanoseconds(1));
}

TEST(SntpWireTest, Era1StartsIn2036) {
  // NTP seconds wrap to 0 on 2036-02-07 06:28:16 UTC = Unix 2085978496.
  EXPECT_EQ(fromNtpTimestamp(0), SysTime{} + seconds(2'085'978'496LL));
  EXPECT_EQ(toNtpTimestamp(SysTime{} + seconds(2'085'978'496LL + 5)), 5 * kSecond);
}

TEST(SntpWireTest, DifferenceAcrossTheEraWrapIsSmall) {
  const NtpTimestamp before = 0xFFFFFFFFull << 32;  // one second before the wrap
  const NtpTimestamp after = 1ull << 32;            // one second after
  EXPECT_EQ(ntpDifference(after, before), seconds(2));
  EXPECT_EQ(ntpDifference(before, after), seconds(-2));
}

TEST(SntpWireTest, DifferenceHandlesNegativeFractions) {
  EXPECT_EQ(ntpDifference(at(10.25), at(10.75)), milliseconds(-500));
  EXPECT_EQ(ntpDifference(at(10.75), at(10.25)), milliseconds(500));
}

TEST(SntpWireTest, OffsetAndDelayFollowRfc5905) {
  // T1 = 1000.000, T2 = 1010.010, T3 = 1010.020, T4 = 1000.030 (seconds):
  // offset = ((T2-T1) + (T3-T4)) / 2 = 10 s; delay = (T4-T1) - (T3-T2) = 20 ms.
  NtpPacket reply;
  reply.mode = kModeServer;
  reply.stratum = 3;
  reply.receive = at(1010.010);
  reply.transmit = at(1010.020);
  const auto sample = computeSample(reply, at(1000.0), at(1000.030));
  EXPECT_LE(std::chrono::abs(sample.offset - seconds(10)), std::chrono::microseconds(1));
  EXPECT_LE(std::chrono::abs(sample.delay - milliseconds(20)), std::chrono::microseconds(1));
  EXPECT_EQ(sample.stratum, 3);
}

TEST(ReplyCheckTest, AcceptsAValidReply) { EXPECT_EQ(checkReply(goodReply(42), 42), ReplyProblem::kNone); }

TEST(ReplyCheckTest, RejectsWrongMode) {
  NtpPacket reply = goodReply(42);
  reply.mode = kModeClient;
  EXPECT_EQ(checkReply(reply, 42), ReplyProblem::kWrongMode);
  EXPECT_NE(describeReplyProblem(ReplyProblem::kWrongMode, reply).find("mode 3"), std::string::npos);
}

TEST(ReplyCheckTest, RejectsOriginateMismatch) {
  EXPECT_EQ(checkReply(goodReply(42), 43), ReplyProblem::kOriginateMismatch);
}

TEST(ReplyCheckTest, RejectsKissOfDeathAndNamesItsCode) {
  for (const char* code : {"RATE", "DENY", "RSTR"}) {
    const NtpPacket reply = kiss(code);
    EXPECT_EQ(checkReply(reply, 7), ReplyProblem::kKissOfDeath) << code;
    EXPECT_EQ(kissCode(reply), code);
    EXPECT_NE(describeReplyProblem(ReplyProblem::kKissOfDeath, reply).find(code), std::string::npos);
  }
}

TEST(ReplyCheckTest, KissCodeMasksNonPrintableBytes) {
  NtpPacket reply = goodReply(1);
  reply.referenceId = 0x41010242;  // 'A', 0x01, 0x02, 'B'
  EXPECT_EQ(kissCode(reply), "A??B");
}

TEST(ReplyCheckTest, RejectsStratum16AndAbove) {
  for (int stratum : {16, 200}) {
    NtpPacket reply = goodReply(42);
    reply.stratum = static_cast<std::uint8_t>(stratum);
    EXPECT_EQ(checkReply(reply, 42), ReplyProblem::kBadStratum) << stratum;
  }
  NtpPacket edge = goodReply(42);
  edge.stratum = 15;
  EXPECT_EQ(checkReply(edge, 42), ReplyProblem::kNone);
}

TEST(ReplyCheckTest, RejectsLeapIndicator3) {
  NtpPacket reply = goodReply(42);
  reply.leap = 3;
  EXPECT_EQ(checkReply(reply, 42), ReplyProblem::kLeapAlarm);
  reply.leap = 1;  // a leap second announced is fine
  EXPECT_EQ(checkReply(reply, 42), ReplyProblem::kNone);
}

TEST(ReplyCheckTest, RejectsZeroTransmit) {
  NtpPacket reply = goodReply(42);
  reply.transmit = 0;
  EXPECT_EQ(checkReply(reply, 42), ReplyProblem::kZeroTransmit);
}

TEST(ServerAddressTest, ParsesHostPortAndIpv6Forms) {
  struct Case {
    const char* entry;
    const char* host;
    int port;
  };
  for (const Case& c : std::vector<Case>{{"server", "server", 123},
                                         {" server.corp.local ", "server.corp.local", 123},
                                         {"127.0.0.1:10123", "127.0.0.1", 10123},
                                         {"[::1]:4123", "::1", 4123},
                                         {"[fe80::1]", "fe80::1", 123},
                                         {"2001:db8::5", "2001:db8::5", 123}}) {
    auto parsed = parseServerAddress(c.entry, 123);
    ASSERT_TRUE(parsed.ok()) << c.entry << ": " << parsed.error().message;
    EXPECT_EQ(parsed->host, c.host) << c.entry;
    EXPECT_EQ(parsed->port, c.port) << c.entry;
  }
  EXPECT_EQ((ServerAddress{"::1", 123}).display(), "[::1]:123");
  EXPECT_EQ((ServerAddress{"srv", 9}).display(), "srv:9");
}

TEST(ServerAddressTest, RejectsBadEntriesQuotingThem) {
  for (const char* entry : {"", "   ", "srv:0", "srv:70000", "srv:12a", "[::1", "[::1]x", "srv:"}) {
    auto parsed = parseServerAddress(entry, 123);
    ASSERT_FALSE(parsed.ok()) << "'" << entry << "' was accepted";
    EXPECT_EQ(parsed.error().code, platform::ErrorCode::kInvalidArgument);
  }
  auto bad = parseServerAddress("srv:70000", 123);
  EXPECT_NE(bad.error().message.find("'srv:70000'"), std::string::npos) << bad.error().message;
}

TEST(FormatTest, MillisecondsWithSignAndThreeDecimals) {
  EXPECT_EQ(formatMillis(std::chrono::nanoseconds(420'000'125'400LL)), "+420000.125");
  EXPECT_EQ(formatMillis(milliseconds(-12) - std::chrono::microseconds(500)), "-12.500");
  EXPECT_EQ(formatMillis(Nanos{0}), "+0.000");
}

TEST(FormatTest, OffsetsReadAsHoursMinutesSeconds) {
  EXPECT_EQ(formatOffset(std::chrono::minutes(7) + milliseconds(125)), "+7 min 0.125 s");
  EXPECT_EQ(formatOffset(-milliseconds(12)), "-0.012 s");
  EXPECT_EQ(formatOffset(std::chrono::hours(2) + std::chrono::minutes(5) + seconds(3)), "+2 h 5 min 3.000 s");
}

}  // namespace
}  // namespace remediator::fixers::clock
