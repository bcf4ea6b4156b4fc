// The service's event loop under its guard: a step that throws is audited once and skipped, its timer is set
// again, and every other step goes on running. The loop here is a real Asio io_context on the real clock with
// 1 ms timers, as the service's own (service_app.cpp) is.
#include "service/loop_guard.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace remediator::service {
namespace {

struct Reported {
  std::string step;
  std::string what;
};

TEST(LoopGuardTest, AThrowingHandlerIsReportedOnceAndTheLoopGoesOn) {
  std::vector<Reported> reported;
  LoopGuard guard([&](const std::string& step, const std::string& what) { reported.push_back({step, what}); });
  boost::asio::io_context io;
  boost::asio::steady_timer failing(io);
  boost::asio::steady_timer healthy(io);
  int failingRuns = 0;
  int healthyRuns = 0;
  std::function<void()> scheduleFailing = [&] {
    failing.expires_after(std::chrono::milliseconds(1));
    failing.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      guard.run("request", [&] {
        ++failingRuns;
        // What libstdc++ throws for a file name it cannot convert (an unpaired surrogate on Windows).
        throw std::filesystem::filesystem_error("Cannot convert character sequence",
                                                std::make_error_code(std::errc::illegal_byte_sequence));
      });
      if (failingRuns < 5) scheduleFailing();
    });
  };
  std::function<void()> scheduleHealthy = [&] {
    healthy.expires_after(std::chrono::milliseconds(1));
    healthy.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      guard.run("fixer run", [&] { ++healthyRuns; });
      if (healthyRuns < 10) scheduleHealthy();
    });
  };
  scheduleFailing();
  scheduleHealthy();
  io.run();  // returns once both have stopped setting their timers: nothing escaped it
  EXPECT_EQ(failingRuns, 5) << "the failing step's timer was set again after every failure";
  EXPECT_EQ(healthyRuns, 10);
  ASSERT_EQ(reported.size(), 1u) << "the same failure again and again is reported once";
  EXPECT_EQ(reported[0].step, "request");
  EXPECT_NE(reported[0].what.find("Cannot convert character sequence"), std::string::npos) << reported[0].what;
  EXPECT_EQ(guard.failuresInARow("request"), 5);
  EXPECT_EQ(guard.failuresInARow("fixer run"), 0);
}

TEST(LoopGuardTest, ANewFailureOrOneAfterASuccessIsReportedAgain) {
  std::vector<Reported> reported;
  LoopGuard guard([&](const std::string& step, const std::string& what) { reported.push_back({step, what}); });
  EXPECT_FALSE(guard.run("policy refresh", [] { throw std::runtime_error("first"); }));
  EXPECT_FALSE(guard.run("policy refresh", [] { throw std::runtime_error("first"); }));
  EXPECT_FALSE(guard.run("policy refresh", [] { throw std::runtime_error("second"); }));
  EXPECT_TRUE(guard.run("policy refresh", [] {}));
  EXPECT_FALSE(guard.run("policy refresh", [] { throw std::runtime_error("second"); }));
  EXPECT_FALSE(guard.run("fixer run", [] { throw 42; }));
  ASSERT_EQ(reported.size(), 4u);
  EXPECT_EQ(reported[0].what, "first");
  EXPECT_EQ(reported[1].what, "second");
  EXPECT_EQ(reported[2].what, "second");
  EXPECT_EQ(reported[3].step, "fixer run");
  EXPECT_NE(reported[3].what.find("not a std::exception"), std::string::npos);
}

TEST(LoopGuardTest, AReportThatThrowsDoesNotEscape) {
  LoopGuard guard([](const std::string&, const std::string&) { throw std::runtime_error("audit log unwritable"); });
  EXPECT_FALSE(guard.run("request", [] { throw std::runtime_error("boom"); }));
  EXPECT_TRUE(guard.run("request", [] {}));
}

}  // namespace
}  // namespace remediator::service
