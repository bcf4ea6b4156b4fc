#include "policies/policy_schema.h"

#include <charconv>
#include <limits>

#include "platform/ascii.h"
#include "platform/file_system.h"
#include "policies/value_syntax.h"

namespace remediator::policies {
namespace {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

bool isHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

const char* checkHostName(std::string_view value) {
  constexpr const char* kExpected =
      "expected a host name: letters, digits, '-' and '.', without slashes (e.g. ESSENTIALS01 or "
      "essentials01.contoso.local)";
  if (value.empty() || value.size() > 253 || value.front() == '-' || value.front() == '.') return kExpected;
  for (char c : value) {
    if (!isAlnum(c) && c != '-' && c != '.') return kExpected;
  }
  return nullptr;
}

bool isPort(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return false;
  int port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

/// A time server: `host`, `host:port`, `[ipv6]` or `[ipv6]:port`.
const char* checkTimeServer(std::string_view value) {
  constexpr const char* kExpected = "expected a time server: host, host:port, [ipv6] or [ipv6]:port";
  std::string_view port;
  if (value.starts_with('[')) {
    std::size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1) return kExpected;
    for (char c : value.substr(1, close - 1)) {
      if (!isHexDigit(c) && c != ':' && c != '.') return kExpected;
    }
    std::string_view rest = value.substr(close + 1);
    if (rest.empty()) return nullptr;
    if (rest.front() != ':') return kExpected;
    port = rest.substr(1);
  } else {
    std::size_t colon = value.find(':');
    if (colon != std::string_view::npos) {
      port = value.substr(colon + 1);
      value = value.substr(0, colon);
      if (port.empty()) return kExpected;
    }
    if (checkHostName(value) != nullptr) return kExpected;
  }
  if (!port.empty() && !isPort(port)) return "expected a time server: the port must be 1 to 65535";
  return nullptr;
}

const char* checkSha256(std::string_view value) {
  if (value.empty()) return nullptr;
  if (value.size() != 64) return "expected 64 hexadecimal digits (the installer's SHA-256) or nothing";
  for (char c : value) {
    if (!isHexDigit(c)) return "expected 64 hexadecimal digits (the installer's SHA-256) or nothing";
  }
  return nullptr;
}

const char* checkProductCode(std::string_view value) {
  constexpr const char* kExpected =
      "expected an MSI product code in braces, {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}, or nothing";
  if (value.empty()) return nullptr;
  constexpr std::string_view kShape = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
  if (value.size() != kShape.size()) return kExpected;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'x' ? !isHexDigit(value[i]) : value[i] != kShape[i]) return kExpected;
  }
  return nullptr;
}

