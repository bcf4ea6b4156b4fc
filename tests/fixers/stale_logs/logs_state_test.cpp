#include "fixers/stale_logs/logs_state.h"

#include <gtest/gtest.h>

#include "platform/memory/memory_file_system.h"

namespace remediator::fixers::stale_logs {
namespace {

TEST(LogsStateTest, RoundTripsThroughTheFile) {
  platform::ManualTimeSource time;
  platform::MemoryFileSystem files(time);
  const auto path = logsStatePath("/var/lib/remediator");
  EXPECT_EQ(path, std::filesystem::path("/var/lib/remediator/stale_logs/state.ini"));

  auto absent = readLogsState(files, path);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  const LogsState state{"C:\\ProgramData\\Microsoft\\Windows Server\\Logs", "10.0.14393.4"};
  ASSERT_TRUE(writeLogsState(files, path, state).ok());
  auto read = readLogsState(files, path);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, state);
}

TEST(LogsStateTest, IgnoresCommentsUnknownKeysAndCarriageReturns) {
  auto state = parseLogsState("# note\r\nfolder=/logs\r\nfuture_key=1\r\nconnector_version=\r\n", "state.ini");
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->folder, "/logs");
  EXPECT_EQ(state->connectorVersion, "");
}

TEST(LogsStateTest, MalformedLineNamesFileAndLine) {
  auto state = parseLogsState("folder=/logs\nthis is not a pair\n", "/state/stale_logs/state.ini");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().code, platform::ErrorCode::kInvalidData);
  EXPECT_EQ(state.error().message,
            "/state/stale_logs/state.ini:2: expected key=value, got 'this is not a pair'");
}

TEST(LogsStateTest, MissingKeyIsNamed) {
  auto state = parseLogsState("folder=/logs\n", "state.ini");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().message, "state.ini: missing key connector_version");
}

}  // namespace
}  // namespace remediator::fixers::stale_logs
