#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package, as a user gets it: CPack builds it from the build
# folder under test (the one holding DFOTA_BINARY), lintian finds no error
# in it, and the dfota it installs, unpacked with `dpkg -x` into a folder of
# our own, works from there with the data installed beside it: it judges a
# transcript, lists the installed scenario library and runs a scenario of
# it against the emulator with the installed fixture servers. The source
# tree is still on this machine, and its path is compiled into the binary:
# with the installed fixtures taken away, the installed dfota must say it
# has none rather than fall back on the source tree's.
#
# usage: package.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
e2e_cleanup() {
  # a server left behind by a failed check: its folder is under $tmp/t
  for f in "$tmp"/t/dfota-fixtures-*/; do
    [ -d "$f" ] && bash "$root/fixtures/servers.sh" stop "$f" > /dev/null 2>&1
  done
}
build=$(cd "$(dirname "$dfota")" && pwd)
mkdir -p "$tmp/t"
export TMPDIR=$tmp/t

for tool in cpack lintian dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" > /dev/null; then
    bad "$tool is not installed (scripts/install-deps.sh installs it)"
    finish; exit
  fi
done

# 1. The package, written only under $tmp.
expect_exit "cpack -G DEB builds the package" 0 \
  cpack -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake"
debs=("$tmp"/pkg/dfota_*.deb)
if [ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ]; then
  ok "one package: $(basename "${debs[0]}")"
else
  bad "no single dfota_*.deb in $tmp/pkg:"; ls -R "$tmp/pkg" | head -20; cat "$tmp/out" "$tmp/err"
  finish; exit
fi
deb=${debs[0]}

# 2. Its control fields and files.
dpkg-deb -f "$deb" > "$tmp/control"
expect_grep "Package: dfota" "^Package: dfota$" "$tmp/control"
for lib in libcurl libyaml libserialport libjansson libxml2; do
  expect_grep "Depends names $lib (from the shared libraries)" "^Depends:.*$lib" "$tmp/control"
done
expect_grep "a summary" "^Description: conformance harness for Quectel DFOTA" "$tmp/control"
expect_grep "a long description" "^ dfota check reads logs" "$tmp/control"
dpkg-deb -c "$deb" > "$tmp/contents"
# every entry root-owned; directories, the binary and the fixtures' scripts
# 0755, other files 0644
awk 'function prog(f) { return f == "./usr/bin/dfota" || f ~ /^\.\/usr\/share\/dfota\/fixtures\/.*\.(sh|py)$/ }
     $2 != "root/root" { print "owner: " $0 }
     /^d/ && $1 != "drwxr-xr-x" { print "mode: " $0 }
     /^-/ && prog($6) && $1 != "-rwxr-xr-x" { print "mode: " $0 }
     /^-/ && !prog($6) && $1 != "-rw-r--r--" { print "mode: " $0 }' \
  "$tmp/contents" > "$tmp/modes"
if [ -s "$tmp/modes" ]; then bad "owners and modes:"; cat "$tmp/modes"; else ok "owners root/root, modes 0755 and 0644"; fi
for f in ./usr/bin/dfota ./usr/share/doc/dfota/copyright ./usr/share/doc/dfota/changelog.Debian.gz \
         ./usr/share/doc/dfota/README.md ./usr/share/dfota/fixtures/servers.sh \
         ./usr/share/dfota/fixtures/packages.yaml ./usr/share/dfota/models/eg95.yaml; do
  if awk -v f="$f" '$6 == f { found = 1 } END { exit !found }' "$tmp/contents"; then ok "contains $f"; else bad "no $f in the package"; fi
done
if grep -E '\./usr/share/man/.*[^z]$' "$tmp/contents" | grep -v '^d' | grep -q .; then
  bad "manual pages not compressed:"; grep -E '\./usr/share/man/.*[^z]$' "$tmp/contents" | grep -v '^d'
else
  ok "no uncompressed manual page"
fi

# 3. lintian: no error.
lintian --tag-display-limit 0 "$deb" > "$tmp/lintian" 2>&1
lrc=$? # 1: tags of error severity; 2 and more: lintian did not run
if [ "$lrc" -ge 2 ]; then bad "lintian did not run (exit $lrc):"; cat "$tmp/lintian"
elif grep -q '^E:' "$tmp/lintian"; then bad "lintian reports errors:"; cat "$tmp/lintian"; else ok "lintian: no error ($(grep -c '^W:' "$tmp/lintian") warnings)"; fi
sed 's/^/    lintian: /' "$tmp/lintian"