/// The scheme of a URL-like value ("http" for "http://x"), or empty for a path (C:\x, \\server\share, /x).
std::string urlScheme(std::string_view value) {
  std::size_t colon = value.find("://");
  if (colon == std::string_view::npos || colon < 2) return {};  // "C://x" is a drive letter, not a scheme
  for (char c : value.substr(0, colon)) {
    if (!isAlnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return platform::toLowerAscii(value.substr(0, colon));
}

/// The service has no TLS built in, so an https:// source would fail on every fetch: refuse it at validation.
constexpr const char* kNoHttps =
    "https:// is not supported (the service has no TLS built in): use an http:// URL or a file share";

const char* checkPolicySource(std::string_view value) {
  std::string scheme = urlScheme(value);
  if (scheme.empty() || scheme == "http") return nullptr;
  if (scheme == "https") return kNoHttps;
  return "expected a path, a UNC path (\\\\server\\share\\policy.ini) or an http:// URL";
}

const char* checkReportFolder(std::string_view value) {
  if (urlScheme(value).empty()) return nullptr;
  return "expected a folder: a path or a UNC path (\\\\server\\share\\reports), not a URL";
}

const char* checkInstallerUrl(std::string_view value) {
  std::string scheme = urlScheme(value);
  if (scheme.empty() || scheme == "http") return nullptr;
  if (scheme == "https") return kNoHttps;
  return "expected an http:// URL, a path or a UNC path, or nothing";
}

/// uninstall_command runs as SYSTEM: its program is msiexec or an absolute local path to an .exe (never a relative
/// name that a search path resolves, never a UNC path that runs a program off the network), and it is bounded.
const char* checkUninstallCommand(std::string_view value) {
  constexpr const char* kExpected =
      "expected msiexec with its arguments or the absolute local path of an .exe (C:\\...\\x.exe, quoted when "
      "it has blanks) with its arguments, at most 2048 characters, or nothing";
  if (value.empty()) return nullptr;
  if (value.size() > 2048) return kExpected;
  std::size_t at = 0;
  while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) ++at;
  const bool quoted = at < value.size() && value[at] == '"';
  if (quoted) ++at;
  std::size_t end = quoted ? value.find('"', at) : value.find_first_of(" \t", at);
  if (end == std::string_view::npos) end = value.size();
  const std::string program = platform::toLowerAscii(value.substr(at, end - at));
  if (program == "msiexec" || program == "msiexec.exe") return nullptr;
  const bool local = program.size() > 3 && program[0] >= 'a' && program[0] <= 'z' && program[1] == ':' &&
                     (program[2] == '\\' || program[2] == '/');
  // Unquoted with blanks: the program ends at the longest ".exe" the way Programs and Features reads it.
  if (local && (program.ends_with(".exe") || (!quoted && platform::toLowerAscii(value).find(".exe") != std::string::npos))) {
    return nullptr;
  }
  return kExpected;
}

/// audit_log: SYSTEM creates, appends to and rotates this file (renaming NAME to NAME.1 and so on, deleting the
/// oldest); a name ending in .jsonl keeps a mistaken or hostile value from making it rotate a system file away.
const char* checkAuditLogPath(std::string_view value) {
  constexpr const char* kExpected = "expected a file name ending in .jsonl, at most 260 characters, or nothing";
  if (value.empty()) return nullptr;
  if (value.size() > 260 || !platform::toLowerAscii(value).ends_with(".jsonl")) return kExpected;
  if (value.size() == 6 || value[value.size() - 7] == '\\' || value[value.size() - 7] == '/') return kExpected;
  return nullptr;
}

const char* checkUserName(std::string_view value) {
  if (value.find('\\') != std::string_view::npos) {
    return "expected the user name alone: write the domain in [autologon] domain, not as DOMAIN\\user";
  }
  return nullptr;
}

FixerSettings& clockCommon(Policy& p) { return p.clock.common; }
FixerSettings& staleLogsCommon(Policy& p) { return p.staleLogs.common; }
FixerSettings& connectorCommon(Policy& p) { return p.connector.common; }
FixerSettings& autologonCommon(Policy& p) { return p.autologon.common; }

// The three keys every fixer section starts with; `Common` returns that fixer's FixerSettings.
template <FixerSettings& (*Common)(Policy&)>
KeySpec modeKey(std::string_view section, std::string_view doc) {
  return {.section = section,
          .key = "mode",
          .type = ValueType::kMode,
          .field = +[](Policy& p) -> Mode& { return Common(p).mode; },
          .required = true,
          .doc = doc};
}
template <FixerSettings& (*Common)(Policy&)>
KeySpec intervalKey(std::string_view section, std::string_view doc) {
  return {.section = section,
          .key = "interval",
          .type = ValueType::kDuration,
          .field = +[](Policy& p) -> Duration& { return Common(p).interval; },
          .min = kMinute,
          .max = 30 * kDay,
          .doc = doc};
}
template <FixerSettings& (*Common)(Policy&)>
KeySpec timeoutKey(std::string_view section, std::string_view doc) {
  return {.section = section,
          .key = "timeout",
          .type = ValueType::kDuration,
          .field = +[](Policy& p) -> Duration& { return Common(p).timeout; },
          .min = kSecond,
          .max = kDay,
          .doc = doc};
}

// The table. Defaults live in policy.h (the struct's initialisers); this table gives each field its key,
// syntax, range and one line of documentation. A new key is one entry here plus its field in policy.h.
const std::vector<KeySpec>& buildSchema() {
  using VT = ValueType;
  static const std::vector<KeySpec> schema{
      // [service]
      {.section = "service",
       .key = "server",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.service.server; },
       .required = true,
       .min = 1,
       .check = checkHostName,
       .doc = "Name of the Essentials server; the clock's default time source and the Connect URL's host."},
      {.section = "service",
       .key = "state_dir",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.service.stateDir; },
       .doc = "Folder for the service's state, the policy cache and archives; empty: the platform default."},
      {.section = "service",
       .key = "audit_log",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.service.auditLog; },
       .check = checkAuditLogPath,
       .doc = "The audit log file, a name ending in .jsonl; empty: audit.jsonl in the state folder."},
      {.section = "service",
       .key = "audit_max_size",
       .type = VT::kSize,
       .field = +[](Policy& p) -> std::uint64_t& { return p.service.auditMaxBytes; },
       .min = 64 * kKiB,
       .max = kGiB,
       .doc = "Size at which the audit log is rotated."},
      {.section = "service",
       .key = "audit_keep",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.service.auditKeepFiles; },
       .min = 1,
       .max = 1000,
       .doc = "How many rotated audit log files are kept."},
      {.section = "service",
       .key = "log_level",
       .type = VT::kChoice,
       .field = +[](Policy& p) -> std::string& { return p.service.logLevel; },
       .choices = "trace|debug|info|warning|error",
       .doc = "Least severity written to the operational log."},
      {.section = "service",
       .key = "source",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.service.source; },
       .check = checkPolicySource,
       .doc = "Where the policy is refreshed from: a path, a UNC path or an http:// URL; empty: the file the "
              "service was started with."},
      {.section = "service",
       .key = "report",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.service.report; },
       .check = checkReportFolder,
       .doc = "Folder every PC publishes its status and audit records to, in a subfolder named after the PC "
              "(\\\\SERVER\\Remediator$\\reports); read by `remediator fleet report`; empty: nothing is published."},
      {.section = "service",
       .key = "serial",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.service.serial; },
       .min = 0,
       .max = 2147483647,
       .doc = "The policy's number, raised on every publish; with signed policies a lower serial than the last "
              "accepted one, or the same serial with other content, is refused."},
      {.section = "service",
       .key = "refresh",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.refresh; },
       .min = kMinute,
       .max = 7 * kDay,
       .doc = "How often the policy source is checked for a new policy."},
      {.section = "service",
       .key = "start_delay",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.startDelay; },
       .min = 0,
       .max = kHour,
       .doc = "Wait after the service starts before the first fixer runs."},
      {.section = "service",
       .key = "splay",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.splay; },
       .min = 0,
       .max = kDay,
       .doc = "Largest per-PC offset added to every schedule, so a fleet does not act all at once."},
      {.section = "service",
       .key = "backoff_initial",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.backoffInitial; },
       .min = kSecond,
       .max = kDay,
       .doc = "Wait before retrying a fixer run that failed; doubles with each further failure."},
      {.section = "service",
       .key = "backoff_max",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.backoffMax; },
       .min = kMinute,
       .max = 30 * kDay,
       .doc = "Longest wait between retries of a failing fixer; not less than backoff_initial."},
      {.section = "service",
       .key = "breaker_failures",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.service.breakerFailures; },
       .min = 1,
       .max = 100,
       .doc = "Failures in a row after which a fixer drops to audit mode until the policy changes or an "
              "administrator resets it."},
      {.section = "service",
       .key = "recurrence_count",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.service.recurrenceCount; },
       .min = 1,
       .max = 100,
       .doc = "A problem that returns this often within recurrence_window is audited as recurring."},
      {.section = "service",
       .key = "recurrence_window",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.service.recurrenceWindow; },
       .min = kHour,
       .max = 90 * kDay,
       .doc = "The period recurrence_count counts over."},
      {.section = "service",
       .key = "maintenance_window",
       .type = VT::kMaintenanceWindow,
       .field = +[](Policy& p) -> std::vector<MaintenanceRange>& { return p.service.maintenanceWindow; },
       .doc = "Local-time weekly ranges in which disruptive actions (a reinstall) may run; empty: any time."},

      // [clock]
      modeKey<clockCommon>("clock", "off, audit (detect and record only) or enforce (correct the clock)."),
      intervalKey<clockCommon>("clock", "How often the clock is checked."),
      timeoutKey<clockCommon>("clock", "Deadline of one run of the clock fixer."),
      {.section = "clock",
       .key = "servers",
       .type = VT::kList,
       .field = +[](Policy& p) -> std::vector<std::string>& { return p.clock.servers; },
       .check = checkTimeServer,
       .doc = "Time servers to compare with, comma-separated: host, host:port or [ipv6]:port; empty: the "
              "[service] server."},
      {.section = "clock",
       .key = "port",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.clock.port; },
       .min = 1,
       .max = 65535,
       .doc = "UDP port of the time servers that name none."},
      {.section = "clock",
       .key = "samples",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.clock.samples; },
       .min = 1,
       .max = 16,
       .doc = "Queries per server per check; the best one (least round-trip delay) counts."},
      {.section = "clock",
       .key = "query_timeout",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.clock.queryTimeout; },
       .min = 100,
       .max = kMinute,
       .doc = "How long one time query waits for its answer."},
      {.section = "clock",
       .key = "threshold",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.clock.threshold; },
       .min = kSecond,
       .max = kHour,
       .doc = "Offset from the server above which the clock counts as drifted."},
      {.section = "clock",
       .key = "max_correction",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.clock.maxCorrection; },
       .min = kSecond,
       .max = 3650 * kDay,
       .doc = "Largest offset the fixer corrects; a larger one is reported, not applied. Not less than "
              "threshold."},

      // [stale_logs]
      modeKey<staleLogsCommon>("stale_logs",
                               "off, audit (report stale logs) or enforce (archive and remove them)."),
      intervalKey<staleLogsCommon>("stale_logs", "How often the Logs folder is checked."),
      timeoutKey<staleLogsCommon>("stale_logs", "Deadline of one run of the stale-logs fixer."),
      {.section = "stale_logs",
       .key = "folder",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.staleLogs.folder; },
       .min = 1,
       .doc = "The Connector's Logs folder that a pre-release uninstall leaves behind."},
      {.section = "stale_logs",
       .key = "retention",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.staleLogs.retention; },
       .min = 0,
       .max = 3650 * kDay,
       .doc = "Also clear log files older than this while the Connector is installed; 0: never."},
      {.section = "stale_logs",
       .key = "archive",
       .type = VT::kChoice,
       .field = +[](Policy& p) -> std::string& { return p.staleLogs.archive; },
       .choices = "zip|none",
       .doc = "zip: keep a zip of what is removed; none: remove without a copy."},
      {.section = "stale_logs",
       .key = "archive_dir",
       .type = VT::kPath,
       .field = +[](Policy& p) -> std::string& { return p.staleLogs.archiveDir; },
       .doc = "Where the zips go; empty: the archive folder in the state folder."},
      {.section = "stale_logs",
       .key = "archive_keep",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.staleLogs.archiveKeep; },
       .min = 1,
       .max = 1000,
       .doc = "Most zips kept; the oldest go first."},
      {.section = "stale_logs",
       .key = "archive_max_age",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.staleLogs.archiveMaxAge; },
       .min = kDay,
       .max = 3650 * kDay,
       .doc = "Zips older than this are deleted."},
      {.section = "stale_logs",
       .key = "remove_root",
       .type = VT::kBool,
       .field = +[](Policy& p) -> bool& { return p.staleLogs.removeRoot; },
       .doc = "Remove the Logs folder itself, not only its content."},
      {.section = "stale_logs",
       .key = "folder_anywhere",
       .type = VT::kBool,
       .field = +[](Policy& p) -> bool& { return p.staleLogs.folderAnywhere; },
       .doc = "Allow a folder outside %ProgramData%\\Microsoft\\Windows Server (the Connector's tree); a drive "
              "root or a folder holding the state folder stays refused."},

      // [connector]
      modeKey<connectorCommon>(
          "connector", "off, audit (report) or enforce (uninstall before an OS upgrade, reinstall after)."),
      intervalKey<connectorCommon>("connector", "How often the Connector and the OS version are checked."),
      timeoutKey<connectorCommon>("connector", "Deadline of one run of the connector fixer."),
      {.section = "connector",
       .key = "product_names",
       .type = VT::kList,
       .field = +[](Policy& p) -> std::vector<std::string>& { return p.connector.productNames; },
       .min = 1,
       .doc = "Names the Connector is listed under among installed programs, comma-separated."},
      {.section = "connector",
       .key = "product_code",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.connector.productCode; },
       .check = checkProductCode,
       .doc = "The Connector's MSI product code, when detection by name is not enough; empty: by name only."},
      {.section = "connector",
       .key = "uninstall_command",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.connector.uninstallCommand; },
       .check = checkUninstallCommand,
       .doc = "Command line that removes the Connector: msiexec or an absolute local .exe path with arguments; "
              "empty: the product's own quiet uninstall."},
      {.section = "connector",
       .key = "installer_url",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.connector.installerUrl; },
       .check = checkInstallerUrl,
       .doc = "Where the Connector installer comes from; empty: http://<server>/Connect."},
      {.section = "connector",
       .key = "installer_args",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.connector.installerArgs; },
       .doc = "Arguments passed to the installer."},
      {.section = "connector",
       .key = "installer_sha256",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.connector.installerSha256; },
       .check = checkSha256,
       .doc = "SHA-256 the downloaded installer must have; empty: not checked."},
      {.section = "connector",
       .key = "install_timeout",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.connector.installTimeout; },
       .min = kMinute,
       .max = kDay,
       .doc = "How long an install or uninstall may take before it counts as failed."},
      {.section = "connector",
       .key = "watch_staged_upgrade",
       .type = VT::kBool,
       .field = +[](Policy& p) -> bool& { return p.connector.watchStagedUpgrade; },
       .doc = "Uninstall the Connector when an OS upgrade is staged, before it runs."},
      {.section = "connector",
       .key = "upgrade_wait",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.connector.upgradeWait; },
       .min = kHour,
       .max = 90 * kDay,
       .doc = "After an uninstall for a staged upgrade that never completes, reinstall after this long."},
      {.section = "connector",
       .key = "min_reinstall_gap",
       .type = VT::kDuration,
       .field = +[](Policy& p) -> Duration& { return p.connector.minReinstallGap; },
       .min = 0,
       .max = 30 * kDay,
       .doc = "Least time between two reinstall attempts."},
      {.section = "connector",
       .key = "max_attempts",
       .type = VT::kInt,
       .field = +[](Policy& p) -> int& { return p.connector.maxAttempts; },
       .min = 1,
       .max = 100,
       .doc = "Reinstall attempts before the fixer gives up and reports."},
      {.section = "connector",
       .key = "allowed_redirect_hosts",
       .type = VT::kList,
       .field = +[](Policy& p) -> std::vector<std::string>& { return p.connector.allowedRedirectHosts; },
       .check = checkHostName,
       .doc = "Hosts the installer download may be redirected to besides installer_url's own, comma-separated; "
              "empty: a redirect to another host is refused."},

      // [autologon]
      modeKey<autologonCommon>("autologon",
                               "off, audit (report) or enforce (restore the autologon settings)."),
      intervalKey<autologonCommon>("autologon", "How often the autologon settings are checked."),
      timeoutKey<autologonCommon>("autologon", "Deadline of one run of the autologon fixer."),
      {.section = "autologon",
       .key = "enabled",
       .type = VT::kBool,
       .field = +[](Policy& p) -> bool& { return p.autologon.enabled; },
       .doc = "true: autologon should be on for `user`; false: it should be off."},
      {.section = "autologon",
       .key = "user",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.autologon.user; },
       .check = checkUserName,
       .doc = "The account that logs on automatically; required when enabled and mode is not off."},
      {.section = "autologon",
       .key = "domain",
       .type = VT::kString,
       .field = +[](Policy& p) -> std::string& { return p.autologon.domain; },
       .doc = "The account's domain; empty: a local account."},
      {.section = "autologon",
       .key = "migrate_plaintext",
       .type = VT::kBool,
       .field = +[](Policy& p) -> bool& { return p.autologon.migratePlaintext; },
       .doc = "Move a plaintext DefaultPassword from the registry into the protected store."},
  };
  return schema;
}

