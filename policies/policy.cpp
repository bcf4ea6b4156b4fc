#include "policies/policy.h"

namespace remediator::policies {

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::kOff: return "off";
    case Mode::kAudit: return "audit";
    case Mode::kEnforce: return "enforce";
  }
  return "off";
}

std::optional<FixerSettings> Policy::fixer(const std::string& section) const {
  if (section == "clock") return clock.common;
  if (section == "stale_logs") return staleLogs.common;
  if (section == "connector") return connector.common;
  if (section == "autologon") return autologon.common;
  return std::nullopt;
}

}  // namespace remediator::policies
