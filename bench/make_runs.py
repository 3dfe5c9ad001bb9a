#!/usr/bin/env python3
"""Creates N run commits fast, with `git fast-import`, in the repository of the current directory.

    python3 bench/make_runs.py 100000          # ~100k runs in about a minute
    python3 bench/make_runs.py 1000 --seed 2   # more runs, other ids
    python3 bench/make_runs.py 10000 --series 10 --points 1000 --log-lines 1000   # report-sized runs

Each run is one commit on `refs/git-exp/runs/<id>` whose parent is HEAD and whose tree is HEAD's
plus `.git-exp/run.toml`: the final commit of a run as `git exp snapshot` writes it (the start
commit is left out, which no reader needs). Params, tags and metric summaries follow
`bench/core.sh ls` (`-p i=N -p lr=0.0N -t tN --metric acc=0.N --metric loss=1.N`), so the queries
of `bench/query.sh` select the same share of runs. For benchmarks only: no `git exp` command runs.

With `--series K`, each run instead has the metrics `m0` … `m<K-1>`, each a series file
`.git-exp/metrics/m<k>.csv` of `--points` points (docs/FORMAT.md: `step,value,time`, values
written to read back exactly, time in Unix seconds with milliseconds) whose summary in
`run.toml` is computed from those points, and with `--log-lines L` an `.git-exp/output.log` of
L lines: runs shaped like those `bench/report.sh` records through `git exp run`, in minutes
rather than hours. The series are distinct per run (seeded noise on a decaying curve).

The run refs are written straight into packed-refs (git-exp packs them past 1,000 loose ones
anyway): fast-import updating 100,000 loose refs one transaction each takes minutes on a loaded
machine, the objects themselves seconds.
"""

import argparse
import math
import os
import random
import subprocess
import sys

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
START = 1_795_428_000  # 2026-11-23T10:00:00Z
HOST = '[host]\nhostname = "bench"\nuser = "bench"\nos = "linux"\narch = "x86_64"\ncpus = 2\nmemory_bytes = 25276063744\n'


def iso(ms):
    import datetime

    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def summary(value):
    v = repr(value)
    return f"count = 1\nfirst_step = 0\nlast_step = 0\nfirst = {v}\nlast = {v}\nmin = {v}\nmax = {v}\nmean = {v}\n"


def run_toml(run_id, n, started_ms, base, branch, series=None, output_bytes=None):
    """The record; `series` (key -> values) replaces the two one-point metrics when given."""
    if series is None:
        metrics = f'[metrics.acc]\n{summary(float(f"0.{n}"))}\n[metrics.loss]\n{summary(float(f"1.{n}"))}'
    else:
        metrics = "\n".join(f"[metrics.{key}]\n{series_summary(values)}" for key, values in series.items())
    output = "" if output_bytes is None else f"[output]\nbytes = {output_bytes}\ntruncated = false\n\n"
    return (
        f'schema = 1\nid = "{run_id}"\nname = "bench-{n}"\nstatus = "completed"\n'
        f'command = []\ncwd = "."\nstarted = "{iso(started_ms)}"\nended = "{iso(started_ms + 500)}"\n'
        f'exit_code = 0\nbase = "{base}"\nbranch = "{branch}"\ndirty = false\ntags = ["t{n}"]\n\n'
        f"{output}{HOST}\n[params]\ni = {n}\nlr = {float(f'0.0{n}')!r}\n\n{metrics}"
    )


def series_summary(values):
    """A metric's summary in `run.toml`, from its points (steps 0 … n-1, all finite)."""
    return (
        f"count = {len(values)}\nfirst_step = 0\nlast_step = {len(values) - 1}\n"
        f"first = {values[0]!r}\nlast = {values[-1]!r}\nmin = {min(values)!r}\nmax = {max(values)!r}\n"
        f"mean = {sum(values) / len(values)!r}\n"
    )


