#include <gtest/gtest.h>

#include <sstream>

#include "tests/fixers/autologon/autologon_test_support.h"

namespace remediator::fixers::autologon::testing {
namespace {

using platform::ErrorCode;
using platform::RegQword;

constexpr const char* kWinlogonPath = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";

class AutologonFixerTest : public AutologonFixture {};

TEST_F(AutologonFixerTest, CompliantWhenConfiguredAsThePolicyWants) {
  configureCompliant();
  const int changesBefore = mem.registry.changeCount();
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);

  EXPECT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(finding.message, "Autologon is configured for CONTOSO\\kiosk as the policy wants.");
  EXPECT_EQ(finding.observed.at("auto_admin_logon"), "1");
  EXPECT_EQ(finding.observed.at("auto_admin_logon_type"), "REG_SZ");
  EXPECT_EQ(finding.observed.at("user"), "kiosk");
  EXPECT_EQ(finding.observed.at("domain"), "CONTOSO");
  EXPECT_EQ(finding.observed.at("service_secret"), "present");
  EXPECT_EQ(finding.observed.at("winlogon_secret"), "present");
  EXPECT_EQ(finding.observed.at("plaintext_password"), "absent");
  EXPECT_EQ(finding.observed.at("blockers"), "none");
  EXPECT_TRUE(fixer->plan(finding, ctx).empty());
  EXPECT_EQ(mem.registry.changeCount(), changesBefore) << "detect must only read";
}

TEST_F(AutologonFixerTest, AccountNamesCompareWithoutRegardToCase) {
  configureCompliant();
  writeWinlogon("DefaultUserName", RegSz{"KIOSK"});
  writeWinlogon("DefaultDomainName", RegSz{"contoso"});
  auto ctx = context();
  EXPECT_EQ(fixer->detect(ctx).status, FindingStatus::kCompliant);
}

TEST_F(AutologonFixerTest, TriggeredByConnectorInstall) {
  EXPECT_EQ(fixer->id(), "autologon");
  EXPECT_EQ(fixer->triggers(), std::vector<std::string>{"connector.installed"});
}

TEST_F(AutologonFixerTest, NotApplicableWithoutRegistry) {
  mem.get().registry = nullptr;
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kNotApplicable);
  EXPECT_NE(finding.message.find("not available on this platform"), std::string::npos) << finding.message;
}

TEST_F(AutologonFixerTest, NotApplicableWithoutSecretStore) {
  mem.get().secrets = nullptr;
  auto ctx = context();
  EXPECT_EQ(fixer->detect(ctx).status, FindingStatus::kNotApplicable);
  const ApplyOutcome outcome = fixer->apply({Action{"store_secret", "", {}, false}}, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("not available on this platform"), std::string::npos) << outcome.message;
}

TEST_F(AutologonFixerTest, RestoresAutoAdminLogonTurnedOffAsString) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_NE(r.before.message.find("AutoAdminLogon is 0 (REG_SZ), not 1 (REG_SZ)"), std::string::npos)
      << r.before.message;
  ASSERT_EQ(r.plan.size(), 1u);
  EXPECT_EQ(r.plan[0].kind, "set_registry_value");
  EXPECT_EQ(r.plan[0].parameters.at("key"), kWinlogonPath);
  EXPECT_EQ(r.plan[0].parameters.at("name"), "AutoAdminLogon");
  EXPECT_EQ(r.plan[0].parameters.at("value"), "1");
  EXPECT_FALSE(r.plan[0].disruptive);
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  auto value = mem.registry.read(kWinlogonKey, "AutoAdminLogon");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, RegistryValue(RegSz{"1"}));
}

TEST_F(AutologonFixerTest, RestoresAutoAdminLogonTurnedOffAsDword) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegDword{0});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("auto_admin_logon"), "0");
  EXPECT_EQ(r.before.observed.at("auto_admin_logon_type"), "REG_DWORD");
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  auto value = mem.registry.read(kWinlogonKey, "AutoAdminLogon");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, RegistryValue(RegSz{"1"})) << "rewritten as REG_SZ";
}

TEST_F(AutologonFixerTest, ReplacesAutoAdminLogonDwordOneWithString) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegDword{1});
  const Run r = run();
  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_EQ(*mem.registry.read(kWinlogonKey, "AutoAdminLogon"), RegistryValue(RegSz{"1"}));
}

