#include "fixers/connector/installer_check.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <cctype>

#include "platform/ascii.h"

namespace remediator::fixers::connector {

using platform::ErrorCode;
using platform::fail;

namespace {

bool looksLikeHtml(const std::string& body, const std::string& contentType) {
  const auto type = platform::toLowerAscii(contentType);
  if (type.rfind("text/html", 0) == 0 || type.rfind("application/xhtml", 0) == 0) return true;
  // Servers mislabel error pages; sniff the start of the body too (after a byte order mark and white space).
  std::size_t i = body.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  const auto head = platform::toLowerAscii(body.substr(i, 64));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0 || head.rfind("<?xml", 0) == 0 ||
         head.rfind("<head", 0) == 0 || head.rfind("<body", 0) == 0;
}

}  // namespace

const char* installerExtension(InstallerKind kind) { return kind == InstallerKind::kMsi ? ".msi" : ".exe"; }

std::string sha256Hex(const std::string& data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

platform::Result<InstallerKind> checkInstaller(const std::string& body, const std::string& contentType,
                                               const std::string& expectedSha256, const std::string& origin) {
  if (body.empty()) return fail(ErrorCode::kInvalidData, origin + ": the installer is empty");
  if (looksLikeHtml(body, contentType)) {
    return fail(ErrorCode::kInvalidData,
                origin +
                    ": the server answered with a web page, not an installer; point [connector] installer_url "
                    "at the installer file itself");
  }
  InstallerKind kind;
  static const std::string kOleSignature("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  if (body.compare(0, 2, "MZ") == 0) {
    kind = InstallerKind::kExe;
  } else if (body.compare(0, kOleSignature.size(), kOleSignature) == 0) {
    kind = InstallerKind::kMsi;
  } else {
    return fail(ErrorCode::kInvalidData, origin + ": neither a Windows program nor an MSI package (" +
                                             std::to_string(body.size()) + " bytes" +
                                             (contentType.empty() ? "" : ", " + contentType) + ")");
  }
  if (!expectedSha256.empty()) {
    const auto actual = sha256Hex(body);
    if (actual != platform::toLowerAscii(expectedSha256)) {
      return fail(ErrorCode::kInvalidData, origin + ": SHA-256 " + actual +
                                               " does not match [connector] "
                                               "installerSha256 " +
                                               platform::toLowerAscii(expectedSha256) +
                                               "; the file is not run");
    }
  }
  return kind;
}

}  // namespace remediator::fixers::connector
