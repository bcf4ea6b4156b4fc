// The autologon password must appear in no audit record, error message or test output. Every scenario below
// runs detect, plan, apply and detect again with kPassword in play, renders everything the engine would audit
// (findings, plans, outcomes, note() calls) and every error to text, and looks for the password in it. The
// assertions name the record, never the text, so a failure does not print the secret either.

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "tests/fixers/autologon/autologon_test_support.h"

namespace remediator::fixers::autologon::testing {
namespace {

using platform::ErrorCode;

/// One rendered record and where it came from.
struct Record {
  std::string label;
  std::string text;
};

/// The labels of the records that contain the password (empty when none does).
std::vector<std::string> recordsHoldingPassword(const std::vector<Record>& records) {
  std::vector<std::string> labels;
  for (const auto& record : records) {
    if (record.text.find(kPassword) != std::string::npos) labels.push_back(record.label);
  }
  return labels;
}

std::string joinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& label : labels) out += (out.empty() ? "" : ", ") + label;
  return out;
}

struct Scenario {
  std::string name;
  std::function<void(AutologonFixture&)> setUp;
  /// Runs between plan and apply, to make apply fail half way.
  std::function<void(AutologonFixture&)> beforeApply = nullptr;
};

// gtest prints the parameter of a failing test: the scenario's name only.
void PrintTo(const Scenario& scenario, std::ostream* os) { *os << scenario.name; }

class AutologonSecrecyTest : public AutologonFixture, public ::testing::WithParamInterface<Scenario> {};

/// Autologon as the policy wants, then one Winlogon value overwritten as the Connector (or a tool) would.
Scenario overwritten(std::string name, std::string valueName, RegistryValue with) {
  return {std::move(name), [valueName, with](AutologonFixture& f) {
            f.configureCompliant();
            f.writeWinlogon(valueName, with);
          }};
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"Compliant", [](AutologonFixture& f) { f.configureCompliant(); }},
      overwritten("AutoAdminLogonZeroString", "AutoAdminLogon", RegSz{"0"}),
      overwritten("AutoAdminLogonZeroDword", "AutoAdminLogon", RegDword{0}),
      overwritten("UserChanged", "DefaultUserName", RegSz{"setupadmin"}),
      overwritten("DomainChanged", "DefaultDomainName", RegSz{"PC01"}),
      {"WinlogonSecretMissing",
       [](AutologonFixture& f) {
         f.configureCompliant();
         ASSERT_TRUE(f.mem.secrets.remove(kWinlogonSecret).ok());
       }},
      {"WinlogonSecretDiffers",
       [](AutologonFixture& f) {
         f.configureCompliant();
         ASSERT_TRUE(f.mem.secrets.store(kWinlogonSecret, Secret("other")).ok());
       }},
      {"PlaintextAdopted",
       [](AutologonFixture& f) {
         f.writeAutologonValues();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       }},
      {"PlaintextDiffersFromServiceCopy",
       [](AutologonFixture& f) {
         ASSERT_TRUE(setPassword(f.mem.get(), Secret("the-other-one")).ok());
         f.writeAutologonValues();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       }},
      {"PlaintextWhileDisabled",
       [](AutologonFixture& f) {
         f.policy.autologon.enabled = false;
         f.configureCompliant();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       }},
      {"PlaintextKeptWithMigrationOff",
       [](AutologonFixture& f) {
         f.policy.autologon.migratePlaintext = false;
         f.configureCompliant();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       }},
      {"BannerAndCountZero",
       [](AutologonFixture& f) {
         f.configureCompliant();
         f.writeWinlogon("LegalNoticeCaption", RegSz{"Notice"});
         f.writeWinlogon("AutoLogonCount", RegDword{0});
       }},
      {"ServiceSecretMissing", [](AutologonFixture& f) { f.writeAutologonValues(); }},
      {"Disabled",
       [](AutologonFixture& f) {
         f.policy.autologon.enabled = false;
         f.configureCompliant();
       }},
      {"SecretStoreFailsDuringMigration",
       [](AutologonFixture& f) {
         f.writeAutologonValues();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       },
       [](AutologonFixture& f) {
         f.mem.secrets.failAll(platform::fail(ErrorCode::kPermissionDenied, "denied"));
       }},
      {"SecretWritesDeniedDuringMigration",
       [](AutologonFixture& f) {
         f.writeAutologonValues();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       },
       [](AutologonFixture& f) { f.mem.get().secrets = &f.readOnlySecrets; }},
      {"RegistryDeniedDuringMigration",
       [](AutologonFixture& f) {
         f.configureCompliant();
         f.writeWinlogon("DefaultPassword", RegSz{kPassword});
       },
       [](AutologonFixture& f) {
         f.mem.registry.denyWrites(kWinlogonKey, platform::fail(ErrorCode::kPermissionDenied, "denied"));
       }},
      {"SecretStoreFailsWhileRestoring",
       [](AutologonFixture& f) {
         f.configureCompliant();
         ASSERT_TRUE(f.mem.secrets.remove(kWinlogonSecret).ok());
       },
       [](AutologonFixture& f) {
         f.mem.secrets.failAll(platform::fail(ErrorCode::kPermissionDenied, "denied"));
       }},
  };
  return all;
}

