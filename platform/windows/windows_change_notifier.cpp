#include "platform/windows/windows_change_notifier.h"

#include <windows.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {

namespace {

constexpr DWORD kRegistryFilter = REG_NOTIFY_CHANGE_LAST_SET | REG_NOTIFY_CHANGE_NAME;
// Entries appearing, going or renamed; writes into existing files are left out on purpose (a log being written
// is not news).
constexpr DWORD kFolderFilter = FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME;
// WaitForMultipleObjects takes 64 handles; two are the stop and wake events.
constexpr std::size_t kMaxWatches = MAXIMUM_WAIT_OBJECTS - 2;

struct Watch {
  WatchTarget target;
  ChangeNotifier::Callback onChange;
  std::atomic<bool> active{true};
  HKEY key = nullptr;                    // registry: the key being watched
  UniqueHandle keyEvent;                 // registry: what RegNotifyChangeKeyValue signals
  HANDLE folder = INVALID_HANDLE_VALUE;  // folder: FindFirstChangeNotificationW's handle

  ~Watch() { close(); }
  HANDLE waitable() const { return folder != INVALID_HANDLE_VALUE ? folder : keyEvent.get(); }
  void close() {
    if (folder != INVALID_HANDLE_VALUE) ::FindCloseChangeNotification(folder);
    folder = INVALID_HANDLE_VALUE;
    if (key != nullptr) ::RegCloseKey(key);
    key = nullptr;
    keyEvent.reset();
  }
  // Asks for the next change. Fails once the key or folder is gone.
  bool rearm() {
    if (folder != INVALID_HANDLE_VALUE) return ::FindNextChangeNotification(folder) != FALSE;
    return ::RegNotifyChangeKeyValue(key, target.subtree, kRegistryFilter, keyEvent.get(), TRUE) ==
           ERROR_SUCCESS;
  }
};

// Opens and arms a watch; runs on the watcher thread (see the class comment).
Result<void> open(Watch& watch) {
  const WatchTarget& t = watch.target;
  if (t.kind == WatchTarget::Kind::kFolder) {
    const std::wstring path = win32Path(std::filesystem::u8path(t.path));
    watch.folder = ::FindFirstChangeNotificationW(path.c_str(), t.subtree, kFolderFilter);
    if (watch.folder == INVALID_HANDLE_VALUE) {
      const DWORD error = ::GetLastError();
      // A missing parent folder says "path not found": for the caller both mean "not there yet".
      return win32Failure("watch", t.describe(), error == ERROR_PATH_NOT_FOUND ? ERROR_FILE_NOT_FOUND : error);
    }
    return {};
  }
  auto wide = toWide(t.path);
  if (!wide) return wide.error();
  const REGSAM view = t.view == RegistryView::k64 ? KEY_WOW64_64KEY : KEY_WOW64_32KEY;
  if (const LSTATUS status = ::RegOpenKeyExW(HKEY_LOCAL_MACHINE, wide->c_str(), 0, KEY_NOTIFY | view, &watch.key);
      status != ERROR_SUCCESS) {
    return win32Failure("watch", t.describe(), static_cast<std::uint32_t>(status));
  }
  watch.keyEvent.reset(::CreateEventW(nullptr, FALSE, FALSE, nullptr));
  if (!watch.keyEvent) return lastWin32Failure("create an event to watch", t.describe());
  if (const LSTATUS status =
          ::RegNotifyChangeKeyValue(watch.key, t.subtree, kRegistryFilter, watch.keyEvent.get(), TRUE);
      status != ERROR_SUCCESS) {
    return win32Failure("watch", t.describe(), static_cast<std::uint32_t>(status));
  }
  return {};
}

}  // namespace

/// The watcher thread and what it waits on. Other threads only queue requests and wait for their answer; the
/// list of watches is the thread's alone.
class WindowsChangeNotifier::Watcher {
 public:
  Watcher() : stop_(::CreateEventW(nullptr, TRUE, FALSE, nullptr)), wake_(::CreateEventW(nullptr, FALSE, FALSE, nullptr)) {}

  ~Watcher() {
    if (thread_.joinable()) {
      ::SetEvent(stop_.get());
      thread_.join();
    }
  }

  Result<void> add(const std::shared_ptr<Watch>& watch) {
    if (!stop_ || !wake_) return lastWin32Failure("create the events to watch", watch->target.describe());
    if (std::this_thread::get_id() == threadId_) {
      return fail(ErrorCode::kInvalidArgument, "cannot watch " + watch->target.describe() +
                                                   " from inside a change callback");
    }
    std::call_once(started_, [this] {
      thread_ = std::thread([this] { run(); });
      threadId_ = thread_.get_id();
    });
    Request request{Request::kAdd, watch};
    submit(request);
    return request.result;
  }

  void remove(const std::shared_ptr<Watch>& watch) {
    watch->active = false;
    // From inside a callback the thread cannot answer itself: the watch is already silent (inactive) and goes
    // on the next turn of the loop.
    if (std::this_thread::get_id() == threadId_) {
      std::lock_guard lock(mutex_);
      detached_.push_back(watch);
      ::SetEvent(wake_.get());
      return;
    }
    Request request{Request::kRemove, watch};
    submit(request);
  }

