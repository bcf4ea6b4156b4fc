#include "fixers/stale_logs/logs_state.h"

#include <sstream>

namespace remediator::fixers::stale_logs {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

std::filesystem::path logsStatePath(const std::filesystem::path& stateDir) {
  return stateDir / "stale_logs" / "state.ini";
}

std::string renderLogsState(const LogsState& state) {
  return "# The Connector version the stale_logs fixer last saw the logs folder belong to.\n"
         "folder=" + state.folder + "\n" +
         "connector_version=" + state.connectorVersion + "\n";
}

Result<LogsState> parseLogsState(const std::string& text, const std::string& name) {
  LogsState state;
  bool sawFolder = false;
  bool sawVersion = false;
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      return fail(ErrorCode::kInvalidData,
                  name + ":" + std::to_string(lineNo) + ": expected key=value, got '" + line + "'");
    }
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "folder") {
      state.folder = value;
      sawFolder = true;
    } else if (key == "connector_version") {
      state.connectorVersion = value;
      sawVersion = true;
    }
  }
  if (!sawFolder || !sawVersion) {
    return fail(ErrorCode::kInvalidData,
                name + ": missing key " + (sawFolder ? "connector_version" : "folder"));
  }
  return state;
}

Result<std::optional<LogsState>> readLogsState(const platform::FileSystem& files,
                                               const std::filesystem::path& path) {
  auto text = files.readFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<LogsState>{};
    return fail(text.error().code, "cannot read " + path.string() + ": " + text.error().message);
  }
  auto state = parseLogsState(*text, path.string());
  if (!state) return state.error();
  return std::optional<LogsState>{std::move(state).value()};
}

Result<void> writeLogsState(platform::FileSystem& files, const std::filesystem::path& path,
                            const LogsState& state) {
  if (auto made = files.createDirectories(path.parent_path()); !made) {
    return fail(made.error().code, "cannot create " + path.parent_path().string() + ": " + made.error().message);
  }
  if (auto written = files.writeFileAtomic(path, renderLogsState(state)); !written) {
    return fail(written.error().code, "cannot write " + path.string() + ": " + written.error().message);
  }
  return {};
}

}  // namespace remediator::fixers::stale_logs
