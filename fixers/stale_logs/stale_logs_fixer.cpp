#include "fixers/stale_logs/stale_logs_fixer.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fixers/stale_logs/logs_state.h"
#include "fixers/stale_logs/tree_walk.h"
#include "platform/ascii.h"
#include "platform/time_format.h"
#include "platform/utf8_path.h"

namespace remediator::fixers {
namespace {

using platform::ErrorCode;
using platform::FileType;
using platform::Result;
using stale_logs::Fate;
using stale_logs::WalkEntry;

constexpr const char* kId = "stale_logs";
constexpr const char* kReasonAbsent = "connector_absent";
constexpr const char* kReasonVersion = "version_changed";
constexpr const char* kReasonRetention = "retention";
constexpr std::size_t kSkippedListed = 20;  // skipped paths named in the audit; the rest are counted
/// A file is archived from memory: one larger than this is kept and named, never read (stale_logs README).
constexpr std::uint64_t kMaxArchivedFileBytes = std::uint64_t{256} << 20;

/// The policy's paths, expanded and checked.
struct Settings {
  std::filesystem::path folder;
  std::filesystem::path archiveDir;
  bool zip = true;
};

/// The Connector as the installed programs list shows it.
struct ConnectorSeen {
  bool present = false;
  std::string version;
};

std::string text(std::uint64_t n) { return std::to_string(n); }

std::string param(const State& state, const std::string& key) {
  const auto it = state.find(key);
  return it == state.end() ? std::string() : it->second;
}

std::uint64_t number(const State& state, const std::string& key) {
  const std::string value = param(state, key);
  return value.empty() ? 0 : std::strtoull(value.c_str(), nullptr, 10);
}

using platform::formatUtc;
using platform::parseUtc;

// Lexical containment, ignoring ASCII case (Windows paths are case-insensitive; on POSIX this only errs towards
// refusing).
bool isWithin(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const auto a = inner.lexically_normal();
  const auto b = outer.lexically_normal();
  auto ia = a.begin();
  for (auto ib = b.begin(); ib != b.end(); ++ib, ++ia) {
    if (ib->empty()) continue;  // trailing separator
    if (ia == a.end() || !platform::equalsIgnoreCase(ia->string(), ib->string())) return false;
  }
  return true;
}

Result<std::filesystem::path> absoluteSetting(const std::string& raw, const std::string& key) {
  const std::string expanded = platform::expandEnvironment(raw);
  const std::filesystem::path path = platform::pathFromUtf8(expanded).lexically_normal();
  if (expanded.empty() || !path.is_absolute()) {
    return platform::fail(ErrorCode::kInvalidArgument, "[stale_logs] " + key + ": '" + expanded + "' (from '" +
                                                           raw + "') is not an absolute path");
  }
  if (path.relative_path().empty()) {
    return platform::fail(ErrorCode::kInvalidArgument,
                          "[stale_logs] " + key + ": refusing '" + expanded + "', the root of a drive");
  }
  return path;
}

/// The Connector's tree, where its Logs folder lives: the OS's ProgramData folder (its %ProgramData% where the OS
/// names none, as on the POSIX test platform) + Microsoft\Windows Server. nullopt when neither is known.
std::optional<std::filesystem::path> connectorTree() {
  auto programData = platform::programDataFolder();
  if (!programData) {
    auto variable = platform::processEnvironment("ProgramData");
    if (!variable || variable->empty()) return std::nullopt;
    programData = std::filesystem::path(*variable);
  }
  return (*programData / "Microsoft" / "Windows Server").lexically_normal();
}

/// The folder setting, checked: absolute, not a drive root, and in the Connector's tree unless folder_anywhere.
/// Clearing runs as SYSTEM, so a mistaken or hostile policy must not point it at C:\Windows or a user's files.
Result<void> confineLogsFolder(const std::filesystem::path& folder, const policies::StaleLogsSettings& s) {
  if (s.folderAnywhere) return {};
  const auto tree = connectorTree();
  if (tree && (!isWithin(folder, *tree) || folder.lexically_normal() == *tree)) {
    return platform::fail(ErrorCode::kInvalidArgument,
                          "[stale_logs] folder: refusing '" + folder.string() + "', outside the Connector's folder " +
                              tree->string() + " (set folder_anywhere = true to clear a folder elsewhere)");
  }
  return {};
}

Result<std::filesystem::path> logsFolderSetting(const policies::StaleLogsSettings& s) {
  auto folder = absoluteSetting(s.folder, "folder");
  if (!folder) return folder;
  if (auto ok = confineLogsFolder(*folder, s); !ok) return ok.error();
  return folder;
}

Result<Settings> resolveSettings(const FixerContext& ctx) {
  const auto& s = ctx.policy.staleLogs;
  Settings out;
  auto folder = absoluteSetting(s.folder, "folder");
  if (!folder) return folder.error();
  out.folder = *folder;
  if (platform::equalsIgnoreCase(s.archive, "zip")) {
    out.zip = true;
  } else if (platform::equalsIgnoreCase(s.archive, "none")) {
    out.zip = false;
  } else {
    return platform::fail(ErrorCode::kInvalidArgument,
                          "[stale_logs] archive: expected zip or none, got '" + s.archive + "'");
  }
  if (s.archiveDir.empty()) {
    out.archiveDir = (ctx.stateDir / "archive").lexically_normal();
  } else {
    auto dir = absoluteSetting(s.archiveDir, "archive_dir");
    if (!dir) return dir.error();
    out.archiveDir = *dir;
  }
  // Clearing the folder must never reach the service's own state, audit log or archives.
  if (!ctx.stateDir.empty() && isWithin(ctx.stateDir, out.folder)) {
    return platform::fail(ErrorCode::kInvalidArgument, "[stale_logs] folder: '" + out.folder.string() +
                                                           "' contains the service's state folder '" +
                                                           ctx.stateDir.string() + "'");
  }
  if (out.zip && isWithin(out.archiveDir, out.folder)) {
    return platform::fail(ErrorCode::kInvalidArgument, "[stale_logs] archive_dir: '" + out.archiveDir.string() +
                                                           "' lies inside the logs folder '" +
                                                           out.folder.string() + "'");
  }
  if (auto ok = confineLogsFolder(out.folder, s); !ok) return ok.error();
  return out;
}

Result<ConnectorSeen> findConnector(const FixerContext& ctx) {
  // Without an installed-programs list (POSIX) the Connector cannot be installed, so it is absent.
  if (ctx.platform.products == nullptr) return ConnectorSeen{};
  auto products = ctx.platform.products->list();
  if (!products) {
    return platform::fail(products.error().code, "cannot list installed programs: " + products.error().message);
  }
  const auto& c = ctx.policy.connector;
  auto found = platform::findProduct(*products, c.productNames, c.productCode);
  if (!found) return ConnectorSeen{};
  return ConnectorSeen{true, found->version};
}

/// What the walk counts: the entries that would go.
struct Tally {
  std::uint64_t files = 0;       // every non-directory entry: files, links, others
  std::uint64_t bytes = 0;       // of regular files
  std::uint64_t archivable = 0;  // regular files
  std::uint64_t links = 0;
  std::uint64_t directories = 0;
};

/// Which entries a clearing takes.
struct Selection {
  bool clear = true;    // everything; otherwise only entries older than cutoff
  SysTime cutoff{};

