#pragma once

#include <chrono>

namespace remediator::platform {

using SysTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

/// Where the engine reads "now" from. Injected everywhere so that tests run in virtual time and never sleep
/// (the model is Envoy's TimeSource).
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  /// The current UTC wall-clock time.
  virtual SysTime now() const = 0;
};

/// The real wall clock.
class RealTimeSource final : public TimeSource {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
};

/// A clock that moves only when a test moves it.
class ManualTimeSource final : public TimeSource {
 public:
  explicit ManualTimeSource(SysTime start = SysTime{} + std::chrono::hours(24 * 365 * 56)) : now_(start) {}
  SysTime now() const override { return now_; }
  void set(SysTime t) { now_ = t; }
  void advance(Millis d) { now_ += d; }

 private:
  SysTime now_;
};

}  // namespace remediator::platform
