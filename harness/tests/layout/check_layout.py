#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The rooms of the core (STYLE.md, "Layout"): one folder per box of the
architecture under harness/lib/, one public header per room under
harness/include/dfota/, and includes that point only downward.

Checks, over the source tree given as the only argument:
  - every folder of harness/lib/ is a known room and has its header;
  - a room's header includes only headers of rooms below it;
  - a room's C files include public headers of their own room or below,
    and private headers ("room/x.h") of their own room or of base;
  - no C file of harness/lib/ is longer than 700 lines;
  - with --lib LIBRARY (the built static core): every symbol it exports
    starts with dfota_ (the API) or with its room's prefix (what files of
    one room share), so that no two rooms, and no command, can define one
    name twice;
  - every source file of the project (C, shell, Python, CMake, JavaScript,
    the manual pages' sources) has its SPDX-License-Identifier: MIT line.
Prints one line per breach and exits 1 when there is any."""
import os
import re
import subprocess
import sys

# Bottom to top: a room may use only the rooms before it.
ROOMS = ["base", "at", "guide", "log", "judge", "scenario", "report",
         "port", "emulator", "source", "stage", "run"]
RANK = {r: i for i, r in enumerate(ROOMS)}
MAX_LINES = 700
# What a room's files may share beside the API, by prefix.
SHARED_PREFIXES = ("dfota_", "judge_", "scn_", "log_", "html_", "em_", "run_", "report_")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def symbols(lib):
    """The exported symbols of lib that no prefix owns, one breach each."""
    import subprocess
    out = subprocess.run(["nm", "-g", "--defined-only", lib], capture_output=True,
                         text=True, check=True).stdout
    bad = []
    obj = "?"
    for line in out.splitlines():
        if line.endswith(":"):
            obj = line[:-1]
            continue
        parts = line.split()
        # names the compiler or a sanitizer makes (__odr_asan.x) are not ours
        if len(parts) == 3 and parts[1] in "TDBRC" and not parts[2].startswith(SHARED_PREFIXES + ("__",)):
            bad.append(f"{obj}: exports {parts[2]}, which has no room prefix")
    return bad


SOURCE_EXT = (".c", ".h", ".sh", ".bash", ".py", ".cmake", ".js")


def spdx(root):
    """Every source file of the project carries its licence's SPDX line
    near its top (after a #! line), one breach for each that does not."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        out = [os.path.relpath(os.path.join(d, f), root)
               for d, dirs, files in os.walk(root)
               for f in files if not d.startswith(os.path.join(root, "build"))]
    bad = []
    for rel in out:
        if not (rel.endswith(SOURCE_EXT) or os.path.basename(rel) == "CMakeLists.txt"
                or (rel.startswith("man/") and rel.endswith(".in"))):
            continue
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(3)]
        if not any("SPDX-License-Identifier: MIT" in line for line in head):
            bad.append(f"{rel}: no 'SPDX-License-Identifier: MIT' line at its top")
    return bad


def main():
    root = sys.argv[1]
    lib = os.path.join(root, "harness", "lib")
    inc = os.path.join(root, "harness", "include", "dfota")
    bad = []
    for room in sorted(os.listdir(lib)):
        if os.path.isdir(os.path.join(lib, room)) and room not in RANK:
            bad.append(f"harness/lib/{room}/: not a room of the architecture")
    for room in ROOMS:
        if not os.path.isfile(os.path.join(inc, room + ".h")):
            bad.append(f"harness/include/dfota/{room}.h: missing")
    headers = [h[:-2] for h in os.listdir(inc) if h.endswith(".h")]
    for h in headers:
        if h == "dfota":
            continue  # the umbrella, which includes every room
        if h not in RANK:
            bad.append(f"harness/include/dfota/{h}.h: not the header of a room")
            continue
        text = open(os.path.join(inc, h + ".h"), encoding="utf-8").read()
        for name in INCLUDE.findall(text):
            m = re.fullmatch(r"dfota/(\w+)\.h", name)
            if not m or m.group(1) not in RANK:
                bad.append(f"dfota/{h}.h includes {name}, not a room's header")
            elif RANK[m.group(1)] >= RANK[h]:
                bad.append(f"dfota/{h}.h includes dfota/{m.group(1)}.h, a room not below it")
    n_files = 0
    for dirpath, _, files in os.walk(lib):
        room = os.path.relpath(dirpath, lib).split(os.sep)[0]
        if room not in RANK:
            continue
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            n_files += 1
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            text = open(os.path.join(dirpath, f), encoding="utf-8").read()
            if f.endswith(".c"):
                lines = text.count("\n")
                if lines > MAX_LINES:
                    bad.append(f"{rel}: {lines} lines, more than {MAX_LINES}")
            for name in INCLUDE.findall(text):
                m = re.fullmatch(r"dfota/(\w+)\.h", name)
                if m:
                    other = m.group(1)
                    if other == "dfota":
                        bad.append(f"{rel}: includes the umbrella dfota/dfota.h; name the rooms it uses")
                    elif other not in RANK or RANK[other] > RANK[room]:
                        bad.append(f"{rel}: includes dfota/{other}.h, a room above {room}")
                    continue
                m = re.fullmatch(r"(\w+)/\w+\.h", name)
                if m:
                    if m.group(1) not in (room, "base"):
                        bad.append(f"{rel}: includes {name}, private to another room")
                    continue
                if not os.path.isfile(os.path.join(dirpath, name)):
                    bad.append(f"{rel}: includes {name}, which is not in its room")
    if "--lib" in sys.argv:
        bad += symbols(sys.argv[sys.argv.index("--lib") + 1])
    bad += spdx(root)
    for b in bad:
        print(b)
    print(f"{n_files} files in {len(ROOMS)} rooms, {len(bad)} breaches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
