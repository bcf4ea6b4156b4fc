#include "platform/service_manager.h"

namespace remediator::platform {

const char* serviceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kStopped:
      return "stopped";
    case ServiceState::kStartPending:
      return "start_pending";
    case ServiceState::kStopPending:
      return "stop_pending";
    case ServiceState::kRunning:
      return "running";
    case ServiceState::kPaused:
      return "paused";
    case ServiceState::kOther:
      return "other";
  }
  return "other";
}

}  // namespace remediator::platform
