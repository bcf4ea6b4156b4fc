#include "policies/policy_loader.h"

#include <gtest/gtest.h>

#include <initializer_list>

#include "policies/policy_schema.h"
#include "tests/platform/scoped_environment.h"
#include "tests/platform/temp_dir.h"
#include "tests/policies/policy_test_support.h"

namespace remediator::policies {
namespace {

using namespace std::chrono_literals;
using testing::kServiceIni;
using testing::loadError;

/// Asserts that `message` contains every one of `parts`.
void expectContains(const std::string& message, std::initializer_list<std::string> parts) {
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "missing '" << part << "' in:\n" << message;
  }
}

Policy loadIni(const std::string& text) {
  auto loaded = parsePolicy(text, PolicyFormat::kIni, "policy.ini");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  return loaded.ok() ? loaded->policy : Policy{};
}

TEST(PolicyLoaderTest, MinimalPolicyGetsEveryDefault) {
  // The default stale-logs folder names %ProgramData%, which loading expands where it is set (on Windows).
  platform::testing::ScopedEnvironment noProgramData("ProgramData", std::nullopt);
  auto loaded = parsePolicy(kServiceIni, PolicyFormat::kIni, "policy.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  Policy expected;
  expected.service.server = "ESSENTIALS";
  EXPECT_EQ(loaded->policy, expected);
  EXPECT_EQ(loaded->origin, "policy.ini");
  EXPECT_EQ(loaded->text, kServiceIni);
}

TEST(PolicyLoaderTest, Sha256IsOfTheRawBytesByteOrderMarkIncluded) {
  auto plain = parsePolicy("[service]\nserver = S\n", PolicyFormat::kIni, "p.ini");
  auto withBom = parsePolicy("\xEF\xBB\xBF[service]\nserver = S\n", PolicyFormat::kIni, "p.ini");
  ASSERT_TRUE(plain.ok() && withBom.ok());
  // Reference values from sha256sum over the same bytes.
  EXPECT_EQ(plain->sha256, "bbf3e3b1133f96c88fa740cab0ff16b1e14080ecfab7bd524408664f4fb666e6");
  EXPECT_EQ(withBom->sha256, "af08c88b704b39377eb6be81e2c909d6ddffbcd20a388580c12e13285a859977");
  EXPECT_EQ(plain->policy, withBom->policy);
}

TEST(PolicyLoaderTest, ReadsEveryValueType) {
  Policy policy = loadIni(kServiceIni +
                          "audit_max_size = 512KB\naudit_keep = 3\nlog_level = WARNING\n"
                          "maintenance_window = Sat 22:00-Sun 04:00\n"
                          "[clock]\nmode = Enforce\nservers = a.example, b\nquery_timeout = 500ms\n"
                          "[stale_logs]\nmode = audit\nremove_root = yes\narchive = none\n"
                          "[connector]\nmode = off\ninstaller_args = /q   /norestart\n"
                          "product_code = {12345678-ABCD-ef01-2345-6789abcdef01}\n");
  EXPECT_EQ(policy.service.auditMaxBytes, 512u * 1024);
  EXPECT_EQ(policy.service.auditKeepFiles, 3);
  EXPECT_EQ(policy.service.logLevel, "warning");
  ASSERT_EQ(policy.service.maintenanceWindow.size(), 1u);
  EXPECT_EQ(policy.clock.common.mode, Mode::kEnforce);
  EXPECT_EQ(policy.clock.servers, (std::vector<std::string>{"a.example", "b"}));
  EXPECT_EQ(policy.clock.queryTimeout, 500ms);
  EXPECT_TRUE(policy.staleLogs.removeRoot);
  EXPECT_EQ(policy.staleLogs.archive, "none");
  EXPECT_EQ(policy.connector.installerArgs, "/q   /norestart");  // inner spaces kept
  EXPECT_EQ(policy.connector.productCode, "{12345678-ABCD-ef01-2345-6789abcdef01}");
}

TEST(PolicyLoaderTest, AbsentFixerSectionMeansTheFixerIsOff) {
  Policy policy = loadIni(kServiceIni + "[clock]\nmode = enforce\n");
  EXPECT_EQ(policy.clock.common.mode, Mode::kEnforce);
  EXPECT_EQ(policy.connector.common.mode, Mode::kOff);
  EXPECT_EQ(policy.autologon.common.mode, Mode::kOff);
}

TEST(PolicyLoaderTest, WindowsLineEndingsAndCommentsAreFine) {
  Policy policy =
      loadIni("; comment\r\n# another\r\n[service]\r\n  server = S1  \r\n\r\n[clock]\r\nmode = audit\r\n");
  EXPECT_EQ(policy.service.server, "S1");
  EXPECT_EQ(policy.clock.common.mode, Mode::kAudit);
}

TEST(PolicyLoaderTest, UnknownSectionNamesLineAndSuggestion) {
  std::string message = loadError(kServiceIni + "\n[clok]\nmode = audit\n");
  expectContains(message, {"policy.ini:4: [clok]: unknown section", "did you mean [clock]?"});
}

TEST(PolicyLoaderTest, UnknownKeyNamesLineKeyAndSuggestion) {
  std::string message = loadError(kServiceIni + "[clock]\nmode = audit\nintervall = 15m\n");
  expectContains(message, {"policy.ini:5: [clock] intervall: unknown key; did you mean interval?"});
  std::string far = loadError(kServiceIni + "[clock]\nmode = audit\ncolour = blue\n");
  expectContains(far, {"policy.ini:5: [clock] colour: unknown key; [clock] has mode, interval, timeout"});
}

TEST(PolicyLoaderTest, WrongTypeSaysWhatWasExpected) {
  std::string message = loadError(kServiceIni + "[clock]\nmode = audit\nport = abc\n");
  expectContains(message, {"policy.ini:5: [clock] port: expected a whole number from 1 to 65535; got 'abc'"});
  std::string mode = loadError(kServiceIni + "[clock]\nmode = on\n");
  expectContains(mode, {"policy.ini:4: [clock] mode: expected one of off, audit, enforce; got 'on'"});
  std::string flag = loadError(kServiceIni + "[stale_logs]\nmode = audit\nremove_root = perhaps\n");
  expectContains(flag, {"policy.ini:5: [stale_logs] remove_root: expected true or false", "got 'perhaps'"});
  std::string duration = loadError(kServiceIni + "refresh = 15\n");
  expectContains(duration, {"policy.ini:3: [service] refresh: expected a duration", "got '15'"});
}

TEST(PolicyLoaderTest, OutOfRangeNamesTheRange) {
  std::string interval = loadError(kServiceIni + "[clock]\nmode = audit\ninterval = 10s\n");
  expectContains(interval,
                 {"policy.ini:5: [clock] interval: out of range: expected a duration such as 30s, 15m or "
                  "7d from 1m to 30d; got '10s'"});
  std::string port = loadError(kServiceIni + "[clock]\nmode = audit\nport = 70000\n");
  expectContains(port, {"policy.ini:5: [clock] port: out of range", "from 1 to 65535", "got '70000'"});
  std::string size = loadError(kServiceIni + "audit_max_size = 2GB\n");
  expectContains(size, {"policy.ini:3: [service] audit_max_size: out of range", "from 64KB to 1GB"});
  std::string count = loadError(kServiceIni + "[connector]\nmode = audit\nmax_attempts = 0\n");
  expectContains(count, {"policy.ini:5: [connector] max_attempts: out of range", "from 1 to 100"});
}

TEST(PolicyLoaderTest, MissingServerIsAnError) {
  std::string message = loadError("[clock]\nmode = audit\n");
  expectContains(message, {"policy.ini: [service] server: required key is missing (and so is its section)"});
  std::string present = loadError("[service]\nlog_level = info\n");
  expectContains(present, {"policy.ini:1: [service] server: required key is missing"});
  std::string empty = loadError("[service]\nserver =\n");
  expectContains(empty, {"policy.ini:2: [service] server: the value is empty"});
}

TEST(PolicyLoaderTest, PresentFixerSectionNeedsMode) {
  std::string message = loadError(kServiceIni + "[clock]\ninterval = 15m\n");
  expectContains(
      message, {"policy.ini:3: [clock] mode: required key is missing: expected one of off, audit, enforce"});
  std::string bare = loadError(kServiceIni + "[connector]\n");
  expectContains(bare, {"policy.ini:3: [connector] mode: required key is missing"});
}

TEST(PolicyLoaderTest, DuplicateKeyNamesTheSecondLine) {
  std::string message = loadError(kServiceIni + "[clock]\nmode = audit\nmode = enforce\n");
  expectContains(message, {"policy.ini:5: [clock] mode: duplicate key (first at line 4)"});
}

TEST(PolicyLoaderTest, DuplicateSectionNamesTheSecondLine) {
  std::string message = loadError(kServiceIni + "[clock]\nmode = audit\n\n[clock]\ninterval = 1h\n");
  expectContains(message, {"policy.ini:6: [clock]: duplicate section (first at line 3)"});
}

TEST(PolicyLoaderTest, EmptyFileIsAnError) {
  expectContains(loadError(""), {"policy.ini: the file is empty"});
  expectContains(loadError(" \n\r\n\t"), {"policy.ini: the file is empty"});
  expectContains(loadError("\xEF\xBB\xBF"), {"policy.ini: the file is empty"});
  expectContains(loadError("", PolicyFormat::kXml, "policy.xml"), {"policy.xml: the file is empty"});
}

TEST(PolicyLoaderTest, BinaryFileIsAnError) {
  std::string binary(
      "\x7F"
      "ELF\x02\x01\x01\x00\x00",
      9);
  expectContains(loadError(binary), {"policy.ini:1: the file is binary (byte 0x02)"});
  std::string nul = kServiceIni + std::string("x = \0\n", 6);
  expectContains(loadError(nul), {"policy.ini:3: the file is binary (byte 0x00)"});
}

TEST(PolicyLoaderTest, TextThatIsNotUtf8IsAnError) {
  // Latin-1 "é" as a single byte, as an editor with a legacy code page writes it.
  std::string message = loadError(kServiceIni + "[autologon]\nmode = off\nuser = Jos\xE9\n");
  expectContains(message,
                 {"policy.ini:5: the text is not valid UTF-8 (byte 0xE9)", "save the file as UTF-8"});
  // Overlong encoding of '/' and an encoded surrogate are not UTF-8 either.
  expectContains(loadError(kServiceIni + "x = \xC0\xAF\n"), {"policy.ini:3: the text is not valid UTF-8"});
  expectContains(loadError(kServiceIni + "x = \xED\xA0\x80\n"),
                 {"policy.ini:3: the text is not valid UTF-8"});
}

TEST(PolicyLoaderTest, Utf16IsAnErrorThatSaysSo) {
  std::string utf16("\xFF\xFE[\0s\0", 6);
  expectContains(loadError(utf16), {"policy.ini:1: the file is UTF-16 text: save it as UTF-8"});
}

TEST(PolicyLoaderTest, Utf8TextAndByteOrderMarkAreFine) {
  Policy ini = loadIni("\xEF\xBB\xBF[service]\nserver = S\n[autologon]\nmode = audit\nuser = Jos\xC3\xA9\n");
  EXPECT_EQ(ini.autologon.user, "Jos\xC3\xA9");
  auto xml = parsePolicy("\xEF\xBB\xBF<policy><service><server>S</server></service></policy>",
                         PolicyFormat::kXml, "p.xml");
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  EXPECT_EQ(xml->policy.service.server, "S");
}

TEST(PolicyLoaderTest, MalformedIniNamesTheLine) {
  expectContains(loadError("[service\nserver = S\n"), {"policy.ini:1: unclosed section header"});
  expectContains(loadError(kServiceIni + "just some words\n"), {"policy.ini:3: expected 'key = value'"});
  expectContains(loadError(kServiceIni + "= value\n"), {"policy.ini:3: a key name is missing before '='"});
  expectContains(loadError("server = S\n[service]\n"), {"policy.ini:1: key 'server' is outside any section"});
  expectContains(loadError("[service] extra\nserver = S\n"),
                 {"policy.ini:1: unexpected text after the section"});
  expectContains(loadError("[]\nserver = S\n"), {"policy.ini:1: empty section name"});
}

TEST(PolicyLoaderTest, SeveralProblemsAreReportedTogetherInLineOrder) {
  std::string message = loadError(kServiceIni + "[clock]\nmode = on\nport = 0\nbogus = 1\n");
  std::size_t mode = message.find("policy.ini:4: [clock] mode");
  std::size_t port = message.find("policy.ini:5: [clock] port");
  std::size_t bogus = message.find("policy.ini:6: [clock] bogus");
  ASSERT_NE(mode, std::string::npos) << message;
  ASSERT_NE(port, std::string::npos) << message;
  ASSERT_NE(bogus, std::string::npos) << message;
  EXPECT_LT(mode, port);
  EXPECT_LT(port, bogus);
}

TEST(PolicyLoaderTest, PasswordKeyIsRejectedWithoutEchoingTheValue) {
  const std::string secret = "Pa55-w0rd!xyz";
  std::string message =
      loadError(kServiceIni + "[autologon]\nmode = enforce\nuser = kiosk\npassword = " + secret + "\n");
  expectContains(message, {"policy.ini:6: [autologon] password:", "remediator autologon set-password"});
  EXPECT_EQ(message.find(secret), std::string::npos) << message;

  for (const std::string& text : {kServiceIni + "[autologon]\nmode = off\nDefaultPassword = " + secret + "\n",
                                  kServiceIni + "[secrets]\npasswd = " + secret + "\n",
                                  kServiceIni + "autologon_password = " + secret + "\n"}) {
    std::string other = loadError(text);
    expectContains(other, {"set-password"});
    EXPECT_EQ(other.find(secret), std::string::npos) << other;
  }

  std::string xml =
      loadError("<policy><service><server>S</server></service><autologon><mode>off</mode>\n<password>" +
                    secret + "</password></autologon></policy>",
                PolicyFormat::kXml, "policy.xml");
  expectContains(xml, {"policy.xml:2: /policy/autologon/password:", "set-password"});
  EXPECT_EQ(xml.find(secret), std::string::npos) << xml;

  std::string attribute = loadError("<policy><service><server>S</server></service>\n<autologon password=\"" +
                                        secret + "\"><mode>off</mode></autologon></policy>",
                                    PolicyFormat::kXml, "policy.xml");
  expectContains(attribute, {"policy.xml:2: /policy/autologon password:", "set-password"});
  EXPECT_EQ(attribute.find(secret), std::string::npos) << attribute;
}

TEST(PolicyLoaderTest, AutologonNeedsAUserWhenItIsOn) {
  std::string message = loadError(kServiceIni + "[autologon]\nmode = audit\n");
  expectContains(message,
                 {"policy.ini:3: [autologon] user: required when enabled is true and mode is not off"});
  Policy off = loadIni(kServiceIni + "[autologon]\nmode = enforce\nenabled = false\n");
  EXPECT_FALSE(off.autologon.enabled);
  std::string domainInUser = loadError(kServiceIni + "[autologon]\nmode = audit\nuser = CONTOSO\\kiosk\n");
  expectContains(domainInUser, {"policy.ini:5: [autologon] user: expected the user name alone"});
}

TEST(PolicyLoaderTest, RulesBetweenKeysNameTheKeyAtFault) {
  std::string backoff = loadError(kServiceIni + "backoff_initial = 2h\nbackoff_max = 1h\n");
  expectContains(backoff,
                 {"policy.ini:4: [service] backoff_max: must not be less than backoff_initial (2h)"});
  std::string clock =
      loadError(kServiceIni + "[clock]\nmode = audit\nthreshold = 10m\nmax_correction = 5m\n");
  expectContains(clock, {"policy.ini:6: [clock] max_correction: must not be less than threshold (10m)"});
}

TEST(PolicyLoaderTest, KeysThatRunOrWriteAsSystemAreBounded) {
  // uninstall_command runs as SYSTEM: a name a search path resolves, a program off a share, or a script is
  // refused at load, so such a policy never replaces a good one.
  for (const char* bad : {"uninstall.exe /S", "\\\\attacker\\share\\x.exe", "cmd /c del C:\\x",
                          "\"C:\\Tools\\run.bat\" /x", "C:\\Tools\\remove"}) {
    expectContains(loadError(kServiceIni + "[connector]\nmode = audit\nuninstall_command = " + bad + "\n"),
                   {"policy.ini:5: [connector] uninstall_command: expected msiexec"});
  }
  expectContains(loadError(kServiceIni + "[connector]\nmode = audit\nuninstall_command = C:\\x.exe " +
                           std::string(2048, 'a') + "\n"),
                 {"[connector] uninstall_command: expected msiexec", "at most 2048 characters"});
  for (const char* good : {"msiexec /x {6A6FF67E-1A33-4BB8-95D1-1B8C2C1EE5D4} /qn", "MsiExec.exe /X{X}",
                           "\"C:\\Program Files\\X\\uninst.exe\" /S", "C:\\Program Files\\X\\uninst.exe /S",
                           "c:/tools/remove.EXE"}) {
    EXPECT_EQ(loadIni(kServiceIni + "[connector]\nmode = audit\nuninstall_command = " + good + "\n")
                  .connector.uninstallCommand,
              good);
  }
  // audit_log is created, appended to and rotated (renamed, the oldest deleted) as SYSTEM: .jsonl files only.
  for (const char* bad : {"C:\\Windows\\System32\\config\\SAM", "C:\\audit.log", "C:\\logs\\.jsonl"}) {
    expectContains(loadError(kServiceIni + "audit_log = " + bad + "\n"),
                   {"policy.ini:3: [service] audit_log: expected a file name ending in .jsonl"});
  }
  EXPECT_EQ(loadIni(kServiceIni + "audit_log = D:\\Audit\\remediator.JSONL\n").service.auditLog,
            "D:\\Audit\\remediator.JSONL");
  expectContains(loadError(kServiceIni + "[connector]\nmode = audit\nallowed_redirect_hosts = a, http://b/\n"),
                 {"policy.ini:5: [connector] allowed_redirect_hosts: item 2: expected a host name"});
}

TEST(PolicyLoaderTest, ValueChecksExplainTheExpectedForm) {
  expectContains(loadError("[service]\nserver = \\\\ESSENTIALS\n"),
                 {"policy.ini:2: [service] server: expected a host name", "got '\\\\ESSENTIALS'"});
  expectContains(loadError(kServiceIni + "source = https://srv/policy.ini\n"),
                 {"policy.ini:3: [service] source: https:// is not supported"});
  expectContains(loadError(kServiceIni + "[connector]\nmode = audit\ninstaller_url = https://srv/Connect\n"),
                 {"policy.ini:5: [connector] installer_url: https:// is not supported", "use an http:// URL"});
  expectContains(loadError(kServiceIni + "[connector]\nmode = audit\ninstaller_sha256 = abc\n"),
                 {"policy.ini:5: [connector] installer_sha256: expected 64 hexadecimal digits"});
  expectContains(loadError(kServiceIni + "[connector]\nmode = audit\nproduct_names =\n"),
                 {"policy.ini:5: [connector] product_names: the list is empty"});
  expectContains(loadError(kServiceIni + "[clock]\nmode = audit\nservers = a, b c\n"),
                 {"policy.ini:5: [clock] servers: item 2: expected a time server"});
  expectContains(
      loadError(kServiceIni + "[clock]\nmode = audit\nservers = a:0\n"),
      {"policy.ini:5: [clock] servers: item 1: expected a time server: the port must be 1 to 65535"});
  EXPECT_EQ(loadIni(kServiceIni + "[clock]\nmode = audit\nservers = a:123, [fe80::1]:1123, [::1], 10.0.0.1\n")
                .clock.servers.size(),
            4u);
  expectContains(loadError(kServiceIni + "maintenance_window = Sat 22:00\n"),
                 {"policy.ini:3: [service] maintenance_window: range 'Sat 22:00'"});
}

TEST(PolicyLoaderTest, LongValuesAreCutInMessages) {
  std::string longValue(500, 'x');
  std::string message = loadError(kServiceIni + "refresh = " + longValue + "\n");
  EXPECT_EQ(message.find(longValue), std::string::npos);
  expectContains(message, {"got '" + std::string(60, 'x') + "...'"});
}

TEST(PolicyLoaderTest, XmlErrorsNameLineAndElementPath) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<policy>\n"
      "  <service><server>S</server></service>\n"
      "  <clock>\n"
      "    <mode>sometimes</mode>\n"
      "    <!-- a comment -->\n"
      "    <interval>1m</interval>\n"
      "    <porta>1</porta>\n"
      "  </clock>\n"
      "</policy>\n";
  std::string message = loadError(xml, PolicyFormat::kXml, "policy.xml");
  expectContains(message,
                 {"policy.xml:5: /policy/clock/mode: expected one of off, audit, enforce; got 'sometimes'",
                  "policy.xml:8: /policy/clock/porta: unknown key; did you mean port?"});
}

TEST(PolicyLoaderTest, XmlDuplicatesNameTheSecondLine) {
  std::string key =
      loadError("<policy>\n<service>\n<server>A</server>\n<server>B</server>\n</service>\n</policy>",
                PolicyFormat::kXml, "policy.xml");
  expectContains(key, {"policy.xml:4: /policy/service/server: duplicate key (first at line 3)"});
  std::string section = loadError(
      "<policy>\n<service><server>A</server></service>\n<clock><mode>off</mode></clock>\n"
      "<clock><mode>audit</mode></clock>\n</policy>",
      PolicyFormat::kXml, "policy.xml");
  expectContains(section, {"policy.xml:4: /policy/clock: duplicate section (first at line 3)"});
}

TEST(PolicyLoaderTest, MalformedXmlNamesTheLine) {
  std::string message =
      loadError("<policy>\n<service>\n<server>S</server>\n</policy>\n", PolicyFormat::kXml, "policy.xml");
  expectContains(message, {"policy.xml:", "malformed XML"});
  EXPECT_EQ(message.find("policy.xml:0"), std::string::npos) << message;
}

TEST(PolicyLoaderTest, XmlStructureErrors) {
  expectContains(
      loadError("<settings><service><server>S</server></service></settings>", PolicyFormat::kXml, "p.xml"),
      {"p.xml:1: expected one root element <policy>"});
  expectContains(loadError("<policy><service><server>S</server></service>\n<clock mode=\"audit\"/></policy>",
                           PolicyFormat::kXml, "p.xml"),
                 {"p.xml:2: /policy/clock: attributes are not used"});
  expectContains(loadError("<policy><service>\n<server><name>S</name></server></service></policy>",
                           PolicyFormat::kXml, "p.xml"),
                 {"p.xml:2: /policy/service/server: expected a value, found child elements"});
  expectContains(
      loadError("<policy><service>S<server>S</server></service></policy>", PolicyFormat::kXml, "p.xml"),
      {"p.xml:1: /policy/service: unexpected text"});
  expectContains(
      loadError("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><policy/>", PolicyFormat::kXml, "p.xml"),
      {"p.xml:1: the XML declaration names encoding 'iso-8859-1'"});
}

TEST(PolicyLoaderTest, XmlKeepsInnerSpacesAndDecodesEntities) {
  auto loaded = parsePolicy(
      "<policy><service><server>S</server></service><connector><mode>audit</mode>"
      "<installer_args>  /q   &quot;a &amp; b&quot; </installer_args></connector></policy>",
      PolicyFormat::kXml, "p.xml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->policy.connector.installerArgs, "/q   \"a & b\"");
}

TEST(PolicyLoaderTest, PathsExpandEnvironmentVariables) {
  Policy policy;
  {
    platform::testing::ScopedEnvironment root("REMEDIATOR_POLICY_TEST_ROOT", "/srv/remediator-test");
    platform::testing::ScopedEnvironment programData("ProgramData", "C:\\ProgramData");
    policy = loadIni(kServiceIni +
                     "state_dir = %REMEDIATOR_POLICY_TEST_ROOT%\\state\n"
                     "audit_log = %REMEDIATOR_POLICY_NOT_SET_ANYWHERE%\\audit.jsonl\n"
                     "source = http://srv/%REMEDIATOR_POLICY_TEST_ROOT%/p.ini\n");
  }
  EXPECT_EQ(policy.service.stateDir, "/srv/remediator-test\\state");
  EXPECT_EQ(policy.service.auditLog,
            "%REMEDIATOR_POLICY_NOT_SET_ANYWHERE%\\audit.jsonl");                      // unknown: left alone
  EXPECT_EQ(policy.service.source, "http://srv/%REMEDIATOR_POLICY_TEST_ROOT%/p.ini");  // URLs are not paths
  EXPECT_EQ(policy.staleLogs.folder,
            "C:\\ProgramData\\Microsoft\\Windows Server\\Logs");  // defaults expand too
}

TEST(PolicyLoaderTest, GuessFormatUsesExtensionThenContent) {
  EXPECT_EQ(guessFormat("C:\\p\\policy.XML", "[service]"), PolicyFormat::kXml);
  EXPECT_EQ(guessFormat("http://srv/p.ini?v=2", "<policy/>"), PolicyFormat::kIni);
  EXPECT_EQ(guessFormat("http://srv/policy", "\xEF\xBB\xBF  <policy/>"), PolicyFormat::kXml);
  EXPECT_EQ(guessFormat("policy.cache", "; c\n[service]"), PolicyFormat::kIni);
}

TEST(PolicyLoaderTest, LoadPolicyFileReadsAndNamesTheFile) {
  platform::testing::ScopedTempDir dir;
  testing::writeText(dir / "p.xml", "<policy><service><server>X</server></service></policy>");
  auto loaded = loadPolicyFile(dir / "p.xml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->policy.service.server, "X");
  EXPECT_EQ(loaded->origin, (dir / "p.xml").string());

  testing::writeText(dir / "bad.ini", "[service]\nserver = X\nrefresh = soon\n");
  auto bad = loadPolicyFile(dir / "bad.ini");
  ASSERT_FALSE(bad.ok());
  expectContains(bad.error().message, {(dir / "bad.ini").string() + ":3: [service] refresh"});

  auto missing = loadPolicyFile(dir / "absent.ini");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, platform::ErrorCode::kNotFound);
  expectContains(missing.error().message, {"absent.ini"});
}

TEST(PolicyLoaderTest, OversizedFileIsRejected) {
  std::string big = kServiceIni + "; " + std::string(2u << 20, 'x') + "\n";
  expectContains(loadError(big), {"policy.ini: the file is", "at most 1048576 bytes"});
}

}  // namespace
}  // namespace remediator::policies
