// The real TimeQuery against a small UDP responder on 127.0.0.1 that answers with crafted packets. These tests
// use the network and so real time: a timeout is a real wait, kept short.

#include <gtest/gtest.h>

#include <mutex>

#include "fixers/clock/sntp_client.h"
#include "platform/memory/memory_system_clock.h"
#include "tests/fixers/clock/clock_test_support.h"

namespace remediator::fixers::clock {
namespace {

using platform::ErrorCode;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::bytes;
using testing::serverReply;
using testing::UdpResponder;
using Datagrams = std::vector<std::vector<std::uint8_t>>;

class SntpQueryTest : public ::testing::Test {
 protected:
  Result<SntpSample> ask(const UdpResponder& responder, Millis timeout = milliseconds(500)) {
    return query_->exchange(ServerAddress{"127.0.0.1", responder.port()}, timeout, clock_);
  }

  platform::RealTimeSource real_;
  platform::MemorySystemClock clock_{real_};
  std::shared_ptr<TimeQuery> query_ = makeSntpTimeQuery();
};

TEST_F(SntpQueryTest, MeasuresTheResponderSkew) {
  UdpResponder responder([](const std::vector<std::uint8_t>& request) {
    return Datagrams{bytes(serverReply(request, seconds(90)))};
  });
  auto sample = ask(responder);
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  // The offset's error is at most half the round trip (RFC 5905); on a loaded machine (sanitizers, 2 cores) the
  // round trip itself can take tens of milliseconds, so the bound follows the measured delay.
  EXPECT_GE(sample->delay, Nanos{0});
  EXPECT_LT(sample->delay, milliseconds(500));
  EXPECT_LE(std::chrono::abs(sample->offset - seconds(90)), sample->delay / 2 + milliseconds(1));
  EXPECT_EQ(sample->stratum, 2);
}

TEST_F(SntpQueryTest, SendsAVersion4ClientRequestStampedByTheJudgedClock) {
  std::mutex mutex;
  std::vector<std::uint8_t> seen;
  UdpResponder responder([&](const std::vector<std::uint8_t>& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return Datagrams{bytes(serverReply(request, Millis{0}))};
  });
  clock_.setOffset(-std::chrono::minutes(5));
  const auto before = toNtpTimestamp(clock_.now());
  auto sample = ask(responder);
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), kNtpPacketSize);
  EXPECT_EQ(seen[0], 0x23);
  const auto request = decodePacket(seen);
  ASSERT_TRUE(request.ok());
  EXPECT_LE(std::chrono::abs(ntpDifference(request->transmit, before)), milliseconds(50));
  // The judged clock is five minutes slow, so the server is five minutes ahead of it.
  EXPECT_LE(std::chrono::abs(sample->offset - std::chrono::minutes(5)), milliseconds(50));
}

TEST_F(SntpQueryTest, SilentServerTimesOutInTime) {
  UdpResponder responder([](const std::vector<std::uint8_t>&) { return Datagrams{}; });
  const auto start = std::chrono::steady_clock::now();
  auto sample = ask(responder, milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kTimeout);
  EXPECT_NE(sample.error().message.find("no reply within 300 ms"), std::string::npos) << sample.error().message;
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(800));
  EXPECT_EQ(responder.requests(), 1);
}

TEST_F(SntpQueryTest, GarbageBeforeTheRealReplyIsIgnored) {
  UdpResponder responder([](const std::vector<std::uint8_t>& request) {
    NtpPacket forged = serverReply(request, std::chrono::hours(3));
    forged.originate ^= 0x10000;  // not what we sent
    return Datagrams{std::vector<std::uint8_t>(20, 0x24), bytes(forged), bytes(serverReply(request, seconds(30)))};
  });
  auto sample = ask(responder);
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  EXPECT_LE(std::chrono::abs(sample->offset - seconds(30)), milliseconds(50));
}

TEST_F(SntpQueryTest, ShortRepliesAloneEndInATimeoutThatSaysWhy) {
  UdpResponder responder([](const std::vector<std::uint8_t>&) {
    return Datagrams{std::vector<std::uint8_t>(47, 0x24)};
  });
  auto sample = ask(responder, milliseconds(300));
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kTimeout);
  EXPECT_NE(sample.error().message.find("47 bytes"), std::string::npos) << sample.error().message;
}

TEST_F(SntpQueryTest, WrongOriginateAloneEndsInATimeoutThatSaysWhy) {
  UdpResponder responder([](const std::vector<std::uint8_t>& request) {
    NtpPacket stale = serverReply(request, Millis{0});
    stale.originate -= 1ull << 32;  // the answer to a request of a second ago
    return Datagrams{bytes(stale)};
  });
  auto sample = ask(responder, milliseconds(300));
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kTimeout);
  EXPECT_NE(sample.error().message.find("originate"), std::string::npos) << sample.error().message;
}

TEST_F(SntpQueryTest, KissOfDeathRateIsBusyAndDenyIsRefusal) {
  for (const auto& [code, expected] : std::vector<std::pair<std::uint32_t, ErrorCode>>{
           {0x52415445, ErrorCode::kBusy},               // RATE
           {0x44454E59, ErrorCode::kPermissionDenied},   // DENY
           {0x52535452, ErrorCode::kPermissionDenied}})  // RSTR
  {
    UdpResponder responder([code = code](const std::vector<std::uint8_t>& request) {
      NtpPacket kiss = serverReply(request, Millis{0});
      kiss.stratum = 0;
      kiss.referenceId = code;
      return Datagrams{bytes(kiss)};
    });
    auto sample = ask(responder);
    ASSERT_FALSE(sample.ok());
    EXPECT_EQ(sample.error().code, expected);
    EXPECT_NE(sample.error().message.find("kiss-o'-death"), std::string::npos) << sample.error().message;
  }
}

TEST_F(SntpQueryTest, UnsynchronisedServerIsRejected) {
  UdpResponder responder([](const std::vector<std::uint8_t>& request) {
    NtpPacket reply = serverReply(request, Millis{0});
    reply.leap = kLeapAlarm;
    return Datagrams{bytes(reply)};
  });
  auto sample = ask(responder);
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kInvalidData);
  EXPECT_NE(sample.error().message.find("leap indicator 3"), std::string::npos) << sample.error().message;
}

TEST_F(SntpQueryTest, ClosedPortIsUnavailableWithoutWaitingForTheTimeout) {
  const int port = testing::freeUdpPort();
  const auto start = std::chrono::steady_clock::now();
  auto sample = query_->exchange(ServerAddress{"127.0.0.1", port}, seconds(5), clock_);
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kUnavailable) << sample.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(SntpQueryTest, UnresolvableNameIsUnavailable) {
  auto sample = query_->exchange(ServerAddress{"no-such-host.invalid", 123}, seconds(3), clock_);
  ASSERT_FALSE(sample.ok());
  EXPECT_TRUE(sample.error().code == ErrorCode::kUnavailable || sample.error().code == ErrorCode::kTimeout)
      << sample.error().message;
  EXPECT_NE(sample.error().message.find("no-such-host.invalid"), std::string::npos);
}

TEST_F(SntpQueryTest, NoTimeLeftAsksNothing) {
  UdpResponder responder([](const std::vector<std::uint8_t>& request) {
    return Datagrams{bytes(serverReply(request, Millis{0}))};
  });
  auto sample = ask(responder, Millis{0});
  ASSERT_FALSE(sample.ok());
  EXPECT_EQ(sample.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(responder.requests(), 0);
}

}  // namespace
}  // namespace remediator::fixers::clock