TEST_P(AutologonSecrecyTest, PasswordAppearsInNoRecord) {
  GetParam().setUp(*this);
  ASSERT_FALSE(HasFatalFailure());

  std::vector<Record> records;
  auto ctx = context();
  const Finding before = fixer->detect(ctx);
  records.push_back({"finding before apply", render(before)});
  const Plan plan = fixer->plan(before, ctx);
  records.push_back({"plan", render(plan)});
  if (GetParam().beforeApply) GetParam().beforeApply(*this);
  const ApplyOutcome outcome = fixer->apply(plan, ctx);
  records.push_back({"apply outcome", render(outcome)});
  const Finding after = fixer->detect(ctx);  // with a failure still injected: an error finding
  records.push_back({"finding after apply", render(after)});
  mem.secrets.clearFailure();
  mem.get().secrets = &mem.secrets;
  mem.registry.allowWrites(kWinlogonKey);
  const Finding verified = fixer->detect(ctx);
  records.push_back({"finding after recovery", render(verified)});
  for (std::size_t i = 0; i < notes.size(); ++i) {
    records.push_back({"note " + std::to_string(i) + " (" + notes[i].event + ")", render(notes[i])});
  }

  // The records are real: a finding has a message and observed state (or an error message).
  ASSERT_FALSE(before.message.empty());
  ASSERT_GE(records.size(), 5u);

  const auto leaked = recordsHoldingPassword(records);
  EXPECT_TRUE(leaked.empty()) << "password leaked in: " << joinLabels(leaked);
  const bool plaintextWanted = GetParam().name == "PlaintextKeptWithMigrationOff" ||
                               GetParam().name == "RegistryDeniedDuringMigration" ||
                               GetParam().name == "SecretStoreFailsDuringMigration" ||
                               GetParam().name == "SecretWritesDeniedDuringMigration";
  if (!plaintextWanted) {
    EXPECT_FALSE(mem.registry.read(kWinlogonKey, "DefaultPassword").ok())
        << "a plaintext password is still in the registry";
  }
  for (const auto& name : mem.registry.valueNames(kWinlogonKey)) {
    if (name == "DefaultPassword") continue;
    auto value = mem.registry.read(kWinlogonKey, name);
    ASSERT_TRUE(value.ok());
    EXPECT_TRUE(platform::registryValueText(*value).find(kPassword) == std::string::npos)
        << "password written to the registry value " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryScenario, AutologonSecrecyTest, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) { return info.param.name; });

TEST(AutologonSecrecyCheckTest, FindsThePasswordWhereItIs) {
  State state{{"user", "kiosk"}, {"oops", std::string("x") + kPassword + "y"}};
  const auto leaked =
      recordsHoldingPassword({{"clean", render(State{{"user", "kiosk"}})}, {"dirty", render(state)}});
  ASSERT_EQ(leaked.size(), 1u);
  EXPECT_EQ(leaked[0], "dirty");
}

TEST(AutologonPasswordInputTest, ErrorsNeverHoldThePassword) {
  platform::ManualTimeSource time;
  platform::MemoryPlatform mem(time);
  std::vector<Record> records;
  mem.secrets.failAll(platform::fail(ErrorCode::kPermissionDenied, "denied"));
  auto failed = setPassword(mem.get(), Secret(kPassword));
  ASSERT_FALSE(failed.ok());
  records.push_back({"setPassword store failure", failed.error().message});
  mem.get().secrets = nullptr;
  auto unsupported = setPassword(mem.get(), Secret(kPassword));
  ASSERT_FALSE(unsupported.ok());
  records.push_back({"setPassword without store", unsupported.error().message});
  std::istringstream justNewline("\n" + std::string(kPassword));
  auto empty = readPassword(justNewline);
  ASSERT_FALSE(empty.ok());
  records.push_back({"readPassword empty line", empty.error().message});

  const auto leaked = recordsHoldingPassword(records);
  EXPECT_TRUE(leaked.empty()) << "password leaked in: " << joinLabels(leaked);
}

}  // namespace
}  // namespace remediator::fixers::autologon::testing
