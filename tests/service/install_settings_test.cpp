// What the MSI leaves for the program: the settings under HKLM\SOFTWARE\Remediator, the default policy seeded
// into the state folder only when none is there, and REMOVE_DATA's deletion of the state folder. The registry is
// the in-memory one; files are real, in a temp folder. tests/e2e/scenario.sh shows the same through msiexec.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "platform/durable_file.h"
#include "platform/memory/memory_registry.h"
#include "platform/time_source.h"
#include "platform/platform.h"
#include "service/audit_log.h"
#include "service/cli.h"
#include "policies/policy_signature.h"
#include "service/runtime.h"
#include "tests/platform/temp_dir.h"

namespace remediator::service {
namespace {

namespace fs = std::filesystem;

// Byte for byte: on Windows a text-mode stream would write CR LF and the comparisons below are of bytes.
constexpr auto kBinary = std::ios::binary | std::ios::trunc;
using platform::RegSz;

constexpr const char* kShipped =
    "; shipped default\n[service]\nserver = ESSENTIALS\nlog_level = info\n\n[stale_logs]\nmode = audit\n";

class InstallSettingsTest : public ::testing::Test {
 protected:
  InstallSettingsTest() {
    fs::create_directories(temp_ / "Program Files" / "Remediator");
    std::ofstream(temp_ / "Program Files" / "Remediator" / "default-policy.ini", kBinary) << kShipped;
    platform_ = native_.get();
    platform_.registry = &registry_;
  }

  void install(const std::string& policySource = "", const std::string& server = "") {
    ASSERT_TRUE(registry_.write(kInstallSettingsKey, "InstallDir", RegSz{(temp_ / "Program Files" / "Remediator").string()}));
    ASSERT_TRUE(registry_.write(kInstallSettingsKey, "PolicySource", RegSz{policySource}));
    ASSERT_TRUE(registry_.write(kInstallSettingsKey, "Server", RegSz{server}));
  }
  fs::path state() const { return temp_ / "state"; }
  std::string read(const fs::path& p) const { return platform::readWholeFile(p).valueOr("(missing)"); }
  bool audited(const std::string& event) const {
    for (const auto& r : readAuditLog(state() / "audit.jsonl").records) {
      if (r.entry.event == event) return true;
    }
    return false;
  }

