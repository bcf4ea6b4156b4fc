#include <gtest/gtest.h>

#include "fixers/clock/clock_fixer.h"
#include "platform/memory/memory_platform.h"
#include "tests/fixers/clock/clock_test_support.h"

namespace remediator::fixers::clock {
namespace {

using platform::ErrorCode;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeTimeQuery;

struct Note {
  std::string event;
  std::string message;
  State details;
};

/// A MemoryPlatform whose clock is judged against a fake "essentials" server telling the ManualTimeSource's time.
class ClockFixerTest : public ::testing::Test {
 protected:
  ClockFixerTest() {
    policy_.service.server = "essentials";
    policy_.clock.common.mode = policies::Mode::kEnforce;
    query_->serve("essentials:123", time_, Millis{0});
    query_->recordTimesFrom(time_);
  }

  /// Detects with three servers a, b, c telling the true time shifted by the given skews.
  Finding detectWithThreeServers(Millis a, Millis b, Millis c) {
    policy_.clock.servers = {"a", "b", "c"};
    query_->serve("a:123", time_, a);
    query_->serve("b:123", time_, b);
    query_->serve("c:123", time_, c);
    auto ctx = context();
    return fixer_->detect(ctx);
  }

  FixerContext context() {
    return FixerContext{platform_.get(), policy_, temp_.path(), time_.now() + minutes(1),
                        [this](const std::string& event, const std::string& message, const State& details) {
                          notes_.push_back({event, message, details});
                        }};
  }

  platform::ManualTimeSource time_;
  platform::MemoryPlatform platform_{time_};
  policies::Policy policy_;
  std::shared_ptr<FakeTimeQuery> query_ = std::make_shared<FakeTimeQuery>();
  // The spacing between queries is waited in virtual time: the test never sleeps.
  std::unique_ptr<Fixer> fixer_ = makeClockFixer(query_, {.sleep = [this](Millis d) { time_.advance(d); }});
  testing::TempDir temp_;
  std::vector<Note> notes_;
};

TEST_F(ClockFixerTest, IdIsThePolicySection) { EXPECT_EQ(fixer_->id(), "clock"); }

TEST_F(ClockFixerTest, CompliantWithinThreshold) {
  platform_.clock.setOffset(-seconds(10));
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(finding.observed.at("offset_ms"), "+10000.000");
  EXPECT_EQ(finding.observed.at("server"), "essentials:123");
  EXPECT_EQ(finding.observed.at("stratum"), "3");
  EXPECT_EQ(finding.desired.at("max_offset_ms"), "30000");
  EXPECT_TRUE(fixer_->plan(finding, ctx).empty());
}

TEST_F(ClockFixerTest, DriftIsPlannedAppliedAndVerified) {
  platform_.clock.setOffset(-minutes(5));
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  EXPECT_EQ(finding.observed.at("offset_ms"), "+300000.000");
  EXPECT_EQ(finding.observed.at("servers"), "essentials:123");
  EXPECT_NE(finding.message.find("+5 min 0.000 s"), std::string::npos) << finding.message;

  const Plan plan = fixer_->plan(finding, ctx);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].kind, "correct_clock");
  EXPECT_FALSE(plan[0].disruptive);
  EXPECT_EQ(plan[0].parameters.at("offset_ms"), "+300000.000");
  EXPECT_EQ(plan[0].parameters.at("server"), "essentials:123");
  EXPECT_TRUE(platform_.clock.corrections().empty()) << "plan must not act";

  const ApplyOutcome outcome = fixer_->apply(plan, ctx);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(platform_.clock.offset(), Millis{0});
  EXPECT_EQ(platform_.clock.corrections(), (std::vector<Millis>{minutes(5)}));
  EXPECT_EQ(outcome.events, (std::vector<std::string>{"clock.corrected"}));
  EXPECT_EQ(outcome.details.at("method"), "resynced");
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_EQ(notes_[0].event, "intent");
  EXPECT_NE(notes_[0].message.find("+5 min"), std::string::npos);

