#pragma once

#include <filesystem>
#include <string>

namespace remediator::service {

/// Makes this process's %ProgramData% the OS's own ProgramData folder when the two differ, so that policy paths
/// naming %ProgramData% (the stale-logs folder) mean what an administrator means. A service's environment can
/// say otherwise (Wine gives services C:\users\Public). Does nothing where the OS has no such folder.
void adoptProgramDataFolder();

/// What the service registration needs beyond the service manager's entry: the command line `"<exe>" service`
/// and the failure actions. `serviceName` is the name just registered, `exe` this program. Returns the problems
/// as text, one a line; empty when all went well. What the service manager cannot do at all goes to `notes`.
std::string completeRegistration(const std::string& serviceName, const std::filesystem::path& exe,
                                 std::string& notes);

}  // namespace remediator::service
