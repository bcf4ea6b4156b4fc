// The chronyd half of the clock test support: a real chronyd on loopback, started with fork/exec and ended with
// signals. POSIX by nature, so the Windows build leaves this file and chrony_test.cpp out.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "platform/memory/memory_system_clock.h"
#include "tests/fixers/clock/clock_test_support.h"

extern char** environ;

namespace remediator::fixers::clock::testing {

namespace {

using platform::ErrorCode;
using platform::fail;

// Sends SIGTERM, waits up to five seconds for the process to end, then kills it.
void terminate(int pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts chronyd with everything prepared before fork, so the child only calls async-signal-safe functions.
Result<int> spawnChronyd(const std::filesystem::path& dir, const std::string& fakeTime) {
  const std::string conf = (dir / "chrony.conf").string();
  const std::string logPath = (dir / "chronyd.log").string();
  const passwd* user = ::getpwuid(::geteuid());
  if (user == nullptr) return fail(ErrorCode::kFailed, "cannot find the name of the test's user");
  std::vector<std::string> args{chronydPath().string(), "-x", "-d", "-f", conf, "-u", user->pw_name};
  if (::geteuid() != 0) args.push_back("-U");
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.rfind("FAKETIME=", 0) != 0 && entry.rfind("LD_PRELOAD=", 0) != 0) env.push_back(entry);
  }
  if (!fakeTime.empty()) {
    if (libfaketimePath().empty()) return fail(ErrorCode::kNotFound, "libfaketime is not installed");
    env.push_back("FAKETIME=" + fakeTime);
    env.push_back("LD_PRELOAD=" + libfaketimePath().string());
  }
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::kFailed, "fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no chronyd outlives a crashed test
    if (::getppid() != parent) ::_exit(127);
    const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return static_cast<int>(pid);
}

}  // namespace

std::filesystem::path chronydPath() {
  for (const char* candidate : {"/usr/sbin/chronyd", "/sbin/chronyd", "/usr/local/sbin/chronyd"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return {};
}

std::filesystem::path libfaketimePath() {
  for (const char* candidate :
       {"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1"}) {
    if (::access(candidate, R_OK) == 0) return candidate;
  }
  return {};
}

Result<std::unique_ptr<ChronyServer>> ChronyServer::start(const std::filesystem::path& dir, std::string fakeTime) {
  if (chronydPath().empty()) return fail(ErrorCode::kNotFound, "chronyd is not installed");
  std::string problems;
  // A port found free may be taken by someone else before chronyd binds it; a new port is then tried.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = freeUdpPort();
    {
      std::ofstream conf(dir / "chrony.conf", std::ios::trunc);
      conf << "port " << port << "\n"
           << "bindaddress 127.0.0.1\n"
           << "allow 127.0.0.1\n"
           << "local stratum 8\n"
           << "cmdport 0\n"
           << "bindcmdaddress /\n"
           << "pidfile " << (dir / "chronyd.pid").string() << "\n";
    }
    auto pid = spawnChronyd(dir, fakeTime);
    if (!pid.ok()) return pid.error();
    std::unique_ptr<ChronyServer> server(new ChronyServer(dir, *pid, port));

    platform::RealTimeSource real;
    platform::MemorySystemClock clock(real);
    auto query = makeSntpTimeQuery();
    const ServerAddress address{"127.0.0.1", port};
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string last;
    while (std::chrono::steady_clock::now() < until && server->running()) {
      auto sample = query->exchange(address, Millis{200}, clock);
      if (sample.ok()) return server;
      last = sample.error().message;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    problems += "attempt " + std::to_string(attempt + 1) + " on port " + std::to_string(port) + ": " + last +
                "; chronyd log: " + server->log() + "\n";
  }
  return fail(ErrorCode::kUnavailable, "chronyd did not answer:\n" + problems);
}

ChronyServer::~ChronyServer() { stop(); }

bool ChronyServer::running() {
  if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;  // reaped: never signal that pid again
  return pid_ > 0;
}

void ChronyServer::stop() {
  if (pid_ > 0) terminate(pid_);
  pid_ = -1;
}

std::string ChronyServer::log() const { return readText(dir_ / "chronyd.log"); }

}  // namespace remediator::fixers::clock::testing
