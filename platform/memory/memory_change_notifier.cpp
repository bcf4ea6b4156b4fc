#include "platform/memory/memory_change_notifier.h"

#include <algorithm>

namespace remediator::platform {

struct MemoryChangeNotifier::Watch {
  WatchTarget target;
  Callback onChange;
  bool active = true;
};

class MemoryChangeNotifier::Subscription final : public ChangeSubscription {
 public:
  Subscription(MemoryChangeNotifier& owner, std::shared_ptr<Watch> watch)
      : owner_(owner), watch_(std::move(watch)) {}
  ~Subscription() override {
    std::lock_guard lock(owner_.mutex_);
    auto& all = owner_.watches_;
    all.erase(std::remove(all.begin(), all.end(), watch_), all.end());
  }
  bool active() const override {
    std::lock_guard lock(owner_.mutex_);
    return watch_->active;
  }

 private:
  MemoryChangeNotifier& owner_;
  std::shared_ptr<Watch> watch_;
};

MemoryChangeNotifier::MemoryChangeNotifier(const FileSystem& files, const Registry& registry)
    : files_(files), registry_(registry) {}

MemoryChangeNotifier::~MemoryChangeNotifier() = default;

Result<std::unique_ptr<ChangeSubscription>> MemoryChangeNotifier::watch(const WatchTarget& target,
                                                                        Callback onChange) {
  if (target.kind == WatchTarget::Kind::kRegistryKey) {
    if (!registry_.keyExists(target.path, target.view)) {
      return fail(ErrorCode::kNotFound, "cannot watch " + target.describe() + ": the key does not exist");
    }
  } else {
    auto status = files_.status(target.path);
    if (!status) return fail(status.error().code, "cannot watch " + target.describe() + ": " + status.error().message);
    if (status->type != FileType::kDirectory) {
      return fail(ErrorCode::kInvalidArgument, "cannot watch " + target.describe() + ": not a folder");
    }
  }
  auto watch = std::make_shared<Watch>(Watch{target, std::move(onChange)});
  std::lock_guard lock(mutex_);
  watches_.push_back(watch);
  return std::unique_ptr<ChangeSubscription>(std::make_unique<Subscription>(*this, watch));
}

int MemoryChangeNotifier::fire(const WatchTarget& target) {
  std::vector<std::shared_ptr<Watch>> told;
  {
    std::lock_guard lock(mutex_);
    for (const auto& w : watches_) {
      if (w->active && w->target == target) told.push_back(w);
    }
  }
  for (const auto& w : told) w->onChange();
  return static_cast<int>(told.size());
}

void MemoryChangeNotifier::end(const WatchTarget& target) {
  std::lock_guard lock(mutex_);
  for (const auto& w : watches_) {
    if (w->target == target) w->active = false;
  }
}

std::vector<WatchTarget> MemoryChangeNotifier::watching() const {
  std::lock_guard lock(mutex_);
  std::vector<WatchTarget> out;
  for (const auto& w : watches_) {
    if (w->active) out.push_back(w->target);
  }
  return out;
}

}  // namespace remediator::platform
