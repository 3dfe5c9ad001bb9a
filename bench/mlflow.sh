#!/usr/bin/env bash
# Benchmark of `git exp import --mlflow` (issue 19); figures go to docs/PERFORMANCE.md.
#
#   bench/mlflow.sh                  # 10,000 runs
#   RUNS=1000 bench/mlflow.sh        # a quick look
#   BIN=target/debug/git-exp bench/mlflow.sh   # without a release build
#
# The store is written in MLflow's file-store layout by a script (real MLflow would take hours
# to log 10,000 runs): 10 experiments, per run 5 params, 3 tags, 2 metrics of 100 points and one
# 1 KiB artifact. Then the import is timed with its peak memory (GNU time's max RSS), and again
# to time the idempotent no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10000}"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
fi
BIN="$(realpath "$BIN")"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load: $(uptime | sed 's/.*load/load/')"
python3 - "$WORK/mlruns" "$RUNS" <<'PY'
import os, sys, uuid
root, n = sys.argv[1], int(sys.argv[2])
for e in range(10):
    exp = os.path.join(root, str(100 + e))
    os.makedirs(exp, exist_ok=True)
    open(os.path.join(exp, "meta.yaml"), "w").write(f"experiment_id: '{100 + e}'\nlifecycle_stage: active\nname: exp-{e}\n")
for i in range(n):
    rid = uuid.UUID(int=i + 1).hex
    d = os.path.join(root, str(100 + i % 10), rid)
    for sub in ("params", "tags", "metrics", "artifacts"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    t = 1790000000000 + i * 60000
    open(os.path.join(d, "meta.yaml"), "w").write(
        f"run_id: {rid}\nrun_name: run-{i}\nstatus: 3\nstart_time: {t}\nend_time: {t + 50000}\n"
        f"user_id: bench\nlifecycle_stage: active\nexperiment_id: '{100 + i % 10}'\n")
    for k in range(5):
        open(os.path.join(d, "params", f"p{k}"), "w").write(str(i * k * 0.001))
    for k, v in (("mlflow.runName", f"run-{i}"), ("team", "bench"), ("mlflow.user", "bench")):
        open(os.path.join(d, "tags", k), "w").write(v)
    for m in ("loss", "acc"):
        open(os.path.join(d, "metrics", m), "w").write(
            "".join(f"{t + s * 100} {1.0 / (s + 1)} {s}\n" for s in range(100)))
    open(os.path.join(d, "artifacts", "model.bin"), "wb").write(os.urandom(1024))
PY
git init -q "$WORK/repo"
cd "$WORK/repo"
echo "# import of $RUNS runs"
/usr/bin/time -f "%e s, max RSS %M KiB" "$BIN" import -q --mlflow "$WORK/mlruns"
echo "# the same import again (nothing to add)"
/usr/bin/time -f "%e s, max RSS %M KiB" "$BIN" import -q --mlflow "$WORK/mlruns"
echo "# runs: $("$BIN" ls --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
