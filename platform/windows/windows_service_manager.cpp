#include "platform/windows/windows_service_manager.h"

#include <windows.h>
#include <winsvc.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_service.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

Result<std::unique_ptr<ScHandle>> openService(const std::string& name, DWORD access) {
  if (name.empty()) return fail(ErrorCode::kInvalidArgument, "empty service name");
  auto wide = toWide(name);
  if (!wide) return fail(ErrorCode::kInvalidArgument, "service name: " + wide.error().message);
  ScHandle manager(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!manager) return lastWin32Failure("connect to", "the service control manager");
  auto service = std::make_unique<ScHandle>(::OpenServiceW(manager.get(), wide->c_str(), access));
  if (!*service) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_SERVICE_DOES_NOT_EXIST) {
      return fail(ErrorCode::kNotFound, "no service '" + name + "' is installed");
    }
    return win32Failure("open", "service '" + name + "'", err);
  }
  return service;
}

namespace {

std::string describe(const std::string& name) { return "service '" + name + "'"; }

using Clock = std::chrono::steady_clock;

Result<SERVICE_STATUS_PROCESS> statusOf(const ScHandle& service, const std::string& name) {
  SERVICE_STATUS_PROCESS status{};
  DWORD needed = 0;
  if (!::QueryServiceStatusEx(service.get(), SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&status),
                              sizeof status, &needed)) {
    return lastWin32Failure("query the status of", describe(name));
  }
  return status;
}

ServiceState stateOf(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED: return ServiceState::kStopped;
    case SERVICE_START_PENDING: return ServiceState::kStartPending;
    case SERVICE_STOP_PENDING: return ServiceState::kStopPending;
    case SERVICE_RUNNING: return ServiceState::kRunning;
    case SERVICE_PAUSED: return ServiceState::kPaused;
    default: return ServiceState::kOther;
  }
}

/// Polls until the service is in `wanted`, stops in the other final state, or `timeout` passes. The SCM offers
/// no wait on a state change that works for every service, so polling with a short sleep is the documented way.
Result<void> waitFor(const ScHandle& service, const std::string& name, DWORD wanted, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto status = statusOf(service, name);
    if (!status) return status.error();
    if (status->dwCurrentState == wanted) return {};
    if (wanted == SERVICE_RUNNING && status->dwCurrentState == SERVICE_STOPPED) {
      std::string message = describe(name) + " stopped while starting";
      if (status->dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR) {
        message += " (service-specific exit code " + std::to_string(status->dwServiceSpecificExitCode) + ")";
      } else if (status->dwWin32ExitCode != NO_ERROR) {
        message += ": " + win32Message(status->dwWin32ExitCode);
      }
      return fail(ErrorCode::kFailed, message);
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      return fail(ErrorCode::kTimeout, describe(name) + " did not become " +
                                           serviceStateName(stateOf(wanted)) + " within " +
                                           std::to_string(timeout.count()) + " ms (it is " +
                                           serviceStateName(stateOf(status->dwCurrentState)) + ")");
    }
    const auto left = std::chrono::duration_cast<Millis>(deadline - now);
    std::this_thread::sleep_for(std::min(left, Millis(100)));
  }
}

/// The display names of running services that depend on this one, for the error message.
std::string runningDependents(const ScHandle& service) {
  DWORD needed = 0;
  DWORD count = 0;
  ::EnumDependentServicesW(service.get(), SERVICE_ACTIVE, nullptr, 0, &needed, &count);
  if (needed == 0) return {};
  std::vector<BYTE> buffer(needed);
  if (!::EnumDependentServicesW(service.get(), SERVICE_ACTIVE, reinterpret_cast<ENUM_SERVICE_STATUSW*>(buffer.data()),
                                needed, &needed, &count)) {
    return {};
  }
  const auto* entries = reinterpret_cast<const ENUM_SERVICE_STATUSW*>(buffer.data());
  std::string names;
  for (DWORD i = 0; i < count; ++i) {
    if (!names.empty()) names += ", ";
    names += toUtf8(entries[i].lpServiceName != nullptr ? entries[i].lpServiceName : L"");
  }
  return names;
}

}  // namespace

Result<ServiceState> WindowsServiceManager::query(const std::string& name) const {
  auto service = openService(name, SERVICE_QUERY_STATUS);
  if (!service) return service.error();
  auto status = statusOf(**service, name);
  if (!status) return status.error();
  return stateOf(status->dwCurrentState);
}

Result<void> WindowsServiceManager::start(const std::string& name, Millis timeout) {
  auto service = openService(name, SERVICE_START | SERVICE_QUERY_STATUS);
  if (!service) return service.error();
  auto status = statusOf(**service, name);
  if (!status) return status.error();
  if (status->dwCurrentState == SERVICE_RUNNING) return {};
  if (status->dwCurrentState == SERVICE_STOP_PENDING) {
    // A service on its way down cannot be started until it is down.
    if (auto stopped = waitFor(**service, name, SERVICE_STOPPED, timeout); !stopped) return stopped.error();
  }
  if (status->dwCurrentState != SERVICE_START_PENDING && !::StartServiceW((*service)->get(), 0, nullptr)) {
    const DWORD err = ::GetLastError();
    if (err != ERROR_SERVICE_ALREADY_RUNNING) return win32Failure("start", describe(name), err);
  }
  return waitFor(**service, name, SERVICE_RUNNING, timeout);
}

Result<void> WindowsServiceManager::stop(const std::string& name, Millis timeout) {
  auto service = openService(name, SERVICE_STOP | SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS);
  if (!service) return service.error();
  auto status = statusOf(**service, name);
  if (!status) return status.error();
  if (status->dwCurrentState == SERVICE_STOPPED) return {};
  if (status->dwCurrentState != SERVICE_STOP_PENDING) {
    SERVICE_STATUS ignored{};
    if (!::ControlService((*service)->get(), SERVICE_CONTROL_STOP, &ignored)) {
      const DWORD err = ::GetLastError();
      if (err == ERROR_DEPENDENT_SERVICES_RUNNING) {
        return fail(ErrorCode::kBusy, "cannot stop " + describe(name) + ": running services depend on it (" +
                                          runningDependents(**service) + ")");
      }
      if (err != ERROR_SERVICE_NOT_ACTIVE) return win32Failure("stop", describe(name), err);
    }
  }
  return waitFor(**service, name, SERVICE_STOPPED, timeout);
}

}  // namespace remediator::platform
