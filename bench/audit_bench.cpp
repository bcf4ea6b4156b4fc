// Audit append cost against the floor set by the disk: a plain write()+fdatasync() loop of the same bytes.
//
// BM_AuditVsPlainWrite alternates batches of audit appends and plain writes of exactly the lines the audit log
// just wrote, in the same process and on the same file system, so that disk noise hits both sides alike; its
// counters and the last printed line give the ratio (target: at least 0.8). The other benchmarks split the cost:
// the audit log with and without its state file, and the state file rewrite with and without a flush.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/durable_file.h"
#include "platform/time_source.h"
#include "service/audit_log.h"

namespace {

namespace fs = std::filesystem;
using remediator::platform::RealTimeSource;
using remediator::service::AuditEntry;
using remediator::service::AuditLogOptions;
using remediator::service::JsonlAuditLog;

/// A folder of its own under the temporary directory, removed at the end.
class BenchDir {
 public:
  explicit BenchDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("remediator-bench-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~BenchDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// What the engine writes for a clock check: a typical record of about 450 bytes.
AuditEntry typicalEntry() {
  AuditEntry entry;
  entry.fixer = "clock";
  entry.event = "detected";
  entry.mode = "enforce";
  entry.observed = {{"offset_ms", "412345"}, {"server", "srv01.contoso.local"}};
  entry.desired = {{"max_offset_ms", "60000"}};
  entry.outcome = "drift";
  entry.message = "The clock is 412 s ahead of the server srv01.contoso.local, beyond the 60 s the policy allows.";
  entry.details = {{"samples", "4"}, {"delay_ms", "3"}, {"method", "sntp"}};
  return entry;
}

std::unique_ptr<JsonlAuditLog> openLog(const BenchDir& dir, const RealTimeSource& time, bool withState) {
  AuditLogOptions options;
  options.path = dir.path() / "audit.jsonl";
  if (withState) options.stateFile = dir.path() / "audit.state";
  options.host = "PC-042";
  auto log = JsonlAuditLog::open(options, time);
  if (!log) {
    std::fprintf(stderr, "cannot open the audit log: %s\n", log.error().message.c_str());
    std::abort();
  }
  (*log)->setPolicyHash(std::string(64, 'a'));
  return std::move(*log);
}

/// The baseline: write() the bytes at the end of a file, then fdatasync(), as AppendOnlyFile does minus all else.
class PlainFile {
 public:
  explicit PlainFile(const fs::path& path) : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0640)) {
    if (fd_ < 0) std::abort();
  }
  ~PlainFile() { ::close(fd_); }
  void write(const std::string& bytes) {
    if (::write(fd_, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) || ::fdatasync(fd_) != 0) {
      std::abort();
    }
  }

 private:
  int fd_;
};

void appendAudit(benchmark::State& state, bool withState) {
  BenchDir dir(withState ? "audit" : "audit-nostate");
  RealTimeSource time;
  auto log = openLog(dir, time, withState);
  const AuditEntry entry = typicalEntry();
  for (auto _ : state) {
    auto record = log->append(entry);
    if (!record) state.SkipWithError(record.error().message.c_str());
  }
  state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                       benchmark::Counter::kIsRate);
}

void BM_AuditAppend(benchmark::State& state) { appendAudit(state, true); }
void BM_AuditAppendWithoutStateFile(benchmark::State& state) { appendAudit(state, false); }

void BM_PlainWriteFdatasync(benchmark::State& state) {
  BenchDir dir("plain");
  RealTimeSource time;
  std::string line;
  {
    auto log = openLog(dir, time, false);
    auto record = log->append(typicalEntry());
    line = remediator::service::auditRecordJson(*record) + "\n";
  }
  PlainFile file(dir.path() / "plain.jsonl");
  for (auto _ : state) file.write(line);
  state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                       benchmark::Counter::kIsRate);
}

void rewriteState(benchmark::State& state, bool sync) {
  BenchDir dir(sync ? "state-sync" : "state");
  auto file = remediator::platform::RewritableFile::open(dir.path() / "audit.state");
  if (!file) std::abort();
  const std::string line(131, 's');  // the state line's length
  for (auto _ : state) {
    if (!(*file)->rewrite(line, sync)) state.SkipWithError("rewrite failed");
  }
}

void BM_StateRewriteInPlace(benchmark::State& state) { rewriteState(state, false); }
void BM_StateRewriteInPlaceWithFlush(benchmark::State& state) { rewriteState(state, true); }

double lastRatio = 0;

void BM_AuditVsPlainWrite(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  BenchDir dir("ratio");
  RealTimeSource time;
  auto log = openLog(dir, time, true);
  PlainFile plain(dir.path() / "plain.jsonl");
  const AuditEntry entry = typicalEntry();
  constexpr int kBatch = 10;
  std::vector<std::string> lines;
  lines.reserve(kBatch);
  Clock::duration auditTime{}, plainTime{};
  std::int64_t records = 0;
  for (auto _ : state) {
    lines.clear();
    const auto auditStart = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      auto record = log->append(entry);
      if (!record) {
        state.SkipWithError(record.error().message.c_str());
        break;
      }
      lines.push_back(remediator::service::auditRecordJson(*record) + "\n");  // outside the plain side's clock
    }
    const auto auditEnd = Clock::now();
    for (const auto& line : lines) plain.write(line);
    plainTime += Clock::now() - auditEnd;
    // The copies for the plain side cost the audit side a little; it is counted against it, which is harmless.
    auditTime += auditEnd - auditStart;
    records += kBatch;
  }
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  const double auditRate = static_cast<double>(records) / seconds(auditTime);
  const double plainRate = static_cast<double>(records) / seconds(plainTime);
  lastRatio = auditRate / plainRate;
  state.counters["audit_records_per_s"] = auditRate;
  state.counters["plain_writes_per_s"] = plainRate;
  state.counters["ratio"] = lastRatio;
}

// Real time, not CPU time: the cost being measured is waiting for the disk.
BENCHMARK(BM_AuditAppend)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_AuditAppendWithoutStateFile)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PlainWriteFdatasync)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateRewriteInPlace)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateRewriteInPlaceWithFlush)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_AuditVsPlainWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (lastRatio > 0) {
    std::printf("audit append / plain write+fdatasync of the same bytes: ratio %.3f (target >= 0.8): %s\n", lastRatio,
                lastRatio >= 0.8 ? "met" : "NOT met");
  }
  return 0;
}
