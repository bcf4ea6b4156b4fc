#include "fixers/clock/sntp_client.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace remediator::fixers::clock {

namespace {

using platform::ErrorCode;
using platform::fail;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::uint64_t kHalfFraction = 1ull << 31;

void putU32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

void putU64(std::uint8_t* out, std::uint64_t v) {
  putU32(out, static_cast<std::uint32_t>(v >> 32));
  putU32(out + 4, static_cast<std::uint32_t>(v));
}

std::uint32_t getU32(const std::uint8_t* in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

std::uint64_t getU64(const std::uint8_t* in) { return (std::uint64_t{getU32(in)} << 32) | getU32(in + 4); }

bool parsePort(const std::string& text, int& port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  port = value;
  return true;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

ErrorCode errorCodeFor(ReplyProblem problem, const NtpPacket& reply) {
  if (problem != ReplyProblem::kKissOfDeath) return ErrorCode::kInvalidData;
  const std::string code = kissCode(reply);
  if (code == "RATE") return ErrorCode::kBusy;
  if (code == "DENY" || code == "RSTR") return ErrorCode::kPermissionDenied;
  return ErrorCode::kUnavailable;
}

// The low 16 bits of the request's transmit fraction (about 15 microseconds) are random: a forged reply must
// then echo a value it has not seen, which a blind attacker cannot guess.
NtpTimestamp withNonce(NtpTimestamp t1) {
  thread_local std::mt19937 generator{std::random_device{}()};
  return (t1 & ~NtpTimestamp{0xFFFF}) | (generator() & 0xFFFF);
}

/// What a background name lookup hands back; shared so that a lookup outliving its caller writes into memory
/// that still exists.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::optional<boost::asio::ip::udp::endpoint> endpoint;
  std::string problem;
};

// getaddrinfo cannot be cancelled and Asio's resolver waits for it, so a name is looked up on a thread of its
// own and abandoned when the time is up: a hung DNS server must not hold the run past its deadline.
Result<boost::asio::ip::udp::endpoint> resolve(const ServerAddress& server, Millis timeout) {
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(server.host, ec);
  if (!ec) return boost::asio::ip::udp::endpoint(literal, static_cast<unsigned short>(server.port));

  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host = server.host, port = server.port] {
    std::optional<boost::asio::ip::udp::endpoint> endpoint;
    std::string problem;
    try {
      boost::asio::io_context io;
      boost::asio::ip::udp::resolver resolver(io);
      boost::system::error_code error;
      const auto results = resolver.resolve(host, std::to_string(port),
                                            boost::asio::ip::udp::resolver::numeric_service, error);
      if (error) {
        problem = error.message();
      } else if (results.empty()) {
        problem = "no address";
      } else {
        endpoint = results.begin()->endpoint();
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
    std::lock_guard lock(lookup->mutex);
    lookup->endpoint = endpoint;
    lookup->problem = problem;
    lookup->finished = true;
    lookup->done.notify_all();
  }).detach();

  std::unique_lock lock(lookup->mutex);
  if (!lookup->done.wait_for(lock, timeout, [&] { return lookup->finished; })) {
    return fail(ErrorCode::kTimeout, server.display() + ": cannot resolve '" + server.host + "' within " +
                                         std::to_string(timeout.count()) + " ms");
  }
  if (!lookup->endpoint) {
    return fail(ErrorCode::kUnavailable,
                server.display() + ": cannot resolve '" + server.host + "': " + lookup->problem);
  }
  return *lookup->endpoint;
}

/// One exchange in flight; lives on the stack of SntpTimeQuery::exchange, all handlers run inside io.run().
class Exchange {
 public:
  Exchange(const ServerAddress& server, const platform::SystemClock& clock)
      : server_(server), clock_(clock), socket_(io_), timer_(io_) {}

  /// Exchanges with `endpoint`, waiting up to `left`; `timeout` is the whole budget, as messages state it.
  Result<SntpSample> run(const boost::asio::ip::udp::endpoint& endpoint, Millis left, Millis timeout) {
    boost::system::error_code error;
    socket_.open(endpoint.protocol(), error);
    // A connected socket only delivers datagrams from the server's address and port, and reports an ICMP
    // "port unreachable" as a refused connection instead of a silent timeout.
    if (!error) socket_.connect(endpoint, error);
    if (error) return fail(ErrorCode::kUnavailable, server_.display() + ": " + error.message());

    timer_.expires_after(left);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || done_) return;
      finish();
    });
    t1_ = withNonce(toNtpTimestamp(clock_.now()));
    request_ = encodePacket(makeRequest(t1_));
    socket_.async_send(boost::asio::buffer(request_), [this](const boost::system::error_code& sent, std::size_t) {
      if (done_) return;
      if (sent) {
        complete(fail(ErrorCode::kUnavailable, server_.display() + ": cannot send: " + sent.message()));
        return;
      }
      receive();
    });
    io_.run();
    if (result_) return std::move(*result_);
    std::string message = server_.display() + ": no reply within " + std::to_string(timeout.count()) + " ms";
    if (!ignored_.empty()) {
      message += "; ignored " + std::to_string(ignored_.size()) + " unusable repl" +
                 (ignored_.size() == 1 ? "y" : "ies") + " (" + ignored_.front() + ")";
    }
    return fail(ErrorCode::kTimeout, message);
  }

 private:
  void finish() {
    done_ = true;
    boost::system::error_code ignore;
    timer_.cancel();
    socket_.close(ignore);
  }

  void complete(Result<SntpSample> result) {
    if (done_) return;
    result_.emplace(std::move(result));
    finish();
  }

  void receive() {
    socket_.async_receive(boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
      if (done_) return;
      if (ec) {
        complete(fail(ErrorCode::kUnavailable, server_.display() + ": " + ec.message()));
        return;
      }
      const NtpTimestamp t4 = toNtpTimestamp(clock_.now());
      onDatagram(std::span<const std::uint8_t>(buffer_.data(), n), t4);
    });
  }

  void onDatagram(std::span<const std::uint8_t> datagram, NtpTimestamp t4) {
    auto reply = decodePacket(datagram);
    if (!reply.ok()) {
      ignored_.push_back(reply.error().message);
      receive();
      return;
    }
    if (reply->originate != t1_) {
      ignored_.push_back(describeReplyProblem(ReplyProblem::kOriginateMismatch, *reply));
      receive();
      return;
    }
    const ReplyProblem problem = checkReply(*reply, t1_);
    if (problem != ReplyProblem::kNone) {
      complete(fail(errorCodeFor(problem, *reply), server_.display() + ": " + describeReplyProblem(problem, *reply)));
      return;
    }
    complete(computeSample(*reply, t1_, t4));
  }

  const ServerAddress& server_;
  const platform::SystemClock& clock_;
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  std::array<std::uint8_t, kNtpPacketSize> request_{};
  std::array<std::uint8_t, 2048> buffer_{};
  NtpTimestamp t1_ = 0;
  bool done_ = false;
  std::optional<Result<SntpSample>> result_;
  std::vector<std::string> ignored_;
};

