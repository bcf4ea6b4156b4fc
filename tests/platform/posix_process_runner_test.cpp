#include "platform/posix/posix_process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "temp_dir.h"

namespace remediator::platform {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

ProcessRequest shell(const std::string& script, Millis timeout = seconds(30)) {
  // The runner never uses a shell itself; these tests start one on purpose to shape the child's behaviour.
  return ProcessRequest{"/bin/sh", {"-c", script}, timeout, ""};
}

/// Whether `pid` is dead: gone, or a zombie that init has not reaped yet (not every container's init reaps
/// promptly).
bool processDead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

bool processGone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (processDead(pid)) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(PosixProcessRunnerTest, ReturnsTheExitCode) {
  PosixProcessRunner runner;
  auto zero = runner.run(ProcessRequest{"true"});
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(zero->exitCode, 0);
  EXPECT_FALSE(zero->timedOut);
  auto three = runner.run(shell("exit 3"));
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->exitCode, 3);
}

TEST(PosixProcessRunnerTest, CapturesStandardOutputAndError) {
  PosixProcessRunner runner;
  auto result = runner.run(shell("echo to-out; echo to-err >&2"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output, "to-out\nto-err\n");
}

TEST(PosixProcessRunnerTest, PassesArgumentsVerbatimWithoutAShell) {
  PosixProcessRunner runner;
  auto result = runner.run(ProcessRequest{"printf", {"%s|", "a b", "$HOME", "*", "\"q\"", ""}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output, "a b|$HOME|*|\"q\"||");
}

TEST(PosixProcessRunnerTest, SignalDeathIsReportedAs128PlusTheSignal) {
  PosixProcessRunner runner;
  auto result = runner.run(shell("kill -TERM $$"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exitCode, 128 + SIGTERM);
}

TEST(PosixProcessRunnerTest, TimeoutKillsTheChildQuickly) {
  PosixProcessRunner runner;
  const auto start = Clock::now();
  auto result = runner.run(ProcessRequest{"sleep", {"30"}, milliseconds(200), ""});
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timedOut);
  EXPECT_EQ(result->exitCode, -1);
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, seconds(3));
}

TEST(PosixProcessRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  PosixProcessRunner runner;
  // The shell starts a grandchild, prints its pid and waits: both must die at the timeout.
  auto result = runner.run(shell("sleep 30 & echo $!; wait", milliseconds(300)));
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->timedOut);
  const pid_t grandchild = static_cast<pid_t>(std::stol(result->output));
  ASSERT_GT(grandchild, 1);
  EXPECT_TRUE(processGone(grandchild));
}

TEST(PosixProcessRunnerTest, ReturnsWhenTheChildEndsEvenIfAGrandchildKeepsTheOutputOpen) {
  PosixProcessRunner runner;
  const auto start = Clock::now();
  auto result = runner.run(shell("sleep 30 & echo $$; exit 4"));
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode, 4);
  EXPECT_LT(elapsed, seconds(5));
  const pid_t group = static_cast<pid_t>(std::stol(result->output));
  ASSERT_GT(group, 1);
  ::kill(-group, SIGKILL);  // the left-over sleep is this test's to clean up
}

TEST(PosixProcessRunnerTest, OutputIsCappedAtOneMebibyteAndTheChildStillFinishes) {
  PosixProcessRunner runner;
  auto result = runner.run(ProcessRequest{"head", {"-c", "3000000", "/dev/zero"}, seconds(30), ""});
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_EQ(result->output.size(), PosixProcessRunner::kMaxOutput);
  EXPECT_EQ(PosixProcessRunner::kMaxOutput, 1048576u);
}

TEST(PosixProcessRunnerTest, MissingProgramIsNotFound) {
  PosixProcessRunner runner;
  for (const char* program : {"/nonexistent/remediator-no-such-program", "remediator-no-such-program-7d1c"}) {
    auto result = runner.run(ProcessRequest{program});
    ASSERT_FALSE(result.ok()) << program;
    EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
    EXPECT_NE(result.error().message.find(program), std::string::npos);
  }
  EXPECT_EQ(runner.run(ProcessRequest{""}).error().code, ErrorCode::kInvalidArgument);
}

TEST(PosixProcessRunnerTest, NonExecutableFileIsPermissionDenied) {
  testing::ScopedTempDir dir;
  const auto script = dir / "not-executable.sh";
  FILE* f = std::fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#!/bin/sh\nexit 0\n", f);
  std::fclose(f);
  EXPECT_EQ(PosixProcessRunner().run(ProcessRequest{script.string()}).error().code,
            ErrorCode::kPermissionDenied);
}

TEST(PosixProcessRunnerTest, RunsInTheWorkingDirectory) {
  testing::ScopedTempDir dir;
  PosixProcessRunner runner;
  auto result = runner.run(ProcessRequest{"pwd", {}, seconds(30), dir.path().string()});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output, std::filesystem::canonical(dir.path()).string() + "\n");
  auto missing = runner.run(ProcessRequest{"pwd", {}, seconds(30), (dir / "missing").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(PosixProcessRunnerTest, StandardInputIsEmpty) {
  PosixProcessRunner runner;
  auto result = runner.run(ProcessRequest{"wc", {"-c"}, seconds(10), ""});  // would hang on a terminal
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(std::stoi(result->output), 0);
}

}  // namespace
}  // namespace remediator::platform
