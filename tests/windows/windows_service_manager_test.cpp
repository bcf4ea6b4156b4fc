// WindowsServiceManager against the prefix's service control manager, with test_helper.exe installed as a
// real service for the duration of one test.
#include "platform/windows/windows_service_manager.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace remediator::platform
