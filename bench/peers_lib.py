#!/usr/bin/env python3
"""Helpers of bench/peers.sh: timing commands and writing the one table.

    peers_lib.py measure RUNS CMD...      prints `median min max cpu` (ms) and `peak` (MiB)
    peers_lib.py row FILE FIGURE GITEXP PEER RATIO GOAL MET RSS   appends a row
    peers_lib.py table FILE               prints the Markdown table

`measure` runs CMD RUNS times after one warm-up (none when RUNS is 1), each as its own process
waited for with wait4, so CPU (user + system) and peak RSS are that command's and its children's
alone. Exit status 1 is accepted (`nbdiff` reports a difference so). With PREPARE set, that shell
command runs before each run, untimed (`rm -rf site` before a cold report).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time


def measure(runs, cmd):
    walls, cpus, peak = [], [], 0
    warmup = 1 if runs > 1 else 0
    prepare = os.environ.get("PREPARE")
    for i in range(warmup + runs):
        if prepare:
            subprocess.run(prepare, shell=True, check=True)
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) not in (0, 1):
                err.seek(0)
                tail = err.read()[-2000:].decode(errors="replace")
                sys.exit(f"{' '.join(cmd)} failed with status {status}: {tail}")
        peak = max(peak, usage.ru_maxrss)  # KiB on Linux
        if i >= warmup:
            walls.append(wall * 1000)
            cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
    print(f"{statistics.median(walls):.1f} {min(walls):.1f} {max(walls):.1f} {statistics.median(cpus):.1f} {peak / 1024:.0f}")


def row(path, cells):
    with open(path, "a") as f:
        f.write("\t".join(c.replace("\t", " ") for c in cells) + "\n")


def table(path):
    print("| figure | git-exp | peer | ratio | goal | met? | peak RSS |")
    print("|---|---:|---:|---:|---|---|---:|")
    with open(path) as f:
        for line in f:
            print("| " + " | ".join(line.rstrip("\n").split("\t")) + " |")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "measure":
        measure(int(sys.argv[2]), sys.argv[3:])
    elif what == "row":
        row(sys.argv[2], sys.argv[3:])
    elif what == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)