std::string describeRange(const KeySpec& spec) {
  if (spec.min == 0 && spec.max == 0) return {};
  auto text = [&](std::int64_t v) {
    switch (spec.type) {
      case ValueType::kDuration:
        return formatDuration(Duration(v));
      case ValueType::kSize:
        return formatSize(static_cast<std::uint64_t>(v));
      default:
        return std::to_string(v);
    }
  };
  return " from " + text(spec.min) + " to " + text(spec.max);
}

/// Checks a number against the spec's range; the message names the range in the key's own syntax.
Result<void> checkRange(const KeySpec& spec, std::int64_t value) {
  if ((spec.min != 0 || spec.max != 0) && (value < spec.min || value > spec.max)) {
    return fail(ErrorCode::kInvalidArgument, "out of range: expected " + describeExpected(spec));
  }
  return {};
}

Result<void> checkMinLength(const KeySpec& spec, std::size_t length, const char* what) {
  if (static_cast<std::int64_t>(length) < spec.min) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": expected " + describeExpected(spec));
  }
  return {};
}

Result<void> applyCheck(const KeySpec& spec, std::string_view value) {
  if (spec.check == nullptr) return {};
  if (const char* expected = spec.check(value)) return fail(ErrorCode::kInvalidArgument, expected);
  return {};
}

