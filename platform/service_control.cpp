#include "platform/service_control.h"

namespace remediator::platform {

// The Win32 values (winsvc.h), spelled out so the mapping is the same on every platform.
std::optional<ServiceControlRequest> serviceControlRequestFor(std::uint32_t control) {
  constexpr std::uint32_t kStop = 0x1, kShutdown = 0x5, kPreshutdown = 0xF, kTimeChange = 0x10;
  switch (control) {
    case kStop: return ServiceControlRequest{ServiceControlKind::kStop, control};
    case kShutdown: return ServiceControlRequest{ServiceControlKind::kShutdown, control};
    case kPreshutdown: return ServiceControlRequest{ServiceControlKind::kPreshutdown, control};
    case kTimeChange: return ServiceControlRequest{ServiceControlKind::kTimeChange, control};
    default: break;
  }
  if (control >= 128 && control <= 255) return ServiceControlRequest{ServiceControlKind::kUserDefined, control};
  return std::nullopt;
}

}  // namespace remediator::platform
