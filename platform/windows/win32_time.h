#pragma once

#include <windows.h>

#include <chrono>
#include <cstdint>

#include "platform/time_source.h"

namespace remediator::platform {

/// FILETIME counts 100 ns ticks since 1601-01-01; the Unix epoch (SysTime's) is 11,644,473,600 s later.
inline constexpr std::int64_t kUnixEpochInFileTime = 116444736000000000LL;

/// A FILETIME as SysTime.
inline SysTime fromFileTime(const FILETIME& ft) {
  using Ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10000000>>;
  const std::int64_t ticks = (static_cast<std::int64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  return SysTime{} + std::chrono::duration_cast<SysTime::duration>(Ticks(ticks - kUnixEpochInFileTime));
}

/// A SysTime as FILETIME (to the 100 ns tick).
inline FILETIME toFileTime(SysTime t) {
  using Ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10000000>>;
  const std::int64_t ticks = std::chrono::duration_cast<Ticks>(t.time_since_epoch()).count() + kUnixEpochInFileTime;
  FILETIME ft;
  ft.dwLowDateTime = static_cast<DWORD>(ticks & 0xFFFFFFFF);
  ft.dwHighDateTime = static_cast<DWORD>(static_cast<std::uint64_t>(ticks) >> 32);
  return ft;
}

}  // namespace remediator::platform
