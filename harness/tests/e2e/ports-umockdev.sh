#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# USB identities through libserialport's own enumeration, on a mocked
# machine: umockdev-run redirects /sys and /dev to a testbed made from
# umockdev/eg95.umockdev, a Quectel EG95 (2c7c:0195, serial 8c3a1d7f) with
# its AT port ttyUSB2 on interface 2 and its modem port ttyUSB3 on
# interface 3, as the option driver shows them in sysfs. dfota ports must
# list both with VID:PID, serial number and interface (the interface read
# from sysfs), and an identity must resolve to the right one.
#
# umockdev is a test dependency (scripts/install-deps.sh): when it is
# missing this test FAILS, it is not skipped.
#
# usage: ports-umockdev.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
dev="$root/harness/tests/e2e/umockdev/eg95.umockdev"

if ! command -v umockdev-run > /dev/null 2>&1; then
  bad "umockdev-run is not installed (apt-get install umockdev libumockdev-dev; scripts/install-deps.sh)"
  finish; exit
fi
mock() { umockdev-run --device "$dev" -- "$@"; }
# umockdev works by LD_PRELOAD; under AddressSanitizer (the sanitize build)
# its preload library comes before the ASan runtime, which ASan refuses by
# default. The order is harmless here: let it through. ASan's symbolizer
# hangs under the preload, so a report there is given as raw addresses.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:symbolize=0"

expect_exit "dfota ports --format json in the testbed" 0 mock "$dfota" ports --format json
cp "$tmp/out" "$tmp/ports.json"
if python3 - "$tmp/ports.json" <<'PY'
import json, sys
ports = {p["name"]: p for p in json.load(open(sys.argv[1]))}
at = ports["/dev/ttyUSB2"]
assert at["transport"] == "usb", at
assert (at["vid"], at["pid"]) == ("2c7c", "0195"), at
assert at["serial"] == "8c3a1d7f", at
assert at["interface"] == 2, at
assert at["identity"] == "usb:2c7c:0195:if=2:serial=8c3a1d7f", at
assert ports["/dev/ttyUSB3"]["interface"] == 3, ports
PY
then
  ok "ttyUSB2: usb 2c7c:0195, serial 8c3a1d7f, interface 2, its identity; ttyUSB3 interface 3"
else
  bad "the listing is not what the testbed holds:"; cat "$tmp/ports.json"
fi

expect_exit "dfota ports (text) in the testbed" 0 mock "$dfota" ports
expect_grep "the table shows the identity" "^/dev/ttyUSB2 .*usb:2c7c:0195:if=2:serial=8c3a1d7f" "$tmp/out"

expect_exit "usb:2c7c:0195:if=2 resolves" 0 mock "$dfota" ports --find usb:2c7c:0195:if=2
expect_grep "... to the AT port ttyUSB2" "^/dev/ttyUSB2$" "$tmp/out"
expect_exit "usb:2c7c:0195:if=3:serial=8c3a1d7f resolves" 0 \
  mock "$dfota" ports --find usb:2c7c:0195:if=3:serial=8c3a1d7f
expect_grep "... to ttyUSB3" "^/dev/ttyUSB3$" "$tmp/out"
expect_exit "upper-case hex is the same identity" 0 mock "$dfota" ports --find usb:2C7C:0195:if=2
expect_grep "... ttyUSB2 again" "^/dev/ttyUSB2$" "$tmp/out"
expect_exit "usb:2c7c:0195 alone is ambiguous (exit 2)" 2 mock "$dfota" ports --find usb:2c7c:0195
expect_grep "... and the message names both ports" "matches 2 ports (/dev/ttyUSB2, /dev/ttyUSB3)" "$tmp/err"
expect_exit "another serial number matches nothing (exit 4)" 4 \
  mock "$dfota" ports --find usb:2c7c:0195:if=2:serial=0000
expect_grep "... and says so" "no serial port matches" "$tmp/err"
expect_exit "a malformed identity is a usage error" 2 mock "$dfota" ports --find usb:2c7c:if=2
expect_grep "... with the syntax" "usb:VID:PID\[:if=N\]\[:serial=S\]" "$tmp/err"

# A reboot re-enumerates the module: umockdev/reenumerate.c (libumockdev,
# built here: the test's only C part that needs it) removes the device from
# a testbed and adds it back as ttyUSB4; the identity must follow it.
if ! pkg-config --exists umockdev-1.0; then
  bad "libumockdev-dev is not installed (scripts/install-deps.sh)"
elif ! cc -o "$tmp/reenumerate" "$root/harness/tests/e2e/umockdev/reenumerate.c" \
        $(pkg-config --cflags --libs umockdev-1.0) 2> "$tmp/cc.err"; then
  bad "reenumerate.c does not build:"; cat "$tmp/cc.err"
else
  expect_exit "re-enumeration in a libumockdev testbed" 0 \
    umockdev-wrapper "$tmp/reenumerate" "$dfota" "$dev"
  expect_grep "before: the identity is ttyUSB2" "^before: /dev/ttyUSB2 (status 0)$" "$tmp/out"
  expect_grep "away: it matches nothing" "^away: dfota ports: no serial port matches usb:2c7c:0195:if=2" "$tmp/out"
  expect_grep "back: the same identity is now ttyUSB4" "^back: /dev/ttyUSB4 (status 0)$" "$tmp/out"
fi
finish
