#include "service/loop_guard.h"

#include <exception>

namespace remediator::service {

bool LoopGuard::run(const std::string& step, const std::function<void()>& body) noexcept {
  try {
    body();
    failing_.erase(step);
    return true;
  } catch (const std::exception& e) {
    failed(step, e.what());
  } catch (...) {
    failed(step, "an exception that is not a std::exception");
  }
  return false;
}

int LoopGuard::failuresInARow(const std::string& step) const {
  const auto it = failing_.find(step);
  return it == failing_.end() ? 0 : it->second.count;
}

void LoopGuard::failed(const std::string& step, const std::string& what) noexcept {
  try {
    auto& f = failing_[step];
    const bool news = f.count == 0 || f.what != what;
    f.what = what;
    ++f.count;
    if (news && report_) report_(step, what);
  } catch (...) {
    // Reporting itself failed (out of memory, the audit log unwritable): the loop still goes on.
  }
}

}  // namespace remediator::service
