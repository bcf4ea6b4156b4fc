#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixers/connector/connector_fixer.h"
#include "fixers/connector/connector_journal.h"
#include "fixers/connector/downloader.h"
#include "platform/memory/memory_platform.h"
#include "policies/policy.h"

namespace remediator::fixers::connector::testing {

using platform::ErrorCode;
using platform::FileSystem;
using platform::InstalledProduct;
using platform::OsIdentity;
using platform::ProcessRequest;
using platform::ProcessResult;
using platform::Result;

inline const OsIdentity kBefore{"Windows 10 Pro", "10.0", "19045", "3803"};
inline const OsIdentity kAfter{"Windows 11 Pro", "10.0", "22631", "2861"};
inline const std::string kProductCode = "{3F5B7C1D-2E4A-4B6C-8D9E-0A1B2C3D4E5F}";
inline const std::filesystem::path kStateDir = "C:/ProgramData/Remediator";

/// The Connector as Windows lists it: an MSI product whose UninstallString is not quiet.
inline InstalledProduct connectorProduct() {
  return InstalledProduct{"Windows Server Essentials Connector",
                          "10.0.14393.0",
                          "Microsoft Corporation",
                          kProductCode,
                          "",
                          "MsiExec.exe /X" + kProductCode,
                          ""};
}

/// A body that passes for a Windows program.
inline std::string exeBody(const std::string& tag = "connector setup") { return "MZ\x90 " + tag; }
/// A body that passes for an MSI package.
inline std::string msiBody() { return std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + " connector msi"; }

/// A test-only exception: the process dies at this point (power loss, crash, reboot).
struct SimulatedCrash : std::exception {
  const char* what() const noexcept override { return "simulated crash"; }
};

/// Counts side effects (file writes and removals, program runs, downloads) and crashes at the k-th: before it
/// takes effect or right after.
class CrashPoint {
 public:
  void arm(int k, bool before) {
    k_ = k;
    before_ = before;
  }
  void disarm() { k_ = 0; }
  int count() const { return count_; }
  bool crashed() const { return crashed_; }

  template <typename F>
  auto step(F&& f) {
    // A side effect may contain others (a download writes a file): each has its own number.
    const int mine = ++count_;
    if (k_ != 0 && mine == k_ && before_) crash();
    auto result = f();
    if (k_ != 0 && mine == k_) crash();
    return result;
  }

 private:
  [[noreturn]] void crash() {
    crashed_ = true;
    k_ = 0;
    throw SimulatedCrash{};
  }
  int k_ = 0;
  bool before_ = false;
  int count_ = 0;
  bool crashed_ = false;
};

/// A file system whose every change passes a CrashPoint.
class CrashingFileSystem final : public FileSystem {
 public:
  CrashingFileSystem(FileSystem& inner, CrashPoint& crash) : inner_(inner), crash_(crash) {}
  Result<platform::FileInfo> status(const std::filesystem::path& p) const override {
    return inner_.status(p);
  }
  Result<std::vector<platform::DirEntry>> list(const std::filesystem::path& d) const override {
    return inner_.list(d);
  }
  Result<std::string> readFile(const std::filesystem::path& p,
                               std::uint64_t maxBytes = platform::kDefaultReadLimit) const override {
    return inner_.readFile(p, maxBytes);
  }
  Result<void> writeFileAtomic(const std::filesystem::path& p, const std::string& data) override {
    return crash_.step([&] { return inner_.writeFileAtomic(p, data); });
  }
  Result<void> removeFile(const std::filesystem::path& p) override {
    return crash_.step([&] { return inner_.removeFile(p); });
  }
  Result<void> removeDirectory(const std::filesystem::path& p) override {
    return crash_.step([&] { return inner_.removeDirectory(p); });
  }
  Result<void> createDirectories(const std::filesystem::path& p) override {
    return crash_.step([&] { return inner_.createDirectories(p); });
  }

 private:
  FileSystem& inner_;
  CrashPoint& crash_;
};

/// A process runner whose every run passes a CrashPoint.
class CrashingProcessRunner final : public platform::ProcessRunner {
 public:
  CrashingProcessRunner(platform::ProcessRunner& inner, CrashPoint& crash) : inner_(inner), crash_(crash) {}
  Result<ProcessResult> run(const ProcessRequest& request) override {
    return crash_.step([&] { return inner_.run(request); });
  }

