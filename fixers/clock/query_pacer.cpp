#include "fixers/clock/query_pacer.h"

#include <algorithm>
#include <thread>

namespace remediator::fixers::clock {

Sleep realSleep() {
  return [](Millis d) { std::this_thread::sleep_for(d); };
}

QueryPacer::QueryPacer(Sleep sleep, Millis spacing) : sleep_(std::move(sleep)), spacing_(spacing) {}

bool QueryPacer::awaitTurn(const ServerAddress& server, const platform::TimeSource& time, SysTime deadline) {
  const SysTime now = time.now();
  const auto it = lastAsked_.find(server.display());
  if (it != lastAsked_.end() && now < it->second + spacing_) {
    // Never more than one spacing: after the clock was stepped back (this fixer's own correction) the last query
    // seems to lie in the future, and waiting for it would stall the run by the whole step.
    const Millis wait = std::min(std::chrono::ceil<Millis>(it->second + spacing_ - now), spacing_);
    if (now + wait >= deadline) return false;
    sleep_(wait);
  }
  return time.now() < deadline;
}

void QueryPacer::asked(const ServerAddress& server, SysTime at) { lastAsked_[server.display()] = at; }

}  // namespace remediator::fixers::clock