class SntpTimeQuery final : public TimeQuery {
 public:
  Result<SntpSample> exchange(const ServerAddress& server, Millis timeout,
                              const platform::SystemClock& clock) override {
    if (timeout <= Millis{0}) return fail(ErrorCode::kTimeout, server.display() + ": no time left for a query");
    try {
      const auto start = std::chrono::steady_clock::now();
      auto endpoint = resolve(server, timeout);
      if (!endpoint.ok()) return endpoint.error();
      const auto left = timeout - std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
      if (left <= Millis{0}) {
        return fail(ErrorCode::kTimeout, server.display() + ": resolving the name used up the " +
                                             std::to_string(timeout.count()) + " ms");
      }
      Exchange exchange(server, clock);
      return exchange.run(*endpoint, left, timeout);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kIo, server.display() + ": network error: " + e.what());
    }
  }
};

}  // namespace

NtpTimestamp toNtpTimestamp(SysTime time) {
  const std::int64_t ns = std::chrono::duration_cast<Nanos>(time.time_since_epoch()).count();
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t rest = ns % kNanosPerSecond;
  if (rest < 0) {
    rest += kNanosPerSecond;
    --seconds;
  }
  const auto ntpSeconds = static_cast<std::uint32_t>(static_cast<std::uint64_t>(seconds) + kNtpUnixEpochDelta);
  const std::uint64_t fraction =
      ((static_cast<std::uint64_t>(rest) << 32) + kNanosPerSecond / 2) / static_cast<std::uint64_t>(kNanosPerSecond);
  return (std::uint64_t{ntpSeconds} << 32) | fraction;
}

