#include "platform/platform.h"
#include "platform/posix/posix_file_system.h"
#include "platform/posix/posix_os_info.h"
#include "platform/posix/posix_process_runner.h"
#include "platform/posix/posix_system_clock.h"

namespace remediator::platform {

// POSIX has no registry, service manager, installed-programs list or secret store in the Windows sense: those
// stay null, and the fixers that need them report "not applicable on this platform". The change notifier stays
// null too: nothing a fixer watches exists here, so the service runs fixers on their interval alone.
struct NativePlatform::Parts {
  RealTimeSource time;
  PosixSystemClock clock;
  PosixOsInfo os;
  PosixFileSystem files;
  PosixProcessRunner processes;
};

NativePlatform::NativePlatform() : parts_(std::make_unique<Parts>()) {
  platform_.time = &parts_->time;
  platform_.clock = &parts_->clock;
  platform_.os = &parts_->os;
  platform_.files = &parts_->files;
  platform_.processes = &parts_->processes;
}

NativePlatform::~NativePlatform() = default;

}  // namespace remediator::platform
