#!/usr/bin/env bash
# Every figure of issue 18 from one run, next to its peer, with the ratio, the goal and peak
# memory, as ONE Markdown table (docs/PERFORMANCE.md, "Issue 18: all figures from one run").
#
#   bench/peers.sh                      # full sizes: about an hour on a loaded 2-core machine
#   QUICK=1 bench/peers.sh              # small sizes: a few minutes, a smoke run of everything
#   WORK=/tmp/peers bench/peers.sh      # where venv, repositories and runs are kept
#   ONLY="ls nbdiff" bench/peers.sh     # some areas: overhead points ls report nbdiff export
#   BIN=path/to/git-exp COMMIT=abc1234 bench/peers.sh   # a binary built before: no build
#   SITES=/work/sites bench/peers.sh    # where the cold reports are written (default: $WORK/…)
#
# One release build, copied to $WORK/bin, measures everything. The peers are pinned and
# installed once into a throw-away venv under $WORK: DVC 3.67.1 (`dvc exp run`), MLflow 3.17.2
# (`log_batch`, `search_runs`, a local SQLite store: its file store refuses to open unless told
# to, being "in maintenance mode") and nbdime 4.0.4 (`nbdiff`). Data is made once
# per size and kept under $WORK (default: $TMPDIR/git-exp-peers, -quick with QUICK=1), so a
# second call only measures. Sizes (QUICK=1 value in brackets): POINTS=1000000 [100000],
# LS_RUNS=10000 [1000] (the size compared with MLflow), LS_LARGE=100000 [5000], REPORT_RUNS=1000
# [20] (x 10 series x 1,000 points), CELLS=2000 [200]; REPEAT=10 [3] runs of each fast command,
# SLOW_REPEAT=3 [1] of the slow ones (1M points, a cold report, nbdime), OVERHEAD_RUNS=30 [5].
#
# The areas, and the scripts they share:
#   overhead  bench/run_overhead.sh: `git exp run` of `python -c pass` in a 1,000-file repository
#             against `dvc exp run` of the same command; medians, less `python -c pass` alone.
#   points    a Python program appending POINTS points to $GIT_EXP_METRICS under `git exp run`,
#             against the same values logged with MLflow's `log_batch` (1,000 a call); each the
#             cost over the program alone. For git-exp also the time after the program ended.
#   ls        bench/make_runs.py repositories (shared with bench/ls.sh: $WORK/runs-N);
#             `ls --where … --sort … --limit 20` against MLflow `search_runs` over the same runs
#             (its time inside Python, after import), and `ls`, `show @`, `show` of a name and
#             `ls --format json` of every run at LS_LARGE runs.
#   report    bench/report.sh records the runs once ($WORK/report-N); a cold `git exp report`, its
#             largest page, and the report after one new run (each adds a run to the repository).
#   nbdiff    bench/gen_notebooks.py; `git exp nbdiff` against nbdime's `nbdiff`.
#   export    `git exp metrics` of the POINTS-point series of `points` (Python floats, 16 to 17
#             digits) as csv and json, against `git cat-file blob` of the stored file (goal: at
#             most twice its time); the aligned table too (its goal: memory only).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${QUICK:-0}
q() { if [[ "$QUICK" == 1 ]]; then echo "$2"; else echo "$1"; fi; } # q FULL QUICK
POINTS=${POINTS:-$(q 1000000 100000)}
LS_RUNS=${LS_RUNS:-$(q 10000 1000)}
LS_LARGE=${LS_LARGE:-$(q 100000 5000)}
REPORT_RUNS=${REPORT_RUNS:-$(q 1000 20)}
CELLS=${CELLS:-$(q 2000 200)}
REPEAT=${REPEAT:-$(q 10 3)}
SLOW_REPEAT=${SLOW_REPEAT:-$(q 3 1)}
OVERHEAD_RUNS=${OVERHEAD_RUNS:-$(q 30 5)}
ONLY=${ONLY:-overhead points ls report nbdiff export}
DVC_VERSION=${DVC_VERSION:-3.67.1}
# MLflow 3.18.0, the pin issue 18 names, did not install (2026-12-03): the package index has no
# mlflow-tracing 3.18.0, which it requires (3.17.2 is the newest there). 3.17.2 is the newest
# MLflow that installs.
MLFLOW_VERSION=${MLFLOW_VERSION:-3.17.2}
NBDIME_VERSION=${NBDIME_VERSION:-4.0.4}
WORK=${WORK:-${TMPDIR:-/tmp}/git-exp-peers$(q "" -quick)}
mkdir -p "$WORK/bin" "$WORK/logs"
WORK=$(realpath "$WORK")
# Where the cold reports are written (each into a new directory). Default: under $WORK. On a
# machine whose $TMPDIR sees heavy file churn (test suites), a directory elsewhere on the disk
# measures the report rather than ext4's search for a free inode among recently deleted ones.
SITES=${SITES:-$WORK/report-sites}
LIB="$ROOT/bench/peers_lib.py"
ROWS="$WORK/rows.tsv"
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ -z "${BIN:-}" ]]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/git-exp"
  COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+changes')"
