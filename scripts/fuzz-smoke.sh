#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz-smoke.sh - builds the libFuzzer targets with clang and runs each for a
# bounded time on a corpus of its own:
#   fuzz_reader   logs: the reader, the checker and the AT line layer,
#                 seeded from transcripts/;
#   fuzz_inputs   the other untrusted texts: URLs to redact, USB identities,
#                 serial specs, YAML scenarios and model files, seeded from
#                 transcripts/, scenarios/, models/ and the e2e scenario cases;
#   fuzz_output   what the writers (text, JSON, JUnit, HTML, transcript) make
#                 of hostile device bytes, seeded from transcripts/;
#   fuzz_merge    dfota merge's reader of JSONL shards and its writers,
#                 seeded from shards written here.
#
# usage: scripts/fuzz-smoke.sh [BUILD_DIR]
#
#   BUILD_DIR      build directory (default: build-fuzz under the repo root);
#                  a relative path is taken from the repo root
# environment:
#   FUZZ_SECONDS   how long to fuzz in all (default 45), split between the
#                  targets: fuzz_reader gets the larger half, fuzz_inputs,
#                  fuzz_output and fuzz_merge a sixth each; each gets 1 s at
#                  least
#   FUZZ_CORPUS    fuzz_reader's corpus directory (default
#                  BUILD_DIR/fuzz-corpus); kept between runs, so a second run
#                  starts where the first ended
#   FUZZ_INPUTS_CORPUS  fuzz_inputs' corpus directory (default
#                  BUILD_DIR/fuzz-corpus-inputs); kept the same way
#   FUZZ_OUTPUT_CORPUS  fuzz_output's corpus directory (default
#                  BUILD_DIR/fuzz-corpus-output); kept the same way
#   FUZZ_MERGE_CORPUS  fuzz_merge's corpus directory (default
#                  BUILD_DIR/fuzz-corpus-merge); kept the same way
#   FUZZ_JOBS      build parallelism (default: number of CPUs)
#   CC             the compiler (default clang; must be clang for libFuzzer)
#
# Each target writes its log to BUILD_DIR/fuzz-TARGET.log and its crash
# reproducers under BUILD_DIR/fuzz-artifacts/TARGET/ (emptied at each run).
#
# Exit status: 0 when every run ended without a crash, 1 when the fuzzer found
# a crash, leak, timeout or out-of-memory in any (every reproducer's path
# is printed; every target runs even when one fails), 2 when a target
# could not be built or run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