SysTime fromNtpTimestamp(NtpTimestamp timestamp) {
  const std::uint64_t ntpSeconds = timestamp >> 32;
  // RFC 4330 section 3: with the top bit clear the time is in era 1 (from 2036-02-07 on).
  const std::int64_t unixSeconds = (ntpSeconds & 0x8000'0000ull)
                                       ? static_cast<std::int64_t>(ntpSeconds) - std::int64_t{kNtpUnixEpochDelta}
                                       : static_cast<std::int64_t>(ntpSeconds + (1ull << 32) - kNtpUnixEpochDelta);
  const std::uint64_t fraction = timestamp & 0xFFFF'FFFFull;
  const auto nanos = static_cast<std::int64_t>((fraction * kNanosPerSecond + kHalfFraction) >> 32);
  return SysTime{std::chrono::duration_cast<SysTime::duration>(Nanos{unixSeconds * kNanosPerSecond + nanos})};
}

Nanos ntpDifference(NtpTimestamp a, NtpTimestamp b) {
  const auto d = static_cast<std::int64_t>(a - b);
  const std::int64_t seconds = d >> 32;  // arithmetic shift: floor, so the fraction below is non-negative
  const std::uint64_t fraction = static_cast<std::uint64_t>(d) & 0xFFFF'FFFFull;
  return Nanos{seconds * kNanosPerSecond +
               static_cast<std::int64_t>((fraction * kNanosPerSecond + kHalfFraction) >> 32)};
}

std::array<std::uint8_t, kNtpPacketSize> encodePacket(const NtpPacket& p) {
  std::array<std::uint8_t, kNtpPacketSize> out{};
  out[0] = static_cast<std::uint8_t>(((p.leap & 0x3) << 6) | ((p.version & 0x7) << 3) | (p.mode & 0x7));
  out[1] = p.stratum;
  out[2] = static_cast<std::uint8_t>(p.poll);
  out[3] = static_cast<std::uint8_t>(p.precision);
  putU32(&out[4], p.rootDelay);
  putU32(&out[8], p.rootDispersion);
  putU32(&out[12], p.referenceId);
  putU64(&out[16], p.reference);
  putU64(&out[24], p.originate);
  putU64(&out[32], p.receive);
  putU64(&out[40], p.transmit);
  return out;
}

Result<NtpPacket> decodePacket(std::span<const std::uint8_t> d) {
  if (d.size() < kNtpPacketSize) {
    return fail(ErrorCode::kInvalidData, "reply of " + std::to_string(d.size()) + " bytes, shorter than the " +
                                             std::to_string(kNtpPacketSize) + "-byte NTP header");
  }
  NtpPacket p;
  p.leap = static_cast<std::uint8_t>(d[0] >> 6);
  p.version = static_cast<std::uint8_t>((d[0] >> 3) & 0x7);
  p.mode = static_cast<std::uint8_t>(d[0] & 0x7);
  p.stratum = d[1];
  p.poll = static_cast<std::int8_t>(d[2]);
  p.precision = static_cast<std::int8_t>(d[3]);
  p.rootDelay = getU32(&d[4]);
  p.rootDispersion = getU32(&d[8]);
  p.referenceId = getU32(&d[12]);
  p.reference = getU64(&d[16]);
  p.originate = getU64(&d[24]);
  p.receive = getU64(&d[32]);
  p.transmit = getU64(&d[40]);
  return p;
}

NtpPacket makeRequest(NtpTimestamp transmit) {
  NtpPacket p;
  p.leap = 0;
  p.version = 4;
  p.mode = kModeClient;
  p.transmit = transmit;
  return p;
}

ReplyProblem checkReply(const NtpPacket& reply, NtpTimestamp sentTransmit) {
  if (reply.mode != kModeServer) return ReplyProblem::kWrongMode;
  if (reply.originate != sentTransmit) return ReplyProblem::kOriginateMismatch;
  if (reply.stratum == 0) return ReplyProblem::kKissOfDeath;
  if (reply.stratum >= 16) return ReplyProblem::kBadStratum;
  if (reply.leap == kLeapAlarm) return ReplyProblem::kLeapAlarm;
  if (reply.transmit == 0) return ReplyProblem::kZeroTransmit;
  return ReplyProblem::kNone;
}

std::string kissCode(const NtpPacket& reply) {
  std::string code;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<unsigned char>(reply.referenceId >> shift);
    if (c == 0) break;
    code += std::isprint(c) ? static_cast<char>(c) : '?';
  }
  return code;
}