  bool takes(const WalkEntry& e) const { return clear || e.info.modified < cutoff; }
};

/// Deletes (and archives) what a delete_logs action asks for, bounded by the deadline.
class Clearing {
 public:
  Clearing(FixerContext& ctx, stale_logs::Archiver& archiver, std::filesystem::path folder, Selection selection)
      : ctx_(ctx), files_(*ctx.platform.files), archiver_(archiver), folder_(std::move(folder)),
        selection_(selection) {}

  /// Deletes selected entries as the walk meets them.
  Result<stale_logs::WalkResult> deleteDirectly() {
    return deleteWalk([this](const WalkEntry& e) { return selection_.takes(e); });
  }

  /// Archives the selected files into `archivePath`, then deletes what the archive holds. Archiving stops at
  /// `archiveStop` so some time is left to delete what was archived; nothing is deleted if the archive fails.
  Result<stale_logs::WalkResult> archiveThenDelete(const std::filesystem::path& archivePath, SysTime archiveStop) {
    std::unique_ptr<stale_logs::ArchiveWriter> writer;
    std::optional<platform::Error> fatal;
    std::unordered_map<std::string, platform::FileInfo> safe;  // archived files, and links and others
    stale_logs::WalkVisitor visitor{
        [&] { return fatal.has_value() || ctx_.platform.time->now() >= archiveStop; },
        [&](const WalkEntry& e) {
          if (!selection_.takes(e)) return Fate::kKept;
          // Links and devices are deleted as themselves, never archived through.
          if (e.info.type == FileType::kFile) {
            if (!writer) {
              auto opened = archiver_.open(archivePath);
              if (!opened) {
                fatal = opened.error();
                return Fate::kKept;
              }
              writer = std::move(opened).value();
            }
            // A file is read whole to be archived: one past the bound (a planted sparse file of many GB) is
            // kept and named instead of ending the run in bad_alloc.
            if (e.info.size > kMaxArchivedFileBytes) {
              skipTooLarge(e.relative, e.info.size);
              return Fate::kKept;
            }
            auto content = e.dir->readFile(e.name, kMaxArchivedFileBytes);
            if (!content) {
              skip(e.relative, content.error());
              return Fate::kKept;
            }
            if (auto added = writer->add(e.relative, *content, e.info.modified); !added) {
              fatal = added.error();
              return Fate::kKept;
            }
            ++archivedFiles_;
            archivedBytes_ += e.info.size;
          }
          safe.emplace(e.relative, e.info);
          return Fate::kGone;
        },
        [](const WalkEntry&) { return Fate::kGone; },
        [&](const WalkEntry& e, const platform::Error& error) { skip(e.relative, error); }};
    auto archived = stale_logs::walkTree(files_, folder_, visitor);
    if (!archived) return archived;
    if (fatal) return *fatal;
    if (writer) {
      if (auto done = writer->finish(); !done) return done.error();
      archive_ = archivePath;
      note("archived", "Archived " + text(archivedFiles_) + " files (" + text(archivedBytes_) + " bytes) into " +
                           archivePath.string(),
           {{"archive", archivePath.string()}, {"files", text(archivedFiles_)}, {"bytes", text(archivedBytes_)}});
    }
    // A second walk deletes what is safe to go: an entry changed since it was archived (or never reached) stays.
    auto deleted = deleteWalk([&safe](const WalkEntry& e) {
      const auto it = safe.find(e.relative);
      return it != safe.end() && it->second.type == e.info.type && it->second.size == e.info.size &&
             it->second.modified == e.info.modified;
    });
    if (deleted && !archived->complete) deleted->complete = false;
    return deleted;
  }

