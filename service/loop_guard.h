#pragma once

#include <functional>
#include <map>
#include <string>

namespace remediator::service {

/// Runs the steps of the service's event loop (a fixer round, a policy refresh, taking in requests) so that an
/// exception ends the step, not the service: it is reported and the loop goes on with its next timer. A step
/// that keeps failing the same way (a bad file name in the state folder read every 2 s) is reported once, and
/// again when the failure changes or after the step has succeeded in between.
class LoopGuard {
 public:
  /// Called with the step's name and what was thrown, once per new failure.
  using Report = std::function<void(const std::string& step, const std::string& what)>;
  explicit LoopGuard(Report report) : report_(std::move(report)) {}

  /// Runs `body`; true when it returned, false when it threw (reported, not rethrown).
  bool run(const std::string& step, const std::function<void()>& body) noexcept;

  /// How many times `step` has failed in a row (for tests and the log).
  int failuresInARow(const std::string& step) const;

 private:
  struct Failing {
    std::string what;
    int count = 0;
  };
  void failed(const std::string& step, const std::string& what) noexcept;

  Report report_;
  std::map<std::string, Failing> failing_;
};

}  // namespace remediator::service