std::string describeReplyProblem(ReplyProblem problem, const NtpPacket& reply) {
  switch (problem) {
    case ReplyProblem::kNone:
      return "valid reply";
    case ReplyProblem::kWrongMode:
      return "mode " + std::to_string(reply.mode) + " instead of 4 (server)";
    case ReplyProblem::kOriginateMismatch:
      return "originate timestamp does not match the request (a stale, duplicated or forged reply)";
    case ReplyProblem::kKissOfDeath: {
      const std::string code = kissCode(reply);
      if (code == "RATE") return "kiss-o'-death RATE: the server asks to be polled less often";
      if (code == "DENY" || code == "RSTR") return "kiss-o'-death " + code + ": the server refuses to serve this client";
      return "kiss-o'-death " + (code.empty() ? std::string("without a code") : code) + ": the server gives no time";
    }
    case ReplyProblem::kBadStratum:
      return "stratum " + std::to_string(reply.stratum) + ": the server is not synchronised";
    case ReplyProblem::kLeapAlarm:
      return "leap indicator 3: the server's clock is not synchronised";
    case ReplyProblem::kZeroTransmit:
      return "transmit timestamp is zero: the reply carries no time";
  }
  return "unknown problem";
}

SntpSample computeSample(const NtpPacket& reply, NtpTimestamp t1, NtpTimestamp t4) {
  SntpSample sample;
  sample.offset = (ntpDifference(reply.receive, t1) + ntpDifference(reply.transmit, t4)) / 2;
  sample.delay = ntpDifference(t4, t1) - ntpDifference(reply.transmit, reply.receive);
  sample.stratum = reply.stratum;
  return sample;
}

std::string ServerAddress::display() const {
  const std::string shownHost = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shownHost + ":" + std::to_string(port);
}

Result<ServerAddress> parseServerAddress(const std::string& entry, int defaultPort) {
  const std::string text = trim(entry);
  if (text.empty()) return fail(ErrorCode::kInvalidArgument, "empty time server entry");
  ServerAddress address;
  if (defaultPort < 1 || defaultPort > 65535) {
    return fail(ErrorCode::kInvalidArgument, "port " + std::to_string(defaultPort) + " is outside 1-65535");
  }
  address.port = defaultPort;
  std::string portText;
  bool hasPort = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close == 1) {
      return fail(ErrorCode::kInvalidArgument, "time server '" + text + "': unbalanced or empty [address]");
    }
    address.host = text.substr(1, close - 1);
    const std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return fail(ErrorCode::kInvalidArgument, "time server '" + text + "': expected ':port' after ']'");
      }
      portText = rest.substr(1);
      hasPort = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    address.host = text.substr(0, colon);
    portText = text.substr(colon + 1);
    hasPort = true;
  } else {
    address.host = text;  // a name, an IPv4 literal or a bare IPv6 literal
  }
  if (address.host.empty() || address.host.find_first_of(" \t") != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "time server '" + text + "': not a host name or address");
  }
  if (hasPort && !parsePort(portText, address.port)) {
    return fail(ErrorCode::kInvalidArgument,
                "time server '" + text + "': port '" + portText + "' is not a number in 1-65535");
  }
  return address;
}

std::shared_ptr<TimeQuery> makeSntpTimeQuery() { return std::make_shared<SntpTimeQuery>(); }

}  // namespace remediator::fixers::clock
