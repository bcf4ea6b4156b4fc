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
  std::unique_ptr<Fixer> fixer_ = makeClockFixer(query_);
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
