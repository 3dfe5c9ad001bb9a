#!/usr/bin/env bash
# Benchmarks `git exp nbdiff` against nbdime's `nbdiff` on generated notebook pairs and prints a
# markdown table for docs/PERFORMANCE.md: median and maximum wall time, median CPU time (user +
# system) of N runs, and the peak memory (largest max RSS of the runs), for both tools. The
# speed-up is given twice: the slowest git-exp run against the fastest nbdime run (the ratio that
# holds on every run, the one the goal of issue 17 is about) and median against median. On a busy
# machine, compare CPU times. It also checks the alignment: git-exp's counts against the
# generator's truth ("exact" or the difference), without and with cell ids (IDS=1).
#
#   bench/nbdiff.sh                      # 500 and 2,000 cells, 10 runs of git-exp, 3 of nbdime
#   SIZES="2000 10000" RUNS=20 bench/nbdiff.sh
#   NBDIME=0 bench/nbdiff.sh             # git-exp only (no Python venv)
#   IDS=1 bench/nbdiff.sh                # cells with ids (nbformat 4.5)
#   PROFILE=debug bench/nbdiff.sh        # the debug build (slower; for a machine busy building)
#
# nbdime (NBDIME_VERSION, pinned so that figures compare across runs) is installed with pip into
# a throw-away venv (NBDIME_VENV, default under $TMPDIR); nothing is installed into the user's
# Python. A venv holding another version is reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"500 2000"}
RUNS=${RUNS:-10}
NBDIME_RUNS=${NBDIME_RUNS:-3}
NBDIME=${NBDIME:-1}
IDS=${IDS:-0}
PROFILE=${PROFILE:-release}
NBDIME_VERSION=${NBDIME_VERSION:-4.0.4}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nbdiff-bench.XXXXXX")
NBDIME_VENV=${NBDIME_VENV:-${TMPDIR:-/tmp}/git-exp-bench-nbdime}
trap 'rm -rf "$WORK"' EXIT

case "$PROFILE" in
  release) cargo build --release --quiet ;;
  debug) cargo build --quiet ;;
  *) echo "PROFILE is release or debug, not $PROFILE" >&2; exit 2 ;;
esac
# Copy the binary at once: a shared CARGO_TARGET_DIR may be rebuilt by another checkout.
cp "${CARGO_TARGET_DIR:-target}/$PROFILE/git-exp" "$WORK/git-exp"

nbdime_version() { "$NBDIME_VENV/bin/python" -c 'import nbdime; print(nbdime.__version__)' 2>/dev/null; }
if [ "$NBDIME" = 1 ] && [ "$(nbdime_version)" != "$NBDIME_VERSION" ]; then
  python3 -m venv "$NBDIME_VENV"
  "$NBDIME_VENV/bin/pip" install --quiet "nbdime==$NBDIME_VERSION"
fi

# Runs a command RUNS times; prints "median-wall-ms max-wall-ms min-wall-ms median-cpu-ms peak-rss-mib".
measure() {
  python3 -c '
import os, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
walls, cpus, rss = [], [], 0
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    walls.append(time.perf_counter() - start)
    cpus.append(usage.ru_utime + usage.ru_stime)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{cmd[0]} failed with status {status}")
    rss = max(rss, usage.ru_maxrss)  # KiB on Linux
print(f"{statistics.median(walls) * 1000:.0f} {max(walls) * 1000:.0f} {min(walls) * 1000:.0f} "
      f"{statistics.median(cpus) * 1000:.0f} {rss / 1024:.0f}")
' "$@"
}

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git-exp: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes'), $PROFILE build; runs: $RUNS (nbdime: $NBDIME_RUNS)"
[ "$NBDIME" = 1 ] && echo "nbdime: $(nbdime_version)"
echo
ids_flag=""
[ "$IDS" = 1 ] && ids_flag="--ids"
echo "| cells | old + new | alignment | git exp nbdiff: wall median / max, CPU, peak RSS | with --html: wall, CPU | nbdime nbdiff: wall median / min / max, CPU, peak RSS | speed-up on every run (fastest nbdime ÷ slowest git-exp wall); median wall; CPU |"
echo "|---:|---:|---|---:|---:|---:|---:|"
for cells in $SIZES; do
  dir="$WORK/$cells"
  python3 bench/gen_notebooks.py --cells "$cells" --seed 1 $ids_flag --out "$dir"
  size=$(du -cb "$dir/old.ipynb" "$dir/new.ipynb" | tail -1 | awk '{printf "%.1f MB", $1 / 1e6}')
  alignment=$("$WORK/git-exp" nbdiff "$dir/old.ipynb" "$dir/new.ipynb" --format json | python3 -c '
import json, sys
ours, truth = json.load(sys.stdin)["summary"], json.load(open(sys.argv[1]))
diff = [f"{k} {ours[k]} (truth {truth[k]})" for k in ("added", "deleted", "modified", "moved") if ours[k] != truth[k]]
print(", ".join(diff) or "exact")' "$dir/truth.json")
  read -r wall wall_max _ cpu rss < <(measure "$RUNS" "$WORK/git-exp" nbdiff "$dir/old.ipynb" "$dir/new.ipynb")
  read -r html_wall _ _ html_cpu _ < <(measure "$RUNS" "$WORK/git-exp" nbdiff "$dir/old.ipynb" "$dir/new.ipynb" --html "$dir/diff.html")
  theirs="not run"
  speedup="–"
  if [ "$NBDIME" = 1 ]; then
    read -r nb_wall nb_max nb_min nb_cpu nb_rss < <(measure "$NBDIME_RUNS" "$NBDIME_VENV/bin/nbdiff" "$dir/old.ipynb" "$dir/new.ipynb")
    theirs="$nb_wall / $nb_min / $nb_max ms, $nb_cpu ms, $nb_rss MiB"
    speedup="$((nb_min / (wall_max > 0 ? wall_max : 1)))×; $((nb_wall / (wall > 0 ? wall : 1)))×; $((nb_cpu / (cpu > 0 ? cpu : 1)))×"
  fi
  echo "| $cells | $size | $alignment | $wall / $wall_max ms, $cpu ms, $rss MiB | $html_wall ms, $html_cpu ms | $theirs | $speedup |"
done
