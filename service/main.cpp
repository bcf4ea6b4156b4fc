// The remediator executable: `service` goes to the service wrapper, everything else to the command line.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "platform/platform.h"
#include "service/cli.h"
#include "service/service_app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "service") {
    return remediator::service::runServiceApplication(argv[0], {args.begin() + 1, args.end()});
  }
  remediator::platform::NativePlatform native;
  std::error_code ec;
  const auto self = std::filesystem::absolute(argv[0], ec).string();
  return remediator::service::runCli(args, {std::cin, std::cout, std::cerr, self}, native.get());
}
