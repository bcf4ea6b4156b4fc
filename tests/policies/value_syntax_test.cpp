#include "policies/value_syntax.h"

#include <gtest/gtest.h>

namespace remediator::policies {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(parseDuration("500ms").value(), 500ms);
  EXPECT_EQ(parseDuration("30s").value(), 30s);
  EXPECT_EQ(parseDuration("15m").value(), 15min);
  EXPECT_EQ(parseDuration("2h").value(), 2h);
  EXPECT_EQ(parseDuration("7d").value(), 7 * 24h);
  EXPECT_EQ(parseDuration(" 45s ").value(), 45s);
}

TEST(DurationTest, BareZeroIsZeroButOtherNumbersNeedAUnit) {
  EXPECT_EQ(parseDuration("0").value(), 0ms);
  auto bare = parseDuration("30");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("ms, s, m, h or d"), std::string::npos) << bare.error().message;
}

TEST(DurationTest, RejectsMalformedValues) {
  for (const char* bad :
       {"", "s", "1.5h", "-5m", "15 m", "15min", "15M", "2w", "m15", "1h30m", "99999999999999999999d"}) {
    EXPECT_FALSE(parseDuration(bad).ok()) << bad;
  }
  auto huge = parseDuration("9999999999999999d");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("too large"), std::string::npos) << huge.error().message;
}

TEST(DurationTest, FormatsInTheLargestExactUnitAndParsesBack) {
  EXPECT_EQ(formatDuration(7200s), "2h");
  EXPECT_EQ(formatDuration(90min), "90m");
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
  EXPECT_EQ(formatDuration(7 * 24h), "7d");
  EXPECT_EQ(formatDuration(0ms), "0s");
  for (Duration d : {Duration(1), Duration(999), Duration(61'000), Duration(86'400'000 * 3650LL)}) {
    EXPECT_EQ(parseDuration(formatDuration(d)).value(), d) << formatDuration(d);
  }
}

TEST(SizeTest, ParsesUnitsInAnyCaseAsBinaryMultiples) {
  EXPECT_EQ(parseSize("512KB").value(), 512u * 1024);
  EXPECT_EQ(parseSize("10MB").value(), 10u << 20);
  EXPECT_EQ(parseSize("10mb").value(), 10u << 20);
  EXPECT_EQ(parseSize("1GB").value(), 1u << 30);
  EXPECT_EQ(parseSize("100B").value(), 100u);
  EXPECT_EQ(parseSize("0").value(), 0u);
}

TEST(SizeTest, RejectsMalformedValues) {
  for (const char* bad : {"", "10", "10 MB", "10M", "1TB", "MB", "-1KB", "1.5MB"}) {
    auto size = parseSize(bad);
    ASSERT_FALSE(size.ok()) << bad;
    if (std::string(bad) == "10") {
      EXPECT_NE(size.error().message.find("B, KB, MB or GB"), std::string::npos);
    }
  }
}

TEST(SizeTest, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(formatSize(10u << 20), "10MB");
  EXPECT_EQ(formatSize(1536), "1536B");
  EXPECT_EQ(formatSize(1u << 30), "1GB");
  EXPECT_EQ(formatSize(0), "0B");
  EXPECT_EQ(parseSize(formatSize(3u << 10)).value(), 3u << 10);
}

TEST(BoolTest, AcceptsTheUsualSpellings) {
  for (const char* yes : {"true", "TRUE", "yes", "On", "1"}) EXPECT_TRUE(parseBool(yes).value()) << yes;
  for (const char* no : {"false", "No", "off", "0"}) EXPECT_FALSE(parseBool(no).value()) << no;
  EXPECT_FALSE(parseBool("maybe").ok());
  EXPECT_FALSE(parseBool("").ok());
}

TEST(ModeTest, ParsesTheThreeModes) {
  EXPECT_EQ(parseMode("off").value(), Mode::kOff);
  EXPECT_EQ(parseMode("Audit").value(), Mode::kAudit);
  EXPECT_EQ(parseMode("ENFORCE").value(), Mode::kEnforce);
  auto bad = parseMode("on");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "expected one of off, audit, enforce");
}

TEST(ListTest, SplitsAndTrimsItems) {
  EXPECT_EQ(splitList(" a , b,c ").value(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(splitList("").value().empty());
  EXPECT_TRUE(splitList("   ").value().empty());
  auto gap = splitList("a,,b");
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.error().message.find("item 2"), std::string::npos) << gap.error().message;
  EXPECT_FALSE(splitList("a,").ok());
  EXPECT_EQ(joinList({"a", "b"}), "a, b");
}

TEST(MaintenanceWindowTest, ParsesDayToDayRanges) {
  auto ranges = parseMaintenanceWindow("Sat 22:00-Sun 04:00").value();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].startMinuteOfWeek, 5 * 1440 + 22 * 60);
  EXPECT_EQ(ranges[0].endMinuteOfWeek, 6 * 1440 + 4 * 60);
}

