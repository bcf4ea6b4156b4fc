#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "policies/policy_signature.h"

namespace remediator::service {

/// `policy keygen --out DIR`: makes a signing key pair in DIR (created if absent): policy-<id>.key, the private
/// key, readable by its owner alone (platform::createPrivateFile), and policy-<id>.pub, the public key line,
/// which is also printed. Never replaces an existing file. Returns an ExitCode.
int policyKeygen(const std::filesystem::path& outDir, std::ostream& out, std::ostream& err);

/// `policy sign FILE --key PRIVATE`: validates FILE as a policy, then writes FILE.sig, the detached signature of
/// its exact bytes. The private key is never printed. Returns an ExitCode (2 for an invalid policy or key).
int policySign(const std::filesystem::path& file, const std::filesystem::path& keyFile, std::ostream& out,
               std::ostream& err);

/// `policy verify FILE`: checks FILE.sig against FILE's bytes with `keys` (named `keysOrigin` in messages).
/// Exit 0 valid, 1 invalid or missing signature, 2 bad usage (no keys, unreadable or invalid FILE).
int policyVerify(const std::filesystem::path& file, const std::vector<policies::PolicyKey>& keys,
                 const std::string& keysOrigin, std::ostream& out, std::ostream& err);

/// The keys `--key` names: a public key line, or a file of them (a .pub file, a policy-keys file).
platform::Result<std::vector<policies::PolicyKey>> keysFromArgument(const std::string& argument);

}  // namespace remediator::service
