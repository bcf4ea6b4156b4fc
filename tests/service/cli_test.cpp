#include "service/cli.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "platform/durable_file.h"
#include "fixers/connector/connector_journal.h"
#include "platform/platform.h"
#include "platform/time_source.h"
#include "remediator_version.h"

namespace remediator::service {
namespace {

namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    dir_ = fs::temp_directory_path() / ("remediator-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "state");
    fs::create_directories(dir_ / "Logs");
  }
  ~CliTest() override { fs::remove_all(dir_); }

  int run(std::vector<std::string> args, const std::string& input = "") {
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    return runCli(args, CliIo{in, out_, err_}, native_.get());
  }

  // Every fixer off but stale logs, which clears a folder of the test's own (no Connector can be installed on
  // Linux, so its logs count as stale).
  std::string writePolicy(const std::string& staleMode, const std::string& extra = "") {
    const auto path = dir_ / "policy.ini";
    std::ofstream(path) << "[service]\nserver = essentials\n" << extra << "\n[stale_logs]\nfolder_anywhere = true\nmode = " << staleMode
                        << "\nfolder = " << (dir_ / "Logs").string() << "\narchive = none\n";
    return path.string();
  }

  std::string state() const { return (dir_ / "state").string(); }

  // Runs a command that waits for the service, in virtual time: each pause advances a manual clock by its step
  // and counts; `service` (given the pause's number) plays the service's part.
  int runWaiting(platform::Platform& pf, std::vector<std::string> args, int& pauses, std::function<void(int)> service) {
    pf.time = &time_;
    std::istringstream in;
    out_.str("");
    err_.str("");
    CliIo io{in, out_, err_};
    io.pause = [&](std::chrono::milliseconds step) {
      time_.advance(step);
      ++pauses;
      if (service) service(pauses);
    };
    return runCli(args, io, pf);
  }

  platform::NativePlatform native_;
  platform::ManualTimeSource time_{platform::SysTime(std::chrono::hours(500000))};
  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, VersionPrintsTheProjectVersion) {
  EXPECT_EQ(run({"version"}), kExitOk);
  EXPECT_EQ(out_.str(), std::string("remediator ") + REMEDIATOR_VERSION + "\n");
}

TEST_F(CliTest, BadUsageExitsTwo) {
  EXPECT_EQ(run({}), kExitUsage);
  EXPECT_EQ(run({"frobnicate"}), kExitUsage);
  EXPECT_NE(err_.str().find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(run({"run"}), kExitUsage);
  EXPECT_NE(err_.str().find("--once"), std::string::npos);
  EXPECT_EQ(run({"run", "--once", "--bogus"}), kExitUsage);
  EXPECT_EQ(run({"policy", "validate"}), kExitUsage);
}

TEST_F(CliTest, EveryCommandHasHelp) {
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"run"}, {"policy", "validate"}, {"policy", "show"},
                                                              {"audit", "verify"}, {"audit", "show"}, {"status"},
                                                              {"reset"}, {"version"}, {"autologon", "set-password"}}) {
    auto args = cmd;
    args.push_back("--help");
    EXPECT_EQ(run(args), kExitOk) << cmd[0];
    EXPECT_NE(out_.str().find("usage: remediator " + cmd[0]), std::string::npos) << out_.str();
  }
}

TEST_F(CliTest, HelpAskedForExitsZeroOnStandardOutput) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"help"}, {"run", "-h"}, {"run", "--bogus", "--help"}, {"upgrade", "prepare", "--help"},
           {"policy", "--help"}, {"policy", "-h"}, {"audit", "--help"}, {"upgrade", "--help"}, {"help", "run"},
           {"help", "policy", "sign"}, {"help", "policy"}, {"help", "service"}}) {
    out_.str("");
    err_.str("");
    EXPECT_EQ(run(args), kExitOk) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << err_.str();
    EXPECT_NE(out_.str().find("usage: remediator"), std::string::npos) << out_.str();
    EXPECT_EQ(err_.str(), "");
  }
  out_.str("");
  EXPECT_EQ(run({"policy", "--help"}), kExitOk);
  EXPECT_NE(out_.str().find("policy validate FILE"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("audit verify"), std::string::npos) << "only the policy subcommands: " << out_.str();
  out_.str("");
  EXPECT_EQ(run({"help", "policy", "sign"}), kExitOk);
  EXPECT_EQ(out_.str().rfind("usage: remediator policy sign FILE --key PRIVATE", 0), 0u) << out_.str();
}

