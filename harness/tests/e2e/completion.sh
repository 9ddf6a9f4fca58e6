#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bash completion (completion/dfota.bash), sourced into a bash as
# bash-completion would: `complete -p dfota` names its function, and that
# function, given a command line as bash gives it (COMP_LINE, COMP_POINT,
# COMP_WORDS, COMP_CWORD), offers the commands, run's options, the
# profiles and the fault kinds that `dfota emulate --help` lists, the
# built-in model, scenario names and tags (from ./scenarios, and from the
# installed library when there is none), serial ports as `dfota ports`
# finds them, and files. Expected words come from the files and the help
# text, not from the script's own sources.
#
# usage: completion.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# A prefix as an install makes it: bin/dfota and share/dfota/scenarios.
mkdir -p "$tmp/prefix/bin" "$tmp/prefix/share/dfota" "$tmp/empty"
ln -s "$(cd "$(dirname "$dfota")" && pwd)/$(basename "$dfota")" "$tmp/prefix/bin/dfota"
cp -r "$root/scenarios" "$tmp/prefix/share/dfota/scenarios"

# complete DIR LINE: the words the registered function offers for LINE
# (the cursor at its end) in DIR, one a line, sorted, into $tmp/got.
complete_in() {
  local dir=$1 line=$2
  (cd "$dir" && PATH=$tmp/prefix/bin:$PATH bash --norc --noprofile -c '
    source "$1" || exit 9
    spec=$(complete -p dfota) || exit 8
    fn=${spec#*-F }; fn=${fn%% *}
    COMP_LINE=$2; COMP_POINT=${#2}
    read -r -a COMP_WORDS <<< "$2"
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    [[ $2 == *" " ]] && { COMP_WORDS+=(""); COMP_CWORD=$(( COMP_CWORD + 1 )); }
    "$fn" dfota "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$root/completion/dfota.bash" "$line") | sort > "$tmp/got"
}
complete_at() { complete_in "$root" "$1"; }

# has NAME WORD...: each WORD was offered.
has() {
  local name=$1 w miss=
  shift
  for w in "$@"; do grep -qxF -- "$w" "$tmp/got" || miss="$miss $w"; done
  if [ -z "$miss" ]; then ok "$name"; else bad "$name: not offered:$miss; offered: $(tr '\n' ' ' < "$tmp/got")"; fi
}
# only NAME WORD...: exactly these words were offered.
only() {
  local name=$1
  shift
  printf '%s\n' "$@" | sort > "$tmp/want"
  if cmp -s "$tmp/want" "$tmp/got"; then ok "$name"; else bad "$name: offered $(tr '\n' ' ' < "$tmp/got"), want $*"; fi
}

spec=$(bash --norc -c 'source "$1" && complete -p dfota' bash "$root/completion/dfota.bash")
if [[ $spec == "complete -F "*" dfota" ]]; then ok "complete -p dfota: $spec"; else bad "complete -p dfota: '$spec'"; fi

# Commands: those dfota --help lists.
commands=$("$dfota" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} /^$/ {on = 0}')
complete_at "dfota "
# shellcheck disable=SC2086
has "commands: every command of dfota --help" $commands --version
complete_at "dfota ru"
only "a command from its start" run rules

# Options of run, from its help.
complete_at "dfota run --ta"
only "run's option --tag" --tag
complete_at "dfota run -"
has "run's options" --source -s --scenario --report --profile --no-color -h

# Profiles and fault kinds: the named ones in dfota emulate --help.
"$dfota" emulate --help > "$tmp/emhelp"
profiles=$(awk '/^Named profiles/ {on = 1; next} on && /^  [a-z]/ {print $1} /^$/ {on = 0}' "$tmp/emhelp")
faults=$(awk '/^Faults \(/ {on = 1; next} on && /^  [a-z]/ {print $1} /^$/ {on = 0}' "$tmp/emhelp")
[ -n "$profiles" ] && [ -n "$faults" ] || bad "dfota emulate --help lists no profile or no fault"
complete_at "dfota emulate --profile "
# shellcheck disable=SC2086
only "emulate --profile: strict, field and the named profiles of its help" strict field $profiles
complete_at "dfota emulate -p two"
only "a named profile from its start" two-part
complete_at "dfota run --profile "
only "run --profile: strict and field (what its help allows)" strict field
complete_at "dfota emulate --fault "
# shellcheck disable=SC2086
only "emulate --fault: the fault kinds of its help" $faults
complete_at "dfota emulate -x update-f"
only "a fault kind from its start" update-fail
complete_at "dfota emulate --model e"
has "emulate --model: the built-in model" eg95

# Scenario names and tags: from the files of scenarios/.
complete_at "dfota run --scenario 3-test"
only "run --scenario: a scenario name" 3-test-command
complete_at "dfota run --scenario "
n_files=$(find "$root/scenarios" -maxdepth 1 -name '*.yaml' | wc -l)
n_got=$(wc -l < "$tmp/got")
if [ "$n_got" -eq "$n_files" ]; then ok "run --scenario: every scenario of scenarios/ ($n_got)"; else bad "run --scenario offers $n_got names, scenarios/ has $n_files files"; fi
tag=$(sed -n 's/^tags: *\[\([a-z0-9-]*\).*/\1/p' "$root/scenarios/1-upgrade-back-to-old-version.yaml" | head -1)
[ -n "$tag" ] || tag=downgrade
complete_at "dfota run --tag ${tag:0:4}"
has "run --tag: a tag of a scenario ($tag)" "$tag"
complete_at "dfota run --tag=${tag:0:4}"
has "run --tag=: the same" "$tag"
complete_in "$tmp/empty" "dfota run --scenario 3-test"
only "with no scenarios/ here, the installed library's names" 3-test-command

# Sources and serial ports: what dfota ports --format json finds.
complete_at "dfota run --source "
only "run --source: the three kinds" transcript: emulator serial:
"$dfota" ports --format json > "$tmp/ports.json" 2> /dev/null
"$python" -c '
import json, sys
for p in json.load(open(sys.argv[1])):
    for k in ("name", "identity"):
        if p.get(k): print(p[k])' "$tmp/ports.json" | sort -u > "$tmp/ports"
complete_at "dfota run --source serial:"
# bash keeps "serial:" (":" breaks words): the words are the ports.
if cmp -s "$tmp/ports" "$tmp/got"; then ok "serial: the ports dfota ports lists ($(wc -l < "$tmp/got"))"; else bad "serial: offered $(tr '\n' ' ' < "$tmp/got"), dfota ports lists $(tr '\n' ' ' < "$tmp/ports")"; fi
complete_at "dfota run --source transcript:transcripts/gu"
only "transcript: a file name" transcripts/guide

# Values from the help's alternatives, and files.
complete_at "dfota check --format "
only "check --format: text, json, jsonl, junit" text json jsonl junit
complete_at "dfota check --fail-on "
only "check --fail-on: none, fail, incomplete" none fail incomplete
complete_at "dfota check --files-from transcripts/gu"
only "check --files-from: a file name" transcripts/guide
complete_at "dfota lint scenarios/3-test"
only "lint: a file" scenarios/3-test-command.yaml
# dfota merge: its formats, --fail-on's values, its options, and shards
complete_at "dfota merge --format "
only "merge --format: text, json, html" text json html
complete_at "dfota merge --fail-on "
only "merge --fail-on: none, fail, incomplete" none fail incomplete
complete_at "dfota merge --allow-"
only "merge's --allow- options" --allow-mixed --allow-truncated
complete_at "dfota merge transcripts/gu"
only "merge: a file" transcripts/guide

# Installed: bash-completion loads it on demand, by the command's name,
# from share/bash-completion/completions/dfota of a data folder.
compdir=$(pkg-config --variable=completionsdir bash-completion 2> /dev/null)
if [ -n "$compdir" ] && [ -f "${compdir%/*}/bash_completion" ]; then
  mkdir -p "$tmp/prefix/share/bash-completion/completions"
  cp "$root/completion/dfota.bash" "$tmp/prefix/share/bash-completion/completions/dfota"
  (cd "$root" && PATH=$tmp/prefix/bin:$PATH XDG_DATA_DIRS=$tmp/prefix/share bash --norc --noprofile -c '
    source "$1"
    __load_completion dfota || exit 7
    complete -p dfota
    COMP_LINE="dfota run --scenario 3-test"; COMP_POINT=${#COMP_LINE}
    COMP_WORDS=(dfota run --scenario 3-test); COMP_CWORD=3
    _dfota dfota 3-test --scenario
    printf "%s\n" "${COMPREPLY[@]}"' bash "${compdir%/*}/bash_completion") > "$tmp/loaded" 2> "$tmp/loaded.err"
  expect_grep "bash-completion loads it from share/bash-completion/completions" "^complete -F _dfota dfota$" "$tmp/loaded"
  expect_grep "and it completes a scenario name there" "^3-test-command$" "$tmp/loaded"
else
  bad "bash-completion is not installed (scripts/install-deps.sh)"
fi
finish
