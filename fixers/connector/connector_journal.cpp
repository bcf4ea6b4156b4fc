#include "platform/time_format.h"
#include "fixers/connector/connector_journal.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "fixers/connector/name_table.h"

namespace remediator::fixers::connector {

using platform::ErrorCode;
using platform::fail;

namespace {

constexpr int kJournalVersion = 1;

constexpr NameTable<GuardState, 7> kStateNames{{
    {GuardState::kSteady, "steady"},
    {GuardState::kPrepareRequested, "prepare_requested"},
    {GuardState::kUninstalling, "uninstalling"},
    {GuardState::kAwaitingUpgrade, "awaiting_upgrade"},
    {GuardState::kReinstallRequested, "reinstall_requested"},
    {GuardState::kDownloading, "downloading"},
    {GuardState::kInstalling, "installing"},
}};

std::string stateNameList() {
  std::string out;
  for (const auto& [state, name] : kStateNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

Poco::JSON::Object::Ptr parseObject(const std::string& text, const std::string& origin) {
  Poco::JSON::Parser parser;
  auto value = parser.parse(text);
  auto object = value.extract<Poco::JSON::Object::Ptr>();
  if (!object) throw Poco::DataFormatException(origin + ": expected a JSON object");
  return object;
}

/// Reads typed keys of one JSON object and remembers the first problem, named by key.
class Reader {
 public:
  Reader(Poco::JSON::Object::Ptr object, std::string origin, std::string prefix = {})
      : object_(std::move(object)), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  std::string text(const std::string& key, bool required) {
    if (!object_->has(key)) {
      if (required) problem(key, "missing");
      return {};
    }
    auto v = object_->get(key);
    if (!v.isString()) {
      problem(key, "expected a string");
      return {};
    }
    return v.extract<std::string>();
  }

  int integer(const std::string& key, bool required) {
    if (!object_->has(key)) {
      if (required) problem(key, "missing");
      return 0;
    }
    auto v = object_->get(key);
    if (!v.isInteger()) {
      problem(key, "expected an integer");
      return 0;
    }
    return v.convert<int>();
  }

  std::optional<SysTime> time(const std::string& key, bool required) {
    const auto value = text(key, required);
    if (value.empty()) return std::nullopt;
    auto t = platform::parseUtc(value);
    if (!t) problem(key, "expected a UTC time like 2026-11-25T16:15:30.123Z; got '" + value + "'");
    return t;
  }

  GuardState state(const std::string& key, bool required, GuardState fallback) {
    const auto value = text(key, required);
    if (value.empty()) return fallback;
    auto s = parseGuardState(value);
    if (!s) {
      problem(key, "expected one of " + stateNameList() + "; got '" + value + "'");
      return fallback;
    }
    return *s;
  }

  Poco::JSON::Object::Ptr object(const std::string& key) {
    auto child = object_->has(key) ? object_->getObject(key) : nullptr;
    if (!child) problem(key, "expected an object");
    return child;
  }

  void problem(const std::string& key, const std::string& what) {
    if (problem_.empty()) problem_ = origin_ + ": key '" + prefix_ + key + "': " + what;
  }
  const std::string& firstProblem() const { return problem_; }

 private:
  Poco::JSON::Object::Ptr object_;
  std::string origin_;
  std::string prefix_;
  std::string problem_;
};

/// Runs `parse`, turning what Poco's parser throws into kInvalidData naming `origin`.
template <typename T, typename F>
Result<T> parseJson(const std::string& origin, const char* what, F&& parse) {
  try {
    return parse();
  } catch (const Poco::Exception& e) {
    return fail(ErrorCode::kInvalidData, origin + ": not valid " + what + " JSON: " + e.displayText());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidData, origin + ": not valid " + what + " JSON: " + e.what());
  }
}

std::string randomHex() {
  std::random_device device;
  std::uniform_int_distribution<unsigned long long> dist;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", dist(device));
  return buf;
}

Result<UpgradeRequest> writeRequest(platform::FileSystem& files, const std::filesystem::path& stateDir,
                                    RequestKind kind, SysTime now, const std::string& reason) {
  UpgradeRequest request;
  request.kind = kind;
  request.requested = now;
  request.reason = reason;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  request.id = std::to_string(ms) + "-" + randomHex();

  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  object.set("id", request.id);
  object.set("kind", std::string(requestKindName(kind)));
  object.set("requested", platform::formatUtc(now));
  object.set("reason", reason);
  std::ostringstream out;
  object.stringify(out, 2);

  if (auto written = writeFileInFolder(files, requestPath(stateDir), out.str() + "\n"); !written) {
    return written.error();
  }
  return request;
}

const char* const kCrLf = "\r\n";

}  // namespace

const char* guardStateName(GuardState state) { return nameIn(kStateNames, state, "steady"); }

std::optional<GuardState> parseGuardState(const std::string& name) { return valueIn(kStateNames, name); }

const char* requestKindName(RequestKind kind) { return kind == RequestKind::kPrepare ? "prepare" : "cancel"; }

Result<std::optional<std::string>> readFileIfPresent(const platform::FileSystem& files,
                                                     const std::filesystem::path& path) {
  auto text = files.readFile(path);
  if (text) return std::optional<std::string>(std::move(*text));
  if (text.error().code == ErrorCode::kNotFound) return std::optional<std::string>{};
  return fail(text.error().code, "cannot read " + path.string() + ": " + text.error().message);
}

Result<void> writeFileInFolder(platform::FileSystem& files, const std::filesystem::path& path,
                               const std::string& data) {
  if (auto made = files.createDirectories(path.parent_path()); !made) {
    return fail(made.error().code,
                "cannot create " + path.parent_path().string() + ": " + made.error().message);
  }
  if (auto written = files.writeFileAtomic(path, data); !written) {
    return fail(written.error().code, "cannot write " + path.string() + ": " + written.error().message);
  }
  return {};
}

std::filesystem::path guardDir(const std::filesystem::path& stateDir) { return stateDir / "connector"; }
std::filesystem::path journalPath(const std::filesystem::path& stateDir) {
  return guardDir(stateDir) / "journal.json";
}
std::filesystem::path requestPath(const std::filesystem::path& stateDir) {
  return guardDir(stateDir) / "request.json";
}


std::string journalToJson(const ConnectorJournal& journal) {
  Poco::JSON::Object os(Poco::JSON_PRESERVE_KEY_ORDER);
  os.set("product", journal.os.product);
  os.set("version", journal.os.version);
  os.set("build", journal.os.build);
  os.set("revision", journal.os.revision);

  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("version", kJournalVersion);
  root.set("state", std::string(guardStateName(journal.state)));
  root.set("since", platform::formatUtc(journal.since));
  root.set("reason", journal.reason);
  root.set("os", os);
  root.set("after_uninstall", std::string(guardStateName(journal.afterUninstall)));
  root.set("attempts", journal.attempts);
  root.set("attempts_policy", journal.attemptsPolicy);
  root.set("last_attempt", journal.lastAttempt ? platform::formatUtc(*journal.lastAttempt) : std::string());
  root.set("last_error", journal.lastError);
  root.set("last_request", journal.lastRequestId);
  root.set("staged_signal", journal.stagedSignal);
  std::ostringstream out;
  root.stringify(out, 2);
  return out.str() + "\n";
}

Result<ConnectorJournal> journalFromJson(const std::string& text, const std::string& origin) {
  return parseJson<ConnectorJournal>(origin, "journal", [&]() -> Result<ConnectorJournal> {
    Reader reader(parseObject(text, origin), origin);
    ConnectorJournal journal;
    if (const int version = reader.integer("version", true); version != kJournalVersion && version != 0) {
      reader.problem("version", "this build reads version " + std::to_string(kJournalVersion) + "; got " +
                                    std::to_string(version));
    }
    journal.state = reader.state("state", true, GuardState::kSteady);
    journal.since = reader.time("since", true).value_or(SysTime{});
    journal.reason = reader.text("reason", false);
    if (auto os = reader.object("os")) {
      Reader osReader(os, origin, "os.");
      journal.os.product = osReader.text("product", true);
      journal.os.version = osReader.text("version", true);
      journal.os.build = osReader.text("build", true);
      journal.os.revision = osReader.text("revision", false);
      if (!osReader.firstProblem().empty()) return fail(ErrorCode::kInvalidData, osReader.firstProblem());
    }
    journal.afterUninstall = reader.state("after_uninstall", false, GuardState::kAwaitingUpgrade);
    if (journal.afterUninstall != GuardState::kAwaitingUpgrade &&
        journal.afterUninstall != GuardState::kReinstallRequested) {
      reader.problem("after_uninstall", "expected awaiting_upgrade or reinstall_requested");
    }
    journal.attempts = reader.integer("attempts", true);
    if (journal.attempts < 0) reader.problem("attempts", "expected a count of zero or more");
    journal.attemptsPolicy = reader.text("attempts_policy", false);
    journal.lastAttempt = reader.time("last_attempt", false);
    journal.lastError = reader.text("last_error", false);
    journal.lastRequestId = reader.text("last_request", false);
    journal.stagedSignal = reader.text("staged_signal", false);
    if (!reader.firstProblem().empty()) return fail(ErrorCode::kInvalidData, reader.firstProblem());
    return journal;
  });
}

Result<std::optional<ConnectorJournal>> loadJournal(const platform::FileSystem& files,
                                                    const std::filesystem::path& stateDir) {
  const auto path = journalPath(stateDir);
  auto text = readFileIfPresent(files, path);
  if (!text) return text.error();
  if (!*text) return std::optional<ConnectorJournal>{};
  auto journal = journalFromJson(**text, path.string());
  if (!journal) return journal.error();
  return std::optional<ConnectorJournal>(std::move(*journal));
}

Result<void> saveJournal(platform::FileSystem& files, const std::filesystem::path& stateDir,
                         const ConnectorJournal& journal) {
  return writeFileInFolder(files, journalPath(stateDir), journalToJson(journal));
}

Result<std::optional<UpgradeRequest>> loadRequest(const platform::FileSystem& files,
                                                  const std::filesystem::path& stateDir) {
  const auto path = requestPath(stateDir);
  auto text = readFileIfPresent(files, path);
  if (!text) return text.error();
  if (!*text) return std::optional<UpgradeRequest>{};
  return parseJson<std::optional<UpgradeRequest>>(
      path.string(), "request", [&]() -> Result<std::optional<UpgradeRequest>> {
        Reader reader(parseObject(**text, path.string()), path.string());
        UpgradeRequest request;
        request.id = reader.text("id", true);
        const auto kind = reader.text("kind", true);
        if (kind == "prepare") {
          request.kind = RequestKind::kPrepare;
        } else if (kind == "cancel") {
          request.kind = RequestKind::kCancel;
        } else if (!kind.empty()) {
          reader.problem("kind", "expected prepare or cancel; got '" + kind + "'");
        }
        request.requested = reader.time("requested", true).value_or(SysTime{});
        request.reason = reader.text("reason", false);
        if (request.id.empty()) reader.problem("id", "must not be empty");
        if (!reader.firstProblem().empty()) return fail(ErrorCode::kInvalidData, reader.firstProblem());
        return std::optional<UpgradeRequest>(std::move(request));
      });
}

Result<UpgradeRequest> requestPrepare(platform::FileSystem& files, const std::filesystem::path& stateDir,
                                      SysTime now, const std::string& reason) {
  return writeRequest(files, stateDir, RequestKind::kPrepare, now, reason);
}

Result<UpgradeRequest> requestCancel(platform::FileSystem& files, const std::filesystem::path& stateDir,
                                     SysTime now, const std::string& reason) {
  return writeRequest(files, stateDir, RequestKind::kCancel, now, reason);
}

std::filesystem::path hookDir(const std::filesystem::path& windowsDir) {
  return windowsDir / "System32" / "update" / "run" / kHookGuid;
}

std::string hookScript(const std::filesystem::path& exePath, const std::string& verb,
                       const std::string& hookName) {
  std::string s;
  s += std::string("@echo off") + kCrLf;
  s += "rem " + hookName + ": written by `remediator upgrade install-hooks`." + kCrLf;
  s += "rem Tells the Remediator service that Windows Setup is at this point (upgrade " + verb + ")." + kCrLf;
  s += std::string("rem It always exits 0: a failing hook script would fail the Windows update.") + kCrLf;
  // precommit.cmd is the last moment before the offline phase and its reboot: it waits (bounded) until the
  // Connector is really gone, so the upgrade never starts with it half removed.
  const std::string wait = hookName == "precommit.cmd" ? " --wait " + std::string(kPrecommitWait) : "";
  s += "\"" + exePath.string() + "\" upgrade " + verb + wait + " --reason \"Windows Setup " + hookName +
       "\" >nul 2>&1" + kCrLf;
  s += std::string("exit /b 0") + kCrLf;
  return s;
}

Result<std::vector<std::filesystem::path>> installHooks(platform::FileSystem& files,
                                                        const std::filesystem::path& windowsDir,
                                                        const std::filesystem::path& exePath) {
  if (exePath.empty() || exePath.string().find('"') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "the hook scripts need the full path of remediator.exe without quotes; got '" +
                    exePath.string() + "'");
  }
  const auto dir = hookDir(windowsDir);
  const std::array<std::pair<const char*, const char*>, 3> hooks{{
      {"preinstall.cmd", "prepare"},
      {"precommit.cmd", "prepare"},
      {"failure.cmd", "cancel"},
  }};
  std::vector<std::filesystem::path> written;
  for (const auto& [name, verb] : hooks) {
    const auto path = dir / name;
    if (auto ok = writeFileInFolder(files, path, hookScript(exePath, verb, name)); !ok) return ok.error();
    written.push_back(path);
  }
  return written;
}

Result<void> removeHooks(platform::FileSystem& files, const std::filesystem::path& windowsDir) {
  const auto dir = hookDir(windowsDir);
  for (const char* name : {"preinstall.cmd", "precommit.cmd", "failure.cmd"}) {
    auto removed = files.removeFile(dir / name);
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      return fail(removed.error().code,
                  "cannot remove " + (dir / name).string() + ": " + removed.error().message);
    }
  }
  auto removed = files.removeDirectory(dir);
  if (!removed && removed.error().code != ErrorCode::kNotFound) {
    return fail(removed.error().code, "cannot remove " + dir.string() + ": " + removed.error().message);
  }
  return {};
}

}  // namespace remediator::fixers::connector