else
  COMMIT="${COMMIT:-unknown commit ($BIN)}"
fi
# A copy: a shared CARGO_TARGET_DIR may be rebuilt by another checkout while this runs.
cp "$(realpath "$BIN")" "$WORK/bin/git-exp"
BIN="$WORK/bin/git-exp"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"

VENV="$WORK/venv"
pins() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(*(m.version(p) for p in ("dvc", "mlflow", "nbdime")))' 2>/dev/null || true; }
if [[ "$(pins)" != "$DVC_VERSION $MLFLOW_VERSION $NBDIME_VERSION" ]]; then
  echo "# installing DVC $DVC_VERSION, MLflow $MLFLOW_VERSION, nbdime $NBDIME_VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "dvc==$DVC_VERSION" "mlflow==$MLFLOW_VERSION" "nbdime==$NBDIME_VERSION"
fi
: > "$ROWS"

wants() { [[ " $ONLY " == *" $1 "* ]]; }
# measure RUNS CMD…: sets M_MEDIAN M_MIN M_MAX M_CPU (ms) and M_PEAK (MiB).
measure() { read -r M_MEDIAN M_MIN M_MAX M_CPU M_PEAK < <(python3 "$LIB" measure "$@"); }
row() { python3 "$LIB" row "$ROWS" "$@"; }
# calc EXPR: a Python expression over numbers, printed.
calc() { python3 -c "print($1)"; }
yes_no() { if [[ "$(calc "$1")" == True ]]; then echo yes; else echo "**no**"; fi; }
ms() { calc "f'{$1:,.1f} ms' if $1 < 1000 else f'{$1 / 1000:,.2f} s'"; }
ratio() { calc "f'{$1:,.1f}×' if $1 < 10 else f'{$1:,.0f}×'"; }
log() { echo "# $(date -u +%H:%M:%S) $*" >&2; }

if wants overhead; then
  log "overhead: bench/run_overhead.sh, $OVERHEAD_RUNS runs"
  results="$WORK/overhead.tsv"
  rm -f "$results"
  GIT_EXP_BIN="$BIN" RESULTS="$results" VENV="$VENV" RUNS="$OVERHEAD_RUNS" WORK="$WORK/overhead" \
    bench/run_overhead.sh > "$WORK/logs/overhead.md"
  get() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' "$results"; }
  py=$(get python 2); ours=$(calc "$(get git-exp 2) - $py"); dvc=$(calc "$(get dvc 2) - $py")
  row "\`git exp run\` of \`python -c pass\`, 1,000 files: median wall over the command" \
    "$(ms "$ours")" "DVC \`dvc exp run\`: $(ms "$dvc")" "$(ratio "$dvc / $ours") faster" "≤ 30 ms, ≥ 80× DVC" \
    "$(yes_no "$ours <= 30 and $dvc / $ours >= 80")" "$(get git-exp 5) MiB (DVC $(get dvc 5) MiB)"