def make_series(rng, keys, points):
    """Values of each series: a decaying curve per key plus this run's noise."""
    return {
        key: [math.exp(-step / (100 + 10 * k)) + (rng.random() - 0.5) * 0.02 for step in range(points)]
        for k, key in enumerate(keys)
    }


def series_csv(values, t0):
    rows = [f"{step},{v!r},{t0 + step * 0.5:.3f}" for step, v in enumerate(values)]
    return ("step,value,time\n" + "\n".join(rows) + "\n").encode()


def output_log(values, lines):
    """What train.py of bench/report.sh prints: one line per step."""
    return "".join(f"step {step}: loss={values[step % len(values)]:.4f}\n" for step in range(lines)).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--series", type=int, default=0, help="metric series per run (m0, m1, …); 0: two one-point metrics")
    parser.add_argument("--points", type=int, default=1000, help="points per series")
    parser.add_argument("--log-lines", type=int, default=0, help="lines of output.log per run")
    args = parser.parse_args()
    git = lambda *a: subprocess.run(["git", *a], check=True, capture_output=True, text=True).stdout.strip()
    base = git("rev-parse", "HEAD")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    existing = set(git("for-each-ref", "--format=%(refname:lstrip=3)", "refs/git-exp/runs/").split())
    rng = random.Random(args.seed)
    keys = [f"m{k}" for k in range(args.series)]
    marks = os.path.abspath(".git/bench-marks")
    # Mark :1 is the base: `from :1` is a table lookup, `from <sha>` a ref lookup per commit.
    with open(marks, "w") as f:
        f.write(f":1 {base}\n")
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", f"--import-marks={marks}", f"--export-marks={marks}"],
        stdin=subprocess.PIPE,
    )
    out = importer.stdin
    refs = {}
    for n in range(1, args.runs + 1):
        while True:
            run_id = "".join(rng.choice(ALPHABET) for _ in range(8))
            if run_id not in existing:
                existing.add(run_id)
                break
        started_ms = (START + n * 60) * 1000 + n % 1000
        files = {}
        if args.series > 0:
            series = make_series(rng, keys, args.points)
            for key, values in series.items():
                files[f".git-exp/metrics/{key}.csv"] = series_csv(values, started_ms / 1000)
            log = output_log(series[keys[0]], args.log_lines) if args.log_lines > 0 else None
            if log is not None:
                files[".git-exp/output.log"] = log
            record = run_toml(run_id, n, started_ms, base, branch, series, None if log is None else len(log))
        else:
            record = run_toml(run_id, n, started_ms, base, branch)
        record = record.encode()
        message = f"run {run_id} (bench-{n}): completed\n".encode()
        seconds = started_ms // 1000 + 1
        refs[n + 1] = run_id
        # One scratch branch for every commit (each has its own `from`): no ref per run here.
        out.write(f"commit refs/git-exp/bench-scratch\nmark :{n + 1}\n".encode())
        out.write(f"committer bench <bench@example.com> {seconds} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(message), message))
        out.write(b"from :1\n")
        out.write(b"M 100644 inline .git-exp/run.toml\ndata %d\n%s\n" % (len(record), record))
        for path, data in files.items():
            out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"done\n")
    out.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    git("update-ref", "-d", "refs/git-exp/bench-scratch")
    git("pack-refs", "--all", "--prune")
    packed = ".git/packed-refs"
    lines = open(packed).read().splitlines() if os.path.exists(packed) else []
    header = "# pack-refs with: peeled fully-peeled sorted "
    entries = [line for line in lines if not line.startswith("#")]
    with open(marks) as f:
        for line in f:
            mark, sha = line.split()
            if int(mark[1:]) in refs:
                entries.append(f"{sha} refs/git-exp/runs/{refs[int(mark[1:])]}")
    entries.sort(key=lambda line: line.split(" ", 1)[1].encode())
    with open(packed + ".bench", "w") as f:
        f.write(header + "\n" + "".join(e + "\n" for e in entries))
    os.replace(packed + ".bench", packed)
    os.remove(marks)
    print(f"created {args.runs} runs", file=sys.stderr)


if __name__ == "__main__":
    main()
