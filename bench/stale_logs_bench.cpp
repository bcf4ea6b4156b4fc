// Clearing a logs folder of 100,000 small files with the stale-logs fixer, against `rm -rf` of an identical
// tree built in the same run. The figure that matters is rm_s / ours_s (1.0: as fast as rm; target >= 0.8).
// Archive mode (zip, then delete) is measured on its own.
#include <Poco/Zip/ZipArchive.h>
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include "fixers/stale_logs/stale_logs_fixer.h"
#include "platform/platform.h"
#include "platform/posix/posix_file_system.h"
#include "platform/posix/posix_process_runner.h"

namespace {

namespace fs = std::filesystem;
using remediator::fixers::Finding;
using remediator::fixers::FixerContext;
using remediator::platform::ErrorCode;
using remediator::platform::Result;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kFileSize = 200;

/// User + system CPU seconds used so far by this process (RUSAGE_SELF) or by its waited-for children
/// (RUSAGE_CHILDREN). On a shared, loaded machine wall time is mostly waiting for a core and for the disk, for
/// both sides alike; CPU time shows what each side itself costs.
double cpuSeconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Wall and CPU seconds of one clearing.
struct Timing {
  double wall = 0;
  double cpu = 0;
};

/// A temporary folder for one benchmark, removed when done.
struct Scratch {
  Scratch() : root(fs::temp_directory_path() / ("stale_logs_bench-" + std::to_string(::getpid()))) {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
  fs::path root;
};

/// The tree a benchmark clears: state.range(0) folders of state.range(1) small files each.
struct TreeShape {
  explicit TreeShape(const benchmark::State& state)
      : dirs(static_cast<int>(state.range(0))), perDir(static_cast<int>(state.range(1))),
        files(static_cast<std::uint64_t>(dirs) * static_cast<std::uint64_t>(perDir)) {}

  void build(const fs::path& root) const {
    const std::string content(kFileSize, 'x');
    for (int d = 0; d < dirs; ++d) {
      const fs::path dir = root / ("dir" + std::to_string(d));
      fs::create_directories(dir);
      for (int f = 0; f < perDir; ++f) {
        std::ofstream(dir / ("ClientLog" + std::to_string(f) + ".log"), std::ios::binary) << content;
      }
    }
  }

