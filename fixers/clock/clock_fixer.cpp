#include "fixers/clock/clock_fixer.h"

#include <cmath>
#include <cstdlib>
#include <optional>

namespace remediator::fixers::clock {

namespace {

using policies::ClockSettings;

Nanos magnitude(Nanos value) { return value < Nanos{0} ? -value : value; }

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

std::string millisText(policies::Duration d) { return std::to_string(d.count()); }

/// Reads back a value written by formatMillis; nullopt when absent or not a number.
std::optional<Nanos> parseMillis(const State& state, const std::string& key) {
  const auto it = state.find(key);
  if (it == state.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double ms = std::strtod(it->second.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(ms)) return std::nullopt;
  return Nanos{std::llround(ms * 1e6)};
}

bool beyondMaxCorrection(Nanos offset, const ClockSettings& settings) {
  return magnitude(offset) > settings.maxCorrection;
}

std::string refusalMessage(Nanos offset, const std::string& server, const ClockSettings& settings) {
  return "The clock is off by " + formatOffset(offset) + " from " + server + ", beyond [clock] max_correction (" +
         formatOffset(settings.maxCorrection) +
         "): not correcting it; an administrator must act (check the date, the time zone and the time server).";
}

State observedState(const SkewMeasurement& m) {
  State observed{{"offset_ms", formatMillis(m.sample.offset)},
                 {"delay_ms", formatMillis(m.sample.delay)},
                 {"stratum", std::to_string(m.sample.stratum)},
                 {"server", m.server.display()},
                 {"servers", joinNames(m.agreeing())}};
  if (const auto outvoted = m.falsetickers(); !outvoted.empty()) observed["falsetickers"] = joinNames(outvoted);
  if (const auto silent = m.silent(); !silent.empty()) observed["silent"] = joinNames(silent);
  return observed;
}

ApplyOutcome failed(std::string message, State details = {}) {
  return ApplyOutcome{false, std::move(message), {}, std::move(details)};
}

class ClockFixer final : public Fixer {
 public:
  ClockFixer(std::shared_ptr<TimeQuery> query, ClockFixerOptions options)
      : query_(std::move(query)), options_(options) {}

  std::string id() const override { return "clock"; }

  Finding detect(FixerContext& ctx) override {
    if (ctx.platform.clock == nullptr) return Finding::notApplicable("clock correction not available on this platform");
    auto measured = measure(ctx);
    if (!measured.ok()) return Finding::error("Cannot measure the clock: " + measured.error().message);
    const auto& settings = ctx.policy.clock;
    const SkewMeasurement& m = *measured;
    const Nanos offset = m.sample.offset;
    const State desired{{"max_offset_ms", millisText(settings.threshold)}};
    const std::string from = " from " + m.server.display() + " (delay " + formatMillis(m.sample.delay) +
                             " ms, stratum " + std::to_string(m.sample.stratum) + ")";
    if (magnitude(offset) <= settings.threshold) {
      Finding finding = Finding::compliant(observedState(m), "The clock is within [clock] threshold (" +
                                                                 formatOffset(settings.threshold) + "): off by " +
                                                                 formatOffset(offset) + from + ".");
      finding.desired = desired;
      return finding;
    }
    if (beyondMaxCorrection(offset, settings)) {
      return Finding::drift(observedState(m), desired, refusalMessage(offset, m.server.display(), settings));
    }
    return Finding::drift(observedState(m), desired,
                          "The clock is off by " + formatOffset(offset) + from + ", beyond [clock] threshold (" +
                              formatOffset(settings.threshold) + ").");
  }

  Plan plan(const Finding& finding, const FixerContext& ctx) const override {
    if (finding.status != FindingStatus::kDrift) return {};
    const auto offset = parseMillis(finding.observed, "offset_ms");
    if (!offset || beyondMaxCorrection(*offset, ctx.policy.clock)) return {};
    const auto server = finding.observed.count("server") ? finding.observed.at("server") : std::string("?");
    Action action;
    action.kind = kCorrectClockAction;
    action.description = "Correct the clock by " + formatOffset(*offset) + " to match " + server + ".";
    action.parameters = {{"offset_ms", formatMillis(*offset)}, {"server", server}};
    action.disruptive = false;
    return {action};
  }

  ApplyOutcome apply(const Plan& plan, FixerContext& ctx) override {
    if (plan.empty()) return ApplyOutcome{true, "Nothing to do.", {}, {}};
    if (plan.size() != 1 || plan.front().kind != kCorrectClockAction) {
      return failed("The clock fixer cannot perform this plan: it expects one '" + std::string(kCorrectClockAction) +
                    "' action.");
    }
    const auto planned = parseMillis(plan.front().parameters, "offset_ms");
    if (!planned) return failed("The correct_clock action has no valid offset_ms parameter.");
    if (ctx.platform.clock == nullptr) return failed("clock correction not available on this platform");
    platform::SystemClock& clock = *ctx.platform.clock;
    if (auto allowed = clock.canCorrect(); !allowed.ok()) {
      return failed("Cannot correct the clock: " + allowed.error().message,
                    {{"error", platform::errorCodeName(allowed.error().code)}});
    }

    // Measuring again makes apply idempotent: a plan applied twice finds the clock already in line.
    auto measured = measure(ctx);
    if (!measured.ok()) return failed("Cannot measure the clock again before correcting it: " + measured.error().message);
    const auto& settings = ctx.policy.clock;
    const Nanos offset = measured->sample.offset;
    State details = observedState(*measured);
    if (magnitude(offset) <= settings.threshold) {
      return ApplyOutcome{true, "The clock is already within [clock] threshold (off by " + formatOffset(offset) + ").",
                          {}, details};
    }
    if (beyondMaxCorrection(offset, settings)) {
      return failed(refusalMessage(offset, measured->server.display(), settings), details);
    }
    if (magnitude(offset - *planned) > options_.agreement) {
      return failed("The clock moved since the plan (planned " + formatOffset(*planned) + ", now " +
                        formatOffset(offset) + "): not correcting; the next run plans again.",
                    details);
    }

    const auto step = std::chrono::round<Millis>(offset);
    // SNTP is unauthenticated: whoever answers for one server could step the clock by up to max_correction. A
    // step past Kerberos' limit on one source's word is not taken; W32Time's own resync (its own, possibly
    // authenticated, sources) may still make it, and a second agreeing server lets the fixer step.
    const bool singleSource = magnitude(offset) > kKerberosMaxSkew && measured->agreeing().size() < 2;
    std::string caution;
    if (singleSource) {
      details["single_source"] = "true";
      caution = " The offset is beyond Kerberos' 5 minutes and rests on one unauthenticated SNTP source (" +
                measured->server.display() +
                "): only W32Time's own resync may correct it, the clock is not stepped on this source's word "
                "(a second agreeing server in [clock] servers would allow a step).";
    }
    if (ctx.note) {
      ctx.note("intent", "Correcting the clock by " + formatOffset(offset) + " to match " +
                             measured->server.display() + "." + caution,
               details);
    }
    auto corrected =
        clock.correct(step, singleSource ? platform::ClockStep::kResyncOnly : platform::ClockStep::kAllowed);
    if (!corrected.ok()) {
      details["error"] = platform::errorCodeName(corrected.error().code);
      return failed("Correcting the clock by " + formatOffset(offset) + " failed: " + corrected.error().message +
                        "." + caution,
                    details);
    }
    const char* how = *corrected == platform::ClockCorrection::kResynced ? "resynced" : "stepped";
    details["method"] = how;
    details["corrected_ms"] = std::to_string(step.count());
    return ApplyOutcome{true,
                        "Corrected the clock by " + formatOffset(offset) + " (" + how + ") to match " +
                            measured->server.display() + ".",
                        {"clock.corrected"},
                        details};
  }

 private:
  Result<SkewMeasurement> measure(const FixerContext& ctx) const {
    return measureSkew(ctx.policy, ctx.platform, *query_, ctx.deadline, options_.agreement);
  }

  std::shared_ptr<TimeQuery> query_;
  ClockFixerOptions options_;
};

}  // namespace

std::unique_ptr<Fixer> makeClockFixer(std::shared_ptr<TimeQuery> query, ClockFixerOptions options) {
  return std::make_unique<ClockFixer>(std::move(query), options);
}

}  // namespace remediator::fixers::clock
