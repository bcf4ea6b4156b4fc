#pragma once

#include <string>
#include <vector>

namespace remediator::service {

/// Runs `remediator service ...`: the Poco ServerApplication that hosts the engine's event loop, as a Windows
/// service or in the foreground (or as a daemon with --daemon) on Linux. `argv0` is the program path; `args` the
/// arguments after "service". Returns the process exit code.
int runServiceApplication(const std::string& argv0, const std::vector<std::string>& args);

}  // namespace remediator::service