/// The '|'-separated words of a choices string.
std::vector<std::string_view> choiceWords(std::string_view choices) {
  std::vector<std::string_view> words;
  std::size_t begin = 0;
  while (begin <= choices.size()) {
    std::size_t bar = choices.find('|', begin);
    if (bar == std::string_view::npos) bar = choices.size();
    words.push_back(choices.substr(begin, bar - begin));
    begin = bar + 1;
  }
  return words;
}

template <typename T>
T& fieldOf(const KeySpec& spec, Policy& policy) {
  return std::get<FieldRef<T>>(spec.field)(policy);
}

}  // namespace

const char* valueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kPath:
      return "path";
    case ValueType::kList:
      return "list";
    case ValueType::kInt:
      return "integer";
    case ValueType::kSize:
      return "size";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kMode:
      return "mode";
    case ValueType::kChoice:
      return "choice";
    case ValueType::kMaintenanceWindow:
      return "maintenance window";
  }
  return "string";
}

const std::vector<SectionSpec>& policySections() {
  static const std::vector<SectionSpec> sections{
      {"service", false, "The engine, the audit log and where the policy comes from."},
      {"clock", true, "Keeps the PC's clock within Kerberos' tolerance of the server's."},
      {"stale_logs", true, "Clears the Connector log folder a pre-release uninstall leaves behind."},
      {"connector", true, "Uninstalls the Connector before an OS upgrade and reinstalls it afterwards."},
      {"autologon", true, "Restores automatic logon after the Connector install overwrote it."},
  };
  return sections;
}