 private:
  platform::ProcessRunner& inner_;
  CrashPoint& crash_;
};

/// What the fake server hands out, shared by the test and the downloader the fixer owns.
struct FakeServer {
  std::string body = exeBody();
  std::string contentType = "application/octet-stream";
  std::optional<platform::Error> failure;  ///< set: every download fails with it
  std::vector<std::string> urls;           ///< every URL asked for
  CrashPoint* crash = nullptr;             ///< set: each download is a side effect that may crash
};

/// A downloader that writes FakeServer's body into a FileSystem, as the HTTP downloader writes to disk.
class FakeDownloader final : public Downloader {
 public:
  FakeDownloader(FakeServer& server, FileSystem& files) : server_(server), files_(files) {}
  Result<DownloadInfo> download(const DownloadRequest& request) override {
    auto fetch = [&]() -> Result<DownloadInfo> {
      server_.urls.push_back(request.url);
      if (server_.failure) return *server_.failure;
      if (auto ok = files_.writeFileAtomic(request.destination, server_.body); !ok) return ok.error();
      return DownloadInfo{server_.body.size(), server_.contentType, request.url};
    };
    return server_.crash ? server_.crash->step(fetch) : fetch();
  }

 private:
  FakeServer& server_;
  FileSystem& files_;
};

/// Scripts the memory process runner as the Connector's installers behave: msiexec /x removes the product,
/// msiexec /i and the setup program add it. `violations` collects what must never happen: an install over an
/// installed Connector, an uninstall when no checked installer is at hand for a reinstall.
inline void scriptConnectorPrograms(platform::MemoryPlatform& machine, std::vector<std::string>* violations,
                                    int installExitCode = 0, bool installWorks = true) {
  auto installed = [&machine] {
    auto list = machine.products.list();
    return list && platform::findProduct(*list, {"Windows Server Essentials Connector"}).has_value();
  };
  auto install = [&machine, violations, installed, installExitCode, installWorks](const ProcessRequest&) {
    if (installed() && violations) violations->push_back("install over an installed Connector");
    if (installWorks) machine.products.add(connectorProduct());
    ProcessResult r;
    r.exitCode = installExitCode;
    return Result<ProcessResult>(r);
  };
  machine.processes.onRun("msiexec.exe", [&machine, install](const ProcessRequest& request) {
    if (!request.args.empty() && (request.args[0] == "/x" || request.args[0] == "/X")) {
      machine.products.remove(request.args.size() > 1 ? request.args[1] : kProductCode);
      return Result<ProcessResult>(ProcessResult{0, false, ""});
    }
    return install(request);
  });
  machine.processes.onRun("connector-installer.exe", install);
}

/// One pass of the engine over the fixer: detect, plan, apply when there is something to apply, detect again.
struct RunResult {
  Finding finding;
  Plan plan;
  std::optional<ApplyOutcome> outcome;
  std::optional<Finding> verified;
};

inline std::vector<std::string> kinds(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan) out.push_back(a.kind);
  return out;
}

/// A machine with the Connector installed for kBefore, a policy in enforce mode and the guard in memory.
class GuardFixture : public ::testing::Test {
 protected:
  GuardFixture() {
    policy.service.server = "server01";
    policy.connector.common.mode = policies::Mode::kEnforce;
    machine.os.setIdentity(kBefore);
    machine.products.add(connectorProduct());
    scriptConnectorPrograms(machine, &violations);
    fixer = makeConnectorFixer(std::make_unique<FakeDownloader>(server, *platform().files));
  }

  platform::Platform& platform() { return machine.get(); }

  FixerContext context() {
    return FixerContext{platform(), policy, kStateDir, time.now() + std::chrono::hours(2),
                        [this](const std::string& event, const std::string& message, const State& details) {
                          notes.push_back({event, message, details});
                        }};
  }

  RunResult runOnce() {
    auto ctx = context();
    RunResult r;
    r.finding = fixer->detect(ctx);
    if (r.finding.status != FindingStatus::kDrift) return r;
    r.plan = fixer->plan(r.finding, ctx);
    if (r.plan.empty()) return r;
    r.outcome = fixer->apply(r.plan, ctx);
    for (const auto& e : r.outcome->events) events.push_back(e);
    if (r.outcome->ok) r.verified = fixer->detect(ctx);
    return r;
  }

  std::optional<ConnectorJournal> journal() {
    auto j = loadJournal(machine.files, kStateDir);
    EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
    return j.ok() ? *j : std::nullopt;
  }
  std::string guardState() {
    auto j = journal();
    return j ? guardStateName(j->state) : "none";
  }
  bool connectorInstalled() {
    auto list = machine.products.list();
    return list && platform::findProduct(*list, policy.connector.productNames).has_value();
  }
  int installerRuns() { return machine.processes.runCount("connector-installer.exe"); }

  struct Note {
    std::string event;
    std::string message;
    State details;
  };

  platform::ManualTimeSource time;
  platform::MemoryPlatform machine{time};
  policies::Policy policy;
  FakeServer server;
  std::unique_ptr<Fixer> fixer;
  std::vector<Note> notes;
  std::vector<std::string> events;
  std::vector<std::string> violations;
};

}  // namespace remediator::fixers::connector::testing
