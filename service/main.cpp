// The remediator executable: `service` goes to the service wrapper, everything else to the command line.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "platform/platform.h"
#include "service/cli.h"
#include "service/service_app.h"

#ifdef _WIN32
#include <windows.h>

#include "platform/windows/win32_text.h"
#endif

namespace {

int run(const std::string& argv0, const std::vector<std::string>& args, const std::string& programPath) {
  if (!args.empty() && args[0] == "service") {
    return remediator::service::runServiceApplication(argv0, {args.begin() + 1, args.end()});
  }
  remediator::platform::NativePlatform native;
  return remediator::service::runCli(args, {std::cin, std::cout, std::cerr, programPath}, native.get());
}

}  // namespace

#ifdef _WIN32

// Windows passes UTF-16 arguments: wmain (linked with -municode) takes them and turns them into UTF-8, the
// product's text everywhere.
int wmain(int argc, wchar_t** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.push_back(remediator::platform::toUtf8(argv[i]));
  // The service control manager starts the program exactly as /registerService recorded it: the bare path,
  // no arguments, and no console. That start is the service, not a command line missing its command.
  const HANDLE out = ::GetStdHandle(STD_OUTPUT_HANDLE);
  if (args.empty() && (out == nullptr || out == INVALID_HANDLE_VALUE)) args.push_back("service");
  // What the command line prints is UTF-8; tell the console so.
  ::SetConsoleOutputCP(CP_UTF8);
  std::wstring self(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = ::GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
    if (length < self.size()) {
      self.resize(length);
      break;
    }
    self.resize(self.size() * 2);
  }
  return run(remediator::platform::toUtf8(argc > 0 ? argv[0] : L"remediator"), args,
             remediator::platform::toUtf8(self));
}

#else

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::error_code ec;
  return run(argv[0], args, std::filesystem::absolute(argv[0], ec).string());
}

#endif
