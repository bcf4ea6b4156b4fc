#include "fixers/clock/skew_measurement.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <numeric>

namespace remediator::fixers::clock {

namespace {

using platform::ErrorCode;
using platform::fail;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string describeServers(const std::vector<ServerReport>& reports) {
  std::vector<std::string> parts;
  for (const auto& r : reports) {
    parts.push_back(r.server.display() + " " +
                    (r.best ? formatOffset(r.best->offset) : "no sample (" + r.problem + ")"));
  }
  return join(parts);
}

// A single lost datagram is worth one retry; a second timeout means the server is away, and waiting on it again
// would only stretch the run.
constexpr int kTimeoutsBeforeGivingUp = 2;

}  // namespace

std::vector<std::string> SkewMeasurement::agreeing() const {
  std::vector<std::string> out;
  for (const auto& r : servers) {
    if (r.best && !r.falseticker) out.push_back(r.server.display());
  }
  return out;
}

std::vector<std::string> SkewMeasurement::falsetickers() const {
  std::vector<std::string> out;
  for (const auto& r : servers) {
    if (r.falseticker) out.push_back(r.server.display());
  }
  return out;
}

std::vector<std::string> SkewMeasurement::silent() const {
  std::vector<std::string> out;
  for (const auto& r : servers) {
    if (!r.best) out.push_back(r.server.display());
  }
  return out;
}

std::optional<SntpSample> leastDelay(const std::vector<SntpSample>& samples) {
  if (samples.empty()) return std::nullopt;
  return *std::min_element(samples.begin(), samples.end(),
                           [](const SntpSample& a, const SntpSample& b) { return a.delay < b.delay; });
}

Result<std::vector<std::size_t>> majorityGroup(const std::vector<std::optional<Nanos>>& offsets, Millis agreement) {
  std::vector<std::size_t> answered;
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i]) answered.push_back(i);
  }
  if (answered.empty()) return fail(ErrorCode::kUnavailable, "no time server gave an offset");
  std::sort(answered.begin(), answered.end(),
            [&](std::size_t a, std::size_t b) { return *offsets[a] < *offsets[b]; });

  // In sorted order a group of mutually agreeing offsets is a window whose ends are within `agreement`.
  std::size_t bestBegin = 0, bestSize = 0;
  Nanos bestSpread{0};
  std::size_t end = 0;
  for (std::size_t begin = 0; begin < answered.size(); ++begin) {
    end = std::max(end, begin);
    while (end + 1 < answered.size() && *offsets[answered[end + 1]] - *offsets[answered[begin]] <= agreement) ++end;
    const std::size_t size = end - begin + 1;
    const Nanos spread = *offsets[answered[end]] - *offsets[answered[begin]];
    if (size > bestSize || (size == bestSize && spread < bestSpread)) {
      bestBegin = begin;
      bestSize = size;
      bestSpread = spread;
    }
  }
  if (2 * bestSize <= offsets.size()) {
    return fail(ErrorCode::kFailed, "no majority: the largest group of servers agreeing within " +
                                        std::to_string(agreement.count()) + " ms has " + std::to_string(bestSize) +
                                        " of " + std::to_string(offsets.size()) + " servers");
  }
  std::vector<std::size_t> group(answered.begin() + static_cast<std::ptrdiff_t>(bestBegin),
                                 answered.begin() + static_cast<std::ptrdiff_t>(bestBegin + bestSize));
  std::sort(group.begin(), group.end());
  return group;
}

