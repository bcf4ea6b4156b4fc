#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/registry.h"
#include "platform/result.h"

namespace remediator::platform {

/// Something whose changes can be watched: a registry key below HKLM (in one view) or a folder.
struct WatchTarget {
  enum class Kind { kRegistryKey, kFolder };

  Kind kind = Kind::kRegistryKey;
  std::string path;                       ///< key below HKLM (backslashes), or an absolute folder path (UTF-8)
  RegistryView view = RegistryView::k64;  ///< registry keys only
  bool subtree = false;                   ///< also changes below: subkeys, or entries in subfolders

  /// A registry key and its values.
  static WatchTarget registryKey(std::string key, RegistryView view = RegistryView::k64, bool subtree = false);
  /// The entries of a folder.
  static WatchTarget folder(std::string path, bool subtree = false);

  /// For messages and audit records: "HKLM\<key>" (with " (32-bit view)" when so), or the folder path.
  std::string describe() const;
  bool operator==(const WatchTarget&) const = default;
};

/// A live watch: destroying it stops the watch, and once the destructor returned its callback is not called
/// again. It must not be destroyed from inside its own callback.
class ChangeSubscription {
 public:
  virtual ~ChangeSubscription() = default;
  /// False once the watch ended by itself (the key or folder was deleted): subscribe again to follow a new one.
  virtual bool active() const = 0;
};

/// Tells when a registry key or a folder changes, so a fixer can run at once instead of waiting for its
/// interval. What counts as a change: for a key, a value set or deleted, or a subkey added or removed
/// (REG_NOTIFY_CHANGE_LAST_SET | REG_NOTIFY_CHANGE_NAME); for a folder, an entry created, deleted or renamed
/// (not a write into an existing file: a log being written is not news).
class ChangeNotifier {
 public:
  /// Called after a change, on a thread of the notifier's own. Changes in a quick burst may come as one call or
  /// several; the callback must be quick (hand the news to another thread) and must not destroy subscriptions.
  using Callback = std::function<void()>;

  virtual ~ChangeNotifier() = default;
  /// Starts watching `target`; changes after this returned are reported. kNotFound when the key or folder does
  /// not exist. Subscriptions must not outlive the notifier.
  virtual Result<std::unique_ptr<ChangeSubscription>> watch(const WatchTarget& target, Callback onChange) = 0;
};

}  // namespace remediator::platform
