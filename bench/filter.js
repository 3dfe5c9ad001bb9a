// The report's filter box (src/report/js/filter.js) over many runs, in node: how long one
// keystroke costs (parse, then test every run). `node bench/filter.js [RUNS]` (default 10,000).
// The runs are shaped as data/runs.js has them: params, six rollups per metric, tags, times.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

globalThis.window = globalThis;
for (const file of ["core.js", "format.js", "filter.js"]) {
  vm.runInThisContext(fs.readFileSync(path.join(__dirname, "../src/report/js", file), "utf8"));
}
const n = Number(process.argv[2] || 10000);
const runs = [];
for (let i = 0; i < n; i++) {
  const acc = (i % 97) / 97;
  const m = (v) => ({ count: 100, first: v, last: v, min: v / 2, max: v, mean: v });
  runs.push({ id: "r" + i.toString(36).padStart(7, "0"), name: "run-" + i,
    status: i % 13 ? "completed" : "failed",
    tags: i % 3 ? ["sweep"] : ["sweep", "baseline"],
    started: new Date(Date.parse("2026-11-30T10:00:00Z") - i * 120000).toISOString(),
    duration: 30 + (i % 600), command: ["python", "train.py"], dirty: false, commit: "c" + i,
    params: { lr: 10 ** -(1 + (i % 4)), opt: { name: i % 2 ? "adam" : "sgd" }, layers: 1 + (i % 8) },
    metrics: { "val/acc": m(acc), loss: m(1 - acc), "sys/cpu_percent": m(50) }, host: { hostname: "h" } });
}
const now = Date.parse("2026-11-30T10:00:00Z");
const exprs = [
  'status = "completed" and params.lr < 0.01',
  'metrics.val/acc:max >= 0.9 and not tags contains "baseline"',
  'name ~ "^run-1[0-9]+$" or params.opt.name in [adam, rmsprop]',
  "started > 7d ago and duration < 5m",
];
for (const expr of exprs) {
  const times = [];
  let kept = 0;
  for (let rep = 0; rep < 20; rep++) {
    const t0 = process.hrtime.bigint();
    const test = gitExp.filter.parse(expr, now);
    kept = runs.filter(test).length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[10].toFixed(2), fastest = times[0].toFixed(2);
  console.log(`${expr}: ${kept} of ${n} runs, median ${median} ms, fastest ${fastest} ms`);
}
