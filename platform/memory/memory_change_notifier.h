#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "platform/change_notifier.h"
#include "platform/file_system.h"
#include "platform/registry.h"

namespace remediator::platform {

/// Change notifications for tests: nothing changes by itself, a test says what changed with fire(). A watch
/// needs its key to exist in `registry` or its folder in `files` (kNotFound otherwise), as on Windows.
class MemoryChangeNotifier final : public ChangeNotifier {
 public:
  MemoryChangeNotifier(const FileSystem& files, const Registry& registry);
  ~MemoryChangeNotifier() override;

  Result<std::unique_ptr<ChangeSubscription>> watch(const WatchTarget& target, Callback onChange) override;

  /// Reports a change of `target` to every live subscription watching exactly it, on the calling thread;
  /// returns how many were told.
  int fire(const WatchTarget& target);
  /// Ends the watches of `target` as a deleted key or folder would: they become inactive and hear nothing more.
  void end(const WatchTarget& target);
  /// The targets of the live subscriptions, in the order they were made (one entry per subscription).
  std::vector<WatchTarget> watching() const;

 private:
  struct Watch;
  class Subscription;

  const FileSystem& files_;
  const Registry& registry_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Watch>> watches_;
};

}  // namespace remediator::platform
