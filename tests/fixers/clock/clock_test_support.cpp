#include "tests/fixers/clock/clock_test_support.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <stdexcept>

namespace remediator::fixers::clock::testing {

namespace {

using platform::ErrorCode;
using platform::fail;

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

namespace udp = boost::asio::ip;

struct UdpResponder::Impl {
  boost::asio::io_context io;
  udp::udp::socket socket{io};
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(2048);
  udp::udp::endpoint from;
};

UdpResponder::UdpResponder(Respond respond) : respond_(std::move(respond)), impl_(std::make_unique<Impl>()) {
  boost::system::error_code ec;
  impl_->socket.open(udp::udp::v4(), ec);
  if (!ec) impl_->socket.bind(udp::udp::endpoint(udp::address_v4::loopback(), 0), ec);
  if (ec) throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1: " + ec.message());
  port_ = impl_->socket.local_endpoint().port();
  receive();
  thread_ = std::thread([this] { impl_->io.run(); });
}

UdpResponder::~UdpResponder() {
  impl_->io.stop();
  thread_.join();
}

void UdpResponder::receive() {
  impl_->socket.async_receive_from(
      boost::asio::buffer(impl_->buffer), impl_->from, [this](const boost::system::error_code& ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted) return;
        // Any other error (Windows reports an earlier reply's "port unreachable" as a reset here) leaves the
        // responder serving.
        if (!ec && n > 0) {
          ++requests_;
          const std::vector<std::uint8_t> request(impl_->buffer.begin(), impl_->buffer.begin() + static_cast<long>(n));
          for (const auto& datagram : respond_(request)) {
            boost::system::error_code ignored;
            impl_->socket.send_to(boost::asio::buffer(datagram), impl_->from, 0, ignored);
          }
        }
        receive();
      });
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
  boost::asio::io_context io;
  udp::udp::socket socket(io);
  boost::system::error_code ec;
  socket.open(udp::udp::v4(), ec);
  if (!ec) socket.bind(udp::udp::endpoint(udp::address_v4::loopback(), 0), ec);
  return ec ? 0 : socket.local_endpoint().port();
}

}  // namespace remediator::fixers::clock::testing
