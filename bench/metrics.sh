#!/usr/bin/env bash
# `git exp metrics` export of a 1,000,000-point series (issue 18: streamed, ≤ 64 MiB, at pipe
# speed), next to `git cat-file` of the stored CSV, the floor: median wall time and median CPU
# time (user + system) of RUNS runs, and peak memory (maximum resident set size, GNU time), for
# csv, json and the terminal table.
#
#   bench/metrics.sh                  # release build, 5 runs
#   POINTS=100000 RUNS=3 bench/metrics.sh
#   BIN=target/debug/git-exp bench/metrics.sh    # no build (memory is still meaningful)
#   WORK=/tmp/m bench/metrics.sh      # keeps the repository: a second call only measures
#
# Two series of one run: `loss` (1/(i+1) as awk prints it, six digits: the rows git-exp copies
# from the stored file) and `loss17` (the same values with 17 digits, as a float32/float64 loss
# from Python has: most are parsed and printed again).
set -euo pipefail
cd "$(dirname "$0")/.."
POINTS=${POINTS:-1000000}
RUNS=${RUNS:-5}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
fi
BIN=$(realpath "$BIN")
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/metrics-bench.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $POINTS points; $("$BIN" --version)"

REPO="$WORK/metrics-$POINTS"
if [ ! -d "$REPO/.git" ]; then
  rm -rf "$REPO" && git init -q "$REPO" && git -C "$REPO" commit -q --allow-empty -m base
  (cd "$REPO" && "$BIN" run -q --system-interval 0 -- sh -c "awk 'BEGIN { for (i = 0; i < $POINTS; i++) printf \"{\\\"loss\\\": %s, \\\"loss17\\\": %.17g}\\n\", 1 / (i + 1), 1 / (i + 1) }' >> \"\$GIT_EXP_METRICS\"")
fi
cd "$REPO"
id=$("$BIN" ls --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')

measure() { # measure LABEL CMD...: median wall and CPU seconds, peak MiB
  local label=$1 walls=() cpus=() peak=0
  shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" > /dev/null
    read -r secs user sys kib < "$WORK/time"
    walls+=("$secs"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"); peak=$(( kib > peak ? kib : peak ))
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
  printf '| %s | %s s | %s s | %d MiB |\n' "$label" "$(median "${walls[@]}")" "$(median "${cpus[@]}")" $(( peak / 1024 ))
}
echo "| command | median wall | median CPU | peak memory |"
echo "|---|---|---|---|"
for key in loss loss17; do
  measure "git cat-file blob ($key, the floor)" git cat-file blob "refs/git-exp/runs/$id:.git-exp/metrics/$key.csv"
  measure "git exp metrics @ $key --format csv" "$BIN" metrics @ "$key" --format csv
  measure "git exp metrics @ $key --format json" "$BIN" metrics @ "$key" --format json
  measure "git exp metrics @ $key (table)" "$BIN" metrics @ "$key"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
