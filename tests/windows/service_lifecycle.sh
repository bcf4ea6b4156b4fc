#!/usr/bin/env bash
# RemediatorServiceTest: remediator.exe registers itself with the service control manager (Poco's
# /registerService, completed with the command line `"<exe>" service`), runs as that service when the SCM starts
# it (no console, working directory System32, an environment whose %ProgramData% Wine sets to C:\users\Public)
# with its state folder defaulting to the OS's ProgramData folder + Remediator, stops on request, and unregisters.
# While it runs: user-defined control codes (128 upgrade prepare; 131 is not defined) reach the program's own
# control handler, and the Event Log source is registered with remediator.exe's message table. Wine's sc has no
# `control` command, so test_helper sends the codes with ControlService as `sc control` does; Wine refuses to
# send SERVICE_CONTROL_TIMECHANGE (only the system sends it), so that path is tested natively
# (ServiceControlsTest); Wine's Event Log stores nothing, so only the registration and the message table show.
# Runs in the build's Wine prefix:  service_lifecycle.sh WINE_RUN PREFIX REMEDIATOR_EXE TEST_HELPER
set -euo pipefail
run="$1"
prefix="$2"
exe="$3"
helper="$4"
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

# Every fixer off: this is about the service wrapper, not the fixers. A registration an interrupted run left
# behind goes first.
cleanup
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

# The Event Log source names remediator.exe, whose message table gives each event id its text.
source_key='HKLM\System\CurrentControlSet\Services\EventLog\Application\Remediator'
win reg query "$source_key" /v EventMessageFile | grep -qi 'remediator.exe' ||
  fail "no EventMessageFile naming remediator.exe under $source_key"
win reg query "$source_key" /v TypesSupported | grep -qi '0x7' || fail "TypesSupported under $source_key is not 7"
exe_win="Z:${exe//\//\\}"
text=$(win "$helper" message "$exe_win" 1000 'service service_started (-, ok): hello')
case "$text" in
  *'The Remediator service started.'*'hello'*) ;;
  *) fail "message 1000 of remediator.exe reads '$text'" ;;
esac

# Control code 128 (upgrade prepare, as Windows Setup's hook sends it): the connector guard's request is written
# and the service records the control. 131 is no code of ours: the handler refuses it (ERROR_CALL_NOT_IMPLEMENTED,
# which Windows passes on to the sender and Wine does not) and nothing is recorded.
[ "$(win "$helper" control "$name" 128)" = 0 ] || fail "control 128 was not accepted"
for _ in $(seq 1 40); do
  grep -q '"control_received"' "$data/audit.jsonl" 2>/dev/null && break
  sleep 0.5
done
grep '"control_received"' "$data/audit.jsonl" | grep -q 'upgrade prepare' ||
  fail "no control_received record for code 128"
grep -q '"prepare"' "$data/connector/request.json" 2>/dev/null ||
  fail "control 128 left no prepare request in connector\\request.json"
case "$(win "$helper" control "$name" 131)" in
  0 | 120) ;;
  *) fail "control 131 failed otherwise than with ERROR_CALL_NOT_IMPLEMENTED" ;;
esac
sleep 3
! grep -q 'Service control 131' "$data/audit.jsonl" || fail "control 131 was acted on"
[ "$(state)" = RUNNING ] || fail "the service is '$(state)' after the control codes"

win sc stop "$name" >/dev/null || true
wait_for STOPPED || fail "the service did not stop (it is '$(state)')"
grep -q '"service_stopped"' "$data/audit.jsonl" || fail "no service_stopped record after the SCM stopped it"

win "$exe" service /unregisterService >/dev/null
[ -z "$(state)" ] || fail "after /unregisterService the SCM still knows the service ('$(state)')"
! win reg query "$source_key" >/dev/null || fail "after /unregisterService the Event Log source is still registered"
echo "registered, ran as a service with its state in C:\\ProgramData\\Remediator, took control 128, refused 131,"
echo "its Event Log source and message table in place; stopped, unregistered, source removed"
