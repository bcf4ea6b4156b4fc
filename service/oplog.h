#pragma once

#include <filesystem>
#include <string>

namespace remediator::service {

/// Levels of the operational log (diagnostics for whoever runs the service; decisions go to the audit log).
enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError };

/// "info" -> kInfo; unknown names give kInfo (the policy validates the name before it gets here).
LogLevel parseLogLevel(const std::string& name);

/// Sets up the operational log: to the console when `console`, and to a rotating file
/// <dir>/remediator.log (1 MiB per file, 5 files) when `dir` is not empty. Calling it again replaces the sinks.
void initOperationalLog(LogLevel level, const std::filesystem::path& dir, bool console);
/// Flushes and removes the sinks, closing the log file, so that the state folder is no longer held open
/// (Windows cannot remove or rename a file that is open). initOperationalLog sets them up again.
void closeOperationalLog();
/// Changes the level (a policy refresh may change it).
void setLogLevel(LogLevel level);
/// Writes one line. Never pass a secret.
void logLine(LogLevel level, const std::string& message);

inline void logInfo(const std::string& m) { logLine(LogLevel::kInfo, m); }
inline void logWarning(const std::string& m) { logLine(LogLevel::kWarning, m); }
inline void logError(const std::string& m) { logLine(LogLevel::kError, m); }
inline void logDebug(const std::string& m) { logLine(LogLevel::kDebug, m); }

}  // namespace remediator::service
