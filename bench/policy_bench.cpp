// Load and validate the example policies: text already in memory (parse + validate + SHA-256), and from the
// file. The signature check a signed policy adds (Ed25519 verify of the exact bytes, with parsing the .sig and
// finding its key), for the example policies and for a policy at the 1 MiB limit; BM_ParsePolicy is its baseline.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "policies/policy_document.h"
#include "policies/policy_loader.h"
#include "policies/policy_signature.h"

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

/// Verifies the signature of the example `range(0)` (3: a 1 MiB text) among `range(1)` trusted keys.
void BM_VerifySignature(benchmark::State& state) {
  using namespace remediator::policies;
  const std::string text = state.range(0) < 3 ? readExample(kNames[state.range(0)])
                                               : std::string(kMaxPolicyBytes, ';');
  state.SetLabel(state.range(0) < 3 ? kNames[state.range(0)] : "1 MiB");
  std::vector<PolicyKey> keys;
  PolicyKeyPair signer = generatePolicyKeyPair().value();
  for (int i = 1; i < state.range(1); ++i) keys.push_back(generatePolicyKeyPair().value().publicKey);
  keys.push_back(signer.publicKey);  // the signer last: the lookup walks every key
  const std::string signature = signPolicy(text, signer.privateKey).value();
  for (auto _ : state) {
    auto verified = verifyPolicySignature(text, signature, keys);
    if (!verified.ok()) {
      state.SkipWithError(verified.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_VerifySignature)->Args({0, 1})->Args({1, 1})->Args({2, 1})->Args({2, 4})->Args({3, 1});

/// Parsing a trusted-key list (POLICY_KEYS) of `range(0)` keys: done once per service start.
void BM_ParseKeyList(benchmark::State& state) {
  using namespace remediator::policies;
  std::string list;
  for (int i = 0; i < state.range(0); ++i) {
    list += (list.empty() ? "" : ",") + formatPublicKey(generatePolicyKeyPair().value().publicKey);
  }
  for (auto _ : state) benchmark::DoNotOptimize(parseKeyList(list, "POLICY_KEYS"));
}
BENCHMARK(BM_ParseKeyList)->Arg(1)->Arg(4);

}  // namespace

BENCHMARK_MAIN();
