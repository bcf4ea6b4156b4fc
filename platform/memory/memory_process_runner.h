#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/ascii.h"
#include "platform/process_runner.h"

namespace remediator::platform {

/// A process runner for tests: nothing is started. Every request is recorded, and the reply to each program
/// is scripted by the test, by a fixed result or by a handler that may also change other doubles (an
/// uninstall command that removes the product from MemoryInstalledProducts).
class MemoryProcessRunner final : public ProcessRunner {
 public:
  /// Computes the reply to one request; an Error means the program could not be started.
  using Handler = std::function<Result<ProcessResult>(const ProcessRequest& request)>;

  /// Records the request and returns what the handler for its program gives; kNotFound when nothing was
  /// scripted for that program, as for a program that does not exist.
  Result<ProcessResult> run(const ProcessRequest& request) override;

  /// Scripts the reply to `program`, matched without regard to case against the request's program or against
  /// its file name (the part after the last '/' or '\'): "msiexec.exe" answers
  /// "C:\Windows\System32\MsiExec.exe". A full-path match wins over a file-name match. Replaces an earlier
  /// script for the same name.
  void onRun(const std::string& program, Handler handler);
  /// Scripts a fixed reply: `program` exits with `exitCode` and prints `output`.
  void reply(const std::string& program, int exitCode, std::string output = {});
  /// Every request so far, in order.
  std::vector<ProcessRequest> requests() const;
  /// How many requests named `program`, matched as in onRun.
  int runCount(const std::string& program) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Handler, LessIgnoreCase> handlers_;
  std::vector<ProcessRequest> requests_;
};

}  // namespace remediator::platform
