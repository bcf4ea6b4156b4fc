// The real executable, started as a child process: it runs a cycle, refuses a second instance on the same state
// folder, and stops on SIGTERM within 5 s, auditing start and stop.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "platform/durable_file.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

pid_t spawn(const std::vector<std::string>& args, const fs::path& output) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Polls (this is a real process on the real clock: the one place a test waits) until `pred` or `limit`.
template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

std::string slurp(const fs::path& p) { return remediator::platform::readWholeFile(p).valueOr(""); }

TEST(ServiceProcessTest, RunsACycleAndStopsOnSigterm) {
  const fs::path dir = fs::temp_directory_path() / ("remediator-svc-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "Logs");
  const auto policy = dir / "policy.ini";
  std::ofstream(policy) << "[service]\nserver = essentials\nstart_delay = 1s\n\n[stale_logs]\nmode = audit\nfolder_anywhere = true\n"
                        << "folder = " << (dir / "Logs").string() << "\n";
  const std::vector<std::string> args{REMEDIATOR_EXE, "service", "--policy", policy.string(),
                                      "--state-dir", (dir / "state").string()};
  const pid_t pid = spawn(args, dir / "service.out");
  ASSERT_GT(pid, 0);
  const auto audit = dir / "state" / "audit.jsonl";
  const bool ran = waitFor([&] { return slurp(audit).find("\"stale_logs\"") != std::string::npos; },
                           std::chrono::seconds(20));
  EXPECT_TRUE(ran) << slurp(dir / "service.out");
  EXPECT_NE(slurp(audit).find("service_started"), std::string::npos);

  // A second instance on the same state folder is refused.
  const pid_t second = spawn(args, dir / "second.out");
  int secondStatus = 0;
  waitpid(second, &secondStatus, 0);
  EXPECT_TRUE(WIFEXITED(secondStatus) && WEXITSTATUS(secondStatus) != 0);
  EXPECT_NE(slurp(dir / "second.out").find("another instance"), std::string::npos) << slurp(dir / "second.out");

  const auto stopAsked = Clock::now();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  const bool exited = waitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(5));
  if (!exited) kill(pid, SIGKILL), waitpid(pid, &status, 0);
  EXPECT_TRUE(exited) << "still running 5 s after SIGTERM";
  EXPECT_LT(Clock::now() - stopAsked, std::chrono::seconds(5));
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir / "service.out");
  EXPECT_NE(slurp(audit).find("service_stopped"), std::string::npos);
  fs::remove_all(dir);
}

// The real executable's exit codes for help, which the service wrapper (Poco) answers for `service --help`.
TEST(ServiceProcessTest, HelpExitsZeroAndAMissingCommandTwo) {
  const fs::path dir = fs::temp_directory_path() / ("remediator-help-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto exitOf = [&](std::vector<std::string> args) {
    args.insert(args.begin(), REMEDIATOR_EXE);
    const pid_t pid = spawn(args, dir / "out");
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"run", "--help"}, {"policy", "--help"}, {"policy", "validate", "--help"}, {"service", "--help"},
           {"service", "-h"}}) {
    EXPECT_EQ(exitOf(args), 0) << args[0] << " " << args[1 % args.size()] << ": " << slurp(dir / "out");
    EXPECT_NE(slurp(dir / "out").find("remediator"), std::string::npos) << slurp(dir / "out");
  }
  EXPECT_NE(slurp(dir / "out").find("--state-dir"), std::string::npos) << "service help: " << slurp(dir / "out");
  EXPECT_EQ(exitOf({}), 2) << slurp(dir / "out");
  EXPECT_EQ(exitOf({"frobnicate"}), 2) << slurp(dir / "out");
  EXPECT_EQ(exitOf({"policy"}), 2) << slurp(dir / "out");
  fs::remove_all(dir);
}

}  // namespace
