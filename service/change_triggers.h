#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixers/fixer.h"
#include "platform/change_notifier.h"
#include "platform/time_source.h"
#include "policies/policy.h"
#include "service/engine.h"

namespace remediator::service {

/// Timing of change-triggered runs.
struct ChangeTriggerOptions {
  /// Changes of one fixer's targets within this long of the first are answered by one run.
  platform::Millis debounce{std::chrono::milliseconds(300)};
  /// At most one change-triggered run per fixer this often, however fast changes come (a storm, or a fixer
  /// answering its own change): later changes wait for the next slot, then one run answers them all.
  platform::Millis minGap{std::chrono::seconds(5)};
};

/// Turns change notifications into early runs: watches what each fixer that is not off names in
/// Fixer::watches, coalesces the changes and makes the engine run that fixer at once, its audit records saying
/// what changed. Changes a fixer makes itself during its own run are dropped; a run that starts after a change
/// answers it. A folder that does not exist yet is watched through its nearest existing parent until it does;
/// a key or folder that cannot be watched is tried again at the next follow().
///
/// Everything but the notifier's callbacks runs on the engine's thread. The callbacks only note the time and
/// hand the news over through `post`.
class ChangeTriggers {
 public:
  /// Runs a function on the engine's thread (the service's event loop); called from the notifier's thread.
  using Post = std::function<void(std::function<void()>)>;

  /// With a null `notifier` nothing is watched and nothing is ever due. `onPending` is called on the engine's
  /// thread whenever nextDue() may have moved, so the caller can set its timer.
  ChangeTriggers(platform::ChangeNotifier* notifier, const fixers::FixerRegistry& fixers,
                 const platform::TimeSource& time, Post post, std::function<void()> onPending,
                 ChangeTriggerOptions options = {});
  /// Ends every watch; no callback comes after this.
  ~ChangeTriggers();
  ChangeTriggers(const ChangeTriggers&) = delete;
  ChangeTriggers& operator=(const ChangeTriggers&) = delete;

  /// Watches what the fixers that are not off watch under `policy` and ends the watches it no longer names.
  /// Call after each policy (re)load: it also retries what could not be watched before.
  void follow(const policies::Policy& policy);
  /// Fixers `fixerIds` ran between `start` and `end`: their own changes in that time are not news, and the
  /// changes noted before `start` are answered. Watches that ended meanwhile are made again.
  void ran(const std::vector<std::string>& fixerIds, platform::SysTime start, platform::SysTime end);
  /// When the first pending change is to be answered; nullopt when none is pending.
  std::optional<platform::SysTime> nextDue() const;
  /// Triggers in `engine` every fixer whose changes are due at `now`, with the reason "changed: <what>", and
  /// returns their ids; the caller then runs the engine.
  std::vector<std::string> triggerDue(Engine& engine, platform::SysTime now);

  /// What is watched for whom now, "fixer: target" (a parent standing in for a missing folder says so), for
  /// the operational log and tests.
  std::vector<std::string> describeWatches() const;

 private:
  struct Watched {
    std::string fixerId;
    platform::WatchTarget wanted;
    platform::WatchTarget actual;  // wanted, or the nearest existing parent of a missing folder
    std::unique_ptr<platform::ChangeSubscription> subscription;  // null: nothing could be watched
  };
  struct Pending {
    platform::SysTime first;
    std::vector<std::string> what;
  };

  void sync();
  void subscribe(Watched& watched);
  void changed(const std::string& fixerId, const platform::WatchTarget& wanted, bool standIn, platform::SysTime at);
  platform::SysTime dueAt(const std::string& fixerId, const Pending& pending) const;

  platform::ChangeNotifier* notifier_;
  const fixers::FixerRegistry& fixers_;
  const platform::TimeSource& time_;
  Post post_;
  std::function<void()> onPending_;
  ChangeTriggerOptions options_;
  std::vector<std::pair<std::string, platform::WatchTarget>> wanted_;
  std::vector<Watched> watched_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, platform::SysTime> lastTriggered_;
  std::map<std::string, std::pair<platform::SysTime, platform::SysTime>> lastRun_;
  std::shared_ptr<bool> alive_;  // news posted to the engine's thread is dropped once this object is gone
};

}  // namespace remediator::service