  int dirs;
  int perDir;
  std::uint64_t files;
};

/// Runs the fixer's apply (archive = `archive`) on `folder` and returns the seconds it took.
Result<Timing> clearWithFixer(const fs::path& folder, const fs::path& stateDir, const std::string& archive,
                              std::uint64_t files) {
  remediator::platform::RealTimeSource time;
  remediator::platform::PosixFileSystem posixFiles;
  remediator::platform::Platform platform;
  platform.time = &time;
  platform.files = &posixFiles;  // no installed-programs list: the Connector is absent
  remediator::policies::Policy policy;
  policy.staleLogs.folder = folder.string();
  policy.staleLogs.archive = archive;
  auto fixer = remediator::fixers::makeStaleLogsFixer();
  FixerContext ctx{platform, policy, stateDir, time.now() + std::chrono::hours(1), {}};
  // The finding detect would make, built here so that only apply is timed (detect would also warm the cache for
  // this tree and not for rm's).
  const auto count = std::to_string(files);
  const Finding finding = Finding::drift({{"folder", folder.string()},
                                          {"reason", "connector_absent"},
                                          {"files", count},
                                          {"archivable", count},
                                          {"bytes", std::to_string(files * kFileSize)}},
                                         {{"files", "0"}}, "benchmark");
  const auto plan = fixer->plan(finding, ctx);
  const double cpuStart = cpuSeconds(RUSAGE_SELF);
  const auto start = Clock::now();
  const auto outcome = fixer->apply(plan, ctx);
  const Timing timing{std::chrono::duration<double>(Clock::now() - start).count(), cpuSeconds(RUSAGE_SELF) - cpuStart};
  if (!outcome.ok || outcome.details.at("files_removed") != count) {
    return remediator::platform::fail(ErrorCode::kFailed, "the fixer did not clear the tree: " + outcome.message);
  }
  return timing;
}

Result<Timing> clearWithRm(const fs::path& folder) {
  remediator::platform::PosixProcessRunner runner;
  const double cpuStart = cpuSeconds(RUSAGE_CHILDREN);
  const auto start = Clock::now();
  auto result = runner.run({"rm", {"-rf", folder.string()}, std::chrono::minutes(30), {}});
  const Timing timing{std::chrono::duration<double>(Clock::now() - start).count(),
                      cpuSeconds(RUSAGE_CHILDREN) - cpuStart};
  if (!result.ok() || result->exitCode != 0) return remediator::platform::fail(ErrorCode::kFailed, "rm -rf failed");
  return timing;
}

/// The load average over the last minute, to print beside each round: the machine is shared.
double loadAverage() {
  double load[1] = {0};
  return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

void BM_ClearVersusRmRf(benchmark::State& state) {
  const TreeShape tree(state);
  const std::uint64_t files = tree.files;
  Scratch scratch;
  double oursTotal = 0;
  double rmTotal = 0;
  double oursCpu = 0;
  double rmCpu = 0;
  int round = 0;
  for (auto _ : state) {
    const fs::path ours = scratch.root / "ours" / "Logs";
    const fs::path theirs = scratch.root / "rm" / "Logs";
    // Alternate who goes first, in building and in deleting, so neither always meets a warmer cache; then put
    // both trees on disk so neither deletion pays for the other's writeback.
    const bool oursFirst = round++ % 2 == 0;
    tree.build(oursFirst ? ours : theirs);
    tree.build(oursFirst ? theirs : ours);
    ::sync();
    Result<Timing> rmTiming = Timing{};
    if (!oursFirst) rmTiming = clearWithRm(theirs);
    const Result<Timing> oursTiming = clearWithFixer(ours, scratch.root / "state", "none", files);
    if (oursFirst) rmTiming = clearWithRm(theirs);
    if (!oursTiming || !rmTiming) {
      state.SkipWithError((!oursTiming ? oursTiming.error() : rmTiming.error()).message.c_str());
      return;
    }
    state.SetIterationTime(oursTiming->wall);
    oursTotal += oursTiming->wall;
    rmTotal += rmTiming->wall;
    oursCpu += oursTiming->cpu;
    rmCpu += rmTiming->cpu;
    std::printf("  round %d (%s first, load %.1f): ours %.3f s (cpu %.3f), rm -rf %.3f s (cpu %.3f), ratio %.2f\n",
                round, oursFirst ? "ours" : "rm", loadAverage(), oursTiming->wall, oursTiming->cpu, rmTiming->wall,
                rmTiming->cpu, rmTiming->wall / oursTiming->wall);
    std::fflush(stdout);
  }
  state.counters["files"] = static_cast<double>(files);
  state.counters["ours_s"] = oursTotal / round;
  state.counters["rm_s"] = rmTotal / round;
  state.counters["ratio_rm_over_ours"] = rmTotal / oursTotal;
  state.counters["cpu_ratio_rm_over_ours"] = rmCpu / oursCpu;
  std::printf("clear %llu files: ours %.3f s, rm -rf %.3f s, ratio rm/ours %.2f (target >= 0.80); cpu ours %.3f s, "
              "rm %.3f s, ratio %.2f\n",
              static_cast<unsigned long long>(files), oursTotal / round, rmTotal / round, rmTotal / oursTotal,
              oursCpu / round, rmCpu / round, rmCpu / oursCpu);
}

void BM_ArchiveThenClear(benchmark::State& state) {
  const TreeShape tree(state);
  const std::uint64_t files = tree.files;
  Scratch scratch;
  double total = 0;
  double cpu = 0;
  std::uintmax_t zipBytes = 0;
  std::size_t entries = 0;
  int rounds = 0;
  for (auto _ : state) {
    const fs::path logs = scratch.root / "Logs";
    const fs::path stateDir = scratch.root / ("state" + std::to_string(rounds));
    tree.build(logs);
    ::sync();
    const Result<Timing> timing = clearWithFixer(logs, stateDir, "zip", files);
    if (!timing) {
      state.SkipWithError(timing.error().message.c_str());
      return;
    }
    state.SetIterationTime(timing->wall);
    total += timing->wall;
    cpu += timing->cpu;
    std::printf("  round %d (load %.1f): %.3f s (cpu %.3f)\n", rounds + 1, loadAverage(), timing->wall, timing->cpu);
    std::fflush(stdout);
    ++rounds;
    // The archive must hold every file: open it and count.
    for (const auto& entry : fs::directory_iterator(stateDir / "archive")) {
      zipBytes = entry.file_size();
      std::ifstream in(entry.path(), std::ios::binary);
      Poco::Zip::ZipArchive zip(in);
      entries = static_cast<std::size_t>(std::distance(zip.headerBegin(), zip.headerEnd()));
    }
    if (entries != files) {
      state.SkipWithError("the archive does not hold every file");
      return;
    }
    fs::remove_all(stateDir);
  }
  state.counters["files"] = static_cast<double>(files);
  state.counters["seconds"] = total / rounds;
  state.counters["files_per_s"] = static_cast<double>(files) * rounds / total;
  state.counters["zip_bytes"] = static_cast<double>(zipBytes);
  state.counters["cpu_s"] = cpu / rounds;
  std::printf("archive then clear %llu files: %.3f s (%.0f files/s, cpu %.3f s), zip %ju bytes holding %zu entries\n",
              static_cast<unsigned long long>(files), total / rounds, static_cast<double>(files) * rounds / total,
              cpu / rounds, zipBytes, entries);
}

/// Rounds per benchmark from the environment variable `name` (a positive number), else `fallback`: at 100,000
/// files a round takes minutes on a loaded machine.
int rounds(const char* name, int fallback) {
  const char* value = std::getenv(name);
  const int n = value == nullptr ? 0 : std::atoi(value);
  return n > 0 ? n : fallback;
}

}  // namespace

// 100 folders of 1,000 files; the 20 x 1,000 run is a quick check (--benchmark_filter=/20/). Rounds:
// STALE_LOGS_BENCH_ROUNDS (default 4) and STALE_LOGS_BENCH_ARCHIVE_ROUNDS (default 1).
int main(int argc, char** argv) {
  const int clearRounds = rounds("STALE_LOGS_BENCH_ROUNDS", 4);
  const int archiveRounds = rounds("STALE_LOGS_BENCH_ARCHIVE_ROUNDS", 1);
  benchmark::RegisterBenchmark("BM_ClearVersusRmRf", BM_ClearVersusRmRf)
      ->Args({20, 1000})
      ->Args({100, 1000})
      ->Iterations(clearRounds)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ArchiveThenClear", BM_ArchiveThenClear)
      ->Args({100, 1000})
      ->Iterations(archiveRounds)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
