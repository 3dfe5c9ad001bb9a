#!/usr/bin/env bash
# The figures of issue 18 that the run index owns, from one run, with peak memory; figures go to
# docs/PERFORMANCE.md, section "Run index".
#
#   bench/peers.sh                        # 1k, 10k and 100k runs, MLflow at 10k
#   SIZES="1000 10000" MLFLOW=0 bench/peers.sh
#   WORK=/tmp/peers bench/peers.sh        # keeps the repositories: a second call only measures
#
# Runs are made by bench/make_runs.py (git fast-import: seconds, not hours). Every command runs
# RUNS times after one warm-up; the table shows the median wall time and the largest peak RSS.
# MLflow (pinned, in a throw-away venv under $WORK) is measured with search_runs over 10,000
# runs logged to a local file store, the same params and metrics.
# Still a skeleton for the rest of issue 18: run overhead against DVC, metrics export and the
# report are other rows of the same table, owned elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 10000 100000}"
RUNS="${RUNS:-10}"
MLFLOW="${MLFLOW:-1}"
MLFLOW_VERSION="${MLFLOW_VERSION:-3.18.0}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
MAKE_RUNS="$PWD/bench/make_runs.py"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; git-exp $(git rev-parse --short HEAD); $(git --version)"
echo "# load: $(uptime)"
echo "# work dir: $WORK"

QUERY=(ls --format table --where 'params.lr < 0.05 and metrics.acc:max > 0.3 and not tags contains "t37"'
       --sort -metrics.acc:max --columns id,name,params.lr,metrics.acc:max,metrics.loss:last --limit 20)

# measure LABEL CMD…: median wall ms over $RUNS runs after a warm-up, and the peak RSS of any.
measure() {
  local label="$1"; shift
  python3 - "$label" "$RUNS" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)  # warm-up
walls = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    walls.append((time.perf_counter() - t) * 1000)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"| {label} | {statistics.median(walls):.1f} ms | {min(walls):.1f} ms | {peak:.0f} MiB |")
PY
}

repo_with_runs() { # repo_with_runs N: prints the repository's path, creating it once
  local dir="$WORK/runs-$1"
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir" && git -C "$dir" init -q
    for i in $(seq 1 100); do echo "x = $i" > "$dir/m$i.py"; done
    git -C "$dir" add -A && git -C "$dir" commit -qm "100 files"
    (cd "$dir" && python3 "$MAKE_RUNS" "$1")
  fi
  echo "$dir"
}

echo
echo "| figure | median | fastest | peak RSS |"
echo "|---|---:|---:|---:|"
for n in $SIZES; do
  dir=$(repo_with_runs "$n")
  cd "$dir"
  "$BIN" ls --format csv --columns id --limit 1 >/dev/null   # fill the listing cache and index
  measure "\`ls --where … --sort … --limit 20\`, $n runs" "$BIN" "${QUERY[@]}"
  measure "\`ls --format json\`, $n runs" "$BIN" ls --format json
  measure "\`show @\`, $n runs" "$BIN" show @
  measure "\`show <name>\`, $n runs" "$BIN" show "bench-$((n / 2))"
  measure "\`show <id>\`, $n runs" "$BIN" show "$("$BIN" ls --format csv --columns id --limit 1 | tail -1)"
  cd - >/dev/null
done

if [[ "$MLFLOW" == 1 ]]; then
  venv="$WORK/mlflow-venv"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet "mlflow==$MLFLOW_VERSION"
  fi
  store="$WORK/mlruns-10000"
  if [[ ! -d "$store" ]]; then
    "$venv/bin/python" - "$store" <<'PY'
import sys, mlflow
from mlflow.entities import Metric, Param, RunTag
mlflow.set_tracking_uri("file:" + sys.argv[1])
client = mlflow.MlflowClient()
exp = client.create_experiment("bench")
for n in range(1, 10_001):
    run = client.create_run(exp)
    client.log_batch(run.info.run_id, metrics=[Metric("acc", float(f"0.{n}"), 0, 0), Metric("loss", float(f"1.{n}"), 0, 0)],
                     params=[Param("i", str(n)), Param("lr", str(float(f"0.0{n}")))], tags=[RunTag(f"t{n}", "1")])
    client.set_terminated(run.info.run_id)
PY
  fi
  cat > "$WORK/search.py" <<PY
import mlflow
mlflow.set_tracking_uri("file:$store")
runs = mlflow.MlflowClient().search_runs(
    [mlflow.get_experiment_by_name("bench").experiment_id],
    "metrics.acc > 0.3", order_by=["metrics.acc DESC"], max_results=20)
print(len(runs))
PY
  measure "MLflow $MLFLOW_VERSION search_runs, 10000 runs (file store)" "$venv/bin/python" "$WORK/search.py"
fi
