#!/usr/bin/env python3
"""Watches a running run's page served by `git exp report --watch --serve` in headless Chromium.

    live_page.py URL RELEASE_FILE [SCREENSHOT_DIR]

The page must show the run as running, then (after this script creates RELEASE_FILE, which lets
the run end) reload itself until it shows the run completed, with no navigation from here, no
console error, no exception and no request outside the served site. Exit status 1 with the
failures.
"""

import os
import sys
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_site import Browser  # noqa: E402


def wait_for_page(browser, expression, timeout):
    """Like Browser.wait_until, but a reload under way (its context gone) is not an error."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if browser.evaluate(expression, timeout=5):
                return True
        except Exception:  # the page is between two loads
            pass
        time.sleep(0.2)
    return False


def main():
    url, release = sys.argv[1], sys.argv[2]
    shots = sys.argv[3] if len(sys.argv) > 3 else None
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    chromium = os.environ.get("CHROMIUM") or "chromium"
    browser = Browser(chromium)
    failures = []
    try:
        browser.open_page()
        browser.navigate(url)
        if not wait_for_page(browser, "document.querySelector('.status.s-running') !== null", 30):
            failures.append("the page does not show a running run")
        # Its charts are drawn from the points written so far, and grow as the page reloads.
        count = ("(a => a ? Number(a.closest('tr').cells[1].textContent) : 0)"
                 "(document.querySelector('#metrics a[href=\"#metric-loss\"]'))")
        chart = "document.querySelectorAll('#metric-loss svg.chart polyline').length > 0"
        if not wait_for_page(browser, f"{chart} && {count} >= 2", 30):
            failures.append("the running run's page has no chart of the points so far")
        else:
            before = browser.evaluate(count)
            if not wait_for_page(browser, f"document.querySelector('.status.s-running') !== null && {chart} && {count} > {before}", 30):
                failures.append(f"the running run's chart did not grow past {before} points")
        if shots:
            os.makedirs(shots, exist_ok=True)
            try:  # a reload may be under way: the screenshot is then of the page as it loads
                browser.evaluate("window.scrollTo(0, 0)", timeout=5)
            except Exception:
                pass
            browser.screenshot(os.path.join(shots, "live-running.png"))
        open(release, "w").close()
        if not wait_for_page(browser, "document.querySelector('.status.s-completed') !== null", 60):
            failures.append("the page never showed the run completed: it did not reload itself")
        elif shots:
            browser.screenshot(os.path.join(shots, "live-completed.png"))
        for e in browser.events:
            method, params = e["method"], e.get("params", {})
            if method == "Runtime.exceptionThrown":
                failures.append("uncaught exception: " + str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                failures.append("console error: " + params["entry"]["text"])
            elif method == "Network.requestWillBeSent":
                target = params["request"]["url"]
                if not (target.startswith(origin) or target.startswith("data:")):
                    failures.append("request outside the site: " + target)
    finally:
        browser.close()
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
