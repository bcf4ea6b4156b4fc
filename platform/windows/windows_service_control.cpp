#include <windows.h>
#include <winsvc.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/service_control.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_service.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

Result<void> setServiceCommandLine(const std::string& serviceName, const std::filesystem::path& exe) {
  auto service = openService(serviceName, SERVICE_CHANGE_CONFIG);
  if (!service) return service.error();
  const std::wstring commandLine = L"\"" + exe.wstring() + L"\" service";
  if (!::ChangeServiceConfigW((*service)->get(), SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
                              commandLine.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)) {
    return lastWin32Failure("set the command line of", "service '" + serviceName + "'");
  }
  return {};
}

Result<void> applyServiceRecovery(const std::string& serviceName, const ServiceRecovery& recovery) {
  // SC_ACTION_RESTART needs SERVICE_START on the handle as well as SERVICE_CHANGE_CONFIG.
  auto service = openService(serviceName, SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (!service) return service.error();
  std::vector<SC_ACTION> actions(recovery.restarts, SC_ACTION{SC_ACTION_RESTART, recovery.restartDelaySeconds * 1000});
  actions.push_back(SC_ACTION{SC_ACTION_NONE, 0});  // after the third failure in a day: stay stopped
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = recovery.resetSeconds;
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  const std::string subject = "service '" + serviceName + "'";
  if (!::ChangeServiceConfig2W((*service)->get(), SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return lastWin32Failure("set the failure actions of", subject);
  }
  SERVICE_PRESHUTDOWN_INFO preshutdown{};
  preshutdown.dwPreshutdownTimeout = recovery.preshutdownSeconds * 1000;
  if (!::ChangeServiceConfig2W((*service)->get(), SERVICE_CONFIG_PRESHUTDOWN_INFO, &preshutdown)) {
    return lastWin32Failure("set the pre-shutdown timeout of", subject);
  }
  SERVICE_FAILURE_ACTIONS_FLAG flag{};
  flag.fFailureActionsOnNonCrashFailures = TRUE;  // a stop with a non-zero exit code is a failure too
  if (!::ChangeServiceConfig2W((*service)->get(), SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag)) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_INVALID_LEVEL) {  // a service manager older than Vista's, or Wine's
      return fail(ErrorCode::kNotSupported, "the service manager does not know SERVICE_CONFIG_FAILURE_ACTIONS_FLAG: "
                                            "a non-zero exit of " + subject + " does not count as a failure here");
    }
    return win32Failure("set the failure actions flag of", subject, err);
  }
  return {};
}

namespace {

/// The link of this process's one service: the handler below finds it through `current`.
class WindowsServiceControlLink final : public ServiceControlLink {
 public:
  WindowsServiceControlLink(SERVICE_STATUS_HANDLE handle, ServiceControlCallback onControl)
      : handle_(handle), onControl_(std::move(onControl)) {}

  ~WindowsServiceControlLink() override {
    {
      std::lock_guard lock(mutex);
      current = nullptr;
      closing_ = true;
    }
    wake_.notify_all();
    if (pulse_.joinable()) pulse_.join();
  }

  void reportRunning() {
    std::lock_guard lock(mutex);
    status_.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status_.dwCurrentState = SERVICE_RUNNING;
    status_.dwControlsAccepted =
        SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN | SERVICE_ACCEPT_TIMECHANGE;
    ::SetServiceStatus(handle_, &status_);
  }

  DWORD handle(DWORD control) {
    if (control == SERVICE_CONTROL_INTERROGATE) {
      std::lock_guard lock(mutex);
      ::SetServiceStatus(handle_, &status_);
      return NO_ERROR;
    }
    const auto request = serviceControlRequestFor(control);
    if (!request) return ERROR_CALL_NOT_IMPLEMENTED;
    const bool stopping = request->kind == ServiceControlKind::kStop ||
                          request->kind == ServiceControlKind::kShutdown ||
                          request->kind == ServiceControlKind::kPreshutdown;
    if (stopping) reportStopping();
    return onControl_(*request) ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
  }

  static inline WindowsServiceControlLink* current = nullptr;
  /// Held by the handler for its whole call, so a link is never destroyed under it.
  static inline std::recursive_mutex mutex;

 private:
  // STOP_PENDING, then a rising checkpoint every few seconds while the current step finishes: the service
  // manager waits as long as the checkpoint moves within the wait hint. The hosting framework reports STOPPED
  // when the service's main returns.
  void reportStopping() {
    std::lock_guard lock(mutex);
    if (status_.dwCurrentState == SERVICE_STOP_PENDING) return;
    status_.dwCurrentState = SERVICE_STOP_PENDING;
    status_.dwControlsAccepted = 0;
    status_.dwCheckPoint = 1;
    status_.dwWaitHint = kWaitHintMs;
    ::SetServiceStatus(handle_, &status_);
    pulse_ = std::thread([this] {
      std::unique_lock pulseLock(mutex);
      while (!wake_.wait_for(pulseLock, std::chrono::milliseconds(kWaitHintMs / 3), [this] { return closing_; })) {
        ++status_.dwCheckPoint;
        ::SetServiceStatus(handle_, &status_);
      }
    });
  }

  static constexpr DWORD kWaitHintMs = 15000;
  SERVICE_STATUS_HANDLE handle_;
  ServiceControlCallback onControl_;
  SERVICE_STATUS status_{};
  std::condition_variable_any wake_;
  bool closing_ = false;
  std::thread pulse_;
};

DWORD WINAPI controlHandler(DWORD control, DWORD, void*, void*) {
  std::lock_guard lock(WindowsServiceControlLink::mutex);
  WindowsServiceControlLink* link = WindowsServiceControlLink::current;
  return link != nullptr ? link->handle(control) : ERROR_CALL_NOT_IMPLEMENTED;
}

}  // namespace

std::unique_ptr<ServiceControlLink> linkServiceControl(const std::string& serviceName, ServiceControlCallback onControl) {
  auto wide = toWide(serviceName);
  if (!wide) return nullptr;
  const SERVICE_STATUS_HANDLE handle = ::RegisterServiceCtrlHandlerExW(wide->c_str(), controlHandler, nullptr);
  if (handle == nullptr) return nullptr;  // not running as this service
  auto link = std::make_unique<WindowsServiceControlLink>(handle, std::move(onControl));
  {
    std::lock_guard lock(WindowsServiceControlLink::mutex);
    WindowsServiceControlLink::current = link.get();
  }
  link->reportRunning();
  return link;
}

}  // namespace remediator::platform
