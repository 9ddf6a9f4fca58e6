#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dfota_dask.py - dfota as the mapper of a Dask distributed run.

Shards a list of log paths, runs one

    dfota check --format jsonl --exit-zero --files-from -

per shard on the Dask workers (the shard's paths on its standard input),
keeps each shard's JSONL in OUT/shards/, and reduces them with `dfota merge`
into OUT/summary.json and OUT/summary.html; the text summary goes to
standard output.

The list of logs: --files-from FILE (one path a line, - for standard input,
-0 for NUL-separated entries, --keyed for KEY<TAB>PATH entries), and/or
FOLDER arguments, walked for regular files (an object-store prefix mounted as
files is a folder). The paths are read by the workers: on a cluster of
several machines they must name the same files there (a shared or mounted
store), and --dfota must be the path of dfota on the workers. The merge runs
here, with the same --dfota.

The engine: --scheduler tcp://HOST:8786 for a running cluster, or
--local N for a LocalCluster of N worker processes on 127.0.0.1 (a laptop).

Exit status (what the scheduler of this script sees):
  0, 1, 3  dfota merge's over all the verdicts: 0 no FAIL, 1 a FAIL,
           3 incomplete or nothing to judge (0 whatever they are with
           --exit-zero)
  2        usage error, no logs to judge, shards that do not agree (dfota
           merge names them; no summary), or a log that could not be read
           (a file record ERROR; the summary is written)
  4        a shard failed: its dfota exited with neither 0 nor a verdict
           (e.g. 2, an input or output error), or its worker died; the
           shard, the status and dfota's standard error are printed
A shard's FAIL verdicts are not a failed task: the workers run dfota with
--exit-zero, so a scheduler that retries failed tasks retries only real
failures (--retries).

Written for Debian 12's python3-distributed (2022.12).
"""

import argparse
import os
import signal
import subprocess
import sys


def read_list(path, null, keyed):
    """The entries of a --files-from list: bytes, byte for byte."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    with stream:
        data = stream.read()
    sep = b"\0" if null else b"\n"
    entries = [e for e in data.split(sep) if e]
    if keyed:
        for n, e in enumerate(entries, 1):
            if b"\t" not in e:
                raise SystemExit(f"dfota_dask: {path}:{n}: no TAB between KEY and PATH (--keyed)")
    return entries


def walk(dfota, folder):
    """The logs under FOLDER as dfota check picks them from a folder (by name,
    or by content for a file with no extension; never a README or a
    picture), as absolute bytes paths (the workers may not share our working
    folder). None, with dfota's message said, when dfota refuses the folder
    (nothing to read in it)."""
    proc = subprocess.run([dfota, "check", "--list-files", "-0", os.path.abspath(folder)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        return None
    return [p for p in proc.stdout.split(b"\0") if p]


def run_shard(index, entries, argv, out_dir):
    """On a worker: one dfota check over ENTRIES, their list on its
    standard input. Returns (index, jsonl bytes) or, when OUT_DIR is set
    (a folder the workers share), writes OUT_DIR/shard-INDEX.jsonl there and
    returns (index, None). Raises with dfota's status and standard error
    when it exits with anything but 0: with --exit-zero, every other status
    is a real error."""
    stdin = b"".join(e + b"\0" for e in entries)
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"shard {index}: {argv[0]} exited {proc.returncode}: {err}")
    if out_dir is None:
        return index, proc.stdout
    path = os.path.join(out_dir, f"shard-{index:05d}.jsonl")
    with open(path + ".part", "wb") as f:
        f.write(proc.stdout)
    os.replace(path + ".part", path)
    return index, None


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Judge many logs with dfota on a Dask cluster and merge the results.",
        epilog="Exit status: 0/1/3 dfota merge's verdict, 2 usage or mixed shards, 4 a shard failed.",
    )
    p.add_argument("folders", nargs="*", metavar="FOLDER", help="folders of logs, walked for regular files")
    p.add_argument("--files-from", metavar="FILE", help="list of log paths, one a line; - for standard input")
    p.add_argument("-0", "--null", action="store_true", help="the list's entries are NUL-separated")
    p.add_argument("--keyed", action="store_true", help="the list's entries are KEY<TAB>PATH")
    p.add_argument("-o", "--out", required=True, metavar="DIR",
                   help="where shards/, summary.json and summary.html go")
    engine = p.add_mutually_exclusive_group()
    engine.add_argument("--scheduler", metavar="ADDRESS", help="a running scheduler, e.g. tcp://10.0.0.5:8786")
    engine.add_argument("--local", type=int, metavar="N", default=2,
                        help="a LocalCluster of N worker processes on 127.0.0.1 (default 2)")
    p.add_argument("--shard-size", type=int, default=5000, metavar="N", help="logs per dfota process (default 5000)")
    p.add_argument("--dfota", default="dfota", metavar="PATH", help="dfota on the workers and here (default: on PATH)")
    p.add_argument("--profile", metavar="NAME", help="dfota's --profile (strict or field)")
    p.add_argument("--jobs", type=int, metavar="N", help="dfota's --jobs on each worker")
    p.add_argument("--shared-out", action="store_true",
                   help="workers write their shards into OUT/shards themselves (OUT on a shared filesystem) "
                        "instead of sending them back")
    p.add_argument("--retries", type=int, default=0, metavar="N", help="times Dask reruns a failed shard (default 0)")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 whatever the verdicts (dfota merge --exit-zero)")
    a = p.parse_args(argv)
    if a.shard_size < 1:
        p.error("--shard-size must be at least 1")
    if a.local is not None and a.local < 1:
        p.error("--local must be at least 1")
    if not a.files_from and not a.folders:
        p.error("no logs: give --files-from FILE or FOLDER arguments")
    if a.keyed and a.folders:
        p.error("--keyed applies to --files-from only")
    return a


def main(argv):
    a = parse_args(argv)
    # SIGTERM (a scheduler stopping this job) closes the cluster on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    entries = []
    if a.files_from:
        entries += read_list(a.files_from, a.null, a.keyed)
    for folder in a.folders:
        if not os.path.isdir(folder):
            print(f"dfota_dask: {folder}: not a folder", file=sys.stderr)
            return 2
        found = walk(a.dfota, folder)
        if found is None:
            return 2
        entries += found
    if not entries:
        print("dfota_dask: no logs to judge", file=sys.stderr)
        return 2
    shards = [entries[i:i + a.shard_size] for i in range(0, len(entries), a.shard_size)]

    check = [a.dfota, "check", "--format", "jsonl", "--exit-zero", "--null", "--files-from", "-"]
    if a.keyed:
        check.append("--keyed")
    if a.profile:
        check += ["--profile", a.profile]
    if a.jobs:
        check += ["--jobs", str(a.jobs)]

    shard_dir = os.path.join(a.out, "shards")
    os.makedirs(shard_dir, exist_ok=True)
    for old in os.listdir(shard_dir):
        if old.startswith("shard-") and old.endswith(".jsonl"):
            os.remove(os.path.join(shard_dir, old))
    worker_dir = os.path.abspath(shard_dir) if a.shared_out else None

    # Imported here: --help works without the engine installed.
    from distributed import Client, LocalCluster, as_completed

    if a.scheduler:
        cluster = None
        client = Client(a.scheduler)
    else:
        # Processes, not threads (dfota runs as a child process either way,
        # but a worker per process is what a cluster has); loopback only, no
        # dashboard.
        cluster = LocalCluster(n_workers=a.local, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    failed = 0
    try:
        futures = client.map(run_shard, range(len(shards)), shards, argv=check, out_dir=worker_dir,
                             retries=a.retries, pure=False)
        for fut in as_completed(futures):
            try:
                index, data = fut.result()
            except Exception as e:  # the task's own error, or its worker's death
                failed += 1
                print(f"dfota_dask: {e}", file=sys.stderr)
                continue
            if data is not None:
                path = os.path.join(shard_dir, f"shard-{index:05d}.jsonl")
                with open(path, "wb") as f:
                    f.write(data)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if failed:
        print(f"dfota_dask: {failed} of {len(shards)} shards failed; no summary", file=sys.stderr)
        return 4

    # The reduce step: JSON and HTML files, text on standard output; the
    # exit status is the text run's (the three agree). dfota merge exits 2
    # both when it cannot merge (it writes nothing and says why) and when a
    # log could not be read (it writes the summary): only the first stops.
    shard_files = sorted(os.path.join(shard_dir, f) for f in os.listdir(shard_dir) if f.endswith(".jsonl"))
    merge = [a.dfota, "merge"] + (["--exit-zero"] if a.exit_zero else [])
    for fmt in ("json", "html"):
        path = os.path.join(a.out, "summary." + fmt)
        if os.path.exists(path):
            os.remove(path)
        status = subprocess.run(merge + ["--format", fmt, "-o", path] + shard_files, check=False).returncode
        if status not in (0, 1, 3) and not os.path.exists(path):
            return status
    return subprocess.run(merge + ["--format", "text"] + shard_files, check=False).returncode

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