fi

points_repo() { # the repository of `points` and `export`, with points.py
  local dir="$WORK/points-$POINTS"
  if [[ ! -d "$dir/.git" ]]; then
    mkdir -p "$dir" && git -C "$dir" init -q
    for i in $(seq 1 10); do echo "x = $i" > "$dir/m$i.py"; done
    cat > "$dir/points.py" <<'PY'
import os, sys, time
n = int(sys.argv[1])
with open(os.environ.get("GIT_EXP_METRICS") or sys.argv[2], "a") as m:
    for i in range(n):
        m.write('{"loss": %r}\n' % (1.0 / (i + 1)))
with open("ended", "w") as f:
    f.write(repr(time.time()))
PY
    printf 'ended\nplain.jsonl\n' > "$dir/.gitignore"
    printf '[env]\npip_freeze = false\n' > "$dir/exp.toml"
    git -C "$dir" add -A && git -C "$dir" commit -qm "points"
  fi
  echo "$dir"
}

if wants points; then
  log "points: $POINTS metric points, $SLOW_REPEAT runs each"
  dir=$(points_repo) && cd "$dir"
  PREPARE="rm -f plain.jsonl" measure "$SLOW_REPEAT" python3 points.py "$POINTS" plain.jsonl
  alone=$M_MEDIAN
  # git-exp: wall of `git exp run` less the program alone, and the time after the program ended.
  read -r ours_wall after ours_peak < <(python3 - "$BIN" "$POINTS" "$SLOW_REPEAT" <<'PY'
import os, statistics, subprocess, sys, time
bin, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
walls, afters, peak = [], [], 0
for _ in range(runs):
    start = time.perf_counter()
    child = subprocess.Popen([bin, "-q", "run", "--system-interval", "0", "--", "python3", "points.py", n])
    _, status, usage = os.wait4(child.pid, 0)
    walls.append((time.perf_counter() - start) * 1000)
    afters.append((time.time() - float(open("ended").read())) * 1000)
    if status != 0:
        sys.exit(f"git exp run failed: {status}")
    peak = max(peak, usage.ru_maxrss)
print(f"{statistics.median(walls):.1f} {statistics.median(afters):.1f} {peak / 1024:.0f}")
PY
)
  ours=$(calc "$ours_wall - $alone")
  # MLflow: log_batch of the same values, 1,000 a call (its limit), into a local file store.
  cat > "$WORK/log_batch.py" <<'PY'
import statistics, sys, time, warnings
warnings.filterwarnings("ignore")
import mlflow
from mlflow.entities import Metric
n, store, runs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
mlflow.set_tracking_uri("sqlite:///" + store)
client = mlflow.MlflowClient()
exp = client.get_experiment_by_name("points")
exp_id = exp.experiment_id if exp else client.create_experiment("points")
costs = []
for _ in range(runs):
    start = time.perf_counter()
    values = [1.0 / (i + 1) for i in range(n)]  # the program's own work, subtracted below
    own = time.perf_counter() - start
    start = time.perf_counter()
    run = client.create_run(exp_id)
    now = int(time.time() * 1000)
    for at in range(0, n, 1000):
        client.log_batch(run.info.run_id, metrics=[Metric("loss", v, now, at + k) for k, v in enumerate(values[at:at + 1000])])
    client.set_terminated(run.info.run_id)
    costs.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(costs):.1f}")
PY
  theirs=$(cd "$WORK" && "$VENV/bin/python" "$WORK/log_batch.py" "$POINTS" "$WORK/mlflow-points.db" "$SLOW_REPEAT")
  row "$(calc "f'{$POINTS:,}'") metric points logged: cost over the program (git-exp: of it after the program ended)" \
    "$(ms "$ours") ($(ms "$after") after)" "MLflow \`log_batch\`: $(ms "$theirs")" "$(ratio "$theirs / max($ours, 1)") faster" \
    "≤ 1 s after the program ends" "$(yes_no "$after <= 1000")" "$ours_peak MiB (with the program)"
  cd "$ROOT"
