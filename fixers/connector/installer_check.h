#pragma once

#include <string>

#include "platform/result.h"

namespace remediator::fixers::connector {

/// What a downloaded installer is, told by its first bytes.
enum class InstallerKind {
  kExe,  ///< a Windows program ("MZ"): run with the configured arguments
  kMsi,  ///< a Windows Installer package (OLE compound file): run through msiexec /i
};

/// The file name extension for a kind: ".exe" or ".msi".
const char* installerExtension(InstallerKind kind);

/// SHA-256 of `data`, lower-case hex.
std::string sha256Hex(const std::string& data);

/// Decides whether `body` may be run as the Connector installer: it must not be empty, must not be an HTML
/// page (what a web server answers for a sign-in or error page, and what http://<server>/Connect serves when
/// it is the download page rather than the installer), must start like a Windows program or an MSI package,
/// and must have the SHA-256 `expectedSha256` when that is not empty (compared case-insensitively). `origin`
/// (the URL or file) starts every error message; errors have code kInvalidData.
platform::Result<InstallerKind> checkInstaller(const std::string& body, const std::string& contentType,
                                               const std::string& expectedSha256, const std::string& origin);

}  // namespace remediator::fixers::connector
