#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report.html in a real browser: Debian's chromium, headless, loads the page
# from a file with the network off, and the DOM it builds must hold the
# scenarios, the verdict table, the SVG timeline (reboot gap, UPDATING
# curve, failed window) and the hostile device bytes only as escaped text;
# the page must not try to load anything, and a screenshot must be a PNG
# with something on it.
#
# Pages rendered: the one the unit test writes (test_report_html with
# DFOTA_HTML_OUT) and, when the dfota command has "run", the report of a
# run over a transcript with hostile bytes.
# usage: html-chromium.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
build=$(dirname "$dfota")

# No silent skip: without a browser this test fails and says what to do.
browser=""
for b in chromium chromium-browser; do
  if command -v "$b" > /dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
  bad "chromium is not installed: install it with 'apt-get install -y chromium' (scripts/install-deps.sh does)"
  finish; exit
fi

# One headless run of the browser; its own profile, no network of its own.
chrome() { # OUT ERR ARGS...
  local out=$1 err=$2; shift 2
  local profile
  profile=$(mktemp -d "$tmp/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-extensions --disable-default-apps --no-default-browser-check \
    --enable-logging=stderr --v=0 --user-data-dir="$profile" "$@" > "$out" 2> "$err"
}

has()   { if grep -qF -- "$2" "$3"; then ok "$1"; else bad "$1: no '$2' in the DOM"; fi; }
lacks() { if grep -qF -- "$2" "$3"; then bad "$1: '$2' in the DOM"; else ok "$1"; fi; }
lacks_re() { if grep -qE -- "$2" "$3"; then bad "$1: /$2/ in the DOM:"; grep -oE -- "$2" "$3" | head -3; else ok "$1"; fi; }

png_u32() { # FILE OFFSET: a big-endian 32-bit integer
  od -An -tu1 -j "$2" -N 4 "$1" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}'
}

# check_page NAME HTML [SCENARIO_NAME...]: everything a reader sees.
check_page() {
  local name=$1 html=$2; shift 2
  local dom="$tmp/$name.dom" err="$tmp/$name.err" png="$tmp/$name.png"
  if ! chrome "$dom" "$err" --dump-dom "file://$html"; then
    bad "$name: chromium --dump-dom failed:"; tail -5 "$err"; return
  fi
  if [ -s "$dom" ]; then ok "$name: chromium built a DOM"; else bad "$name: empty DOM"; return; fi
  for scn in "$@"; do
    has "$name: scenario $scn has its section" "id=\"scn-$scn\"" "$dom"
  done
  has "$name: verdict table" '<table class="verdicts"' "$dom"
  has "$name: a FAIL cell in it" '<td class="cell v-fail" title="' "$dom"
  has "$name: inline SVG timeline" '<svg viewBox=' "$dom"
  has "$name: reboot gap shaded" '<rect class="reboot"' "$dom"
  has "$name: UPDATING curve" '<polyline class="progress" points="' "$dom"
  has "$name: failed window" '<rect class="window-failed"' "$dom"
  has "$name: failing line highlighted" 'class="fail-line"' "$dom"
  has "$name: hostile payload shown escaped" '\x01\x1b&lt;script&gt;alert(1)&lt;/script&gt;\xff' "$dom"
  lacks "$name: no raw <script>alert" '<script>alert' "$dom"
  lacks "$name: no script element" '<script' "$dom"
  lacks_re "$name: no external resource" '(src|href|action|srcset|poster|data)="(https?:)?//' "$dom"
  lacks_re "$name: every link stays in the page" 'href="[^#"]' "$dom"
  if grep -qiE 'Refused to|Content[- ]Security[- ]Policy' "$err"; then
    bad "$name: the page tried something its policy forbids:"; grep -iE 'Refused to|Content[- ]Security' "$err" | head -3
  else
    ok "$name: nothing refused by the page's policy"
  fi

  rm -f "$png"
  if ! chrome "$tmp/$name.shot.out" "$tmp/$name.shot.err" --screenshot="$png" \
      --window-size=1280,2000 --hide-scrollbars "file://$html"; then
    bad "$name: chromium --screenshot failed:"; tail -5 "$tmp/$name.shot.err"; return
  fi
  local magic
  magic=$(od -An -tx1 -N 8 "$png" 2> /dev/null | tr -d ' \n')
  if [ "$magic" = "89504e470d0a1a0a" ]; then ok "$name: screenshot is a PNG"; else bad "$name: screenshot is not a PNG ($magic)"; return; fi
  local w h size
  w=$(png_u32 "$png" 16); h=$(png_u32 "$png" 20); size=$(stat -c %s "$png")
  if [ "$w" -eq 1280 ] && [ "$h" -eq 2000 ]; then ok "$name: screenshot is 1280x2000"; else bad "$name: screenshot is ${w}x${h}"; fi
  # A blank 1280x2000 page compresses to a few kB; a rendered report does not.
  if [ "$size" -gt 30000 ]; then ok "$name: screenshot has content ($size bytes)"; else bad "$name: screenshot looks blank ($size bytes)"; fi
  if [ -n "${DFOTA_HTML_SHOTS:-}" ]; then mkdir -p "$DFOTA_HTML_SHOTS" && cp "$png" "$DFOTA_HTML_SHOTS/$name.png"; fi
}