# 4. Unpacked into a root of our own; the changelog and the copyright.
dpkg -x "$deb" "$tmp/root"
inst=$tmp/root/usr/bin/dfota
share=$tmp/root/usr/share/dfota
version=$(sed -n 's/^Version: //p' "$tmp/control")
if gzip -dc "$tmp/root/usr/share/doc/dfota/changelog.Debian.gz" | head -1 | grep -q "^dfota ($version) "; then
  ok "the changelog's entry is the package's version $version"
else
  bad "changelog.Debian.gz does not start with 'dfota ($version)':"; gzip -dc "$tmp/root/usr/share/doc/dfota/changelog.Debian.gz" | head -3
fi
expect_grep "the copyright file is machine-readable" "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$tmp/root/usr/share/doc/dfota/copyright"
expect_grep "the copyright file names MIT" "^License: MIT" "$tmp/root/usr/share/doc/dfota/copyright"

# 5. The installed dfota judges a transcript.
log=$root/transcripts/guide/3.1-ftp-example.log
expect_exit "installed dfota check passes the guide's FTP example" 0 "$inst" check "$log"
expect_grep "its verdict is PASS" "^$log: PASS (0 FAIL" "$tmp/out"

# 6. It lists the installed library: the same scenarios as the sources'.
expect_exit "installed dfota list of the installed scenarios" 0 "$inst" list "$share/scenarios"
awk 'NR > 1 { print $1 }' "$tmp/out" | sort > "$tmp/listed"
for f in "$root"/scenarios/*.yaml; do basename "$f" .yaml; done | sort > "$tmp/sources"
if [ -s "$tmp/listed" ] && cmp -s "$tmp/listed" "$tmp/sources"; then
  ok "it lists the $(wc -l < "$tmp/listed") scenarios of the library"
else
  bad "the installed list differs from the library:"; diff "$tmp/sources" "$tmp/listed" | head -20
fi

# 7. It runs an installed scenario against the emulator, with the installed
# fixture servers and their package map.
expect_exit "installed dfota runs an installed scenario on the emulator" 0 \
  "$inst" run --source emulator --no-color --report "$tmp/rep" \
  --scenario 3.2-http-upgrade-explicit-port "$share/scenarios"
expect_grep "the scenario passed" "^1 scenario.*: 1 passed, 0 failed" "$tmp/out"

# 8. Without its installed fixtures, it has none: the source tree's, whose
# path is compiled in and which exists here, are not its data.
mv "$share/fixtures" "$share/fixtures.away"
expect_exit "without share/dfota/fixtures the installed dfota has no fixtures" 4 \
  "$inst" run --source emulator --no-color --report "$tmp/rep2" \
  --scenario 3.2-http-upgrade-explicit-port "$share/scenarios"
expect_grep "it says so" "^dfota run: the fixture servers' folder .*is not beside this dfota" "$tmp/err"
mv "$share/fixtures.away" "$share/fixtures"

# 9. man finds the installed manual, and the installed completion completes
# a scenario name of the installed library.
usr=$tmp/root/usr
if MANPATH=$usr/share/man MANWIDTH=80 man -P cat dfota-run > "$tmp/man" 2> "$tmp/man.err" &&
   grep -q "dfota-run" "$tmp/man" && grep -q -- "--show-config" "$tmp/man"; then
  ok "man dfota-run shows the installed page"
else
  bad "man dfota-run of the package:"; cat "$tmp/man.err"; head -5 "$tmp/man"
fi
mkdir -p "$tmp/elsewhere"
(cd "$tmp/elsewhere" && PATH=$usr/bin:$PATH bash --norc --noprofile -c '
  source "$1" || exit 9
  spec=$(complete -p dfota) || exit 8
  fn=${spec#*-F }; fn=${fn%% *}
  COMP_WORDS=(dfota run --scenario 3.3-local); COMP_CWORD=3
  COMP_LINE="dfota run --scenario 3.3-local"; COMP_POINT=${#COMP_LINE}
  "$fn" dfota 3.3-local --scenario
  printf "%s\n" "${COMPREPLY[@]}"' bash "$usr/share/bash-completion/completions/dfota") \
  > "$tmp/compl" 2>&1
if grep -qx "3.3-local-file-upgrade" "$tmp/compl"; then
  ok "the installed completion completes an installed scenario's name"
else
  bad "the installed completion offered:"; cat "$tmp/compl"
fi

left=$(pgrep -f "$tmp/t" | wc -l)
if [ "$left" -eq 0 ]; then ok "no server left running"; else bad "$left processes left"; pgrep -af "$tmp/t"; fi
finish