TEST_F(AutologonFixerTest, RestoresChangedUser) {
  configureCompliant();
  writeWinlogon("DefaultUserName", RegSz{"Administrator"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_NE(r.before.message.find("DefaultUserName is 'Administrator', not 'kiosk'"), std::string::npos)
      << r.before.message;
  ASSERT_EQ(r.plan.size(), 1u);
  EXPECT_EQ(r.plan[0].parameters.at("name"), "DefaultUserName");
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_EQ(winlogonText("DefaultUserName"), "kiosk");
}

TEST_F(AutologonFixerTest, RestoresChangedDomain) {
  configureCompliant();
  writeWinlogon("DefaultDomainName", RegSz{"PC01"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_NE(r.before.message.find("DefaultDomainName is 'PC01', not 'CONTOSO'"), std::string::npos)
      << r.before.message;
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_EQ(winlogonText("DefaultDomainName"), "CONTOSO");
}

TEST_F(AutologonFixerTest, LocalAccountLogsOnToTheComputerName) {
  policy.autologon.domain = "";
  mem.os.setHostName("TILL-07");
  configureCompliant();  // DefaultDomainName CONTOSO, as a domain join would leave it
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.desired.at("domain"), "TILL-07");
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_EQ(winlogonText("DefaultDomainName"), "TILL-07");
}

TEST_F(AutologonFixerTest, RestoresMissingWinlogonSecretFromServiceCopy) {
  configureCompliant();
  ASSERT_TRUE(mem.secrets.remove(kWinlogonSecret).ok());
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("winlogon_secret"), "absent");
  EXPECT_NE(r.before.message.find("DefaultPassword secret is missing"), std::string::npos)
      << r.before.message;
  ASSERT_NE(findAction(r.plan, "store_secret"), nullptr);
  EXPECT_EQ(findAction(r.plan, "store_secret")->parameters.at("from"), kServiceSecret);
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_TRUE(secretIs(kWinlogonSecret, kPassword));
}

TEST_F(AutologonFixerTest, RestoresWinlogonSecretThatDiffersFromServiceCopy) {
  configureCompliant();
  ASSERT_TRUE(mem.secrets.store(kWinlogonSecret, Secret("something-else")).ok());
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("winlogon_secret"), "differs");
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_TRUE(secretIs(kWinlogonSecret, kPassword));
}

TEST_F(AutologonFixerTest, RestoresEverythingTheConnectorOverwrote) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  writeWinlogon("DefaultUserName", RegSz{"setupadmin"});
  writeWinlogon("DefaultDomainName", RegSz{"PC01"});
  ASSERT_TRUE(mem.secrets.remove(kWinlogonSecret).ok());
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  ASSERT_EQ(r.plan.size(), 4u);
  EXPECT_EQ(r.plan[0].kind, "store_secret");
  EXPECT_EQ(r.plan[3].parameters.at("name"), "AutoAdminLogon") << "autologon is turned on last";
  EXPECT_EQ(r.outcome.details.at("actions_done"), "4");
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
}

TEST_F(AutologonFixerTest, ApplyingThePlanTwiceChangesNothingMore) {
  configureCompliant();
  writeWinlogon("DefaultPassword", RegSz{"old-plaintext"});
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  const Plan plan = fixer->plan(finding, ctx);
  ASSERT_TRUE(fixer->apply(plan, ctx).ok);
  const ApplyOutcome second = fixer->apply(plan, ctx);

  EXPECT_TRUE(second.ok) << second.message;
  EXPECT_EQ(second.details.at("plaintext_password"), "already_gone");
  EXPECT_EQ(fixer->detect(ctx).status, FindingStatus::kCompliant);
  EXPECT_TRUE(secretIs(kServiceSecret, kPassword));
}

TEST_F(AutologonFixerTest, MigratesPlaintextPasswordIntoSecretStore) {
  writeAutologonValues();
  writeWinlogon("DefaultPassword", RegSz{kPassword});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("plaintext_password"), "present");
  EXPECT_EQ(r.before.observed.at("service_secret"), "absent");
  ASSERT_GE(r.plan.size(), 2u);
  EXPECT_EQ(r.plan[0].kind, "migrate_plaintext_password");
  EXPECT_EQ(r.plan[1].kind, "store_secret");
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(r.outcome.details.at("plaintext_password"), "adopted");

  EXPECT_FALSE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok()) << "the plaintext value must be gone";
  EXPECT_TRUE(secretIs(kServiceSecret, kPassword)) << "the service's copy holds the migrated password";
  EXPECT_TRUE(secretIs(kWinlogonSecret, kPassword)) << "Winlogon's secret holds the migrated password";
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;

  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].event, "intent");
  EXPECT_EQ(notes[0].details.at("name"), "DefaultPassword");
  EXPECT_EQ(notes[1].event, "applied");
  EXPECT_EQ(notes[1].details.at("result"), "adopted");
}

