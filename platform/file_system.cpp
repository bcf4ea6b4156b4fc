#include "platform/file_system.h"

namespace remediator::platform {

std::string expandEnvironment(const std::string& text) { return expandEnvironment(text, processEnvironment); }

std::string expandEnvironment(const std::string& text, const EnvironmentLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('%', pos);
    const auto close = open == std::string::npos ? std::string::npos : text.find('%', open + 1);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    const std::string name = text.substr(open + 1, close - open - 1);
    std::optional<std::string> value = name.empty() ? std::nullopt : lookup(name);
    if (value) {
      out += *value;
      pos = close + 1;
    } else {
      // Unknown: keep "%name" and let the closing '%' start the next reference, so "50% of %PATH%" still
      // expands PATH.
      out += '%';
      out += name;
      pos = close;
    }
  }
  return out;
}

}  // namespace remediator::platform
