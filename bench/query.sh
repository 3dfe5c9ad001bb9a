#!/usr/bin/env bash
# Benchmarks of filtering, sorting, columns, compare and diff (issue 5); figures go to
# docs/PERFORMANCE.md, section "Query".
#
#   bench/query.sh                  # creates 10,000 runs with `bench/core.sh ls`, then measures
#   WORK=/tmp/bench bench/query.sh  # reuses the runs in $WORK/many when they are there
set -euo pipefail
cd "$(dirname "$0")/.."
export WORK="${WORK:-$(mktemp -d)}"
if [[ ! -d "$WORK/many" ]]; then
  bench/core.sh ls   # the runs of the core benchmark: 10,000 snapshots with params, tags, metrics
fi
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; git-exp $(git rev-parse --short HEAD); $(git --version)"
cd "$WORK/many"
echo "# runs: $("$BIN" ls --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
# The issue's query (lr and acc both grow with the run number, so these bounds let about 2,200
# runs through to the sort), then heavier ones: thousands of rows out, a regex, every column.
hyperfine -N --warmup 3 --runs 30 --export-markdown "$WORK/query.md" \
  "$BIN ls --format table --where 'params.lr < 0.05 and metrics.acc:max > 0.3 and not tags contains \"t37\"' --sort -metrics.acc:max --columns id,name,params.lr,metrics.acc:max,metrics.loss:last --limit 20" \
  "$BIN ls --format csv --where 'params.i > 5000' --sort -metrics.acc,name" \
  "$BIN ls --format json --where 'name ~ \"^[a-m]\" or tags contains t42'" \
  "$BIN ls --format csv --all-columns" \
  "$BIN compare @ @~1 @~2 --format table" \
  "$BIN diff @~1 @ --format md"
cat "$WORK/query.md"