TEST_F(AutologonFixerTest, PlaintextThatDiffersFromServiceCopyIsDeletedNotAdopted) {
  configureCompliant();
  writeWinlogon("DefaultPassword", RegSz{"stale-plaintext"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_NE(r.before.message.find("plaintext DefaultPassword registry value is present"), std::string::npos);
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(r.outcome.details.at("plaintext_password"), "differed_from_service_copy");
  EXPECT_FALSE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok());
  EXPECT_TRUE(secretIs(kServiceSecret, kPassword)) << "the administrator's password stays in force";
  EXPECT_TRUE(secretIs(kWinlogonSecret, kPassword));
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[1].details.at("result"), "differed_from_service_copy");
}

TEST_F(AutologonFixerTest, MigrationOffLeavesPlaintextAloneButSaysSo) {
  policy.autologon.migratePlaintext = false;
  configureCompliant();
  writeWinlogon("DefaultPassword", RegSz{"legacy"});
  const int changesBefore = mem.registry.changeCount();
  const Run r = run();

  EXPECT_EQ(r.before.status, FindingStatus::kCompliant);
  EXPECT_NE(r.before.message.find("migrate_plaintext = false"), std::string::npos) << r.before.message;
  EXPECT_TRUE(r.plan.empty());
  EXPECT_TRUE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok());
  EXPECT_EQ(mem.registry.changeCount(), changesBefore);
}

TEST_F(AutologonFixerTest, MigrationFailureKeepsThePlaintextValue) {
  writeAutologonValues();
  writeWinlogon("DefaultPassword", RegSz{kPassword});
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  const Plan plan = fixer->plan(finding, ctx);
  mem.get().secrets = &readOnlySecrets;
  const ApplyOutcome outcome = fixer->apply(plan, ctx);

  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(
      outcome.message.find("cannot store the secret 'L$RemediatorAutologon' (the registry value is kept)"),
      std::string::npos)
      << outcome.message;
  EXPECT_TRUE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok()) << "nothing may be lost";
  EXPECT_EQ(outcome.details.at("actions_done"), "0");
}

TEST_F(AutologonFixerTest, LogonBannerIsReportedAndLeftAlone) {
  configureCompliant();
  ASSERT_TRUE(
      mem.registry.write(kPoliciesSystemKey, "LegalNoticeCaption", RegSz{"Authorised use only"}).ok());
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("blockers"), "logon_banner");
  EXPECT_EQ(r.before.observed.at("logon_banner"), "Policies\\System\\LegalNoticeCaption");
  EXPECT_NE(r.before.message.find("logon banner"), std::string::npos) << r.before.message;
  ASSERT_EQ(r.plan.size(), 1u) << "only the AutoAdminLogon overwrite is fixed";
  EXPECT_EQ(r.plan[0].parameters.at("name"), "AutoAdminLogon");
  EXPECT_EQ(winlogonText("AutoAdminLogon"), "1");
  EXPECT_EQ(r.after.status, FindingStatus::kDrift) << "a blocker is not hidden";
  EXPECT_TRUE(fixer->plan(r.after, context()).empty());
  auto banner = mem.registry.read(kPoliciesSystemKey, "LegalNoticeCaption");
  ASSERT_TRUE(banner.ok());
  EXPECT_EQ(platform::registryValueText(*banner), "Authorised use only");
}

TEST_F(AutologonFixerTest, BannerUnderWinlogonAndEmptyBannerValues) {
  configureCompliant();
  writeWinlogon("LegalNoticeCaption", RegSz{""});
  writeWinlogon("LegalNoticeText", RegSz{"  "});
  auto ctx = context();
  EXPECT_EQ(fixer->detect(ctx).status, FindingStatus::kCompliant) << "empty banner values show no banner";
  writeWinlogon("LegalNoticeText", RegSz{"Property of Contoso"});
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kDrift);
  EXPECT_EQ(finding.observed.at("logon_banner"), "Winlogon\\LegalNoticeText");
}

TEST_F(AutologonFixerTest, AutoLogonCountAtZeroIsReportedAndLeftAlone) {
  configureCompliant();
  writeWinlogon("AutoLogonCount", RegDword{0});
  const int changesBefore = mem.registry.changeCount();
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("blockers"), "auto_logon_count_zero");
  EXPECT_NE(r.before.message.find("AutoLogonCount is 0"), std::string::npos) << r.before.message;
  EXPECT_TRUE(r.plan.empty());
  EXPECT_EQ(r.after.status, FindingStatus::kDrift);
  EXPECT_EQ(mem.registry.changeCount(), changesBefore);
  EXPECT_EQ(winlogonText("AutoLogonCount"), "0");
}

