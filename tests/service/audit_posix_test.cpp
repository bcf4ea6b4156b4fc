// The audit log and instance lock tests that need a second process made with fork, or POSIX resource limits:
// POSIX by nature, so the Windows build leaves this file out (tests/windows covers the Windows lock).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_test_support.h"
#include "platform/durable_file.h"
#include "service/audit_log.h"

namespace remediator::service {
namespace {

using testing::auditOptions;
using testing::clockEntry;
using testing::hasNote;
using testing::readLines;
using testing::TempDir;

TEST(AuditLogTest, FailedWriteLeavingHalfALineIsRecoveredBeforeTheNextRecord) {
  TempDir dir;
  platform::ManualTimeSource time;
  const auto options = auditOptions(dir);
  // A file size limit makes the kernel take only part of the next line, like a full disk would. It is set in a
  // child process so this process's limits stay as they are.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto log = JsonlAuditLog::open(options, time);
    if (!log || !(*log)->append(clockEntry(1)).ok()) ::_exit(10);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlim_t unlimited = limit.rlim_cur;
    limit.rlim_cur = std::filesystem::file_size(options.path) + 100;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto failed = (*log)->append(clockEntry(2));
    if (failed.ok() || failed.error().message.find("seq 2") == std::string::npos) ::_exit(11);
    limit.rlim_cur = unlimited;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto next = (*log)->append(clockEntry(3));
    if (!next.ok() || next->seq != 3) ::_exit(12);  // seq 2 is the recovery record
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  const auto lines = readLines(options.path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].size(), 100u);  // the part of seq 2 that got in
  auto recovery = parseAuditRecord(lines[2]);
  ASSERT_TRUE(recovery.ok());
  EXPECT_EQ(recovery->entry.event, kAuditEventLogRecovered);
  EXPECT_EQ(recovery->seq, 2u);
  auto verified = verifyAuditLog(options.path, options.stateFile);
  EXPECT_TRUE(verified.intact) << verified.problem;
  EXPECT_EQ(verified.lastSeq, 3u);
  EXPECT_TRUE(hasNote(verified, "line 2")) << testing::joined(verified.notes);
}

}  // namespace
}  // namespace remediator::service

namespace remediator::platform {
namespace {

using service::testing::TempDir;

TEST(InstanceLockTest, AnotherProcessIsRefusedAndTheLockDiesWithItsHolder) {
  TempDir dir;
  const auto path = dir / "remediator.lock";
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child takes the lock, says so, and holds it until the parent closes the pipe.
    ::close(ready[0]);
    ::close(release[1]);
    auto lock = InstanceLock::acquire(path);
    char byte = lock.ok() ? '1' : '0';
    (void)!::write(ready[1], &byte, 1);
    (void)!::read(release[0], &byte, 1);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, '1');

  auto refused = InstanceLock::acquire(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kBusy);
  EXPECT_NE(refused.error().message.find("pid " + std::to_string(child)), std::string::npos)
      << refused.error().message;

  ::close(release[1]);  // the child exits; the OS drops its lock
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(ready[0]);
  auto taken = InstanceLock::acquire(path);
  EXPECT_TRUE(taken.ok()) << (taken.ok() ? "" : taken.error().message);
}

}  // namespace
}  // namespace remediator::platform
