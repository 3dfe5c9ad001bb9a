#!/usr/bin/env bash
# Benchmark of `git exp report` (issue 6); figures go to docs/PERFORMANCE.md, section "Report".
#
#   bench/report.sh              # 1,000 runs x 10 series x 1,000 points
#   RUNS=100 bench/report.sh     # a quick look
#   WORK=DIR bench/report.sh     # reuse the runs recorded in DIR by an earlier call
#   FAST=1 RUNS=10000 SERIES=3 bench/report.sh   # runs made by bench/make_runs.py (git fast-import)
# Needs hyperfine (Debian: apt install hyperfine).
#
# Runs are recorded through the real write path (`git exp run` of a Python script that logs
# 10 metrics for 1,000 steps and prints 1,000 lines), then timed:
#   cold: an empty output directory; warm: the same runs again (nothing to rewrite);
#   one new run: the report after one more run (its page, the index and data/runs.js).
# With FAST=1 the runs are written by bench/make_runs.py instead, shaped the same (SERIES series of
# 1,000 points, default 10, and 1,000 lines of output): minutes instead of hours for 10,000 runs,
# in one pack with the series of a run deltified against each other, not loose objects.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
if [[ -z "${BIN:-}" ]]; then # BIN=…: measure that binary, no build (bench/peers.sh passes its own)
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
fi
BIN=$(realpath "$BIN")
RUNS="${RUNS:-1000}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; git-exp $(git rev-parse --short HEAD); $(git --version)"
echo "# work dir: $WORK"

REPO="$WORK/repo"
if [[ ! -d "$REPO/.git" ]]; then
  mkdir -p "$REPO" && cd "$REPO" && git init -q
  cat > train.py <<'PY'
import json, math, os, random
i = int(json.load(open(os.environ["GIT_EXP_PARAMS"]))["i"])
rng = random.Random(i)
t0 = 1795428000.0 + i * 3600
with open(os.environ["GIT_EXP_METRICS"], "a") as m:
    for step in range(1000):
        point = {"step": step, "time": t0 + step * 0.5}
        for k in range(10):
            point[f"m{k}"] = math.exp(-step / (100 + 10 * k)) + rng.gauss(0, 0.01)
        m.write(json.dumps(point) + "\n")
        print(f"step {step}: loss={point['m0']:.4f}")
PY
  # pip freeze would add up to a second per run to the recording, not to the report.
  printf '[env]\npip_freeze = false\n' > exp.toml
  git add train.py exp.toml && git commit -qm "train"
  start=$(date +%s)
  if [[ -n "${FAST:-}" ]]; then
    python3 "$ROOT/bench/make_runs.py" "$RUNS" --series "${SERIES:-10}" --points 1000 --log-lines 1000
  else
    seq 1 "$RUNS" | xargs -P 2 -I{} "$BIN" -q run --system-interval 0 -p i={} -p lr=0.{} -- python3 train.py >/dev/null
  fi
  echo "recorded $RUNS runs in $(( $(date +%s) - start )) s"
  "$BIN" ls --format json >/dev/null   # fill the listing cache, as any earlier command would
else
  cd "$REPO"
fi
echo "## git exp report over $RUNS runs x ${SERIES:-10} series x 1,000 points"
hyperfine -N --runs 3 --prepare "rm -rf $WORK/site" --export-markdown "$WORK/cold.md" \
  "$BIN -q report -o $WORK/site --compare @,@~1,@~2"
"$BIN" -q report -o "$WORK/site" --compare @,@~1,@~2
hyperfine -N --warmup 1 --runs 5 --export-markdown "$WORK/warm.md" "$BIN -q report -o $WORK/site --compare @,@~1,@~2"
cat "$WORK/cold.md" "$WORK/warm.md"
cp -r "$WORK/site" "$WORK/site-before"
"$BIN" -q run --system-interval 0 -p i=0 -p lr=0.5 -- python3 train.py >/dev/null
/usr/bin/time -f "one new run: %e s wall, %M KiB max RSS" "$BIN" report -o "$WORK/site" --compare @~1,@~2,@~3
echo "## sizes"
echo "files: $(find "$WORK/site" -type f | wc -l), total: $(du -sh "$WORK/site" | cut -f1)"
echo "largest pages:"; find "$WORK/site" -name '*.html' -printf '%s %P\n' | sort -n | tail -3
echo "largest files:"; find "$WORK/site" -type f -printf '%s %P\n' | sort -n | tail -3
/usr/bin/time -f "cold, once more: %e s wall, %M KiB max RSS" "$BIN" -q report -o "$WORK/site-cold" --compare @,@~1,@~2
