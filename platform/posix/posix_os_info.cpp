#include "platform/posix/posix_os_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <system_error>

#include "platform/posix/posix_io.h"

namespace remediator::platform {
namespace {

bool isKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

/// One value as the shell would read it: quotes removed, and \" \\ \$ \` unescaped outside single quotes.
Result<std::string> unquote(const std::string& raw, const std::string& where) {
  std::string out;
  const char quote = (!raw.empty() && (raw[0] == '"' || raw[0] == '\'')) ? raw[0] : '\0';
  std::size_t pos = quote ? 1 : 0;
  for (; pos < raw.size(); ++pos) {
    const char c = raw[pos];
    if (quote && c == quote) break;
    if (c == '\\' && quote != '\'' && pos + 1 < raw.size()) {
      const char next = raw[pos + 1];
      if (next == '"' || next == '\\' || next == '$' || next == '`' || next == '\'') {
        out += next;
        ++pos;
        continue;
      }
    }
    out += c;
  }
  if (quote) {
    if (pos >= raw.size())
      return fail(ErrorCode::kInvalidData, where + ": the value has no closing " + quote);
    if (pos + 1 != raw.size()) {
      return fail(ErrorCode::kInvalidData, where + ": text after the closing quote: " + raw.substr(pos + 1));
    }
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parseOsRelease(const std::string& text,
                                                          const std::string& source) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  for (int lineNumber = 1; start < text.size(); ++lineNumber) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = source + ":" + std::to_string(lineNumber);
    const auto equals = line.find('=');
    if (equals == std::string::npos || equals == 0) {
      return fail(ErrorCode::kInvalidData, where + ": expected KEY=value, found: " + line);
    }
    const std::string key = line.substr(0, equals);
    for (char c : key) {
      if (!isKeyChar(c))
        return fail(ErrorCode::kInvalidData, where + ": invalid variable name '" + key + "'");
    }
    auto value = unquote(line.substr(equals + 1), where + " (" + key + ")");
    if (!value) return value.error();
    fields[key] = std::move(*value);
  }
  return fields;
}

OsIdentity osIdentityFromRelease(const std::map<std::string, std::string>& fields,
                                 const std::string& kernel) {
  auto field = [&](const char* key) {
    const auto found = fields.find(key);
    return found == fields.end() ? std::string() : found->second;
  };
  OsIdentity identity;
  identity.product = field("NAME");
  if (identity.product.empty()) identity.product = "Linux";  // the default os-release(5) prescribes
  identity.version = field("VERSION_ID");
  if (const std::string codename = field("VERSION_CODENAME"); !codename.empty()) {
    identity.version += (identity.version.empty() ? "(" : " (") + codename + ")";
  }
  identity.build = kernel;
  return identity;
}

PosixOsInfo::PosixOsInfo()
    : osReleaseCandidates_{"/etc/os-release", "/usr/lib/os-release"},
      rebootRequired_("/var/run/reboot-required") {}

PosixOsInfo::PosixOsInfo(std::filesystem::path osRelease, std::filesystem::path rebootRequired)
    : osReleaseCandidates_{std::move(osRelease)}, rebootRequired_(std::move(rebootRequired)) {}

Result<OsIdentity> PosixOsInfo::identity() const {
  Result<std::string> text = fail(ErrorCode::kNotFound, "no os-release file to read");
  std::filesystem::path used;
  for (const auto& candidate : osReleaseCandidates_) {
    // /etc/os-release is normally a link into /usr/lib: follow it.
    text = readRegularFile(candidate, FollowLinks::kYes);
    used = candidate;
    if (text || text.error().code != ErrorCode::kNotFound) break;
  }
  if (!text) return text.error();
  auto fields = parseOsRelease(*text, used.string());
  if (!fields) return fields.error();
  utsname uts{};
  if (::uname(&uts) != 0) return errnoError("read", "the kernel release (uname)", errno);
  return osIdentityFromRelease(*fields, uts.release);
}

std::string PosixOsInfo::hostName() const {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

Result<std::string> PosixOsInfo::pendingReboot() const {
  std::error_code ec;
  const bool present = std::filesystem::exists(rebootRequired_, ec);
  if (ec) return errnoError("check", rebootRequired_.string(), ec.value());
  return present ? "reboot required (" + rebootRequired_.string() + " exists)" : std::string();
}

Result<std::string> PosixOsInfo::upgradeStaged() const { return std::string(); }

}  // namespace remediator::platform
