// The SNTP client and the clock fixer against real NTP servers nobody here wrote: chronyd from Debian on
// 127.0.0.1, always with -x so it never touches this machine's clock, one of them under libfaketime serving a clock
// seven minutes ahead. See ChronyServer for how it is started. The judged clock is a MemorySystemClock over the
// real time: nothing here sets a clock but that in-memory one.

#include <gtest/gtest.h>

#include <optional>

#include "fixers/clock/clock_fixer.h"
#include "fixers/clock/skew_measurement.h"
#include "platform/memory/memory_platform.h"
#include "platform/posix/posix_system_clock.h"
#include "tests/fixers/clock/clock_test_support.h"

namespace remediator::fixers::clock {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ChronyServer;
using testing::TempDir;

constexpr Millis kTolerance{50};
constexpr Millis kFakedAhead = minutes(7);

/// Two plain chronyd and one seven minutes ahead, shared by the suite (starting them is the slow part).
class ChronyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::chronydPath().empty() || testing::libfaketimePath().empty()) return;
    dirs_ = new std::vector<std::unique_ptr<TempDir>>();
    servers_ = new std::vector<std::unique_ptr<ChronyServer>>();
    for (const char* fake : {"", "", "+7m"}) {
      dirs_->push_back(std::make_unique<TempDir>());
      auto server = ChronyServer::start(dirs_->back()->path(), fake);
      if (!server.ok()) {
        startProblem_ = server.error().message;
        return;
      }
      servers_->push_back(std::move(*server));
    }
  }

  static void TearDownTestSuite() {
    delete servers_;  // stops every chronyd before its folder goes
    servers_ = nullptr;
    delete dirs_;
    dirs_ = nullptr;
  }

  void SetUp() override {
    if (testing::chronydPath().empty()) GTEST_SKIP() << "chronyd is not installed (Debian package chrony)";
    if (testing::libfaketimePath().empty()) GTEST_SKIP() << "libfaketime is not installed (Debian package faketime)";
    ASSERT_TRUE(startProblem_.empty()) << startProblem_;
    ASSERT_EQ(servers_->size(), 3u);
  }

  static const ChronyServer& plain(int i) { return *(*servers_)[static_cast<std::size_t>(i)]; }
  static const ChronyServer& faked() { return *(*servers_)[2]; }

  MeasureSettings settings(std::vector<const ChronyServer*> servers) const {
    MeasureSettings s;
    for (const auto* server : servers) s.servers.push_back(ServerAddress{"127.0.0.1", server->port()});
    s.samples = 4;
    s.queryTimeout = seconds(2);
    return s;
  }

  /// Measures, and records the error against `expected` and the delay as test properties (the XML report).
  Result<SkewMeasurement> measure(std::vector<const ChronyServer*> servers, Nanos expected = Nanos{0}) {
    auto m = measureSkew(settings(std::move(servers)), *query_, clock_, real_, real_.now() + seconds(30));
    if (m.ok()) {
      RecordProperty("offset_error_ms", formatMillis(m->sample.offset - expected));
      RecordProperty("delay_ms", formatMillis(m->sample.delay));
    }
    return m;
  }

  /// A clock fixer run against the faked chronyd, on a MemoryPlatform over the real time.
  struct FixerRun {
    FixerRun(platform::TimeSource& real, const ChronyServer& server, policies::Mode mode) : memory(real) {
      policy.clock.common.mode = mode;
      policy.clock.servers = {server.address()};
      ctx.emplace(FixerContext{memory.get(), policy, {}, real.now() + seconds(30), nullptr});
    }
    platform::MemoryPlatform memory;
    policies::Policy policy;
    std::unique_ptr<Fixer> fixer = makeClockFixer();
    std::optional<FixerContext> ctx;
  };

  platform::RealTimeSource real_;
  platform::MemorySystemClock clock_{real_};
  std::shared_ptr<TimeQuery> query_ = makeSntpTimeQuery();

  static inline std::vector<std::unique_ptr<TempDir>>* dirs_ = nullptr;
  static inline std::vector<std::unique_ptr<ChronyServer>>* servers_ = nullptr;
  static inline std::string startProblem_;
};

TEST_F(ChronyTest, LocalChronydMeasuresNearZero) {
  auto m = measure({&plain(0)});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LE(std::chrono::abs(m->sample.offset), kTolerance) << formatMillis(m->sample.offset);
  EXPECT_EQ(m->sample.stratum, 8);  // `local stratum 8`
  EXPECT_LT(m->sample.delay, kTolerance);
  EXPECT_EQ(m->servers.front().answered, 4);
}

