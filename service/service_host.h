#pragma once

#include <filesystem>
#include <string>

namespace remediator::service {

/// Makes this process's %ProgramData% the OS's own ProgramData folder when the two differ, so that policy paths
/// naming %ProgramData% (the stale-logs folder) mean what an administrator means. A service's environment can
/// say otherwise (Wine gives services C:\users\Public). Does nothing where the OS has no such folder.
void adoptProgramDataFolder();

/// What the service registration needs beyond the service manager's entry: the command line `"<exe>" service`,
/// the failure actions and the Event Log source (kEventSource, messages from `exe`). `serviceName` is the name just registered, `exe` this program. Returns the problems
/// as text, one a line; empty when all went well. What the service manager cannot do at all goes to `notes`.
std::string completeRegistration(const std::string& serviceName, const std::filesystem::path& exe,
                                 std::string& notes);

/// Undoes what completeRegistration added outside the service entry (the Event Log source). Returns the
/// problems as text; empty when all went well.
std::string completeUnregistration();

/// Tells the Event Log that the service could not start and why: before the audit log is open there is no
/// other record an administrator would see.
void reportStartFailure(const std::string& message);

}  // namespace remediator::service
