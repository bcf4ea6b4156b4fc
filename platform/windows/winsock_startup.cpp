// Starts Winsock once per process, before main. Poco's own initializer is not linked in from a static Poco::Net
// (nothing refers to its object file), and Asio only starts Winsock for the sockets it makes itself; without
// this, Poco's HTTP client and server fail with WSANOTINITIALISED. The CMake WIN32 branch forces this object
// into every executable with -Wl,--undefined=remediator_winsock_startup.
#include <winsock2.h>

namespace {

struct WinsockStartup {
  WinsockStartup() {
    WSADATA data;
    started = ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }
  ~WinsockStartup() {
    if (started) ::WSACleanup();
  }
  bool started = false;
};

const WinsockStartup startup;

}  // namespace

extern "C" {
/// The symbol the linker is told to keep, so that this object and its initializer stay in.
extern const int remediator_winsock_startup;
const int remediator_winsock_startup = 1;
}
