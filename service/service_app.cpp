#include "service/service_app.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionProcessor.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "platform/platform.h"
#include "platform/service_control.h"
#include "service/change_triggers.h"
#include "service/loop_guard.h"
#include "service/oplog.h"
#include "service/runtime.h"
#include "service/service_controls.h"
#include "service/service_host.h"
#include "platform/time_format.h"

namespace remediator::service {

namespace {

/// The service: one Asio event loop on one thread runs the engine and the policy refresh; the main thread waits
/// for the stop request (SCM stop, SIGTERM, Ctrl-C), then lets the loop finish its current step and stop.
class RemediatorService final : public Poco::Util::ServerApplication {
 public:
  // One option syntax everywhere (--policy P); Poco would take /policy=P on Windows otherwise.
  /// `commandLine`: the arguments after "service" as the process got them.
  explicit RemediatorService(std::vector<std::string> commandLine) : commandLine_(std::move(commandLine)) {
    setUnixOptions(true);
  }

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(Poco::Util::Option("policy", "", "policy file or http:// URL")
                          .required(false).repeatable(false).argument("P")
                          .callback(Poco::Util::OptionCallback<RemediatorService>(this, &RemediatorService::setPolicy)));
    options.addOption(Poco::Util::Option("state-dir", "", "state folder")
                          .required(false).repeatable(false).argument("DIR")
                          .callback(Poco::Util::OptionCallback<RemediatorService>(this, &RemediatorService::setStateDir)));
    options.addOption(Poco::Util::Option("help", "h", "show this help").required(false).repeatable(false)
                          .callback(Poco::Util::OptionCallback<RemediatorService>(this, &RemediatorService::showHelp)));
  }

  int main(const std::vector<std::string>&) override {
    if (helpShown_) return EXIT_OK;
    const bool asService = config().getBool("application.runAsService", false);
    // Started by the service manager, Poco parsed the start parameters only: the registered command line
    // ("<exe>" service --state-dir D) counts too.
    if (asService) processOptions(commandLine_);
    adoptProgramDataFolder();
    platform::NativePlatform native;
    RuntimeOptions options{policy_, stateDir_, false, !config().getBool("application.runAsDaemon", false) &&
                                                         !config().getBool("application.runAsService", false)};
    auto rt = Runtime::start(options, native.get());
    if (!rt) {
      std::cerr << "remediator service: " << rt.error().message << "\n";
      logError(rt.error().message);
      reportStartFailure(rt.error().message);
      return rt.error().code == platform::ErrorCode::kInvalidData ? EXIT_CONFIG : EXIT_SOFTWARE;
    }
    Runtime& runtime = **rt;
    runtime.auditService("service_started", "ok", "The service started with policy " + runtime.policy().origin + ".");
    logInfo("service started; state folder " + runtime.stateDir().string());
    if (asService) {
      // An installer may have registered the service without its failure actions: set them at every start.
      const std::string name = config().getString("application.argv[0]", "");
      if (auto r = platform::applyServiceRecovery(name, platform::kServiceRecovery); !r) {
        (r.error().code == platform::ErrorCode::kNotSupported ? logInfo : logWarning)(r.error().message);
      }
    }

    boost::asio::io_context io;
    boost::asio::steady_timer runTimer(io);
    boost::asio::steady_timer refreshTimer(io);
    auto& engine = runtime.engine();
    auto& time = *native.get().time;
    // One step that throws (a file name libstdc++ cannot convert, an allocation that fails) is audited and
    // skipped; its timer is set again and the service goes on.
    LoopGuard guard([&](const std::string& step, const std::string& what) {
      logError("the " + step + " step failed: " + what);
      runtime.auditService("loop_error", "failed",
                           "The service's " + step + " step failed and was skipped; it runs again at its next "
                           "time: " + what);
    });
    // A change of what a fixer watches (the Winlogon key, the logs folder) makes it run within a second.
    boost::asio::steady_timer changeTimer(io);
    std::function<void()> scheduleChanges;
    ChangeTriggers changes(native.get().changes, runtime.fixers(), time,
                           [&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); },
                           [&] { scheduleChanges(); });

