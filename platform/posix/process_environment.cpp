#include <unistd.h>

#include <cstdlib>

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

}  // namespace remediator::platform