  EXPECT_EQ(fixer_->detect(ctx).status, FindingStatus::kCompliant);
}

TEST_F(ClockFixerTest, ApplyingTheSamePlanTwiceCorrectsOnce) {
  platform_.clock.setOffset(minutes(3));  // fast this time
  auto ctx = context();
  const Plan plan = fixer_->plan(fixer_->detect(ctx), ctx);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].parameters.at("offset_ms"), "-180000.000");
  ASSERT_TRUE(fixer_->apply(plan, ctx).ok);
  const ApplyOutcome again = fixer_->apply(plan, ctx);
  EXPECT_TRUE(again.ok) << again.message;
  EXPECT_NE(again.message.find("already"), std::string::npos) << again.message;
  EXPECT_EQ(platform_.clock.corrections(), (std::vector<Millis>{-minutes(3)}));
  EXPECT_EQ(platform_.clock.offset(), Millis{0});
}

// Issue 13's count: a pass that corrects (detect, plan, apply, the engine's verification by detect) asked each
// server 3 x samples times back to back; now apply uses detect's measurement of a moment ago, so it is 2 x
// samples, and no two queries to one server are less than a second apart, across detect and the verification too.
TEST_F(ClockFixerTest, CorrectingPassAsksEachServerTwiceSamplesTimesASecondApart) {
  policy_.clock.servers = {"a", "b"};
  query_->serve("a:123", time_, Millis{0});
  query_->serve("b:123", time_, Millis{0});
  platform_.clock.setOffset(-minutes(2));
  auto ctx = context();
  const SysTime start = time_.now();
  const Finding finding = fixer_->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift) << finding.message;
  const ApplyOutcome outcome = fixer_->apply(fixer_->plan(finding, ctx), ctx);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(platform_.clock.corrections(), (std::vector<Millis>{minutes(2)}));
  EXPECT_EQ(fixer_->detect(ctx).status, FindingStatus::kCompliant);

  const int samples = policy_.clock.samples;
  for (const std::string server : {"a:123", "b:123"}) {
    EXPECT_EQ(query_->calls(server), 2 * samples) << server;
    const auto sent = query_->sentAt(server);
    ASSERT_EQ(sent.size(), static_cast<std::size_t>(2 * samples)) << server;
    for (std::size_t i = 1; i < sent.size(); ++i) {
      EXPECT_GE(sent[i] - sent[i - 1], kMinQuerySpacing) << server << " query " << i;
    }
  }
  // The two servers are asked in turn, so the pass lasts what one server's spacing takes, not twice that.
  EXPECT_EQ(time_.now() - start, (2 * samples - 1) * kMinQuerySpacing);
}

TEST_F(ClockFixerTest, CompliantPassAsksEachServerSamplesTimes) {
  platform_.clock.setOffset(-seconds(1));
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_TRUE(fixer_->plan(finding, ctx).empty());
  EXPECT_EQ(query_->calls("essentials:123"), policy_.clock.samples);
}

// The next pass (15 minutes on) is not held back, but one right after the last is: spacing holds across passes.
TEST_F(ClockFixerTest, SpacingHoldsAcrossPasses) {
  policy_.clock.samples = 1;
  auto ctx = context();
  (void)fixer_->detect(ctx);
  (void)fixer_->detect(ctx);
  const auto sent = query_->sentAt("essentials:123");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1] - sent[0], kMinQuerySpacing);
}

// A server whose next turn would come after the run's deadline is not asked again; what it said counts.
TEST_F(ClockFixerTest, SpacingNeverRunsPastTheDeadline) {
  auto ctx = context();
  ctx.deadline = time_.now() + milliseconds(2500);
  const Finding finding = fixer_->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(query_->calls("essentials:123"), 3);
  EXPECT_LT(time_.now(), ctx.deadline);
}

