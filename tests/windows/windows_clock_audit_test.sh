#!/usr/bin/env bash
# The Windows clock fixer (remediator.exe under Wine) measuring a real NTP server, in audit mode only.
#   windows_clock_audit_test.sh WINE_RUN PREFIX REMEDIATOR_EXE
# chronyd (Debian package chrony) runs on 127.0.0.1 on a free UDP port with -x (it never touches this machine's
# clock), its own config and pid file in a temp folder, under libfaketime (package faketime) so that it serves a
# clock seven minutes ahead; the same set-up as the native ChronyTest (tests/fixers/clock/chrony_server.cpp,
# whose launcher is C++ inside the native test program and cannot run here). remediator.exe then runs
# `run --once --only clock` in the prefix with a policy whose [clock] is in audit mode.
#
# Under Wine running as root SetSystemTime would move this machine's clock. It cannot be reached here: the mode
# is audit (the engine never applies), and REMEDIATOR_NEVER_SET_CLOCK=1 (set again below, and by wine-run.sh)
# makes the Windows clock refuse any step. The test also checks that the Linux clock did not move.
# Exit 77 (a skip for CTest) when chronyd or libfaketime is missing.
set -euo pipefail
wine_run="$1"
prefix="$2"
exe="$3"
export REMEDIATOR_NEVER_SET_CLOCK=1

ahead_ms=420000   # +7m
tolerance_ms=50

chronyd=""
for c in /usr/sbin/chronyd /sbin/chronyd /usr/local/sbin/chronyd; do [ -x "$c" ] && chronyd="$c" && break; done
faketime_lib=""
for c in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
         /usr/local/lib/faketime/libfaketime.so.1; do
  [ -r "$c" ] && faketime_lib="$c" && break
done
if [ -z "$chronyd" ] || [ -z "$faketime_lib" ]; then
  echo "SKIPPED: needs chronyd (package chrony) and libfaketime (package faketime)"
  exit 77
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/remediator-wine-clock.XXXXXX")"
chrony_pid=""
cleanup() {
  if [ -n "$chrony_pid" ] && kill -0 "$chrony_pid" 2>/dev/null; then
    kill "$chrony_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$chrony_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$chrony_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  [ -f "$work/chronyd.log" ] && { echo "--- chronyd log"; cat "$work/chronyd.log"; }
  [ -f "$work/run.out" ] && { echo "--- remediator output"; cat "$work/run.out"; }
  [ -f "$work/state/audit.jsonl" ] && { echo "--- audit log"; cat "$work/state/audit.jsonl"; }
  exit 1
}

# The Linux clock against the boot-time clock: a step of the real-time clock changes the difference.
clock_minus_uptime() { awk -v now="$(date +%s.%N)" '{ printf "%.3f\n", now - $1 }' /proc/uptime; }

port_in_use() { ss -Hlun "sport = :$1" | grep -q .; }

