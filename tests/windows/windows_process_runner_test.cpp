// WindowsProcessRunner against real child processes (test_helper.exe) under Wine, and the quoting rules
// against parseCommandLine, the shared reader of Windows command lines.
#include "platform/windows/windows_process_runner.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/platform/temp_dir.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

using testing::helperPath;
using Clock = std::chrono::steady_clock;

ProcessRequest helper(std::vector<std::string> args, Millis timeout = std::chrono::seconds(60)) {
  ProcessRequest request;
  request.program = helperPath();
  request.args = std::move(args);
  request.timeout = timeout;
  return request;
}

/// The process id test_helper printed as "child N" (spawn-sleep, spawn-exit), 0 when there is none.
DWORD childPid(const std::string& output) {
  const auto pos = output.find("child ");
  return pos == std::string::npos ? 0 : static_cast<DWORD>(std::stoul(output.substr(pos + 6)));
}

const std::vector<std::string> kTrickyArguments = {
    "plain",
    "with space",
    "",
    "quote\"inside",
    "trailing backslash\\",
    "C:\\Program Files\\Remediator\\",
    "\\\\server\\share\\path",
    "back\\\\\"slashes then quote",
    "tab\there",
    "ünïcödé 日本語",
    "\"already quoted\"",
    "/x{01234567-89AB-CDEF-0123-456789ABCDEF}",
};

TEST(WindowsProcessRunnerTest, ReturnsTheExitCode) {
  WindowsProcessRunner runner;
  auto result = runner.run(helper({"exit", "42"}));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode, 42);
}

TEST(WindowsProcessRunnerTest, CapturesStandardOutputAndError) {
  WindowsProcessRunner runner;
  auto result = runner.run(helper({"out", "hello from the child"}));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_NE(result->output.find("hello from the child"), std::string::npos) << result->output;
  EXPECT_NE(result->output.find("err"), std::string::npos) << result->output;
}

TEST(WindowsProcessRunnerTest, ArgumentsReachTheChildUnchanged) {
  WindowsProcessRunner runner;
  std::vector<std::string> args = {"args"};
  args.insert(args.end(), kTrickyArguments.begin(), kTrickyArguments.end());
  auto result = runner.run(helper(args));
  ASSERT_TRUE(result) << result.error().message;
  std::string expected;
  for (const auto& arg : kTrickyArguments) expected += "<" + arg + ">\n";
  // The C runtime writes "\n" as "\r\n" on a text-mode stdout.
  std::string output;
  for (char c : result->output) {
    if (c != '\r') output += c;
  }
  EXPECT_EQ(output, expected);
}

TEST(WindowsProcessRunnerTest, QuotingRoundTripsThroughParseCommandLine) {
  ProcessRequest request;
  request.program = "C:\\Program Files\\Some Tool\\tool.exe";
  request.args = kTrickyArguments;
  auto line = buildCommandLine(request);
  ASSERT_TRUE(line) << line.error().message;
  auto parsed = parseCommandLine(*line);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->program, request.program);
  EXPECT_EQ(parsed->args, request.args) << *line;
}

TEST(WindowsProcessRunnerTest, QuotesOnlyWhatNeedsQuotes) {
  EXPECT_EQ(quoteWindowsArgument("/qn"), "/qn");
  EXPECT_EQ(quoteWindowsArgument(""), "\"\"");
  EXPECT_EQ(quoteWindowsArgument("a b"), "\"a b\"");
  EXPECT_EQ(quoteWindowsArgument("C:\\dir\\"), "C:\\dir\\");
  EXPECT_EQ(quoteWindowsArgument("C:\\my dir\\"), "\"C:\\my dir\\\\\"");
  EXPECT_EQ(quoteWindowsArgument("say \"hi\""), "\"say \\\"hi\\\"\"");
  ProcessRequest quoteInName;
  quoteInName.program = "bad\"name.exe";
  EXPECT_EQ(buildCommandLine(quoteInName).error().code, ErrorCode::kInvalidArgument);
}

