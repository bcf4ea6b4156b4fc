#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "platform/process_runner.h"

namespace remediator::platform {

/// Runs programs with CreateProcessW, without a shell: the program is found the way CreateProcessW finds it
/// (its folder, System32, the Windows folder, PATH; ".exe" appended when there is no extension), and the
/// arguments are quoted so that the program's CommandLineToArgvW gives them back unchanged. Standard output and
/// standard error share one pipe, read while the process runs; standard input is NUL. The process runs in a job
/// object, so a timeout ends it together with whatever it started; when it ends by itself, what it started is
/// left running (an uninstaller that hands over to a copy of itself must not be cut off).
class WindowsProcessRunner final : public ProcessRunner {
 public:
  /// Output beyond this many bytes is read (so the child never blocks on a full pipe) and dropped.
  static constexpr std::size_t kMaxOutput = std::size_t{1} << 20;

  /// kNotFound when the program or the working directory does not exist; kInvalidArgument for a batch file
  /// (cmd.exe would parse its arguments by other rules: run cmd.exe explicitly if that is really wanted). A
  /// process ended after the timeout reports timedOut and exit code -1. Output is UTF-8 (converted from the
  /// console code page when the program wrote something else).
  Result<ProcessResult> run(const ProcessRequest& request) override;
};

/// One argument quoted for a Windows command line so that CommandLineToArgvW (and parseCommandLine) give it
/// back unchanged: as it is when it needs no quotes, otherwise in double quotes with backslashes doubled before
/// a quote and at the end, and quotes escaped.
std::string quoteWindowsArgument(std::string_view argument);

/// The whole command line for `request`: the program (in quotes when it contains a blank) and the quoted
/// arguments. kInvalidArgument when the program contains a double quote, which no command line can carry.
Result<std::string> buildCommandLine(const ProcessRequest& request);

}  // namespace remediator::platform