const std::vector<KeySpec>& policySchema() { return buildSchema(); }

const SectionSpec* findSection(std::string_view name) {
  for (const SectionSpec& section : policySections()) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

const KeySpec* findKey(std::string_view section, std::string_view key) {
  for (const KeySpec& spec : policySchema()) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

std::string describeExpected(const KeySpec& spec) {
  switch (spec.type) {
    case ValueType::kString:
    case ValueType::kPath:
      return spec.min > 0 ? "a non-empty " + std::string(valueTypeName(spec.type))
                          : "a " + std::string(valueTypeName(spec.type));
    case ValueType::kList:
      return spec.min > 0 ? "a comma-separated list of at least " + std::to_string(spec.min) + " item(s)"
                          : "a comma-separated list";
    case ValueType::kInt:
      return "a whole number" + describeRange(spec);
    case ValueType::kSize:
      return "a size such as 512KB or 10MB" + describeRange(spec);
    case ValueType::kDuration:
      return "a duration such as 30s, 15m or 7d" + describeRange(spec);
    case ValueType::kBool:
      return "true or false";
    case ValueType::kMode:
      return "one of off, audit, enforce";
    case ValueType::kChoice: {
      std::string words;
      for (std::string_view word : choiceWords(spec.choices))
        words += (words.empty() ? "" : ", ") + std::string(word);
      return "one of " + words;
    }
    case ValueType::kMaintenanceWindow:
      return "weekly ranges such as 'Sat 22:00-Sun 04:00, daily 01:00-02:00'";
  }
  return "a value";
}

Result<void> setValue(const KeySpec& spec, std::string_view text, Policy& policy) {
  switch (spec.type) {
    case ValueType::kString:
    case ValueType::kPath: {
      if (auto ok = checkMinLength(spec, text.size(), "the value is empty"); !ok) return ok;
      if (auto ok = applyCheck(spec, text); !ok) return ok;
      fieldOf<std::string>(spec, policy) = std::string(text);
      return {};
    }
    case ValueType::kList: {
      auto items = splitList(text);
      if (!items) return items.error();
      if (auto ok = checkMinLength(spec, items->size(), "the list is empty"); !ok) return ok;
      for (std::size_t i = 0; i < items->size(); ++i) {
        if (auto ok = applyCheck(spec, (*items)[i]); !ok) {
          return fail(ErrorCode::kInvalidArgument,
                      "item " + std::to_string(i + 1) + ": " + ok.error().message);
        }
      }
      fieldOf<std::vector<std::string>>(spec, policy) = std::move(*items);
      return {};
    }
    case ValueType::kInt: {
      std::int64_t number = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec == std::errc::result_out_of_range)
        return fail(ErrorCode::kInvalidArgument, "the number is too large");
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return fail(ErrorCode::kInvalidArgument, "expected " + describeExpected(spec));
      }
      if (auto ok = checkRange(spec, number); !ok) return ok;
      fieldOf<int>(spec, policy) = static_cast<int>(number);
      return {};
    }
    case ValueType::kSize: {
      auto bytes = parseSize(text);
      if (!bytes) return bytes.error();
      if (*bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return fail(ErrorCode::kInvalidArgument, "out of range: expected " + describeExpected(spec));
      }
      if (auto ok = checkRange(spec, static_cast<std::int64_t>(*bytes)); !ok) return ok;
      fieldOf<std::uint64_t>(spec, policy) = *bytes;
      return {};
    }
    case ValueType::kDuration: {
      auto duration = parseDuration(text);
      if (!duration) return duration.error();
      if (auto ok = checkRange(spec, duration->count()); !ok) return ok;
      fieldOf<Duration>(spec, policy) = *duration;
      return {};
    }
    case ValueType::kBool: {
      auto value = parseBool(text);
      if (!value) return value.error();
      fieldOf<bool>(spec, policy) = *value;
      return {};
    }
    case ValueType::kMode: {
      auto mode = parseMode(text);
      if (!mode) return mode.error();
      fieldOf<Mode>(spec, policy) = *mode;
      return {};
    }
    case ValueType::kChoice: {
      std::string lower = platform::toLowerAscii(text);
      for (std::string_view word : choiceWords(spec.choices)) {
        if (lower == word) {
          fieldOf<std::string>(spec, policy) = lower;
          return {};
        }
      }
      return fail(ErrorCode::kInvalidArgument, "expected " + describeExpected(spec));
    }
    case ValueType::kMaintenanceWindow: {
      auto ranges = parseMaintenanceWindow(text);
      if (!ranges) return ranges.error();
      fieldOf<std::vector<MaintenanceRange>>(spec, policy) = std::move(*ranges);
      return {};
    }
  }
  return fail(ErrorCode::kInvalidArgument, "unsupported value type");
}