    // The report publisher (when [service] report names a folder) runs on a thread of its own: a slow or
    // unreachable share never delays a fixer. It is made again when a refreshed policy names another folder.
    std::unique_ptr<BackgroundPublisher> publisher;
    std::string publisherFolder;
    const auto followReport = [&] {
      const auto wanted = runtime.publisherOptions();
      const std::string folder = wanted ? wanted->reportDir.string() : std::string();
      if (folder == publisherFolder) return;
      publisher.reset();
      publisherFolder = folder;
      if (!wanted) return;
      logInfo("publishing status and audit records to " + folder);
      publisher = std::make_unique<BackgroundPublisher>(
          *wanted, *native.get().files, time, [&runtime] { return runtime.audit().lastSeq(); },
          [](const std::string& line) { logWarning(line); });
    };
    followReport();

    std::function<void()> scheduleRun = [&] {
      const auto next = engine.nextDue();
      // With every fixer off, look again after the next policy refresh.
      const auto wait = next ? std::max(platform::Millis(0),
                                        std::chrono::duration_cast<platform::Millis>(*next - time.now()))
                             : runtime.policy().policy.service.refresh;
      runTimer.expires_after(wait);
      runTimer.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        guard.run("fixer run", [&] {
          const auto start = time.now();
          std::vector<std::string> ran;
          for (const auto& r : engine.runDue()) {
            logInfo(r.fixer + ": " + r.finding + " -> " + r.outcome +
                    (r.message.empty() ? "" : " (" + r.message + ")"));
            ran.push_back(r.fixer);
          }
          changes.ran(ran, start, time.now());
          if (publisher) publisher->poke();
        });
        scheduleRun();
      });
    };
    std::function<void()> scheduleRefresh = [&] {
      refreshTimer.expires_after(runtime.nextRefreshDelay());  // sooner while the central source is awaited
      refreshTimer.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        guard.run("policy refresh", [&] {
          runtime.refreshPolicy();
          changes.follow(runtime.policy().policy);
          followReport();
        });
        runTimer.cancel();  // the new policy may move due times
        scheduleRun();
        scheduleRefresh();
      });
    };
    // Requests the command line leaves in the state folder (upgrade prepare, reset) are taken in within seconds.
    boost::asio::steady_timer requestTimer(io);
    std::function<void()> scheduleRequests = [&] {
      requestTimer.expires_after(std::chrono::seconds(2));
      requestTimer.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        guard.run("request", [&] {
          engine.consumeRequests();
          if (const auto next = engine.nextDue(); next && *next <= time.now()) {
            runTimer.cancel();
            scheduleRun();
          }
        });
        scheduleRequests();
      });
    };
    scheduleChanges = [&] {
      const auto due = changes.nextDue();
      if (!due) return;
      changeTimer.expires_after(std::max(platform::Millis(0),
                                         std::chrono::duration_cast<platform::Millis>(*due - time.now())));
      changeTimer.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        guard.run("change trigger", [&] {
          if (!changes.triggerDue(engine, time.now()).empty()) {
            runTimer.cancel();
            scheduleRun();
          }
        });
        scheduleChanges();
      });
    };
    changes.follow(runtime.policy().policy);
    for (const auto& line : changes.describeWatches()) logInfo("watching " + line);
    scheduleRun();
    scheduleRefresh();
    scheduleRequests();
    // Controls beyond stop (pre-shutdown, time change, codes 128-255): the handler hands the work to the loop.
    const auto controls = !asService ? nullptr : platform::linkServiceControl(
        config().getString("application.argv[0]", ""), [&](const platform::ServiceControlRequest& request) {
          const auto action = controlActionFor(request);
          if (!action) {
            if (request.kind == platform::ServiceControlKind::kUserDefined) return false;
            terminate();  // stop, shutdown, pre-shutdown: the current step finishes first
            return true;
          }
          boost::asio::post(io, [&, a = *action, code = request.code] {
            guard.run("service control", [&] {
              handleControl(a, code, runtime, native.get());
              if (publisher) publisher->poke();
            });
            runTimer.cancel();
            scheduleRun();
          });
          return true;
        });
    // What the steps' guards do not cover (setting a timer again) is caught here; the loop runs on.
    std::thread loop([&] {
      for (;;) {
        if (guard.run("event loop", [&] { io.run(); })) break;
      }
    });

    waitForTerminationRequest();
    logInfo("stop requested; finishing the current step");
    boost::asio::post(io, [&] { io.stop(); });
    loop.join();
    runtime.auditService("service_stopped", "ok", "The service stopped on request.");
    logInfo("service stopped");
    return EXIT_OK;
  }

 private:
  /// Runs the callbacks of our options found in `args` (unknown ones are ignored: Poco's own are spent).
  void processOptions(const std::vector<std::string>& args) {
    Poco::Util::OptionProcessor processor(options());
    processor.setUnixStyle(true);
    for (const auto& arg : args) {
      std::string name;
      std::string value;
      try {
        if (!processor.process(arg, name, value) || name.empty()) continue;
        const auto& option = options().getOption(name);
        if (option.callback() != nullptr && (name == "policy" || name == "state-dir")) {
          option.callback()->invoke(name, value);
        }
      } catch (const Poco::Exception& e) {
        logWarning("service command line: " + e.displayText());
      }
    }
  }

  void setPolicy(const std::string&, const std::string& value) { policy_ = value; }
  void setStateDir(const std::string&, const std::string& value) { stateDir_ = value; }
  void showHelp(const std::string&, const std::string&) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("remediator service");
    help.setUsage("[--policy P] [--state-dir D] [--daemon]");
    help.setHeader("Runs the remediation service: fixers on their schedule, policy refreshes, the audit log.");
    help.setUnixStyle(true);
    help.format(std::cout);
    helpShown_ = true;
    stopOptionsProcessing();
  }

  std::vector<std::string> commandLine_;
  std::string policy_;
  std::string stateDir_;
  bool helpShown_ = false;
};

}  // namespace