# Starts chronyd on a free port; sets chrony_pid and port (empty when it did not come up).
start_chronyd() {
  port=""
  local candidate
  for _ in $(seq 1 20); do
    candidate=$(( 20000 + RANDOM % 40000 ))
    port_in_use "$candidate" || break
  done
  cat > "$work/chrony.conf" <<EOF
port $candidate
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
bindcmdaddress /
pidfile $work/chronyd.pid
EOF
  local user_args=(-u "$(id -un)")
  [ "$(id -u)" -ne 0 ] && user_args+=(-U)
  env FAKETIME=+7m LD_PRELOAD="$faketime_lib" "$chronyd" -x -d -f "$work/chrony.conf" "${user_args[@]}" \
    > "$work/chronyd.log" 2>&1 &
  chrony_pid=$!
  for _ in $(seq 1 100); do
    port_in_use "$candidate" && { port="$candidate"; return 0; }
    kill -0 "$chrony_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

port=""
for attempt in 1 2 3; do  # a port found free may be taken before chronyd binds it
  if start_chronyd; then break; fi
  kill "$chrony_pid" 2>/dev/null || true
  wait "$chrony_pid" 2>/dev/null || true
done
[ -n "$port" ] || fail "chronyd did not start"
echo "chronyd (7 minutes ahead) on 127.0.0.1:$port"

winpath() { echo "Z:${1//\//\\}"; }
cat > "$work/policy.ini" <<EOF
[service]
server = 127.0.0.1
[clock]
mode = audit
servers = 127.0.0.1:$port
samples = 4
query_timeout = 2s
threshold = 30s
EOF

# Programs the prefix starts itself (services) must refuse to step the clock too: wine-run.sh put the variable in
# the prefix's system environment when it created the prefix.
"$wine_run" "$prefix" reg query 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' \
  /v REMEDIATOR_NEVER_SET_CLOCK 2>/dev/null | grep -q 'REMEDIATOR_NEVER_SET_CLOCK.*REG_SZ.*1' ||
  fail "REMEDIATOR_NEVER_SET_CLOCK is not in the prefix's system environment"

before="$(clock_minus_uptime)"
# chronyd may need a moment before it answers as a server: a run that got no sample is repeated.
for attempt in 1 2 3; do
  rm -rf "$work/state"
  set +e
  "$wine_run" "$prefix" "$exe" run --once --only clock --policy "$(winpath "$work/policy.ini")" \
    --state-dir "$(winpath "$work/state")" > "$work/run.out" 2>&1
  rc=$?
  set -e
  grep -q '"fixer":"clock","event":"detected"' "$work/state/audit.jsonl" 2>/dev/null && break
  sleep 1
done
after="$(clock_minus_uptime)"
cat "$work/run.out"

audit="$work/state/audit.jsonl"
[ -f "$audit" ] || fail "no audit log"
[ "$rc" -eq 1 ] || fail "exit code $rc, expected 1 (drift remains in audit mode)"
clock_records="$(grep '"fixer":"clock"' "$audit")"
events="$(sed -n 's/.*"fixer":"clock","event":"\([a-z_]*\)".*/\1/p' <<<"$clock_records" | tr '\n' ' ')"
[ "$events" = "detected planned skipped " ] || fail "clock audit events: '$events', expected detected planned skipped"
grep -q '"mode":"audit"' <<<"$clock_records" || fail "not in audit mode"
if grep -qv '"mode":"audit"' <<<"$clock_records"; then fail "a clock record is not in audit mode"; fi

detected="$(grep '"event":"detected"' <<<"$clock_records")"
grep -q '"outcome":"drift"' <<<"$detected" || fail "the 7 minute offset was not reported as drift"
offset="$(sed -n 's/.*"observed":{[^}]*"offset_ms":"\([-+0-9.]*\)".*/\1/p' <<<"$detected")"
server="$(sed -n 's/.*"observed":{[^}]*"server":"\([^"]*\)".*/\1/p' <<<"$detected")"
[ -n "$offset" ] || fail "no offset_ms in the detected record"
[ "$server" = "127.0.0.1:$port" ] || fail "measured against '$server', expected 127.0.0.1:$port"
awk -v o="$offset" -v e="$ahead_ms" -v t="$tolerance_ms" 'BEGIN { d = o - e; if (d < 0) d = -d; exit !(d <= t) }' ||
  fail "offset $offset ms is not within $tolerance_ms ms of $ahead_ms ms"
echo "measured offset: $offset ms (expected $ahead_ms +/- $tolerance_ms)"

planned="$(grep '"event":"planned"' <<<"$clock_records")"
grep -q '"action1":"correct_clock"' <<<"$planned" || fail "the plan is not one correct_clock action"
grep -q '"actions":"1"' <<<"$planned" || fail "the plan has more than one action"
grep -q '"message":"Audit mode: nothing was changed."' <<<"$(grep '"event":"skipped"' <<<"$clock_records")" ||
  fail "the skipped record does not say audit mode changed nothing"
if grep -qE '"event":"(intent|applied|verified)"' <<<"$clock_records"; then fail "audit mode applied something"; fi
if grep -q 'clock.corrected' "$audit"; then fail "a clock correction was published"; fi

moved="$(awk -v a="$before" -v b="$after" 'BEGIN { d = b - a; if (d < 0) d = -d; printf "%.3f", d }')"
awk -v d="$moved" 'BEGIN { exit !(d < 1.0) }' || fail "the Linux clock moved by $moved s during the run"
echo "the Linux clock did not move (real-time minus uptime changed by $moved s)"
echo "PASS"
