#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "platform/file_system.h"
#include "platform/result.h"

namespace remediator::fixers::stale_logs {

/// Which Connector version the logs folder belongs to: remembered between runs so that a Connector replaced by
/// another version between two runs is noticed even though it was never seen absent.
struct LogsState {
  std::string folder;            ///< the expanded logs folder the record is about
  std::string connectorVersion;  ///< empty: no record (no Connector was installed when last looked at)
  bool operator==(const LogsState&) const = default;
};

/// The state file: "<stateDir>/stale_logs/state.ini".
std::filesystem::path logsStatePath(const std::filesystem::path& stateDir);

/// The state file's text: a comment line, then `folder=` and `connector_version=` lines.
std::string renderLogsState(const LogsState& state);

/// Parses the state file's text; `name` (the file's path) starts error messages, which name the line. Unknown
/// keys are ignored so a newer version's file still loads. Errors have code kInvalidData.
platform::Result<LogsState> parseLogsState(const std::string& text, const std::string& name);

/// Reads the state file; nullopt when it does not exist.
platform::Result<std::optional<LogsState>> readLogsState(const platform::FileSystem& files,
                                                         const std::filesystem::path& path);

/// Writes the state file atomically, creating its folder.
platform::Result<void> writeLogsState(platform::FileSystem& files, const std::filesystem::path& path,
                                      const LogsState& state);

}  // namespace remediator::fixers::stale_logs
