#!/usr/bin/env python3
"""Types every case of the filter table into the filter box of a report and checks the rows.

    filter_cases.py SITE_DIR tests/fixtures/filter-cases.json

The site must have been built with GIT_EXP_NOW set to the table's `now` (the report then embeds
it, so `7d ago` counts from the same instant as `git exp ls --where` did). A case with rows must
leave exactly those runs visible; a case with an error must mark the box as wrong and show the
message (and hint) `ls --where` prints. Text that does not look like an expression (no operator,
bracket, quote or keyword) is a word search in the browser, not an error, as docs/REPORT.md says;
such error cases are checked to leave the box unmarked. Exit status 1 with a list of failures.
"""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_site import Browser  # noqa: E402

# table.js's test for "this is meant as an expression".
EXPRESSION = re.compile(r"""[=<>~()\[\]"']|\b(and|or|not|in|contains|exists)\b""")

SET = "(t => { const i = document.getElementById('filter'); i.value = t; i.dispatchEvent(new Event('input')); })"
VISIBLE = ("Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => !r.hidden)"
           ".map(r => gitExp.runsById[r.cells[0].firstChild.value].name).sort()")
STATE = "({error: document.getElementById('filter').classList.contains('error'), " \
        "status: document.getElementById('filter-status').textContent})"


def main():
    site, fixture = os.path.abspath(sys.argv[1]), sys.argv[2]
    with open(fixture, encoding="utf-8") as f:
        table = json.load(f)
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "chromium"
    browser = Browser(chromium)
    failures = []
    try:
        browser.open_page()
        browser.navigate("file://" + site + "/index.html")
        if not browser.wait_until("window.gitExp && gitExp.runsLoaded === true"):
            failures.append("data/runs.js never loaded")
        if browser.evaluate("gitExp.now") != table["now"].replace("Z", ".000Z"):
            failures.append(f"the report embeds now = {browser.evaluate('gitExp.now')!r}, not {table['now']!r}")
        for case in table["cases"]:
            text = case["where"]
            browser.evaluate(SET + "(" + json.dumps(text) + ")")
            state = browser.evaluate(STATE)
            if "rows" in case:
                got = browser.evaluate(VISIBLE)
                if state["error"] or got != sorted(case["rows"]):
                    failures.append(f"{text!r}: the box shows {got} ({state['status']!r}), ls gives {sorted(case['rows'])}")
                continue
            if not text.strip() or not EXPRESSION.search(text):
                if state["error"]:
                    failures.append(f"{text!r}: a word search is marked as an error: {state['status']!r}")
                continue
            want = case.get("error") or case.get("error-prefix")
            if not state["error"] or not state["status"].startswith(want):
                failures.append(f"{text!r}: the box says {state['status']!r} (error: {state['error']}), ls says {want!r}")
            elif "hint" in case and ("(hint: " + case["hint"] + ")") not in state["status"]:
                failures.append(f"{text!r}: the box lacks the hint {case['hint']!r}: {state['status']!r}")
        shots = os.environ.get("GIT_EXP_SCREENSHOTS")
        if shots:
            os.makedirs(shots, exist_ok=True)
            browser.evaluate(SET + "('name !~ \"^slp\" and started > 7d ago')")
            browser.screenshot(os.path.join(shots, "filter-rows.png"), full_page=False)
            browser.evaluate(SET + "('params.lr < and')")
            browser.screenshot(os.path.join(shots, "filter-error.png"), full_page=False)
    finally:
        browser.close()
    for f in failures:
        print("FAIL", f)
    print(f"{len(table['cases']) - len(failures)} of {len(table['cases'])} cases agree in the browser")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
