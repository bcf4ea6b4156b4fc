#pragma once

#include <optional>
#include <string>

#include "platform/file_system.h"

namespace remediator::platform::testing {

/// Sets a variable of the test process for the object's life, then puts back what was there before (or removes
/// it), through the platform's own setProcessEnvironment so the tests run the same on POSIX and Windows.
class ScopedEnvironment {
 public:
  /// Sets `name` to `value`, or removes it for the object's life when `value` is nullopt.
  ScopedEnvironment(std::string name, const std::optional<std::string>& value)
      : name_(std::move(name)), previous_(processEnvironment(name_)) {
    (void)setProcessEnvironment(name_, value);
  }
  ~ScopedEnvironment() { (void)setProcessEnvironment(name_, previous_); }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

}  // namespace remediator::platform::testing
