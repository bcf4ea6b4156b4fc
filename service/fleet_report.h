#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::service {

/// `remediator fleet report`: reads the folder every PC publishes to (service/report_publisher.h) and says which
/// PCs are healthy, which drifted and were healed, which need an administrator, and whether each PC's published
/// audit chain is intact. Everything in that folder was written by PCs and is treated as hostile: every size,
/// count and line is bounded, nothing is followed through a link, and every text is escaped where it is shown.

inline constexpr int kTimelineDays = 14;

/// The limits the reader keeps to, whatever a PC planted.
struct FleetLimits {
  std::size_t maxPcs = 20000;
  std::size_t maxEntriesPerPc = 200000;     ///< directory entries looked at in one PC's folder
  std::uint64_t maxChunkBytes = 64u << 20;  ///< a larger chunk is not read (the publisher writes 4 MiB at most)
  std::size_t maxLineBytes = 64u << 10;     ///< a longer line is not a record
  std::size_t maxStatusBytes = 1u << 20;
  std::size_t maxFixers = 64;               ///< per PC
  std::size_t maxText = 300;                ///< characters kept of any message or name shown
  std::size_t maxActionsPerPc = 50;
  std::size_t maxActions = 1000;            ///< actions of the recent window kept for the page, newest first
  std::size_t maxDoctorProblems = 20;
};

struct FleetOptions {
  platform::SysTime now{};
  platform::Millis stale{std::chrono::hours(72)};          ///< --stale
  platform::Millis recent{std::chrono::hours(24 * 7)};     ///< the window of "actions" and "recurring"
  int recurringCount = 3;  ///< heals or failures of one fixer on one PC within `recent` that count as recurring
  FleetLimits limits;
};

/// The published chain of one PC.
enum class ChainState { kNone, kIntact, kBroken, kDiverged };
const char* chainStateName(ChainState state);

/// Day buckets of the timeline: the worst a fixer came to that day.
enum class DayMark : std::uint8_t { kNone = 0, kCompliant = 1, kHealed = 2, kDrift = 3, kFailed = 4 };

struct FixerView {
  std::string fixer;
  std::string state;    ///< compliant, healed, drift, failed, breaker_open, off, not_applicable, unknown
  std::string mode;
  std::string message;
  std::string lastRun;
  int heals = 0;        ///< within the recent window, from the records
  int failures = 0;
  int drifts = 0;
  std::array<DayMark, kTimelineDays> days{};  ///< index 0 is kTimelineDays-1 days ago, the last one today
};

struct ActionView {
  std::string pc;
  std::string time;
  std::string fixer;
  std::string event;
  std::string outcome;
  std::string message;
};

struct PcView {
  std::string name;
  std::string lastSeen;          ///< the time of the last publish (head), else of the status; empty: never
  bool stale = false;
  std::uint64_t records = 0;     ///< published records read
  std::uint64_t headSeq = 0;
  ChainState chain = ChainState::kNone;
  std::string chainDetail;       ///< where and why, when not intact
  std::uint64_t unpublished = 0; ///< records the PC had not published yet, by its status
  std::vector<FixerView> fixers;
  std::vector<std::string> doctorProblems;
  std::vector<std::string> problems;  ///< unreadable files, oversize chunks and other findings
  std::size_t actionsDropped = 0;
  bool needsAdmin = false;
  std::vector<std::string> reasons;   ///< why it needs an administrator, short words
};

struct RecurringView {
  std::string pc;
  std::string fixer;
  int heals = 0;
  int failures = 0;
  std::string lastMessage;
};

struct FleetReport {
  std::string folder;
  std::string generated;             ///< UTC
  std::string staleAfter;            ///< the --stale duration as given
  std::vector<PcView> pcs;           ///< by name
  std::vector<ActionView> actions;   ///< newest first, bounded
  std::uint64_t actionsTotal = 0;
  std::vector<RecurringView> recurring;
  /// Per fixer, per day: how many PCs came to each DayMark (index by DayMark).
  std::map<std::string, std::array<std::array<int, 5>, kTimelineDays>> timeline;
  std::vector<std::string> dayLabels;  ///< kTimelineDays dates, "2026-12-07"
  std::vector<std::string> problems;   ///< about the folder itself (too many PCs, entries skipped)
  bool needsAdmin() const;
};

/// One PC's published files as bytes, the entry point for fuzzing: head.json, status.json and the chunks by
/// name (any order). Names that are not chunk names are ignored, as in a folder.
PcView parsePcReportFromBytes(const std::string& name, std::string_view head, std::string_view status,
                              const std::vector<std::pair<std::string, std::string_view>>& chunks,
                              const FleetOptions& options);

/// Reads every PC's folder under `folder`, one PC at a time, one chunk at a time (memory bounded by the page).
/// Fails (kNotFound, kIo) only when `folder` itself cannot be listed.
platform::Result<FleetReport> readFleetReport(const std::filesystem::path& folder, const FleetOptions& options);

/// The self-contained page: inline CSS, SVG and script, no network. Every text from a PC is escaped.
void renderFleetHtml(const FleetReport& report, std::ostream& out);
/// One row per PC and fixer: pc,last_seen,stale,chain,chain_detail,needs_admin,fixer,state,mode,heals,failures,...
void renderFleetCsv(const FleetReport& report, std::ostream& out);
/// The same data as the page, as one JSON document.
void renderFleetJson(const FleetReport& report, std::ostream& out);

/// `text` with & < > " ' escaped for HTML text and attributes; bytes that are not UTF-8 become U+FFFD.
std::string htmlEscape(std::string_view text);

}  // namespace remediator::service
