// The fixers on the real Windows backend (NativePlatform) in the build's Wine prefix, run the way `run --once`
// runs them: Runtime (policy file, state folder, audit log) and the engine. Each test asserts what Windows was
// left with (registry values read back with Win32, files on disk, the zip) and what the audit log says.
//
// Shared places of the prefix these tests change, each restored at the end (RAII, also when a test fails):
// the logs folder C:\ProgramData\Microsoft\Windows Server\Logs, the Winlogon key, CurrentBuild and UBR under
// CurrentVersion, and an Uninstall entry of the test's own. CTest runs them under RESOURCE_LOCKs of those names.
//
// What Wine cannot show: LSA private data (LsaStorePrivateData/LsaRetrievePrivateData are stubs there), so the
// autologon tests give the engine a memory secret store in place of the LSA one; the LSA store's buffer
// handling is tested in windows_secret_store_test.cpp. Wine creates symbolic links but does not report them as
// reparse points, so the "never follows a link" rule of the stale-logs fixer is tested natively
// (tests/fixers/stale_logs/stale_logs_posix_test.cpp), not here.
#include <Poco/Zip/ZipArchive.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fixers/autologon/autologon_fixer.h"
#include "platform/memory/memory_secret_store.h"
#include "platform/platform.h"
#include "platform/windows/windows_os_info.h"
#include "service/audit_log.h"
#include "service/runtime.h"
#include "tests/platform/temp_dir.h"
#include "tests/windows/windows_prefix_support.h"
#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

namespace fs = std::filesystem;
using service::AuditRecord;
using service::RunReport;
using testing::ScopedTempDir;
using testing::uniqueSuffix;
using testing::PlantedLogs;
using testing::put;
using testing::programData;
using testing::rawRead;
using testing::rawWriteSz;
using testing::SavedRegistryValues;
using testing::wide;

// ---- one pass of the engine, as `remediator run --once` makes it ----------------------------------------------

/// A temp folder holding a policy file and a state folder, and the platform the engine gets: the real Windows
/// one, with a memory secret store in place of LSA (see the top of this file).
class FixerPass : public ::testing::Test {
 protected:
  FixerPass() : platform_(native_.get()) { platform_.secrets = &secrets_; }

  /// Writes `policy` and runs `only` once, as `run --once [--dry-run] --only <fixer>` does.
  std::vector<RunReport> runOnce(const std::string& policy, const std::string& only, bool dryRun) {
    const fs::path policyPath = dir_ / "policy.ini";
    std::ofstream(policyPath, std::ios::trunc) << policy;
    auto runtime =
        service::Runtime::start(service::RuntimeOptions{policyPath.string(), state().string(), dryRun, false},
                                platform_);
    EXPECT_TRUE(runtime.ok()) << runtime.error().message;
    if (!runtime.ok()) return {};
    return (*runtime)->engine().runAllOnce(only);
  }

  fs::path state() const { return dir_ / "state"; }

  /// The audit records of `fixer`, oldest first.
  std::vector<AuditRecord> records(const std::string& fixer) const {
    const auto read = service::readAuditLog(state() / "audit.jsonl");
    EXPECT_TRUE(read.problems.empty()) << read.problems.front();
    std::vector<AuditRecord> out;
    for (const auto& record : read.records) {
      if (record.entry.fixer == fixer) out.push_back(record);
    }
    return out;
  }

  /// The events of `records`, in order ("detected", "planned", ...).
  static std::vector<std::string> events(const std::vector<AuditRecord>& records) {
    std::vector<std::string> out;
    for (const auto& record : records) out.push_back(record.entry.event);
    return out;
  }

  static const AuditRecord* find(const std::vector<AuditRecord>& records, const std::string& event) {
    for (const auto& record : records) {
      if (record.entry.event == event) return &record;
    }
    return nullptr;
  }

  /// Every file the run left in the state folder (audit log, operational log, status, fixer state), whole.
  std::string everythingWrittenToState() const {
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(state())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }

  ScopedTempDir dir_;
  NativePlatform native_;
  Platform platform_;
  MemorySecretStore secrets_;
};

/// A [connector] product name no fixture of any test uses, so the Connector is absent whatever else a parallel
/// test installed in the prefix.
std::string absentConnectorName() { return "Remediator Absent Connector " + uniqueSuffix(); }

