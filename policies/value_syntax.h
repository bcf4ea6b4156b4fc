#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.h"
#include "policies/policy.h"

namespace remediator::policies {

/// A duration as written in a policy: a whole number and a unit, `500ms`, `30s`, `15m`, `2h`, `7d`; a bare
/// `0` is zero. Fails with kInvalidArgument and a message saying what was expected.
platform::Result<Duration> parseDuration(std::string_view text);
/// `d` in the largest unit that divides it exactly (`90m` stays `90m`, `7200s` becomes `2h`); parses back to
/// `d`.
std::string formatDuration(Duration d);

/// A size as written in a policy: a whole number and a unit `B`, `KB`, `MB` or `GB` (any case; binary
/// multiples, 1KB = 1024 bytes).
platform::Result<std::uint64_t> parseSize(std::string_view text);
/// `bytes` in the largest unit that divides it exactly; parses back to `bytes`.
std::string formatSize(std::uint64_t bytes);

/// `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, in any case.
platform::Result<bool> parseBool(std::string_view text);

/// A mode name: `off`, `audit` or `enforce`, in any case.
platform::Result<Mode> parseMode(std::string_view text);

/// The items of a comma-separated list, each trimmed. An empty text is an empty list; an empty item (`a,,b`,
/// a trailing comma) is an error.
platform::Result<std::vector<std::string>> splitList(std::string_view text);
/// The items joined with ", ".
std::string joinList(const std::vector<std::string>& items);

/// A maintenance window: comma-separated ranges, each `Sat 22:00-Sun 04:00`, `Fri 22:00-02:00` (the end on
/// the same day or, when not later than the start, the next day) or `daily 01:00-05:00` (one range per day,
/// Monday first). Days are `Mon`..`Sun` or their full English names, in any case; `24:00` may end a range.
platform::Result<std::vector<MaintenanceRange>> parseMaintenanceWindow(std::string_view text);
/// The ranges in the syntax parseMaintenanceWindow reads; seven daily ranges in a row print as one `daily`
/// range.
std::string formatMaintenanceWindow(const std::vector<MaintenanceRange>& ranges);

/// `text` without leading and trailing ASCII white space.
std::string_view trimView(std::string_view text);

}  // namespace remediator::policies
