#include "service/change_triggers.h"

#include <algorithm>

#include "service/oplog.h"

namespace remediator::service {

using platform::SysTime;
using platform::WatchTarget;

namespace {

// The folder holding `path`, either separator; nullopt at the root of a drive or file system, which is never
// watched in place of a missing folder.
std::optional<std::string> parentFolder(std::string path) {
  while (!path.empty() && (path.back() == '/' || path.back() == '\\')) path.pop_back();
  const auto slash = path.find_last_of("/\\");
  if (slash == std::string::npos) return std::nullopt;
  path.resize(slash);
  while (!path.empty() && (path.back() == '/' || path.back() == '\\')) path.pop_back();
  if (path.empty() || (path.size() == 2 && path[1] == ':')) return std::nullopt;
  return path;
}

}  // namespace

ChangeTriggers::ChangeTriggers(platform::ChangeNotifier* notifier, const fixers::FixerRegistry& fixers,
                               const platform::TimeSource& time, Post post, std::function<void()> onPending,
                               ChangeTriggerOptions options)
    : notifier_(notifier), fixers_(fixers), time_(time), post_(std::move(post)), onPending_(std::move(onPending)),
      options_(options), alive_(std::make_shared<bool>(true)) {}

// The subscriptions go first (their destructors wait out a running callback); news already handed to the engine's
// thread finds alive_ expired.
ChangeTriggers::~ChangeTriggers() {
  watched_.clear();
  alive_.reset();
}

void ChangeTriggers::follow(const policies::Policy& policy) {
  wanted_.clear();
  for (const auto& fixer : fixers_.all()) {
    const auto settings = policy.fixer(fixer->id());
    if (!settings || settings->mode == policies::Mode::kOff) continue;
    for (const auto& target : fixer->watches(policy)) wanted_.emplace_back(fixer->id(), target);
  }
  sync();
}

void ChangeTriggers::sync() {
  if (notifier_ == nullptr) return;
  std::vector<Watched> next;
  for (const auto& [fixerId, target] : wanted_) {
    auto same = std::find_if(watched_.begin(), watched_.end(), [&](const Watched& w) {
      return w.fixerId == fixerId && w.wanted == target;
    });
    // A live watch of the target itself stays as it is; a stand-in, a failed or an ended watch is tried anew.
    if (same != watched_.end() && same->subscription && same->subscription->active() && same->actual == target) {
      next.push_back(std::move(*same));
      watched_.erase(same);
      continue;
    }
    if (same != watched_.end()) watched_.erase(same);
    Watched fresh{fixerId, target, target, nullptr};
    subscribe(fresh);
    next.push_back(std::move(fresh));
  }
  watched_ = std::move(next);  // what is no longer wanted ends here
}

void ChangeTriggers::subscribe(Watched& watched) {
  WatchTarget target = watched.wanted;
  for (;;) {
    const bool standIn = !(target == watched.wanted);
    std::weak_ptr<bool> alive = alive_;
    auto onChange = [this, alive, fixerId = watched.fixerId, wanted = watched.wanted, standIn] {
      const SysTime at = time_.now();
      post_([this, alive, fixerId, wanted, standIn, at] {
        if (alive.lock()) changed(fixerId, wanted, standIn, at);
      });
    };
    auto subscription = notifier_->watch(target, onChange);
    if (subscription) {
      watched.actual = target;
      watched.subscription = std::move(*subscription);
      if (standIn) {
        logInfo(watched.fixerId + ": " + watched.wanted.describe() + " does not exist yet; watching " +
                target.describe() + " until it does");
      }
      return;
    }
    // A missing folder is waited for in its nearest existing parent.
    const auto parent = target.kind == WatchTarget::Kind::kFolder ? parentFolder(target.path) : std::nullopt;
    if (subscription.error().code != platform::ErrorCode::kNotFound || !parent) {
      logWarning(watched.fixerId + ": cannot watch " + watched.wanted.describe() + " (" +
                 subscription.error().message + "); it runs on its interval and the watch is tried again later");
      return;
    }
    target = WatchTarget::folder(*parent, false);
  }
}

void ChangeTriggers::changed(const std::string& fixerId, const WatchTarget& wanted, bool standIn, SysTime at) {
  // The fixer's own writes during its run (Winlogon restored) are not news: that run saw its result.
  if (auto run = lastRun_.find(fixerId);
      run != lastRun_.end() && at >= run->second.first && at <= run->second.second) {
    return;
  }
  // Something appeared beside a missing folder: perhaps the folder itself, which is then watched directly.
  if (standIn) sync();
  auto [it, fresh] = pending_.try_emplace(fixerId, Pending{at, {}});
  if (!fresh) it->second.first = std::min(it->second.first, at);
  const std::string what = wanted.describe();
  if (std::find(it->second.what.begin(), it->second.what.end(), what) == it->second.what.end()) {
    it->second.what.push_back(what);
  }
  if (onPending_) onPending_();
}

void ChangeTriggers::ran(const std::vector<std::string>& fixerIds, SysTime start, SysTime end) {
  for (const auto& id : fixerIds) {
    lastRun_[id] = {start, end};
    if (auto it = pending_.find(id); it != pending_.end() && it->second.first < start) pending_.erase(it);
  }
  // A fixer that removed its watched folder ended that watch; a parent now stands in for it.
  if (std::any_of(watched_.begin(), watched_.end(),
                  [](const Watched& w) { return w.subscription && !w.subscription->active(); })) {
    sync();
  }
}

SysTime ChangeTriggers::dueAt(const std::string& fixerId, const Pending& pending) const {
  SysTime due = pending.first + options_.debounce;
  if (auto it = lastTriggered_.find(fixerId); it != lastTriggered_.end()) due = std::max(due, it->second + options_.minGap);
  return due;
}

std::optional<SysTime> ChangeTriggers::nextDue() const {
  std::optional<SysTime> next;
  for (const auto& [id, pending] : pending_) {
    const SysTime due = dueAt(id, pending);
    if (!next || due < *next) next = due;
  }
  return next;
}

std::vector<std::string> ChangeTriggers::triggerDue(Engine& engine, SysTime now) {
  std::vector<std::string> triggered;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (dueAt(it->first, it->second) > now) {
      ++it;
      continue;
    }
    std::string why = "changed: ";
    for (std::size_t i = 0; i < it->second.what.size(); ++i) why += (i ? ", " : "") + it->second.what[i];
    engine.trigger(it->first, why);
    lastTriggered_[it->first] = now;
    triggered.push_back(it->first);
    it = pending_.erase(it);
  }
  return triggered;
}

std::vector<std::string> ChangeTriggers::describeWatches() const {
  std::vector<std::string> out;
  for (const auto& w : watched_) {
    std::string line = w.fixerId + ": ";
    if (!w.subscription) {
      line += w.wanted.describe() + " (not watched)";
    } else if (!(w.actual == w.wanted)) {
      line += w.actual.describe() + " (until " + w.wanted.describe() + " exists)";
    } else {
      line += w.wanted.describe();
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace remediator::service
