#!/usr/bin/env python3
"""Loads a git-exp report in headless Chromium and checks it as a person would use it.

Standard library only: Chromium is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: fd 3 for commands, fd 4 for replies, NUL-separated JSON), so no
websocket client or browser driver package is needed.

    check_site.py SITE_DIR SCREENSHOT_DIR --xss-run ID

The site is checked twice: opened from disk (file://) and served over HTTP from 127.0.0.1.
For each page: no console errors, no uncaught exceptions, no JavaScript dialogs, and no request
outside the site. On the index: the filter narrows the table and reports bad expressions;
ticking two runs and pressing "Compare selected" opens a comparison with one chart line per run.
Screenshots go to SCREENSHOT_DIR. Exit status 1 with a list of failures.
"""

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="git-exp-chromium-")
        cmd_r, self._cmd_w = os.pipe()
        self._reply_r, reply_w = os.pipe()

        def child_fds():
            # Through high numbers first: dup2 onto the same number would keep close-on-exec
            # (when a pipe end already is fd 3 or 4), and one end could overwrite the other.
            os.dup2(cmd_r, 100)
            os.dup2(reply_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "about:blank",
        ]
        # os.pipe() descriptors close on exec; only the copies dup2'd to 3 and 4 reach Chromium.
        # (pass_fds would keep the original numbers and close 3 and 4 after preexec_fn.)
        self.proc = subprocess.Popen([binary] + flags, close_fds=False, preexec_fn=child_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(reply_w)
        self._buf = b""
        self._next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            if time.time() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._reply_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=True, timeout=30):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._on_event(reply)

    def _on_event(self, event):
        if "method" not in event:
            return
        self.events.append(event)
        if event["method"] == "Page.javascriptDialogOpening":
            # Record it and dismiss it, so a dialog cannot hang the check.
            os.write(self._cmd_w, json.dumps({"id": 0, "sessionId": self.session, "method": "Page.handleJavaScriptDialog",
                                              "params": {"accept": False}}).encode() + b"\0")

    def pump(self, seconds):
        """Handles events for a while (scripts that load after the load event)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.evaluate("1", timeout=5)
            time.sleep(0.05)

    def open_page(self, width=1280, height=900):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ["Page", "Runtime", "Log", "Network"]:
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url):
        start = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_for(lambda e: e["method"] == "Page.loadEventFired", start)
        return start

    def wait_for(self, test, start=0, timeout=30):
        deadline = time.time() + timeout
        while True:
            if any(test(e) for e in self.events[start:]):
                return
            self._on_event(self._read_message(deadline))

    def evaluate(self, expression, timeout=30):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_until(self, expression, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return True
            time.sleep(0.1)
        return False

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": min(size["width"], 1600), "height": min(size["height"], 4000), "scale": 1}
            params["captureBeyondViewport"] = True
        import base64
        data = self.send("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


class Checker:
    def __init__(self, browser, origin, shots, label):
        self.b, self.origin, self.shots, self.label = browser, origin, shots, label
        self.failures = []

    def fail(self, page, message):
        self.failures.append(f"[{self.label}] {page}: {message}")

    def load(self, page, shot=None):
        start = self.b.navigate(self.origin + page)
        self.b.pump(0.3)
        return start

    def audit(self, page, start, allow_blocked_frames=False):
        """Console errors, exceptions, dialogs and requests since event `start`."""
        for e in self.b.events[start:]:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                self.fail(page, "uncaught exception: " + json.dumps(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"].get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                self.fail(page, "console error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                text = p["entry"]["text"]
                if allow_blocked_frames and "about:srcdoc" in text and "sandboxed" in text:
                    continue
                self.fail(page, "console error: " + text)
            elif m == "Page.javascriptDialogOpening":
                self.fail(page, f"a {p.get('type')} dialog opened: {p.get('message')!r}")
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not (url.startswith(self.origin) or url.startswith("data:") or url.startswith("about:")):
                    self.fail(page, "request outside the site: " + url)
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                self.fail(page, f"a request failed: {p.get('errorText')} ({p.get('type')})")

    def run(self, xss_run, other_runs):
        b = self.b
        # The runs table.
        start = self.load("index.html")
        rows = b.evaluate("document.querySelectorAll('#runs-table tbody tr').length")
        if not rows or rows < 3:
            self.fail("index.html", f"expected the runs table with rows, found {rows}")
        if not b.wait_until("window.gitExp && gitExp.runsLoaded === true"):
            self.fail("index.html", "data/runs.js did not load")
        visible = "Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => !r.hidden).length"
        set_filter = "(t => { const i = document.getElementById('filter'); i.value = t; i.dispatchEvent(new Event('input')); })"
        b.evaluate(set_filter + "('status = \"completed\" and params.lr < 0.5')")
        narrowed = b.evaluate(visible)
        if not (0 < narrowed < rows):
            self.fail("index.html", f"the filter `status = \"completed\" and params.lr < 0.5` left {narrowed} of {rows} rows")
        b.evaluate(set_filter + "('params.lr >')")
        if not b.evaluate("document.getElementById('filter').classList.contains('error') && document.getElementById('filter-status').textContent.length > 0"):
            self.fail("index.html", "a bad filter expression is not reported")
        b.evaluate(set_filter + "('baseline')")
        if b.evaluate(visible) != 1:
            self.fail("index.html", "searching for the word `baseline` should leave one row")
        b.evaluate(set_filter + "('')")
        # Sorting by a metric column puts values in order.
        b.evaluate("document.querySelector('th[data-field=\"params.lr\"]').click()")
        order = b.evaluate("Array.from(document.querySelectorAll('#runs-table tbody tr')).map(r => r.cells[Array.from(r.parentNode.parentNode.tHead.rows[0].cells).findIndex(c => c.dataset.field === 'params.lr')].dataset.v).filter(v => v !== undefined).map(Number)")
        if order != sorted(order, reverse=True):
            self.fail("index.html", f"sorting by params.lr gave {order}")
        b.evaluate(set_filter + "('')")
        b.screenshot(os.path.join(self.shots, f"{self.label}-index.png"))
        self.audit("index.html", start)

        # Tick two runs, press "Compare selected".
        start = len(b.events)
        b.evaluate("Array.from(document.querySelectorAll('#runs-table tbody tr')).slice(0, 2).forEach(r => r.cells[0].firstChild.click())")
        if b.evaluate("document.getElementById('compare-button').disabled"):
            self.fail("index.html", "the compare button stays disabled with two runs ticked")
        b.evaluate("document.getElementById('compare-button').click()")
        b.wait_for(lambda e: e["method"] == "Page.loadEventFired", start)
        if not b.wait_until("document.querySelectorAll('#compare-app svg.chart').length > 0"):
            self.fail("compare.html", "the comparison of ticked runs drew no chart: " + str(b.evaluate("document.getElementById('compare-app').textContent.slice(0, 200)")))
        else:
            lines = b.evaluate("document.querySelector('#compare-app svg.chart[data-plot]').querySelectorAll('polyline').length")
            if lines != 2:
                self.fail("compare.html", f"expected 2 lines in the first line chart, found {lines}")
            # A metric each run logged once is a bar per run that has it, not a dot on a step axis.
            bars = b.evaluate("Array.from(document.querySelectorAll('#compare-app svg.chart.bars')).map(s => s.querySelectorAll('rect.bar').length)")
            if not bars or any(n < 1 or n > 2 for n in bars):
                self.fail("compare.html", f"expected bar charts for the metrics logged once, found {bars}")
            if b.evaluate("document.querySelectorAll('#compare-app ul.legend:not(.compact) li').length") != 2:
                self.fail("compare.html", "the legend does not list the two runs")
        b.screenshot(os.path.join(self.shots, f"{self.label}-compare-ticked.png"))
        self.audit("compare.html", start)

        # The hostile run's page: its name is text, nothing runs.
        start = self.load(f"runs/{xss_run}.html")
        title = b.evaluate("document.querySelector('h1').textContent")
        if "<img src=x onerror=alert(1)>" not in (title or ""):
            self.fail("run page", f"the run name is not shown as text: {title!r}")
        if b.evaluate("document.querySelectorAll('main img[src=x], main script').length") != 0:
            self.fail("run page", "markup from the run got into the page")
        b.screenshot(os.path.join(self.shots, f"{self.label}-run-xss.png"))
        self.audit("run page", start)

        # Its notebook, rendered by the notebook engine: HTML outputs sit in sandboxed frames,
        # where their scripts are blocked (Chromium logs that; it is the point) and no dialog opens.
        start = self.load(f"runs/{xss_run}/notebook-1.html")
        frames = b.evaluate("Array.from(document.querySelectorAll('iframe')).map(f => f.getAttribute('sandbox'))")
        if not frames or any(f != "" for f in frames):
            self.fail("notebook page", f"expected sandboxed frames without permissions, found {frames}")
        if b.evaluate("document.querySelectorAll('.nbdiff .nbd-cell').length") == 0:
            self.fail("notebook page", "no notebook cell is shown")
        b.screenshot(os.path.join(self.shots, f"{self.label}-notebook.png"))
        self.audit("notebook page", start, allow_blocked_frames=True)

        # A normal run page: charts with axes, a coloured log.
        start = self.load(f"runs/{other_runs[0]}.html")
        charts = b.evaluate("document.querySelectorAll('svg.chart').length")
        if not charts:
            self.fail("run page", "no metric chart")
        if not b.evaluate("document.querySelectorAll('svg.chart text').length > 8"):
            self.fail("run page", "the charts have no tick labels")
        b.screenshot(os.path.join(self.shots, f"{self.label}-run.png"))
        self.audit("run page", start)

        # The static comparison pages.
        start = self.load("index.html")
        compares = b.evaluate("Array.from(document.querySelectorAll('.compares a')).map(a => a.getAttribute('href'))") or []
        if not compares:
            self.fail("index.html", "no comparison pages are listed")
        for i, href in enumerate(compares):
            start = self.load(href)
            if b.evaluate("document.querySelectorAll('svg.chart').length") == 0:
                self.fail(href, "no chart")
            if b.evaluate("document.querySelectorAll('tr.differs').length") == 0:
                self.fail(href, "no highlighted difference")
            b.screenshot(os.path.join(self.shots, f"{self.label}-compare-{i}.png"))
            self.audit(href, start)


class SweepChecker(Checker):
    """The report of a sweep: pinned columns, folded constant columns, sweep views with
    brushing, single-value bars on a comparison, and the chart tools on a run page."""

    def drag(self, x0, y0, x1, y1):
        b = self.b
        b.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x0, "y": y0, "button": "left", "buttons": 1, "clickCount": 1})
        for k in range(1, 6):
            x, y = x0 + (x1 - x0) * k / 5, y0 + (y1 - y0) * k / 5
            b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y, "button": "left", "buttons": 1})
        b.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x1, "y": y1, "button": "left", "buttons": 0, "clickCount": 1})

    def choose_metric(self, page, shot=None):
        """The metric chooser of the parallel coordinates: another metric relabels the last
        axis and recolours the lines; choosing the first again restores them."""
        b = self.b
        options = b.evaluate("Array.from(document.querySelectorAll('section.sweep-views select.metric-choice option')).map(o => o.value)")
        if not options or len(options) < 2:
            self.fail(page, f"no metric chooser with two or more metrics: {options}")
            return
        if b.evaluate("document.querySelector('.metric-choice-box').hidden"):
            self.fail(page, "the metric chooser is hidden")
        label = "(a => a[a.length - 1].querySelector('text').lastChild.textContent)(document.querySelectorAll('svg.parallel g.pc-axis'))"
        lines = ("Array.from(document.querySelectorAll('svg.parallel polyline[data-run]')).filter(l => l.getAttribute('display') !== 'none')"
                 ".map(l => [l.getAttribute('data-run'), l.getAttribute('stroke'), l.getAttribute('points').split(' ').pop()])")
        first = b.evaluate("document.querySelector('select.metric-choice').value")
        before_label, before_lines = b.evaluate(label), b.evaluate(lines)
        other = next(o for o in options if o != first)
        choose = "(m => { const s = document.querySelector('select.metric-choice'); s.value = m; s.dispatchEvent(new Event('change')); })"
        b.evaluate(choose + f"({json.dumps(other)})")
        if not b.wait_until(f"document.querySelector('svg.parallel').getAttribute('data-metric') === {json.dumps(other)}", 10):
            self.fail(page, f"choosing {other} did not redraw the parallel coordinates")
            return
        after_label, after_lines = b.evaluate(label), b.evaluate(lines)
        if after_label == before_label or not other.endswith(after_label.lstrip("…")):
            self.fail(page, f"the last axis is labelled {after_label!r} after choosing {other} (was {before_label!r})")
        if not after_lines or after_lines == before_lines:
            self.fail(page, f"choosing {other} did not move or recolour the lines: {before_lines[:3]} -> {after_lines[:3]}")
        ticks = b.evaluate("(a => a[a.length - 1].querySelectorAll('text').length)(document.querySelectorAll('svg.parallel g.pc-axis'))")
        if not ticks or ticks < 3:
            self.fail(page, f"the redrawn axis has {ticks} labels, expected its name and ticks")
        if shot:
            b.evaluate("document.getElementById('sweep').scrollIntoView()")
            b.pump(0.2)
            b.screenshot(os.path.join(self.shots, shot), full_page=False)
        b.evaluate(choose + f"({json.dumps(first)})")
        b.wait_until(f"document.querySelector('svg.parallel').getAttribute('data-metric') === {json.dumps(first)}", 10)
        if b.evaluate(label) != before_label or sorted(map(tuple, b.evaluate(lines))) != sorted(map(tuple, before_lines)):
            self.fail(page, "choosing the first metric again did not restore the chart")

    def rect(self, selector):
        return self.b.evaluate(f"(r => r && [r.left, r.top, r.width, r.height])(document.querySelector({json.dumps(selector)})?.getBoundingClientRect())")

    def run(self, compare_href, series_run):
        b = self.b
        start = self.load("index.html")
        shown = "Array.from(document.querySelectorAll('#runs-table tbody tr')).filter(r => r.offsetParent !== null).length"
        rows = b.evaluate(shown)
        # The table fills the window and its id and name stay in view when scrolled sideways.
        wrap = self.rect(".table-wrap")
        if not wrap or wrap[2] < 1180:
            self.fail("index.html", f"the table does not fill the 1280 px window: {wrap}")
        if not b.evaluate("(w => w.scrollWidth > w.clientWidth)(document.querySelector('.table-wrap'))"):
            self.fail("index.html", "the table is not wider than the window (the test needs more columns)")
        b.evaluate("document.querySelector('.table-wrap').scrollLeft = 100000")
        b.pump(0.2)
        id_cell = self.rect("#runs-table tbody tr td:nth-child(2)")
        name_cell = self.rect("#runs-table tbody tr td:nth-child(3)")
        if not id_cell or not name_cell or id_cell[0] < wrap[0] or id_cell[0] > wrap[0] + 60 or name_cell[0] > wrap[0] + 140:
            self.fail("index.html", f"id and name are not pinned when scrolled right: id {id_cell}, name {name_cell}, table {wrap}")
        b.evaluate("window.scrollTo(0, document.querySelector('.table-wrap').getBoundingClientRect().top + scrollY - 120)")
        b.screenshot(os.path.join(self.shots, f"{self.label}-sweep-table-scrolled.png"), full_page=False)
        b.evaluate("document.querySelector('.table-wrap').scrollLeft = 0; window.scrollTo(0, 0)")
        folded = b.evaluate("document.getElementById('folded')?.textContent || ''")
        if "status completed" not in " ".join(folded.split()):
            self.fail("index.html", f"the constant column status is not folded above the table: {folded!r}")
        if b.evaluate("document.querySelector('#runs-table th[data-field=\"status\"]') !== null"):
            self.fail("index.html", "the constant column status is still in the table")
        # Sweep views: parallel coordinates, scatters, importance.
        if b.evaluate("document.querySelectorAll('svg.parallel polyline[data-run]').length") < 10:
            self.fail("index.html", "no parallel coordinates")
        if b.evaluate("document.querySelectorAll('svg.scatter circle[data-run]').length") < 10:
            self.fail("index.html", "no scatter plots")
        if b.evaluate("document.querySelectorAll('table.importance tbody tr').length") < 2:
            self.fail("index.html", "no parameter-importance table")
        # Brushing: drag along the first axis (a real drag); the table keeps the runs inside.
        b.evaluate("document.querySelector('svg.parallel').scrollIntoView()")
        b.pump(0.2)
        axis = self.rect("svg.parallel g.pc-axis[data-i='0'] rect.brush-area")
        if not axis:
            self.fail("index.html", "no brushable axis")
        else:
            x = axis[0] + axis[2] / 2
            self.drag(x, axis[1] + 2, x, axis[1] + axis[3] * 0.4)
            b.pump(0.2)
            narrowed = b.evaluate(shown)
            faded = b.evaluate("document.querySelectorAll('svg.parallel polyline.faded').length")
            if not (0 < narrowed < rows) or not faded:
                self.fail("index.html", f"brushing the first axis left {narrowed} of {rows} rows, {faded} lines faded")
            b.evaluate("window.scrollTo(0, document.getElementById('sweep').getBoundingClientRect().top + scrollY - 50)")
            b.screenshot(os.path.join(self.shots, f"{self.label}-sweep-brushed.png"), full_page=False)
            axis = self.rect("svg.parallel g.pc-axis[data-i='0'] rect.brush-area")
            x = axis[0] + axis[2] / 2
            self.drag(x, axis[1] + 10, x, axis[1] + 10)
            b.pump(0.2)
            if b.evaluate(shown) != rows:
                self.fail("index.html", "a click on the axis did not clear the brush")
        # The filter narrows the sweep views too: the lines of filtered-out runs fade.
        b.evaluate("(t => { const i = document.getElementById('filter'); i.value = t; i.dispatchEvent(new Event('input')); })('params.lr < 0.02')")
        faded = b.evaluate("document.querySelectorAll('svg.parallel polyline.faded').length")
        lines = b.evaluate("document.querySelectorAll('svg.parallel polyline').length")
        if not (0 < faded < lines):
            self.fail("index.html", f"filtering `params.lr < 0.02` faded {faded} of {lines} lines of the parallel coordinates")
        b.evaluate("(i => { i.value = ''; i.dispatchEvent(new Event('input')); })(document.getElementById('filter'))")
        if b.evaluate("document.querySelectorAll('svg.parallel polyline.faded').length") != 0:
            self.fail("index.html", "clearing the filter left lines faded")
        self.choose_metric("index.html", shot=f"{self.label}-sweep-metric-index.png")
        b.evaluate("window.scrollTo(0, 0)")
        b.screenshot(os.path.join(self.shots, f"{self.label}-sweep-index.png"))
        self.audit("index.html", start)

        # A comparison: single-value metrics as bars, one per run; the sweep of the compared runs.
        start = self.load(compare_href)
        runs = b.evaluate("document.querySelectorAll('#runs ul.legend li').length")
        bars = b.evaluate("document.querySelector('svg.chart.bars')?.querySelectorAll('rect.bar').length")
        if not runs or bars != runs:
            self.fail(compare_href, f"expected a bar per run ({runs}) for the single-value metric, found {bars}")
        if b.evaluate("document.querySelectorAll('section.sweep-views svg.parallel').length") != 1:
            self.fail(compare_href, "no sweep view of the compared runs")
        b.screenshot(os.path.join(self.shots, f"{self.label}-sweep-compare.png"))
        self.choose_metric(compare_href, shot=f"{self.label}-sweep-metric-compare.png")
        self.tools(compare_href)
        self.audit(compare_href, start)

        # A run page: log scale, smoothing and zoom redraw its charts.
        start = self.load(f"runs/{series_run}.html")
        self.tools(f"runs/{series_run}.html", shot=f"{self.label}-run-tools.png")
        self.audit("run page", start)

    def media(self, page):
        """Logged images side by side with a step slider; artifacts side by side."""
        b = self.b
        start = self.load(page)
        b.wait_until("Array.from(document.querySelectorAll('.side-by-side img')).every(i => i.complete)", 10)
        imgs = b.evaluate("Array.from(document.querySelectorAll('#media .side-by-side img')).map(i => [i.naturalWidth, Math.round(i.getBoundingClientRect().top), i.getBoundingClientRect().left])")
        if not imgs or len(imgs) != 2 or any(w == 0 for w, _, _ in imgs):
            self.fail(page, f"expected two loaded images of the logged key, found {imgs}")
        elif imgs[0][1] != imgs[1][1] or imgs[0][2] >= imgs[1][2]:
            self.fail(page, f"the images are not side by side: {imgs}")
        before = b.evaluate("document.querySelector('#media img').getAttribute('src')")
        b.evaluate("(s => { s.value = '0'; s.dispatchEvent(new Event('input')); })(document.querySelector('input.step-slider'))")
        after = b.evaluate("document.querySelector('#media img').getAttribute('src')")
        if before == after or b.evaluate("document.querySelector('.step-shown').textContent") != "step 0":
            self.fail(page, f"the step slider did not change the image ({before} -> {after})")
        if b.evaluate("document.querySelectorAll('table.artifacts-side .equal').length") != 1:
            self.fail(page, "model.bin, the same in both runs, is not marked equal")
        b.evaluate("document.getElementById('media').scrollIntoView()")
        b.screenshot(os.path.join(self.shots, f"{self.label}-compare-media.png"), full_page=False)
        self.audit(page, start)

    def tools(self, page, shot=None):
        b = self.b
        if not b.evaluate("document.getElementById('chart-log') !== null"):
            self.fail(page, "no chart tools")
            return
        b.evaluate("document.getElementById('chart-log').click()")
        if not b.wait_until("document.querySelector('figure.chart-box svg.chart[data-scale=\"log\"]') !== null", 10):
            self.fail(page, "log scale did not redraw the charts")
        b.evaluate("(s => { s.value = '0.9'; s.dispatchEvent(new Event('input')); })(document.getElementById('chart-smooth'))")
        if not b.wait_until("document.querySelectorAll('figure.chart-box svg.chart polyline.raw').length > 0", 10):
            self.fail(page, "smoothing did not draw the smoothed line over the raw one")
        if not b.evaluate("(a => a && !a.hidden && a.href.startsWith('blob:'))(document.querySelector('a.csv.plotted'))"):
            self.fail(page, "no CSV of what is plotted")
        if shot:
            b.evaluate("window.scrollTo(0, document.getElementById('metrics').getBoundingClientRect().top + scrollY - 50)")
            b.screenshot(os.path.join(self.shots, shot), full_page=False)
        b.evaluate("document.querySelector('figure.chart-box svg.chart[data-plot]').scrollIntoView()")
        b.pump(0.2)
        r = self.rect("figure.chart-box svg.chart[data-plot]")
        if r:
            self.drag(r[0] + r[2] * 0.3, r[1] + r[3] * 0.5, r[0] + r[2] * 0.6, r[1] + r[3] * 0.5)
            if not b.wait_until("Array.from(document.querySelectorAll('button.zoom-reset')).some(b => !b.hidden)", 10):
                self.fail(page, "dragging across a chart did not zoom")


def serve(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("site")
    parser.add_argument("shots")
    parser.add_argument("--xss-run")
    parser.add_argument("--sweep-compare", help="check a sweep report: this comparison page, and --run's page")
    parser.add_argument("--media-compare", help="with --sweep-compare: a comparison of runs that logged images")
    parser.add_argument("--run", action="append", default=[])
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    args = parser.parse_args()
    site = os.path.abspath(args.site)
    os.makedirs(args.shots, exist_ok=True)

    failures = []
    server = serve(site)
    origins = [("file", "file://" + site + "/"), ("http", f"http://127.0.0.1:{server.server_address[1]}/")]
    for label, origin in origins:
        browser = Browser(args.chromium)
        try:
            browser.open_page()
            if args.sweep_compare:
                checker = SweepChecker(browser, origin, args.shots, label)
                checker.run(args.sweep_compare, args.run[0])
                checker.media(args.media_compare)
            else:
                checker = Checker(browser, origin, args.shots, label)
                checker.run(args.xss_run, args.run)
            failures += checker.failures
        finally:
            browser.close()
    server.shutdown()
    for f in failures:
        print("FAIL", f)
    print(json.dumps({"failures": len(failures), "screenshots": sorted(os.listdir(args.shots))}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