# measure_page NAME HTML FAILING: the page laid out at 900 and 1280 px
# wide, in a copy with the measuring script (lib/html-measure.js) appended
# and the policy line that forbids it removed: no horizontal scrolling,
# the failures summary first (before the verdict table) with FAILING rows
# whose links all land, and no two timeline labels overlapping.
measure_page() {
  local name=$1 html=$2 failing=$3 width m
  sed '/Content-Security-Policy/d' "$html" > "$tmp/$name.measure.html"
  { echo '<script>'; cat "$(dirname "$0")/lib/html-measure.js"; echo '</script>'; } >> "$tmp/$name.measure.html"
  for width in 900 1280; do
    m="$tmp/$name.$width.measure"
    if ! chrome "$tmp/$name.$width.dom" "$tmp/$name.$width.err" --window-size="$width,1600" \
        --dump-dom "file://$tmp/$name.measure.html"; then
      bad "$name at $width px: chromium --dump-dom failed:"; tail -5 "$tmp/$name.$width.err"; continue
    fi
    sed -n '/<pre id="dfota-measure">/,/<\/pre>/p' "$tmp/$name.$width.dom" \
      | sed 's/.*<pre id="dfota-measure">//; s/<\/pre>.*//' > "$m"
    val() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$m"; }
    if [ "$(val viewport)" != "$width" ]; then
      bad "$name at $width px: the window is $(val viewport) px wide, not $width"; cat "$m"; continue
    fi
    local over
    over=$(val overflow)
    if [ -n "$over" ] && [ "$over" -le 0 ]; then
      ok "$name at $width px: no horizontal scrolling (scrollWidth - innerWidth = $over)"
    else
      bad "$name at $width px: the page is ${over:-?} px wider than the window; too wide: $(val widest)"
    fi
    if [ "$(val first-section)" = failures ] && [ "$(val after-header)" = "section#failures" ] \
        && [ "$(val failures-above-table)" = 1 ]; then
      ok "$name at $width px: the failures summary is the first section, above the verdict table"
    else
      bad "$name at $width px: the failures summary is not first: first section '$(val first-section)', after the header '$(val after-header)', above the table '$(val failures-above-table)'"
    fi
    if [ "$(val failure-rows)" = "$failing" ]; then ok "$name at $width px: $failing failing scenario(s) in the summary"
    else bad "$name at $width px: $(val failure-rows) rows in the failures summary, want $failing"; fi
    if [ "$(val failure-links-dangling)" = 0 ]; then ok "$name at $width px: every link of the summary lands"
    else bad "$name at $width px: $(val failure-links-dangling) links of the summary land nowhere"; fi
    local labels overlaps
    labels=$(val timeline-labels); overlaps=$(val label-overlaps)
    if [ "${labels:-0}" -gt 0 ] && [ "${overlaps%% *}" = 0 ]; then
      ok "$name at $width px: $labels timeline labels, no two overlapping"
    else
      bad "$name at $width px: timeline labels ${labels:-?}, overlapping pairs: ${overlaps:-?}"
    fi
  done
}

# --- the unit test's page: every kind of result, hostile bytes included
unit_test="$build/harness/tests/test_report_html"
if [ -x "$unit_test" ]; then
  mkdir -p "$tmp/unit"
  DFOTA_HTML_OUT="$tmp/unit/report.html" "$unit_test" > "$tmp/unit.log" 2>&1
  urc=$?
  # The unit test's own verdict is its own ctest entry; the browser judges
  # the page whatever that verdict is.
  [ "$urc" -eq 0 ] || echo "note: $unit_test exited $urc (unit.test_report_html reports it)"
  if [ -s "$tmp/unit/report.html" ]; then
    ok "unit test wrote its page"
    check_page unit "$tmp/unit/report.html" ftp-upgrade ftp-upgrade-raw-capture
    measure_page unit "$tmp/unit/report.html" "$(grep -c 'class="badge v-\(fail\|incomplete\|error\)"' "$tmp/unit/report.html")"
  else
    bad "unit test did not write its page:"; tail -20 "$tmp/unit.log"
  fi
else
  bad "no unit test binary at $unit_test: build the project first"
fi

