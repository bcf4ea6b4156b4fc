#include <gtest/gtest.h>

#include "policies/policy_loader.h"
#include "tests/policies/policy_test_support.h"

namespace remediator::policies {
namespace {

using testing::policiesDir;

LoadedPolicy loadExample(const std::string& name) {
  auto loaded = loadPolicyFile(policiesDir() / "examples" / name);
  EXPECT_TRUE(loaded.ok()) << name << ": " << (loaded.ok() ? "" : loaded.error().message);
  return loaded.ok() ? std::move(*loaded) : LoadedPolicy{};
}

TEST(ExamplePolicyTest, DefaultIniAndXmlAreTheSamePolicy) {
  LoadedPolicy ini = loadExample("default.ini");
  LoadedPolicy xml = loadExample("default.xml");
  EXPECT_EQ(ini.policy, xml.policy);
  EXPECT_NE(ini.sha256, xml.sha256);  // different bytes, same meaning
  // A sanity check that the comparison compares something: the default policy audits and changes nothing.
  EXPECT_EQ(ini.policy.service.server, "ESSENTIALS");
  EXPECT_EQ(ini.policy.clock.common.mode, Mode::kAudit);
  EXPECT_EQ(ini.policy.staleLogs.common.mode, Mode::kAudit);
  EXPECT_EQ(ini.policy.connector.common.mode, Mode::kAudit);
  EXPECT_EQ(ini.policy.autologon.common.mode, Mode::kOff);
}

TEST(ExamplePolicyTest, DefaultDiffersFromTheBuiltInDefaultsOnlyWhereItSaysSo) {
  Policy expected;
  expected.service.server = "ESSENTIALS";
  expected.clock.common.mode = Mode::kAudit;
  expected.staleLogs.common.mode = Mode::kAudit;
  expected.connector.common.mode = Mode::kAudit;
  Policy loaded = loadExample("default.ini").policy;
  // The folder's %ProgramData% expands where the variable is set; compare the rest.
  expected.staleLogs.folder = loaded.staleLogs.folder;
  EXPECT_EQ(loaded, expected);
}

TEST(ExamplePolicyTest, FleetExampleEnforcesEverythingFromACentralSource) {
  Policy fleet = loadExample("fleet.ini").policy;
  EXPECT_EQ(fleet.service.server, "CONTOSO-SRV");
  EXPECT_EQ(fleet.service.source, "http://CONTOSO-SRV/remediator/fleet.ini");
  EXPECT_EQ(fleet.service.maintenanceWindow.size(), 8u);  // a weekend night and seven daily ranges
  for (const char* fixer : {"clock", "stale_logs", "connector", "autologon"}) {
    EXPECT_EQ(fleet.fixer(fixer)->mode, Mode::kEnforce) << fixer;
  }
  EXPECT_EQ(fleet.autologon.user, "pupil");
  EXPECT_EQ(fleet.clock.servers, (std::vector<std::string>{"CONTOSO-SRV", "router.contoso.local"}));
}

TEST(ExamplePolicyTest, ExamplesSurviveTheEffectivePolicyRoundTrip) {
  for (const char* name : {"default.ini", "default.xml", "fleet.ini"}) {
    Policy policy = loadExample(name).policy;
    auto again = parsePolicy(effectivePolicyIni(policy), PolicyFormat::kIni, "effective.ini");
    ASSERT_TRUE(again.ok()) << name << ": " << again.error().message;
    EXPECT_EQ(again->policy, policy) << name;
  }
}

}  // namespace
}  // namespace remediator::policies