  platform::testing::ScopedTempDir temp_;
  platform::NativePlatform native_;
  platform::MemoryRegistry registry_;
  platform::Platform platform_;
};

TEST_F(InstallSettingsTest, ReadsWhatTheMsiWroteAndNothingWithoutARegistry) {
  install("http://srv/policy.ini", "SRV01");
  const auto settings = readInstallSettings(&registry_);
  EXPECT_EQ(settings.policySource, "http://srv/policy.ini");
  EXPECT_EQ(settings.server, "SRV01");
  EXPECT_EQ(settings.installDir, (temp_ / "Program Files" / "Remediator").string());
  const auto none = readInstallSettings(nullptr);
  EXPECT_TRUE(none.installDir.empty() && none.policySource.empty() && none.server.empty());
}

TEST_F(InstallSettingsTest, SeedsTheShippedPolicyWithTheServerOnlyWhenNoneExists) {
  const auto shipped = temp_ / "Program Files" / "Remediator" / "default-policy.ini";
  fs::create_directories(state());
  auto seeded = seedDefaultPolicy(shipped, state(), "SRV01");
  ASSERT_TRUE(seeded) << seeded.error().message;
  EXPECT_TRUE(*seeded);
  const auto text = read(state() / "policy.ini");
  EXPECT_NE(text.find("server = SRV01\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ESSENTIALS"), std::string::npos) << text;
  EXPECT_NE(text.find("; shipped default"), std::string::npos) << text;

  // An administrator's policy, INI or XML, is never replaced.
  std::ofstream(state() / "policy.ini", kBinary) << "[service]\nserver = ADMIN\n";
  EXPECT_FALSE(*seedDefaultPolicy(shipped, state(), "SRV01"));
  EXPECT_EQ(read(state() / "policy.ini"), "[service]\nserver = ADMIN\n");
  fs::remove(state() / "policy.ini");
  std::ofstream(state() / "policy.xml", kBinary) << "<policy/>";
  EXPECT_FALSE(*seedDefaultPolicy(shipped, state(), "SRV01"));
  EXPECT_FALSE(fs::exists(state() / "policy.ini"));
}

TEST_F(InstallSettingsTest, SeedingWithoutServerKeepsTheShippedTextAndAMissingCopyIsNoSeed) {
  fs::create_directories(state());
  EXPECT_FALSE(*seedDefaultPolicy(temp_ / "nowhere.ini", state(), ""));
  EXPECT_TRUE(*seedDefaultPolicy(temp_ / "Program Files" / "Remediator" / "default-policy.ini", state(), ""));
  EXPECT_EQ(read(state() / "policy.ini"), kShipped);
}

TEST_F(InstallSettingsTest, ABadServerIsRefusedNamingTheRegistryValue) {
  fs::create_directories(state());
  auto seeded = seedDefaultPolicy(temp_ / "Program Files" / "Remediator" / "default-policy.ini", state(), "srv;rm");
  ASSERT_FALSE(seeded);
  EXPECT_NE(seeded.error().message.find("SOFTWARE\\Remediator Server"), std::string::npos) << seeded.error().message;
  EXPECT_FALSE(fs::exists(state() / "policy.ini"));
}

TEST_F(InstallSettingsTest, TheRuntimeSeedsOnceAndAuditsIt) {
  install("", "SRV01");
  {
    auto rt = Runtime::start({"", state().string(), true, false}, platform_);
    ASSERT_TRUE(rt) << rt.error().message;
    EXPECT_EQ((*rt)->policy().policy.service.server, "SRV01");
  }
  EXPECT_TRUE(audited("policy_seeded"));
  // The administrator edits the seeded file; a restart (or a repair that changed SERVER) keeps the edit.
  std::ofstream(state() / "policy.ini", kBinary) << "[service]\nserver = EDITED\n";
  ASSERT_TRUE(registry_.write(kInstallSettingsKey, "Server", RegSz{"OTHER"}));
  auto rt = Runtime::start({"", state().string(), true, false}, platform_);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->policy().policy.service.server, "EDITED");
}

TEST_F(InstallSettingsTest, PolicySourceIsTheCentralSourceAndTheSeedTheFallback) {
  const auto central = temp_ / "central.ini";
  std::ofstream(central, kBinary) << "[service]\nserver = CENTRAL\n";
  install(central.string(), "SRV01");
  {
    auto rt = Runtime::start({"", state().string(), true, false}, platform_);
    ASSERT_TRUE(rt) << rt.error().message;
    EXPECT_EQ((*rt)->policy().policy.service.server, "CENTRAL");
  }
  // The central source unreachable: its cached policy stays in force...
  fs::remove(central);
  {
    auto rt = Runtime::start({"", state().string(), true, false}, platform_);
    ASSERT_TRUE(rt) << rt.error().message;
    EXPECT_EQ((*rt)->policy().policy.service.server, "CENTRAL");
  }
  // ...and on a PC that never reached it, the seeded default is.
  fs::remove_all(state());
  auto rt = Runtime::start({"", state().string(), true, false}, platform_);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->policy().policy.service.server, "SRV01");
  EXPECT_TRUE(audited("policy_rejected"));
}

TEST_F(InstallSettingsTest, AGivenPolicyWinsOverTheInstalledSettings) {
  install("", "SRV01");
  const auto given = temp_ / "given.ini";
  std::ofstream(given, kBinary) << "[service]\nserver = GIVEN\n";
  auto rt = Runtime::start({given.string(), state().string(), true, false}, platform_);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->policy().policy.service.server, "GIVEN");
  EXPECT_FALSE(fs::exists(state() / "policy.ini")) << "a run with --policy seeded the default";
}

// --- POLICY_KEYS and ALLOW_UNSIGNED_HTTP ---------------------------------------------------------------------

