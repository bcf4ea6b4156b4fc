#pragma once

#include "fixers/fixer.h"

namespace remediator::fixers {

/// Registers the four fixers the product ships, in the order they run within a pass: clock first (Kerberos
/// needs it), then stale logs and the connector guard, then autologon (which the connector's events trigger).
void registerBuiltinFixers(FixerRegistry& registry);

}  // namespace remediator::fixers