  void note(const std::string& event, const std::string& message, const State& details) {
    if (ctx_.note) ctx_.note(event, message, details);
  }

  /// Counts and problems, for the outcome's details.
  State details() const {
    State d{{"files_removed", text(removedFiles_)},
            {"bytes_removed", text(removedBytes_)},
            {"links_removed", text(removedLinks_)},
            {"directories_removed", text(removedDirectories_)},
            {"skipped", text(skipped_)}};
    if (!skippedPaths_.empty()) {
      std::string joined;
      for (const auto& p : skippedPaths_) joined += (joined.empty() ? "" : "; ") + p;
      if (skipped_ > skippedPaths_.size()) joined += "; and " + text(skipped_ - skippedPaths_.size()) + " more";
      d["skipped_paths"] = joined;
    }
    if (!archive_.empty()) {
      d["archive"] = archive_.string();
      d["archived_files"] = text(archivedFiles_);
      d["archived_bytes"] = text(archivedBytes_);
    }
    return d;
  }

  std::uint64_t removedFiles() const { return removedFiles_; }
  std::uint64_t removedBytes() const { return removedBytes_; }
  std::uint64_t skipped() const { return skipped_; }
  bool archived() const { return !archive_.empty(); }

 private:
  /// One walk bounded by the deadline that removes the entries `doomed` picks, and when clearing the folders
  /// emptied on the way.
  Result<stale_logs::WalkResult> deleteWalk(const std::function<bool(const WalkEntry&)>& doomed) {
    stale_logs::WalkVisitor visitor{
        [this] { return ctx_.pastDeadline(); },
        [&](const WalkEntry& e) { return doomed(e) ? remove(e) : Fate::kKept; },
        [this](const WalkEntry& e) { return selection_.clear ? removeDirectory(e) : Fate::kKept; },
        [this](const WalkEntry& e, const platform::Error& error) { skip(e.relative, error); }};
    return stale_logs::walkTree(files_, folder_, visitor);
  }

