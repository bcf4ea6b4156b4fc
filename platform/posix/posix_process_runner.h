#pragma once

#include <cstddef>

#include "platform/process_runner.h"

namespace remediator::platform {

/// Runs programs with posix_spawn, without a shell. The program is looked up in PATH when it has no '/'.
/// Standard output and standard error share one pipe, read as the process runs; standard input is /dev/null.
/// The child leads its own process group, so a timeout kills it together with what it started.
class PosixProcessRunner final : public ProcessRunner {
 public:
  /// Output beyond this many bytes is read (so the child never blocks on a full pipe) and dropped.
  static constexpr std::size_t kMaxOutput = std::size_t{1} << 20;

  /// kNotFound when the program or the working directory does not exist, kPermissionDenied when it may not be
  /// executed. A process killed by signal N reports exit code 128 + N; one killed after the timeout reports
  /// timedOut and exit code -1.
  Result<ProcessResult> run(const ProcessRequest& request) override;
};

}  // namespace remediator::platform
