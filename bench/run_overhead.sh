#!/usr/bin/env bash
# Run overhead of a short Python command (issue 18); figures go to docs/PERFORMANCE.md.
#
#   bench/run_overhead.sh            # git-exp, and `dvc exp run` in a throwaway venv
#   NO_DVC=1 bench/run_overhead.sh   # git-exp only (no network needed)
#   VENV=DIR bench/run_overhead.sh   # a venv to reuse (DVC installed into it unless it has the pin)
#   RESULTS=FILE bench/run_overhead.sh   # also appends `name<TAB>median ms<TAB>fastest ms<TAB>CPU ms<TAB>peak MiB`
#
# In a repository of 1,000 files (one modified, one untracked), with the default config (no
# exp.toml), each command run RUNS times after WARMUP runs; median and fastest wall time and the
# mean CPU time (user + system, children included) per run:
#   1. `python -c pass` alone, with the venv's interpreter
#   2. `git exp run --system-interval 0 -- python -c pass`: snapshot, environment record from the
#      cache (python.toml, pip-freeze.txt), two commits
#   3. the same with `[env] pip_freeze = false`, to show what the environment record costs
#   4. `dvc exp run` of a one-stage dvc.yaml running the same command (DVC pinned below)
# and the peak RSS of each (the largest of its runs). The repository is made anew on every call.
set -euo pipefail
cd "$(dirname "$0")/.."
DVC_VERSION=3.67.1
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
# GIT_EXP_BIN=target/debug/git-exp measures another build (figures then say so).
if [[ -z "${GIT_EXP_BIN:-}" ]]; then
  cargo build --release --quiet
fi
BIN="$(realpath "${GIT_EXP_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp}")"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' > "$WORK/gitconfig"
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; git-exp $(git rev-parse --short HEAD); $(git --version)"
echo "# load before: $(uptime)"
echo "# work dir: $WORK"

VENV="${VENV:-$WORK/venv}"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
if [[ -z "${NO_DVC:-}" ]] && [[ "$("$VENV/bin/dvc" --version 2>/dev/null)" != "$DVC_VERSION" ]]; then
  "$PY" -m pip install --quiet "dvc==$DVC_VERSION"
fi

REPO="$WORK/files"
rm -rf "$REPO"
mkdir -p "$REPO" && git -C "$REPO" init -q
python3 - "$REPO" 1000 <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"pkg{i % 40}", f"sub{i % 7}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"m{i}.py"), "w") as f:
        f.write(f"# module {i}\n" + "x = 1\n" * 20)
PY
cd "$REPO"
if [[ -z "${NO_DVC:-}" ]]; then
  "$VENV/bin/dvc" init -q
  printf 'stages:\n  short:\n    cmd: %s -c pass\n' "$PY" > dvc.yaml
fi
git add -A && git commit -qm "1,000 files"
echo "changed" >> pkg0/sub0/m0.py; echo "new" > untracked.txt
git status --porcelain >/dev/null   # fresh stat data, as a user's git status leaves it

# Times each command; prints one Markdown row per command.
COMMANDS=("$PY -c pass" "$BIN run --system-interval 0 -- $PY -c pass" "env-off:$BIN run --system-interval 0 -- $PY -c pass")
[[ -z "${NO_DVC:-}" ]] && COMMANDS+=("$VENV/bin/dvc exp run -q")
python3 - "$RUNS" "$WARMUP" "${RESULTS:-}" "${COMMANDS[@]}" <<'PY'
import os, shlex, statistics, subprocess, sys, time
runs, warmup, results = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print("| command | wall, median | wall, fastest | CPU per run | peak RSS |")
print("|---|---:|---:|---:|---:|")
for spec in sys.argv[4:]:
    env_off = spec.startswith("env-off:")
    command = spec.removeprefix("env-off:")
    if env_off:
        open("exp.toml", "w").write("[env]\npip_freeze = false\n")
    walls, cpu, peak = [], 0.0, 0
    for i in range(warmup + runs):
        t = time.perf_counter()
        child = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait4: this command's own resource use (its children included), not every child's.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{command} failed with status {status}")
        peak = max(peak, usage.ru_maxrss)
        if i >= warmup:
            walls.append(wall)
            cpu += (usage.ru_utime + usage.ru_stime) / runs
    if env_off:
        os.remove("exp.toml")
        command += "  (`[env] pip_freeze = false`)"
    program = command.split()[0].rsplit("/", 1)[-1]
    name = "git-exp-env-off" if env_off else "dvc" if program == "dvc" else "git-exp" if " run " in command else "python"
    figures = (statistics.median(walls) * 1000, min(walls) * 1000, cpu * 1000, peak / 1024)
    print(f"| `{command}` | {figures[0]:.1f} ms | {figures[1]:.1f} ms | {figures[2]:.1f} ms | {figures[3]:.0f} MiB |")
    if results:
        with open(results, "a") as f:
            f.write("\t".join([name] + [f"{x:.1f}" for x in figures]) + "\n")
PY
echo "# load after: $(uptime)"