TEST_F(ChronyTest, JudgedClockFiveMinutesSlowMeasuresPlusFiveMinutes) {
  clock_.setOffset(-minutes(5));
  auto m = measure({&plain(0)}, minutes(5));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LE(std::chrono::abs(m->sample.offset - minutes(5)), kTolerance) << formatMillis(m->sample.offset);
}

TEST_F(ChronyTest, ChronydUnderFaketimeMeasures420Seconds) {
  auto m = measure({&faked()}, kFakedAhead);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LE(std::chrono::abs(m->sample.offset - kFakedAhead), kTolerance) << formatMillis(m->sample.offset);
}

TEST_F(ChronyTest, FakedChronydIsAFalsetickerAmongThree) {
  auto m = measure({&plain(0), &faked(), &plain(1)});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LE(std::chrono::abs(m->sample.offset), kTolerance) << formatMillis(m->sample.offset);
  EXPECT_EQ(m->falsetickers(), (std::vector<std::string>{"127.0.0.1:" + std::to_string(faked().port())}));
  EXPECT_EQ(m->agreeing().size(), 2u);
}

TEST_F(ChronyTest, TwoDisagreeingChronydHaveNoMajority) {
  auto m = measure({&plain(0), &faked()});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("no majority"), std::string::npos) << m.error().message;
}

TEST_F(ChronyTest, StoppedChronydNoLongerAnswers) {
  TempDir dir;
  int port = 0;
  {
    auto server = ChronyServer::start(dir.path());
    ASSERT_TRUE(server.ok()) << server.error().message;
    port = (*server)->port();
  }
  auto sample = query_->exchange(ServerAddress{"127.0.0.1", port}, milliseconds(300), clock_);
  ASSERT_FALSE(sample.ok());
  EXPECT_TRUE(sample.error().code == platform::ErrorCode::kUnavailable ||
              sample.error().code == platform::ErrorCode::kTimeout)
      << sample.error().message;
}

// Audit-mode semantics end to end: detect and plan against the faked chronyd, nothing applied.
TEST_F(ChronyTest, ClockFixerDetectsAndPlansSevenMinutesInAuditMode) {
  FixerRun run(real_, faked(), policies::Mode::kAudit);
  run.policy.service.server = "essentials.invalid";  // not used: [clock] servers wins
  auto& fixer = run.fixer;
  auto& ctx = *run.ctx;

  const Finding finding = fixer->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  const double offsetMs = std::stod(finding.observed.at("offset_ms"));
  EXPECT_NEAR(offsetMs, 420000.0, 50.0) << finding.observed.at("offset_ms");
  EXPECT_EQ(finding.observed.at("stratum"), "8");
  EXPECT_EQ(finding.observed.at("server"), faked().address());

  const Plan plan = fixer->plan(finding, ctx);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].kind, "correct_clock");
  EXPECT_NEAR(std::stod(plan[0].parameters.at("offset_ms")), 420000.0, 50.0);
  EXPECT_TRUE(run.memory.clock.corrections().empty());
  EXPECT_EQ(run.memory.clock.offset(), Millis{0});
}

// Enforce end to end: the in-memory clock is moved to the faked chronyd's time and then verifies compliant.
TEST_F(ChronyTest, ClockFixerCorrectsTheInMemoryClockToTheServer) {
  FixerRun run(real_, faked(), policies::Mode::kEnforce);
  auto& fixer = run.fixer;
  auto& ctx = *run.ctx;

  const ApplyOutcome outcome = fixer->apply(fixer->plan(fixer->detect(ctx), ctx), ctx);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  const Millis offset = run.memory.clock.offset();
  EXPECT_LE(std::chrono::abs(offset - kFakedAhead), kTolerance) << offset.count();
  const Finding after = fixer->detect(ctx);
  EXPECT_EQ(after.status, FindingStatus::kCompliant) << after.message;
  EXPECT_LE(std::abs(std::stod(after.observed.at("offset_ms"))), 50.0);
}

// The real POSIX clock of this machine is judged (read-only) and refuses to be corrected: apply fails with its
// reason and the host clock is left alone.
TEST_F(ChronyTest, PosixClockMeasuresButRefusesToCorrect) {
  FixerRun run(real_, faked(), policies::Mode::kEnforce);
  platform::PosixSystemClock hostClock;
  run.memory.get().clock = &hostClock;
  auto& fixer = run.fixer;
  auto& ctx = *run.ctx;

  const Finding finding = fixer->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  EXPECT_NEAR(std::stod(finding.observed.at("offset_ms")), 420000.0, 50.0);
  const ApplyOutcome outcome = fixer->apply(fixer->plan(finding, ctx), ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("not supported"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.details.at("error"), "not_supported");
}

}  // namespace
}  // namespace remediator::fixers::clock
