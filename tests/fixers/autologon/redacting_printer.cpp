// Wraps gtest's result printer so that no failure message of this suite can show the test password, even when
// a bug leaks it into a value an assertion prints. The failure itself still shows; the password reads as
// <password>.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/fixers/autologon/autologon_test_support.h"

namespace remediator::fixers::autologon::testing {
namespace {

std::string redact(std::string text) {
  const std::string password = kPassword;
  for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at)) {
    text.replace(at, password.size(), "<password>");
  }
  return text;
}

class RedactingPrinter final : public ::testing::TestEventListener {
 public:
  explicit RedactingPrinter(::testing::TestEventListener* inner) : inner_(inner) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    const std::string message = redact(result.message());
    inner_->OnTestPartResult(
        ::testing::TestPartResult(result.type(), result.file_name(), result.line_number(), message.c_str()));
  }

  void OnTestProgramStart(const ::testing::UnitTest& u) override { inner_->OnTestProgramStart(u); }
  void OnTestIterationStart(const ::testing::UnitTest& u, int i) override {
    inner_->OnTestIterationStart(u, i);
  }
  void OnEnvironmentsSetUpStart(const ::testing::UnitTest& u) override {
    inner_->OnEnvironmentsSetUpStart(u);
  }
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& u) override { inner_->OnEnvironmentsSetUpEnd(u); }
  void OnTestSuiteStart(const ::testing::TestSuite& s) override { inner_->OnTestSuiteStart(s); }
  void OnTestCaseStart(const ::testing::TestCase& s) override { inner_->OnTestCaseStart(s); }
  void OnTestStart(const ::testing::TestInfo& t) override { inner_->OnTestStart(t); }
  void OnTestDisabled(const ::testing::TestInfo& t) override { inner_->OnTestDisabled(t); }
  void OnTestEnd(const ::testing::TestInfo& t) override { inner_->OnTestEnd(t); }
  void OnTestSuiteEnd(const ::testing::TestSuite& s) override { inner_->OnTestSuiteEnd(s); }
  void OnTestCaseEnd(const ::testing::TestCase& s) override { inner_->OnTestCaseEnd(s); }
  void OnEnvironmentsTearDownStart(const ::testing::UnitTest& u) override {
    inner_->OnEnvironmentsTearDownStart(u);
  }
  void OnEnvironmentsTearDownEnd(const ::testing::UnitTest& u) override {
    inner_->OnEnvironmentsTearDownEnd(u);
  }
  void OnTestIterationEnd(const ::testing::UnitTest& u, int i) override { inner_->OnTestIterationEnd(u, i); }
  void OnTestProgramEnd(const ::testing::UnitTest& u) override { inner_->OnTestProgramEnd(u); }

 private:
  std::unique_ptr<::testing::TestEventListener> inner_;
};

// Installed from a global environment because the printer is only final once gtest has parsed its flags.
class InstallRedactingPrinter final : public ::testing::Environment {
 public:
  void SetUp() override {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    if (auto* printer = listeners.Release(listeners.default_result_printer())) {
      listeners.Append(new RedactingPrinter(printer));
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kInstalled =
    ::testing::AddGlobalTestEnvironment(new InstallRedactingPrinter);

}  // namespace

TEST(AutologonRedactingPrinterTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(redact(std::string("a ") + kPassword + " b " + kPassword), "a <password> b <password>");
  EXPECT_EQ(redact("nothing secret"), "nothing secret");
}

}  // namespace remediator::fixers::autologon::testing
