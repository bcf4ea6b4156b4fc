#pragma once

#include <istream>
#include <memory>

#include "fixers/fixer.h"
#include "platform/platform.h"
#include "platform/result.h"
#include "platform/secret_store.h"

namespace remediator::fixers {

namespace autologon {

/// The Winlogon key below HKLM: AutoAdminLogon, DefaultUserName, DefaultDomainName, AutoLogonCount, ...
inline constexpr const char* kWinlogonKey = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
/// The policy key below HKLM where Group Policy puts the logon banner (LegalNoticeCaption/Text).
inline constexpr const char* kPoliciesSystemKey =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";
/// The service's own copy of the autologon password. The `L$` prefix makes the LSA secret local-only: it is
/// never replicated and cannot be read remotely.
inline constexpr const char* kServiceSecret = "L$RemediatorAutologon";
/// The LSA secret Winlogon reads the autologon password from; also the name of the plaintext registry value
/// that older tools write instead and that this fixer migrates.
inline constexpr const char* kWinlogonSecret = "DefaultPassword";

/// Stores the autologon password as the service's own copy and as the secret Winlogon reads, and nothing else
/// (the registry is left to the fixer's next run). What `remediator autologon set-password` calls.
/// Fails with kNotSupported where the platform has no secret store and kInvalidArgument for an empty
/// password. No error message ever contains the password.
platform::Result<void> setPassword(platform::Platform& platform, const platform::Secret& password);

/// Reads a password from `in` (standard input for the CLI): the first line, without its line ending. Fails
/// with kInvalidArgument when the input is empty or the line is empty.
platform::Result<platform::Secret> readPassword(std::istream& in);

}  // namespace autologon

/// The autologon fixer: keeps Winlogon's automatic logon configured for the policy's account after the
/// Connector (or anyone else) overwrites it, migrates a plaintext DefaultPassword registry value into the
/// secret store, and reports what it cannot fix safely (a logon banner, AutoLogonCount at 0, no password to
/// restore from). It runs on its interval and at once on "connector.installed". See
/// fixers/autologon/README.md.
std::unique_ptr<Fixer> makeAutologonFixer();

}  // namespace remediator::fixers