TEST_F(CliTest, AMissingOrUnknownCommandStillExitsTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"frobnicate", "--help"}, {"policy"}, {"policy", "frobnicate"},
           {"policy", "frobnicate", "--help"}, {"help", "frobnicate"}, {"help", "policy", "frobnicate"}}) {
    out_.str("");
    err_.str("");
    EXPECT_EQ(run(args), kExitUsage) << (args.empty() ? "(none)" : args[0]);
    EXPECT_NE(err_.str().find("usage: remediator"), std::string::npos) << err_.str();
    EXPECT_EQ(out_.str(), "");
  }
  err_.str("");
  EXPECT_EQ(run({"policy"}), kExitUsage);
  EXPECT_NE(err_.str().find("which subcommand"), std::string::npos) << err_.str();
}

TEST_F(CliTest, PolicyValidateNamesTheFileAndKey) {
  const auto bad = dir_ / "bad.ini";
  std::ofstream(bad) << "[service]\nserver = x\n[clock]\nmode = sometimes\n";
  EXPECT_EQ(run({"policy", "validate", bad.string()}), kExitUsage);
  EXPECT_NE(err_.str().find("bad.ini"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("mode"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"policy", "validate", writePolicy("audit")}), kExitOk);
  EXPECT_NE(out_.str().find("valid"), std::string::npos);
  EXPECT_EQ(run({"policy", "show", writePolicy("audit"), "--json"}), kExitOk);
  EXPECT_NE(out_.str().find("\"stale_logs\""), std::string::npos);
}

TEST_F(CliTest, PolicyKeygenSignVerifyAndEveryWayToFail) {
  const auto keys = dir_ / "keys";
  ASSERT_EQ(run({"policy", "keygen", "--out", keys.string()}), 0) << err_.str();
  fs::path keyFile, pubFile;
  for (const auto& e : fs::directory_iterator(keys)) (e.path().extension() == ".key" ? keyFile : pubFile) = e.path();
  ASSERT_FALSE(keyFile.empty());
  ASSERT_FALSE(pubFile.empty());
  const std::string publicLine = platform::readWholeFile(pubFile).value();
  const std::string secret = platform::readWholeFile(keyFile).value();
  EXPECT_NE(out_.str().find(publicLine.substr(0, publicLine.size() - 1)), std::string::npos) << out_.str();
  // The private key is never printed (owner-only creation: PrivateFileTest natively; Wine keeps no ACLs).
  const std::string seedLine = secret.substr(secret.find("ed25519-private:"));
  const std::string seed = seedLine.substr(seedLine.rfind(':') + 1, 44);
  EXPECT_EQ(out_.str().find(seed), std::string::npos);
  EXPECT_EQ(err_.str().find(seed), std::string::npos);

  const auto policy = writePolicy("audit", "serial = 12");
  ASSERT_EQ(run({"policy", "sign", policy, "--key", keyFile.string()}), 0) << err_.str();
  EXPECT_NE(out_.str().find("(serial 12, sha256 "), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find(seed), std::string::npos);
  EXPECT_EQ(run({"policy", "verify", policy, "--key", pubFile.string()}), 0) << out_.str() << err_.str();
  EXPECT_EQ(run({"policy", "verify", policy, "--key", publicLine}), 0) << out_.str() << err_.str();
  // The installed keys when --key is not given: natively the policy-keys file in the state folder. (Where there
  // is a registry they are HKLM's PolicyKeys: InstallSettingsTest covers that with the in-memory registry.)
  if (native_.get().registry == nullptr) {
    EXPECT_EQ(run({"policy", "verify", policy, "--state-dir", state()}), 2);  // none installed
    std::ofstream(fs::path(state()) / "policy-keys") << publicLine;
    EXPECT_EQ(run({"policy", "verify", policy, "--state-dir", state()}), 0) << out_.str() << err_.str();
  }

  std::ofstream(policy, std::ios::app) << "; edited after signing\n";
  EXPECT_EQ(run({"policy", "verify", policy, "--key", pubFile.string()}), 1);
  EXPECT_NE(out_.str().find("INVALID"), std::string::npos) << out_.str();
  fs::remove(policy + ".sig");
  EXPECT_EQ(run({"policy", "verify", policy, "--key", pubFile.string()}), 1);
  EXPECT_NE(out_.str().find("NOT SIGNED"), std::string::npos) << out_.str();

  // A second keygen into the same folder makes another pair and replaces nothing.
  ASSERT_EQ(run({"policy", "keygen", "--out", keys.string()}), 0) << err_.str();
  EXPECT_EQ(platform::readWholeFile(keyFile).value(), secret);
  // Bad usage: 2.
  EXPECT_EQ(run({"policy", "keygen"}), 2);
  EXPECT_EQ(run({"policy", "sign", policy}), 2);
  EXPECT_EQ(run({"policy", "sign", policy, "--key", pubFile.string()}), 2);  // a public key cannot sign
  EXPECT_EQ(run({"policy", "verify", policy, "--key", "ed25519:nonsense"}), 2);
  EXPECT_EQ(run({"policy", "verify"}), 2);
  std::ofstream(policy) << "[service]\nserver = bad name\n";
  EXPECT_EQ(run({"policy", "sign", policy, "--key", keyFile.string()}), 2);  // an invalid policy is not signed
  EXPECT_FALSE(fs::exists(policy + ".sig"));
}

