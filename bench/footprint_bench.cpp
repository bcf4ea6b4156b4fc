// Service footprint: resident memory of the engine after start and after 10,000 virtual-time cycles with test
// fixers (it must not grow), then the real `remediator service` process: its resident memory after start and the
// CPU it uses while idle between runs over 60 s. Targets: under 10 MB resident, under 0.1% of a core idle.
//
// usage: footprint_bench PATH-TO-remediator [IDLE-SECONDS]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../tests/service/test_fixer.h"
#include "platform/time_source.h"
#include "service/engine.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace remediator;

// A field of /proc/PID/status in KiB (Linux /proc: the benchmark's own business, not the product's).
long statusKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}
long residentKiB(pid_t pid) { return statusKiB(pid, "VmRSS"); }

// User + system CPU time of a process, in clock ticks.
long cpuTicks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) {
      stime = std::stol(f);
      break;
    }
  }
  return utime + stime;
}

// Counts records and keeps none: the engine's memory is what is measured here, not the log's.
class CountingSink final : public service::AuditSink {
 public:
  platform::Result<service::AuditRecord> append(const service::AuditEntry& entry) override {
    ++count;
    service::AuditRecord r;
    r.seq = count;
    return r;
  }
  void setPolicyHash(const std::string&) override {}
  std::uint64_t count = 0;
};

void engineCycles() {
  platform::ManualTimeSource time;
  platform::Platform pf;
  pf.time = &time;
  fixers::FixerRegistry registry;
  std::vector<service::testing::TestFixer*> fixers;
  for (const char* id : {"clock", "stale_logs", "connector", "autologon"}) {
    auto f = std::make_unique<service::testing::TestFixer>(id);
    fixers.push_back(f.get());
    registry.add(std::move(f));
  }
  policies::LoadedPolicy policy;
  policy.sha256 = "bench";
  policy.policy.service.server = "server";
  for (auto* s : {&policy.policy.clock.common, &policy.policy.staleLogs.common, &policy.policy.connector.common,
                  &policy.policy.autologon.common}) {
    *s = policies::FixerSettings{policies::Mode::kEnforce, 15min, 1min};
  }
  CountingSink sink;
  const fs::path state = fs::temp_directory_path() / ("remediator-footprint-" + std::to_string(getpid()));
  fs::create_directories(state);
  service::Engine engine(pf, registry, sink, service::EngineOptions{"bench-host", state, false,
                                                                    [](platform::SysTime) { return 0min; }});
  engine.setPolicy(policy);
  const long before = residentKiB(getpid());
  long at1000 = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int cycle = 0; cycle < 10000; ++cycle) {
    if (cycle == 1000) at1000 = residentKiB(getpid());
    time.set(*engine.nextDue());
    fixers[cycle % 4]->value = cycle % 3;  // drift now and then: detect, plan, apply, verify
    (void)engine.runDue();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long after = residentKiB(getpid());
  std::printf("engine: resident %ld KiB after start, %ld KiB after 1,000 cycles, %ld KiB after 10,000 virtual-time "
              "cycles (growth over the last 9,000: %ld KiB); %llu audit records; %.0f cycles/s (each pass writes "
              "status.json durably)\n",
              before, at1000, after, after - at1000, static_cast<unsigned long long>(sink.count), 10000 / seconds);
  std::fflush(stdout);
  fs::remove_all(state);
}

void serviceProcess(const std::string& exe, int idleSeconds) {
  const fs::path dir = fs::temp_directory_path() / ("remediator-footprint-svc-" + std::to_string(getpid()));
  fs::create_directories(dir / "Logs");
  std::ofstream(dir / "policy.ini") << "[service]\nserver = essentials\nstart_delay = 1s\n\n[stale_logs]\n"
                                    << "mode = audit\ninterval = 15m\nfolder = " << (dir / "Logs").string() << "\n";
  const pid_t pid = fork();
  if (pid == 0) {
    freopen((dir / "service.out").c_str(), "w", stdout);
    freopen((dir / "service.out").c_str(), "a", stderr);
    execl(exe.c_str(), exe.c_str(), "service", "--policy", (dir / "policy.ini").c_str(), "--state-dir",
          (dir / "state").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(3s);  // started, first run done (start_delay 1s)
  const long rss = residentKiB(pid);
  const long anon = statusKiB(pid, "RssAnon");
  const long file = statusKiB(pid, "RssFile");
  const long ticks0 = cpuTicks(pid);
  std::this_thread::sleep_for(std::chrono::seconds(idleSeconds));
  const long ticks1 = cpuTicks(pid);
  const long rssAfter = residentKiB(pid);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const double cpuSeconds = static_cast<double>(ticks1 - ticks0) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::printf("service: resident %ld KiB after start (%ld KiB private, %ld KiB shared-library pages), %ld KiB after "
              "%d s idle; CPU while idle %.3f s = %.4f%% of a core (tick %.0f ms)\n",
              rss, anon, file, rssAfter, idleSeconds, cpuSeconds, 100.0 * cpuSeconds / idleSeconds,
              1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK)));
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  engineCycles();
  if (argc >= 2) serviceProcess(argv[1], argc >= 3 ? std::atoi(argv[2]) : 60);
  return 0;
}
