#!/usr/bin/env python3
"""The filter of a paginated runs table finds runs on every page, in headless Chromium.

    pages.py SITE_DIR SCREENSHOT_DIR CASES_JSON

CASES_JSON is a list of {"page": "index.html" or "runs-2.html", "expr": ..., "ids": [...]},
the ids being what `git exp ls --where EXPR` lists. For each case the expression is typed into
the filter box of that page, opened from disk and over HTTP; the rows it keeps on the page plus
the rows listed under "Matches on other pages" must be exactly those ids. Also: no console
error, exception or request outside the site, and the page links of the matches open the
other page filtered the same way. Exit status 1 with the failures.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_site import Browser, Checker, serve  # noqa: E402

SET_FILTER = "(t => { const i = document.getElementById('filter'); i.value = t; i.dispatchEvent(new Event('input')); })"
SHOWN = ("Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => !r.hidden)"
         ".map(r => r.cells[0].firstChild.value)")
OTHER = "Array.from(document.querySelectorAll('#other-pages tbody tr')).map(r => r.cells[1].textContent)"
DONE = "(s => s && !s.hidden && s.getAttribute('data-state') === 'done')(document.getElementById('other-pages'))"


def check(checker, cases):
    b = checker.b
    for i, case in enumerate(cases):
        page, expr, want = case["page"], case["expr"], sorted(case["ids"])
        start = checker.load(page)
        if not b.wait_until("window.gitExp && gitExp.runsLoaded === true"):
            checker.fail(page, "the page's runs did not load")
        b.evaluate(SET_FILTER + f"({json.dumps(expr)})")
        if not b.wait_until(DONE, 30):
            checker.fail(page, f"`{expr}`: the other pages were not searched: "
                         + str(b.evaluate("document.getElementById('other-pages-status')?.textContent")))
            continue
        here, other = b.evaluate(SHOWN), b.evaluate(OTHER)
        got = sorted(here + other)
        if got != want:
            checker.fail(page, f"`{expr}` kept {len(got)} runs ({len(here)} here, {len(other)} on other pages), "
                         f"`ls --where` {len(want)}: only in the browser {sorted(set(got) - set(want))[:5]}, "
                         f"only in ls {sorted(set(want) - set(got))[:5]}")
        if case.get("only_elsewhere") and (here or not other):
            checker.fail(page, f"`{expr}` should match only on another page: {len(here)} here, {len(other)} elsewhere")
        if i == 0:
            b.evaluate("document.getElementById('other-pages').scrollIntoView()")
            b.pump(0.2)
            b.screenshot(os.path.join(checker.shots, f"{checker.label}-pages-filter.png"), full_page=False)
        checker.audit(page, start)
        # The first match elsewhere links to its page, filtered the same way.
        if other:
            start = len(b.events)
            b.evaluate("document.querySelector('#other-pages tbody tr a').click()")
            b.wait_for(lambda e: e["method"] == "Page.loadEventFired", start)
            b.wait_until("window.gitExp && gitExp.runsLoaded === true")
            b.pump(0.3)
            kept = b.evaluate(SHOWN)
            box = b.evaluate("document.getElementById('filter').value")
            if box != expr or not set(kept) & set(other):
                checker.fail(page, f"the page link of a match opened with the filter {box!r} keeping {kept[:5]}")
            checker.audit("linked page", start)


def main():
    site, shots, cases = os.path.abspath(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    os.makedirs(shots, exist_ok=True)
    chromium = os.environ.get("CHROMIUM") or "chromium"
    server = serve(site)
    failures = []
    for label, origin in [("file", "file://" + site + "/"), ("http", f"http://127.0.0.1:{server.server_address[1]}/")]:
        browser = Browser(chromium)
        try:
            browser.open_page()
            checker = Checker(browser, origin, shots, label)
            check(checker, cases)
            failures += checker.failures
        finally:
            browser.close()
    server.shutdown()
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
