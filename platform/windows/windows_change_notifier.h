#pragma once

#include <memory>

#include "platform/change_notifier.h"

namespace remediator::platform {

/// Change notifications on Win32: RegNotifyChangeKeyValue (REG_NOTIFY_CHANGE_LAST_SET | REG_NOTIFY_CHANGE_NAME)
/// for registry keys, FindFirstChangeNotificationW (FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME)
/// for folders. One watcher thread, started by the first watch(), waits on every notification with
/// WaitForMultipleObjects, re-arms a watch after each change and then calls its callback. The registry arms
/// from that thread because an asynchronous RegNotifyChangeKeyValue ends with the thread that asked for it.
/// At most 62 watches at once (kBusy beyond). A watch whose key or folder is deleted reports that change and
/// ends (active() turns false).
class WindowsChangeNotifier final : public ChangeNotifier {
 public:
  WindowsChangeNotifier();
  /// Stops the watcher thread; every subscription must be gone by then.
  ~WindowsChangeNotifier() override;
  WindowsChangeNotifier(const WindowsChangeNotifier&) = delete;
  WindowsChangeNotifier& operator=(const WindowsChangeNotifier&) = delete;

  Result<std::unique_ptr<ChangeSubscription>> watch(const WatchTarget& target, Callback onChange) override;

 private:
  class Watcher;
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace remediator::platform
