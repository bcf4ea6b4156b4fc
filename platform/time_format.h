#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/time_source.h"

namespace remediator::platform {

/// UTC time as ISO 8601 with milliseconds, as audit records, journals and state files store it:
/// 2026-11-25T16:15:30.123Z.
std::string formatUtc(SysTime t);
/// Parses what formatUtc writes (the milliseconds are optional); nullopt when malformed.
std::optional<SysTime> parseUtc(const std::string& text);

/// The offset from UTC of the machine's own time zone at instant `t` (daylight saving included).
std::chrono::minutes localUtcOffset(SysTime t);

}  // namespace remediator::platform
