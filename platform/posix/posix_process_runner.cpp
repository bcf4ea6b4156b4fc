#include "platform/posix/posix_process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "platform/posix/posix_io.h"

namespace remediator::platform {
namespace {

using Clock = std::chrono::steady_clock;

/// Owns the spawn attributes and file actions for one child.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  /// Returns 0 or the error number of the step that failed.
  int prepare(int outputFd, const std::string& workingDirectory) {
    int rc = ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, outputFd, STDOUT_FILENO);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, outputFd, STDERR_FILENO);
    if (rc == 0 && !workingDirectory.empty()) {
      rc = ::posix_spawn_file_actions_addchdir_np(&actions_, workingDirectory.c_str());
    }
    // Its own process group, so that a timeout can kill the whole tree; an empty signal mask and default
    // handling of the signals a service tends to block or ignore, so the child starts as from a shell.
    sigset_t mask;
    sigemptyset(&mask);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2})
      sigaddset(&defaults, sig);
    if (rc == 0)
      rc = ::posix_spawnattr_setflags(&attr_,
                                      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attr_, 0);
    if (rc == 0) rc = ::posix_spawnattr_setsigmask(&attr_, &mask);
    if (rc == 0) rc = ::posix_spawnattr_setsigdefault(&attr_, &defaults);
    return rc;
  }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attributes() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

/// Reads what the pipe holds now; returns false at end of file or on a read error.
bool readAvailable(int fd, std::string& output) {
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      const std::size_t room =
          PosixProcessRunner::kMaxOutput - std::min(output.size(), PosixProcessRunner::kMaxOutput);
      output.append(buffer, std::min(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

int exitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// waitpid that survives EINTR; returns the pid, 0 (still running with WNOHANG) or -1.
pid_t waitFor(pid_t pid, int* status, int flags) {
  pid_t rc;
  do {
    rc = ::waitpid(pid, status, flags);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

}  // namespace

Result<ProcessResult> PosixProcessRunner::run(const ProcessRequest& request) {
  if (request.program.empty()) return fail(ErrorCode::kInvalidArgument, "no program to run");
  if (!request.workingDirectory.empty()) {
    struct stat st {};
    if (::stat(request.workingDirectory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail(ErrorCode::kNotFound, "cannot run " + request.program + ": working directory " +
                                            request.workingDirectory + " does not exist");
    }
  }

  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return errnoError("create a pipe for", request.program, errno);
  const int readFd = pipeFds[0];
  const int writeFd = pipeFds[1];

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(request.program.c_str()));
  for (const auto& arg : request.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc;
  {
    SpawnSetup setup;
    rc = setup.prepare(writeFd, request.workingDirectory);
    if (rc == 0)
      rc = ::posix_spawnp(&pid, request.program.c_str(), setup.actions(), setup.attributes(), argv.data(),
                          environ);
  }
  ::close(writeFd);
  if (rc != 0) {
    ::close(readFd);
    if (rc == ENOENT)
      return fail(ErrorCode::kNotFound, "cannot run " + request.program + ": no such program");
    return errnoError("run", request.program, rc);
  }

  ::fcntl(readFd, F_SETFL, ::fcntl(readFd, F_GETFL) | O_NONBLOCK);
  ProcessResult result;
  const auto deadline = Clock::now() + request.timeout;
  bool open = true;
  bool exited = false;
  bool reaped = true;  // false when someone else reaped the child (SIGCHLD ignored): its exit code is lost
  int status = 0;
  for (;;) {
    if (!exited) {
      const pid_t waited = waitFor(pid, &status, WNOHANG);
      exited = waited == pid || (waited < 0 && errno == ECHILD);
      if (waited < 0) reaped = false;
    }
    if (exited) {
      // What the child wrote before it ended is in the pipe now; a grandchild that keeps the pipe open
      // must not hold us up.
      if (open) readAvailable(readFd, result.output);
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      waitFor(pid, &status, 0);
      if (open) readAvailable(readFd, result.output);
      result.timedOut = true;
      break;
    }
    // Wake for output, for the end of the pipe, or every few milliseconds to see whether the child ended.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    const int waitMs = static_cast<int>(std::min<long long>(left, 20));
    if (open) {
      pollfd pfd{readFd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, waitMs);
      if (ready > 0) open = readAvailable(readFd, result.output);
    } else {
      // The pipe closed, so the child is most likely exiting: look again soon.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(waitMs, 2)));
    }
  }
  ::close(readFd);
  result.exitCode = (result.timedOut || !reaped) ? -1 : exitCodeOf(status);
  return result;
}

}  // namespace remediator::platform