TEST(MaintenanceWindowTest, RangeOverTheWeekEndWraps) {
  auto ranges = parseMaintenanceWindow("sunday 23:00-Mon 01:00").value();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].startMinuteOfWeek, 6 * 1440 + 23 * 60);
  EXPECT_EQ(ranges[0].endMinuteOfWeek, 60);
}

TEST(MaintenanceWindowTest, TimeOnlyEndIsSameDayOrNextDay) {
  auto same = parseMaintenanceWindow("Fri 01:00-05:00").value();
  EXPECT_EQ(same[0].endMinuteOfWeek, 4 * 1440 + 5 * 60);
  auto next = parseMaintenanceWindow("Fri 22:00-02:00").value();
  EXPECT_EQ(next[0].endMinuteOfWeek, 5 * 1440 + 2 * 60);
}

TEST(MaintenanceWindowTest, DailyExpandsToSevenRanges) {
  auto ranges = parseMaintenanceWindow("daily 01:00-02:00").value();
  ASSERT_EQ(ranges.size(), 7u);
  for (int day = 0; day < 7; ++day) {
    EXPECT_EQ(ranges[static_cast<std::size_t>(day)].startMinuteOfWeek, day * 1440 + 60);
    EXPECT_EQ(ranges[static_cast<std::size_t>(day)].endMinuteOfWeek, day * 1440 + 120);
  }
  auto overnight = parseMaintenanceWindow("daily 22:00-02:00").value();
  EXPECT_EQ(overnight[6].startMinuteOfWeek, 6 * 1440 + 22 * 60);
  EXPECT_EQ(overnight[6].endMinuteOfWeek, 120);  // Sunday night ends on Monday
}

TEST(MaintenanceWindowTest, SeveralRangesAndTheExampleFromTheIssue) {
  auto ranges = parseMaintenanceWindow("Sat 22:00-Sun 04:00, daily 01:00-02:00").value();
  EXPECT_EQ(ranges.size(), 8u);
  EXPECT_TRUE(parseMaintenanceWindow("").value().empty());
}

TEST(MaintenanceWindowTest, EndOfDayIsAllowedOnlyAsTheEnd) {
  auto ranges = parseMaintenanceWindow("Mon 20:00-24:00").value();
  EXPECT_EQ(ranges[0].endMinuteOfWeek, 1440);
  EXPECT_FALSE(parseMaintenanceWindow("Mon 24:00-Tue 01:00").ok());
}

TEST(MaintenanceWindowTest, RejectsMalformedRangesNamingThem) {
  for (const char* bad :
       {"Sat", "Sat 22:00", "Xyz 01:00-02:00", "Mon 25:00-26:00", "Mon 1:5-2:00", "Mon 01:00-Mon 01:00",
        "daily 01:00-Tue 02:00", "01:00-02:00", "Mon 01:00-Funday 02:00", "Mon 10:60-11:00"}) {
    auto ranges = parseMaintenanceWindow(bad);
    ASSERT_FALSE(ranges.ok()) << bad;
    EXPECT_NE(ranges.error().message.find(std::string("'") + bad + "'"), std::string::npos)
        << ranges.error().message;
  }
}

TEST(MaintenanceWindowTest, FormatsBackToTheSameRanges) {
  for (const char* text : {"Sat 22:00-Sun 04:00", "daily 01:00-02:00",
                           "Sun 23:00-Mon 01:00, daily 22:00-02:00", "Mon 20:00-24:00", "Fri 22:00-02:00"}) {
    auto ranges = parseMaintenanceWindow(text).value();
    std::string formatted = formatMaintenanceWindow(ranges);
    EXPECT_EQ(parseMaintenanceWindow(formatted).value(), ranges) << text << " -> " << formatted;
  }
  EXPECT_EQ(formatMaintenanceWindow(parseMaintenanceWindow("daily 01:00-02:00").value()),
            "daily 01:00-02:00");
  EXPECT_EQ(formatMaintenanceWindow(parseMaintenanceWindow("Sat 22:00-Sun 04:00").value()),
            "Sat 22:00-Sun 04:00");
}

}  // namespace
}  // namespace remediator::policies
