#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen-man.py - a manual page from `dfota CMD --help` and hand-written sections.

usage: gen-man.py DFOTA_BINARY COMMAND|- IN_FILE OUT_FILE

The help is the one source of truth for what a page shares with it: the
NAME (the command's line in `dfota --help`), the SYNOPSIS (its usage lines),
the DESCRIPTION (its paragraphs), the OPTIONS (its option list, one .TP
each), the lists under other headings (the emulator's named profiles and
faults) and the EXIT STATUS. IN_FILE adds what help does not say (its roff
is appended: ENVIRONMENT, FILES, EXAMPLES, SEE ALSO). COMMAND - makes the
overview page dfota(1) from `dfota --help`. A help text the reader cannot
take apart (an option with one blank before its description) is an error,
so that the page and the help cannot drift apart silently.
"""
import re
import subprocess
import sys


def fail(msg):
    sys.stderr.write("gen-man: %s\n" % msg)
    sys.exit(2)


def run(binary, args):
    p = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail("%s %s exited %d" % (binary, " ".join(args), p.returncode))
    return p.stdout.decode("utf-8")


# Characters a typesetter's fonts may lack, drawn in ASCII there.
FALLBACK = {0x240D: "CR", 0x240A: "LF"}


def esc(text):
    """Text as roff shows it: backslashes, minus signs, anything not ASCII;
    a word too long for a line may break after its , / and | signs."""
    text = " ".join(re.sub(r"([,/|])(?=.)", "\\1\0", w) if len(w) > 24 else w
                    for w in text.split(" "))
    out = []
    for ch in text:
        if ch == "\0":
            out.append("\\:")
        elif ch == "\\":
            out.append("\\e")
        elif ch == "-":
            out.append("\\-")
        elif ord(ch) > 126:
            out.append("\\[u%04X]" % ord(ch))
        else:
            out.append(ch)
    s = "".join(out)
    return "\\&" + s if s[:1] in (".", "'") else s


OPTION = re.compile(r"^--?[A-Za-z0-9][A-Za-z0-9-]*$")


def term_roff(term, where):
    """An item's term: option names bold, their arguments italic; a list's
    word (a profile, a fault, an exit status) bold."""
    if where != "option":
        return "\\fB%s\\fR" % esc(term)
    parts = []
    for tok in re.split(r"(, | / | )", term):
        if tok in (", ", " / ", " ", ""):
            parts.append(tok)
        elif OPTION.match(tok):
            parts.append("\\fB%s\\fR" % esc(tok))
        else:
            if re.fullmatch(r"[a-z]{3,}", tok) and where == "option":
                fail("an option line has one blank before its description: '%s'" % term)
            parts.append("\\fI%s\\fR" % esc(tok))
    return "".join(parts)


def indent(line):
    return len(line) - len(line.lstrip(" "))


def split_term(line):
    body = line.strip()
    m = re.search(r"\S {2,}", body)
    if not m:
        return body, ""
    return body[: m.start() + 1], body[m.end():]


def items(lines, where):
    """Items of a list (indented term, two blanks, text; deeper lines go
    on) and lines at the left margin between them, as roff."""
    out = []
    cur = None

    def flush():
        if cur:
            out.append(".TP")
            out.append(term_roff(cur[0], where))
            text = " ".join(t for t in cur[1] if t)
            if text:
                out.append(esc(text))

    for line in lines:
        ind = indent(line)
        starts = (2 <= ind <= 6 and line.strip().startswith("-")) if where == "option" else ind == 2
        if starts:
            flush()
            term, text = split_term(line)
            cur = (term, [text])
        elif ind > 0 and cur:
            cur[1].append(line.strip())
        else:
            flush()
            cur = None
            out.append(".PP")
            out.append(esc(line.strip()))
    flush()
    return out


def prose(lines):
    """A paragraph: filled text, indented lines kept as they are."""
    out = [".PP"]
    nofill = False
    for line in lines:
        if indent(line) >= 2:
            if not nofill:
                out += [".RS", ".nf"]
                nofill = True
            out.append(esc(line.strip()))
        else:
            if nofill:
                out += [".fi", ".RE"]
                nofill = False
            out.append(esc(line))
    if nofill:
        out += [".fi", ".RE"]
    return out


def paragraphs(text):
    paras, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    return paras


def synopsis(lines):
    out = [".SH SYNOPSIS"]
    merged = []
    for line in lines:
        s = re.sub(r"^usage:\s*", "", line.strip())
        if merged and not s.startswith("dfota"):
            merged[-1] += " " + s
        else:
            merged.append(s)
    for i, s in enumerate(merged):
        words = s.split(" ", 2)
        if i:
            out.append(".br")
        head = " ".join(words[:2]) if len(words) > 1 and not words[1].startswith(("-", "[")) \
            and words[1].islower() else words[0]
        rest = s[len(head):].strip()
        out.append(".B %s" % esc(head))
        if rest:
            out.append(esc(rest))
    return out


HEADING = re.compile(r"^([A-Z][A-Za-z ]*?)(?: \(([^)]*)\))?:(.*)$")


def command_page(binary, cmd, what):
    help_text = run(binary, [cmd, "--help"])
    paras = paragraphs(help_text)
    if not paras or not paras[0][0].startswith("usage:"):
        fail("dfota %s --help does not start with usage:" % cmd)
    usage = [l for l in paras[0] if l.startswith("usage:") or l.startswith(" ")]
    first_rest = paras[0][len(usage):]
    desc, opts, exits, others = [], [], [], []
    if first_rest:
        desc += prose(first_rest)
    for para in paras[1:]:
        m = HEADING.match(para[0])
        if m and (m.group(3).strip() == "" or m.group(1) == "Exit status"):
            name, note, rest = m.group(1), m.group(2), m.group(3).strip()
            body = para[1:]
            if name == "Options":
                opts += items(body, "option")
            elif name == "Exit status":
                if rest:
                    exits += prose([rest] + body)
                else:
                    exits += items(body, "list")
            else:
                sec = [".SH %s" % esc(name.upper())]
                if note:
                    sec += [".PP", esc(note[0].upper() + note[1:] + ".")]
                others.append(sec + items(body, "list"))
        elif para[0].startswith("  -"):
            opts += items(para, "option")
        else:
            desc += prose(para)
    out = [".SH NAME", "dfota\\-%s \\- %s" % (esc(cmd), esc(what))]
    out += synopsis(usage)
    if desc:
        out += [".SH DESCRIPTION"] + desc
    if opts:
        out += [".SH OPTIONS"] + opts
    for sec in others:
        out += sec
    if exits:
        out += [".SH \"EXIT STATUS\""] + exits
    return out


def overview_page(binary, commands):
    help_text = run(binary, ["--help"])
    paras = paragraphs(help_text)
    out = [".SH NAME", "dfota \\- check DFOTA firmware upgrades of Quectel EG9x modules"]
    out += synopsis(paras[0])
    out += [".SH DESCRIPTION"]
    for para in paras[1:]:
        if para[0] == "Commands:":
            out += [".SH COMMANDS"]
            for name, what in commands:
                out += [".TP", "\\fBdfota %s\\fR (see \\fBdfota\\-%s\\fR(1))" % (esc(name), esc(name)),
                        esc(what)]
        else:
            out += prose(para)
    return out


def main():
    if len(sys.argv) != 5:
        fail("usage: gen-man.py DFOTA_BINARY COMMAND|- IN_FILE OUT_FILE")
    binary, cmd, in_file, out_file = sys.argv[1:]
    version = run(binary, ["--version"]).split()[1]
    commands = []
    for line in run(binary, ["--help"]).split("\n"):
        m = re.match(r"^  ([a-z]+) +(\S.*)$", line)
        if m:
            commands.append((m.group(1), m.group(2)))
    title = "dfota" if cmd == "-" else "dfota-" + cmd
    if cmd == "-":
        body = overview_page(binary, commands)
    else:
        what = dict(commands).get(cmd)
        if what is None:
            fail("'%s' is not a command dfota --help lists" % cmd)
        body = command_page(binary, cmd, what)
    with open(in_file, encoding="utf-8") as f:
        extra = f.read()
    page = ['.\\" Generated by man/gen-man.py from "dfota %s\\-\\-help" and %s; do not edit.'
            % ("" if cmd == "-" else cmd + " ", in_file.rsplit("/", 1)[-1]),
            '.TH %s 1 "" "dfota %s" "dfota manual"' % (esc(title.upper()), esc(version)),
            ".ad l", ".nh"]
    page += [".fchar \\[u%04X] %s" % kv for kv in FALLBACK.items()]
    page += body
    text = "\n".join(page) + "\n" + extra
    with open(out_file, "w", encoding="utf-8") as f:
        f.write(text)


main()