TEST(WindowsProcessRunnerTest, TimeoutEndsTheWholeProcessTree) {
  WindowsProcessRunner runner;
  const auto start = Clock::now();
  auto result = runner.run(helper({"spawn-sleep", "30000"}, std::chrono::milliseconds(1500)));
  const auto took = Clock::now() - start;
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->timedOut);
  EXPECT_EQ(result->exitCode, -1);
  EXPECT_LT(took, std::chrono::seconds(15));
  // The grandchild the helper started must be gone as well.
  const DWORD pid = childPid(result->output);
  ASSERT_NE(pid, 0u) << result->output;
  HANDLE grandchild = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (grandchild != nullptr) {
    EXPECT_EQ(::WaitForSingleObject(grandchild, 5000), WAIT_OBJECT_0) << "grandchild " << pid << " still runs";
    ::CloseHandle(grandchild);
  }
}

TEST(WindowsProcessRunnerTest, ReturnsWhenTheChildEndsEvenIfAGrandchildKeepsTheOutputOpen) {
  WindowsProcessRunner runner;
  const auto start = Clock::now();
  auto result = runner.run(helper({"spawn-exit", "20000"}));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  // Left running on purpose (an uninstaller handing over to a copy of itself); end it here.
  const DWORD pid = childPid(result->output);
  ASSERT_NE(pid, 0u) << result->output;
  HANDLE grandchild = ::OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid);
  ASSERT_NE(grandchild, nullptr) << "the grandchild was ended with its parent";
  EXPECT_EQ(::WaitForSingleObject(grandchild, 0), static_cast<DWORD>(WAIT_TIMEOUT));
  ::TerminateProcess(grandchild, 1);
  ::CloseHandle(grandchild);
}

TEST(WindowsProcessRunnerTest, OutputIsCappedAtOneMebibyteAndTheChildStillFinishes) {
  WindowsProcessRunner runner;
  auto result = runner.run(helper({"flood", std::to_string(3 * 1024 * 1024)}));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode, 0);
  EXPECT_EQ(result->output.size(), WindowsProcessRunner::kMaxOutput);
}

/// The error of running `program` without arguments; a started program fails the calling test.
Error failureToRun(const std::string& program) {
  WindowsProcessRunner runner;
  ProcessRequest request;
  request.program = program;
  auto result = runner.run(request);
  EXPECT_FALSE(result) << program << " ran";
  return result ? Error{} : result.error();
}

TEST(WindowsProcessRunnerTest, MissingProgramIsNotFound) {
  const Error error = failureToRun("C:\\no\\such\\program.exe");
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_NE(error.message.find("C:\\no\\such\\program.exe"), std::string::npos);
}

TEST(WindowsProcessRunnerTest, RunsInTheWorkingDirectoryAndChecksIt) {
  testing::ScopedTempDir dir;
  WindowsProcessRunner runner;
  auto request = helper({"cwd"});
  request.workingDirectory = dir.path().string();
  auto result = runner.run(request);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(std::filesystem::path(result->output), dir.path());

  request.workingDirectory = (dir.path() / "absent").string();
  auto missing = runner.run(request);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(WindowsProcessRunnerTest, FindsProgramsOnThePathWithoutExtension) {
  // cmd.exe is in System32 of every prefix; named without folder and extension as policies name msiexec.
  WindowsProcessRunner runner;
  ProcessRequest request;
  request.program = "cmd";
  request.args = {"/c", "exit", "7"};
  auto result = runner.run(request);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exitCode, 7);
}

TEST(WindowsProcessRunnerTest, BatchFilesAreRefused) {
  const Error error = failureToRun("C:\\scripts\\fix.CMD");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("cmd.exe"), std::string::npos);
}

}  // namespace
}  // namespace remediator::platform
