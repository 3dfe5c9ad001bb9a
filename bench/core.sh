#!/usr/bin/env bash
# Benchmarks of the core (issue 3); figures go to docs/PERFORMANCE.md.
#
#   bench/core.sh                 # all three
#   RUNS=2000 bench/core.sh ls    # fewer runs for a quick look
#
# 1. overhead of `git exp run -- true` over `true` in a repository of 1,000 files
# 2. 1,000,000 metric points appended by a program, committed after it ends
# 3. `git exp ls` over 10,000 runs created through the real write path, warm
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
WHAT="${1:-all}"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; git-exp $(git rev-parse --short HEAD); $(git --version)"
echo "# work dir: $WORK"

make_repo() { # make_repo DIR FILES
  mkdir -p "$1" && git -C "$1" init -q
  python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"pkg{i % 40}", f"sub{i % 7}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"m{i}.py"), "w") as f:
        f.write(f"# module {i}\n" + "x = 1\n" * 20)
PY
  git -C "$1" add -A && git -C "$1" commit -qm "1,000 files"
  echo "changed" >> "$1/pkg0/sub0/m0.py"; echo "new" > "$1/untracked.txt"
  git -C "$1" status --porcelain >/dev/null   # refresh the index's stat data, as a user's git status would
}

if [[ "$WHAT" == all || "$WHAT" == overhead ]]; then
  echo "## 1. run overhead (1,000 files, 1 modified, 1 untracked)"
  make_repo "$WORK/files" 1000
  cd "$WORK/files"
  hyperfine -N --warmup 5 --runs 50 --export-markdown "$WORK/overhead.md" \
    'true' "$BIN run --system-interval 0 -- true" "$BIN snapshot"
  cat "$WORK/overhead.md"
  cd - >/dev/null
fi

if [[ "$WHAT" == all || "$WHAT" == metrics ]]; then
  echo "## 2. 1,000,000 metric points: git-exp time after the program ends"
  make_repo "$WORK/metrics" 10
  cd "$WORK/metrics"
  cat > points.py <<'PY'
import os, time
with open(os.environ["GIT_EXP_METRICS"], "a") as m:
    for i in range(1_000_000):
        m.write('{"loss": %r}\n' % (1.0 / (i + 1)))
with open("ended", "w") as f:
    f.write(repr(time.time()))
PY
  echo "ended" > .gitignore
  for i in 1 2 3 4 5; do
    "$BIN" -q run --system-interval 0 -- python3 points.py
    after=$(python3 -c 'import time; print(time.time())')
    python3 -c "print(f'after program end: {($after - float(open(\"ended\").read())) * 1000:.0f} ms')"
  done
  "$BIN" show @ --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print("points:", r["metrics"]["loss"]["count"])'
  cd - >/dev/null
fi

if [[ "$WHAT" == all || "$WHAT" == ls ]]; then
  RUNS="${RUNS:-10000}"
  echo "## 3. git exp ls over $RUNS runs (created with git exp snapshot), warm"
  make_repo "$WORK/many" 100
  cd "$WORK/many"
  start=$(date +%s)
  # Two writers at once, as two shells would; a failed snapshot is reported, not fatal.
  seq 1 "$RUNS" | xargs -P 2 -I{} "$BIN" -q snapshot -p i={} -p lr=0.0{} -t t{} --metric acc=0.{} --metric loss=1.{} >/dev/null || true
  echo "created $("$BIN" ls --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') runs in $(( $(date +%s) - start )) s; loose run refs: $(ls .git/refs/git-exp/runs | wc -l)"
  "$BIN" ls --format json > /dev/null   # fill the listing cache
  hyperfine -N --warmup 3 --runs 20 --export-markdown "$WORK/ls.md" \
    "$BIN ls --format json" "$BIN ls --format table" "$BIN ls --format csv --limit 20"
  cat "$WORK/ls.md"
  rm -f .git/git-exp/cache/runs-v*
  hyperfine -N --runs 1 "$BIN ls --format json" | grep -E "Time|Range" | sed 's/^/cold cache: /'
  cd - >/dev/null
fi
