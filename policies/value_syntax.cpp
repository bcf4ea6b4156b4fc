#include "policies/value_syntax.h"

#include <array>
#include <cstdio>
#include <limits>

#include "platform/ascii.h"

namespace remediator::policies {
namespace {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

constexpr int kMinutesPerDay = 24 * 60;
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Reads the leading digits of `text` into `value`; returns how many characters were digits (0 on none or on
/// overflow of uint64).
std::size_t readNumber(std::string_view text, std::uint64_t& value) {
  value = 0;
  std::size_t i = 0;
  for (; i < text.size() && isDigit(text[i]); ++i) {
    std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return 0;
    value = value * 10 + digit;
  }
  return i;
}

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Largest first: the formatters pick the first unit that divides the value.
constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
constexpr std::array<Unit, 4> kSizeUnits{
    {{"GB", 1ull << 30}, {"MB", 1ull << 20}, {"KB", 1ull << 10}, {"B", 1}}};

template <std::size_t N>
std::string formatWithUnits(std::uint64_t value, const std::array<Unit, N>& units) {
  for (const Unit& unit : units) {
    if (value % unit.factor == 0) return std::to_string(value / unit.factor) + std::string(unit.name);
  }
  return std::to_string(value) + std::string(units.back().name);
}

/// Parses `<number><unit>` with `units`; `matches` compares the written unit with a unit name.
template <std::size_t N, typename Match>
Result<std::uint64_t> parseWithUnits(std::string_view text, const std::array<Unit, N>& units, Match matches,
                                     const char* expected) {
  text = trimView(text);
  std::uint64_t number = 0;
  std::size_t digits = readNumber(text, number);
  if (digits == 0) return fail(ErrorCode::kInvalidArgument, expected);
  std::string_view unit = text.substr(digits);
  if (unit.empty() && number == 0) return std::uint64_t{0};
  for (const Unit& candidate : units) {
    if (!matches(unit, candidate.name)) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / candidate.factor) {
      return fail(ErrorCode::kInvalidArgument, "the value is too large");
    }
    return number * candidate.factor;
  }
  return fail(ErrorCode::kInvalidArgument, expected);
}

struct DayName {
  std::string_view shortName;
  std::string_view longName;
};
constexpr std::array<DayName, 7> kDays{{{"Mon", "monday"},
                                        {"Tue", "tuesday"},
                                        {"Wed", "wednesday"},
                                        {"Thu", "thursday"},
                                        {"Fri", "friday"},
                                        {"Sat", "saturday"},
                                        {"Sun", "sunday"}}};

std::optional<int> parseDay(std::string_view text) {
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    if (platform::equalsIgnoreCase(text, kDays[i].shortName) ||
        platform::equalsIgnoreCase(text, kDays[i].longName)) {
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

/// `H:MM` or `HH:MM` as minutes since midnight; `24:00` only when `allowEndOfDay`.
std::optional<int> parseTimeOfDay(std::string_view text, bool allowEndOfDay) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3)
    return std::nullopt;
  for (char c : text) {
    if (c != ':' && !isDigit(c)) return std::nullopt;
  }
  int hours = 0;
  for (std::size_t i = 0; i < colon; ++i) hours = hours * 10 + (text[i] - '0');
  int minutes = (text[colon + 1] - '0') * 10 + (text[colon + 2] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && allowEndOfDay) return kMinutesPerDay;
  if (hours > 23) return std::nullopt;
  return hours * 60 + minutes;
}

/// One side of a range: an optional day word and a time, separated by white space.
struct RangeEnd {
  std::string_view day;  ///< empty when only a time was written
  std::string_view time;
};

RangeEnd splitRangeEnd(std::string_view text) {
  text = trimView(text);
  std::size_t space = text.find_first_of(" \t");
  if (space == std::string_view::npos) return {{}, text};
  return {text.substr(0, space), trimView(text.substr(space + 1))};
}

constexpr const char* kRangeSyntax =
    "expected ranges like 'Sat 22:00-Sun 04:00', 'Fri 22:00-02:00' or 'daily 01:00-05:00', separated by "
    "commas";

Result<void> parseRange(std::string_view text, std::vector<MaintenanceRange>& out) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "range '" + std::string(text) + "': " + why);
  };
  std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) return bad(kRangeSyntax);
  RangeEnd from = splitRangeEnd(text.substr(0, dash));
  RangeEnd to = splitRangeEnd(text.substr(dash + 1));
  if (from.day.empty()) return bad("the start needs a day ('Mon'..'Sun' or 'daily')");
  bool daily = platform::equalsIgnoreCase(from.day, "daily");
  std::optional<int> fromDay = daily ? std::optional<int>(0) : parseDay(from.day);
  if (!fromDay) return bad("unknown day '" + std::string(from.day) + "'; expected Mon..Sun or daily");
  std::optional<int> fromTime = parseTimeOfDay(from.time, false);
  std::optional<int> toTime = parseTimeOfDay(to.time, true);
  if (!fromTime || !toTime) return bad("expected times as HH:MM (00:00 to 23:59; 24:00 may end a range)");

  int start = *fromDay * kMinutesPerDay + *fromTime;
  int end = 0;
  if (to.day.empty()) {
    end = *fromDay * kMinutesPerDay + *toTime;
    if (*toTime <= *fromTime) end += kMinutesPerDay;  // "Fri 22:00-02:00" ends on Saturday
  } else {
    if (daily) return bad("a daily range ends with a time only, e.g. 'daily 22:00-02:00'");
    std::optional<int> toDay = parseDay(to.day);
    if (!toDay) return bad("unknown day '" + std::string(to.day) + "'; expected Mon..Sun");
    end = *toDay * kMinutesPerDay + *toTime;
  }
  start %= kMinutesPerWeek;
  end %= kMinutesPerWeek;
  if (start == end) return bad("the range is empty (it ends where it starts)");
  for (int day = 0; day < (daily ? 7 : 1); ++day) {
    int shift = day * kMinutesPerDay;
    out.push_back({(start + shift) % kMinutesPerWeek, (end + shift) % kMinutesPerWeek});
  }
  return {};
}

