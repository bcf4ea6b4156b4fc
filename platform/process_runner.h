#pragma once

#include <functional>
#include <string>
#include <vector>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// A program to run: no shell is involved, arguments are passed as they are.
struct ProcessRequest {
  std::string program;             ///< path of the executable
  std::vector<std::string> args;   ///< arguments, not including the program itself
  Millis timeout{std::chrono::minutes(10)};
  std::string workingDirectory;    ///< empty: inherit
};

/// How a process ended.
struct ProcessResult {
  int exitCode = -1;
  bool timedOut = false;  ///< killed after the timeout; exitCode is then meaningless
  std::string output;     ///< standard output and standard error, interleaved, truncated to 1 MiB
};

/// Runs programs and waits for them.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  /// Runs the request. An error means it could not be started; a non-zero exit is a successful Result.
  virtual Result<ProcessResult> run(const ProcessRequest& request) = 0;
};

/// Splits a Windows-style command line (as in UninstallString) into program and arguments, honouring double
/// quotes the way CommandLineToArgvW does.
Result<ProcessRequest> parseCommandLine(const std::string& commandLine);

/// Splits an UninstallString the way Programs and Features runs it. A quoted program name, or one without a blank
/// before the first ".exe", is split as parseCommandLine does. An unquoted one with blanks
/// (`C:\Program Files\App\uninst.exe /S`) is cut after the longest prefix ending in ".exe" (case-insensitive, at
/// a blank or the end) for which `isFile` is true, so a planted `C:\Program.exe` is not taken for
/// `C:\Program Files\...\uninst.exe`; the rest are the arguments. When no such prefix exists the longest one
/// ending in ".exe" is the program (starting it then fails, naming it), never a shorter one.
Result<ProcessRequest> parseUninstallString(const std::string& commandLine,
                                            const std::function<bool(const std::string&)>& isFile);

}  // namespace remediator::platform
