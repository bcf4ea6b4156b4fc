#pragma once

#include <memory>

#include "fixers/connector/downloader.h"
#include "fixers/fixer.h"

namespace remediator::fixers {

/// The event a verified Connector install publishes; the autologon fixer listens to it, because the
/// Connector's installer overwrites the autologon settings.
inline constexpr const char* kConnectorInstalledEvent = "connector.installed";

/// The connector upgrade guard: removes the Windows Server Essentials Connector before an OS upgrade (on
/// `remediator upgrade prepare`, a Windows Setup hook or a staged upgrade), reinstalls it from the server
/// once the OS identity changed, and also when the upgrade never comes, is cancelled, or happened with the
/// Connector still installed. Every step is journaled in <stateDir>/connector/journal.json before it runs, so
/// a crash at any point resumes to a correct end. See fixers/connector/README.md. `downloader` fetches the
/// installer; the default is the HTTP downloader.
std::unique_ptr<Fixer> makeConnectorFixer(
    std::unique_ptr<connector::Downloader> downloader = connector::makeHttpDownloader());

}  // namespace remediator::fixers
