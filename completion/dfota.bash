# SPDX-License-Identifier: MIT
# bash completion for dfota: its commands, each command's options, and the
# values of options that take names (profiles, fault kinds, models, scenario
# names and tags, sources and serial ports, files). Nothing is listed here:
# the options are read from `dfota CMD --help`, the names the core knows
# from `dfota --complete WHAT`, the scenarios from `dfota list` of the
# scenarios/ folder in the working directory (else the installed library),
# the ports from `dfota ports --format json`, so completion says what the
# installed dfota says. Works with or without the bash-completion package.

# _dfota_bin: the dfota being completed (as typed, when it can be run).
_dfota_bin() {
  local b=${COMP_WORDS[0]}
  if [[ $b == */* && -x $b ]] || type -P -- "$b" > /dev/null 2>&1; then
    printf '%s\n' "$b"
  else
    printf 'dfota\n'
  fi
}

# _dfota_options BIN CMD: a line per option of CMD's --help,
# "NAME\tARG\tLONG" (ARG empty when the option takes none; LONG the long
# name of the same option), from its Options: list (or a
# paragraph that starts with an option, as stage's).
_dfota_options() {
  "$1" "$2" --help 2> /dev/null | awk '
    /^$/ { inopts = 0; blank = 1; next }
    /^Options:/ { inopts = 1; blank = 0; next }
    blank && /^  -/ { inopts = 1 }
    { blank = 0 }
    inopts && match($0, /^ +-/) && RLENGTH >= 3 && RLENGTH <= 7 {
      t = $0; sub(/^ +/, "", t)
      n = index(t, "  "); if (n) t = substr(t, 1, n - 1)
      gsub(/ \/ /, " ", t); gsub(/,/, "", t)
      k = split(t, w, " "); arg = ""; m = 0
      for (i = 1; i <= k; i++) {
        if (w[i] ~ /^--?[A-Za-z0-9]/ && arg == "") names[++m] = w[i]
        else arg = arg (arg == "" ? "" : " ") w[i]
      }
      long = names[m]
      for (i = 1; i <= m; i++) if (names[i] ~ /^--/) { long = names[i]; break }
      for (i = 1; i <= m; i++) printf "%s\t%s\t%s\n", names[i], arg, long
    }'
}

# _dfota_scenarios BIN FIELD: names (FIELD 1) or tags (FIELD tags) of the
# scenarios in ./scenarios, else in the installed share/dfota/scenarios.
_dfota_scenarios() {
  local dir=scenarios
  if [[ ! -d $dir ]]; then
    local exe
    exe=$(type -P -- "$1" 2> /dev/null) || return
    dir=${exe%/*}/../share/dfota/scenarios
    [[ -d $dir ]] || return
  fi
  "$1" list "$dir" 2> /dev/null | awk -v want="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "TAGS") tags = i; next }
    /^[^ ]/ {
      if (want == "tags") { if (tags) { n = split($tags, t, ","); for (i = 1; i <= n; i++) if (t[i] != "-") print t[i] } }
      else print $1
    }' | sort -u
}

# _dfota_ports BIN: serial:PORT for each port and USB identity dfota finds.
_dfota_ports() {
  "$1" ports --format json 2> /dev/null \
    | sed -n 's/^ *"\(name\|identity\)": "\([^"]*\)".*/serial:\2/p'
}

# _dfota_reply WORDS...: the words that start with $cur, with what bash
# keeps of $cur before its last colon taken off (COMP_WORDBREAKS).
_dfota_reply() {
  local w
  COMPREPLY=()
  for w in "$@"; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
  done
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local keep=${cur%"${cur##*:}"} i
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$keep"}; done
  fi
}

_dfota_files() {
  compopt -o filenames 2> /dev/null
  local IFS=$'\n'
  COMPREPLY=($(compgen -f -- "$cur"))
}

_dfota() {
  local line=${COMP_LINE:0:COMP_POINT} cur prev bin cmd
  local -a w
  read -r -a w <<< "$line"
  [[ $line == *[[:space:]] || ${#w[@]} -eq 0 ]] && w+=("")
  cur=${w[${#w[@]} - 1]}
  prev=${w[${#w[@]} - 2]:-}
  bin=$(_dfota_bin)
  COMPREPLY=()
  if [[ ${#w[@]} -le 2 ]]; then
    _dfota_reply $("$bin" --complete commands 2> /dev/null) --help --version
    return 0
  fi
  cmd=${w[1]}
  local opts
  opts=$(_dfota_options "$bin" "$cmd")
  # An option's value: the option is $prev, or $cur is --opt=value.
  local opt=$prev val=$cur
  if [[ $cur == --*=* ]]; then
    opt=${cur%%=*}
    val=${cur#*=}
  fi
  local arg long
  IFS=$'\t' read -r _ arg long < <(awk -F '\t' -v o="$opt" '$1 == o { print; exit }' <<< "$opts")
  if [[ -n $arg ]]; then
    local -a words=()
    case "$long" in
      --profile)
        words=(strict field)
        [[ $arg == *NAME* ]] && words=($("$bin" --complete profiles 2> /dev/null)) ;;
      --fault) words=($("$bin" --complete faults 2> /dev/null)) ;;
      --model)
        words=($("$bin" --complete models 2> /dev/null))
        if [[ $cur != --*=* ]]; then
          _dfota_files
          local m
          for m in "${words[@]}"; do [[ $m == "$cur"* ]] && COMPREPLY+=("$m"); done
          return 0
        fi ;;
      --tag) words=($(_dfota_scenarios "$bin" tags)) ;;
      --source | --module)
        case "$val" in
          transcript:*)
            local cur_saved=$cur
            cur=${val#transcript:}
            _dfota_files
            cur=$cur_saved
            return 0 ;;
          serial:*) words=($(_dfota_ports "$bin")) ;;
          *)
            if [[ $cmd == run ]]; then words=(transcript: emulator serial:); else words=(serial:); fi
            compopt -o nospace 2> /dev/null ;;
        esac ;;
      *)
        case "$arg" in
          *FILE* | *PATH* | *DIR* | OUT) _dfota_files; return 0 ;;
        esac
        if [[ $long == --scenario ]]; then
          words=($(_dfota_scenarios "$bin" 1))
        elif [[ $arg == *'|'* && $arg != *[A-Z]* ]]; then
          local IFS='|'
          words=($arg)
          unset IFS
        fi ;;
    esac
    if [[ $cur == --*=* ]]; then
      local c2=$cur
      cur=$val
      _dfota_reply "${words[@]}"
      cur=$c2
    else
      _dfota_reply "${words[@]}"
    fi
    [[ $long == --fault && ${#COMPREPLY[@]} -eq 1 ]] && compopt -o nospace 2> /dev/null
    return 0
  fi
  if [[ $cur == -* ]]; then
    _dfota_reply $(cut -f1 <<< "$opts")
    return 0
  fi
  case "$cmd" in
    check | merge | run | lint | list | package) _dfota_files ;;
  esac
  return 0
}

complete -F _dfota dfota