TEST_F(AutologonFixerTest, PositiveAutoLogonCountIsReportedOnly) {
  configureCompliant();
  writeWinlogon("AutoLogonCount", RegDword{3});
  writeWinlogon("ForceAutoLogon", RegSz{"1"});
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kCompliant);
  EXPECT_EQ(finding.observed.at("auto_logon_count"), "3");
  EXPECT_EQ(finding.observed.at("force_auto_logon"), "1");
}

TEST_F(AutologonFixerTest, MissingServiceSecretTellsTheAdministrator) {
  writeAutologonValues();
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  EXPECT_EQ(r.before.observed.at("service_secret"), "absent");
  EXPECT_NE(r.before.message.find("an administrator must run `remediator autologon set-password`"),
            std::string::npos)
      << r.before.message;
  EXPECT_EQ(findAction(r.plan, "store_secret"), nullptr) << "there is nothing to restore the password from";
  EXPECT_NE(findAction(r.plan, "set_registry_value", "AutoAdminLogon"), nullptr);
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(winlogonText("AutoAdminLogon"), "1");
  EXPECT_EQ(r.after.status, FindingStatus::kDrift);
  EXPECT_NE(r.after.message.find("set-password"), std::string::npos) << r.after.message;
  EXPECT_FALSE(mem.secrets.contains(kWinlogonSecret));
}

TEST_F(AutologonFixerTest, StoreSecretWithoutServiceCopyFailsWithTheHint) {
  auto ctx = context();
  const ApplyOutcome outcome = fixer->apply(
      {Action{"store_secret", "", {{"secret", kWinlogonSecret}, {"from", kServiceSecret}}, false}}, ctx);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("remediator autologon set-password"), std::string::npos) << outcome.message;
}

TEST_F(AutologonFixerTest, DisabledTurnsAutologonOffAndDeletesWinlogonSecret) {
  policy.autologon.enabled = false;
  configureCompliant();
  const Run r = run();

  ASSERT_EQ(r.before.status, FindingStatus::kDrift);
  ASSERT_EQ(r.plan.size(), 2u);
  EXPECT_EQ(r.plan[0].parameters.at("name"), "AutoAdminLogon");
  EXPECT_EQ(r.plan[0].parameters.at("value"), "0");
  EXPECT_EQ(r.plan[1].kind, "remove_secret");
  EXPECT_TRUE(r.outcome.ok) << r.outcome.message;
  EXPECT_EQ(*mem.registry.read(kWinlogonKey, "AutoAdminLogon"), RegistryValue(RegSz{"0"}));
  EXPECT_FALSE(mem.secrets.contains(kWinlogonSecret));
  EXPECT_TRUE(mem.secrets.contains(kServiceSecret)) << "kept so that enabling again needs no new password";
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant) << r.after.message;
  EXPECT_EQ(r.after.message, "Autologon is off as the policy wants.");
}

TEST_F(AutologonFixerTest, DisabledIsCompliantWhenAutoAdminLogonIsAbsent) {
  policy.autologon.enabled = false;
  policy.autologon.user = "";
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kCompliant) << finding.message;
  EXPECT_EQ(finding.observed.at("auto_admin_logon"), "absent");
}

TEST_F(AutologonFixerTest, EnabledWithoutUserIsAPolicyError) {
  policy.autologon.user = " ";
  configureCompliant();
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("[autologon] user"), std::string::npos) << finding.message;
}

TEST_F(AutologonFixerTest, SecretStoreFailureIsADetectionErrorNamingTheSecret) {
  configureCompliant();
  mem.secrets.failAll(platform::fail(ErrorCode::kNotSupported, "LSA private data is not implemented"));
  auto ctx = context();
  const Finding finding = fixer->detect(ctx);
  EXPECT_EQ(finding.status, FindingStatus::kError);
  EXPECT_NE(finding.message.find("'L$RemediatorAutologon'"), std::string::npos) << finding.message;
}

TEST_F(AutologonFixerTest, DeniedRegistryWriteNamesTheValue) {
  configureCompliant();
  writeWinlogon("DefaultUserName", RegSz{"other"});
  mem.registry.denyWrites(kWinlogonKey, platform::fail(ErrorCode::kPermissionDenied, "access denied"));
  const Run r = run();

  EXPECT_FALSE(r.outcome.ok);
  EXPECT_NE(r.outcome.message.find(std::string(kWinlogonPath) + "\\DefaultUserName"), std::string::npos)
      << r.outcome.message;
  EXPECT_EQ(r.after.status, FindingStatus::kDrift);
}