  Fate remove(const WalkEntry& e) {
    auto removed = e.dir->removeFile(e.name);
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      skip(e.relative, removed.error());
      return Fate::kKept;
    }
    ++removedFiles_;
    if (e.info.type == FileType::kFile) removedBytes_ += e.info.size;
    if (e.info.type == FileType::kLink) ++removedLinks_;
    return Fate::kGone;
  }

  Fate removeDirectory(const WalkEntry& e) {
    auto removed = e.dir->removeDirectory(e.name);
    if (removed || removed.error().code == ErrorCode::kNotFound) {
      ++removedDirectories_;
      return Fate::kGone;
    }
    skip(e.relative + "/", removed.error());  // emptied, yet it stays: something new appeared, or it is held
    return Fate::kKept;
  }

  void skip(const std::string& relative, const platform::Error& error) {
    skip(relative, std::string(platform::errorCodeName(error.code)));
  }
  void skipTooLarge(const std::string& relative, std::uint64_t size) {
    skip(relative, "too large to archive: " + text(size) + " bytes, over " + text(kMaxArchivedFileBytes));
  }
  void skip(const std::string& relative, const std::string& why) {
    ++skipped_;
    if (skippedPaths_.size() < kSkippedListed) skippedPaths_.push_back(relative + " (" + why + ")");
  }

  FixerContext& ctx_;
  platform::FileSystem& files_;
  stale_logs::Archiver& archiver_;
  std::filesystem::path folder_;
  Selection selection_;
  std::uint64_t removedFiles_ = 0;
  std::uint64_t removedBytes_ = 0;
  std::uint64_t removedLinks_ = 0;
  std::uint64_t removedDirectories_ = 0;
  std::uint64_t skipped_ = 0;
  std::vector<std::string> skippedPaths_;
  std::uint64_t archivedFiles_ = 0;
  std::uint64_t archivedBytes_ = 0;
  std::filesystem::path archive_;
};

class StaleLogsFixer final : public Fixer {
 public:
  explicit StaleLogsFixer(std::unique_ptr<stale_logs::Archiver> archiver) : archiver_(std::move(archiver)) {}

  std::string id() const override { return kId; }

  std::vector<std::string> triggers() const override {
    // Clearing right after an uninstall catches the window before the Connector is installed again.
    return {"connector.uninstalled", "connector.installed"};
  }

  // Logs appearing while the Connector is absent are cleared at once; a folder that is not a valid setting is
  // not watched (detect reports it).
  std::vector<platform::WatchTarget> watches(const policies::Policy& policy) const override {
    auto folder = logsFolderSetting(policy.staleLogs);
    if (!folder) return {};
    return {platform::WatchTarget::folder(folder->string(), true)};
  }

