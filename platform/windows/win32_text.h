#pragma once

#include <string>
#include <string_view>

#include "platform/result.h"

namespace remediator::platform {

/// UTF-8 (the product's text everywhere) to UTF-16 (what the W functions of Win32 take). Invalid UTF-8 fails
/// with kInvalidArgument rather than being replaced, so a mangled name never reaches the registry or the SCM.
Result<std::wstring> toWide(std::string_view utf8);

/// UTF-16 from Win32 to UTF-8. Unpaired surrogates (possible in registry data) become U+FFFD.
std::string toUtf8(std::wstring_view utf16);

/// Bytes some other program wrote (a child's console output) as UTF-8: kept as they are when they already are
/// valid UTF-8, otherwise read in the console's OEM code page, which is what Windows tools write.
std::string consoleBytesToUtf8(std::string_view bytes);

}  // namespace remediator::platform