std::string formatValue(const KeySpec& spec, const Policy& policy) {
  // The table's accessors take a mutable Policy so one function serves both reading and writing; formatting
  // only reads through them.
  Policy& p = const_cast<Policy&>(policy);
  switch (spec.type) {
    case ValueType::kString:
    case ValueType::kPath:
    case ValueType::kChoice:
      return fieldOf<std::string>(spec, p);
    case ValueType::kList:
      return joinList(fieldOf<std::vector<std::string>>(spec, p));
    case ValueType::kInt:
      return std::to_string(fieldOf<int>(spec, p));
    case ValueType::kSize:
      return formatSize(fieldOf<std::uint64_t>(spec, p));
    case ValueType::kDuration:
      return formatDuration(fieldOf<Duration>(spec, p));
    case ValueType::kBool:
      return fieldOf<bool>(spec, p) ? "true" : "false";
    case ValueType::kMode:
      return modeName(fieldOf<Mode>(spec, p));
    case ValueType::kMaintenanceWindow:
      return formatMaintenanceWindow(fieldOf<std::vector<MaintenanceRange>>(spec, p));
  }
  return {};
}

std::string defaultValue(const KeySpec& spec) {
  static const Policy defaults;
  return formatValue(spec, defaults);
}

void expandPathValues(Policy& policy) {
  for (const KeySpec& spec : policySchema()) {
    if (spec.type != ValueType::kPath) continue;
    std::string& value = fieldOf<std::string>(spec, policy);
    if (urlScheme(value).empty()) value = platform::expandEnvironment(value);
  }
}