fi

repo_with_runs() { # repo_with_runs N: the repository of N runs (bench/ls.sh makes the same)
  local dir="$WORK/runs-$1"
  if [[ ! -d "$dir/.git" ]]; then
    log "making $1 runs with bench/make_runs.py"
    rm -rf "$dir" && mkdir -p "$dir" && git -C "$dir" init -q
    for i in $(seq 1 100); do echo "x = $i" > "$dir/m$i.py"; done
    git -C "$dir" add -A && git -C "$dir" commit -qm "100 files"
    (cd "$dir" && python3 "$ROOT/bench/make_runs.py" "$1")
  fi
  echo "$dir"
}

if wants ls; then
  QUERY=(ls --format table --where 'params.lr < 0.05 and metrics.acc:max > 0.3 and not tags contains "t37"'
         --sort -metrics.acc:max --columns id,name,params.lr,metrics.acc:max,metrics.loss:last --limit 20)
  for n in $LS_RUNS $LS_LARGE; do
    dir=$(repo_with_runs "$n") && cd "$dir"
    "$BIN" ls --format csv --columns id --limit 1 > /dev/null # the listing cache and index, once
    log "ls: $n runs, $REPEAT runs each"
    measure "$REPEAT" "$BIN" "${QUERY[@]}"
    ls_median=$M_MEDIAN ls_peak=$M_PEAK
    if [[ "$n" == "$LS_RUNS" ]]; then
      store="$WORK/mlflow-runs-$n.db"
      if [[ ! -f "$store.complete" ]]; then
        log "MLflow: logging $n runs"
        rm -f "$store"
        "$VENV/bin/python" - "$store" "$n" <<'PY'
import sys, warnings
warnings.filterwarnings("ignore")
import mlflow
from mlflow.entities import Metric, Param, RunTag
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1])
client = mlflow.MlflowClient()
exp = client.create_experiment("bench")
for n in range(1, int(sys.argv[2]) + 1):  # the runs of bench/make_runs.py
    run = client.create_run(exp)
    client.log_batch(run.info.run_id, metrics=[Metric("acc", float(f"0.{n}"), 0, 0), Metric("loss", float(f"1.{n}"), 0, 0)],
                     params=[Param("i", str(n)), Param("lr", str(float(f"0.0{n}")))], tags=[RunTag(f"t{n}", "1")])
    client.set_terminated(run.info.run_id)
open(sys.argv[1] + ".complete", "w").close()
PY
      fi
      cat > "$WORK/search.py" <<'PY'
import statistics, sys, time, warnings
warnings.filterwarnings("ignore")
import mlflow
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1])
client = mlflow.MlflowClient()
exp = [client.get_experiment_by_name("bench").experiment_id]
def search():
    # Params are strings to MLflow, compared only for (in)equality: the filter on acc alone.
    return client.search_runs(exp, "metrics.acc > 0.3", order_by=["metrics.acc DESC"], max_results=20)
search()  # warm-up
walls = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    assert len(search()) == 20
    walls.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(walls):.1f}")
