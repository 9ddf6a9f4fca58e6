#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual pages: one per command that `dfota --help` lists and dfota(1),
# each built with the binary (build/man/), formatted by groff and man with
# every warning on and none given, saying what the command's --help says
# (every option with its text, the exit statuses) and the sections help
# does not have; the generator refuses a help it cannot take apart; and
# `cmake --install` puts them, compressed as Debian wants, with the bash
# completion, where `man dfota-run` finds them.
#
# usage: manpages.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
build=$(cd "$(dirname "$dfota")" && pwd)
mandir=$build/man
export LC_ALL=C.UTF-8 MANWIDTH=80

commands=$("$dfota" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} /^$/ {on = 0}')
[ -n "$commands" ] || bad "dfota --help lists no command"
pages="dfota"
for c in $commands; do pages="$pages dfota-$c"; done

# text PAGE: the page as man shows it on a wide terminal (no long word
# broken), formatting taken off, blanks collapsed, hyphens and quotes as
# ASCII.
text() {
  MANWIDTH=400 man -l "$1" 2> /dev/null | "$python" -c '
import re, sys
t = sys.stdin.read()
t = re.sub(r".\x08", "", t)
t = re.sub(r"\x1b\[[0-9;]*m", "", t)
for a, b in (("\u2010", "-"), ("\u2212", "-"), ("\u2018", "'"'"'"), ("\u2019", "'"'"'"),
             ("\u201c", "\""), ("\u201d", "\""), ("\u00a0", " ")):
    t = t.replace(a, b)
print(" ".join(t.split()))'
}

warnings=0
for p in $pages; do
  f=$mandir/$p.1
  if [ ! -s "$f" ]; then bad "$p(1) was not built: no $f"; continue; fi
  if [ ! -s "$root/man/$p.1.in" ]; then bad "$p(1) has no hand-written sections man/$p.1.in"; fi
  groff -man -ww -z "$f" 2> "$tmp/groff.err"
  man --warnings -l "$f" > /dev/null 2> "$tmp/man.err"
  MANWIDTH=60 man --warnings -l "$f" > /dev/null 2>> "$tmp/man.err"
  n=$(cat "$tmp/groff.err" "$tmp/man.err" | wc -l)
  warnings=$((warnings + n))
  if [ "$n" -eq 0 ]; then ok "$p(1): no warning from groff -ww or man --warnings"; else bad "$p(1): $n warnings"; cat "$tmp/groff.err" "$tmp/man.err"; fi
  text "$f" > "$tmp/$p.txt"
  for sec in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
    grep -q "$sec" "$tmp/$p.txt" || bad "$p(1) has no $sec section"
  done
  grep -q "EXAMPLES" "$tmp/$p.txt" || bad "$p(1) has no EXAMPLES section"
done
echo "# pages: $(echo $pages | wc -w), warnings: $warnings"

# Every option line of a command's help, its names and its text, is in its
# page; so is each exit status line. The help is read here, not by the
# generator's code.
for c in $commands; do
  "$dfota" "$c" --help > "$tmp/help" || { bad "dfota $c --help failed"; continue; }
  "$python" - "$tmp/help" "$tmp/dfota-$c.txt" "$c" > "$tmp/agree" <<'EOF2'
import re, sys
help_lines = open(sys.argv[1]).read().split("\n")
page = open(sys.argv[2]).read()
cmd = sys.argv[3]
items, cur, inlist = [], None, False
for i, line in enumerate(help_lines):
    if not line.strip():
        inlist = False
        continue
    if line in ("Options:", "Exit status:") or (line.startswith("  -") and not help_lines[i - 1].strip()):
        inlist = True
        if line.endswith(":"):
            continue
    if not inlist:
        continue
    ind = len(line) - len(line.lstrip())
    if 2 <= ind <= 6 and ind < 7 and not (cur and ind > 2 and not line.strip().startswith("-")):
        cur = [line.strip()]
        items.append(cur)
    elif cur is not None and ind > 0:
        cur.append(line.strip())
missing = 0
for it in items:
    words = " ".join(" ".join(it).split())
    if words.replace("  ", " ") not in page and " ".join(words.split()) not in page:
        missing += 1
        print("MISSING: dfota %s --help says '%s'" % (cmd, words))
print("items %d missing %d" % (len(items), missing))
EOF2
  if grep -q "missing 0$" "$tmp/agree" && ! grep -q "^items 0 " "$tmp/agree"; then
    ok "dfota-$c(1) says each of the $(sed -n 's/^items \([0-9]*\).*/\1/p' "$tmp/agree") option and exit lines of dfota $c --help"
  elif grep -q "^items 0 " "$tmp/agree" && ! grep -q "^Options:\|^  -\|^Exit status:$" "$tmp/help"; then
    grep -q "$(sed -n 's/^Exit status: //p' "$tmp/help" | head -1)" "$tmp/dfota-$c.txt" \
      && ok "dfota-$c(1) has the exit status line of its help" \
      || bad "dfota-$c(1) lacks its help's exit status line"
  else
    bad "dfota-$c(1) and its --help differ:"; cat "$tmp/agree"
  fi
