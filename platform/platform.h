#pragma once

#include <memory>

#include "platform/change_notifier.h"
#include "platform/file_system.h"
#include "platform/installed_products.h"
#include "platform/os_info.h"
#include "platform/process_runner.h"
#include "platform/registry.h"
#include "platform/secret_store.h"
#include "platform/service_manager.h"
#include "platform/system_clock.h"
#include "platform/time_source.h"

namespace remediator::platform {

/// Everything a fixer may ask of the OS. A null member means this platform has no such thing (no registry on
/// Linux): a fixer that needs it reports "not applicable on this platform".
struct Platform {
  TimeSource* time = nullptr;  ///< never null
  SystemClock* clock = nullptr;
  OsInfo* os = nullptr;
  FileSystem* files = nullptr;
  ProcessRunner* processes = nullptr;
  Registry* registry = nullptr;
  ServiceManager* services = nullptr;
  InstalledProducts* products = nullptr;
  SecretStore* secrets = nullptr;
  ChangeNotifier* changes = nullptr;  ///< null: nothing is watched, fixers wait for their interval
};

/// The platform of the machine this runs on, owning its parts.
class NativePlatform {
 public:
  NativePlatform();
  ~NativePlatform();
  NativePlatform(const NativePlatform&) = delete;
  NativePlatform& operator=(const NativePlatform&) = delete;
  Platform& get() { return platform_; }

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
  Platform platform_;
};

}  // namespace remediator::platform