std::string formatMinuteOfWeek(int minuteOfWeek, bool withDay) {
  minuteOfWeek = ((minuteOfWeek % kMinutesPerWeek) + kMinutesPerWeek) % kMinutesPerWeek;
  int day = minuteOfWeek / kMinutesPerDay;
  int minute = minuteOfWeek % kMinutesPerDay;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", minute / 60, minute % 60);
  return withDay ? std::string(kDays[static_cast<std::size_t>(day)].shortName) + " " + buffer
                 : std::string(buffer);
}

/// Whether ranges[i..i+6] are the seven ranges one `daily` range expands to.
bool isDailyRun(const std::vector<MaintenanceRange>& ranges, std::size_t i) {
  if (i + 7 > ranges.size() || ranges[i].startMinuteOfWeek >= kMinutesPerDay) return false;
  for (int day = 1; day < 7; ++day) {
    int shift = day * kMinutesPerDay;
    const MaintenanceRange& r = ranges[i + static_cast<std::size_t>(day)];
    if (r.startMinuteOfWeek != (ranges[i].startMinuteOfWeek + shift) % kMinutesPerWeek ||
        r.endMinuteOfWeek != (ranges[i].endMinuteOfWeek + shift) % kMinutesPerWeek) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view trimView(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

Result<Duration> parseDuration(std::string_view text) {
  auto ms = parseWithUnits(
      text, kDurationUnits, [](std::string_view a, std::string_view b) { return a == b; },
      "expected a duration: a whole number and a unit ms, s, m, h or d (e.g. 30s, 15m, 7d)");
  if (!ms) return ms.error();
  if (*ms > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) {
    return fail(ErrorCode::kInvalidArgument, "the value is too large");
  }
  return Duration(static_cast<Duration::rep>(*ms));
}

std::string formatDuration(Duration d) {
  if (d.count() <= 0) return d.count() == 0 ? "0s" : "-" + formatDuration(-d);
  return formatWithUnits(static_cast<std::uint64_t>(d.count()), kDurationUnits);
}

Result<std::uint64_t> parseSize(std::string_view text) {
  return parseWithUnits(
      text, kSizeUnits,
      [](std::string_view a, std::string_view b) { return platform::equalsIgnoreCase(a, b); },
      "expected a size: a whole number and a unit B, KB, MB or GB (e.g. 512KB, 10MB)");
}

std::string formatSize(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  return formatWithUnits(bytes, kSizeUnits);
}

Result<bool> parseBool(std::string_view text) {
  std::string lower = platform::toLowerAscii(trimView(text));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return false;
  return fail(ErrorCode::kInvalidArgument, "expected true or false (also yes/no, on/off, 1/0)");
}

Result<Mode> parseMode(std::string_view text) {
  std::string lower = platform::toLowerAscii(trimView(text));
  for (Mode mode : {Mode::kOff, Mode::kAudit, Mode::kEnforce}) {
    if (lower == modeName(mode)) return mode;
  }
  return fail(ErrorCode::kInvalidArgument, "expected one of off, audit, enforce");
}

Result<std::vector<std::string>> splitList(std::string_view text) {
  std::vector<std::string> items;
  text = trimView(text);
  if (text.empty()) return items;
  std::size_t begin = 0;
  while (true) {
    std::size_t comma = text.find(',', begin);
    std::string_view item =
        trimView(text.substr(begin, comma == std::string_view::npos ? comma : comma - begin));
    if (item.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "item " + std::to_string(items.size() + 1) + " of the comma-separated list is empty");
    }
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return items;
}

std::string joinList(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += ", ";
    joined += item;
  }
  return joined;
}

Result<std::vector<MaintenanceRange>> parseMaintenanceWindow(std::string_view text) {
  auto parts = splitList(text);
  if (!parts) return parts.error();
  std::vector<MaintenanceRange> ranges;
  for (const std::string& part : *parts) {
    if (auto ok = parseRange(part, ranges); !ok) return ok.error();
  }
  return ranges;
}

std::string formatMaintenanceWindow(const std::vector<MaintenanceRange>& ranges) {
  std::string text;
  for (std::size_t i = 0; i < ranges.size();) {
    if (!text.empty()) text += ", ";
    if (isDailyRun(ranges, i)) {
      text += "daily " + formatMinuteOfWeek(ranges[i].startMinuteOfWeek, false) + "-" +
              formatMinuteOfWeek(ranges[i].endMinuteOfWeek, false);
      i += 7;
    } else {
      text += formatMinuteOfWeek(ranges[i].startMinuteOfWeek, true) + "-" +
              formatMinuteOfWeek(ranges[i].endMinuteOfWeek, true);
      ++i;
    }
  }
  return text;
}

}  // namespace remediator::policies
