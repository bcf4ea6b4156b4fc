#!/usr/bin/env bash
# The main job: Remediator installed on a Windows PC (a throwaway Wine prefix) and healing it, step by step,
# told in plain words (tests/e2e/scenario.sh --narrate): the MSI with its signed policy from the server's web site
# (a key pair made first, its public key given as POLICY_KEYS; a tampered and a replayed policy refused),
# stale Connector logs cleared, autologon restored after the Connector overwrote it, the Connector removed before
# an OS upgrade and reinstalled after it (across a killed service), the clock's skew recorded, an upgrade of
# Remediator itself and its uninstall, then the audit log as a table and its verification.
# It builds what is missing first. Everything it starts (Wine, a web server, a time server) it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/remediator-ccache}"
export CCACHE_BASEDIR="$repo"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing the Debian packages that are missing (Wine, mingw-w64, wixl, chrony, ...)"
bash scripts/install-deps.sh

say "Poco, Boost and libsodium for Windows (mingw): built once into ~/.cache/remediator-mingw, about 8 minutes the first time"
bash scripts/build-mingw-deps.sh >/dev/null

say "Building remediator.exe and its MSI (ccache makes a second run fast)"
cmake --preset windows >/dev/null
cmake --build --preset windows --target remediator_msi windows_test_helper

say "The demo: a fresh Windows 10 PC under Wine, healed by the Remediator service (4 to 5 minutes)"
bash tests/e2e/scenario.sh "$repo/build/windows" --narrate
