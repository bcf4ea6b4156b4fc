#include "platform/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace remediator::platform {

std::string formatUtc(SysTime t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<SysTime> parseUtc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, n = 0;
  const char* c = text.c_str();
  const bool withMs = std::sscanf(c, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &ms, &n) == 7 &&
                      static_cast<std::size_t>(n) == text.size();
  if (!withMs) {
    ms = 0;
    n = 0;
    if (std::sscanf(c, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
        static_cast<std::size_t>(n) != text.size()) {
      return std::nullopt;
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return SysTime{sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms}};
}

std::chrono::minutes localUtcOffset(SysTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  std::tm utc{};
#if defined(_WIN32)
  localtime_s(&local, &tt);
  gmtime_s(&utc, &tt);
#else
  localtime_r(&tt, &local);
  gmtime_r(&tt, &utc);
#endif
  utc.tm_isdst = local.tm_isdst;
  const auto diff = std::difftime(std::mktime(&local), std::mktime(&utc));
  return std::chrono::minutes(static_cast<long>(diff / 60));
}

}  // namespace remediator::platform
