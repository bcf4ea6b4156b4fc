#include "tests/fixers/clock/clock_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "platform/memory/memory_system_clock.h"

extern char** environ;

namespace remediator::fixers::clock::testing {

namespace {

using platform::ErrorCode;
using platform::fail;

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int boundPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

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

void FakeTimeQuery::serve(const std::string& display, const platform::TimeSource& reference, Millis skew,
                          std::vector<Millis> delays, int stratum) {
  std::lock_guard lock(mutex_);
  if (delays.empty()) delays.push_back(Millis{0});
  served_[display] = Served{&reference, skew, std::move(delays), stratum};
}

void FakeTimeQuery::script(const std::string& display, std::vector<Result<SntpSample>> results) {
  std::lock_guard lock(mutex_);
  for (auto& r : results) scripted_[display].push_back(std::move(r));
}

Result<SntpSample> FakeTimeQuery::exchange(const ServerAddress& server, Millis timeout,
                                           const platform::SystemClock& clock) {
  std::lock_guard lock(mutex_);
  const std::string display = server.display();
  const int call = calls_[display]++;
  timeouts_.push_back(timeout);
  if (auto it = scripted_.find(display); it != scripted_.end() && !it->second.empty()) {
    auto result = std::move(it->second.front());
    it->second.pop_front();
    return result;
  }
  const auto it = served_.find(display);
  if (it == served_.end()) return fail(ErrorCode::kTimeout, display + ": no reply within " +
                                                                std::to_string(timeout.count()) + " ms");
  const Served& s = it->second;
  const Millis delay = s.delays[static_cast<std::size_t>(call) % s.delays.size()];
  SntpSample sample;
  sample.offset = std::chrono::duration_cast<Nanos>((s.reference->now() + s.skew) - clock.now()) + delay / 2;
  sample.delay = delay;
  sample.stratum = s.stratum;
  return sample;
}

int FakeTimeQuery::calls(const std::string& display) const {
  std::lock_guard lock(mutex_);
  const auto it = calls_.find(display);
  return it == calls_.end() ? 0 : it->second;
}

std::vector<Millis> FakeTimeQuery::timeouts() const {
  std::lock_guard lock(mutex_);
  return timeouts_;
}

UdpResponder::UdpResponder(Respond respond) : respond_(std::move(respond)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in address = loopback(0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
  }
  port_ = boundPort(fd_);
  thread_ = std::thread([this] { loop(); });
}

UdpResponder::~UdpResponder() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void UdpResponder::loop() {
  std::vector<std::uint8_t> buffer(2048);
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    sockaddr_in from{};
    socklen_t length = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n <= 0) continue;
    ++requests_;
    const std::vector<std::uint8_t> request(buffer.begin(), buffer.begin() + n);
    for (const auto& datagram : respond_(request)) {
      ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&from), length);
    }
  }
}

NtpPacket serverReply(const std::vector<std::uint8_t>& request, Millis skew, int stratum) {
  const auto decoded = decodePacket(request);
  NtpPacket reply;
  reply.leap = 0;
  reply.version = 4;
  reply.mode = kModeServer;
  reply.stratum = static_cast<std::uint8_t>(stratum);
  reply.referenceId = 0x7F000001;
  reply.originate = decoded.ok() ? decoded->transmit : 0;
  reply.receive = toNtpTimestamp(std::chrono::system_clock::now() + skew);
  reply.reference = reply.receive;
  reply.transmit = toNtpTimestamp(std::chrono::system_clock::now() + skew);
  return reply;
}

std::vector<std::uint8_t> bytes(const NtpPacket& packet) {
  const auto encoded = encodePacket(packet);
  return {encoded.begin(), encoded.end()};
}

int freeUdpPort() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in address = loopback(0);
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) port = boundPort(fd);
  if (fd >= 0) ::close(fd);
  return port;
}

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
