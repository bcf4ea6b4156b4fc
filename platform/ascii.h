#pragma once

#include <string>
#include <string_view>

namespace remediator::platform {

/// `text` with the ASCII letters A-Z turned into a-z; other bytes (UTF-8 included) stay as they are. Windows
/// compares registry keys, service names and product names without regard to case; folding ASCII is enough
/// for the names this product deals with.
std::string toLowerAscii(std::string_view text);

/// Whether `a` and `b` are equal when ASCII case is ignored.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

/// Orders strings as if both were passed through toLowerAscii, for maps keyed the Windows way.
struct LessIgnoreCase {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

}  // namespace remediator::platform
