#pragma once

// Helpers for the clock fixer's tests: a scripted TimeQuery, a UDP responder that answers
// with crafted packets, and a real chronyd on loopback (optionally under libfaketime).

#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fixers/clock/sntp_client.h"
#include "platform/result.h"
#include "platform/time_source.h"
#include "tests/platform/temp_dir.h"

namespace remediator::fixers::clock::testing {

/// A folder of the test's own under the system temp directory, removed when the object dies.
using TempDir = platform::testing::ScopedTempDir;

/// A TimeQuery without a network. A served server tells the time of `reference` shifted by `skew`; exchange i
/// has round-trip delay delays[i % n] spent entirely on the way out, so its offset is off by +delay/2 (as on an
/// asymmetric path) and the least-delay sample is the most accurate. Scripted results are returned first.
class FakeTimeQuery final : public TimeQuery {
 public:
  /// `display` is ServerAddress::display() of the server, e.g. "ntp:123".
  void serve(const std::string& display, const platform::TimeSource& reference, Millis skew,
             std::vector<Millis> delays = {Millis{0}}, int stratum = 3);
  /// The next exchanges with `display` return these results, in order, before any served time.
  void script(const std::string& display, std::vector<Result<SntpSample>> results);

  Result<SntpSample> exchange(const ServerAddress& server, Millis timeout,
                              const platform::SystemClock& clock) override;

  /// Exchanges attempted with `display`.
  int calls(const std::string& display) const;
  /// The timeout of every exchange, in order, across all servers.
  std::vector<Millis> timeouts() const;

 private:
  struct Served {
    const platform::TimeSource* reference = nullptr;
    Millis skew{0};
    std::vector<Millis> delays;
    int stratum = 3;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Served> served_;
  std::map<std::string, std::deque<Result<SntpSample>>> scripted_;
  std::map<std::string, int> calls_;
  std::vector<Millis> timeouts_;
};

/// A UDP socket on 127.0.0.1 answering each request with what `respond` returns (zero or more datagrams, sent in
/// order). Runs on a thread of its own until destroyed.
class UdpResponder {
 public:
  /// Decoded request and its raw bytes in, datagrams to send back out.
  using Respond = std::function<std::vector<std::vector<std::uint8_t>>(const std::vector<std::uint8_t>& request)>;
  explicit UdpResponder(Respond respond);
  ~UdpResponder();
  UdpResponder(const UdpResponder&) = delete;
  UdpResponder& operator=(const UdpResponder&) = delete;
  int port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  struct Impl;  // the Asio socket, kept out of this header
  void receive();
  Respond respond_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

/// A valid server reply to `request` (as bytes) from a server whose clock reads system time + `skew`.
NtpPacket serverReply(const std::vector<std::uint8_t>& request, Millis skew, int stratum = 2);
/// The bytes of a packet.
std::vector<std::uint8_t> bytes(const NtpPacket& packet);

/// A UDP port on 127.0.0.1 that was free a moment ago.
int freeUdpPort();

// The rest needs fork, signals and chronyd: chrony_server.cpp, POSIX builds only.

/// Where chronyd is installed, empty when it is not.
std::filesystem::path chronydPath();
/// Where libfaketime is installed (Debian package libfaketime), empty when it is not.
std::filesystem::path libfaketimePath();

/// A chronyd serving NTP on 127.0.0.1 from a folder of its own. It is started with -x (it never touches the system
/// clock), -d (stays in the foreground, logs to <dir>/chronyd.log), -f <dir>/chrony.conf and -u <the test's own
/// user> (-U added when that is not root, which chronyd otherwise refuses). The configuration sets `port` to a
/// free port, `bindaddress 127.0.0.1`, `allow 127.0.0.1`, `local stratum 8` (serve without a source),
/// `cmdport 0` and `bindcmdaddress /` (no command sockets: without the latter chronyd would create
/// /run/chrony/chronyd.sock), and `pidfile` in the folder; no driftfile. With a `fakeTime` such as "+7m" it runs
/// with FAKETIME and LD_PRELOAD=libfaketime, so it serves a clock that far from the real one. The process gets
/// SIGKILL if the test process dies, and SIGTERM (then SIGKILL) when this object dies.
class ChronyServer {
 public:
  /// Starts chronyd in `dir` and waits (up to 10 s) until it answers a valid SNTP reply.
  static Result<std::unique_ptr<ChronyServer>> start(const std::filesystem::path& dir, std::string fakeTime = {});
  ~ChronyServer();
  ChronyServer(const ChronyServer&) = delete;
  ChronyServer& operator=(const ChronyServer&) = delete;
  int port() const { return port_; }
  /// "127.0.0.1:<port>", a [clock] servers entry.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// What chronyd logged so far.
  std::string log() const;

 private:
  ChronyServer(std::filesystem::path dir, int pid, int port) : dir_(std::move(dir)), pid_(pid), port_(port) {}
  /// Whether chronyd still runs; reaps it when it has exited.
  bool running();
  void stop();
  std::filesystem::path dir_;
  int pid_;
  int port_;
};

}  // namespace remediator::fixers::clock::testing