 private:
  struct Request {
    enum What { kAdd, kRemove } what;
    std::shared_ptr<Watch> watch;
    Result<void> result = Result<void>();
    bool done = false;
  };

  // Queues `request` for the watcher thread and waits for its answer.
  void submit(Request& request) {
    std::unique_lock lock(mutex_);
    if (stopped_) {
      if (request.what == Request::kAdd) request.result = fail(ErrorCode::kUnavailable, "the watcher stopped");
      return;
    }
    requests_.push_back(&request);
    ::SetEvent(wake_.get());
    answered_.wait(lock, [&] { return request.done; });
  }

  void serveRequests() {
    std::lock_guard lock(mutex_);
    for (Request* request : requests_) {
      if (request->what == Request::kAdd) {
        if (watches_.size() >= kMaxWatches) {
          request->result = fail(ErrorCode::kBusy, "cannot watch " + request->watch->target.describe() + ": already " +
                                                       std::to_string(kMaxWatches) + " watches");
        } else if (auto opened = open(*request->watch); !opened) {
          request->watch->active = false;
          request->result = opened.error();
        } else {
          watches_.push_back(request->watch);
        }
      } else {
        drop(request->watch);
      }
      request->done = true;
    }
    requests_.clear();
    for (const auto& watch : detached_) drop(watch);
    detached_.clear();
    answered_.notify_all();
  }

  void drop(const std::shared_ptr<Watch>& watch) {
    watch->close();
    watches_.erase(std::remove(watches_.begin(), watches_.end(), watch), watches_.end());
  }

  void run() {
    for (;;) {
      std::vector<HANDLE> handles{stop_.get(), wake_.get()};
      for (const auto& watch : watches_) handles.push_back(watch->waitable());
      const DWORD which = ::WaitForMultipleObjects(static_cast<DWORD>(handles.size()), handles.data(), FALSE, INFINITE);
      if (which == WAIT_OBJECT_0) break;
      if (which == WAIT_OBJECT_0 + 1) {
        serveRequests();
        continue;
      }
      if (which < WAIT_OBJECT_0 + 2 || which >= WAIT_OBJECT_0 + handles.size()) {
        // WAIT_FAILED would spin; nothing sensible is left to wait on, so the watches end here.
        std::lock_guard lock(mutex_);
        for (const auto& watch : watches_) watch->active = false;
        break;
      }
      const auto watch = watches_[which - WAIT_OBJECT_0 - 2];
      // Re-arm before telling, so a change made while the callback runs is not lost.
      if (!watch->rearm()) {
        watch->active = false;
        drop(watch);
      } else if (!watch->active) {
        continue;
      }
      if (watch->onChange) watch->onChange();
    }
    // Answer whatever is still queued so no caller waits for ever.
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (Request* request : requests_) {
      if (request->what == Request::kAdd) request->result = fail(ErrorCode::kUnavailable, "the watcher stopped");
      request->done = true;
    }
    requests_.clear();
    for (const auto& watch : watches_) watch->close();
    watches_.clear();
    answered_.notify_all();
  }

  UniqueHandle stop_;
  UniqueHandle wake_;
  std::once_flag started_;
  std::thread thread_;
  std::thread::id threadId_;
  std::mutex mutex_;
  std::condition_variable answered_;
  std::deque<Request*> requests_;
  bool stopped_ = false;
  std::vector<std::shared_ptr<Watch>> detached_;
  std::vector<std::shared_ptr<Watch>> watches_;
};

namespace {

class WindowsSubscription final : public ChangeSubscription {
 public:
  WindowsSubscription(std::function<void(const std::shared_ptr<Watch>&)> remove, std::shared_ptr<Watch> watch)
      : remove_(std::move(remove)), watch_(std::move(watch)) {}
  ~WindowsSubscription() override { remove_(watch_); }
  bool active() const override { return watch_->active; }

 private:
  std::function<void(const std::shared_ptr<Watch>&)> remove_;
  std::shared_ptr<Watch> watch_;
};

}  // namespace

WindowsChangeNotifier::WindowsChangeNotifier() : watcher_(std::make_unique<Watcher>()) {}

WindowsChangeNotifier::~WindowsChangeNotifier() = default;

Result<std::unique_ptr<ChangeSubscription>> WindowsChangeNotifier::watch(const WatchTarget& target,
                                                                         Callback onChange) {
  auto watch = std::make_shared<Watch>();
  watch->target = target;
  watch->onChange = std::move(onChange);
  if (auto added = watcher_->add(watch); !added) return added.error();
  Watcher* watcher = watcher_.get();
  return std::unique_ptr<ChangeSubscription>(std::make_unique<WindowsSubscription>(
      [watcher](const std::shared_ptr<Watch>& w) { watcher->remove(w); }, std::move(watch)));
}

}  // namespace remediator::platform
