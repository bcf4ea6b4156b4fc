#include "service/service_controls.h"

#include "fixers/connector/connector_journal.h"

namespace remediator::service {

const std::vector<UserControlCode>& userControlCodes() {
  static const std::vector<UserControlCode> kCodes = {
      {128, ControlAction::kUpgradePrepare, "upgrade prepare"},
      {129, ControlAction::kUpgradeCancel, "upgrade cancel"},
      {130, ControlAction::kRunAll, "run every fixer now"},
  };
  return kCodes;
}

std::optional<ControlAction> controlActionFor(const platform::ServiceControlRequest& request) {
  if (request.kind == platform::ServiceControlKind::kTimeChange) return ControlAction::kClockCheck;
  if (request.kind != platform::ServiceControlKind::kUserDefined) return std::nullopt;
  for (const auto& code : userControlCodes()) {
    if (code.code == request.code) return code.action;
  }
  return std::nullopt;
}

const char* controlActionName(ControlAction action) {
  switch (action) {
    case ControlAction::kUpgradePrepare: return "upgrade prepare";
    case ControlAction::kUpgradeCancel: return "upgrade cancel";
    case ControlAction::kRunAll: return "run every fixer now";
    case ControlAction::kClockCheck: return "clock check after a time change";
  }
  return "unknown";
}

platform::Result<std::string> performControl(ControlAction action, Engine& engine, platform::FileSystem& files,
                                             const std::filesystem::path& stateDir, platform::SysTime now) {
  switch (action) {
    case ControlAction::kUpgradePrepare:
    case ControlAction::kUpgradeCancel: {
      const bool prepare = action == ControlAction::kUpgradePrepare;
      const std::string reason = std::string("service control (") + controlActionName(action) + ")";
      auto request = prepare ? fixers::connector::requestPrepare(files, stateDir, now, reason)
                             : fixers::connector::requestCancel(files, stateDir, now, reason);
      if (!request) return request.error();
      engine.trigger("connector");
      return "The " + std::string(controlActionName(action)) + " request " + request->id +
             " is waiting for the connector guard, which runs now.";
    }
    case ControlAction::kRunAll:
      engine.trigger("");
      return std::string("Every fixer runs now.");
    case ControlAction::kClockCheck:
      engine.trigger("clock");
      return std::string("The system time was changed: the clock fixer runs now.");
  }
  return platform::fail(platform::ErrorCode::kInvalidArgument, "unknown control action");
}

void handleControl(ControlAction action, std::uint32_t code, Runtime& runtime, platform::Platform& platform) {
  const std::string what = "Service control " + std::to_string(code) + " (" + controlActionName(action) + "): ";
  if (!platform.files) {
    runtime.auditService("control_received", "failed", what + "this platform has no file system interface.");
    return;
  }
  auto done = performControl(action, runtime.engine(), *platform.files, runtime.stateDir(), platform.time->now());
  runtime.auditService("control_received", done ? "ok" : "failed", what + (done ? *done : done.error().message));
}

}  // namespace remediator::service
