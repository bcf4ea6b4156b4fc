#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs, builds the native, the sanitizer
# and the Windows (mingw, tested under Wine) builds (ccache keeps rebuilds fast), runs every test, and says
# where the time went.
set -euo pipefail
cd "$(dirname "$0")/.."

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/remediator-ccache}"
export CCACHE_BASEDIR="$PWD"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"

declare -a timings=()
step() {
  local name="$1"; shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  timings+=("$(printf '%-32s %5ds' "$name" $((SECONDS - start)))")
}

step "install packages" bash scripts/install-deps.sh
step "configure native" cmake --preset native
step "build native" cmake --build --preset native
step "test native" ctest --preset native
step "configure native-asan" cmake --preset native-asan
step "build native-asan" cmake --build --preset native-asan
step "test native-asan" ctest --preset native-asan
# The Windows build: Poco and Boost for mingw come from a cache outside the clone (built once, ~7 min), then
# remediator.exe and every suite as .exe, run under Wine in a prefix under build/windows.
step "mingw dependencies (cached)" bash scripts/build-mingw-deps.sh
step "configure windows" cmake --preset windows
step "build windows" cmake --build --preset windows
step "test windows (Wine)" ctest --preset windows

echo
echo "where the time went:"
printf '  %s\n' "${timings[@]}"
ccache --show-stats 2>/dev/null | grep -E "Hits|Misses|hit rate" | sed 's/^/  ccache: /' || true
