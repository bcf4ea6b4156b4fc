#include "platform/platform.h"
#include "platform/windows/windows_change_notifier.h"
#include "platform/windows/windows_file_system.h"
#include "platform/windows/windows_installed_products.h"
#include "platform/windows/windows_os_info.h"
#include "platform/windows/windows_process_runner.h"
#include "platform/windows/windows_registry.h"
#include "platform/windows/windows_secret_store.h"
#include "platform/windows/windows_service_manager.h"
#include "platform/windows/windows_system_clock.h"

namespace remediator::platform {

// Every part exists on Windows. Declaration order matters: the clock runs w32tm through `processes`, and the OS
// facts and the installed programs read `registry`.
struct NativePlatform::Parts {
  RealTimeSource time;
  WindowsProcessRunner processes;
  WindowsRegistry registry;
  WindowsSystemClock clock{processes};
  WindowsOsInfo os{registry, systemDriveRoot()};
  WindowsFileSystem files;
  WindowsServiceManager services;
  WindowsInstalledProducts products{registry};
  WindowsSecretStore secrets;
  WindowsChangeNotifier changes;
};

NativePlatform::NativePlatform() : parts_(std::make_unique<Parts>()) {
  platform_.time = &parts_->time;
  platform_.clock = &parts_->clock;
  platform_.os = &parts_->os;
  platform_.files = &parts_->files;
  platform_.processes = &parts_->processes;
  platform_.registry = &parts_->registry;
  platform_.services = &parts_->services;
  platform_.products = &parts_->products;
  platform_.secrets = &parts_->secrets;
  platform_.changes = &parts_->changes;
}

NativePlatform::~NativePlatform() = default;

}  // namespace remediator::platform
