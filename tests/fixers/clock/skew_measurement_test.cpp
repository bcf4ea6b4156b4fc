#include <gtest/gtest.h>

#include "fixers/clock/skew_measurement.h"
#include "platform/memory/memory_system_clock.h"
#include "tests/fixers/clock/clock_test_support.h"

namespace remediator::fixers::clock {
namespace {

using platform::ErrorCode;
using platform::ManualTimeSource;
using platform::MemorySystemClock;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeTimeQuery;

std::optional<Nanos> off(Millis ms) { return std::optional<Nanos>(ms); }

TEST(LeastDelayTest, SampleWithTheLeastDelayWins) {
  const std::vector<SntpSample> samples{{milliseconds(40), milliseconds(30), 2},
                                        {milliseconds(12), milliseconds(4), 2},
                                        {milliseconds(25), milliseconds(9), 2}};
  const auto best = leastDelay(samples);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->offset, milliseconds(12));
  EXPECT_EQ(best->delay, milliseconds(4));
  EXPECT_FALSE(leastDelay({}).has_value());
}

TEST(MajorityTest, OneServerIsUsedAlone) {
  auto group = majorityGroup({off(seconds(300))}, seconds(1));
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, (std::vector<std::size_t>{0}));
}

TEST(MajorityTest, TwoServersMustAgree) {
  auto agree = majorityGroup({off(milliseconds(100)), off(milliseconds(700))}, seconds(1));
  ASSERT_TRUE(agree.ok());
  EXPECT_EQ(*agree, (std::vector<std::size_t>{0, 1}));
  auto disagree = majorityGroup({off(milliseconds(100)), off(seconds(300))}, seconds(1));
  ASSERT_FALSE(disagree.ok());
  EXPECT_EQ(disagree.error().code, ErrorCode::kFailed);
  EXPECT_NE(disagree.error().message.find("no majority"), std::string::npos);
  // One of two silent: no way to tell whether the other is right.
  EXPECT_FALSE(majorityGroup({off(milliseconds(100)), std::nullopt}, seconds(1)).ok());
}

TEST(MajorityTest, FalsetickerAmongThreeIsOutvoted) {
  auto group = majorityGroup({off(milliseconds(10)), off(minutes(5)), off(milliseconds(-20))}, seconds(1));
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_EQ(*group, (std::vector<std::size_t>{0, 2}));
}

TEST(MajorityTest, ThreeDisagreeingServersHaveNoMajority) {
  auto group = majorityGroup({off(seconds(0)), off(seconds(60)), off(seconds(120))}, seconds(1));
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.error().message.find("no majority"), std::string::npos);
  EXPECT_NE(group.error().message.find("1 of 3"), std::string::npos) << group.error().message;
}

TEST(MajorityTest, SilentServersCountAgainstTheMajority) {
  EXPECT_TRUE(majorityGroup({off(seconds(0)), std::nullopt, off(milliseconds(5))}, seconds(1)).ok());
  EXPECT_FALSE(majorityGroup({off(seconds(0)), std::nullopt, std::nullopt}, seconds(1)).ok());
  auto none = majorityGroup({std::nullopt, std::nullopt}, seconds(1));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
}

TEST(MajorityTest, AmongEqualGroupsTheTighterOneWins) {
  // {0, 0.9, 0.95} and {0.9, 0.95, 1.2} are both majorities of four (0 and 1.2 disagree); the second is tighter.
  auto group = majorityGroup({off(milliseconds(0)), off(milliseconds(900)), off(milliseconds(1200)),
                              off(milliseconds(950))},
                             seconds(1));
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(*group, (std::vector<std::size_t>{1, 2, 3}));
}

class SkewMeasurementTest : public ::testing::Test {
 protected:
  MeasureSettings settings(std::vector<std::string> servers, int samples = 4) {
    MeasureSettings s;
    for (const auto& name : servers) s.servers.push_back(ServerAddress{name, 123});
    s.samples = samples;
    s.queryTimeout = seconds(2);
    return s;
  }
  SysTime deadline() const { return time_.now() + minutes(1); }

  ManualTimeSource time_;
  MemorySystemClock clock_{time_, -minutes(5)};  // five minutes slow
  FakeTimeQuery query_;
};

TEST_F(SkewMeasurementTest, MeasuresTheJudgedClockWithTheLeastDelaySample) {
  query_.serve("a:123", time_, Millis{0}, {milliseconds(40), milliseconds(6), milliseconds(30), milliseconds(20)});
  auto m = measureSkew(settings({"a"}), query_, clock_, time_, deadline());
  ASSERT_TRUE(m.ok()) << m.error().message;
  // Each sample is off by half its delay; the 6 ms one is the best.
  EXPECT_EQ(m->sample.offset, minutes(5) + milliseconds(3));
  EXPECT_EQ(m->sample.delay, milliseconds(6));
  EXPECT_EQ(m->server.display(), "a:123");
  EXPECT_EQ(query_.calls("a:123"), 4);
  EXPECT_EQ(m->servers.front().answered, 4);
}

TEST_F(SkewMeasurementTest, FalsetickerCannotMoveTheResult) {
  query_.serve("a:123", time_, Millis{0}, {milliseconds(8)});
  query_.serve("b:123", time_, minutes(10), {milliseconds(1)});  // lowest delay, but wrong
  query_.serve("c:123", time_, milliseconds(200), {milliseconds(2)});
  auto m = measureSkew(settings({"a", "b", "c"}), query_, clock_, time_, deadline());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->server.display(), "c:123");  // least delay among the majority
  EXPECT_EQ(m->sample.offset, minutes(5) + milliseconds(201));
  EXPECT_EQ(m->falsetickers(), (std::vector<std::string>{"b:123"}));
  EXPECT_EQ(m->agreeing(), (std::vector<std::string>{"a:123", "c:123"}));
  EXPECT_NE(m->servers[1].problem.find("outvoted"), std::string::npos);
}

