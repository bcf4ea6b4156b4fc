#!/usr/bin/env bash
# Runs a Windows program under Wine in a private prefix (never the user's ~/.wine):
#   cmake/wine-run.sh PREFIX_DIR program.exe [args...]
# The prefix is created on first use (about 10 s, Windows 10 mode), under a lock so parallel tests share one.
# REMEDIATOR_NEVER_SET_CLOCK=1 is always set: under Wine as root a SetSystemTime call would move this machine's
# clock, so the Windows clock refuses to step whenever a test runs it.
#   cmake/wine-run.sh --start PREFIX_DIR   create the prefix if needed and keep Wine running for a test run
#   cmake/wine-run.sh --stop PREFIX_DIR    end the wineserver (and every Wine process) of the prefix
set -euo pipefail
mode=run
case "${1:-}" in
  --start) mode=start; shift ;;
  --stop) mode=stop; shift ;;
esac
if [ $# -lt 1 ] || { [ "$mode" = run ] && [ $# -lt 2 ]; }; then
  echo "usage: $0 PREFIX_DIR program.exe [args...] | --start PREFIX_DIR | --stop PREFIX_DIR" >&2
  exit 2
fi
prefix="$1"
shift
export WINEPREFIX="$prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export REMEDIATOR_NEVER_SET_CLOCK=1
# No Mono or Gecko download prompts in a fresh prefix: nothing here needs .NET or a browser engine.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
export DISPLAY=

if [ "$mode" = stop ]; then
  [ -d "$prefix" ] || exit 0
elif [ ! -f "$prefix/.remediator-ready" ]; then
  mkdir -p "$(dirname "$prefix")"
  exec 9>"$prefix.lock"
  flock 9
  if [ ! -f "$prefix/.remediator-ready" ]; then
    echo "wine-run: creating the Wine prefix $prefix" >&2
    rm -rf "$prefix"
    wineboot -i >/dev/null 2>&1
    wine winecfg -v win10 >/dev/null 2>&1
    # In the prefix's system environment as well, so that programs Wine starts itself (services started by
    # the SCM) refuse to change the clock too.
    wine reg add 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' \
      /v REMEDIATOR_NEVER_SET_CLOCK /d 1 /f >/dev/null 2>&1
    wineserver -w
    touch "$prefix/.remediator-ready"
  fi
  exec 9>&-
fi
case "$mode" in
  # Persistent for 60 s after the last Wine process, so a run that never reaches --stop does not leave it.
  # Wine shuts its own services down when the last program ends and restarts them (seconds) with the next one.
  # A long-lived program keeps them up between tests: `ping -n N` is the Windows way to wait N seconds, and it
  # ends by itself within the hour if the run never reaches --stop. A wineserver already up serves this run too.
  start)
    wineserver -p60 2>/dev/null || true
    setsid wine ping -n 3600 127.0.0.1 </dev/null >/dev/null 2>&1 &
    # The desktop process (explorer.exe /desktop) is started by the first program that asks for the desktop
    # window, and inherits that program's standard output and error. Were that a test, CTest would wait for the
    # test's output pipe to close until its timeout, since the desktop lives as long as the prefix's wineserver.
    # So ask for it here, with no output to inherit; it is reused by every test.
    wine rundll32.exe user32.dll,GetDesktopWindow </dev/null >/dev/null 2>&1 || true
    exit 0
    ;;
  stop) wineserver -k 2>/dev/null || true; exit 0 ;;
esac
exec wine "$@"
