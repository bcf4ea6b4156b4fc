#!/usr/bin/env bash
# Installs the Debian packages the native and Windows builds, their tests and benchmarks need. Safe to run
# again: it only installs what is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libboost-dev libboost-log-dev libboost-thread-dev libboost-filesystem-dev libboost-system-dev
  libboost-date-time-dev
  libpoco-dev googletest libgtest-dev libbenchmark-dev
  # SHA-256 of the audit chain natively (libcrypto); libpoco-dev brings it too.
  libssl-dev
  # Ed25519 policy signatures; its version also names the source package built for mingw.
  libsodium-dev
  chrony faketime
  # The end-to-end scenario: its loopback web server and JSON checks (python3), process lookups (procps).
  python3 procps
  # The fleet report's page rendered headless, its table checked from the DOM (tests/service/fleet_page_test.sh).
  chromium
  # The Windows build: mingw-w64, Wine to run its tests, MSI tools, and what building Debian's Poco and Boost
  # and libsodium source packages for mingw needs (dpkg-source, Boost's b2, autotools for libsodium).
  g++-mingw-w64-x86-64-posix wine wine64 msitools wixl dpkg-dev libboost1.74-tools-dev autoconf automake libtool
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's chrony package may start a system chronyd where an init system runs; the tests run their own on
# loopback with -x and never need or touch the system one.