TEST_F(AutologonFixerTest, PastDeadlineStopsBeforeActing) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegSz{"0"});
  auto ctx = context();
  const Plan plan = fixer->plan(fixer->detect(ctx), ctx);
  auto late = context(std::chrono::milliseconds(-1));
  const ApplyOutcome outcome = fixer->apply(plan, late);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("Deadline passed after 0 of 1"), std::string::npos) << outcome.message;
  EXPECT_EQ(winlogonText("AutoAdminLogon"), "0");
}

TEST_F(AutologonFixerTest, ApplyRefusesToWritePlaintextPasswordOrForeignValues) {
  auto ctx = context();
  const ApplyOutcome plaintext = fixer->apply(
      {Action{"set_registry_value",
              "",
              {{"key", kWinlogonPath}, {"name", "DefaultPassword"}, {"type", "REG_SZ"}, {"value", "x"}},
              false}},
      ctx);
  EXPECT_FALSE(plaintext.ok);
  EXPECT_FALSE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok());
  const ApplyOutcome foreign = fixer->apply(
      {Action{"set_registry_value",
              "",
              {{"key", "HKLM\\SOFTWARE\\Other"}, {"name", "X"}, {"type", "REG_SZ"}, {"value", "1"}},
              false}},
      ctx);
  EXPECT_FALSE(foreign.ok);
  EXPECT_NE(foreign.message.find("HKLM\\SOFTWARE\\Other"), std::string::npos) << foreign.message;
  const ApplyOutcome unknown = fixer->apply({Action{"format_disk", "", {}, false}}, ctx);
  EXPECT_FALSE(unknown.ok);
  EXPECT_NE(unknown.message.find("format_disk"), std::string::npos) << unknown.message;
}

TEST_F(AutologonFixerTest, UnusualAutoAdminLogonTypesAreReadAndReplaced) {
  configureCompliant();
  writeWinlogon("AutoAdminLogon", RegQword{1});
  const Run r = run();
  EXPECT_EQ(r.before.observed.at("auto_admin_logon_type"), "REG_QWORD");
  EXPECT_EQ(r.after.status, FindingStatus::kCompliant);
}

TEST(AutologonSetPasswordTest, StoresBothSecretsAndNothingElse) {
  platform::ManualTimeSource time;
  platform::MemoryPlatform mem(time);
  ASSERT_TRUE(setPassword(mem.get(), Secret(kPassword)).ok());
  auto service = mem.secrets.retrieve(kServiceSecret);
  auto winlogon = mem.secrets.retrieve(kWinlogonSecret);
  ASSERT_TRUE(service.ok() && winlogon.ok());
  EXPECT_TRUE(service->reveal() == kPassword);
  EXPECT_TRUE(winlogon->reveal() == kPassword);
  EXPECT_EQ(mem.registry.changeCount(), 0);
}

TEST(AutologonSetPasswordTest, RefusesEmptyPasswordAndMissingStore) {
  platform::ManualTimeSource time;
  platform::MemoryPlatform mem(time);
  auto empty = setPassword(mem.get(), Secret(""));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(mem.secrets.contains(kServiceSecret));

  mem.get().secrets = nullptr;
  auto missing = setPassword(mem.get(), Secret("x"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotSupported);
}

TEST(AutologonSetPasswordTest, StoreFailureNamesTheSecret) {
  platform::ManualTimeSource time;
  platform::MemoryPlatform mem(time);
  mem.secrets.failAll(platform::fail(ErrorCode::kPermissionDenied, "access denied"));
  auto result = setPassword(mem.get(), Secret("x"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(result.error().message.find("'L$RemediatorAutologon'"), std::string::npos)
      << result.error().message;
}

TEST(AutologonReadPasswordTest, ReadsFirstLineWithoutLineEnding) {
  std::istringstream crlf("s3cret word\r\nsecond line\n");
  auto password = readPassword(crlf);
  ASSERT_TRUE(password.ok());
  EXPECT_TRUE(password->reveal() == "s3cret word");

  std::istringstream noNewline("last");
  auto last = readPassword(noNewline);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->reveal() == "last");
}

TEST(AutologonReadPasswordTest, EmptyInputIsRefused) {
  std::istringstream nothing("");
  auto none = readPassword(nothing);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "no password on standard input");
  std::istringstream blank("\r\n");
  auto empty = readPassword(blank);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "the password line is empty");
}

}  // namespace
}  // namespace remediator::fixers::autologon::testing
