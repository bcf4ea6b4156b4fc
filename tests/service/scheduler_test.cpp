#include "service/scheduler.h"

#include <gtest/gtest.h>

#include <set>

#include "platform/time_format.h"

namespace remediator::service {
namespace {

using platform::formatUtc;
using platform::parseUtc;

using namespace std::chrono_literals;

TEST(ScheduleTest, SplayIsStablePerHostAndWithinBounds) {
  const auto a = splayFor("pc-017", "clock", 15min, 10min);
  EXPECT_EQ(a, splayFor("pc-017", "clock", 15min, 10min));
  std::set<Millis::rep> seen;
  for (int i = 0; i < 200; ++i) {
    const auto s = splayFor("pc-" + std::to_string(i), "clock", 15min, 10min);
    EXPECT_GE(s, 0ms);
    EXPECT_LT(s, 10min);
    seen.insert(s.count());
  }
  EXPECT_GT(seen.size(), 190u);  // a fleet spreads out
  EXPECT_NE(splayFor("pc-017", "clock", 15min, 10min), splayFor("pc-017", "autologon", 15min, 10min));
  EXPECT_LT(splayFor("pc-017", "clock", 1min, 10min), 1min);  // never more than the interval
  EXPECT_EQ(splayFor("pc-017", "clock", 15min, 0ms), 0ms);
}

TEST(ScheduleTest, SlotsAreAlignedToTheIntervalPlusSplay) {
  ScheduleSettings s;
  s.interval = 15min;
  s.splayMax = 10min;
  const auto start = *parseUtc("2026-11-25T10:07:00.000Z");
  FixerSchedule schedule("clock", "pc-017", s, start);
  const auto slot = schedule.nextSlotAfter(start);
  EXPECT_GT(slot, start);
  EXPECT_LE(slot - start, 15min);
  const auto sinceEpoch = std::chrono::duration_cast<Millis>(slot.time_since_epoch());
  EXPECT_EQ((sinceEpoch - schedule.splay()).count() % Millis(15min).count(), 0);
  EXPECT_EQ(schedule.nextSlotAfter(slot), slot + 15min);
}

TEST(ScheduleTest, MaintenanceWindowWrapsOverTheWeekEnd) {
  // Sunday 22:00 to Monday 02:00.
  std::vector<policies::MaintenanceRange> window{{6 * 1440 + 22 * 60, 2 * 60}};
  auto utc = [](SysTime) { return 0min; };
  // 2026-11-29 is a Sunday, 2026-11-30 a Monday.
  EXPECT_TRUE(inMaintenanceWindow(*parseUtc("2026-11-29T23:30:00Z"), window, utc));
  EXPECT_TRUE(inMaintenanceWindow(*parseUtc("2026-11-30T01:59:00Z"), window, utc));
  EXPECT_FALSE(inMaintenanceWindow(*parseUtc("2026-11-30T02:00:00Z"), window, utc));
  EXPECT_FALSE(inMaintenanceWindow(*parseUtc("2026-11-25T12:00:00Z"), window, utc));
  EXPECT_EQ(formatUtc(nextWindowStart(*parseUtc("2026-11-25T12:00:00Z"), window, utc)), "2026-11-29T22:00:00.000Z");
}

TEST(ScheduleTest, MaintenanceWindowIsInLocalTime) {
  std::vector<policies::MaintenanceRange> window{{2 * 1440 + 60, 2 * 1440 + 120}};  // Wednesday 01:00-02:00
  auto cet = [](SysTime) { return 60min; };
  // 00:30 UTC is 01:30 in UTC+1.
  EXPECT_TRUE(inMaintenanceWindow(*parseUtc("2026-11-25T00:30:00Z"), window, cet));
  EXPECT_FALSE(inMaintenanceWindow(*parseUtc("2026-11-25T01:30:00Z"), window, cet));
  EXPECT_TRUE(inMaintenanceWindow(*parseUtc("2026-11-25T01:30:00Z"), {}, cet));
}

TEST(ScheduleTest, RecurrenceCountsOnlyWithinTheWindow) {
  ScheduleSettings s;
  s.recurrenceCount = 3;
  s.recurrenceWindow = 24h;
  const auto t0 = *parseUtc("2026-11-25T00:00:00Z");
  FixerSchedule schedule("autologon", "pc", s, t0);
  EXPECT_FALSE(schedule.recordDriftReturn(t0));
  EXPECT_FALSE(schedule.recordDriftReturn(t0 + 30h));  // the first one fell out of the window
  EXPECT_FALSE(schedule.recordDriftReturn(t0 + 31h));
  EXPECT_TRUE(schedule.recordDriftReturn(t0 + 32h));
}

TEST(TimeFormatTest, RoundTripsWithMilliseconds) {
  const auto t = *parseUtc("2026-11-25T16:15:30.123Z");
  EXPECT_EQ(formatUtc(t), "2026-11-25T16:15:30.123Z");
  EXPECT_EQ(formatUtc(SysTime{}), "1970-01-01T00:00:00.000Z");
  EXPECT_FALSE(parseUtc("2026-13-25T16:15:30Z").has_value());
  EXPECT_FALSE(parseUtc("yesterday").has_value());
}

}  // namespace
}  // namespace remediator::service
