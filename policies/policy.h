#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace remediator::policies {

using Duration = std::chrono::milliseconds;

/// What a fixer is allowed to do.
enum class Mode {
  kOff,      ///< nothing at all
  kAudit,    ///< detect, plan and record; never change the machine
  kEnforce,  ///< detect, plan, apply and verify
};

/// The policy's spelling of a mode: "off", "audit" or "enforce".
const char* modeName(Mode mode);

/// A weekly time range in local time in which disruptive actions may run, e.g. "Sat 22:00-Sun 04:00" or
/// "daily 01:00-05:00". Several ranges are separated by commas in the policy.
struct MaintenanceRange {
  int startMinuteOfWeek = 0;  ///< minutes since Monday 00:00
  int endMinuteOfWeek = 0;    ///< exclusive; may be smaller than start (wraps over the week's end)
  bool operator==(const MaintenanceRange&) const = default;
};

/// Keys every fixer section has.
struct FixerSettings {
  Mode mode = Mode::kOff;
  Duration interval{std::chrono::minutes(15)};
  Duration timeout{std::chrono::minutes(5)};  ///< per-run deadline
  bool operator==(const FixerSettings&) const = default;
};

/// [service]: the engine, the audit log and where the policy comes from.
struct ServiceSettings {
  std::string server;                 ///< the Essentials server's name (required)
  std::string stateDir;               ///< empty: the platform default
  std::string auditLog;               ///< empty: <stateDir>/audit.jsonl
  std::uint64_t auditMaxBytes = 10ull << 20;
  int auditKeepFiles = 10;
  std::string logLevel = "info";      ///< trace, debug, info, warning, error
  std::string source;                 ///< path, UNC path or http:// URL; empty: the file given to the service
  std::string report;                 ///< folder (UNC or local) the PC publishes to; empty: off
  int serial = 0;                     ///< raised on every publish; signed policies may not go back (anti-rollback)
  Duration refresh{std::chrono::minutes(15)};
  Duration startDelay{std::chrono::seconds(30)};
  Duration splay{std::chrono::minutes(10)};
  Duration backoffInitial{std::chrono::minutes(1)};
  Duration backoffMax{std::chrono::hours(4)};
  int breakerFailures = 5;
  int recurrenceCount = 3;
  Duration recurrenceWindow{std::chrono::hours(24 * 7)};
  std::vector<MaintenanceRange> maintenanceWindow;  ///< empty: disruptive actions may run at any time
  bool operator==(const ServiceSettings&) const = default;
};

/// [clock]
struct ClockSettings {
  FixerSettings common{Mode::kOff, std::chrono::minutes(15), std::chrono::minutes(1)};
  std::vector<std::string> servers;  ///< empty: the service's server
  int port = 123;
  int samples = 4;
  Duration queryTimeout{std::chrono::seconds(2)};
  Duration threshold{std::chrono::seconds(30)};
  Duration maxCorrection{std::chrono::hours(24)};
  bool operator==(const ClockSettings&) const = default;
};

/// [stale_logs]
struct StaleLogsSettings {
  FixerSettings common{Mode::kOff, std::chrono::hours(1), std::chrono::minutes(2)};
  std::string folder = "%ProgramData%\\Microsoft\\Windows Server\\Logs";
  Duration retention{0};          ///< 0: no age-based clearing
  std::string archive = "zip";    ///< zip or none
  std::string archiveDir;         ///< empty: <stateDir>/archive
  int archiveKeep = 5;
  Duration archiveMaxAge{std::chrono::hours(24 * 90)};
  bool removeRoot = false;
  /// false: `folder` must lie in the Connector's tree, %ProgramData%\Microsoft\Windows Server.
  bool folderAnywhere = false;
  bool operator==(const StaleLogsSettings&) const = default;
};

/// [connector]
struct ConnectorSettings {
  FixerSettings common{Mode::kOff, std::chrono::minutes(15), std::chrono::hours(1)};
  std::vector<std::string> productNames{"Windows Server Essentials Connector", "Windows Server 2012 Connector",
                                        "Windows Small Business Server 2011 Essentials Connector"};
  std::string productCode;        ///< optional MSI product or upgrade code
  std::string uninstallCommand;   ///< empty: the product's own uninstall command
  std::string installerUrl;       ///< empty: http://<server>/Connect
  std::string installerArgs;
  std::string installerSha256;    ///< empty: not checked
  Duration installTimeout{std::chrono::minutes(30)};
  bool watchStagedUpgrade = true;
  Duration upgradeWait{std::chrono::hours(24 * 7)};
  Duration minReinstallGap{std::chrono::hours(1)};
  int maxAttempts = 5;
  /// Hosts a download of the installer may be redirected to besides the URL's own; empty: none.
  std::vector<std::string> allowedRedirectHosts;
  bool operator==(const ConnectorSettings&) const = default;
};

/// [autologon]
struct AutologonSettings {
  FixerSettings common{Mode::kOff, std::chrono::minutes(15), std::chrono::minutes(1)};
  bool enabled = true;
  std::string user;
  std::string domain;
  bool migratePlaintext = true;
  bool operator==(const AutologonSettings&) const = default;
};

/// The whole effective policy: every key set, defaults filled in.
struct Policy {
  ServiceSettings service;
  ClockSettings clock;
  StaleLogsSettings staleLogs;
  ConnectorSettings connector;
  AutologonSettings autologon;
  bool operator==(const Policy&) const = default;

  /// The common settings of the fixer with policy section `section` ("clock", "stale_logs", ...), or nullopt.
  std::optional<FixerSettings> fixer(const std::string& section) const;
};

}  // namespace remediator::policies
