#!/usr/bin/env bash
# Times `git exp import --tensorboard` of DIRS directories of STEPS scalars each (written by
# tensorboardX), and the second, idempotent import. Usage: bench/tensorboard.sh [DIRS] [STEPS]
set -euo pipefail
dirs=${1:-50}
steps=${2:-2000}
bin=${GIT_EXP:-$(cd "$(dirname "$0")/.." && pwd)/target/debug/git-exp}
work=$(mktemp -d)
cd "$work"
git init -q && git commit -q --allow-empty -m init
python3 - "$dirs" "$steps" <<'PY'
import sys
from tensorboardX import SummaryWriter
for d in range(int(sys.argv[1])):
    w = SummaryWriter(f"logs/run{d}")
    for s in range(int(sys.argv[2])):
        w.add_scalar("loss", 1.0 / (s + 1), s)
    w.close()
PY
du -sh logs
uptime
for pass in first second; do
    echo "$pass import:"
    /usr/bin/time -f "  %e s wall, %M KiB max RSS" "$bin" import --tensorboard logs 2>&1 >/dev/null | grep -E "Imported .* failed|wall"
done
rm -rf "$work"
