#!/usr/bin/env bash
# RemediatorServiceTest: remediator.exe registers itself with the service control manager (Poco's
# /registerService, completed with the command line `"<exe>" service`), runs as that service when the SCM starts
# it (no console, working directory System32, an environment whose %ProgramData% Wine sets to C:\users\Public)
# with its state folder defaulting to the OS's ProgramData folder + Remediator, stops on request, and unregisters.
# Runs in the build's Wine prefix:  service_lifecycle.sh WINE_RUN PREFIX REMEDIATOR_EXE
set -euo pipefail
run="$1"
prefix="$2"
exe="$3"
name=remediator
data="$prefix/drive_c/ProgramData/Remediator"

win() { "$run" "$prefix" "$@" 2>/dev/null | tr -d '\r'; }
fail() {
  echo "FAIL: $*"
  [ -f "$data/audit.jsonl" ] && { echo "--- audit.jsonl"; cat "$data/audit.jsonl"; }
  [ -f "$data/remediator.log" ] && { echo "--- remediator.log"; tail -n 20 "$data/remediator.log"; }
  exit 1
}
state() { win sc query "$name" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
wait_for() {  # wait_for STATE: up to 60 s
  for _ in $(seq 1 120); do
    [ "$(state)" = "$1" ] && return 0
    sleep 0.5
  done
  return 1
}
cleanup() {
  win sc stop "$name" >/dev/null || true
  win "$exe" service /unregisterService >/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

# Every fixer off: this is about the service wrapper, not the fixers.
rm -rf "$data"
mkdir -p "$data"
printf '[service]\r\nserver = ESSENTIALS\r\n[clock]\r\nmode = off\r\n[stale_logs]\r\nmode = off\r\n[connector]\r\nmode = off\r\n[autologon]\r\nmode = off\r\n' \
  >"$data/policy.ini"

win "$exe" service /registerService /displayName=Remediator >/dev/null
[ "$(state)" = STOPPED ] || fail "after /registerService the service is '$(state)', not STOPPED"
# The program dispatches on its first argument: the recorded command line names the `service` command.
image=$(win reg query 'HKLM\System\CurrentControlSet\Services\remediator' /v ImagePath | sed -n 's/.*REG_SZ *//p')
case "$image" in
  *'remediator.exe" service') ;;
  *) fail "the registered command line is '$image', not '\"...remediator.exe\" service'" ;;
esac

win sc start "$name" >/dev/null || true
wait_for RUNNING || fail "the service did not reach RUNNING (it is '$(state)')"
for _ in $(seq 1 60); do
  grep -q '"service_started"' "$data/audit.jsonl" 2>/dev/null && break
  sleep 0.5
done
grep -q '"service_started"' "$data/audit.jsonl" 2>/dev/null ||
  fail "no service_started record in %ProgramData%\\Remediator\\audit.jsonl"

win sc stop "$name" >/dev/null || true
wait_for STOPPED || fail "the service did not stop (it is '$(state)')"
grep -q '"service_stopped"' "$data/audit.jsonl" || fail "no service_stopped record after the SCM stopped it"

win "$exe" service /unregisterService >/dev/null
[ -z "$(state)" ] || fail "after /unregisterService the SCM still knows the service ('$(state)')"
echo "registered, ran as a service with its state in C:\\ProgramData\\Remediator, stopped, unregistered"
