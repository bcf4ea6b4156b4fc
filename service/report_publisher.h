#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "platform/file_system.h"
#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::service {

/// What a PC publishes into `<report>\<HOST>\` (docs: service/README-fleet.md):
///   status.json                       a copy of the local status.json, with an "audit" object added
///   audit-<first seq, 20 digits>.jsonl one chunk: the audit records from that seq on, byte for byte as logged
///   head.json                         {"format":1,"host","seq","hash","chunk","time"}: the last record published
/// Every file is written to a temporary name and renamed. A chunk is written before the head that names it, so a
/// crash in between leaves a chunk the head does not name yet; the next pass writes that chunk again (same name,
/// replaced whole, perhaps with more records), so nothing is published twice and nothing is lost.
inline constexpr const char* kReportHeadFile = "head.json";
inline constexpr const char* kReportStatusFile = "status.json";
inline constexpr const char* kReportChunkPrefix = "audit-";
inline constexpr const char* kReportChunkSuffix = ".jsonl";

/// The chunk file name for a chunk whose first record has `firstSeq`.
std::string reportChunkName(std::uint64_t firstSeq);
/// The first seq a chunk file name stands for; nullopt when `name` is not exactly a chunk name.
std::optional<std::uint64_t> parseReportChunkName(const std::string& name);

/// The head a publish left: the last record published. seq 0 and an empty hash: nothing published yet.
struct ReportHead {
  std::uint64_t seq = 0;
  std::string hash;
  std::string chunk;
  std::string time;
  std::string host;
};
/// The head file's text.
std::string formatReportHead(const ReportHead& head);
/// Parses a head file (at most 4 KiB): kInvalidData naming the problem when it is not one.
platform::Result<ReportHead> parseReportHeadFromBytes(std::string_view bytes);

struct PublisherOptions {
  std::filesystem::path reportDir;   ///< [service] report: the share's folder; the PC writes reportDir / host
  std::string host;                  ///< the computer name; letters, digits, '-', '_' and '.' only
  std::filesystem::path auditLog;    ///< the live audit log (rotated files beside it)
  std::filesystem::path statusFile;  ///< the local status.json
  std::size_t maxRecordsPerPass = 5000;
  std::size_t maxBytesPerPass = 4u << 20;
  platform::Millis daily{std::chrono::hours(24)};  ///< publish at least this often, records or not
  platform::Millis backoffInitial{std::chrono::minutes(1)};
  platform::Millis backoffMax{std::chrono::hours(4)};
  platform::Millis splay{0};  ///< largest per-PC offset of the daily publish and of retries (policy's splay)
};

/// What one publish pass did.
struct PublishOutcome {
  std::uint64_t records = 0;     ///< records published by this pass
  std::uint64_t headSeq = 0;     ///< the head after it
  bool caughtUp = true;          ///< false: more records wait (bounded work per pass); call again soon
  bool continuesHead = true;     ///< false: the local log does not continue what was published (rewritten/reset)
};

/// Publishes a PC's status and new audit records to the report share. Not thread-safe: one caller (the
/// publisher thread). The remote side goes through `files` (the platform's, or a memory one in tests); the local
/// audit log and status are read from disk.
class ReportPublisher {
 public:
  ReportPublisher(PublisherOptions options, platform::FileSystem& files, const platform::TimeSource& time);

  /// Whether a pass is due now: records newer than the head were logged (`localLastSeq`), or a day has gone by
  /// since the last successful publish; never during the backoff after a failure.
  bool due(std::uint64_t localLastSeq) const;
  /// When the next pass is due at the latest (the daily one, or the retry after a failure).
  platform::SysTime nextDeadline() const;
  /// One bounded pass: at most maxRecordsPerPass records / maxBytesPerPass bytes in one chunk, then the head,
  /// then status.json. A failure (the share unreachable, the PC's folder gone) starts or doubles the backoff.
  platform::Result<PublishOutcome> publishOnce();
  int consecutiveFailures() const { return failures_; }

 private:
  platform::Result<PublishOutcome> attempt();

  PublisherOptions options_;
  platform::FileSystem& files_;
  const platform::TimeSource& time_;
  std::uint64_t publishedSeq_ = 0;  ///< the head seen or written last (a cache; the head file is the truth)
  std::optional<platform::SysTime> lastSuccess_;
  std::optional<platform::SysTime> retryAt_;
  int failures_ = 0;
};

/// Runs a ReportPublisher on a thread of its own, so a slow or unreachable share never delays a fixer. poke()
/// after every pass that recorded something; the thread also wakes for the daily publish and retries.
class BackgroundPublisher {
 public:
  using LastSeqFn = std::function<std::uint64_t()>;
  using LogFn = std::function<void(const std::string&)>;
  BackgroundPublisher(PublisherOptions options, platform::FileSystem& files, const platform::TimeSource& time,
                      LastSeqFn lastSeq, LogFn log);
  ~BackgroundPublisher();
  BackgroundPublisher(const BackgroundPublisher&) = delete;
  BackgroundPublisher& operator=(const BackgroundPublisher&) = delete;
  void poke();

 private:
  void loop();

  ReportPublisher publisher_;
  const platform::TimeSource& time_;
  LastSeqFn lastSeq_;
  LogFn log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = true;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace remediator::service
