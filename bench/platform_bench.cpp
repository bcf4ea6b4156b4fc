// The platform layer's costs that the fixers pay on every run: starting a program through PosixProcessRunner
// (against a bare posix_spawn + waitpid), listing a large directory without following links (against
// std::filesystem::directory_iterator with symlink_status), and splitting an UninstallString.
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "platform/memory/memory_file_system.h"
#include "platform/posix/posix_file_system.h"
#include "platform/posix/posix_process_runner.h"

namespace {

using namespace remediator::platform;
namespace fs = std::filesystem;

void BM_PosixProcessRunnerTrue(benchmark::State& state) {
  PosixProcessRunner runner;
  for (auto _ : state) {
    auto result = runner.run(ProcessRequest{"/bin/true"});
    if (!result.ok() || result->exitCode != 0) state.SkipWithError("/bin/true failed");
  }
}
BENCHMARK(BM_PosixProcessRunnerTrue)->Unit(benchmark::kMicrosecond);

void BM_BarePosixSpawnTrue(benchmark::State& state) {
  char program[] = "/bin/true";
  char* argv[] = {program, nullptr};
  for (auto _ : state) {
    pid_t pid;
    if (::posix_spawn(&pid, program, nullptr, nullptr, argv, environ) != 0) state.SkipWithError("spawn failed");
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}
BENCHMARK(BM_BarePosixSpawnTrue)->Unit(benchmark::kMicrosecond);

/// A directory of `count` small files under the temp directory, removed at the end.
class BenchTree {
 public:
  explicit BenchTree(int count) {
    std::string pattern = (fs::temp_directory_path() / "remediator-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
    for (int i = 0; i < count; ++i) std::ofstream(path_ / ("log" + std::to_string(i) + ".txt")) << "x";
  }
  ~BenchTree() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void BM_PosixFileSystemList(benchmark::State& state) {
  BenchTree tree(static_cast<int>(state.range(0)));
  PosixFileSystem files;
  for (auto _ : state) {
    auto entries = files.list(tree.path());
    benchmark::DoNotOptimize(entries);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PosixFileSystemList)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_StdFilesystemList(benchmark::State& state) {
  BenchTree tree(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(tree.path())) {
      benchmark::DoNotOptimize(entry.symlink_status());
      ++count;
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StdFilesystemList)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_MemoryFileSystemList(benchmark::State& state) {
  ManualTimeSource time;
  MemoryFileSystem files(time);
  for (int i = 0; i < state.range(0); ++i) {
    if (!files.addFile("C:\\Logs\\log" + std::to_string(i) + ".txt", "x")) std::abort();
  }
  for (auto _ : state) {
    auto entries = files.list("C:\\Logs");
    benchmark::DoNotOptimize(entries);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MemoryFileSystemList)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseUninstallString(benchmark::State& state) {
  const std::string line = "\"C:\\Program Files\\Windows Server\\Bin\\uninst.exe\" /S /LOG=\"C:\\Temp\\a b.log\"";
  for (auto _ : state) {
    auto request = parseCommandLine(line);
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK(BM_ParseUninstallString);

}  // namespace

BENCHMARK_MAIN();