PY
      log "MLflow search_runs: $n runs, $REPEAT runs"
      theirs=$("$VENV/bin/python" "$WORK/search.py" "$store" "$REPEAT")
      measure 1 "$VENV/bin/python" "$WORK/search.py" "$store" 1
      row "\`ls --where … --sort … --limit 20\`, $(calc "f'{$n:,}'") runs (median wall)" "$(ms "$ls_median")" \
        "MLflow \`search_runs\`: $(ms "$theirs") in Python ($(ms "$M_MEDIAN") as a process)" \
        "$(ratio "$theirs / $ls_median") faster" "≤ 150 ms (issue 5)" "$(yes_no "$ls_median <= 150")" \
        "$ls_peak MiB (MLflow $M_PEAK MiB)"
    else
      row "\`ls --where … --sort … --limit 20\`, $(calc "f'{$n:,}'") runs (median wall)" "$(ms "$ls_median")" "–" "–" \
        "≤ 100 ms, ≤ 64 MiB at 100,000 runs" "$(yes_no "$ls_median <= 100 and $ls_peak <= 64")" "$ls_peak MiB"
      # Single-run commands: `@`, and a name (the slower path: looked up in the run index).
      for spec in @ "bench-$((n / 2))"; do
        measure "$REPEAT" "$BIN" show "$spec"
        row "\`show $spec\`, $(calc "f'{$n:,}'") runs (median wall)" "$(ms "$M_MEDIAN")" "–" "–" "≤ 20 ms at 100,000 runs" \
          "$(yes_no "$M_MEDIAN <= 20")" "$M_PEAK MiB"
      done
      measure "$SLOW_REPEAT" sh -c "'$BIN' ls --format json > /dev/null"
      row "\`ls --format json\` of every run, $(calc "f'{$n:,}'") runs (median wall)" "$(ms "$M_MEDIAN")" "–" "–" \
        "streamed: bounded memory (≤ 64 MiB)" "$(yes_no "$M_PEAK <= 64")" "$M_PEAK MiB"
    fi
    cd "$ROOT"
  done
fi

