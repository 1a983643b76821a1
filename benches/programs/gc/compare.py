#!/usr/bin/env python3
"""The GC programs against wasmtime with GC enabled, as separate processes:
wall time and peak RSS of `weft run --invoke` (reference and threaded
engine) and of wasmtime (the Python package with `Config.wasm_gc`,
`wasmtime_gc.py`), the runtimes alternated in each repetition.

    cargo build --release -p weft-cli
    python3 benches/programs/gc/compare.py [--reps N] [--full] [--reference-only] [--only WORD,...] [--programs WORD,...]

Default sizes: 10^7 list-churn nodes, binary trees of depth 16; `--full`
runs the issue's sizes (10^8 nodes, depth 20). `WEFT_BASELINE=PATH` adds
another weft binary (an earlier commit's build) on both engines; `--only
threaded,wasmtime` keeps the runtimes whose name contains one of the words,
`--programs churn` the programs.
Prints a markdown table: median wall time, the objects per second it
implies, the largest peak RSS.
"""

import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GC = os.path.join(ROOT, "benches", "programs", "gc")


def tree_objects(m):
    n = lambda d: (1 << (d + 1)) - 1
    return n(m + 1) + n(m) + sum((1 << (m - d + 4)) * n(d) for d in range(4, m + 1, 2))


def run(cmd):
    """Wall seconds and peak RSS (KiB) of one child process."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    secs = time.monotonic() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return secs, usage.ru_maxrss


def main():
    args = sys.argv[1:]
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 3
    full = "--full" in args
    churn, depth = (100_000_000, 20) if full else (10_000_000, 16)
    weft = os.environ.get("WEFT", os.path.join(ROOT, "target", "release", "weft"))
    py = sys.executable
    programs = [
        (f"list_churn {churn:.0e}", churn, "list_churn.wat", "churn", churn),
        (f"binary_trees {depth}", tree_objects(depth), "binary_trees.wat", "depth", depth),
    ]
    if "--programs" in args:
        # Programs whose label contains one of the comma-separated words.
        words = args[args.index("--programs") + 1].split(",")
        programs = [p for p in programs if any(w in p[0] for w in words)]
    runtimes = [
        ("weft reference", lambda f, e, a: [weft, "run", "--engine", "reference", "--invoke", e, f, str(a)]),
        ("weft threaded", lambda f, e, a: [weft, "run", "--engine", "threaded", "--invoke", e, f, str(a)]),
        ("wasmtime (GC)", lambda f, e, a: [py, os.path.join(GC, "wasmtime_gc.py"), f, e, str(a)]),
    ]
    if "--reference-only" in args:
        # GC modules run on the reference engine either way today.
        runtimes = [r for r in runtimes if r[0] != "weft threaded"]
    baseline = os.environ.get("WEFT_BASELINE")
    if baseline:
        # Another build of weft (e.g. an earlier commit's), each engine.
        for i, engine in ((1, "reference"), (3, "threaded")):
            runtimes.insert(i, (f"weft {engine} (WEFT_BASELINE)", lambda f, e, a, engine=engine: [baseline, "run", "--engine", engine, "--invoke", e, f, str(a)]))
    if "--only" in args:
        # Runtimes whose name contains one of the comma-separated words.
        words = args[args.index("--only") + 1].split(",")
        runtimes = [r for r in runtimes if any(w in r[0] for w in words)]
    load = open("/proc/loadavg").read().split()[:3]
    print(f"load average {' '.join(load)}; {reps} repetitions, runtimes alternated")
    print("| program | runtime | time (median) | objects/s | peak RSS |")
    print("|---|---|---|---|---|")
    for label, objects, file, export, arg in programs:
        path = os.path.join(GC, file)
        results = {name: [] for name, _ in runtimes}
        for _ in range(reps):
            for name, cmd in runtimes:
                results[name].append(run(cmd(path, export, arg)))
        for name, _ in runtimes:
            secs = statistics.median(s for s, _ in results[name])
            rss = max(r for _, r in results[name])
            print(f"| {label} | {name} | {secs:.2f} s | {objects / secs / 1e6:.2f} M | {rss // 1024} MiB |")


if __name__ == "__main__":
    main()
