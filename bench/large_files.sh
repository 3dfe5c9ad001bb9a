#!/usr/bin/env bash
# Large files in bounded memory (issue 18: ≤ 64 MiB for a 500 MB file, at disk speed): median
# wall time of RUNS runs and peak memory (maximum resident set size, GNU /usr/bin/time) of
#   1. `git exp run -- true` with a modified SIZE_MB tracked file (same size, new random bytes,
#      so the status hashes it and the snapshot stores it), next to `cat` of the file (the disk
#      floor) and `git hash-object -w` of it (git's own way to store it);
#   2. `git exp run` whose command leaves an ART_MB artifact (a hard link, so the command itself
#      costs nothing), and `git exp artifacts @ -o DIR` extracting it.
# The files are random: incompressible, as model weights nearly are.
#
#   bench/large_files.sh                                 # release build, 500 MB, 1 GiB, 3 runs
#   SIZE_MB=100 ART_MB=200 RUNS=1 bench/large_files.sh
#   BIN=target/debug/git-exp bench/large_files.sh        # no build (memory is still meaningful)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-500}
ART_MB=${ART_MB:-1024}
RUNS=${RUNS:-3}
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time as /usr/bin/time (apt-get install time)" >&2
  exit 1
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp"
fi
BIN=$(realpath "$BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/large-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $SIZE_MB MB file, $ART_MB MiB artifact; $("$BIN" --version)"

measure() { # measure LABEL CMD...: median seconds and peak MiB over RUNS runs; BEFORE runs first
  local label=$1 times=() peak=0
  shift
  for _ in $(seq "$RUNS"); do
    ${BEFORE:-true}
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" > /dev/null
    read -r secs kib < "$WORK/time"
    times+=("$secs"); peak=$(( kib > peak ? kib : peak ))
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '| %s | %s s | %d MiB |\n' "$label" "$median" $(( peak / 1024 ))
}

cd "$WORK" && git init -q repo && cd repo
head -c "${SIZE_MB}000000" /dev/urandom > big.bin
git add big.bin && git commit -q -m base
# New bytes at the same size: the stat data says "maybe changed", the status hashes the file.
modify() { head -c "${SIZE_MB}000000" /dev/urandom > big.bin; }
modify

echo "| command | median wall | peak memory |"
echo "|---|---|---|"
measure "cat big.bin (disk floor)" cat big.bin
measure "git hash-object -w big.bin" git hash-object -w big.bin
BEFORE=modify measure "git exp run -- true, modified ${SIZE_MB} MB tracked file" "$BIN" run -q -- true

# `apply` writes the last run's version of the file back (streamed out of git).
reset_file() { git checkout -q -- big.bin; }
BEFORE=reset_file measure "git exp apply @ (writes the ${SIZE_MB} MB file back)" "$BIN" apply -q @

# Artifacts, in a repository of their own: the large tracked file would be hashed again by every
# run's status (its stat data is racy after a checkout), which is the first part's business.
cd "$WORK" && git init -q art && cd art && echo x > x && git add x && git commit -q -m base
head -c "$(( ART_MB << 20 ))" /dev/urandom > "$WORK/artifact.bin"
# Each run stores the artifact anew: its blob is deleted first (an existing blob is not rewritten).
clear_blobs() { rm -rf .git/git-exp/blobs/sha256; }
BEFORE=clear_blobs measure "git exp run (stores a ${ART_MB} MiB artifact)" \
  "$BIN" run -q -- sh -c 'ln "$1" "$GIT_EXP_ARTIFACTS/model.bin"' sh "$WORK/artifact.bin"
clear_out() { rm -rf "$WORK/out"; }
BEFORE=clear_out measure "git exp artifacts @ -o DIR (extracts it)" "$BIN" artifacts -q @ -o "$WORK/out"
cmp -s "$WORK/artifact.bin" "$WORK/out/model.bin" || { echo "extracted artifact differs" >&2; exit 1; }