// ---- stale logs -------------------------------------------------------------------------------------------------

class WindowsStaleLogsTest : public FixerPass {
 protected:
  /// Default folder (through %ProgramData%), zip archive; the Connector absent.
  std::string policy() const {
    return "[service]\nserver = essentials\n[stale_logs]\nmode = enforce\narchive = zip\n"
           "[connector]\nmode = off\nproduct_names = " +
           connectorName_ + "\n";
  }
  std::string connectorName_ = absentConnectorName();
};

TEST_F(WindowsStaleLogsTest, DefaultFolderIsArchivedAndClearedWhenTheConnectorIsAbsent) {
  ASSERT_FALSE(programData().empty()) << "%ProgramData% is not set in the prefix";
  PlantedLogs logs;
  if (logs.existedBefore() && !fs::is_empty(logs.path())) {
    GTEST_SKIP() << logs.path().string() << " already holds files of someone else; not clearing them";
  }
  logs.plant(L"Client.log", "client log\n");                               // 11 bytes
  logs.plant(L"Deploy\\ClientDeploy.log", std::string(5000, 'd'));        // 5000 bytes
  logs.plant(L"Deploy\\Sub\\Setup 2026-11-25.log", "abc");                // 3 bytes
  logs.plantFolder(L"Empty");
  const std::set<std::string> planted{"Client.log", "Deploy", "Deploy/ClientDeploy.log", "Deploy/Sub",
                                      "Deploy/Sub/Setup 2026-11-25.log", "Empty"};
  ASSERT_EQ(logs.contents(), planted);
  const std::string expectedFolder = (programData() / L"Microsoft\\Windows Server\\Logs").string();

  // Dry run: counts and bytes are reported, nothing is deleted or archived.
  auto reports = runOnce(policy(), "stale_logs", /*dryRun=*/true);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].mode, "audit");
  EXPECT_EQ(reports[0].finding, "drift") << reports[0].message;
  EXPECT_TRUE(reports[0].problem);
  auto audit = records("stale_logs");
  EXPECT_EQ(events(audit), (std::vector<std::string>{"detected", "planned", "skipped"}));
  const AuditRecord* detected = find(audit, "detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(detected->entry.outcome, "drift");
  EXPECT_EQ(detected->entry.observed.at("folder"), expectedFolder) << "the default path, %ProgramData% expanded";
  EXPECT_EQ(detected->entry.observed.at("reason"), "connector_absent");
  EXPECT_EQ(detected->entry.observed.at("files"), "3");
  EXPECT_EQ(detected->entry.observed.at("bytes"), "5014");
  EXPECT_EQ(detected->entry.observed.at("directories"), "3");
  EXPECT_EQ(detected->entry.observed.at("links"), "0");
  const AuditRecord* planned = find(audit, "planned");
  ASSERT_NE(planned, nullptr);
  EXPECT_EQ(planned->entry.details.at("action1"), "archive_logs");
  EXPECT_EQ(planned->entry.details.at("action2"), "delete_logs");
  EXPECT_NE(planned->entry.message.find("3"), std::string::npos) << planned->entry.message;
  const AuditRecord* skipped = find(audit, "skipped");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->entry.message, "Dry run: nothing was changed.");
  EXPECT_EQ(logs.contents(), planted) << "a dry run deleted something";
  EXPECT_FALSE(fs::exists(state() / "archive") && !fs::is_empty(state() / "archive")) << "a dry run archived";

  // Enforce: archived into a zip that lists every file, then cleared; the folder itself stays.
  reports = runOnce(policy(), "stale_logs", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;
  EXPECT_FALSE(reports[0].problem);
  ASSERT_TRUE(fs::is_directory(logs.path())) << "the root is kept (remove_root is false)";
  EXPECT_TRUE(fs::is_empty(logs.path())) << "left behind: " << ::testing::PrintToString(logs.contents());

  audit = records("stale_logs");
  const AuditRecord* applied = find(audit, "applied");
  ASSERT_NE(applied, nullptr) << ::testing::PrintToString(events(audit));
  EXPECT_EQ(applied->entry.details.at("files_removed"), "3");
  EXPECT_EQ(applied->entry.details.at("bytes_removed"), "5014");
  EXPECT_EQ(applied->entry.details.at("directories_removed"), "3");
  EXPECT_EQ(applied->entry.details.at("archived_files"), "3");
  EXPECT_EQ(applied->entry.details.at("archived_bytes"), "5014");
  EXPECT_EQ(applied->entry.details.at("complete"), "true");
  EXPECT_EQ(events(audit).back(), "verified");
  EXPECT_EQ(audit.back().entry.outcome, "compliant");

  const fs::path archive = fs::u8path(applied->entry.details.at("archive"));
  EXPECT_EQ(archive.parent_path(), state() / "archive");
  ASSERT_TRUE(fs::is_regular_file(archive)) << archive.string();
  EXPECT_FALSE(fs::exists(archive.string() + ".partial"));
  std::ifstream in(archive, std::ios::binary);
  Poco::Zip::ZipArchive zip(in);
  // Poco's zip adds an entry for each parent folder ("Deploy/"); the files are what counts.
  std::map<std::string, Poco::UInt32> entries;
  for (auto it = zip.headerBegin(); it != zip.headerEnd(); ++it) {
    if (!it->first.ends_with("/")) entries[it->first] = it->second.getUncompressedSize();
  }
  EXPECT_EQ(entries, (std::map<std::string, Poco::UInt32>{{"Client.log", 11},
                                                          {"Deploy/ClientDeploy.log", 5000},
                                                          {"Deploy/Sub/Setup 2026-11-25.log", 3}}));
}

