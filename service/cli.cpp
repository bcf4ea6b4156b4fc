#include "service/cli.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>
#include <Poco/Util/OptionSet.h>

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "fixers/autologon/autologon_fixer.h"
#include "fixers/connector/connector_journal.h"
#include "policies/policy_loader.h"
#include "policies/value_syntax.h"
#include "remediator_version.h"
#include "service/audit_log.h"
#include "service/fleet_report.h"
#include "service/policy_commands.h"
#include "service/runtime.h"
#include "platform/time_format.h"
#include "platform/utf8_path.h"

namespace remediator::service {

using platform::formatUtc;
using platform::parseUtc;

using Poco::Util::Option;
using Poco::Util::OptionSet;

namespace {

/// One parsed command line: options by name, then the positional arguments.
struct Parsed {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name) const {
    auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
  }
};

struct Command {
  std::string name;          ///< "run", "policy validate"
  std::string synopsis;      ///< "run --once [--dry-run] ..."
  std::string description;
  std::function<void(OptionSet&)> options;
  std::function<int(const Parsed&, CliIo&, platform::Platform&)> handler;
};

Option flag(const std::string& name, const std::string& help) {
  return Option(name, "", help).required(false).repeatable(false);
}
Option valued(const std::string& name, const std::string& help, const std::string& arg) {
  return Option(name, "", help).required(false).repeatable(false).argument(arg);
}
void stateDirOption(OptionSet& set) {
  set.addOption(valued("state-dir", "state folder (default: %ProgramData%\\Remediator, /var/lib/remediator)", "DIR"));
}
void policyOption(OptionSet& set) {
  set.addOption(valued("policy", "policy file or http:// URL (default: policy.ini or policy.xml in the state folder)",
                       "P"));
}

std::filesystem::path stateDirOf(const Parsed& p) {
  return p.has("state-dir") ? platform::pathFromUtf8(p.get("state-dir")) : defaultDataDir();
}

std::string truncate(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

int cmdVersion(const Parsed&, CliIo& io, platform::Platform&) {
  io.out << "remediator " << REMEDIATOR_VERSION << "\n";
  return kExitOk;
}

int cmdPolicyValidate(const Parsed& p, CliIo& io, platform::Platform&) {
  if (p.positional.size() != 1) {
    io.err << "policy validate takes one FILE\n";
    return kExitUsage;
  }
  auto loaded = policies::loadPolicyFile(platform::pathFromUtf8(p.positional[0]));
  if (!loaded) {
    io.err << loaded.error().message << "\n";
    return kExitUsage;
  }
  io.out << p.positional[0] << ": valid (sha256 " << loaded->sha256 << ")\n";
  return kExitOk;
}

int cmdPolicyShow(const Parsed& p, CliIo& io, platform::Platform&) {
  if (p.positional.size() != 1) {
    io.err << "policy show takes one FILE\n";
    return kExitUsage;
  }
  auto loaded = policies::loadPolicyFile(platform::pathFromUtf8(p.positional[0]));
  if (!loaded) {
    io.err << loaded.error().message << "\n";
    return kExitUsage;
  }
  io.out << (p.has("json") ? policies::effectivePolicyJson(loaded->policy) : policies::effectivePolicyIni(loaded->policy));
  return kExitOk;
}

int cmdPolicyKeygen(const Parsed& p, CliIo& io, platform::Platform&) {
  if (!p.has("out") || !p.positional.empty()) {
    io.err << "policy keygen takes --out DIR\n";
    return kExitUsage;
  }
  return policyKeygen(platform::pathFromUtf8(p.get("out")), io.out, io.err);
}

int cmdPolicySign(const Parsed& p, CliIo& io, platform::Platform&) {
  if (p.positional.size() != 1 || !p.has("key")) {
    io.err << "policy sign takes one FILE and --key PRIVATE\n";
    return kExitUsage;
  }
  return policySign(platform::pathFromUtf8(p.positional[0]), platform::pathFromUtf8(p.get("key")), io.out,
                    io.err);
}

int cmdPolicyVerify(const Parsed& p, CliIo& io, platform::Platform& platform) {
  if (p.positional.size() != 1) {
    io.err << "policy verify takes one FILE\n";
    return kExitUsage;
  }
  if (p.has("key")) {
    auto keys = keysFromArgument(p.get("key"));
    if (!keys) {
      io.err << "policy verify: " << keys.error().message << "\n";
      return kExitUsage;
    }
    return policyVerify(platform::pathFromUtf8(p.positional[0]), *keys, "--key", io.out, io.err);
  }
  auto trust = readPolicyTrust(platform.registry, stateDirOf(p));
  if (!trust) {
    io.err << "policy verify: " << trust.error().message << "\n";
    return kExitUsage;
  }
  return policyVerify(platform::pathFromUtf8(p.positional[0]), trust->keys, trust->keysOrigin, io.out, io.err);
}

std::filesystem::path auditPathOf(const Parsed& p) {
  return p.positional.empty() ? stateDirOf(p) / "audit.jsonl" : platform::pathFromUtf8(p.positional[0]);
}

int cmdAuditVerify(const Parsed& p, CliIo& io, platform::Platform&) {
  const auto path = auditPathOf(p);
  std::optional<std::filesystem::path> stateFile;
  const auto candidate = p.has("state-dir") ? stateDirOf(p) / "audit.state" : path.parent_path() / "audit.state";
  std::error_code ec;
  if (std::filesystem::exists(candidate, ec)) stateFile = candidate;
  const auto result = verifyAuditLog(path, stateFile);
  for (const auto& note : result.notes) io.out << "note: " << note << "\n";
  if (!result.intact) {
    io.out << platform::pathToUtf8(path) << ": " << result.records << " records read; BROKEN: " << result.problem << "\n";
    return kExitProblem;
  }
  if (!result.tailVouched) {
    // A whole chain is not enough: truncating the log and deleting audit.state leaves one behind.
    io.out << platform::pathToUtf8(path) << ": " << result.records << " records (seq " << result.firstSeq << ".."
           << result.lastSeq << ") chain whole, but the TAIL CANNOT BE VOUCHED FOR: " << result.tailProblem
           << "; records after seq " << result.lastSeq << " may have been cut away\n";
    return kExitProblem;
  }
  io.out << platform::pathToUtf8(path) << ": " << result.records << " records (seq " << result.firstSeq << ".." << result.lastSeq
         << "): intact\n";
  return kExitOk;
}

int cmdAuditShow(const Parsed& p, CliIo& io, platform::Platform& platform) {
  const auto path = auditPathOf(p);
  std::optional<platform::SysTime> since;
  if (p.has("since")) {
    auto d = policies::parseDuration(p.get("since"));
    if (!d) {
      io.err << "--since: " << d.error().message << "\n";
      return kExitUsage;
    }
    since = platform.time->now() - *d;
  }
  auto read = readAuditLog(path);
  for (const auto& problem : read.problems) io.err << "warning: " << problem << "\n";
  std::vector<const AuditRecord*> shown;
  for (const auto& r : read.records) {
    if (p.has("fixer") && r.entry.fixer != p.get("fixer")) continue;
    if (since) {
      auto t = parseUtc(r.time);
      if (t && *t < *since) continue;
    }
    shown.push_back(&r);
  }
  if (p.has("json")) {
    for (const auto* r : shown) io.out << auditRecordJson(*r) << "\n";
    return kExitOk;
  }
  char line[1024];
  const char* fmt = "%6s  %-24s %-10s %-16s %-8s %-14s %s\n";
  std::snprintf(line, sizeof line, fmt, "SEQ", "TIME (UTC)", "FIXER", "EVENT", "MODE", "OUTCOME", "MESSAGE");
  io.out << line;
  for (const auto* r : shown) {
    std::snprintf(line, sizeof line, fmt, std::to_string(r->seq).c_str(), r->time.c_str(), r->entry.fixer.c_str(),
                  r->entry.event.c_str(), r->entry.mode.c_str(), r->entry.outcome.c_str(),
                  truncate(r->entry.message, 120).c_str());
    io.out << line;
  }
  io.out << shown.size() << " of " << read.records.size() << " records shown\n";
  return kExitOk;
}

int cmdFleetReport(const Parsed& p, CliIo& io, platform::Platform& platform) {
  if (p.positional.size() != 1) {
    io.err << "fleet report takes one FOLDER: the report share's folder, e.g. \\\\SERVER\\Remediator$\\reports\n";
    return kExitUsage;
  }
  FleetOptions options;
  options.now = platform.time->now();
  const std::string staleText = p.has("stale") ? p.get("stale") : std::string("3d");
  auto stale = policies::parseDuration(staleText);
  if (!stale || stale->count() <= 0) {
    io.err << "--stale: " << (stale ? std::string("must be more than 0") : stale.error().message) << "\n";
    return kExitUsage;
  }
  options.stale = *stale;
  auto report = readFleetReport(std::filesystem::path(p.positional[0]), options);
  if (!report) {
    io.err << "fleet report: " << report.error().message << "\n";
    return kExitUsage;
  }
  report->staleAfter = staleText;
  const auto writeFile = [&](const std::string& path, const auto& render) {
    std::ostringstream text;
    render(*report, text);
    if (auto w = platform::writeFileDurably(std::filesystem::path(path), text.str()); !w) {
      io.err << "fleet report: cannot write " << path << ": " << w.error().message << "\n";
      return false;
    }
    return true;
  };
  const std::string out = p.has("out") ? p.get("out") : std::string("report.html");
  if (!writeFile(out, renderFleetHtml)) return kExitUsage;
  if (p.has("csv") && !writeFile(p.get("csv"), renderFleetCsv)) return kExitUsage;
  int admin = 0;
  for (const auto& pc : report->pcs) admin += pc.needsAdmin;
  if (p.has("json")) {
    renderFleetJson(*report, io.out);
  } else {
    io.out << report->pcs.size() << " PCs, " << admin << " need an administrator; page written to " << out << "\n";
    for (const auto& pc : report->pcs) {
      if (pc.needsAdmin) io.out << "  " << pc.name << ": " << [&] {
          std::string why;
          for (const auto& r : pc.reasons) why += (why.empty() ? "" : ", ") + r;
          return why;
        }() << "\n";
    }
  }
  return report->needsAdmin() ? kExitProblem : kExitOk;
}

int cmdStatus(const Parsed& p, CliIo& io, platform::Platform&) {
  auto text = renderStatus(stateDirOf(p));
  if (!text) {
    io.err << text.error().message << "\n";
    return kExitProblem;
  }
  io.out << *text;
  return kExitOk;
}

int cmdReset(const Parsed& p, CliIo& io, platform::Platform&) {
  const std::string fixer = p.positional.empty() ? "" : p.positional[0];
  if (auto r = requestBreakerReset(stateDirOf(p), fixer); !r) {
    io.err << r.error().message << "\n";
    return kExitProblem;
  }
  io.out << "reset requested for " << (fixer.empty() ? "every fixer" : fixer)
         << "; the service takes it at its next run\n";
  return kExitOk;
}

int cmdRun(const Parsed& p, CliIo& io, platform::Platform& platform) {
  if (!p.has("once")) {
    io.err << "run needs --once (the service runs continuously: `remediator service`)\n";
    return kExitUsage;
  }
  RuntimeOptions options{p.get("policy"), p.get("state-dir"), p.has("dry-run"), false};
  auto rt = Runtime::start(options, platform);
  if (!rt) {
    io.err << rt.error().message << "\n";
    return rt.error().code == platform::ErrorCode::kInvalidData ? kExitUsage : kExitProblem;
  }
  std::optional<std::string> only;
  if (p.has("only")) {
    only = p.get("only");
    if (!(*rt)->engine().schedule(*only) && (*rt)->policy().policy.fixer(*only) == std::nullopt) {
      io.err << "--only: no fixer named '" << *only << "' (clock, stale_logs, connector, autologon)\n";
      return kExitUsage;
    }
  }
  const auto reports = (*rt)->engine().runAllOnce(only);
  char line[1024];
  const char* fmt = "%-11s %-8s %-15s %-20s %-15s %s\n";
  std::snprintf(line, sizeof line, fmt, "FIXER", "MODE", "FINDING", "ACTION", "OUTCOME", "DETAIL");
  io.out << line;
  bool problem = false;
  for (const auto& r : reports) {
    std::snprintf(line, sizeof line, fmt, r.fixer.c_str(), r.mode.c_str(), r.finding.c_str(), r.action.c_str(),
                  r.outcome.c_str(), truncate(r.message, 100).c_str());
    io.out << line;
    problem = problem || r.problem;
  }
  return problem ? kExitProblem : kExitOk;
}

int cmdAutologonSetPassword(const Parsed& p, CliIo& io, platform::Platform& platform) {
  if (!platform.secrets) {
    io.err << "autologon set-password: this platform has no secret store (LSA secrets are Windows only)\n";
    return kExitProblem;
  }
  auto password = fixers::autologon::readPassword(io.in);
  if (!password) {
    io.err << "autologon set-password: " << password.error().message << "\n";
    return kExitUsage;
  }
  if (auto r = fixers::autologon::setPassword(platform, *password); !r) {
    io.err << "autologon set-password: " << r.error().message << "\n";
    return kExitProblem;
  }
  io.out << "autologon password stored in the secret store\n";
  return kExitOk;
}

/// `upgrade prepare|cancel --wait D`: looks at the connector journal until the guard has taken request `id` in and
/// reached the state it leads to (prepare: the Connector removed; cancel: installed again), or D has passed.
int waitForGuard(CliIo& io, platform::Platform& platform, const std::filesystem::path& stateDir,
                 const std::string& id, bool prepare, platform::Millis wait) {
  using fixers::connector::GuardState;
  const auto goal = prepare ? GuardState::kAwaitingUpgrade : GuardState::kSteady;
  const auto deadline = platform.time->now() + wait;
  std::string last = "not taken in yet (is the service running?)";
  for (;;) {
    auto journal = fixers::connector::loadJournal(*platform.files, stateDir);
    if (!journal) {
      last = journal.error().message;
    } else if (*journal && (*journal)->lastRequestId == id) {
      const auto& j = **journal;
      if (j.state == goal) {
        io.out << (prepare ? "the Connector is removed; ready for the upgrade\n"
                           : "the Connector is installed again\n");
        return kExitOk;
      }
      last = std::string("taken in, now ") + fixers::connector::guardStateName(j.state) +
             (j.lastError.empty() ? "" : " (last error: " + j.lastError + ")");
    }
    if (platform.time->now() >= deadline) break;
    const auto step = std::min<platform::Millis>(
        std::chrono::seconds(1), std::chrono::duration_cast<platform::Millis>(deadline - platform.time->now()));
    if (io.pause) {
      io.pause(step);
    } else {
      std::this_thread::sleep_for(step);
    }
  }
  io.err << "upgrade " << (prepare ? "prepare" : "cancel") << ": request " << id << " is " << last << " after "
         << policies::formatDuration(wait) << "; the service goes on with it in the background\n";
  return kExitProblem;
}

int cmdUpgradeRequest(const Parsed& p, CliIo& io, platform::Platform& platform, bool prepare) {
  if (!platform.files) {
    io.err << "upgrade: this platform has no file system interface\n";
    return kExitProblem;
  }
  std::optional<platform::Millis> wait;
  if (p.has("wait")) {
    auto parsed = policies::parseDuration(p.get("wait"));
    if (!parsed) {
      io.err << "upgrade: --wait: " << parsed.error().message << "\n";
      return kExitUsage;
    }
    wait = std::chrono::duration_cast<platform::Millis>(*parsed);
  }
  const auto stateDir = stateDirOf(p);
  const std::string reason = p.has("reason") ? p.get("reason") : (prepare ? "upgrade prepare" : "upgrade cancel");
  auto request = prepare ? fixers::connector::requestPrepare(*platform.files, stateDir, platform.time->now(), reason)
                         : fixers::connector::requestCancel(*platform.files, stateDir, platform.time->now(), reason);
  if (!request) {
    io.err << "upgrade " << (prepare ? "prepare" : "cancel") << ": " << request.error().message << "\n";
    return kExitProblem;
  }
  (void)requestTrigger(stateDir, "connector");
  io.out << (prepare ? "prepare" : "cancel") << " requested (" << request->id
         << "); the service's connector guard acts on it at once\n";
  return wait ? waitForGuard(io, platform, stateDir, request->id, prepare, *wait) : kExitOk;
}

int cmdUpgradeInstallHooks(const Parsed& p, CliIo& io, platform::Platform& platform) {
  std::string windowsDir = p.has("windows-dir") ? p.get("windows-dir") : platform::expandEnvironment("%WINDIR%");
  if (windowsDir.empty() || windowsDir.find('%') != std::string::npos) {
    io.err << "upgrade install-hooks: %WINDIR% is not set here; pass --windows-dir\n";
    return kExitUsage;
  }
  auto written = fixers::connector::installHooks(*platform.files, windowsDir,
                                                 p.has("exe") ? p.get("exe") : io.programPath);
  if (!written) {
    io.err << "upgrade install-hooks: " << written.error().message << "\n";
    return kExitProblem;
  }
  for (const auto& f : *written) io.out << "wrote " << f.string() << "\n";
  return kExitOk;
}

int cmdRemoveData(const Parsed& p, CliIo& io, platform::Platform&) {
  const auto dir = stateDirOf(p);
  if (!p.has("yes")) {
    io.err << "remove-data deletes " << dir.string()
           << " with the audit log in it; give --yes to confirm (the MSI does so for REMOVE_DATA=1)\n";
    return kExitUsage;
  }
  if (auto r = removeDataDir(dir); !r) {
    io.err << "remove-data: " << r.error().message << "\n";
    return kExitProblem;
  }
  io.out << "deleted " << dir.string() << "\n";
  return kExitOk;
}

std::vector<Command> commands() {
  return {
      {"version", "version", "Prints the version.", nullptr, cmdVersion},
      {"run", "run --once [--dry-run] [--only FIXER] [--policy P] [--state-dir D]",
       "Runs every fixer once and prints fixer, finding, action and outcome. Exit 1 when drift remains or an "
       "action failed.",
       [](OptionSet& s) {
         s.addOption(flag("once", "run one pass and exit"));
         s.addOption(flag("dry-run", "every fixer runs as audit: detect and plan, change nothing"));
         s.addOption(valued("only", "run only this fixer", "FIXER"));
         policyOption(s);
         stateDirOption(s);
       },
       cmdRun},
      {"policy validate", "policy validate FILE", "Checks a policy file; exit 2 with the file, line and key at fault.",
       nullptr, cmdPolicyValidate},
      {"policy show", "policy show FILE [--json]", "Prints the effective policy, defaults filled in.",
       [](OptionSet& s) { s.addOption(flag("json", "print JSON")); }, cmdPolicyShow},
      {"policy keygen", "policy keygen --out DIR",
       "Makes a policy signing key pair in DIR: policy-<id>.key (private, owner-only; keep it on the "
       "administrator's machine) and policy-<id>.pub (the public key line for POLICY_KEYS, also printed).",
       [](OptionSet& s) { s.addOption(valued("out", "folder for the key files (created if absent)", "DIR")); },
       cmdPolicyKeygen},
      {"policy sign", "policy sign FILE --key PRIVATE",
       "Validates the policy FILE and writes FILE.sig, the detached signature of its exact bytes. Raise "
       "[service] serial before every publish.",
       [](OptionSet& s) { s.addOption(valued("key", "the private key file from policy keygen", "PRIVATE")); },
       cmdPolicySign},
      {"policy verify", "policy verify FILE [--key PUBLIC] [--state-dir D]",
       "Checks FILE.sig against FILE with PUBLIC (a key line or a .pub file), else the installed trusted keys. "
       "Exit 0 valid, 1 invalid or missing signature, 2 bad usage.",
       [](OptionSet& s) {
         s.addOption(valued("key", "a public key line or a file of them", "PUBLIC"));
         stateDirOption(s);
       },
       cmdPolicyVerify},
      {"audit verify", "audit verify [PATH] [--state-dir D]",
       "Verifies the audit log's hash chain and its tail against audit.state; prints the record count and 'intact' "
       "(exit 0), or the first bad record, or that the tail cannot be vouched for when audit.state is missing or "
       "unreadable (exit 1).",
       stateDirOption, cmdAuditVerify},
      {"audit show", "audit show [PATH] [--since 7d] [--fixer F] [--json] [--state-dir D]",
       "Shows audit records as a table.",
       [](OptionSet& s) {
         s.addOption(valued("since", "only records newer than this (e.g. 7d, 12h)", "DURATION"));
         s.addOption(valued("fixer", "only this fixer's records", "F"));
         s.addOption(flag("json", "print the records as JSON Lines"));
         stateDirOption(s);
       },
       cmdAuditShow},
      {"fleet report", "fleet report FOLDER [--out report.html] [--csv FILE] [--json] [--stale 3d]",
       "Reads every PC's published status and audit records in FOLDER (the [service] report share) and writes one "
       "self-contained HTML page. Exit 0 all healthy, 1 something needs an administrator (a PC stale, failed, "
       "drifting, its breaker open, its audit chain broken or diverged), 2 bad usage or an unreadable folder.",
       [](OptionSet& s) {
         s.addOption(valued("out", "the HTML page to write (default: report.html)", "FILE"));
         s.addOption(valued("csv", "also write one CSV row per PC and fixer", "FILE"));
         s.addOption(flag("json", "print the same data as JSON on standard output"));
         s.addOption(valued("stale", "a PC not seen for this long is stale (default: 3d)", "DURATION"));
       },
       cmdFleetReport},
      {"status", "status [--state-dir D]", "Shows the last run, finding and next due time of every fixer.",
       stateDirOption, cmdStatus},
      {"reset", "reset [FIXER] [--state-dir D]",
       "Closes a fixer's circuit breaker (every fixer's without FIXER) at the service's next run.", stateDirOption,
       cmdReset},
      {"autologon set-password", "autologon set-password",
       "Reads the autologon password from standard input (one line) and stores it in the secret store.", nullptr,
       cmdAutologonSetPassword},
      {"upgrade prepare", "upgrade prepare [--reason TEXT] [--wait DURATION] [--state-dir D]",
       "An OS upgrade is coming: the connector guard uninstalls the Connector now and reinstalls it after the "
       "upgrade. For Windows Setup's preinstall/precommit hooks and for administrators.",
       [](OptionSet& s) {
         s.addOption(valued("reason", "why, for the audit log", "TEXT"));
         s.addOption(valued("wait", "wait this long (e.g. 10m) for the service to finish; exit 1 if it has not",
                            "DURATION"));
         stateDirOption(s);
       },
       [](const Parsed& p, CliIo& io, platform::Platform& pf) { return cmdUpgradeRequest(p, io, pf, true); }},
      {"upgrade cancel", "upgrade cancel [--reason TEXT] [--wait DURATION] [--state-dir D]",
       "The upgrade will not come or was rolled back: reinstall the Connector now (also resets the attempt count).",
       [](OptionSet& s) {
         s.addOption(valued("reason", "why, for the audit log", "TEXT"));
         s.addOption(valued("wait", "wait this long (e.g. 10m) for the service to finish; exit 1 if it has not",
                            "DURATION"));
         stateDirOption(s);
       },
       [](const Parsed& p, CliIo& io, platform::Platform& pf) { return cmdUpgradeRequest(p, io, pf, false); }},
      {"upgrade install-hooks", "upgrade install-hooks [--windows-dir DIR] [--exe PATH]",
       "Installs Windows Setup hook scripts (preinstall, precommit, failure) that call upgrade prepare/cancel.",
       [](OptionSet& s) {
         s.addOption(valued("windows-dir", "the Windows folder (default %WINDIR%)", "DIR"));
         s.addOption(valued("exe", "the remediator.exe the hooks call (default: this program)", "PATH"));
       },
       cmdUpgradeInstallHooks},
      {"remove-data", "remove-data --yes [--state-dir D]",
       "Deletes the state folder: audit log, state, policy caches and archives (the MSI's uninstall with "
       "REMOVE_DATA=1). Refused while the service runs.",
       [](OptionSet& s) {
         s.addOption(flag("yes", "confirm: the audit log goes too"));
         stateDirOption(s);
       },
       cmdRemoveData},
  };
}

std::string commandHelp(const Command& c) {
  std::ostringstream out;
  out << "usage: remediator " << c.synopsis << "\n\n" << c.description << "\n";
  OptionSet set;
  if (c.options) c.options(set);
  if (set.begin() != set.end()) {
    out << "\noptions:\n";
    for (const auto& o : set) {
      out << "  --" << o.fullName() << (o.takesArgument() ? " " + o.argumentName() : "") << "\n      "
          << o.description() << "\n";
    }
  }
  return out.str();
}

}  // namespace

std::string cliUsage() {
  std::ostringstream out;
  out << "usage: remediator COMMAND [options]   (remediator COMMAND --help for details)\n\ncommands:\n";
  out << "  service [--policy P] [--state-dir D] [--daemon]\n      Runs the service (foreground on Linux unless "
         "--daemon).\n";
  for (const auto& c : commands()) out << "  " << c.synopsis << "\n      " << c.description << "\n";
  out << "\nexit codes: 0 ok, 1 drift remains / action failed / audit broken, 2 bad usage or invalid input\n";
  return out.str();
}

namespace {

bool isHelp(const std::string& arg) { return arg == "--help" || arg == "-h"; }

/// The command `args` names (one or two words) and how many words it took; null when there is none.
const Command* findCommand(const std::vector<Command>& all, const std::vector<std::string>& args,
                           std::size_t& consumed) {
  for (const auto& c : all) {
    const bool two = c.name.find(' ') != std::string::npos;
    if (two && args.size() >= 2 && c.name == args[0] + " " + args[1]) {
      consumed = 2;
      return &c;
    }
    if (!two && !args.empty() && c.name == args[0]) {
      consumed = 1;
      return &c;
    }
  }
  return nullptr;
}

/// The usage of the commands under `group` ("policy", "audit", ...); empty when no command starts with it.
std::string groupUsage(const std::vector<Command>& all, const std::string& group) {
  std::ostringstream out;
  for (const auto& c : all) {
    if (c.name.rfind(group + " ", 0) == 0) out << "  " << c.synopsis << "\n      " << c.description << "\n";
  }
  if (out.str().empty()) return {};
  return "usage: remediator " + group + " SUBCOMMAND [options]   (remediator " + group +
         " SUBCOMMAND --help for details)\n\nsubcommands:\n" + out.str();
}

}  // namespace

int runCli(const std::vector<std::string>& args, CliIo io, platform::Platform& platform) {
  // Help that was asked for goes to standard output and exits 0; a missing or unknown command is bad usage (2).
  if (args.empty() || isHelp(args[0]) || (args[0] == "help" && args.size() == 1)) {
    (args.empty() ? io.err : io.out) << cliUsage();
    return args.empty() ? kExitUsage : kExitOk;
  }
  const auto all = commands();
  if (args[0] == "help") {  // help COMMAND [SUBCOMMAND]
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    std::size_t consumed = 0;
    if (const Command* c = findCommand(all, rest, consumed); c && consumed == rest.size()) {
      io.out << commandHelp(*c);
      return kExitOk;
    }
    if (rest == std::vector<std::string>{"service"}) {  // the entry point hands `service` to the service wrapper
      io.out << "usage: remediator service [--policy P] [--state-dir D] [--daemon]\n\nRuns the service; "
                "remediator service --help lists its options.\n";
      return kExitOk;
    }
    if (const auto group = groupUsage(all, rest[0]); rest.size() == 1 && !group.empty()) {
      io.out << group;
      return kExitOk;
    }
    io.err << "help: no command '" << rest[0] << (rest.size() > 1 ? " " + rest[1] : "") << "'\n\n" << cliUsage();
    return kExitUsage;
  }
  std::size_t consumed = 0;
  const Command* command = findCommand(all, args, consumed);
  if (!command) {
    // A group word alone or with --help ("policy --help") shows its subcommands; with anything else it is an
    // unknown command.
    if (const auto group = groupUsage(all, args[0]); !group.empty()) {
      if (args.size() == 2 && isHelp(args[1])) {
        io.out << group;
        return kExitOk;
      }
      io.err << (args.size() == 1 ? "remediator " + args[0] + ": which subcommand?"
                                  : "unknown command '" + args[0] + " " + args[1] + "'")
             << "\n\n" << group;
      return kExitUsage;
    }
    io.err << "unknown command '" << args[0] << (args.size() > 1 ? " " + args[1] : "") << "'\n\n" << cliUsage();
    return kExitUsage;
  }
  // --help anywhere after the command wins over whatever else is on the line (an unknown option included).
  if (std::any_of(args.begin() + static_cast<std::ptrdiff_t>(consumed), args.end(), isHelp)) {
    io.out << commandHelp(*command);
    return kExitOk;
  }
  OptionSet set;
  if (command->options) command->options(set);
  set.addOption(flag("help", "show this help"));
  Parsed parsed;
  try {
    Poco::Util::OptionProcessor processor(set);
    processor.setUnixStyle(true);
    for (std::size_t i = consumed; i < args.size(); ++i) {
      std::string name, value;
      if (processor.process(args[i], name, value)) {
        if (!name.empty()) parsed.options[name] = value;
      } else {
        parsed.positional.push_back(args[i]);
      }
    }
    processor.checkRequired();
  } catch (const Poco::Util::OptionException& e) {
    io.err << "remediator " << command->name << ": " << e.displayText() << "\n\n" << commandHelp(*command);
    return kExitUsage;
  }
  if (parsed.has("help")) {
    io.out << commandHelp(*command);
    return kExitOk;
  }
  return command->handler(parsed, io, platform);
}

}  // namespace remediator::service
