#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace remediator::platform {

/// The path named by `utf8` (the product's text: command lines, policy values, registry data). On Windows a
/// narrow std::filesystem::path is read in the C library's code page, which mangles every non-ASCII name; this
/// reads UTF-8 (std::filesystem::u8path). On POSIX the bytes are the name.
std::filesystem::path pathFromUtf8(std::string_view utf8);

/// `path` as UTF-8 text for messages, records and comparisons. Never throws: on Windows a name that is not valid
/// UTF-16 (an unpaired surrogate, which any user can give a file) has U+FFFD in place of the bad unit, where
/// path::string() throws.
std::string pathToUtf8(const std::filesystem::path& path);

}  // namespace remediator::platform