  Finding detect(FixerContext& ctx) override {
    if (ctx.platform.files == nullptr) return Finding::notApplicable("no file system access on this platform");
    auto settings = resolveSettings(ctx);
    if (!settings) return Finding::error(settings.error().message);
    auto connector = findConnector(ctx);
    if (!connector) return Finding::error(connector.error().message);
    const auto statePath = stale_logs::logsStatePath(ctx.stateDir);
    auto recorded = stale_logs::readLogsState(*ctx.platform.files, statePath);
    if (!recorded) return Finding::error(recorded.error().message);

    const std::string folder = settings->folder.string();
    std::optional<stale_logs::LogsState> baseline;
    if (*recorded && (*recorded)->folder == folder && !(*recorded)->connectorVersion.empty()) baseline = **recorded;

    const auto& s = ctx.policy.staleLogs;
    State observed{{"folder", folder}, {"connector_version", connector->version}};
    if (baseline) observed["logs_connector_version"] = baseline->connectorVersion;

    std::string reason;
    if (!connector->present) {
      reason = kReasonAbsent;
    } else if (baseline && baseline->connectorVersion != connector->version) {
      reason = kReasonVersion;
    } else if (s.retention.count() > 0) {
      reason = kReasonRetention;
    }
    observed["reason"] = reason;

    auto status = ctx.platform.files->status(settings->folder);
    if (!status && status.error().code != ErrorCode::kNotFound) {
      return Finding::error("cannot read " + folder + ": " + status.error().message);
    }
    const bool exists = status.ok();
    if (exists && status->type == FileType::kLink) {
      return Finding::error("the logs folder " + folder +
                            " is a link or junction; it is never followed: remove it or correct [stale_logs] folder");
    }
    if (exists && status->type != FileType::kDirectory) {
      return Finding::error("the logs folder " + folder + " is not a folder");
    }

    Tally tally;
    bool complete = true;
    Selection selection{reason != kReasonRetention, ctx.platform.time->now() - s.retention};
    if (exists && !reason.empty()) {
      auto walked = countSelected(ctx, settings->folder, selection, tally);
      if (!walked) return Finding::error("cannot list " + folder + ": " + walked.error().message);
      complete = walked->complete;
    }
    observed["files"] = text(tally.files);
    observed["bytes"] = text(tally.bytes);
    observed["archivable"] = text(tally.archivable);
    observed["links"] = text(tally.links);
    observed["directories"] = text(tally.directories);
    observed["complete"] = complete ? "true" : "false";
    observed["folder_exists"] = exists ? "true" : "false";
    if (reason == kReasonRetention) observed["cutoff"] = formatUtc(selection.cutoff);

    const bool rootMustGo = exists && s.removeRoot && selection.clear && !reason.empty();
    const bool compliant = tally.files == 0 && complete && !rootMustGo;
    if (compliant || (connector->present && reason != kReasonVersion)) {
      if (auto kept = keepRecord(ctx, statePath, *recorded, folder, *connector); !kept) {
        return Finding::error(kept.error().message);
      }
    }
    if (compliant) return Finding::compliant(observed, compliantMessage(exists, folder, reason, *connector));
    if (tally.files == 0 && !complete) {
      return Finding::error("counting " + folder + " did not finish before the deadline");
    }
    State desired{{"files", "0"}};
    if (rootMustGo) desired["folder_exists"] = "false";
    return Finding::drift(observed, desired,
                          std::string(complete ? "" : "at least ") + text(tally.files) + " files (" +
                              text(tally.bytes) + " bytes) in " + folder + " should go: " + reasonText(reason));
  }

  Plan plan(const Finding& finding, const FixerContext& ctx) const override {
    if (finding.status != FindingStatus::kDrift) return {};
    auto settings = resolveSettings(ctx);
    if (!settings) return {};
    const State& o = finding.observed;
    const std::string folder = param(o, "folder");
    const std::string reason = param(o, "reason");
    const bool clear = reason != kReasonRetention;
    Plan plan;
    if (settings->zip && number(o, "archivable") > 0) {
      plan.push_back(Action{"archive_logs",
                            "Archive " + param(o, "archivable") + " files (" + param(o, "bytes") + " bytes) from " +
                                folder + " into a zip in " + settings->archiveDir.string(),
                            {{"folder", folder},
                             {"archive_dir", settings->archiveDir.string()},
                             {"files", param(o, "archivable")},
                             {"bytes", param(o, "bytes")}},
                            false});
    }
    State parameters{{"folder", folder},
                     {"reason", reason},
                     {"files", param(o, "files")},
                     {"bytes", param(o, "bytes")},
                     {"connector_version", param(o, "connector_version")},
                     {"remove_root", clear && ctx.policy.staleLogs.removeRoot ? "true" : "false"}};
    if (!clear) parameters["cutoff"] = param(o, "cutoff");
    plan.push_back(Action{"delete_logs",
                          "Delete " + param(o, "files") + " files (" + param(o, "bytes") + " bytes) from " + folder +
                              (parameters["remove_root"] == "true" ? " and the folder itself" : "") + ": " +
                              reasonText(reason),
                          std::move(parameters), false});
    return plan;
  }