// After the fixer stepped the clock back, the last query seems to lie in the future; the wait stays one spacing.
TEST_F(ClockFixerTest, ClockSteppedBackDoesNotStallTheNextQuery) {
  policy_.clock.samples = 1;
  auto ctx = context();
  (void)fixer_->detect(ctx);
  time_.set(time_.now() - minutes(10));
  const SysTime before = time_.now();
  ctx.deadline = before + minutes(1);
  (void)fixer_->detect(ctx);
  EXPECT_LE(time_.now() - before, kMinQuerySpacing);
  EXPECT_EQ(query_->calls("essentials:123"), 2);
}

TEST_F(ClockFixerTest, SteppedCorrectionIsReportedAsSuch) {
  platform_.clock.setOffset(-minutes(2));
  platform_.clock.setCorrectionKind(platform::ClockCorrection::kStepped);
  auto ctx = context();
  const ApplyOutcome outcome = fixer_->apply(fixer_->plan(fixer_->detect(ctx), ctx), ctx);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.details.at("method"), "stepped");
  EXPECT_NE(outcome.message.find("stepped"), std::string::npos);
}

TEST_F(ClockFixerTest, OneSourcePastKerberosLimitIsNeverSteppedOnlyResynced) {
  // Whoever answers for the one server (unauthenticated SNTP) claims the clock is 3 hours behind.
  platform_.clock.setOffset(-hours(3));
  platform_.clock.setCorrectionKind(platform::ClockCorrection::kStepped);  // W32Time would not make it
  auto ctx = context();
  const ApplyOutcome refused = fixer_->apply(fixer_->plan(fixer_->detect(ctx), ctx), ctx);
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(platform_.clock.corrections().empty()) << "the clock was stepped on one source's word";
  EXPECT_EQ(refused.details.at("single_source"), "true");
  EXPECT_NE(refused.message.find("rests on one unauthenticated SNTP source (essentials:123)"), std::string::npos)
      << refused.message;
  EXPECT_NE(refused.message.find("W32Time's own resync"), std::string::npos) << refused.message;
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_.back().message.find("not stepped on this source's word"), std::string::npos)
      << notes_.back().message;
  // W32Time's own resync may still make the correction.
  platform_.clock.setCorrectionKind(platform::ClockCorrection::kResynced);
  const ApplyOutcome resynced = fixer_->apply(fixer_->plan(fixer_->detect(ctx), ctx), ctx);
  ASSERT_TRUE(resynced.ok) << resynced.message;
  EXPECT_EQ(resynced.details.at("method"), "resynced");
}

TEST_F(ClockFixerTest, ASecondAgreeingSourceAllowsAStepPastKerberosLimit) {
  policy_.clock.servers = {"a", "b"};
  query_->serve("a:123", time_, Millis{0});
  query_->serve("b:123", time_, milliseconds(20));
  platform_.clock.setOffset(-hours(3));
  platform_.clock.setCorrectionKind(platform::ClockCorrection::kStepped);
  auto ctx = context();
  const ApplyOutcome outcome = fixer_->apply(fixer_->plan(fixer_->detect(ctx), ctx), ctx);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.details.at("method"), "stepped");
  EXPECT_EQ(outcome.details.count("single_source"), 0u);
  // And within Kerberos' limit one source may step, as before (SteppedCorrectionIsReportedAsSuch).
}

TEST_F(ClockFixerTest, RefusesBeyondMaxCorrectionAndSaysAnAdministratorMustAct) {
  platform_.clock.setOffset(-hours(25));
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  ASSERT_EQ(finding.status, FindingStatus::kDrift);
  EXPECT_NE(finding.message.find("an administrator must act"), std::string::npos) << finding.message;
  EXPECT_NE(finding.message.find("max_correction"), std::string::npos) << finding.message;
  EXPECT_TRUE(fixer_->plan(finding, ctx).empty());
  EXPECT_TRUE(fixer_->apply({}, ctx).ok);
  EXPECT_EQ(platform_.clock.offset(), -hours(25));
  EXPECT_TRUE(platform_.clock.corrections().empty());
}