TEST_F(InstallSettingsTest, TrustedKeysComeFromTheRegistryAndTheNativeFileStandsInForIt) {
  auto a = policies::generatePolicyKeyPair().value();
  auto b = policies::generatePolicyKeyPair().value();
  const std::string keys = policies::formatPublicKey(a.publicKey) + "," + policies::formatPublicKey(b.publicKey);
  ASSERT_TRUE(registry_.write(kInstallSettingsKey, "PolicyKeys", RegSz{keys}));
  ASSERT_TRUE(registry_.write(kInstallSettingsKey, "AllowUnsignedHttp", RegSz{"1"}));
  // A native key file in the state folder is not looked at where there is a registry (a user could have
  // planted it before the state folder was locked down).
  fs::create_directories(state());
  std::ofstream(state() / kPolicyKeysFile, kBinary) << "garbage\n";
  auto trust = readPolicyTrust(&registry_, state());
  ASSERT_TRUE(trust) << trust.error().message;
  EXPECT_EQ(trust->keys, (std::vector<policies::PolicyKey>{a.publicKey, b.publicKey}));
  EXPECT_TRUE(trust->allowUnsignedHttp);
  EXPECT_EQ(trust->acceptedFile, state() / kAcceptedPolicyFile);

  std::ofstream(state() / kPolicyKeysFile, kBinary)
      << "# the fleet's key\n" << policies::formatPublicKey(b.publicKey) << "\n";
  auto native = readPolicyTrust(nullptr, state());
  ASSERT_TRUE(native) << native.error().message;
  EXPECT_EQ(native->keys, std::vector<policies::PolicyKey>{b.publicKey});
  EXPECT_FALSE(native->allowUnsignedHttp);
  std::ofstream(state() / kPolicyKeysFile, kBinary) << "allow-unsigned-http\n";
  EXPECT_TRUE(readPolicyTrust(nullptr, state())->allowUnsignedHttp);
  fs::remove(state() / kPolicyKeysFile);
  EXPECT_TRUE(readPolicyTrust(nullptr, state())->keys.empty());
}

TEST_F(InstallSettingsTest, AMalformedKeyStopsTheStartNamingTheRegistryValue) {
  install("", "SRV01");
  ASSERT_TRUE(registry_.write(kInstallSettingsKey, "PolicyKeys", RegSz{"ed25519:0123456789abcdef:AAAA"}));
  auto rt = Runtime::start({"", state().string(), true, false}, platform_);
  ASSERT_FALSE(rt);
  EXPECT_EQ(rt.error().code, platform::ErrorCode::kInvalidData);
  EXPECT_NE(rt.error().message.find("SOFTWARE\\Remediator PolicyKeys (the MSI's POLICY_KEYS): item 1"),
            std::string::npos)
      << rt.error().message;
}

TEST_F(InstallSettingsTest, WithKeysAnUnsignedCentralPolicyIsRefusedAndAuditedAndASignedOneIsUsed) {
  auto key = policies::generatePolicyKeyPair().value();
  const auto central = temp_ / "central.ini";
  const std::string text = "[service]\nserver = CENTRAL\nserial = 1\n";
  std::ofstream(central, kBinary) << text;
  install(central.string(), "SRV01");
  ASSERT_TRUE(registry_.write(kInstallSettingsKey, "PolicyKeys", RegSz{policies::formatPublicKey(key.publicKey)}));
  {
    auto rt = Runtime::start({"", state().string(), true, false}, platform_);
    ASSERT_TRUE(rt) << rt.error().message;
    // The seeded default, which is the state folder's own file, needs no signature; the central one does.
    EXPECT_EQ((*rt)->policy().policy.service.server, "SRV01");
  }
  bool refused = false;
  for (const auto& r : readAuditLog(state() / "audit.jsonl").records) {
    refused = refused || (r.entry.event == "policy_rejected" && r.entry.outcome == "refused" &&
                          r.entry.message.find("central.ini.sig") != std::string::npos);
  }
  EXPECT_TRUE(refused) << "no policy_rejected/refused record naming the missing signature";
  std::ofstream(temp_ / "central.ini.sig", kBinary) << *policies::signPolicy(text, key.privateKey);
  auto rt = Runtime::start({"", state().string(), true, false}, platform_);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->policy().policy.service.server, "CENTRAL");
  EXPECT_TRUE(fs::exists(state() / kAcceptedPolicyFile));
}

