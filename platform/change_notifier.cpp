#include "platform/change_notifier.h"

namespace remediator::platform {

WatchTarget WatchTarget::registryKey(std::string key, RegistryView view, bool subtree) {
  return WatchTarget{Kind::kRegistryKey, std::move(key), view, subtree};
}

WatchTarget WatchTarget::folder(std::string path, bool subtree) {
  return WatchTarget{Kind::kFolder, std::move(path), RegistryView::k64, subtree};
}

std::string WatchTarget::describe() const {
  if (kind == Kind::kFolder) return path;
  return "HKLM\\" + path + (view == RegistryView::k32 ? " (32-bit view)" : "");
}

}  // namespace remediator::platform