  ApplyOutcome apply(const Plan& plan, FixerContext& ctx) override {
    const Action* archive = nullptr;
    const Action* erase = nullptr;
    for (const auto& action : plan) {
      if (action.kind == "archive_logs") archive = &action;
      if (action.kind == "delete_logs") erase = &action;
    }
    if (erase == nullptr) return ApplyOutcome{true, "nothing to delete", {}, {}};
    if (ctx.platform.files == nullptr) return ApplyOutcome{false, "no file system access on this platform", {}, {}};
    auto& files = *ctx.platform.files;
    const State& p = erase->parameters;
    const std::filesystem::path folder = param(p, "folder");
    const std::string reason = param(p, "reason");
    Selection selection;
    selection.clear = reason != kReasonRetention;
    if (!selection.clear) {
      auto cutoff = parseUtc(param(p, "cutoff"));
      if (!cutoff) return ApplyOutcome{false, "delete_logs: bad cutoff '" + param(p, "cutoff") + "'", {}, {}};
      selection.cutoff = *cutoff;
    }

    auto status = files.status(folder);
    if (!status) {
      if (status.error().code != ErrorCode::kNotFound) {
        return ApplyOutcome{false, "cannot read " + folder.string() + ": " + status.error().message, {}, {}};
      }
      if (auto recorded = recordCleared(ctx, folder, reason, p); !recorded) {
        return ApplyOutcome{false, recorded.error().message, {}, {}};
      }
      return ApplyOutcome{true, folder.string() + " is already gone", {}, {}};
    }
    if (status->type != FileType::kDirectory) {
      return ApplyOutcome{false, folder.string() + " is not a folder (a link is never followed); nothing deleted",
                          {}, {}};
    }

    Clearing clearing(ctx, *archiver_, folder, selection);
    clearing.note("intent", "Deleting " + param(p, "files") + " files from " + folder.string() + ": " +
                                reasonText(reason),
                  {{"folder", folder.string()}, {"files", param(p, "files")}, {"bytes", param(p, "bytes")}});
    Result<stale_logs::WalkResult> walked = stale_logs::WalkResult{};
    if (archive != nullptr) {
      const std::filesystem::path dir = param(archive->parameters, "archive_dir");
      if (auto made = files.createDirectories(dir); !made) {
        return ApplyOutcome{false, "cannot create " + dir.string() + ": " + made.error().message + "; nothing deleted",
                            {}, {}};
      }
      const SysTime now = ctx.platform.time->now();
      const SysTime archiveStop = ctx.deadline > now ? now + (ctx.deadline - now) / 4 * 3 : now;
      walked = clearing.archiveThenDelete(dir / stale_logs::archiveFileName(now), archiveStop);
    } else {
      walked = clearing.deleteDirectly();
    }
    ApplyOutcome outcome;
    outcome.details = clearing.details();
    if (!walked) {
      outcome.ok = false;
      outcome.message = "clearing " + folder.string() + " failed: " + walked.error().message +
                        (clearing.removedFiles() == 0 ? "; nothing deleted" : "");
      return outcome;
    }
    if (archive != nullptr && clearing.archived()) {
      const auto& s = ctx.policy.staleLogs;
      const auto pruned = stale_logs::pruneArchives(files, param(archive->parameters, "archive_dir"), s.archiveKeep,
                                                    s.archiveMaxAge, ctx.platform.time->now());
      outcome.details["archives_pruned"] = text(static_cast<std::uint64_t>(pruned.removed));
      if (!pruned.problems.empty()) outcome.details["archive_prune_problem"] = pruned.problems.front();
    }

    bool allGone = walked->allGone;
    if (allGone && param(p, "remove_root") == "true") {
      if (auto removed = files.removeDirectory(folder); removed) {
        outcome.details["root_removed"] = "true";
      } else {
        allGone = false;
        outcome.details["root_removed"] = std::string("false: ") + platform::errorCodeName(removed.error().code);
      }
    }
    outcome.details["complete"] = walked->complete ? "true" : "false";
    outcome.message = "Removed " + text(clearing.removedFiles()) + " files (" + text(clearing.removedBytes()) +
                      " bytes) from " + folder.string() + ": " + reasonText(reason) + ".";
    if (!walked->complete) outcome.message += " Stopped at the deadline; the next run continues.";
    if (clearing.skipped() > 0) {
      outcome.message += " " + text(clearing.skipped()) + " entries could not be removed and are retried next run.";
    }
    outcome.ok = walked->complete && clearing.skipped() == 0;
    if (selection.clear && allGone && walked->complete) {
      if (auto recorded = recordCleared(ctx, folder, reason, p); !recorded) {
        outcome.ok = false;
        outcome.message += " " + recorded.error().message;
      }
      outcome.events.push_back("stale_logs.cleared");
    }
    return outcome;
  }

