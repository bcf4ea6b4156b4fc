// The Windows clock: reading it, the refusal that keeps every test from moving this machine's clock, and the
// resync-then-step decision on doubles (no clock is ever changed here).
#include "platform/windows/windows_system_clock.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "platform/memory/memory_process_runner.h"
#include "platform/memory/memory_system_clock.h"

namespace remediator::platform {
namespace {

using std::chrono::seconds;

TEST(WindowsSystemClockTest, ReadsTheSystemClockPrecisely) {
  MemoryProcessRunner unused;
  WindowsSystemClock clock(unused);
  const auto ours = clock.now();
  const auto runtime = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(ours - runtime), seconds(1));
  // Finer than a second: over a few reads at least one has a non-zero sub-second part.
  bool subSecond = false;
  for (int i = 0; i < 5 && !subSecond; ++i) {
    subSecond = clock.now().time_since_epoch() % seconds(1) != SysTime::duration::zero();
  }
  EXPECT_TRUE(subSecond);
}

// Under Wine as root, SetSystemTime would move the clock of the Linux machine running the tests. The test
// environment (cmake/wine-run.sh, the windows test preset) forbids it; without that guarantee this test stops
// before calling anything that could move a clock.
TEST(WindowsSystemClockTest, RefusesEveryCorrectionWhenForbidden) {
  const char* guard = std::getenv("REMEDIATOR_NEVER_SET_CLOCK");
  ASSERT_TRUE(guard != nullptr && std::string(guard) == "1")
      << "REMEDIATOR_NEVER_SET_CLOCK=1 must be set for the Windows tests (cmake/wine-run.sh sets it)";
  ASSERT_TRUE(clockChangesForbidden());

  MemoryProcessRunner runner;
  runner.reply("w32tm", 0);
  WindowsSystemClock clock(runner);
  const auto before = clock.now();
  auto can = clock.canCorrect();
  ASSERT_FALSE(can);
  EXPECT_EQ(can.error().code, ErrorCode::kPermissionDenied);
  auto corrected = clock.correct(seconds(3600));
  ASSERT_FALSE(corrected);
  EXPECT_EQ(corrected.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(corrected.error().message.find("REMEDIATOR_NEVER_SET_CLOCK"), std::string::npos);
  EXPECT_EQ(runner.runCount("w32tm"), 0) << "not even W32Time may be asked";
  auto stepped = stepSystemClock(seconds(3600));
  ASSERT_FALSE(stepped);
  EXPECT_EQ(stepped.error().code, ErrorCode::kPermissionDenied);
  EXPECT_LT(std::chrono::abs(clock.now() - before), seconds(5));
}

/// A clock under repair: a MemorySystemClock off by `offset`, a step that corrects it and is recorded, and a
/// stopwatch that stands still (the doubles take no time).
struct ClockBench {
  explicit ClockBench(Millis offset) : clock(time, offset) {}
  ClockControl control() {
    return ClockControl{
        [this] { return clock.now(); },
        [this](Millis delta) -> Result<void> {
          if (stepError) return *stepError;
          steps.push_back(delta);
          clock.setOffset(clock.offset() + delta);
          return {};
        },
        [] { return Millis(0); },
    };
  }
  ManualTimeSource time;
  MemorySystemClock clock;
  MemoryProcessRunner runner;
  std::vector<Millis> steps;
  std::optional<Error> stepError;
};

TEST(ClockCorrectionTest, W32TimeThatFixesTheClockIsEnough) {
  ClockBench bench(seconds(-600));
  bench.runner.onRun("w32tm", [&](const ProcessRequest& request) -> Result<ProcessResult> {
    EXPECT_EQ(request.args, std::vector<std::string>{"/resync"});
    bench.clock.setOffset(Millis(0));  // W32Time stepped the clock to the right time
    return ProcessResult{0, false, "The command completed successfully."};
  });
  auto result = correctThroughTimeServiceThenStep(seconds(600), bench.runner, bench.control());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, ClockCorrection::kResynced);
  EXPECT_TRUE(bench.steps.empty());
}

TEST(ClockCorrectionTest, W32TimeThatChangesNothingIsFollowedByAStep) {
  ClockBench bench(seconds(-54001));  // beyond what a standalone PC's W32Time corrects
  bench.runner.reply("w32tm", 0, "The command completed successfully.");
  auto result = correctThroughTimeServiceThenStep(seconds(54001), bench.runner, bench.control());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, ClockCorrection::kStepped);
  EXPECT_EQ(bench.steps, std::vector<Millis>{seconds(54001)});
  EXPECT_EQ(bench.clock.offset(), Millis(0));
}

TEST(ClockCorrectionTest, OnlyWhatW32TimeLeftIsStepped) {
  ClockBench bench(seconds(-600));
  bench.runner.onRun("w32tm", [&](const ProcessRequest&) -> Result<ProcessResult> {
    bench.clock.setOffset(seconds(-200));  // moved 400 s of the 600 s needed
    return ProcessResult{0, false, ""};
  });
  auto result = correctThroughTimeServiceThenStep(seconds(600), bench.runner, bench.control());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, ClockCorrection::kStepped);
  EXPECT_EQ(bench.steps, std::vector<Millis>{seconds(200)});
}

TEST(ClockCorrectionTest, ResyncOnlyNeverSteps) {
  // One unauthenticated source past Kerberos' limit: W32Time may fix the clock, nothing else may.
  ClockBench bench(seconds(-54001));
  bench.runner.reply("w32tm", 0, "The command completed successfully.");
  auto result = correctThroughTimeServiceThenStep(seconds(54001), bench.runner, bench.control(), ClockStep::kResyncOnly);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(result.error().message.find("the clock is not stepped"), std::string::npos) << result.error().message;
  EXPECT_TRUE(bench.steps.empty());
  EXPECT_EQ(bench.clock.offset(), seconds(-54001));
}

TEST(ClockCorrectionTest, FailedOrMissingW32TimeFallsBackToAStep) {
  ClockBench failing(seconds(90));
  failing.runner.reply("w32tm", 1, "The computer did not resync because no time data was available.");
  auto afterFailure = correctThroughTimeServiceThenStep(seconds(-90), failing.runner, failing.control());
  ASSERT_TRUE(afterFailure) << afterFailure.error().message;
  EXPECT_EQ(*afterFailure, ClockCorrection::kStepped);
  EXPECT_EQ(failing.steps, std::vector<Millis>{seconds(-90)});

  ClockBench missing(seconds(90));  // nothing scripted: the program does not exist
  auto afterMissing = correctThroughTimeServiceThenStep(seconds(-90), missing.runner, missing.control());
  ASSERT_TRUE(afterMissing) << afterMissing.error().message;
  EXPECT_EQ(missing.steps, std::vector<Millis>{seconds(-90)});
}

TEST(ClockCorrectionTest, AFailedStepReportsBothReasons) {
  ClockBench bench(seconds(-600));
  bench.runner.reply("w32tm", 5);
  bench.stepError = fail(ErrorCode::kPermissionDenied, "this account does not hold SeSystemtimePrivilege");
  auto result = correctThroughTimeServiceThenStep(seconds(600), bench.runner, bench.control());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(result.error().message.find("w32tm /resync exited with 5"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("SeSystemtimePrivilege"), std::string::npos);
}

}  // namespace
}  // namespace remediator::platform