std::vector<CrossCheckViolation> crossCheck(const Policy& policy) {
  std::vector<CrossCheckViolation> violations;
  if (policy.service.backoffMax < policy.service.backoffInitial) {
    violations.push_back(
        {"service", "backoff_max",
         "must not be less than backoff_initial (" + formatDuration(policy.service.backoffInitial) + ")"});
  }
  if (policy.clock.maxCorrection < policy.clock.threshold) {
    violations.push_back(
        {"clock", "max_correction",
         "must not be less than threshold (" + formatDuration(policy.clock.threshold) + ")"});
  }
  const AutologonSettings& autologon = policy.autologon;
  if (autologon.enabled && autologon.common.mode != Mode::kOff && autologon.user.empty()) {
    violations.push_back(
        {"autologon", "user",
         "required when enabled is true and mode is not off: name the account that logs on"});
  }
  return violations;
}

bool isPasswordKey(std::string_view key) {
  std::string lower = platform::toLowerAscii(key);
  return lower.find("password") != std::string::npos || lower.find("passwd") != std::string::npos ||
         lower == "pwd" || lower == "pass";
}

std::string_view passwordKeyAdvice() {
  return "a password does not belong in the policy, where everyone who can read the file can read it: remove "
         "the key and set the password on each PC with `remediator autologon set-password`";
}

}  // namespace remediator::policies