TEST_F(SkewMeasurementTest, NoMajorityNamesEveryServer) {
  query_.serve("a:123", time_, Millis{0});
  query_.serve("b:123", time_, minutes(10));
  auto m = measureSkew(settings({"a", "b", "c"}, 1), query_, clock_, time_, deadline());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kFailed);
  const auto& message = m.error().message;
  EXPECT_NE(message.find("no majority"), std::string::npos) << message;
  EXPECT_NE(message.find("a:123 +5 min 0.000 s"), std::string::npos) << message;
  EXPECT_NE(message.find("b:123 +15 min 0.000 s"), std::string::npos) << message;
  EXPECT_NE(message.find("c:123 no sample"), std::string::npos) << message;
}

TEST_F(SkewMeasurementTest, KissOfDeathStopsAskingThatServer) {
  query_.script("a:123", {platform::fail(ErrorCode::kBusy, "a:123: kiss-o'-death RATE")});
  query_.serve("a:123", time_, Millis{0});
  auto m = measureSkew(settings({"a"}), query_, clock_, time_, deadline());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(m.error().message.find("RATE"), std::string::npos) << m.error().message;
  EXPECT_EQ(query_.calls("a:123"), 1);
}

TEST_F(SkewMeasurementTest, OneTimeoutIsRetriedTheSecondEndsTheServer) {
  const auto timeout = [] { return Result<SntpSample>(platform::fail(ErrorCode::kTimeout, "no reply")); };
  query_.script("a:123", {timeout()});
  query_.serve("a:123", time_, Millis{0});
  auto retried = measureSkew(settings({"a"}), query_, clock_, time_, deadline());
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->servers.front().answered, 3);
  EXPECT_EQ(query_.calls("a:123"), 4);

  query_.script("b:123", {timeout(), timeout(), timeout()});
  auto gaveUp = measureSkew(settings({"b"}), query_, clock_, time_, deadline());
  ASSERT_FALSE(gaveUp.ok());
  EXPECT_EQ(query_.calls("b:123"), 2);
}

TEST_F(SkewMeasurementTest, QueryTimeoutIsCutToTheDeadline) {
  query_.serve("a:123", time_, Millis{0});
  auto m = measureSkew(settings({"a"}, 2), query_, clock_, time_, time_.now() + milliseconds(700));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(query_.timeouts(), (std::vector<Millis>{milliseconds(700), milliseconds(700)}));
}

TEST_F(SkewMeasurementTest, PastDeadlineAsksNobody) {
  query_.serve("a:123", time_, Millis{0});
  auto m = measureSkew(settings({"a"}), query_, clock_, time_, time_.now());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("deadline"), std::string::npos) << m.error().message;
  EXPECT_EQ(query_.calls("a:123"), 0);
}

TEST(MeasureSettingsTest, DefaultsToTheEssentialsServer) {
  policies::Policy policy;
  policy.service.server = "essentials";
  policy.clock.port = 10123;
  policy.clock.samples = 3;
  policy.clock.queryTimeout = milliseconds(1500);
  auto s = measureSettingsFromPolicy(policy);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->servers, (std::vector<ServerAddress>{{"essentials", 10123}}));
  EXPECT_EQ(s->samples, 3);
  EXPECT_EQ(s->queryTimeout, milliseconds(1500));
  EXPECT_EQ(s->agreement, kDefaultAgreement);
}

TEST(MeasureSettingsTest, ServersListOverridesAndKeepsOrder) {
  policies::Policy policy;
  policy.service.server = "essentials";
  policy.clock.servers = {"ntp1", "10.0.0.2:1123", "[::1]"};
  auto s = measureSettingsFromPolicy(policy);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->servers,
            (std::vector<ServerAddress>{{"ntp1", 123}, {"10.0.0.2", 1123}, {"::1", 123}}));
}

TEST(MeasureSettingsTest, ErrorsNameTheKey) {
  policies::Policy none;
  auto missing = measureSettingsFromPolicy(none);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("[clock] servers"), std::string::npos);
  EXPECT_NE(missing.error().message.find("[service] server"), std::string::npos);

  policies::Policy bad;
  bad.clock.servers = {"ntp1", "ntp2:99999"};
  auto invalid = measureSettingsFromPolicy(bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_NE(invalid.error().message.find("[clock] servers"), std::string::npos) << invalid.error().message;
  EXPECT_NE(invalid.error().message.find("'ntp2:99999'"), std::string::npos) << invalid.error().message;
}

TEST(DoctorSkewTest, ReadsWithoutCorrecting) {
  ManualTimeSource time;
  MemorySystemClock clock(time, -minutes(6));
  platform::Platform platform;
  platform.time = &time;
  platform.clock = &clock;
  policies::Policy policy;
  policy.service.server = "essentials";
  FakeTimeQuery query;
  query.serve("essentials:123", time, Millis{0});
  auto m = measureSkew(policy, platform, query, time.now() + minutes(1));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->sample.offset, minutes(6));
  EXPECT_TRUE(clock.corrections().empty());
  EXPECT_EQ(clock.offset(), -minutes(6));

  platform.clock = nullptr;
  auto none = measureSkew(policy, platform, query, time.now() + minutes(1));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotSupported);
}

}  // namespace
}  // namespace remediator::fixers::clock
