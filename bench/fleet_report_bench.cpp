// The fleet report over a generated fleet: 1,000 PCs x 10,000 records by default (REMEDIATOR_FLEET_PCS,
// REMEDIATOR_FLEET_RECORDS), published in chunks of 2,000 records, times spread over 30 days. Prints the time and
// peak memory of `fleet report` (HTML, CSV and JSON), measured in a child process so the generator's memory does
// not count, and the ratio to a floor measured in the same process: reading the same chunk bytes and hashing
// them with SHA-256, nothing else. Target (issue 12): under 10 s and 200 MB.
//
// Ten distinct PCs are generated (healthy, healed, failing, stale, ...); the rest of the fleet are hard links to
// their chunk files (copies where links are refused), so the generator costs little disk while the report still
// reads and verifies every PC's records.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "service/fleet_report.h"
#include "tests/service/fleet_test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace svc = remediator::service;

long envOr(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void generateTemplate(const fs::path& root, const std::string& name, int kind, long records,
                      remediator::platform::SysTime now) {
  svc::testing::PublishedPc pc(root, name);
  const char* fixers[] = {"clock", "stale_logs", "connector", "autologon"};
  const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(30 * 24h) / records;
  std::uint64_t published = 0;
  for (long i = 0; i < records; ++i) {
    const auto t = now - 30 * 24h + span * i;
    const std::string fixer = fixers[i % 4];
    const bool problem = kind >= 5 && i % 97 == 0;
    if (i % 50 == 0) {
      pc.record(t, fixer, "applied", "enforce", "ok", "Applied 1 action: set the value the policy asks for.");
      pc.record(t, fixer, "verified", "enforce", "compliant", "Compliant after the action.");
      ++i;
    } else if (problem) {
      pc.record(t, fixer, "failed", "enforce", "failed", "The action failed: access is denied (5).");
    } else {
      pc.record(t, fixer, "detected", "enforce", "compliant",
                "The clock is 0.2 s from the server srv01.contoso.local, within the 60 s the policy allows.");
    }
    if (pc.seq() - published >= 2000) {
      pc.publish(t);
      published = pc.seq();
    }
  }
  const auto seen = kind == 9 ? now - 5 * 24h : now - 1h;
  pc.publish(seen);
  pc.status(seen, {{"clock", "enforce", "compliant"},
                   {"stale_logs", "audit", kind == 6 ? "drift" : "compliant"},
                   {"connector", "enforce", kind == 7 ? "failed" : "compliant"},
                   {"autologon", "enforce", "fixed", kind == 8}});
}

/// Reads every chunk and hashes its bytes: the least any verifying reader must do.
std::uint64_t floorPass(const fs::path& root) {
  std::uint64_t bytes = 0;
  std::string sink;
  for (const auto& pc : fs::directory_iterator(root)) {
    for (const auto& f : fs::directory_iterator(pc.path())) {
      if (!svc::parseReportChunkName(f.path().filename().string())) continue;
      std::ifstream in(f.path(), std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      bytes += data.size();
      sink = svc::auditSha256Hex(data);
    }
  }
  return bytes + (sink.empty() ? 1 : 0);
}

}  // namespace

int main() {
  const long pcs = envOr("REMEDIATOR_FLEET_PCS", 1000);
  const long records = envOr("REMEDIATOR_FLEET_RECORDS", 10000);
  const fs::path root = fs::temp_directory_path() / ("remediator-bench-fleet-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "reports");
  const fs::path reports = root / "reports";
  const auto now = std::chrono::system_clock::now();

  const auto g0 = Clock::now();
  const long templates = std::min<long>(10, pcs);
  for (long k = 0; k < templates; ++k) generateTemplate(reports, "PC" + std::to_string(10000 + k), static_cast<int>(k), records, now);
  for (long i = templates; i < pcs; ++i) {
    const fs::path from = reports / ("PC" + std::to_string(10000 + i % templates));
    const fs::path to = reports / ("PC" + std::to_string(10000 + i));
    fs::create_directories(to);
    for (const auto& f : fs::directory_iterator(from)) {
      std::error_code ec;
      fs::create_hard_link(f.path(), to / f.path().filename(), ec);
      if (ec) fs::copy_file(f.path(), to / f.path().filename());
    }
  }
  const double generate = seconds(Clock::now() - g0);

  const auto f0 = Clock::now();
  const std::uint64_t bytes = floorPass(reports);
  const double floor = seconds(Clock::now() - f0);

  // The report in a child: its own peak memory.
  int pipeFd[2];
  if (::pipe(pipeFd) != 0) return 1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipeFd[0]);
    const auto r0 = Clock::now();
    svc::FleetOptions options;
    options.now = now;
    auto report = svc::readFleetReport(reports, options);
    if (!report) _exit(3);
    std::ofstream html(root / "report.html"), csv(root / "report.csv"), json(root / "report.json");
    svc::renderFleetHtml(*report, html);
    svc::renderFleetCsv(*report, csv);
    svc::renderFleetJson(*report, json);
    const double t = seconds(Clock::now() - r0);
    std::uint64_t verified = 0;
    int admin = 0;
    for (const auto& pc : report->pcs) {
      verified += pc.records;
      admin += pc.needsAdmin;
    }
    char line[256];
    const int n = std::snprintf(line, sizeof line, "%.3f %llu %d %zu\n", t, static_cast<unsigned long long>(verified),
                                admin, report->pcs.size());
    (void)!::write(pipeFd[1], line, static_cast<std::size_t>(n));
    _exit(0);
  }
  ::close(pipeFd[1]);
  char buf[256] = {};
  const auto got = ::read(pipeFd[0], buf, sizeof buf - 1);
  int status = 0;
  struct rusage usage {};
  ::wait4(child, &status, 0, &usage);
  double reportTime = 0;
  unsigned long long verified = 0;
  int admin = 0;
  std::size_t shown = 0;
  if (got <= 0 || std::sscanf(buf, "%lf %llu %d %zu", &reportTime, &verified, &admin, &shown) != 4) {
    std::fprintf(stderr, "the report failed (status %d)\n", status);
    fs::remove_all(root);
    return 1;
  }
  const double pageMb = static_cast<double>(fs::file_size(root / "report.html")) / 1e6;
  std::printf("fleet: %ld PCs x %ld records = %llu records verified, %.0f MB of chunks; generated in %.1f s\n", pcs,
              records, verified, static_cast<double>(bytes) / 1e6, generate);
  std::printf("floor (read + SHA-256 of the same bytes, this process): %.2f s, %.0f MB/s\n", floor,
              static_cast<double>(bytes) / 1e6 / floor);
  std::printf("fleet report (HTML %.1f MB + CSV + JSON): %.2f s, %.0f records/s, peak RSS %.1f MB; %.2fx the floor\n",
              pageMb, reportTime, static_cast<double>(verified) / reportTime,
              static_cast<double>(usage.ru_maxrss) / 1024.0, reportTime / floor);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  double load = 0;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0;
    std::fclose(f);
  }
  std::printf("report CPU time %.2f s (user + system) beside %.2f s wall; load average %.1f on %ld CPUs\n", cpu,
              reportTime, load, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%zu PCs on the page, %d need an administrator; target: under 10 s and under 200 MB\n", shown, admin);
  fs::remove_all(root);
  return 0;
}
