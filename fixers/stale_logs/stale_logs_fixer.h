#pragma once

#include <memory>

#include "fixers/fixer.h"
#include "fixers/stale_logs/archiver.h"

namespace remediator::fixers {

/// Creates the stale-logs fixer (policy section [stale_logs]). It clears the Connector's logs folder while the
/// Connector is absent or after its version changed, and optionally files past a retention age, archiving them
/// first with `archiver` unless the policy says archive = none. See fixers/stale_logs/README.md.
std::unique_ptr<Fixer> makeStaleLogsFixer(
    std::unique_ptr<stale_logs::Archiver> archiver = stale_logs::makeZipArchiver());

}  // namespace remediator::fixers
