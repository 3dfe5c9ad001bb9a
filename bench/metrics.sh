#!/usr/bin/env bash
# `git exp metrics` export of one 1,000,000-point series (issue 18: streamed, ≤ 64 MiB), next to
# `git cat-file` of the stored CSV, the floor: median wall time of RUNS runs and peak memory
# (maximum resident set size, /usr/bin/time -v) for csv, json and the terminal table.
#
#   bench/metrics.sh                  # release build, 5 runs
#   POINTS=100000 RUNS=3 bench/metrics.sh
#   BIN=target/debug/git-exp bench/metrics.sh    # no build (memory is still meaningful)
set -euo pipefail
cd "$(dirname "$0")/.."
POINTS=${POINTS:-1000000}
RUNS=${RUNS:-5}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
fi
BIN=$(realpath "$BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/metrics-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $POINTS points; $("$BIN" --version)"

cd "$WORK" && git init -q repo && cd repo && git commit -q --allow-empty -m base
"$BIN" run -q -- sh -c "awk 'BEGIN { for (i = 0; i < $POINTS; i++) print \"{\\\"loss\\\": \" 1 / (i + 1) \"}\" }' >> \"\$GIT_EXP_METRICS\""
id=$("$BIN" ls --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
blob="refs/git-exp/runs/$id:.git-exp/metrics/loss.csv"

measure() { # measure LABEL CMD...: median seconds and peak MiB
  local label=$1 times=() peak=0
  shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" > /dev/null
    read -r secs kib < "$WORK/time"
    times+=("$secs"); peak=$(( kib > peak ? kib : peak ))
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '| %s | %s s | %d MiB |\n' "$label" "$median" $(( peak / 1024 ))
}
echo "| command | median wall | peak memory |"
echo "|---|---|---|"
measure "git cat-file blob (floor)" git cat-file blob "$blob"
measure "git exp metrics @ loss --format csv" "$BIN" metrics @ loss --format csv
measure "git exp metrics @ loss --format json" "$BIN" metrics @ loss --format json
measure "git exp metrics @ loss (table)" "$BIN" metrics @ loss
