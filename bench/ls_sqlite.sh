#!/usr/bin/env bash
# The listing index against an embedded store (issue 18: "choose the representation by
# measurement"): the query of bench/ls.sh over the same runs, answered by git-exp's listing
# index and by SQLite, each as a fresh process (median wall, peak RSS, file size).
#
#   WORK=/tmp/peers bench/ls_sqlite.sh      # the repositories of bench/ls.sh ($WORK/runs-N)
#   SIZES="10000 100000" BIN=… bench/ls_sqlite.sh
#
# Two SQLite layouts, both built once from `git exp ls --format csv` of the same runs:
#   typed: one table, a typed column per field this query reads and an index on each: the best
#          case for SQLite, possible only when every param and metric is known in advance;
#   keyed: runs, params(run, key, value) and metrics(run, key, value) with indexes on (key,
#          value), the layout a tracker of arbitrary params needs (MLflow's SQL store is one).
# SQLite's figures leave out checking the store against the run refs, which git-exp's include
# (a ref may have moved since the store was written). Needs sqlite3 (Debian: apt install sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-10000 100000}"
RUNS="${RUNS:-20}"
WORK="${WORK:?WORK=dir holding runs-N repositories of bench/ls.sh}"
BIN="${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/git-exp}"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig" NO_COLOR=1
echo "# machine: $(nproc) cores; binary $BIN; $(sqlite3 --version | cut -d' ' -f1-2)"
echo "# load before: $(cat /proc/loadavg)"
row() { # row LABEL CMD…: median wall over RUNS runs after 3 warm-ups, and the peak RSS of any
  local label="$1"; shift
  python3 - "$label" "$RUNS" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for _ in range(3):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
walls = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    walls.append((time.perf_counter() - t) * 1000)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"| {label} | {statistics.median(walls):.1f} ms | {peak:.0f} MiB |")
PY
}
echo
echo "| figure | median | peak RSS |"
echo "|---|---:|---:|"
for n in $SIZES; do
  dir="$WORK/runs-$n"
  [[ -d "$dir" ]] || { echo "no $dir: make it with bench/ls.sh" >&2; exit 1; }
  cd "$dir"
  db="$WORK/runs-$n.sqlite"
  if [[ ! -f "$db" ]]; then
    "$BIN" ls --format csv --columns id,name,status,started,params.i,params.lr,metrics.acc:max,metrics.loss:max \
      > "$WORK/runs-$n.csv"
    sqlite3 "$db" <<SQL
CREATE TABLE csv(id, name, status, started, i, lr, acc, loss);
.import --csv --skip 1 $WORK/runs-$n.csv csv
CREATE TABLE typed(id TEXT PRIMARY KEY, name TEXT, status TEXT, started TEXT, i INTEGER, lr REAL, acc REAL, loss REAL);
INSERT INTO typed SELECT id, name, status, started, i, lr, acc, loss FROM csv;
CREATE INDEX typed_lr ON typed(lr); CREATE INDEX typed_acc ON typed(acc);
CREATE TABLE runs(run INTEGER PRIMARY KEY, id TEXT UNIQUE, name TEXT, status TEXT, started TEXT);
INSERT INTO runs(id, name, status, started) SELECT id, name, status, started FROM csv;
CREATE TABLE params(run INTEGER, key TEXT, value);
CREATE TABLE metrics(run INTEGER, key TEXT, value REAL);
INSERT INTO params SELECT r.run, 'i', CAST(c.i AS INTEGER) FROM runs r JOIN csv c USING(id);
INSERT INTO params SELECT r.run, 'lr', CAST(c.lr AS REAL) FROM runs r JOIN csv c USING(id);
INSERT INTO metrics SELECT r.run, 'acc', c.acc FROM runs r JOIN csv c USING(id);
INSERT INTO metrics SELECT r.run, 'loss', c.loss FROM runs r JOIN csv c USING(id);
CREATE INDEX params_kv ON params(key, value); CREATE INDEX metrics_kv ON metrics(key, value);
CREATE INDEX params_run ON params(run, key); CREATE INDEX metrics_run ON metrics(run, key);
DROP TABLE csv;
VACUUM;
SQL
  fi
  row "git-exp \`ls --where 'params.lr < 0.01' --sort metrics.acc --limit 20\`, $n runs" \
    "$BIN" ls --where 'params.lr < 0.01' --sort metrics.acc --limit 20
  row "the same, every run matching: \`--where 'params.lr >= 0.01' --sort -metrics.acc\`, $n runs" \
    "$BIN" ls --where 'params.lr >= 0.01' --sort -metrics.acc --limit 20
  row "SQLite typed: \`WHERE lr < 0.01 ORDER BY acc LIMIT 20\`, $n runs" \
    sqlite3 "$db" "SELECT id, name, status, started, lr, acc FROM typed WHERE lr < 0.01 ORDER BY acc LIMIT 20"
  row "SQLite typed, every run matching (\`lr >= 0.01 ORDER BY acc DESC\`), $n runs" \
    sqlite3 "$db" "SELECT id, name, status, started, lr, acc FROM typed WHERE lr >= 0.01 ORDER BY acc DESC LIMIT 20"
  row "SQLite keyed: the same query through params and metrics, $n runs" \
    sqlite3 "$db" "SELECT r.id, r.name, r.status, r.started, p.value, m.value FROM params p JOIN runs r USING(run) JOIN metrics m ON m.run = r.run AND m.key = 'acc' WHERE p.key = 'lr' AND p.value < 0.01 ORDER BY m.value LIMIT 20"
  row "SQLite keyed, every run matching, $n runs" \
    sqlite3 "$db" "SELECT r.id, r.name, r.status, r.started, p.value, m.value FROM params p JOIN runs r USING(run) JOIN metrics m ON m.run = r.run AND m.key = 'acc' WHERE p.key = 'lr' AND p.value >= 0.01 ORDER BY m.value DESC LIMIT 20"
  echo "| sizes, $n runs | listing-v3.idx $(stat -c %s .git/git-exp/cache/listing-v3.idx) bytes | SQLite (both layouts) $(stat -c %s "$db") bytes |"
  cd - >/dev/null
done
echo "# load after: $(cat /proc/loadavg)"
