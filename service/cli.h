#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "platform/platform.h"

namespace remediator::service {

/// Exit codes of every command.
enum ExitCode : int {
  kExitOk = 0,        ///< done; nothing left to fix
  kExitProblem = 1,   ///< drift remains, an action failed, or the audit log is broken
  kExitUsage = 2,     ///< bad usage or invalid input (a policy that fails validation)
};

/// Streams a command reads and writes, injected so tests can run commands in-process.
struct CliIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::string programPath;  ///< this executable, for the Windows Setup hook scripts
  /// How a command that waits for the service (`upgrade prepare --wait`) passes time between looks; empty: sleep.
  /// Tests give one that plays the service's part.
  std::function<void(std::chrono::milliseconds)> pause = {};
};

/// Runs one `remediator` command (args exclude the program name), except `service`, which the entry point hands
/// to the service wrapper. Returns the exit code.
int runCli(const std::vector<std::string>& args, CliIo io, platform::Platform& platform);

/// The top-level usage text.
std::string cliUsage();

}  // namespace remediator::service