TEST_F(WindowsStaleLogsTest, LinkInTheFolderIsRemovedAsALinkAndItsTargetKept) {
  PlantedLogs logs;
  if (logs.existedBefore() && !fs::is_empty(logs.path())) {
    GTEST_SKIP() << logs.path().string() << " already holds files of someone else; not clearing them";
  }
  logs.plant(L"Client.log", "client log\n");
  ScopedTempDir outside;
  put(outside.path() / L"keep.txt", "must survive");
  const fs::path link = logs.path() / L"outside-dir";
  if (!::CreateSymbolicLinkW(link.c_str(), outside.path().c_str(), SYMBOLIC_LINK_FLAG_DIRECTORY)) {
    GTEST_SKIP() << "this Windows (or Wine) cannot create symbolic links: error " << ::GetLastError();
  }
  WIN32_FILE_ATTRIBUTE_DATA raw{};
  if (!::GetFileAttributesExW(link.c_str(), GetFileExInfoStandard, &raw) ||
      (raw.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
    // Wine 8 makes the link but does not report it as a reparse point, so no program (ours included) can tell
    // it from a folder there. The rule is tested natively on real links (stale_logs_posix_test.cpp). Remove
    // the link itself before PlantedLogs clears the folder, so the target is not emptied through it.
    ::RemoveDirectoryW(link.c_str());
    GTEST_SKIP() << "links are created but not reported as reparse points here";
  }
  const auto reports = runOnce(policy(), "stale_logs", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;
  EXPECT_FALSE(fs::exists(fs::symlink_status(link))) << "the link is removed";
  std::ifstream kept(outside.path() / L"keep.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), std::istreambuf_iterator<char>()), "must survive");
  const auto audit = records("stale_logs");
  const AuditRecord* applied = find(audit, "applied");
  ASSERT_NE(applied, nullptr);
  EXPECT_EQ(applied->entry.details.at("links_removed"), "1");
  EXPECT_EQ(applied->entry.details.at("archived_files"), "1") << "nothing behind the link is archived";
}

// ---- autologon ----------------------------------------------------------------------------------------------

/// A password no value or message of the prefix contains by chance: finding it anywhere means it leaked.
constexpr const char* kPassword = "Wq4#winlogon-Kiosk-5521!";

class WindowsAutologonTest : public FixerPass {
 protected:
  static constexpr const char* kWinlogon = fixers::autologon::kWinlogonKey;

  std::string policy() const {
    return "[service]\nserver = essentials\n[autologon]\nmode = enforce\nenabled = true\nuser = kiosk\n"
           "domain = CONTOSO\nmigrate_plaintext = true\n";
  }

  /// Autologon for CONTOSO\kiosk as the policy wants it, in the real Winlogon key.
  void configureAutologon() {
    rawWriteSz(kWinlogon, "AutoAdminLogon", "1");
    rawWriteSz(kWinlogon, "DefaultUserName", "kiosk");
    rawWriteSz(kWinlogon, "DefaultDomainName", "CONTOSO");
  }

  bool secretIsThePassword(const std::string& name) const {
    auto secret = secrets_.retrieve(name);
    return secret.ok() && secret->reveal() == kPassword;
  }

  /// Whether the password appears in any audit record, run report or file of the state folder.
  void expectPasswordNowhere(const std::vector<RunReport>& reports) const {
    const std::string written = everythingWrittenToState();
    EXPECT_EQ(written.find(kPassword), std::string::npos) << "the password is in a file of the state folder";
    for (const auto& report : reports) {
      EXPECT_EQ(report.message.find(kPassword), std::string::npos) << "the password is in a run report";
    }
  }

  // Every Winlogon value these tests write or the fixer may change, put back as it was at the end.
  SavedRegistryValues saved_{kWinlogon,
                             {"AutoAdminLogon", "DefaultUserName", "DefaultDomainName", "DefaultPassword",
                              "AutoLogonCount"}};
};

TEST_F(WindowsAutologonTest, ConnectorOverwriteIsDetectedAndRestored) {
  configureAutologon();
  ASSERT_TRUE(fixers::autologon::setPassword(platform_, Secret(kPassword)).ok());
  // What the Connector's installer does to the key.
  rawWriteSz(kWinlogon, "AutoAdminLogon", "0");
  rawWriteSz(kWinlogon, "DefaultUserName", "Administrator");

  const auto reports = runOnce(policy(), "autologon", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;

  auto autoAdminLogon = rawRead(kWinlogon, "AutoAdminLogon");
  ASSERT_TRUE(autoAdminLogon.has_value());
  EXPECT_EQ(autoAdminLogon->type, static_cast<DWORD>(REG_SZ));
  EXPECT_EQ(autoAdminLogon->text, "1");
  EXPECT_EQ(rawRead(kWinlogon, "DefaultUserName")->text, "kiosk");
  EXPECT_EQ(rawRead(kWinlogon, "DefaultDomainName")->text, "CONTOSO");
  EXPECT_FALSE(rawRead(kWinlogon, "DefaultPassword").has_value()) << "a password was written to the registry";

  const auto audit = records("autologon");
  EXPECT_EQ(events(audit), (std::vector<std::string>{"detected", "planned", "intent", "applied", "verified"}));
  const AuditRecord* detected = find(audit, "detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(detected->entry.outcome, "drift");
  EXPECT_EQ(detected->entry.observed.at("auto_admin_logon"), "0");
  EXPECT_EQ(detected->entry.observed.at("user"), "Administrator");
  EXPECT_EQ(detected->entry.observed.at("service_secret"), "present");
  EXPECT_NE(detected->entry.message.find("DefaultUserName is 'Administrator', not 'kiosk'"), std::string::npos)
      << detected->entry.message;
  const AuditRecord* planned = find(audit, "planned");
  ASSERT_NE(planned, nullptr);
  std::set<std::string> written;
  for (const auto& [key, value] : planned->entry.details) {
    if (key.ends_with(".name")) written.insert(value);
  }
  EXPECT_EQ(written, (std::set<std::string>{"AutoAdminLogon", "DefaultUserName"}));
  EXPECT_EQ(audit.back().entry.outcome, "compliant") << audit.back().entry.message;
  EXPECT_TRUE(secretIsThePassword(fixers::autologon::kWinlogonSecret));
  expectPasswordNowhere(reports);
}

TEST_F(WindowsAutologonTest, PlaintextPasswordMovesIntoTheSecretStoreAndLeavesTheRegistry) {
  configureAutologon();
  rawWriteSz(kWinlogon, "DefaultPassword", kPassword);  // how older tools configure autologon

  // A dry run reports it and changes nothing.
  auto reports = runOnce(policy(), "autologon", /*dryRun=*/true);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].finding, "drift");
  ASSERT_TRUE(rawRead(kWinlogon, "DefaultPassword").has_value()) << "a dry run deleted the value";
  EXPECT_FALSE(secrets_.contains(fixers::autologon::kServiceSecret));
  auto audit = records("autologon");
  const AuditRecord* detected = find(audit, "detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(detected->entry.observed.at("plaintext_password"), "present");
  EXPECT_EQ(detected->entry.observed.at("service_secret"), "absent");
  const AuditRecord* planned = find(audit, "planned");
  ASSERT_NE(planned, nullptr);
  EXPECT_EQ(planned->entry.details.at("action1"), "migrate_plaintext_password");

  // Enforce: adopted as the service's copy and Winlogon's secret, then deleted from the registry.
  reports = runOnce(policy(), "autologon", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;
  EXPECT_FALSE(rawRead(kWinlogon, "DefaultPassword").has_value()) << "the plaintext value is still there";
  EXPECT_TRUE(secretIsThePassword(fixers::autologon::kServiceSecret));
  EXPECT_TRUE(secretIsThePassword(fixers::autologon::kWinlogonSecret));
  EXPECT_EQ(rawRead(kWinlogon, "AutoAdminLogon")->text, "1");

  audit = records("autologon");
  bool adopted = false;
  for (const auto& record : audit) {
    for (const auto& [key, value] : record.entry.details) adopted = adopted || (key == "result" && value == "adopted");
  }
  EXPECT_TRUE(adopted) << "no audit record says the plaintext password was adopted";
  EXPECT_EQ(audit.back().entry.event, "verified");
  EXPECT_EQ(audit.back().entry.outcome, "compliant") << audit.back().entry.message;
  EXPECT_EQ(audit.back().entry.observed.at("plaintext_password"), "absent");
  expectPasswordNowhere(reports);
}

// ---- connector: OS identity and a simulated upgrade --------------------------------------------------------------

constexpr const char* kCurrentVersion = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
constexpr const char* kUninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

/// An installed-programs entry of the test's own whose UninstallString runs test_helper.exe (which removes
/// nothing) until uninstallByRegExe() makes it a real uninstall; deleted when the object dies.
class FakeConnectorEntry {
 public:
  FakeConnectorEntry() : name_("Remediator Test Connector " + uniqueSuffix()) {
    keyName_ = "RemediatorTestConnector-" + uniqueSuffix();
    const std::string key = std::string(kUninstall) + "\\" + keyName_;
    rawWriteSz(key, "DisplayName", name_);
    rawWriteSz(key, "DisplayVersion", "10.0.14393.0");
    rawWriteSz(key, "Publisher", "Remediator Tests");
    rawWriteSz(key, "UninstallString", "\"" + testing::helperPath() + "\" exit 0");
  }
  ~FakeConnectorEntry() {
    HKEY parent = nullptr;
    if (::RegOpenKeyExW(HKEY_LOCAL_MACHINE, wide(kUninstall).c_str(), 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY,
                        &parent) == ERROR_SUCCESS) {
      ::RegDeleteTreeW(parent, wide(keyName_).c_str());
      ::RegDeleteKeyExW(parent, wide(keyName_).c_str(), KEY_WOW64_64KEY, 0);
      ::RegCloseKey(parent);
    }
  }
  FakeConnectorEntry(const FakeConnectorEntry&) = delete;
  FakeConnectorEntry& operator=(const FakeConnectorEntry&) = delete;
  const std::string& name() const { return name_; }
  /// The entry's key below HKLM.
  std::string key() const { return std::string(kUninstall) + "\\" + keyName_; }
  /// Makes the UninstallString remove the entry itself with reg.exe, as a real uninstall removes its product.
  void uninstallByRegExe() {
    rawWriteSz(key(), "UninstallString", "\"" + regExe() + "\" delete \"HKLM\\" + key() + "\" /f");
  }
  static std::string regExe() {
    wchar_t system[MAX_PATH] = {};
    ::GetSystemDirectoryW(system, MAX_PATH);
    return testing::narrow(system) + "\\reg.exe";
  }
  bool present() const { return rawRead(std::string(kUninstall) + "\\" + keyName_, "DisplayName").has_value(); }

 private:
  std::string name_;
  std::string keyName_;
};

class WindowsConnectorTest : public FixerPass {
 protected:
  std::string policy() const {
    return "[service]\nserver = essentials\n[connector]\nmode = enforce\nproduct_names = " + connector_.name() +
           "\ninstaller_url = http://127.0.0.1:9/Connect\n";
  }
  /// The "installer" is Windows' own reg.exe (a local path is copied, not downloaded), run with arguments that
  /// register the Connector's entry again: a real program run through the real process runner, whose effect
  /// the guard judges by the real installed-programs list.
  std::string reinstallPolicy() const {
    return "[service]\nserver = essentials\n[connector]\nmode = enforce\nproduct_names = " + connector_.name() +
           "\ninstaller_url = " + FakeConnectorEntry::regExe() + "\ninstaller_args = add \"HKLM\\" +
           connector_.key() + "\" /v DisplayName /d \"" + connector_.name() + "\" /f\n";
  }
  std::string journalText() const {
    std::ifstream in(state() / "connector" / "journal.json");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // CurrentBuild and UBR are put back as they were whatever happens.
  SavedRegistryValues saved_{kCurrentVersion, {"CurrentBuild", "UBR"}};
  FakeConnectorEntry connector_;
};

TEST_F(WindowsConnectorTest, OsIdentityIsWhatTheCurrentVersionKeySays) {
  // Wine's prefix has no UBR; one is planted so that the revision is read from the registry too.
  const DWORD ubr = 4567;
  ASSERT_EQ(::RegSetKeyValueW(HKEY_LOCAL_MACHINE, wide(kCurrentVersion).c_str(), L"UBR", REG_DWORD, &ubr, sizeof ubr),
            ERROR_SUCCESS);
  auto id = platform_.os->identity();
  ASSERT_TRUE(id.ok()) << id.error().message;
  const auto product = rawRead(kCurrentVersion, "ProductName");
  const auto build = rawRead(kCurrentVersion, "CurrentBuild");
  const auto major = rawRead(kCurrentVersion, "CurrentMajorVersionNumber");
  const auto minor = rawRead(kCurrentVersion, "CurrentMinorVersionNumber");
  ASSERT_TRUE(product && build && major && minor) << "the prefix lacks a CurrentVersion value";
  EXPECT_EQ(id->product, product->text);
  EXPECT_EQ(id->build, build->text);
  EXPECT_EQ(id->version, major->text + "." + minor->text);
  EXPECT_EQ(id->revision, "4567");
  if (const auto display = rawRead(kCurrentVersion, "DisplayVersion")) {
    // DisplayVersion ("22H2") is not part of the identity: build and UBR already tell every release apart.
    EXPECT_NE(display->text, "");
  }
}

TEST_F(WindowsConnectorTest, UpgradeSimulatedByCurrentBuildIsSeenAndAReinstallPlanned) {
  ASSERT_TRUE(connector_.present());
  const auto originalBuild = rawRead(kCurrentVersion, "CurrentBuild");
  ASSERT_TRUE(originalBuild.has_value());
  auto before = platform_.os->identity();
  ASSERT_TRUE(before.ok()) << before.error().message;

  // First sight: the fake Connector is installed, so the guard records the OS it belongs to.
  auto reports = runOnce(policy(), "connector", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;
  auto audit = records("connector");
  const AuditRecord* detected = find(audit, "detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(detected->entry.observed.at("os"), before->describe());
  EXPECT_NE(detected->entry.observed.at("connector").find(connector_.name()), std::string::npos)
      << detected->entry.observed.at("connector");
  EXPECT_EQ(find(audit, "planned")->entry.details.at("action1"), "record_baseline");
  EXPECT_EQ(audit.back().entry.outcome, "compliant");
  const fs::path journal = state() / "connector" / "journal.json";
  ASSERT_TRUE(fs::exists(journal));
  std::ifstream journalIn(journal);
  const std::string journalBefore{std::istreambuf_iterator<char>(journalIn), std::istreambuf_iterator<char>()};
  EXPECT_NE(journalBefore.find(originalBuild->text), std::string::npos) << journalBefore;

  // Windows Setup changes the build; nobody ran `upgrade prepare`.
  const std::string newBuild = originalBuild->text == "22631" ? "22635" : "22631";
  rawWriteSz(kCurrentVersion, "CurrentBuild", newBuild);
  auto after = platform_.os->identity();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->build, newBuild);

  const std::size_t seen = records("connector").size();
  reports = runOnce(policy(), "connector", /*dryRun=*/true);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].finding, "drift") << reports[0].message;
  audit = records("connector");
  audit.erase(audit.begin(), audit.begin() + static_cast<std::ptrdiff_t>(seen));
  EXPECT_EQ(events(audit), (std::vector<std::string>{"detected", "planned", "skipped"}));
  detected = find(audit, "detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(detected->entry.observed.at("os"), after->describe());
  EXPECT_EQ(detected->entry.observed.at("recorded_os"), before->describe());
  EXPECT_NE(detected->entry.message.find("The OS was upgraded from " + before->describe() + " to " + after->describe()),
            std::string::npos)
      << detected->entry.message;
  const AuditRecord* planned = find(audit, "planned");
  ASSERT_NE(planned, nullptr);
  EXPECT_EQ(planned->entry.details.at("actions"), "3");
  EXPECT_EQ(planned->entry.details.at("action1"), "download_installer");
  EXPECT_EQ(planned->entry.details.at("action2"), "uninstall_connector");
  EXPECT_EQ(planned->entry.details.at("action3"), "install_connector");
  EXPECT_EQ(planned->entry.details.at("action2.disruptive"), "true");

  // A dry run: the Connector, its entry and the guard's journal are as they were.
  EXPECT_TRUE(connector_.present());
  std::ifstream journalAgain(journal);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(journalAgain), std::istreambuf_iterator<char>()),
            journalBefore);
}

TEST_F(WindowsConnectorTest, UpgradeWithTheConnectorInstalledReplacesItThroughRealPrograms) {
  connector_.uninstallByRegExe();
  auto reports = runOnce(reinstallPolicy(), "connector", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].outcome, "fixed") << reports[0].message;  // first sight: the baseline
  const auto originalBuild = rawRead(kCurrentVersion, "CurrentBuild");
  ASSERT_TRUE(originalBuild.has_value());
  const std::string newBuild = originalBuild->text == "22631" ? "22635" : "22631";
  rawWriteSz(kCurrentVersion, "CurrentBuild", newBuild);

  const std::size_t seen = records("connector").size();
  reports = runOnce(reinstallPolicy(), "connector", /*dryRun=*/false);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].outcome, "fixed") << reports[0].message;

  // reg.exe really ran twice: the uninstall deleted the entry (and its UninstallString with it), the "installer"
  // wrote DisplayName back.
  EXPECT_TRUE(connector_.present()) << "the Connector is not installed after the replacement";
  EXPECT_EQ(rawRead(connector_.key(), "DisplayName")->text, connector_.name());
  EXPECT_FALSE(rawRead(connector_.key(), "UninstallString").has_value()) << "the uninstall did not run";
  EXPECT_FALSE(fs::exists(state() / "connector" / "connector-installer.exe")) << "the installer is kept";
  const std::string journal = journalText();
  EXPECT_NE(journal.find(newBuild), std::string::npos) << journal;
  EXPECT_NE(journal.find("steady"), std::string::npos) << journal;

  auto audit = records("connector");
  audit.erase(audit.begin(), audit.begin() + static_cast<std::ptrdiff_t>(seen));
  const AuditRecord* planned = find(audit, "planned");
  ASSERT_NE(planned, nullptr);
  EXPECT_EQ(planned->entry.details.at("action1"), "download_installer");
  EXPECT_EQ(planned->entry.details.at("action2"), "uninstall_connector");
  EXPECT_EQ(planned->entry.details.at("action3"), "install_connector");
  EXPECT_NE(find(audit, "applied"), nullptr) << ::testing::PrintToString(events(audit));
  EXPECT_EQ(audit.back().entry.event, "verified");
  EXPECT_EQ(audit.back().entry.outcome, "compliant") << audit.back().entry.message;
  // installer_args stay out of the audit log.
  std::ifstream log(state() / "audit.jsonl", std::ios::binary);
  const std::string logText{std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()};
  EXPECT_EQ(logText.find("/v DisplayName"), std::string::npos);
}

}  // namespace
}  // namespace remediator::platform
