// Load and validate the example policies: text already in memory (parse + validate + SHA-256), and from the
// file.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "policies/policy_loader.h"

namespace {

using remediator::policies::guessFormat;
using remediator::policies::loadPolicyFile;
using remediator::policies::parsePolicy;

const std::filesystem::path kExamples = REMEDIATOR_POLICY_EXAMPLES_DIR;
const char* const kNames[] = {"default.ini", "default.xml", "fleet.ini"};

std::string readExample(const std::string& name) {
  std::ifstream in(kExamples / name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void BM_ParsePolicy(benchmark::State& state) {
  const std::string name = kNames[state.range(0)];
  const std::string text = readExample(name);
  const auto format = guessFormat(name, text);
  state.SetLabel(name);
  for (auto _ : state) {
    auto loaded = parsePolicy(text, format, name);
    if (!loaded.ok()) {
      state.SkipWithError(loaded.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParsePolicy)->DenseRange(0, 2);

void BM_LoadPolicyFile(benchmark::State& state) {
  const std::string name = kNames[state.range(0)];
  state.SetLabel(name);
  for (auto _ : state) {
    auto loaded = loadPolicyFile(kExamples / name);
    if (!loaded.ok()) {
      state.SkipWithError(loaded.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_LoadPolicyFile)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