TEST_F(ClockFixerTest, ApplyRefusesWhenTheOffsetGrewBeyondMaxCorrection) {
  platform_.clock.setOffset(-minutes(5));
  auto ctx = context();
  const Plan plan = fixer_->plan(fixer_->detect(ctx), ctx);
  time_.advance(kFreshMeasurement + seconds(1));  // a later apply: detect's measurement is no longer fresh
  platform_.clock.setOffset(-hours(30));  // something moved the clock between plan and apply
  const ApplyOutcome outcome = fixer_->apply(plan, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("an administrator must act"), std::string::npos) << outcome.message;
  EXPECT_TRUE(platform_.clock.corrections().empty());
}

TEST_F(ClockFixerTest, ApplyRefusesWhenTheClockMovedSinceThePlan) {
  platform_.clock.setOffset(-minutes(5));
  auto ctx = context();
  const Plan plan = fixer_->plan(fixer_->detect(ctx), ctx);
  time_.advance(kFreshMeasurement + seconds(1));  // a later apply: detect's measurement is no longer fresh
  platform_.clock.setOffset(-minutes(9));
  const ApplyOutcome outcome = fixer_->apply(plan, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("moved since the plan"), std::string::npos) << outcome.message;
  EXPECT_TRUE(platform_.clock.corrections().empty());
  EXPECT_TRUE(notes_.empty());
}

TEST_F(ClockFixerTest, ClockThatCannotBeCorrectedFailsTheApplyWithItsReason) {
  // What the POSIX clock answers: this service never sets the clock of a Linux machine.
  platform_.clock.refuse(platform::fail(ErrorCode::kNotSupported, "setting the clock is not supported on POSIX"));
  platform_.clock.setOffset(-minutes(5));
  auto ctx = context();
  const Plan plan = fixer_->plan(fixer_->detect(ctx), ctx);
  ASSERT_EQ(plan.size(), 1u);
  const ApplyOutcome outcome = fixer_->apply(plan, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("setting the clock is not supported on POSIX"), std::string::npos)
      << outcome.message;
  EXPECT_EQ(outcome.details.at("error"), "not_supported");
  EXPECT_EQ(platform_.clock.offset(), -minutes(5));
}

TEST_F(ClockFixerTest, NoClockMeansNotApplicable) {
  platform_.get().clock = nullptr;
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kNotApplicable);
  EXPECT_NE(finding.message.find("not available on this platform"), std::string::npos);
  EXPECT_EQ(query_->calls("essentials:123"), 0);
}

TEST_F(ClockFixerTest, MissingServerIsAnErrorNamingTheKeys) {
  policy_.service.server.clear();
  auto ctx = context();
  const Finding finding = fixer_->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("[clock] servers"), std::string::npos) << finding.message;
}

TEST_F(ClockFixerTest, NoMajorityIsAnErrorNotACorrection) {
  platform_.clock.setOffset(-minutes(5));
  const Finding finding = detectWithThreeServers(Millis{0}, minutes(4), minutes(8));
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("no majority"), std::string::npos) << finding.message;
  EXPECT_TRUE(fixer_->plan(finding, context()).empty());
}

TEST_F(ClockFixerTest, FalsetickerIsRecordedButDoesNotDecide) {
  platform_.clock.setOffset(-seconds(5));
  const Finding finding = detectWithThreeServers(Millis{0}, hours(2), milliseconds(100));
  ASSERT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(finding.observed.at("falsetickers"), "b:123");
  EXPECT_EQ(finding.observed.at("servers"), "a:123,c:123");
}

TEST_F(ClockFixerTest, UnknownPlanIsRefused) {
  auto ctx = context();
  Action other;
  other.kind = "set_registry_value";
  const ApplyOutcome outcome = fixer_->apply({other}, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(platform_.clock.corrections().empty());
}

}  // namespace
}  // namespace remediator::fixers::clock
