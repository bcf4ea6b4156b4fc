#pragma once

#include <optional>
#include <string>

#include "platform/time_source.h"

namespace remediator::service {

/// UTC time as ISO 8601 with milliseconds: 2026-11-25T16:15:30.123Z.
std::string formatUtc(platform::SysTime t);
/// Parses what formatUtc writes (milliseconds optional); nullopt when malformed.
std::optional<platform::SysTime> parseUtc(const std::string& text);

}  // namespace remediator::service
