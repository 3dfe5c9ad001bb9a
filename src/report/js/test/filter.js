// Runs the filter case table (tests/fixtures/filter-cases.json, with the runs as
// `git exp ls --format json` printed them) through filter.js: `node filter.js table.json`,
// written by tests/cli/filter_cases.rs after the same cases passed `git exp ls --where`.
// Prints each disagreement and exits 1 if there is any.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

globalThis.window = globalThis;
for (const file of ["core.js", "format.js", "filter.js"]) {
  const source = fs.readFileSync(path.join(__dirname, "..", file), "utf8");
  vm.runInThisContext(source, { filename: file });
}
const table = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const now = Date.parse(table.now);
const failures = [];

for (const c of table.cases) {
  let test, error = null;
  try {
    test = globalThis.gitExp.filter.parse(c.where, now);
  } catch (e) {
    error = e;
  }
  const what = JSON.stringify(c.where);
  const wantError = c.error !== undefined || c["error-prefix"] !== undefined;
  if (error && !wantError) {
    failures.push(`${what}: javascript refuses it (${error.message}), rust gives rows ${JSON.stringify(c.rows)}`);
  } else if (!error && wantError) {
    failures.push(`${what}: javascript accepts it, rust says ${JSON.stringify(c.error || c["error-prefix"])}`);
  } else if (error) {
    const ok = c.error !== undefined ? error.message === c.error : error.message.startsWith(c["error-prefix"]);
    if (!ok) failures.push(`${what}: javascript says ${JSON.stringify(error.message)}, rust ${JSON.stringify(c.error)}`);
    if (c.hint !== undefined && error.hint !== c.hint) {
      failures.push(`${what}: javascript hints ${JSON.stringify(error.hint)}, rust ${JSON.stringify(c.hint)}`);
    }
  } else {
    const got = table.runs.filter((r) => test(r)).map((r) => r.name).sort();
    const want = c.rows.slice().sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`${what}: javascript rows ${JSON.stringify(got)}, rust ${JSON.stringify(want)}`);
    }
  }
}
for (const f of failures) console.log(f);
console.log(`${table.cases.length - failures.length} of ${table.cases.length} cases agree`);
process.exit(failures.length ? 1 : 0);