build=${1:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac
seconds=${FUZZ_SECONDS:-45}
corpus=${FUZZ_CORPUS:-$build/fuzz-corpus}
case $corpus in /*) ;; *) corpus=$root/$corpus ;; esac
icorpus=${FUZZ_INPUTS_CORPUS:-$build/fuzz-corpus-inputs}
case $icorpus in /*) ;; *) icorpus=$root/$icorpus ;; esac
ocorpus=${FUZZ_OUTPUT_CORPUS:-$build/fuzz-corpus-output}
case $ocorpus in /*) ;; *) ocorpus=$root/$ocorpus ;; esac
mcorpus=${FUZZ_MERGE_CORPUS:-$build/fuzz-corpus-merge}
case $mcorpus in /*) ;; *) mcorpus=$root/$mcorpus ;; esac
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
cc=${CC:-clang}

die() { echo "fuzz-smoke: $*" >&2; exit 2; }

case $seconds in ''|*[!0-9]*) die "FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" ;; esac
command -v "$cc" >/dev/null 2>&1 || die "$cc not found: libFuzzer needs clang"

echo "fuzz-smoke: building fuzz_reader, fuzz_inputs, fuzz_output and fuzz_merge in $build"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DDFOTA_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=Debug >"$build/fuzz-configure.log" 2>&1 ||
    { cat "$build/fuzz-configure.log" >&2; die "configure failed"; }
cmake --build "$build" -j"$jobs" --target fuzz_reader fuzz_inputs fuzz_output fuzz_merge >"$build/fuzz-build.log" 2>&1 ||
    { cat "$build/fuzz-build.log" >&2; die "build failed"; }
# Warnings in the targets themselves are shown; the whole log stays in the build dir.
grep -A3 -E 'fuzz/fuzz_(reader|inputs|output|merge).c:[0-9]*:[0-9]*: warning' "$build/fuzz-build.log" >&2 || true
find_target() {
    for t in "$build/$1" "$build/harness/$1"; do
        [ -x "$t" ] && { echo "$t"; return; }
    done
    die "no $1 under $build"
}
target=$(find_target fuzz_reader) || exit 2
itarget=$(find_target fuzz_inputs) || exit 2
otarget=$(find_target fuzz_output) || exit 2
mtarget=$(find_target fuzz_merge) || exit 2

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
# Every input a fuzzer ever crashed on stays a seed: the run starts by
# replaying them (harness/fuzz/regressions/TARGET/).
seed_regressions() { # TARGET CORPUS
    local f n=0
    for f in "$root/harness/fuzz/regressions/$1"/*; do
        [ -f "$f" ] || continue
        cp -f -- "$f" "$2/regression-$(basename -- "$f")"
        n=$((n + 1))
    done
    echo "fuzz-smoke: $1: $n regression seeds"
}
seed_regressions fuzz_reader "$corpus"
# Never start from an empty corpus: one minimal log of each format.
printf '# dfota-transcript 1\n# port: usb:2c7c:0195:if02\n0.0 > AT+QFOTADL="/data/ufs/u.zip"\n0.1 < OK\n1.0 < +QIND: "FOTA","START"\n2.0 < +QIND: "FOTA","UPDATING",100\n3.0 < +QIND: "FOTA","END",0\n' \
    >"$corpus/seed-min.transcript"
printf 'AT+QFOTADL="http://h:80/u.zip"\r\nOK\r\n+QIND: "FOTA","HTTPSTART"\r\n+QIND: "FOTA","HTTPEND",701\r\n' \
    >"$corpus/seed-min-raw.log"
printf '[10:00:00.123] AT+QFOTADL="ftp://u:p@h:21/f.zip"\342\220\215\342\220\215\342\220\212\n[10:00:00.200] OK\342\220\215\342\220\212\n' \
    >"$corpus/seed-min-stamped.log"
# One of each line prefix the reader learns, and UTF-16 (a Windows tool's log).
printf 'Jan  2 10:00:00 gw fotad[812]: AT+QFOTADL="/data/ufs/u.zip"\nJan  2 10:00:01 gw fotad[812]: OK\nJan  2 10:00:02 gw fotad[812]: +QIND: "FOTA","START"\n' \
    >"$corpus/seed-min-syslog.log"
printf '2024-01-02 10:00:00,000 - modem - DEBUG - AT+QFOTADL="/data/ufs/u.zip"\n2024-01-02 10:00:00,040 - modem - DEBUG - OK\n' \
    >"$corpus/seed-min-python.log"
printf 'INFO:modem:AT+QFOTADL="/data/ufs/u.zip"\nINFO:modem:OK   # note\n[...]\nINFO:modem:+QIND: "FOTA","UPDATING",n\n' \
    >"$corpus/seed-min-python-basic.log"
printf '[0.000000 0.000000] AT+QGMR\n[0.041250 0.041250] OK\n' >"$corpus/seed-min-grabserial.log"
printf '[2024-01-02 10:00:00.100 Send] AT+QGMR\\r\\n\n[2024-01-02 10:00:00.140 Recv] \\r\\nOK\\r\\n\n' \
    >"$corpus/seed-min-vendor-tool.log"
printf 'COM3 | AT+QGMR\nCOM3 | OK\n' >"$corpus/seed-min-unknown-prefix.log"
printf '\377\376A\000T\000\r\000\n\000O\000K\000\r\000\n\000' >"$corpus/seed-min-utf16le.log"
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
"SEND OK"
"SEND FAIL"
"CONNECT"
"CONNECT 150"
"NO CARRIER"
"NO DIALTONE"
"BUSY"
"NO ANSWER"
"RING"
"AT+QISEND=0,5"
"AT+QHTTPREAD=80"
"ATD*99#"
";+QFOTADL="
"AT+QGMR;+QFOTADL=\"/data/ufs/u.zip\""
"+QIND:\"FOTA\","
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
"\xe5\x8f\x91\xe2\x86\x92\xe2\x97\x87"
"\xe6\x94\xb6\xe2\x86\x90\xe2\x97\x86"
"\xe2\x96\xa1"
" -> "
"TX: b'"
"RX: b'\\r\\n"
"\\x"
"0000068021 [ncp.at] TRACE: > "
"0000068029 [ncp.at] TRACE: < "
"0000117024 [hal] TRACE: "
"    20.853 AT send      11 \""
"    20.858 AT read  OK    6 \""
"2024-01-02 10:00:00,123 "
"Connected"
" // "
"Jan  2 10:00:01 gw fotad[812]: "
"Jan 02 10:00:03.120456 "
"2024-01-02T10:00:01.000+01:00 "
"2024-03-31T03:00:00+0200 gw fotad[812]: "
"2024-01-02T10:00:00.000Z fotad: "
"<14>1 2024-01-02T10:00:00.000Z gw fotad 812 - - "
"1704189600.123 "
"1704189600.123,"
"2024-01-02 10:00:00.000,"
"COM3 10:00:00.100 RX: "
"2024/01/02 10:00:00 "
"2024-01-02 10:00:01,000 - modem - INFO - "
"2024-01-02 10:00:01,000 INFO modem: "
"INFO:modem:"
"DEBUG:modem:"
"[3.123456 0.000100] "
"[2024-01-02 10:00:00.100 Recv] "
"[2024-01-02 10:00:00.100 Send] "
"[2024-01-02T10:00:00.123] "
"\\r\\n"
"[RX] "
"[TX] - "
"Send: "
"Recv: "
"Recv:"
"> AT"
"   # "
"  <-- "
" \xe2\x86\x90 "
"[...]"
"..."
"\xe2\x80\xa6"
",<percent>"
",n"
"=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2024.01.02 10:00:00 =~=~=~=~=~=~=~=~=~=~=~="
"\xff\xfe"
"\xfe\xff"
"\x7fELF"
"PK\x03\x04"
"\x0d\x0a"
"\x0d"
EOF
echo "fuzz-smoke: fuzz_reader corpus $corpus ($seeded seeds from transcripts/, $(find "$corpus" -type f | wc -l) files in all)"

# fuzz_inputs: the first byte of an input picks the parser ('0' redact,
# '1' USB identity, '5' a --fault, '9' a model file, '2' serial spec,
# '3' scenario; see fuzz_inputs.c).
mkdir -p "$icorpus"
iseeded=0
for dir in scenarios harness/tests/e2e/proof harness/tests/e2e/lint-cases; do
    [ -d "$root/$dir" ] || continue
    case $dir in *lint-cases) pattern='*' ;; *) pattern='*.yaml' ;; esac
    while IFS= read -r -d '' f; do
        [ "$(wc -c <"$f")" -lt 65536 ] || continue
        rel=${f#"$root/"}
        { printf 3; cat -- "$f"; } >"$icorpus/seed-${rel//\//_}"
        iseeded=$((iseeded + 1))
    done < <(find "$root/$dir" -type f -name "$pattern" -print0)
done
seed_regressions fuzz_inputs "$icorpus"
printf '5slow-final-result:delay=6s' >"$icorpus/seed-fault-delay"
printf '5download-error:code=601,times=2,at=50%%' >"$icorpus/seed-fault-code"
printf '5reboot-delay:stage=UPDATING,delay=30s' >"$icorpus/seed-fault-stage"
for f in "$root"/models/*.yaml; do
    [ -f "$f" ] && { printf 9; cat -- "$f"; } >"$icorpus/seed-model-$(basename "$f")"
done
# Every distinct line of a transcript that holds a URL, to redact.
if [ -d "$root/transcripts" ]; then
    n=$({ find "$root/transcripts" -type f -exec grep -h -a -F '://' {} + || true; } | sort -u |
        awk -v dir="$icorpus" '{ f = dir "/seed-redact-" NR; printf "0%s", $0 >f; close(f) }
                               END { print NR + 0 }')
    iseeded=$((iseeded + n))
fi
# URLs of each shape redact.h describes, USB identities and serial specs.
n=0
while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" >"$icorpus/seed-given-$n"
done <<'SEEDS'
0AT+QFOTADL="ftp://user:pa:ss@word@10.0.0.1:21/pkg/u.zip"
0AT+QFOTADL="ftp://user:pa/ss@10.0.0.1/u.zip"
0AT+QFOTADL="ftp://user:p@:/w@host/u.zip"
0AT+QFOTADL="ftp://user:secr...
0https://[::1]:8443/u.zip?X-Amz-Signature=abc&x=1#access_token=t
0see http://h/u?next=ftp://u:p@h2/f&api-key=K; and https://a:b@c/
0ftp://fota@example.com:p#w?d@ftp.example.com:21/Jun/a b.zip?x=1#y
0HTTP://[2001:db8::1]:00080/u.zip
0/DATA/UFS/update.zip
1usb:2c7c:0195:if=2:serial=abc
1usb:2c7c:0195
1usb:2C7C:0125:if=3
1usb:2c7c:0195:serial=a:b:c
1usb:05c6:9008:if=0:serial=0123456789abcdef
2/dev/ttyUSB2,baud=115200,flow=rtscts,settle=200ms,time-scale=0.01
2usb:2c7c:0195:if=2,baud=921600,flow=none
2/dev/serial/by-id/usb-Quectel_EG95-if02-port0,settle=1.5s
2/dev/pts/3,time-scale=1e-3,baud=9600
SEEDS
iseeded=$((iseeded + n))
# The scenario format's keys and YAML's anchors and aliases, URL pieces,
# identities and spec options.
idict=$build/fuzz_inputs.dict
cat >"$idict" <<'DICT'
"name: "
"section: "
"requirement: "
"tags: "
"sources: "
"vars: "
"steps:"
"send: "
"expect: "
"expect_urc: "
"expect_progress: "
"reboot: "
"expect_silence: "
"within: "
"after: "
"window: "
"emulator:"
"faults:"
"kind: "
"code: "
"at: "
"times: "
"delay: "
"stage: "
"firmware: "
"target: "
"port: "
"profile: "
"free_space: "
"from: "
"to: "
"max_gap: "
"transcript"
"emulator"
"serial"
"\x0a  - "
"- "
"{"
"}"
"[OK, ERROR]"
"\"520-530\""
"${FTP_URL}"
"${"
"~"
"&a "
"*a"
"<<: *a"
"<<"
"!!str "
"---"
"|"
">-"
"FTPSTART"
"FTPEND"
"HTTPSTART"
"HTTPEND"
"START"
"UPDATING"
"END"
"final-result"
"download-start"
"progress-gap"
"300ms"
"20min"
"64MiB"
"://"
"ftp://"
"http://"
"https://"
"user:"
":pass@"
"@"
"[::1]"
":21"
":65535"
":0/"
"FTP://"
"HTTP://"
"/data/ufs/"
"/DATA/UFS/"
"/cache/ufs/"
"?"
"&"
";"
"#"
"="
"token="
"access_token="
"X-Amz-Signature="
"api-key="
"client_secret="
"_token="
"\""
"\xe2\x80\x9c"
"\xe2\x80\x9d"
"..."
"usb:"
"2c7c"
"0195"
":if="
":serial="
",baud="
",flow=rtscts"
",flow=none"
",settle="
",time-scale="
"/dev/ttyUSB2"
DICT
echo "fuzz-smoke: fuzz_inputs corpus $icorpus ($iseeded seeds from scenarios, transcripts and examples, $(find "$icorpus" -type f | wc -l) files in all)"

# fuzz_output: logs as fuzz_reader reads them (its first byte picks the
# options), from transcripts/ and fuzz_reader's minimal logs, and the
# inputs it ever failed on.
mkdir -p "$ocorpus"
for f in "$corpus"/seed-*; do
    [ -f "$f" ] && cp -f -- "$f" "$ocorpus/$(basename -- "$f")"
done
seed_regressions fuzz_output "$ocorpus"
echo "fuzz-smoke: fuzz_output corpus $ocorpus ($(find "$ocorpus" -type f | wc -l) files in all)"

# fuzz_merge: JSONL shards as dfota check --format jsonl writes them, after
# two bytes of options (fuzz_merge.c: the first picks allow-mixed,
# allow-truncated, the top, a short line bound and a split in two shards;
# the second where to split).
mkdir -p "$mcorpus"
mhead='"dfota":"0.1.0","catalogue":"fnv1a64:56202c23308e4edc","profile":"strict"'
msum() { printf '{"record":"summary",%s,"summary":{"files":%d,"passed":%d,"failed":%d,"incomplete":%d,"nothing_to_judge":0,"unreadable":0},"exit_status":0}\n' "$mhead" "$@"; }
mfile() { printf '{"record":"file",%s,"key":"%s","file":"%s","verdict":"%s"%s}\n' "$mhead" "$1" "$1" "$2" "$3"; }
{ printf '\054\200'
  mfile a.log PASS ',"flows":[{"protocol":"ftp","outcome":"updated","codes":{"download":0,"end":[0]},"findings":[]}],"rules":{"SEQ-END":"PASS","CODE-FTP":"PASS"},"counts":{"NOTE":0,"WARN":0,"INCOMPLETE":0,"FAIL":0},"rule_findings":{},"firmware":{"before":"EG95EFAR02A07M4G","after":"EG95EFAR02A08M4G"}'
  mfile b.log FAIL ',"flows":[{"protocol":"http","outcome":"download-failed","codes":{"download":701,"end":[]},"findings":[{"rule":"SEQ-NO-UPDATE-AFTER-DL-FAIL","level":"FAIL","line":9}]}],"rules":{"SEQ-NO-UPDATE-AFTER-DL-FAIL":"FAIL"},"rule_findings":{"SEQ-NO-UPDATE-AFTER-DL-FAIL":1},"firmware":{"before":null,"after":null}'
  msum 2 1 1 0
  mfile c.log INCOMPLETE ',"rules":{"SEQ-END":"INCOMPLETE"},"rule_findings":{"SEQ-END":1}'
  msum 1 0 0 1; } >"$mcorpus/seed-two-segments"
{ printf '\003\000'; mfile x.log PASS ''; mfile x.log FAIL ',"rules":{"R":"WARN"}'; } >"$mcorpus/seed-truncated"
{ printf '\001\000'; mfile a.log PASS ''
  printf '{"record":"file","dfota":"0.2.0","catalogue":"fnv1a64:0000000000000000","profile":"field","key":"b","verdict":"ERROR"}\n'
  msum 2 1 0 0; } >"$mcorpus/seed-mixed"
{ printf '\020\000'; mfile '<script>\u001b.log' NOTHING-TO-JUDGE ',"firmware":{"before":"\"><img>","after":"A&B"}'
  printf '\n  \r\n'; msum 1 0 0 0; } >"$mcorpus/seed-escapes"
seed_regressions fuzz_merge "$mcorpus"
mdict=$build/fuzz_merge.dict
cat >"$mdict" <<'DICT'
"{\"record\":\"file\","
"{\"record\":\"summary\","
"\"dfota\":\"0.1.0\","
"\"catalogue\":\"fnv1a64:56202c23308e4edc\","
"\"profile\":\"strict\""
"\"key\":"
"\"file\":"
"\"verdict\":"
"\"PASS\""
"\"FAIL\""
"\"WARN\""
"\"INCOMPLETE\""
"\"INCONCLUSIVE\""
"\"NOTHING-TO-JUDGE\""
"\"ERROR\""
"\"rules\":{"
"\"rule_findings\":{"
"\"flows\":[{"
"\"outcome\":"
"\"protocol\":\"ftp\""
"\"protocol\":\"file-stream\""
"\"codes\":{\"download\":"
"\"end\":["
"\"findings\":[{\"rule\":"
"\"level\":\"NOTE\""
"\"line\":"
"\"firmware\":{\"before\":"
"\"after\":null"
"\"summary\":{\"files\":"
"\"passed\":"
"\"failed\":"
"\"incomplete\":"
"\"nothing_to_judge\":"
"\"unreadable\":"
"9223372036854775807"
"-9223372036854775808"
"1e400"
"\\u0000"
"\\u001b"
"\x0a"
"\x00"
DICT
echo "fuzz-smoke: fuzz_merge corpus $mcorpus ($(find "$mcorpus" -type f | wc -l) files in all)"

# Crash artifacts go in their own folders so old ones are not mistaken for new.
artifacts=$build/fuzz-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts/fuzz_reader" "$artifacts/fuzz_inputs" "$artifacts/fuzz_output" "$artifacts/fuzz_merge"

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
# fuzz_inputs past -max_len: a scenario over DFOTA_SCENARIO_FILE_MAX, one
# over DFOTA_SCENARIO_NODES_MAX without an alias, and a line of URLs to
# redact that would take quadratic time if a scan went back.
ilong=$build/fuzz-long-inputs
rm -rf "$ilong"
mkdir -p "$ilong"
{ printf '3name: big\nsection: "3"\nsteps:\n  - send: AT\n'; head -c 300000 /dev/zero | tr '\0' '#'; } \
    >"$ilong/scenario-too-big.yaml"
awk 'BEGIN { printf "3name: many\nsection: \"3\"\nsteps:\n"; for (i = 0; i < 7000; i++) print "  - {send: AT}" }' \
    >"$ilong/scenario-many-nodes.yaml"
awk 'BEGIN { printf "0"; for (i = 0; i < 40000; i++) printf "://u:p@"; print "" }' >"$ilong/redact-many-urls.txt"

# UBSan only reports by default: make it stop, so that libFuzzer keeps the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0

# What went wrong in LOG, and every reproducer of NAME with how to replay
# it with TARGET; marks the whole run as failed.
report_failure() { # NAME TARGET LOG
    local c crashes
    failed=1
    grep -E 'Running:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|check failed:' "$3" |
        head -n 5 >&2 || true
    crashes=$(find "$artifacts/$1" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
              -o -name 'oom-*' \) | sort)
    if [ -n "$crashes" ]; then
        for c in $crashes; do
            echo "fuzz-smoke: $1: reproducer: $c" >&2
            echo "fuzz-smoke: $1:   replay with: $2 $c" >&2
        done
    else
        echo "fuzz-smoke: $1: no reproducer was written; see $3" >&2
    fi
}

# Runs TARGET once on each file under LONG: a file named on the command
# line is run whole, past -max_len.
run_long() { # NAME TARGET LONG
    local rc log=$build/fuzz-long-$1.log
    echo "fuzz-smoke: $1: running $(find "$3" -type f | wc -l) inputs past -max_len once each"
    set +e
    "$2" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/$1/" "$3"/* >"$log" 2>&1
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then
        echo "fuzz-smoke: $1: FAILED on a long input (exit $rc); see $log" >&2
        report_failure "$1" "$2" "$log"
    fi
}

# Fuzzes TARGET on CORPUS with DICT for SECONDS.
run_fuzz() { # NAME TARGET CORPUS DICT SECONDS
    local rc status log=$build/fuzz-$1.log
    echo "fuzz-smoke: $1: fuzzing for ${5}s (log: $log)"
    set +e
    "$2" "$3" \
        -max_total_time="$5" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -dict="$4" -print_final_stats=1 -artifact_prefix="$artifacts/$1/" >"$log" 2>&1
    rc=$?
    set -e
    # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: R".
    status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    [ -n "$status" ] && echo "fuzz-smoke: $1: $status"
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' "$log" |
        sed "s/^/fuzz-smoke: $1: /" || true
    # A slow unit alone is no failure: libFuzzer notes it and goes on.
    if [ $rc -ne 0 ] || [ -n "$(find "$artifacts/$1" -type f ! -name 'slow-unit-*' | head -n 1)" ]; then
        echo "fuzz-smoke: $1: FAILED (fuzzer exit $rc)" >&2
        report_failure "$1" "$2" "$log"
        return 0
    fi
    echo "fuzz-smoke: $1: no crash in ${5}s"
}

# FUZZ_SECONDS is the total: the reader, the target with the larger input
# space, gets the larger half, the others a sixth each. None gets 0,
# which libFuzzer takes as "no limit".
iseconds=$((seconds / 6))
oseconds=$((seconds / 6))
mseconds=$((seconds / 6))
rseconds=$((seconds - iseconds - oseconds - mseconds))
[ "$rseconds" -ge 1 ] || rseconds=1
[ "$iseconds" -ge 1 ] || iseconds=1
[ "$oseconds" -ge 1 ] || oseconds=1
[ "$mseconds" -ge 1 ] || mseconds=1

# Every target runs even when one fails, so one run shows everything.
run_long fuzz_reader "$target" "$long"
run_long fuzz_inputs "$itarget" "$ilong"
run_fuzz fuzz_reader "$target" "$corpus" "$dict" "$rseconds"
run_fuzz fuzz_inputs "$itarget" "$icorpus" "$idict" "$iseconds"
run_fuzz fuzz_output "$otarget" "$ocorpus" "$dict" "$oseconds"
run_fuzz fuzz_merge "$mtarget" "$mcorpus" "$mdict" "$mseconds"

if [ $failed -ne 0 ]; then
    echo "fuzz-smoke: FAILED: reproducers under $artifacts (see above)" >&2
    exit 1
fi
echo "fuzz-smoke: no crash (fuzz_reader ${rseconds}s, fuzz_inputs ${iseconds}s, fuzz_output ${oseconds}s, fuzz_merge ${mseconds}s)"