int runServiceApplication(const std::string& argv0, const std::vector<std::string>& args) {
  std::vector<std::string> argv{argv0};
  for (const auto& arg : args) {
    // Poco's Windows service switches are documented as /registerService, /unregisterService, /displayName=...,
    // /description=..., /startup=...; with Unix-style options they are spelled with "--".
    static const char* const kServiceSwitches[] = {"registerService", "unregisterService", "displayName",
                                                   "description", "startup"};
    std::string translated = arg;
    for (const char* name : kServiceSwitches) {
      const std::string slash = std::string("/") + name;
      if (arg == slash || arg.rfind(slash + "=", 0) == 0) translated = "--" + arg.substr(1);
    }
    argv.push_back(translated);
  }
  RemediatorService app(args);
  const int rc = app.run(argv);
  const bool registering = std::find(argv.begin(), argv.end(), "--registerService") != argv.end();
  const bool unregistering = std::find(argv.begin(), argv.end(), "--unregisterService") != argv.end();
  if (rc == Poco::Util::Application::EXIT_OK && unregistering) {
    if (const std::string problems = completeUnregistration(); !problems.empty()) {
      std::cerr << "remediator service: unregistered, but:\n" << problems;
      return Poco::Util::Application::EXIT_SOFTWARE;
    }
  }
  if (rc == Poco::Util::Application::EXIT_OK && registering) {
    std::string notes;
    const std::string problems =
        completeRegistration(app.config().getString("application.baseName"),
                             std::filesystem::u8path(app.config().getString("application.path")), notes);
    if (!notes.empty()) std::cerr << "remediator service: note: " << notes;
    if (!problems.empty()) {
      std::cerr << "remediator service: registered, but:\n" << problems;
      return Poco::Util::Application::EXIT_SOFTWARE;
    }
  }
  return rc;
}

}  // namespace remediator::service
