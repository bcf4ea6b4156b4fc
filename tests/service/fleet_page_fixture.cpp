// Writes a fleet with a PC in each state, plus one whose name is markup, into the folder given, as of now: what
// the headless-browser test renders (tests/service/fleet_page_test.sh).
#include <iostream>

#include "tests/service/fleet_test_support.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fleet_page_fixture FOLDER\n";
    return 2;
  }
  using namespace std::chrono_literals;
  namespace t = remediator::service::testing;
  const auto now = std::chrono::system_clock::now();
  t::writeEveryState(argv[1], now);
  t::PublishedPc evil(argv[1], "<script>document.title='owned'<\\script>");
  evil.record(now - 2h, "clock", "failed", "enforce", "failed", "<img src=x onerror=\"document.title='owned'\">");
  evil.publish(now - 1h);
  evil.status(now - 1h, {{"clock", "enforce", "failed"}});
  return 0;
}
