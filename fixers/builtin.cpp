#include "fixers/builtin.h"

#include "fixers/autologon/autologon_fixer.h"
#include "fixers/clock/clock_fixer.h"
#include "fixers/connector/connector_fixer.h"
#include "fixers/stale_logs/stale_logs_fixer.h"

namespace remediator::fixers {

void registerBuiltinFixers(FixerRegistry& registry) {
  registry.add(clock::makeClockFixer());
  registry.add(makeStaleLogsFixer());
  registry.add(makeConnectorFixer());
  registry.add(makeAutologonFixer());
}

}  // namespace remediator::fixers
