// Checks format.js and ticks.js against a table of cases computed by the Rust functions they
// mirror (written by the test in src/report/script.rs): `node parity.js cases.json`. Prints each
// disagreement and exits 1 if there is any.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

globalThis.window = globalThis;
// The browser-free parts of the report's script, in its load order (charts.js only defines
// functions at load; its smoothing is checked below against hand-computed values).
for (const file of ["core.js", "format.js", "ticks.js", "charts.js"]) {
  const source = fs.readFileSync(path.join(__dirname, "..", file), "utf8");
  vm.runInThisContext(source, { filename: file });
}
const gitExp = globalThis.gitExp;
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const failures = [];
let count = 0;

function check(what, got, want) {
  count++;
  if (got !== want) failures.push(`${what}: javascript ${JSON.stringify(got)}, rust ${JSON.stringify(want)}`);
}
// Tick lists as text: Object.is tells -0 from 0 and NaN from NaN, as the Rust values do.
function same(a, b) {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
function checkTicks(what, got, want) {
  const ticks = want.ticks.map(Number), step = Number(want.step);
  count++;
  if (!same(got.ticks, ticks) || !Object.is(got.step, step)) {
    failures.push(`${what}: javascript ${JSON.stringify(got.ticks)} by ${got.step}, ` +
      `rust ${JSON.stringify(want.ticks)} by ${want.step}`);
  }
}

for (const c of cases.number) check(`number(${c.v})`, gitExp.format.number(Number(c.v)), c.want);
for (const c of cases.fixed) {
  check(`fixed(${c.v}, ${c.places})`, gitExp.format.fixed(Number(c.v), c.places), c.want);
  check(`exponential(${c.v}, ${c.places})`, gitExp.format.exponential(Number(c.v), c.places), c.exp);
}
for (const c of cases.nice) {
  const lo = Number(c.lo), hi = Number(c.hi);
  checkTicks(`nice(${c.lo}, ${c.hi}, ${c.target})`, gitExp.ticks.nice(lo, hi, c.target), c.want);
  checkTicks(`time(${c.lo}, ${c.hi}, ${c.target})`, gitExp.ticks.time(lo, hi, c.target), c.time);
}
for (const c of cases.label) {
  check(`label(${c.v}, ${c.step})`, gitExp.ticks.label(Number(c.v), Number(c.step)), c.want);
}
for (const c of cases.time) check(`timeLabel(${c.v})`, gitExp.ticks.timeLabel(Number(c.v)), c.want);

// The chart tools' smoothing, TensorBoard's debiased EMA: s = w s + (1 - w) v, shown as
// s / (1 - w^n) after n finite values.
const ema = gitExp.charts.ema;
const round = (xs) =>
  JSON.stringify(xs.map((x) => (isFinite(x) ? Number(x.toPrecision(12)) : String(x))));
check("ema of a constant stays constant", round(ema([3, 3, 3, 3], 0.9)), round([3, 3, 3, 3]));
check("ema([0, 10], 0.5)", round(ema([0, 10], 0.5)), round([0, 10 * 0.5 / 0.75]));
check("ema([2, 4, 8], 0.6)", round(ema([2, 4, 8], 0.6)),
  round([2, (0.4 * 0.6 * 2 + 0.4 * 4) / (1 - 0.36),
    (0.4 * 0.36 * 2 + 0.4 * 0.6 * 4 + 0.4 * 8) / (1 - 0.216)]));
check("ema keeps NaN out of the average", round(ema([NaN, 2, Infinity, 4], 0.5)),
  round([NaN, 2, Infinity, (0.5 * 0.5 * 2 + 0.5 * 4) / 0.75]));
check("ema with weight 0 is the data", round(ema([1, 5, 2], 0)), round([1, 5, 2]));

for (const f of failures.slice(0, 40)) console.log(f);
if (failures.length > 40) console.log(`… and ${failures.length - 40} more`);
console.log(`${count - failures.length} of ${count} cases agree`);
process.exit(failures.length ? 1 : 0);
