#include "service/scheduler.h"

#include <algorithm>

namespace remediator::service {

namespace {

constexpr int kMinutesPerWeek = 7 * 24 * 60;

// Minutes since Monday 00:00 local time.
int minuteOfWeek(SysTime t, const UtcOffsetFn& offset) {
  using namespace std::chrono;
  const auto local = t + offset(t);
  const auto mins = duration_cast<minutes>(local.time_since_epoch()).count();
  // 1970-01-01 was a Thursday: Monday-based day index 3.
  const auto sinceMonday = (mins + 3LL * 24 * 60) % kMinutesPerWeek;
  return static_cast<int>(sinceMonday < 0 ? sinceMonday + kMinutesPerWeek : sinceMonday);
}

bool rangeContains(const policies::MaintenanceRange& r, int m) {
  if (r.startMinuteOfWeek <= r.endMinuteOfWeek) return m >= r.startMinuteOfWeek && m < r.endMinuteOfWeek;
  return m >= r.startMinuteOfWeek || m < r.endMinuteOfWeek;  // wraps over Sunday midnight
}

}  // namespace

Millis splayFor(const std::string& host, const std::string& fixerId, Millis interval, Millis splayMax) {
  const auto span = std::min(interval, splayMax).count();
  if (span <= 0) return Millis{0};
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: the same on every platform and run, unlike std::hash
  for (char c : host + "/" + fixerId) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return Millis{static_cast<std::int64_t>(h % static_cast<std::uint64_t>(span))};
}

Millis doublingBackoff(Millis initial, Millis cap, int failures) {
  Millis wait = initial;
  for (int i = 1; i < failures && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

bool inMaintenanceWindow(SysTime t, const std::vector<policies::MaintenanceRange>& ranges, const UtcOffsetFn& offset) {
  if (ranges.empty()) return true;
  const int m = minuteOfWeek(t, offset);
  return std::any_of(ranges.begin(), ranges.end(), [m](const auto& r) { return rangeContains(r, m); });
}

SysTime nextWindowStart(SysTime t, const std::vector<policies::MaintenanceRange>& ranges, const UtcOffsetFn& offset) {
  if (inMaintenanceWindow(t, ranges, offset)) return t;
  using namespace std::chrono;
  // Step to the next whole minute, then minute by minute over at most a week plus a day (DST shifts).
  SysTime probe = time_point_cast<minutes>(t) + minutes(1);
  for (int i = 0; i <= kMinutesPerWeek + 24 * 60; ++i, probe += minutes(1)) {
    if (inMaintenanceWindow(probe, ranges, offset)) return probe;
  }
  return t;  // ranges are never empty here and cover at least a minute, so this is not reached
}

FixerSchedule::FixerSchedule(std::string fixerId, const std::string& host, ScheduleSettings settings, SysTime start)
    : fixerId_(std::move(fixerId)),
      settings_(settings),
      splay_(splayFor(host, fixerId_, settings.interval, settings.splayMax)),
      nextDue_(start + settings.startDelay) {}

SysTime FixerSchedule::nextSlotAfter(SysTime now) const {
  const auto interval = settings_.interval.count();
  if (interval <= 0) return now;
  const auto t = std::chrono::duration_cast<Millis>(now.time_since_epoch()).count() - splay_.count();
  const auto k = (t >= 0 ? t / interval : (t - interval + 1) / interval) + 1;
  return SysTime{Millis{k * interval + splay_.count()}};
}

void FixerSchedule::trigger(SysTime now) { nextDue_ = std::min(nextDue_, now); }

void FixerSchedule::recordSuccess(SysTime now) {
  failures_ = 0;
  nextDue_ = nextSlotAfter(now);
}

bool FixerSchedule::recordFailure(SysTime now) {
  ++failures_;
  nextDue_ = now + doublingBackoff(settings_.backoffInitial, settings_.backoffMax, failures_);
  if (!breakerOpen_ && failures_ >= settings_.breakerFailures) {
    breakerOpen_ = true;
    return true;
  }
  return false;
}

void FixerSchedule::deferUntil(SysTime windowStart) {
  failures_ = 0;
  nextDue_ = windowStart;
}

void FixerSchedule::resetBreaker() {
  breakerOpen_ = false;
  failures_ = 0;
}

bool FixerSchedule::recordDriftReturn(SysTime now) {
  driftReturns_.push_back(now);
  while (!driftReturns_.empty() && now - driftReturns_.front() > settings_.recurrenceWindow) {
    driftReturns_.pop_front();
  }
  return static_cast<int>(driftReturns_.size()) >= settings_.recurrenceCount;
}

}  // namespace remediator::service
