#!/usr/bin/env bash
# fuzz-smoke.sh - builds the libFuzzer target fuzz_reader with clang and runs
# it for a bounded time on a corpus seeded from transcripts/.
#
# usage: scripts/fuzz-smoke.sh [BUILD_DIR]
#
#   BUILD_DIR      build directory (default: build-fuzz under the repo root);
#                  a relative path is taken from the repo root
# environment:
#   FUZZ_SECONDS   how long to fuzz (default 45)
#   FUZZ_CORPUS    corpus directory (default BUILD_DIR/fuzz-corpus); kept
#                  between runs, so a second run starts where the first ended
#   FUZZ_JOBS      build parallelism (default: number of CPUs)
#   CC             the compiler (default clang; must be clang for libFuzzer)
#
# Exit status: 0 when the run ended without a crash, 1 when the fuzzer found
# a crash, leak, timeout or out-of-memory (the reproducer's path is printed),
# 2 when the target could not be built or run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

build=${1:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac
seconds=${FUZZ_SECONDS:-45}
corpus=${FUZZ_CORPUS:-$build/fuzz-corpus}
case $corpus in /*) ;; *) corpus=$root/$corpus ;; esac
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
cc=${CC:-clang}

die() { echo "fuzz-smoke: $*" >&2; exit 2; }

case $seconds in ''|*[!0-9]*) die "FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" ;; esac
command -v "$cc" >/dev/null 2>&1 || die "$cc not found: libFuzzer needs clang"

echo "fuzz-smoke: building fuzz_reader in $build"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DDFOTA_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=Debug >"$build/fuzz-configure.log" 2>&1 ||
    { cat "$build/fuzz-configure.log" >&2; die "configure failed"; }
cmake --build "$build" -j"$jobs" --target fuzz_reader >"$build/fuzz-build.log" 2>&1 ||
    { cat "$build/fuzz-build.log" >&2; die "build failed"; }
# Warnings in the target itself are shown; the whole log stays in the build dir.
grep -A3 'fuzz/fuzz_reader.c:[0-9]*:[0-9]*: warning' "$build/fuzz-build.log" >&2 || true
target=
for t in "$build/fuzz_reader" "$build/harness/fuzz_reader"; do
    [ -x "$t" ] && { target=$t; break; }
done
[ -n "$target" ] || die "no fuzz_reader under $build"

# Seed from every file under transcripts/ (whatever is there now). Names are
# flattened so that files with the same base name in different folders stay
# apart; files over the fuzzer's max_len are skipped.
mkdir -p "$corpus"
seeded=0
if [ -d "$root/transcripts" ]; then
    while IFS= read -r -d '' f; do
        [ "$(wc -c <"$f")" -le 65536 ] || continue
        rel=${f#"$root/transcripts/"}
        cp -f -- "$f" "$corpus/seed-${rel//\//_}"
        seeded=$((seeded + 1))
    done < <(find "$root/transcripts" -type f -print0)
fi
# Never start from an empty corpus: one minimal log of each format.
printf '# dfota-transcript 1\n# port: usb:2c7c:0195:if02\n0.0 > AT+QFOTADL="/data/ufs/u.zip"\n0.1 < OK\n1.0 < +QIND: "FOTA","START"\n2.0 < +QIND: "FOTA","UPDATING",100\n3.0 < +QIND: "FOTA","END",0\n' \
    >"$corpus/seed-min.transcript"
printf 'AT+QFOTADL="http://h:80/u.zip"\r\nOK\r\n+QIND: "FOTA","HTTPSTART"\r\n+QIND: "FOTA","HTTPEND",701\r\n' \
    >"$corpus/seed-min-raw.log"
printf '[10:00:00.123] AT+QFOTADL="ftp://u:p@h:21/f.zip"\342\220\215\342\220\215\342\220\212\n[10:00:00.200] OK\342\220\215\342\220\212\n' \
    >"$corpus/seed-min-stamped.log"
# The words of the protocol and of the log formats, so that mutations speak them.
dict=$build/fuzz_reader.dict
cat >"$dict" <<'EOF'
"# dfota-transcript 1"
"# port: usb:2c7c:0195:if02"
"# port: /dev/ttyUSB2"
"# module: "
"# redacted: credentials"
" > "
" < "
" ! "
"port-lost"
"port-back"
"timeout"
"note "
"\\x"
"\\\\"
"AT+QFOTADL="
"AT+QFOTADL=?"
"AT+QFOTADL?"
"ATI"
"\"ftp://u:p@1.2.3.4:21/f.zip\""
"\"http://h:80/u.zip\""
"\"https://h/u.zip\""
"\"/data/ufs/u.zip\""
"\"FILE:1024\""
"OK"
"ERROR"
"+CME ERROR: "
"+CMS ERROR: "
"RDY"
"+CREG: 1"
"+QIND: "
"+QIND: \"FOTA\","
"\"FOTA\""
"\"FTPSTART\""
"\"FTPEND\","
"\"HTTPSTART\""
"\"HTTPEND\","
"\"HTTPEnd\","
"\"HTTPSSTART\""
"\"HTTPSEND\","
"\"FILESTART\""
"\"FILEEND\","
"\"DOWNLOADING\","
"\"RESTORE\","
"\"Last upgrade was not finished,continue upgrade\""
"\"START\""
"\"UPDATING\","
"\"END\","
"505"
"520"
"601"
"701"
"100"
"%"
"999999999999"
"\xe2\x80\x9c"
"\xe2\x80\x9d"
"\xe2\x90\x8d"
"\xe2\x90\x8a"
"\xe2\x90\xa4"
"\xef\xbb\xbf"
"FATAL: read zero bytes from port"
"[10:00:00.123] "
"[16:17:37:700] "
"[2024-01-02 10:00:00.123] "
"2024-01-02T10:00:00.123Z "
"10:00:00.123 "
"ModemManager[612]: <debug> [1704189600.123456] [modem0/ttyUSB2/at] --> '"
"<-- '"
"<CR>"
"<LF>"
">> "
"<< "
"TX: "
"RX: "
"[TX] "
"Connected"
" // "
"\x0d\x0a"
"\x0d"
EOF
echo "fuzz-smoke: corpus $corpus ($seeded seeds from transcripts/, $(find "$corpus" -type f | wc -l) files in all)"

# Crash artifacts go in their own folder so old ones are not mistaken for new.
artifacts=$build/fuzz-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"
log=$build/fuzz-smoke.log

# Inputs longer than -max_len, run once each (a file named on the command
# line is run whole): the reader refills its 256 KiB block with a line
# across the seam, and rejects a line over its 64 KiB bound.
long=$build/fuzz-long
rm -rf "$long"
mkdir -p "$long"
awk 'BEGIN {
    for (s = 0; s < 1400; s++) {
        print "AT+QFOTADL=\"ftp://u:p@10.0.0." s % 250 ":21/pkg/update-" s ".zip\"\r"
        print "OK\r"; print "+QIND: \"FOTA\",\"FTPSTART\"\r"; print "+QIND: \"FOTA\",\"FTPEND\",0\r"
        print "+QIND: \"FOTA\",\"START\"\r"
        for (p = 10; p <= 100; p += 30) print "+QIND: \"FOTA\",\"UPDATING\"," p "\r"
        print "+QIND: \"FOTA\",\"END\",0\r"
    } }' >"$long/raw.log"
awk 'BEGIN {
    print "# dfota-transcript 1"; print "# port: usb:2c7c:0195:if02"
    t = 0
    for (s = 0; s < 1300; s++) {
        printf "%.6f > AT+QFOTADL=\"http://h%d.example:80/u.zip\"\n", t += 0.5, s
        printf "%.6f < OK\n", t += 0.04
        printf "%.6f < +QIND: \"FOTA\",\"HTTPSTART\"\n", t += 0.5
        printf "%.6f < +QIND: \"FOTA\",\"HTTPEND\",0\n", t += 30
        printf "%.6f ! port-lost\n", t += 0.7; printf "%.6f ! port-back\n", t += 20
        printf "%.6f < +QIND: \"FOTA\",\"START\"\n", t += 0.5
        for (p = 25; p <= 100; p += 25) printf "%.6f < +QIND: \"FOTA\",\"UPDATING\",%d\n", t += 2, p
        printf "%.6f < +QIND: \"FOTA\",\"END\",0\n", t += 1
    } }' >"$long/transcript.log"
awk 'BEGIN {
    for (s = 0; s < 1300; s++) {
        printf "[10:%02d:%02d:%03d] AT+QFOTADL=\"/data/ufs/u%d.zip\"\342\220\215\342\220\215\342\220\212\n", s / 60 % 60, s % 60, s * 7 % 996, s
        printf "[10:%02d:%02d:%03d] OK\342\220\215\342\220\212\n", s / 60 % 60, s % 60, s * 7 % 996 + 1
        printf "[10:%02d:%02d:%03d] +QIND: \"FOTA\",\"START\"\342\220\215\342\220\212   // note\n", s / 60 % 60, s % 60, s * 7 % 996 + 2
        for (p = 20; p <= 100; p += 40) printf "[10:%02d:%02d:%03d] +QIND: \"FOTA\",\"UPDATING\",%d\342\220\215\342\220\212\n", s / 60 % 60, s % 60, s * 7 % 996 + 3, p
        printf "[10:%02d:%02d:%03d] +QIND: \"FOTA\",\"END\",0\342\220\215\342\220\212\n", s / 60 % 60, s % 60, s * 7 % 996 + 4
    } }' >"$long/stamped.log"
{ printf 'AT+QFOTADL="ftp://u:p@h:21/'; head -c 70000 /dev/zero | tr '\0' 'x'; printf '"\n'; } >"$long/line-too-long.log"
{ head -c 250000 "$long/raw.log"; printf '\n+QIND: "FOTA","'; head -c 60000 /dev/zero | tr '\0' 'y'
  printf '"\r\n'; tail -c 20000 "$long/raw.log"; } >"$long/overlong-urc.log"
# UBSan only reports by default: make it stop, so that libFuzzer keeps the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "fuzz-smoke: running $(find "$long" -type f | wc -l) inputs past -max_len once each"
set +e
"$target" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$long"/* >"$build/fuzz-long.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    echo "fuzz-smoke: FAILED on a long input (exit $rc); see $build/fuzz-long.log" >&2
    grep -E 'Running:|ERROR:|runtime error:|check failed:' "$build/fuzz-long.log" | tail -n 5 >&2 || true
    exit 1
fi

echo "fuzz-smoke: fuzzing for ${seconds}s (log: $log)"
set +e
"$target" "$corpus" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -dict="$dict" -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
rc=$?
set -e

# The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: R".
status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
[ -n "$status" ] && echo "fuzz-smoke: $status"
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' "$log" |
    sed 's/^/fuzz-smoke: /' || true

crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
          -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
if [ $rc -ne 0 ] || [ -n "$(printf '%s' "$crashes" | grep -v slow-unit || true)" ]; then
    echo "fuzz-smoke: FAILED (fuzzer exit $rc)" >&2
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|check failed:' "$log" |
        head -n 5 >&2 || true
    if [ -n "$crashes" ]; then
        for c in $crashes; do
            echo "fuzz-smoke: reproducer: $c" >&2
            echo "fuzz-smoke:   replay with: $target $c" >&2
        done
    else
        echo "fuzz-smoke: no reproducer was written; see $log" >&2
    fi
    exit 1
fi
echo "fuzz-smoke: no crash in ${seconds}s"
