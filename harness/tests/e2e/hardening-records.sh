#!/usr/bin/env bash
# Recordings and logs that push at their bounds (issue 11, "Output and
# recordings"): a device log whose times run out of range keeps its lines
# (the verdict does not change, a NOTE counts them); a recording past
# --record-max says what it dropped and keeps judging.
# usage: hardening-records.sh DFOTA_BINARY REPO_ROOT
set -u
dfota=$1
root=$2
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
source "$(dirname "$0")/lib/assert.bash"
: "$root"

# ---- device-log lines with a time out of range: kept, counted ---------------
cat > "$tmp/device.log" <<'LOG'
0000000001 [ncp.at] TRACE: > AT+QFOTADL="/data/ufs/u.zip"
0000000041 [ncp.at] TRACE: < OK
0000001000 [ncp.at] TRACE: < +QIND: "FOTA","START"
0000002000 [ncp.at] TRACE: < +QIND: "FOTA","UPDATING",50
999999999999999 [ncp.at] TRACE: < +QIND: "FOTA","UPDATING",100
    99999999999.5 AT read  +   26 "\r\n+QIND: \"FOTA\",\"END\",0\r\n"
LOG
expect_exit "a device log with times out of range still passes" 0 "$dfota" check "$tmp/device.log"
expect_grep "the update's END is still seen" 'updated, END 0 after 100%' "$tmp/out"
expect_grep "a NOTE counts the lines whose time is unknown, at the first" \
  'device.log:5: NOTE 2 line(s) with a time out of range kept, their time unknown' "$tmp/out"
expect_exit "the JSON verdict too" 0 "$dfota" check --format json "$tmp/device.log"
expect_grep "JSON: passed" '"verdict": *"PASS"' "$tmp/out"

finish