// The PC started before the network: the central source (POLICY_SOURCE) cannot be read at the start, so the seeded
// bootstrap policy is in force. Each refresh tries the central source again, sooner at first (backoff_initial
// doubling, never beyond the refresh interval), in virtual time; once it answers it is the source from then on.
TEST_F(InstallSettingsTest, ACentralSourceThatFailsAtTheStartIsTriedAgainAtEachRefreshUntilItAnswers) {
  using std::chrono::minutes;
  platform::ManualTimeSource time{platform::SysTime(std::chrono::hours(500000))};
  platform_.time = &time;
  const auto central = temp_ / "share" / "central.ini";  // not reachable yet
  install(central.string(), "SRV01");
  auto rt = Runtime::start({"", state().string(), true, false}, platform_);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->policy().policy.service.server, "SRV01");
  EXPECT_TRUE((*rt)->centralPending());

  std::vector<platform::Millis> delays;
  for (int i = 0; i < 6; ++i) {
    delays.push_back((*rt)->nextRefreshDelay());
    time.advance(delays.back());
    (*rt)->refreshPolicy();
    EXPECT_EQ((*rt)->policy().policy.service.server, "SRV01");
  }
  EXPECT_EQ(delays, (std::vector<platform::Millis>{minutes(1), minutes(2), minutes(4), minutes(8), minutes(15),
                                                   minutes(15)}));
  EXPECT_TRUE((*rt)->centralPending());
  int rejected = 0;
  for (const auto& r : readAuditLog(state() / "audit.jsonl").records) rejected += r.entry.event == "policy_rejected";
  EXPECT_EQ(rejected, 1) << "the same failure at every try is audited once";

  fs::create_directories(central.parent_path());
  std::ofstream(central, kBinary) << "[service]\nserver = CENTRAL\nrefresh = 30m\n";
  time.advance((*rt)->nextRefreshDelay());
  (*rt)->refreshPolicy();
  EXPECT_EQ((*rt)->policy().policy.service.server, "CENTRAL");
  EXPECT_FALSE((*rt)->centralPending());
  EXPECT_EQ((*rt)->nextRefreshDelay(), minutes(30));
  EXPECT_TRUE(audited("policy_source"));
  EXPECT_TRUE(audited("policy_loaded"));

  // From now on the central source is the one refreshed: a change there is taken in.
  std::ofstream(central, kBinary) << "[service]\nserver = CENTRAL2\nrefresh = 30m\n";
  time.advance((*rt)->nextRefreshDelay());
  (*rt)->refreshPolicy();
  EXPECT_EQ((*rt)->policy().policy.service.server, "CENTRAL2");
}

TEST_F(InstallSettingsTest, RemoveDataDeletesTheStateFolderButNotWhileItIsInUse) {
  install("", "SRV01");
  {
    auto rt = Runtime::start({"", state().string(), true, false}, platform_);
    ASSERT_TRUE(rt) << rt.error().message;
    auto busy = removeDataDir(state());
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, platform::ErrorCode::kBusy);
    EXPECT_TRUE(fs::exists(state() / "audit.jsonl"));
  }
  fs::create_directories(state() / "connector");
  std::ofstream(state() / "connector" / "journal.json", kBinary) << "{}";

  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(runCli({"remove-data", "--state-dir", state().string()}, CliIo{in, out, err}, platform_), kExitUsage);
  EXPECT_TRUE(fs::exists(state() / "audit.jsonl")) << "remove-data without --yes deleted something";
  EXPECT_EQ(runCli({"remove-data", "--yes", "--state-dir", state().string()}, CliIo{in, out, err}, platform_), kExitOk)
      << err.str();
  EXPECT_FALSE(fs::exists(state()));
  EXPECT_TRUE(removeDataDir(state())) << "a folder already gone is not an error";
}

}  // namespace
}  // namespace remediator::service
