#!/usr/bin/env bash
# `git exp ls` over the listing index at 1k, 10k and 100k runs (issue 18): median wall time and
# peak RSS of a filtered, sorted, limited listing and of a full JSON listing; the figures go to
# docs/PERFORMANCE.md, section "Listing index".
#
#   bench/ls.sh                              # release build, 1k, 10k and 100k runs
#   BUILD=debug SIZES="1000 10000" bench/ls.sh
#   WORK=/tmp/peers bench/ls.sh              # reuse the repositories of bench/peers.sh
#   SLOW_MAX=10000 bench/ls.sh               # skip the rows that read every run commit above 10k
#   BIN=/tmp/git-exp-before bench/ls.sh      # measure another binary (the one built is not used)
#
# Runs are made by bench/make_runs.py (git fast-import). `show` rows are the single-run commands
# (resolved through the run index). Every command runs RUNS times after one
# warm-up; the table shows the median wall time, the fastest, and the largest peak RSS of any
# run (the warm-up included). The first row of each size is the index built from a warm listing
# cache, measured once; `cold` rebuilds it from the run commits (`gc --reindex`), once. `whole
# records` is the same query with a filter on `host.*`, which the index does not hold: the path
# every `ls` took before the listing index (the listing cache, parsed whole). Rows that read
# every run's record (filling the listing cache, the JSON listing, the cold rebuild) take
# minutes at 100k runs in a debug build: SLOW_MAX skips them above that many runs. `gc` reads
# every run commit too when the blob store holds a blob old enough to delete.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 10000 100000}"
RUNS="${RUNS:-10}"
SLOW_MAX="${SLOW_MAX:-1000000000}"
BUILD="${BUILD:-release}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
if [[ -z "${BIN:-}" ]]; then
  if [[ "$BUILD" == release ]]; then cargo build --release --quiet; else cargo build --quiet; fi
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/$BUILD/git-exp"
fi
MAKE_RUNS="$PWD/bench/make_runs.py"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; binary $BIN (worktree at $(git rev-parse --short HEAD)); $(git --version)"
echo "# load before: $(cat /proc/loadavg)"
echo "# work dir: $WORK"

# The query of bench/peers.sh (about a fifth of the runs match), and one every run matches:
# the most rows to sort, and the largest heap.
QUERY=(ls --format table --where 'params.lr < 0.05 and metrics.acc:max > 0.3 and not tags contains "t37"'
       --sort -metrics.acc:max --columns id,name,params.lr,metrics.acc:max,metrics.loss:last --limit 20)
EVERY=(ls --format table --where 'metrics.acc > 0' --sort -metrics.acc --limit 20)
WHOLE=(--where 'host.hostname exists or not host.hostname exists')

# measure LABEL TIMES CMD…: median wall ms over TIMES runs after a warm-up (none when TIMES is
# 1), and the peak RSS of any.
measure() {
  local label="$1" times="$2"; shift 2
  python3 - "$label" "$times" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if runs > 1:
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
  slow=$(( n <= SLOW_MAX ))
  if (( slow )); then
    "$BIN" ls --format csv --columns id "${WHOLE[@]}" --limit 1 >/dev/null  # the listing cache
    rm -f .git/git-exp/cache/*.idx  # both indexes, of any version
    measure "index built from the listing cache, $n runs" 1 "$BIN" ls --format csv --columns id --limit 1
  else
    rm -f .git/git-exp/cache/*.idx .git/git-exp/cache/runs-v2.jsonl
    measure "index built from the run commits, $n runs" 1 "$BIN" ls --format csv --columns id --limit 1
  fi
  measure "\`ls --where … --sort … --limit 20\` (the query of bench/peers.sh), $n runs" "$RUNS" "$BIN" "${QUERY[@]}"
  measure "\`ls --where 'metrics.acc > 0' --sort -metrics.acc --limit 20\` (every run matches), $n runs" "$RUNS" \
    "$BIN" "${EVERY[@]}"
  measure "\`ls --format csv --columns id,params.lr,metrics.acc\`, $n runs" "$RUNS" \
    "$BIN" ls --format csv --columns id,params.lr,metrics.acc
  # Single-run commands: `@` and a name go through the run index, an id prefix too.
  prefix=$(git for-each-ref --count=1 --format='%(refname:lstrip=3)' refs/git-exp/runs/ | cut -c1-6)
  measure "\`show @\`, $n runs" "$RUNS" "$BIN" show @
  measure "\`show bench-$((n / 2))\` (a name), $n runs" "$RUNS" "$BIN" show "bench-$((n / 2))"
  measure "\`show $prefix\` (an id prefix), $n runs" "$RUNS" "$BIN" show "$prefix"
  if (( slow )); then
    measure "the same query over whole records (before the index), $n runs" "$RUNS" "$BIN" "${QUERY[@]}" "${WHOLE[@]}"
    measure "\`ls --format json | wc -c\`, $n runs" "$RUNS" sh -c "'$BIN' ls --format json | wc -c"
    measure "cold: \`gc --reindex\` (every run commit read), $n runs" 1 "$BIN" -q gc --reindex
    # One blob older than gc's grace period, so gc reads every run for the blobs it refers to.
    old_blob=".git/git-exp/blobs/sha256/00/$(printf '0%.0s' $(seq 1 62))"
    mkdir -p "$(dirname "$old_blob")" && echo unreferenced > "$old_blob" && touch -d '2 days ago' "$old_blob"
    measure "\`gc --dry-run\` with an old blob (every run read for its blobs), $n runs" 1 "$BIN" -q gc --dry-run
  fi
  cd - >/dev/null
done
echo "# load after: $(cat /proc/loadavg)"
