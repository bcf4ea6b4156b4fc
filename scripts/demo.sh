#!/usr/bin/env bash
# The main job, shown natively: the remediator engine healing a client's stale Connector logs and measuring its
# clock against a time server that runs 3 minutes ahead, then the audit log as an administrator reads it.
# (The Windows service under Wine comes with the Windows build; until then this runs the same engine on Linux.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/remediator-ccache}"
export CCACHE_BASEDIR="$repo"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing what is missing and building remediator (ccache makes a second run fast)"
bash scripts/install-deps.sh
cmake --preset native >/dev/null
cmake --build --preset native --target remediator
exe="$repo/build/native/service/remediator"

work="$(mktemp -d /tmp/remediator-demo.XXXXXX)"
chrony_pid=""
cleanup() {
  [ -n "$chrony_pid" ] && kill "$chrony_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say "A time server on 127.0.0.1 that is 3 minutes ahead (chronyd -x: it never touches this machine's clock)"
port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/chrony.conf" <<CONF
port $port
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
pidfile $work/chronyd.pid
CONF
faketime_lib="$(dpkg -L libfaketime 2>/dev/null | grep 'libfaketime.so.1$' | head -1 || true)"
FAKETIME="+3m" LD_PRELOAD="$faketime_lib" chronyd -x -d -f "$work/chrony.conf" >"$work/chronyd.log" 2>&1 &
chrony_pid=$!
sleep 1

say "A client whose Connector is gone but whose old logs stayed behind"
mkdir -p "$work/Logs/ClientDeployment" "$work/outside"
for i in 1 2 3; do echo "old Connector log $i" > "$work/Logs/ClientDeployment/log$i.txt"; done
echo "an administrator's file outside the logs folder" > "$work/outside/keep-me.txt"
ln -s "$work/outside" "$work/Logs/planted-link"
find "$work/Logs" | sed "s|$work|  ...|"

cat > "$work/policy.ini" <<POLICY
; Demo policy: the engine is the product's; the paths are this demo's.
[service]
server = 127.0.0.1

[clock]
mode = audit
servers = 127.0.0.1
port = $port
threshold = 30s

[stale_logs]
mode = enforce
folder = $work/Logs
archive = zip
archive_dir = $work/archive
POLICY

say "remediator policy validate"
"$exe" policy validate "$work/policy.ini"

say "remediator run --once --dry-run  (audit only: says what it would do, changes nothing)"
"$exe" run --once --dry-run --policy "$work/policy.ini" --state-dir "$work/state" || true

say "remediator run --once  (enforce: archive and clear the stale logs; the clock fixer is in audit mode)"
"$exe" run --once --policy "$work/policy.ini" --state-dir "$work/state" || true
echo "logs folder now:"; find "$work/Logs" | sed "s|$work|  ...|"
echo "archive:"; ls "$work/archive" | sed 's/^/  /'
echo "the planted link's target survived: $(cat "$work/outside/keep-me.txt")"

say "remediator audit show"
"$exe" audit show --state-dir "$work/state"

say "remediator audit verify"
"$exe" audit verify --state-dir "$work/state"
