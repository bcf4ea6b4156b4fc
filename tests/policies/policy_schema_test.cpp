#include "policies/policy_schema.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <set>

#include "policies/policy_loader.h"
#include "policies/value_syntax.h"
#include "tests/policies/policy_test_support.h"

namespace remediator::policies {
namespace {

using namespace std::chrono_literals;

bool isSnakeCase(std::string_view name) {
  if (name.empty() || name.front() == '_' || name.back() == '_') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::vector<MaintenanceRange> exampleWindow() {
  auto ranges = parseMaintenanceWindow("Sat 22:00-Sun 04:00, daily 01:00-02:00");
  EXPECT_TRUE(ranges.ok());
  return ranges.valueOr({});
}

/// A policy in which every key differs from its default, so a printer that drops or garbles one key shows.
Policy everyKeyChanged() {
  Policy p;
  p.service = {"srv.contoso.local",
               "/var/lib/r",
               "/var/log/r/audit.jsonl",
               20u << 20,
               7,
               "debug",
               "http://srv/p.ini",
               "\\\\srv\\reports",
               42,
               30min,
               1min,
               5min,
               30s,
               2h,
               3,
               4,
               48h,
               exampleWindow()};
  p.clock = {{Mode::kEnforce, 30min, 2min}, {"a.example", "b.example"}, 1123, 8, 3s, 45s, 12h};
  p.staleLogs = {{Mode::kAudit, 2h, 3min}, "/logs", 30 * 24h, "none", "/archive", 9, 30 * 24h, true, true};
  p.connector = {{Mode::kEnforce, 20min, 2h},
                 {"Connector A"},
                 "{12345678-ABCD-EF01-2345-6789ABCDEF01}",
                 "C:\\Tools\\uninstall.exe /quiet",
                 "http://srv/Connect",
                 "/q /norestart",
                 std::string(64, 'a'),
                 45min,
                 false,
                 3 * 24h,
                 2h,
                 7,
                 {"mirror.example"}};
  p.autologon = {{Mode::kEnforce, 10min, 30s}, false, "kiosk", "CONTOSO", false};
  return p;
}

TEST(SchemaTest, NamesAreUniqueSnakeCaseAndDocumented) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const KeySpec& spec : policySchema()) {
    EXPECT_TRUE(findSection(spec.section) != nullptr) << spec.section;
    EXPECT_TRUE(isSnakeCase(spec.key)) << spec.key;
    EXPECT_TRUE(seen.insert({spec.section, spec.key}).second)
        << "duplicate " << spec.section << "." << spec.key;
    EXPECT_FALSE(spec.doc.empty()) << spec.key;
    EXPECT_FALSE(isPasswordKey(spec.key)) << spec.key;
  }
  for (const SectionSpec& section : policySections()) {
    EXPECT_TRUE(isSnakeCase(section.name));
    if (section.fixer) {
      // Every fixer section has the common keys.
      for (const char* key : {"mode", "interval", "timeout"})
        EXPECT_NE(findKey(section.name, key), nullptr) << key;
      EXPECT_TRUE(findKey(section.name, "mode")->required);
    }
  }
}

TEST(SchemaTest, EveryDefaultIsAValidValueOfItsKey) {
  for (const KeySpec& spec : policySchema()) {
    if (spec.required) continue;  // required keys have no meaningful default
    Policy policy;
    auto ok = setValue(spec, defaultValue(spec), policy);
    EXPECT_TRUE(ok.ok()) << spec.section << "." << spec.key << " default '" << defaultValue(spec)
                         << "': " << (ok.ok() ? "" : ok.error().message);
    EXPECT_EQ(policy, Policy{}) << spec.section << "." << spec.key;
  }
}

TEST(SchemaTest, FixerSectionsMatchPolicyFixerLookup) {
  for (const SectionSpec& section : policySections()) {
    EXPECT_EQ(Policy{}.fixer(std::string(section.name)).has_value(), section.fixer) << section.name;
  }
}

TEST(SchemaTest, ReferenceDocumentsEverySectionAndKey) {
  std::string readme = testing::readText(testing::policiesDir() / "README.md");
  ASSERT_FALSE(readme.empty());
  for (const SectionSpec& section : policySections()) {
    std::string heading = "### [" + std::string(section.name) + "]";
    std::size_t begin = readme.find(heading);
    ASSERT_NE(begin, std::string::npos) << heading;
    std::size_t end = readme.find("\n### ", begin + heading.size());
    std::string part = readme.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    for (const KeySpec& spec : policySchema()) {
      if (spec.section != section.name) continue;
      std::string row = "| `" + std::string(spec.key) + "` |";
      std::size_t at = part.find(row);
      ASSERT_NE(at, std::string::npos) << "README lacks " << row << " under " << heading;
      std::string line = part.substr(at, part.find('\n', at) - at);
      std::string fallback = defaultValue(spec);
      if (!fallback.empty()) {
        EXPECT_NE(line.find(fallback), std::string::npos)
            << "README's default for " << spec.section << "." << spec.key << " is not " << fallback << ":\n"
            << line;
      }
    }
  }
}

TEST(EffectivePolicyTest, IniOutputLoadsBackToTheSamePolicy) {
  const Policy original = everyKeyChanged();
  std::string ini = effectivePolicyIni(original);
  auto loaded = parsePolicy(ini, PolicyFormat::kIni, "effective.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << ini;
  EXPECT_EQ(loaded->policy, original) << ini;
}

TEST(EffectivePolicyTest, IniOutputListsEveryKeyWithItsDefault) {
  std::string ini = effectivePolicyIni(everyKeyChanged());
  for (const KeySpec& spec : policySchema()) {
    EXPECT_NE(ini.find("\n" + std::string(spec.key) + " = "), std::string::npos) << spec.key;
  }
  EXPECT_NE(ini.find("Default: 15m.\ninterval = 30m\n"), std::string::npos) << ini;
}

TEST(EffectivePolicyTest, JsonHasTypedValuesInSchemaOrder) {
  std::string json = effectivePolicyJson(everyKeyChanged());
  Poco::JSON::Object::Ptr root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  Poco::JSON::Object::Ptr service = root->getObject("service");
  Poco::JSON::Object::Ptr clock = root->getObject("clock");
  ASSERT_TRUE(service && clock) << json;
  EXPECT_EQ(service->getValue<std::string>("server"), "srv.contoso.local");
  EXPECT_EQ(service->getValue<std::string>("audit_max_size"), "20MB");
  EXPECT_EQ(service->getValue<int>("audit_keep"), 7);
  EXPECT_EQ(service->getValue<std::string>("maintenance_window"), "Sat 22:00-Sun 04:00, daily 01:00-02:00");
  EXPECT_EQ(clock->getValue<std::string>("mode"), "enforce");
  EXPECT_EQ(clock->getValue<int>("port"), 1123);
  Poco::JSON::Array::Ptr servers = clock->getArray("servers");
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers->size(), 2u);
  EXPECT_EQ(servers->getElement<std::string>(1), "b.example");
  EXPECT_FALSE(root->getObject("autologon")->getValue<bool>("enabled"));
  // Schema order: sections and keys appear as the table lists them.
  std::size_t last = 0;
  for (const SectionSpec& section : policySections()) {
    std::size_t at = json.find("\"" + std::string(section.name) + "\": {");
    ASSERT_NE(at, std::string::npos) << section.name;
    EXPECT_GT(at, last);
    last = at;
  }
  EXPECT_LT(json.find("\"server\""), json.find("\"state_dir\""));
}

}  // namespace
}  // namespace remediator::policies
