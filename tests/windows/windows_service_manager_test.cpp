// WindowsServiceManager and the service configuration of platform/service_control.h against the prefix's service control manager, with test_helper.exe installed as a
// real service for the duration of one test.
#include "platform/windows/windows_service_manager.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "platform/service_control.h"

#include "tests/windows/windows_test_support.h"

#include <winsvc.h>

namespace remediator::platform {
namespace {

using std::chrono::seconds;

/// test_helper.exe registered as an on-demand service; stopped and deleted when the object dies.
class TestService {
 public:
  TestService() : name_("RemediatorTestSvc" + testing::uniqueSuffix()) {
    manager_ = ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
    if (manager_ == nullptr) return;
    const std::wstring wideName(name_.begin(), name_.end());
    const std::string helper = testing::helperPath();
    const std::wstring command = L"\"" + std::wstring(helper.begin(), helper.end()) + L"\" service " + wideName;
    service_ = ::CreateServiceW(manager_, wideName.c_str(), wideName.c_str(), SERVICE_ALL_ACCESS,
                                SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
                                command.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr);
  }
  ~TestService() {
    if (service_ != nullptr) {
      SERVICE_STATUS status{};
      ::ControlService(service_, SERVICE_CONTROL_STOP, &status);
      ::DeleteService(service_);
      ::CloseServiceHandle(service_);
    }
    if (manager_ != nullptr) ::CloseServiceHandle(manager_);
  }
  TestService(const TestService&) = delete;
  TestService& operator=(const TestService&) = delete;

  bool installed() const { return service_ != nullptr; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  SC_HANDLE manager_ = nullptr;
  SC_HANDLE service_ = nullptr;
};

TEST(WindowsServiceManagerTest, UnknownServiceIsNotFound) {
  WindowsServiceManager services;
  auto state = services.query("RemediatorNoSuchService");
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, ErrorCode::kNotFound);
  EXPECT_NE(state.error().message.find("RemediatorNoSuchService"), std::string::npos);
  EXPECT_EQ(services.start("RemediatorNoSuchService", seconds(1)).error().code, ErrorCode::kNotFound);
}

TEST(WindowsServiceManagerTest, StartsAndStopsARealService) {
  TestService service;
  ASSERT_TRUE(service.installed()) << "CreateServiceW failed: " << ::GetLastError();
  WindowsServiceManager services;
  EXPECT_EQ(*services.query(service.name()), ServiceState::kStopped);

  auto started = services.start(service.name(), seconds(30));
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(*services.query(service.name()), ServiceState::kRunning);
  EXPECT_TRUE(services.start(service.name(), seconds(30))) << "starting a running service succeeds";

  auto stopped = services.stop(service.name(), seconds(30));
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(*services.query(service.name()), ServiceState::kStopped);
  EXPECT_TRUE(services.stop(service.name(), seconds(30))) << "stopping a stopped service succeeds";
}

/// The service's configuration as the SCM reports it (QueryServiceConfigW / QueryServiceConfig2W).
struct ServiceConfigView {
  std::wstring commandLine;
  bool failureActionsRead = false;
  DWORD resetPeriod = 0;
  std::vector<SC_ACTION> actions;
  std::optional<DWORD> preshutdownMs;
};

ServiceConfigView readConfig(const std::string& name) {
  ServiceConfigView view;
  SC_HANDLE manager = ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  const std::wstring wideName(name.begin(), name.end());
  SC_HANDLE service = ::OpenServiceW(manager, wideName.c_str(), SERVICE_QUERY_CONFIG);
  DWORD needed = 0;
  ::QueryServiceConfigW(service, nullptr, 0, &needed);
  std::vector<BYTE> buffer(needed + 1);
  if (needed > 0 && ::QueryServiceConfigW(service, reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data()),
                                          static_cast<DWORD>(buffer.size()), &needed)) {
    view.commandLine = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data())->lpBinaryPathName;
  }
  needed = 0;
  ::QueryServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, nullptr, 0, &needed);
  buffer.assign(needed + 1, 0);
  if (needed > 0 && ::QueryServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, buffer.data(),
                                           static_cast<DWORD>(buffer.size()), &needed)) {
    const auto* failure = reinterpret_cast<SERVICE_FAILURE_ACTIONSW*>(buffer.data());
    view.failureActionsRead = true;
    view.resetPeriod = failure->dwResetPeriod;
    view.actions.assign(failure->lpsaActions, failure->lpsaActions + failure->cActions);
  }
  SERVICE_PRESHUTDOWN_INFO preshutdown{};
  if (::QueryServiceConfig2W(service, SERVICE_CONFIG_PRESHUTDOWN_INFO, reinterpret_cast<BYTE*>(&preshutdown),
                             sizeof preshutdown, &needed)) {
    view.preshutdownMs = preshutdown.dwPreshutdownTimeout;
  }
  ::CloseServiceHandle(service);
  ::CloseServiceHandle(manager);
  return view;
}

TEST(ServiceControlTest, RecordsTheServiceCommandLine) {
  TestService service;
  ASSERT_TRUE(service.installed()) << "CreateServiceW failed: " << ::GetLastError();
  const auto exe = std::filesystem::u8path("C:\\Program Files\\Remediator\\remediator.exe");
  auto set = setServiceCommandLine(service.name(), exe);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(readConfig(service.name()).commandLine, L"\"C:\\Program Files\\Remediator\\remediator.exe\" service");
  EXPECT_EQ(setServiceCommandLine("RemediatorNoSuchService", "C:\\x.exe").error().code, ErrorCode::kNotFound);
}

TEST(ServiceControlTest, SetsRestartOnFailureActions) {
  TestService service;
  ASSERT_TRUE(service.installed()) << "CreateServiceW failed: " << ::GetLastError();
  auto applied = applyServiceRecovery(service.name(), kServiceRecovery);
  // Wine 8 accepts SERVICE_CONFIG_FAILURE_ACTIONS but refuses SERVICE_CONFIG_FAILURE_ACTIONS_FLAG with
  // ERROR_INVALID_LEVEL: that, and only that, comes back as kNotSupported.
  if (!applied) {
    EXPECT_EQ(applied.error().code, ErrorCode::kNotSupported) << applied.error().message;
    EXPECT_NE(applied.error().message.find("FAILURE_ACTIONS_FLAG"), std::string::npos);
  }
  const auto view = readConfig(service.name());
  ASSERT_TRUE(view.preshutdownMs.has_value()) << "QueryServiceConfig2W(SERVICE_CONFIG_PRESHUTDOWN_INFO) failed";
  EXPECT_EQ(*view.preshutdownMs, 60000u) << "the SCM waits a minute for the current step at shutdown";
  if (!view.failureActionsRead || view.actions.empty()) {
    // Wine takes the failure actions without storing them (a FIXME in its services.exe), so QueryServiceConfig2W
    // reads back none; on Windows the checks below run.
    GTEST_SKIP() << "the service manager stores no failure actions (Wine): only the calls are checked here";
  }
  EXPECT_EQ(view.resetPeriod, 86400u);
  ASSERT_EQ(view.actions.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(view.actions[i].Type, SC_ACTION_RESTART);
    EXPECT_EQ(view.actions[i].Delay, 60000u);
  }
  EXPECT_EQ(view.actions[3].Type, SC_ACTION_NONE);
}

}  // namespace
}  // namespace remediator::platform