TEST_F(CliTest, RunOnceFixesAndTheAuditLogVerifies) {
  std::ofstream(dir_ / "Logs" / "old.log") << "stale";
  const auto policy = writePolicy("enforce");
  EXPECT_EQ(run({"run", "--once", "--dry-run", "--policy", policy, "--state-dir", state()}), kExitProblem);
  EXPECT_TRUE(fs::exists(dir_ / "Logs" / "old.log")) << "a dry run changed the machine";
  EXPECT_NE(out_.str().find("stale_logs"), std::string::npos);

  EXPECT_EQ(run({"run", "--once", "--policy", policy, "--state-dir", state()}), kExitOk) << out_.str() << err_.str();
  EXPECT_FALSE(fs::exists(dir_ / "Logs" / "old.log"));
  EXPECT_NE(out_.str().find("fixed"), std::string::npos) << out_.str();

  EXPECT_EQ(run({"audit", "verify", "--state-dir", state()}), kExitOk) << out_.str();
  EXPECT_NE(out_.str().find("intact"), std::string::npos);
  EXPECT_EQ(run({"audit", "show", "--state-dir", state(), "--fixer", "stale_logs"}), kExitOk);
  EXPECT_NE(out_.str().find("verified"), std::string::npos) << out_.str();
  EXPECT_EQ(run({"status", "--state-dir", state()}), kExitOk);
  EXPECT_NE(out_.str().find("stale_logs"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyFailsOnATamperedLog) {
  std::ofstream(dir_ / "Logs" / "old.log") << "stale";
  ASSERT_EQ(run({"run", "--once", "--policy", writePolicy("enforce"), "--state-dir", state()}), kExitOk);
  const auto log = dir_ / "state" / "audit.jsonl";
  auto text = *platform::readWholeFile(log);
  const auto pos = text.find("\"verified\"");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 10, "\"skipped!\"");
  std::ofstream(log, std::ios::trunc) << text;
  EXPECT_EQ(run({"audit", "verify", "--state-dir", state()}), kExitProblem);
  EXPECT_NE(out_.str().find("BROKEN"), std::string::npos) << out_.str();
}

TEST_F(CliTest, AuditVerifyCannotVouchForATailWhenTheStateFileIsGone) {
  // The attack: cut the last records off the log and delete audit.state so nothing remembers how far it went.
  std::ofstream(dir_ / "Logs" / "old.log") << "stale";
  ASSERT_EQ(run({"run", "--once", "--policy", writePolicy("enforce"), "--state-dir", state()}), kExitOk);
  const auto log = dir_ / "state" / "audit.jsonl";
  auto text = *platform::readWholeFile(log);
  ASSERT_FALSE(text.empty());
  text.pop_back();  // the final newline
  text.resize(text.rfind('\n') + 1);
  std::ofstream(log, std::ios::trunc | std::ios::binary) << text;
  ASSERT_TRUE(fs::remove(dir_ / "state" / "audit.state"));
  EXPECT_EQ(run({"audit", "verify", "--state-dir", state()}), kExitProblem) << out_.str();
  EXPECT_NE(out_.str().find("TAIL CANNOT BE VOUCHED FOR"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("intact"), std::string::npos) << out_.str();
}

TEST_F(CliTest, AnInvalidPolicyIsExitTwoAndAMissingOneIsNamed) {
  const auto bad = dir_ / "bad.xml";
  std::ofstream(bad) << "<policy><service><server>x</server></service><clock><mode>on</mode></clock>";
  EXPECT_EQ(run({"run", "--once", "--policy", bad.string(), "--state-dir", state()}), kExitUsage);
  EXPECT_NE(err_.str().find("bad.xml"), std::string::npos) << err_.str();
  EXPECT_NE(run({"run", "--once", "--policy", (dir_ / "nope.ini").string(), "--state-dir", state()}), kExitOk);
  EXPECT_NE(err_.str().find("nope.ini"), std::string::npos) << err_.str();
}

TEST_F(CliTest, SetPasswordNeedsASecretStore) {
  // Linux has no LSA: the command says so instead of pretending; the password is never echoed.
  EXPECT_EQ(run({"autologon", "set-password"}, "Hunter2-not-printed\n"), kExitProblem);
  EXPECT_EQ(err_.str().find("Hunter2-not-printed"), std::string::npos);
  EXPECT_EQ(out_.str().find("Hunter2-not-printed"), std::string::npos);
}

// `upgrade prepare --wait` (precommit.cmd uses it) returns once the service's guard has taken this very request
// in and removed the Connector; the pause callback plays the service and the clock is virtual.
TEST_F(CliTest, UpgradePrepareWaitReturnsWhenTheGuardHasRemovedTheConnector) {
  namespace connector = fixers::connector;
  platform::Platform pf = native_.get();
  int pauses = 0;
  const int code = runWaiting(pf, {"upgrade", "prepare", "--wait", "10m", "--state-dir", state()}, pauses, [&](int n) {
    if (n < 3) return;  // the service takes a moment to notice
    auto request = connector::loadRequest(*pf.files, state());
    ASSERT_TRUE(request && *request);
    connector::ConnectorJournal journal;
    journal.state = connector::GuardState::kAwaitingUpgrade;
    journal.lastRequestId = (*request)->id;
    ASSERT_TRUE(connector::saveJournal(*pf.files, state(), journal));
  });
  EXPECT_EQ(code, 0) << err_.str();
  EXPECT_EQ(pauses, 3);
  EXPECT_NE(out_.str().find("the Connector is removed; ready for the upgrade"), std::string::npos) << out_.str();
}

TEST_F(CliTest, UpgradeCancelWaitGivesUpAfterItsTimeAndSaysWhere) {
  platform::Platform pf = native_.get();
  int pauses = 0;
  EXPECT_EQ(runWaiting(pf, {"upgrade", "cancel", "--wait", "30s", "--state-dir", state()}, pauses, {}), 1);
  EXPECT_EQ(pauses, 30) << "one look a second";
  EXPECT_NE(err_.str().find("is not taken in yet (is the service running?) after 30s"), std::string::npos)
      << err_.str();
  EXPECT_EQ(run({"upgrade", "prepare", "--wait", "soon", "--state-dir", state()}), 2);
  EXPECT_NE(err_.str().find("--wait"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace remediator::service
