#pragma once

#include <string>
#include <string_view>

namespace remediator::platform {

/// SHA-256 of `a` followed by `b` (b may be empty), as 64 lowercase hex digits: the audit chain's hash. Natively
/// OpenSSL's libcrypto (SHA-NI where the CPU has it: the fleet report hashes every published record), on Windows
/// libsodium, which the build has already.
std::string sha256Hex(std::string_view a, std::string_view b = {});

}  // namespace remediator::platform
