#!/usr/bin/env bash
# The fleet report page in headless Chromium (Debian's chromium): the table's rows and states, the script's
# sorting and filtering (preset through the URL's fragment), and that a PC named with markup injects nothing,
# all checked from the DOM dump; a screenshot is kept beside it. Skips (77) only when chromium is not installed.
set -euo pipefail
remediator=$1
fixture=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's chromium)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/reports"
"$fixture" "$work/reports"
set +e
"$remediator" fleet report "$work/reports" --out "$work/report.html" > "$work/summary.txt"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "FAIL: exit $rc, expected 1 (PCs need an administrator)"; cat "$work/summary.txt"; exit 1; }

render() {  # render FRAGMENT OUT: the DOM after the page's script ran
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
    --virtual-time-budget=5000 --dump-dom "file://$work/report.html$1" > "$2" 2> "$work/browser.log" || {
    echo "FAIL: chromium could not render the page"; tail -20 "$work/browser.log"; exit 1; }
}
fail() { echo "FAIL: $*"; exit 1; }
count() { grep -o "$1" "$2" | wc -l; }

render "" "$work/dom.html"
grep -q 'data-ready="1"' "$work/dom.html" || fail "the page's script did not run"
[ "$(count '<tr data-pc=' "$work/dom.html")" -eq 7 ] || fail "expected 7 PC rows"
grep -q 'data-shown="7"' "$work/dom.html" || fail "all 7 rows shown without a filter"
for pc in HEALTHY HEALED DRIFT FAILED STALE DOCTOR; do grep -q "data-pc=\"$pc\"" "$work/dom.html" || fail "no row for $pc"; done
grep -q '<td class="fixer s-healed" data-fixer="autologon"' "$work/dom.html" || fail "HEALED's autologon not shown healed"
grep -q '<td class="fixer s-breaker_open" data-fixer="clock"' "$work/dom.html" || fail "no breaker shown open"
grep -q 's-stale' "$work/dom.html" || fail "no PC marked stale"
[ "$(count '<td class="state s-needs_admin">' "$work/dom.html")" -eq 5 ] || fail "expected 5 PCs needing an administrator"
# The markup-named PC: one script element (the page's own), no img, the title untouched.
[ "$(count '<script' "$work/dom.html")" -eq 1 ] || fail "a PC's name or message became a script element"
! grep -q '<img' "$work/dom.html" || fail "a PC's message became an img element"
grep -q '<title>Remediator fleet report</title>' "$work/dom.html" || fail "the page's title was changed"
grep -q '&lt;script&gt;document.title' "$work/dom.html" || fail "the markup-named PC is not shown as text"

render "#admin=1" "$work/admin.html"
grep -q 'data-shown="5"' "$work/admin.html" || fail "the 'needs an administrator' filter does not leave 5 rows"
[ "$(count '<tr data-pc="[^"]*" data-admin="1">' "$work/admin.html")" -eq 5 ] || fail "admin rows missing"
grep -q '<tr data-pc="HEALTHY" data-admin="0" hidden="">' "$work/admin.html" || fail "HEALTHY not hidden by the filter"

render "#filter=doctor" "$work/filter.html"
grep -q 'data-shown="1"' "$work/filter.html" || fail "filtering on 'doctor' does not leave the one PC with a doctor problem"

render "#sort=pc:desc" "$work/sorted.html"
grep -q 'data-sorted="pc:desc"' "$work/sorted.html" || fail "sorting did not run"
order=$(grep -o '<tr data-pc="[^"]*"' "$work/sorted.html" | sed 's/.*data-pc="//; s/"$//' | tr '\n' ' ')
case "$order" in
  "STALE HEALTHY HEALED FAILED DRIFT DOCTOR "*) ;;
  *) fail "rows not sorted by PC descending: $order" ;;
esac

timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
  --window-size=1400,900 --screenshot="$work/report.png" "file://$work/report.html" 2>> "$work/browser.log" ||
  fail "no screenshot"
[ -s "$work/report.png" ] || fail "empty screenshot"
keep=${REMEDIATOR_FLEET_SCREENSHOT:-}
[ -z "$keep" ] || cp "$work/report.png" "$keep"
echo "fleet page: 7 rows, states, filter, sort and escaping checked in $("$browser" --version 2>/dev/null | head -1)"
