#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "platform/ascii.h"
#include "platform/file_system.h"

namespace remediator::platform {

std::optional<std::string> processEnvironment(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (const char* exact = std::getenv(name.c_str())) return std::string(exact);
  // Policies are written for Windows, where %ProgramData% and %PROGRAMDATA% are the same variable.
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view pair(*entry);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (equalsIgnoreCase(pair.substr(0, equals), name)) return std::string(pair.substr(equals + 1));
  }
  return std::nullopt;
}

Result<void> setProcessEnvironment(const std::string& name, const std::optional<std::string>& value) {
  if (name.empty() || name.find('=') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "environment variable name '" + name + "' is empty or contains '='");
  }
  const int rc = value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
  if (rc != 0) {
    return fail(ErrorCode::kFailed, "cannot set environment variable " + name + ": " +
                                        std::generic_category().message(errno));
  }
  return {};
}

// POSIX has no machine-wide application data folder of its own; callers choose theirs.
std::optional<std::filesystem::path> programDataFolder() { return std::nullopt; }

}  // namespace remediator::platform