if wants report; then
  rdir="$WORK/report-$REPORT_RUNS"
  if [[ ! -d "$rdir/repo/.git" ]]; then
    log "report: recording $REPORT_RUNS runs with bench/report.sh (its own figures: logs/report.md)"
    BIN="$BIN" WORK="$rdir" RUNS="$REPORT_RUNS" bench/report.sh > "$WORK/logs/report.md" 2>&1
  fi
  cd "$rdir/repo"
  # Each cold report goes to a new empty directory under $SITES, and they are deleted after the
  # area: deleting a site of 3,000 files just before the next one is written slows that one's
  # file creation in ext4 (docs/PERFORMANCE.md, "Issue 18: all figures from one run").
  rm -rf "$SITES" && mkdir -p "$SITES"
  log "report: cold, $SLOW_REPEAT runs, sites in $SITES"
  measure "$SLOW_REPEAT" sh -c "exec '$BIN' -q report -o \"\$(mktemp -d -p '$SITES')\" --compare @,@~1,@~2"
  runs=$("$BIN" ls --format csv --columns id | tail -n +2 | wc -l)
  row "\`report\` cold, $runs runs × 10 series × 1,000 points (median wall)" "$(ms "$M_MEDIAN")" "–" "–" \
    "≤ 3 s" "$(yes_no "$M_MEDIAN <= 3000")" "$M_PEAK MiB"
  site=$(ls -td "$SITES"/* | head -1)
  largest=$(find "$site" -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
  row "largest page of that report: \`${largest#* }\`" "$(calc "f'{${largest%% *} / 1e6:.2f} MB'")" "–" "–" \
    "< 1 MB at any number of runs" "$(yes_no "${largest%% *} < 1000000")" "–"
  # Incremental: one more run (bench/report.sh's train.py), then the report over the site.
  log "report: one new run, $SLOW_REPEAT runs"
  PREPARE="'$BIN' -q run --system-interval 0 -p i=0 -p lr=0.5 -- python3 train.py > /dev/null" \
    measure "$SLOW_REPEAT" "$BIN" -q report -o "$site" --compare @~1,@~2,@~3
  row "\`report\` after one new run, over the site just built (median wall)" "$(ms "$M_MEDIAN")" "–" "–" \
    "≤ 0.3 s" "$(yes_no "$M_MEDIAN <= 300")" "$M_PEAK MiB"
  rm -rf "$SITES"
  cd "$ROOT"
fi

if wants nbdiff; then
  nb="$WORK/nb-$CELLS"
  [[ -f "$nb/new.ipynb" ]] || python3 bench/gen_notebooks.py --cells "$CELLS" --seed 1 --out "$nb" >/dev/null
  log "nbdiff: $CELLS cells, $REPEAT runs (nbdime: $SLOW_REPEAT)"
  measure "$REPEAT" "$BIN" nbdiff "$nb/old.ipynb" "$nb/new.ipynb"
  ours_median=$M_MEDIAN ours_max=$M_MAX ours_peak=$M_PEAK
  measure "$SLOW_REPEAT" "$VENV/bin/nbdiff" "$nb/old.ipynb" "$nb/new.ipynb"
  row "\`nbdiff\`, $(calc "f'{$CELLS:,}'") cells (median wall; ratio: fastest nbdime ÷ slowest git-exp)" "$(ms "$ours_median")" \
    "nbdime \`nbdiff\`: $(ms "$M_MEDIAN")" "$(ratio "$M_MIN / $ours_max") faster" "≥ 100× on every run, ≤ 32 MiB" \
    "$(yes_no "$M_MIN / $ours_max >= 100 and $ours_peak <= 32")" "$ours_peak MiB (nbdime $M_PEAK MiB)"
fi

if wants export; then
  dir=$(points_repo) && cd "$dir"
  if ! "$BIN" show @ > /dev/null 2>&1; then
    log "export: recording $POINTS points"
    "$BIN" -q run --system-interval 0 -- python3 points.py "$POINTS"
  fi
  log "export: $POINTS points, $REPEAT runs each"
  measure "$REPEAT" git cat-file blob "refs/git-exp/runs/$("$BIN" show @ --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'):.git-exp/metrics/loss.csv"
  floor=$M_MEDIAN floor_peak=$M_PEAK
  for format in csv json; do
    measure "$REPEAT" "$BIN" metrics @ loss --format "$format"
    row "\`metrics @ loss --format $format\`, $(calc "f'{$POINTS:,}'") points (median wall)" "$(ms "$M_MEDIAN")" \
      "\`git cat-file blob\`: $(ms "$floor")" "$(ratio "$M_MEDIAN / $floor") the floor" \
      "≤ 64 MiB; pipe speed (read: ≤ 2× the floor)" "$(yes_no "$M_PEAK <= 64 and $M_MEDIAN <= 2 * $floor")" \
      "$M_PEAK MiB (git $floor_peak MiB)"
  done
  # The aligned table is for people, not an export: its widths need every row first, so it
  # reads the series twice. Only its memory is a goal; its time is shown.
  measure "$REPEAT" "$BIN" metrics @ loss --format table
  row "\`metrics @ loss --format table\` (for people: two passes), $(calc "f'{$POINTS:,}'") points (median wall)" \
    "$(ms "$M_MEDIAN")" "\`git cat-file blob\`: $(ms "$floor")" "$(ratio "$M_MEDIAN / $floor") the floor" \
    "≤ 64 MiB" "$(yes_no "$M_PEAK <= 64")" "$M_PEAK MiB (git $floor_peak MiB)"
  cd "$ROOT"
fi

{
  echo "## Issue 18: all figures from one run"
  echo
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(git --version), Python $(python3 -c 'import platform; print(platform.python_version())')"
  echo "git-exp $COMMIT, release build; peers: DVC $DVC_VERSION, MLflow $MLFLOW_VERSION, nbdime $NBDIME_VERSION"
  echo "command: $([[ "$QUICK" == 1 ]] && echo 'QUICK=1 ')bench/peers.sh (POINTS=$POINTS LS_RUNS=$LS_RUNS LS_LARGE=$LS_LARGE REPORT_RUNS=$REPORT_RUNS CELLS=$CELLS REPEAT=$REPEAT SLOW_REPEAT=$SLOW_REPEAT SITES=$SITES)"
  echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg); took $(( ($(date +%s) - started + 30) / 60 )) min"
  echo
  python3 "$LIB" table "$ROWS"
} | tee "$WORK/peers.md"