Result<SkewMeasurement> measureSkew(const MeasureSettings& settings, TimeQuery& query,
                                    const platform::SystemClock& clock, const platform::TimeSource& time,
                                    SysTime deadline) {
  if (settings.servers.empty()) return fail(ErrorCode::kInvalidArgument, "no time server to ask");
  SkewMeasurement measurement;
  for (const auto& server : settings.servers) {
    ServerReport report;
    report.server = server;
    std::vector<SntpSample> samples;
    int timeouts = 0;
    for (int i = 0; i < std::max(1, settings.samples); ++i) {
      const auto left = std::chrono::duration_cast<Millis>(deadline - time.now());
      if (left <= Millis{0}) {
        report.problem = "the run's deadline passed";
        break;
      }
      ++report.asked;
      auto sample = query.exchange(server, std::min(settings.queryTimeout, left), clock);
      if (sample.ok()) {
        samples.push_back(*sample);
        continue;
      }
      report.problem = sample.error().message;
      if (sample.error().code != ErrorCode::kTimeout || ++timeouts >= kTimeoutsBeforeGivingUp) break;
    }
    report.answered = static_cast<int>(samples.size());
    report.best = leastDelay(samples);
    measurement.servers.push_back(std::move(report));
  }

  std::vector<std::optional<Nanos>> offsets;
  for (const auto& r : measurement.servers) offsets.push_back(r.best ? std::optional(r.best->offset) : std::nullopt);
  auto group = majorityGroup(offsets, settings.agreement);
  if (!group.ok()) {
    const std::string what = group.error().code == ErrorCode::kUnavailable ? "no time server answered"
                                                                           : group.error().message;
    return fail(group.error().code, what + " (" + describeServers(measurement.servers) + ")");
  }
  for (std::size_t i = 0; i < measurement.servers.size(); ++i) {
    auto& report = measurement.servers[i];
    if (report.best && std::find(group->begin(), group->end(), i) == group->end()) {
      report.falseticker = true;
      report.problem = "outvoted: offset " + formatOffset(report.best->offset) + " disagrees with the majority";
    }
  }
  const auto chosen = *std::min_element(group->begin(), group->end(), [&](std::size_t a, std::size_t b) {
    return measurement.servers[a].best->delay < measurement.servers[b].best->delay;
  });
  measurement.sample = *measurement.servers[chosen].best;
  measurement.server = measurement.servers[chosen].server;
  return measurement;
}

Result<MeasureSettings> measureSettingsFromPolicy(const policies::Policy& policy, Millis agreement) {
  const auto& clockPolicy = policy.clock;
  std::vector<std::string> entries = clockPolicy.servers;
  const char* key = "[clock] servers";
  if (entries.empty()) {
    if (policy.service.server.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "no time server: [clock] servers is empty and [service] server is not set");
    }
    entries.push_back(policy.service.server);
    key = "[service] server";
  }
  MeasureSettings settings;
  for (const auto& entry : entries) {
    auto address = parseServerAddress(entry, clockPolicy.port);
    if (!address.ok()) {
      return fail(ErrorCode::kInvalidArgument, std::string(key) + " (port from [clock] port): " + address.error().message);
    }
    settings.servers.push_back(*address);
  }
  settings.samples = clockPolicy.samples;
  settings.queryTimeout = std::chrono::duration_cast<Millis>(clockPolicy.queryTimeout);
  settings.agreement = agreement;
  return settings;
}

Result<SkewMeasurement> measureSkew(const policies::Policy& policy, const platform::Platform& platform,
                                    TimeQuery& query, SysTime deadline, Millis agreement) {
  if (platform.clock == nullptr) {
    return fail(ErrorCode::kNotSupported, "the system clock is not available on this platform");
  }
  auto settings = measureSettingsFromPolicy(policy, agreement);
  if (!settings.ok()) return settings.error();
  return measureSkew(*settings, query, *platform.clock, *platform.time, deadline);
}

std::string formatMillis(Nanos value) {
  const std::int64_t ns = value.count();
  const std::uint64_t magnitude = ns < 0 ? 0ull - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  const std::uint64_t micros = (magnitude + 500) / 1000;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%c%" PRIu64 ".%03" PRIu64, ns < 0 ? '-' : '+', micros / 1000,
                micros % 1000);
  return buffer;
}

std::string formatOffset(Nanos value) {
  const std::int64_t ns = value.count();
  const std::uint64_t magnitude = ns < 0 ? 0ull - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  const std::uint64_t millis = (magnitude + 500'000) / 1'000'000;
  const std::uint64_t hours = millis / 3'600'000, minutes = millis / 60'000 % 60;
  const std::uint64_t seconds = millis / 1000 % 60, rest = millis % 1000;
  char buffer[64];
  if (hours > 0) {
    std::snprintf(buffer, sizeof buffer, "%c%" PRIu64 " h %" PRIu64 " min %" PRIu64 ".%03" PRIu64 " s",
                  ns < 0 ? '-' : '+', hours, minutes, seconds, rest);
  } else if (minutes > 0) {
    std::snprintf(buffer, sizeof buffer, "%c%" PRIu64 " min %" PRIu64 ".%03" PRIu64 " s", ns < 0 ? '-' : '+',
                  minutes, seconds, rest);
  } else {
    std::snprintf(buffer, sizeof buffer, "%c%" PRIu64 ".%03" PRIu64 " s", ns < 0 ? '-' : '+', seconds, rest);
  }
  return buffer;
}

}  // namespace remediator::fixers::clock