done

# The overview names every command and --version.
for c in $commands; do
  grep -q "dfota $c (see dfota-$c(1))" "$tmp/dfota.txt" || bad "dfota(1) does not name dfota $c"
done
expect_grep "dfota(1) says what --version prints" "--version" "$tmp/dfota.txt"

# What --version prints: the version of dfota/base.h, the commit (7 or
# more hex digits, -dirty for changed sources, or unknown) and the rule
# catalogue's hash, the same as a report's provenance records.
want_version=$(sed -n 's/^#define DFOTA_VERSION "\(.*\)"$/\1/p' "$root/harness/include/dfota/base.h")
"$dfota" --version > "$tmp/version"
"$dfota" version > "$tmp/version2"
re="^dfota $want_version (commit \([0-9a-f]\{7,\}\(-dirty\)\{0,1\}\|unknown\), rules \(fnv1a64:[0-9a-f]\{16\}\))$"
expect_grep "--version: version $want_version, a commit, the catalogue's hash" "$re" "$tmp/version"
cmp -s "$tmp/version" "$tmp/version2" && ok "dfota version says the same" || bad "dfota version: $(cat "$tmp/version2")"
hash=$(sed -n 's/.*, rules \(fnv1a64:[0-9a-f]*\))$/\1/p' "$tmp/version")
"$dfota" check --format json "$root/transcripts/guide/3.1-ftp-example.log" > "$tmp/check.json"
expect_grep "a report records the same hash ($hash)" "\"rules\": *\"$hash\"" "$tmp/check.json"

# The page on disk is what the generator makes of the binary now.
"$python" "$root/man/gen-man.py" "$dfota" run "$root/man/dfota-run.1.in" "$tmp/regen.1"
if cmp -s "$tmp/regen.1" "$mandir/dfota-run.1"; then ok "the built dfota-run(1) is the generator's output"; else bad "build/man/dfota-run.1 differs from a fresh generation"; fi

# A help with one blank between an option and its text cannot be taken
# apart: the generator says so and fails, instead of a wrong page.
cat > "$tmp/fake" <<'EOF2'
#!/usr/bin/env bash
case "$*" in
  --version) echo "dfota 9.9.9 (commit unknown, rules fnv1a64:0000000000000000)" ;;
  --help) printf 'usage: dfota COMMAND\n\nCommands:\n  demo     a command\n' ;;
  "demo --help") printf 'usage: dfota demo\n\nOptions:\n  --wide DIR the folder\n\nExit status: 0.\n' ;;
esac
EOF2
chmod +x "$tmp/fake"
expect_exit "the generator refuses an option line with one blank" 2 \
  "$python" "$root/man/gen-man.py" "$tmp/fake" demo "$root/man/dfota-lint.1.in" "$tmp/demo.1"
expect_grep "it names the line" "one blank before its description: '--wide DIR the folder'" "$tmp/err"
sed -i 's/--wide DIR the/--wide DIR  the/' "$tmp/fake"
expect_exit "with two blanks it makes the page" 0 \
  "$python" "$root/man/gen-man.py" "$tmp/fake" demo "$root/man/dfota-lint.1.in" "$tmp/demo.1"
expect_grep "the page has the option" '^\\fB\\-\\-wide\\fR \\fIDIR\\fR$' "$tmp/demo.1"

# Installed: compressed with the most compression and no name or time in
# the gzip header (gzip -9n), where man finds them, with the completion.
if [ -f "$build/CMakeCache.txt" ]; then
  if cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1; then
    ok "cmake --install"
    good=0
    for p in $pages; do
      gz=$tmp/prefix/share/man/man1/$p.1.gz
      if [ ! -f "$gz" ]; then bad "not installed: share/man/man1/$p.1.gz"; continue; fi
      hdr=$(od -An -tx1 -N10 "$gz" | tr -d ' \n')
      case "$hdr" in
        1f8b0800000000000203) good=$((good + 1)) ;;
        *) bad "$p.1.gz: gzip header $hdr, want 1f8b08 no name, time 0, -9 (02), unix (03)" ;;
      esac
    done
    [ "$good" -gt 0 ] && ok "$good installed pages, each with a gzip -9n header"
    MANPATH=$tmp/prefix/share/man man dfota-run 2> "$tmp/man.err" | "$python" -c 'import sys; print(" ".join(sys.stdin.read().split()))' > "$tmp/run.txt"
    expect_grep "man dfota-run shows the installed page" "DFOTA-RUN(1)" "$tmp/run.txt"
    expect_grep "with its options" "scenario NAME run only this scenario" "$tmp/run.txt"
    if cmp -s "$tmp/prefix/share/bash-completion/completions/dfota" "$root/completion/dfota.bash"; then
      ok "the completion is installed as share/bash-completion/completions/dfota"
    else
      bad "no share/bash-completion/completions/dfota, or not completion/dfota.bash"
    fi
  else
    bad "cmake --install failed:"; cat "$tmp/install.log"
  fi
fi
finish