 private:
  static Result<stale_logs::WalkResult> countSelected(FixerContext& ctx, const std::filesystem::path& folder,
                                                      const Selection& selection, Tally& tally) {
    stale_logs::WalkVisitor visitor{[&ctx] { return ctx.pastDeadline(); },
                                    [&](const WalkEntry& e) {
                                      if (!selection.takes(e)) return Fate::kKept;
                                      ++tally.files;
                                      if (e.info.type == FileType::kFile) {
                                        ++tally.archivable;
                                        tally.bytes += e.info.size;
                                      }
                                      if (e.info.type == FileType::kLink) ++tally.links;
                                      return Fate::kGone;
                                    },
                                    [&](const WalkEntry&) {
                                      ++tally.directories;
                                      return Fate::kGone;
                                    },
                                    [](const WalkEntry&, const platform::Error&) {}};
    return stale_logs::walkTree(*ctx.platform.files, folder, visitor);
  }

  // The state file is the fixer's own bookkeeping, not the machine's state: detect keeps it current so a version
  // change can be told from a first sighting. Called when what is in the folder belongs to the Connector seen
  // now: it is installed and no version change is pending, or nothing is left to clear.
  static Result<void> keepRecord(FixerContext& ctx, const std::filesystem::path& statePath,
                                 const std::optional<stale_logs::LogsState>& recorded, const std::string& folder,
                                 const ConnectorSeen& connector) {
    const stale_logs::LogsState wanted{folder, connector.version};
    if (recorded ? *recorded == wanted : !connector.present) return {};
    return stale_logs::writeLogsState(*ctx.platform.files, statePath, wanted);
  }

  // After a full clearing the folder holds nothing of the old version: remember the one installed now (none
  // when the Connector is absent).
  static Result<void> recordCleared(FixerContext& ctx, const std::filesystem::path& folder, const std::string& reason,
                                    const State& parameters) {
    if (reason == kReasonRetention) return {};
    const std::string version = reason == kReasonAbsent ? "" : param(parameters, "connector_version");
    return stale_logs::writeLogsState(*ctx.platform.files, stale_logs::logsStatePath(ctx.stateDir),
                                      {folder.string(), version});
  }

  static std::string reasonText(const std::string& reason) {
    if (reason == kReasonAbsent) return "the Connector is not installed";
    if (reason == kReasonVersion) return "the installed Connector version differs from the one the logs belong to";
    if (reason == kReasonRetention) return "older than the retention age";
    return "nothing to clear";
  }

  static std::string compliantMessage(bool exists, const std::string& folder, const std::string& reason,
                                      const ConnectorSeen& connector) {
    if (!exists) return "the logs folder " + folder + " does not exist";
    if (reason == kReasonRetention) return "no file in " + folder + " is older than the retention age";
    if (!reason.empty()) return "the logs folder " + folder + " holds no files";
    return "the logs in " + folder + " belong to the installed Connector " + connector.version;
  }

  std::unique_ptr<stale_logs::Archiver> archiver_;
};

}  // namespace

std::unique_ptr<Fixer> makeStaleLogsFixer(std::unique_ptr<stale_logs::Archiver> archiver) {
  return std::make_unique<StaleLogsFixer>(std::move(archiver));
}

}  // namespace remediator::fixers