# --- a real run's page: dfota run over a transcript with hostile bytes
if ! "$dfota" run --help > /dev/null 2>&1; then
  echo "note: '$dfota run' is not available yet: only the unit test's page was rendered"
  finish; exit
fi
cat > "$tmp/html-hostile-ftp-upgrade.yaml" << 'EOF'
# The FTP upgrade with a late OK (a failed 3 s window), a reboot, and a
# line of hostile bytes from the module.
name: html-hostile-ftp-upgrade
section: "3.1"
requirement: 'It should be started with "FTP://" & <b>bold</b> is text here'
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="ftp://test:test@127.0.0.1:2121/update.zip"'
  - expect: OK
    within: 3s
  - expect_urc: FTPEND
    code: 0
    within: 300s
  - reboot: {within: 300s}
  - expect_urc: START
    within: 300s
  - expect_progress: {from: 1, to: 100, max_gap: 120s}
  - expect_urc: END
    code: 0
    within: 300s
EOF
{
  printf '# dfota-transcript 1\n# module: EG95EFAR02A07M4G\n'
  printf '%s\n' '0.000000 > AT+QFOTADL="ftp://test:test@127.0.0.1:2121/update.zip"' \
    '4.200000 < OK' \
    '4.500000 < +QIND: "FOTA","FTPSTART"' \
    '30.000000 < +QIND: "FOTA",\x01\x1b<script>alert(1)</script>\xff"&' \
    '48.200000 < +QIND: "FOTA","FTPEND",0' \
    '48.900000 ! port-lost' \
    '71.300000 ! port-back' \
    '71.900000 < +QIND: "FOTA","START"'
  for p in $(seq 1 100); do
    printf '%d.%06d < +QIND: "FOTA","UPDATING",%d\n' $((73 + p / 2)) $(((p % 2) * 500000)) "$p"
  done
  printf '130.000000 < +QIND: "FOTA","END",0\n'
} > "$tmp/hostile.transcript"
"$dfota" run --source "transcript:$tmp/hostile.transcript" --report "$tmp/run" \
  "$tmp/html-hostile-ftp-upgrade.yaml" > "$tmp/run.out" 2> "$tmp/run.err"
rc=$?
page=$(find "$tmp/run" -name report.html 2> /dev/null | head -1)
if [ -n "$page" ] && [ -s "$page" ]; then
  ok "dfota run wrote report.html (exit $rc)"
  check_page run "$page" html-hostile-ftp-upgrade
  measure_page run "$page" 1
  # The summary's row names the failed window's rule, its line and why.
  has "run: the summary names the failed rule" '<td class="rule-id">TIME-FINAL-RESULT</td>' "$page"
  # (the line of the late OK in the run's own transcript, after its header)
  okline=$(grep -n ' < OK$' "$(dirname "$page")"/transcripts/*.transcript | head -1 | cut -d: -f1)
  has "run: the summary links the late OK's line (${okline:-none})" \
    "<a href=\"#scn-html-hostile-ftp-upgrade-L${okline:-none}\">line ${okline:-none}</a>" "$page"
  # The listing comes from what the run kept of each event (it never reads
  # the transcript back): every line, secrets hidden as in the transcript.
  rows=$(grep -c '<td class="ln">' "$page")
  if [ "$rows" -eq 109 ]; then ok "run: all 109 events listed"; else bad "run: $rows events listed, not 109"; fi
  has "run: the password hidden in the listing" '<td class="p">AT+QFOTADL=&quot;ftp://test:***@127.0.0.1' "$page"
  lacks "run: the password nowhere" 'test:test@' "$page"
else
  bad "dfota run wrote no report.html (exit $rc):"; cat "$tmp/run.out" "$tmp/run.err"
fi

# --- the library against the emulator: every column of a real run
"$dfota" run --source emulator --jobs 2 --no-color --report "$tmp/lib" "$root/scenarios" \
  > "$tmp/lib.out" 2> "$tmp/lib.err"
rc=$?
page=$(find "$tmp/lib" -name report.html 2> /dev/null | head -1)
if [ -n "$page" ] && [ -s "$page" ]; then
  ok "the library's run wrote report.html (exit $rc)"
  measure_page library "$page" "$(grep -c 'class="badge v-\(fail\|incomplete\|error\)"' "$page")"
  for r in TIME-FINAL-RESULT TIME-DOWNLOAD TIME-START TIME-PROGRESS-GAP TIME-END TIME-REBOOT; do
    has "library: a $r column" "<span>$r</span></th>" "$page"
  done
  has "library: a legend" '<p class="legend" id="legend">' "$page"
else
  bad "the library's run wrote no report.html (exit $rc):"; tail -20 "$tmp/lib.out" "$tmp/lib.err"
fi
finish
