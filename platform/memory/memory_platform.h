#pragma once

#include "platform/memory/memory_change_notifier.h"
#include "platform/memory/memory_file_system.h"
#include "platform/memory/memory_installed_products.h"
#include "platform/memory/memory_os_info.h"
#include "platform/memory/memory_process_runner.h"
#include "platform/memory/memory_registry.h"
#include "platform/memory/memory_secret_store.h"
#include "platform/memory/memory_service_manager.h"
#include "platform/memory/memory_system_clock.h"
#include "platform/platform.h"

namespace remediator::platform {

/// A whole platform in memory: one double of each interface, owned here, with get() pointing at all of them.
/// Tests set the doubles up through the public members and hand get() to the code under test. Nothing is
/// shared between two MemoryPlatform objects.
struct MemoryPlatform {
  /// Every part reads time from `time` (usually a ManualTimeSource), which must outlive this object.
  explicit MemoryPlatform(TimeSource& time);
  MemoryPlatform(const MemoryPlatform&) = delete;
  MemoryPlatform& operator=(const MemoryPlatform&) = delete;

  /// The platform view, every pointer set.
  Platform& get() { return platform_; }

  MemorySystemClock clock;
  MemoryOsInfo os;
  MemoryFileSystem files;
  MemoryProcessRunner processes;
  MemoryRegistry registry;
  MemoryServiceManager services;
  MemoryInstalledProducts products;
  MemorySecretStore secrets;
  MemoryChangeNotifier changes{files, registry};  ///< fires only when a test says so

 private:
  Platform platform_;
};

}  // namespace remediator::platform
