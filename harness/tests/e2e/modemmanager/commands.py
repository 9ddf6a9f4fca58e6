#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""commands.py - the commands a host sent in a `dfota emulate --record`
recording, each with what the emulator answered, for modemmanager.sh.

usage: commands.py RECORDING ALLOW_FILE

Prints one row per distinct (command, answer) with how often it came, then
"refused: N" and one "REFUSED <command> -> <answer>" line per command that
got ERROR, +CME ERROR or +CMS ERROR and is not in ALLOW_FILE (lines
"COMMAND<TAB>reason"; '#' starts a comment). Exit 0 when none was refused,
1 when some were, 2 when the recording cannot be read.

A command's answer is the module's lines after it up to its final result
(or the host's next command): its echo and the EG95's URCs (+QIND:, RDY,
+QUSIM:) are left out. A command the module
did not answer before a USB reboot took its port away (in recovery mode the
AT interpreter does not run) is "(no answer; the port went away)"."""
import collections
import re
import sys

FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*|\+CMS ERROR:.*|NO CARRIER|CONNECT.*)$")
REFUSAL = re.compile(r"^(ERROR|\+CME ERROR:.*|\+CMS ERROR:.*)$")
URC = re.compile(r"^(\+QIND: .*|RDY|\+QUSIM: .*)$")  # never an answer
EVENT = re.compile(r"^\d+\.\d+ ([<>!]) ?(.*)$")


def pairs(lines):
    """(command, [answer lines], final) for each '>' line."""
    out, cur = [], None
    for line in lines:
        m = EVENT.match(line.rstrip("\r\n"))
        if not m:
            continue
        side, text = m.groups()
        if side == "!" and text == "port-lost" and cur and cur[2] is None:
            cur[2] = "(port lost)"  # a reboot: no answer will come
            if not cur[1]:
                cur[1].append("(no answer; the port went away)")
        elif side == ">":
            if cur:
                out.append(cur)
            cur = [text, [], None]
        elif side == "<" and cur and cur[2] is None:
            if not cur[1] and text and (cur[0].startswith(text) or cur[0].endswith(text)):
                continue  # its echo (or the part of it after a URC)
            if URC.match(text):
                continue
            cur[1].append(text)
            if FINAL.match(text):
                cur[2] = text
    if cur:
        out.append(cur)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        lines = open(sys.argv[1], encoding="utf-8", errors="replace").readlines()
    except OSError as e:
        print("commands.py:", e, file=sys.stderr)
        return 2
    allow = {}
    for line in open(sys.argv[2], encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            cmd, _, why = line.partition("\t")
            allow[cmd] = why
    rows = collections.OrderedDict()
    for cmd, answer, final in pairs(lines):
        key = (cmd, " | ".join(answer) if answer else "(no answer)")
        rows[key] = rows.get(key, 0) + 1
    width = max([len(c) for c, _ in rows] + [7])
    print(f"{'COMMAND':{width}}  N  ANSWER")
    refused = []
    for (cmd, answer), n in rows.items():
        last = answer.split(" | ")[-1]
        mark = ""
        if REFUSAL.match(last):
            if cmd in allow:
                mark = "   (refused as a real EG95 does: " + allow[cmd] + ")"
            else:
                refused.append((cmd, answer))
        print(f"{cmd:{width}} {n:2}  {answer}{mark}")
    print(f"commands: {sum(rows.values())}, distinct: {len(set(c for c, _ in rows))}")
    print(f"refused: {len(refused)}")
    for cmd, answer in refused:
        print(f"REFUSED {cmd} -> {answer}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
