// The filter across the pages of the runs table. Each page holds 500 runs and its own
// data/runs-<n>.js; once a filter is typed, the other pages' scripts are loaded (one at a time,
// only then, at most MAX_PAGES of them) and the runs they hold that the filter keeps are listed
// under the table, each with a link to its page, filtered the same way. Nothing is fetched for
// a page read without a filter, and each page stays the size it was.
(function (gitExp) {
  "use strict";
  var el = gitExp.el;
  // 40 pages are 20,000 runs: about 20 MB of scripts at the most, read once per page visit.
  var MAX_PAGES = 40;
  // Rows listed under the table; the count covers every match, each page links to the rest.
  var MAX_SHOWN = 200;
  var runsOf = {}, requested = false, current = null;

  function otherPages() {
    var nav = document.querySelector("nav.pager[data-page]");
    if (!nav) return [];
    return Array.prototype.map.call(nav.querySelectorAll("a[data-runs]"), function (a) {
      var href = a.getAttribute("href");
      return { n: Number(a.textContent), href: href, data: a.getAttribute("data-runs") };
    }).filter(function (p) { return p.n > 0; });
  }

  gitExp.onPageRuns = function (page, runs) {
    runsOf[page] = runs;
    if (current) render();
  };

  // One script after the other: a browser on a slow disk or link is not asked for 40 at once.
  function load(pages) {
    var next = pages.shift();
    if (!next) return;
    var s = el("script", { src: next.data });
    s.onload = s.onerror = function () {
      if (!runsOf[next.n]) runsOf[next.n] = null;
      if (current) render();
      load(pages);
    };
    document.head.appendChild(s);
  }

  function render() {
    var section = document.getElementById("other-pages");
    if (!section) return;
    var pages = otherPages(), searched = pages.slice(0, MAX_PAGES);
    var tbody = section.querySelector("tbody");
    var status = document.getElementById("other-pages-status");
    tbody.textContent = "";
    var found = 0, waiting = 0, failed = [], perPage = [];
    searched.forEach(function (p) {
      var runs = runsOf[p.n];
      if (runs === undefined) { waiting++; return; }
      if (runs === null) { failed.push(p.n); return; }
      var kept = runs.filter(function (r) { return current.test(r); });
      if (kept.length) perPage.push(p.n + ": " + kept.length);
      kept.forEach(function (r) {
        found++;
        if (found > MAX_SHOWN) return;
        var link = p.href + "#q=" + encodeURIComponent(current.text);
        var tr = el("tr"), page = el("td"), name = el("td");
        page.appendChild(el("a", { href: link }, String(p.n)));
        name.appendChild(el("a", { href: "runs/" + r.id + ".html" }, r.name));
        tr.appendChild(page);
        tr.appendChild(el("td", {}, r.id));
        tr.appendChild(name);
        tr.appendChild(el("td", { class: "status s-" + r.status }, r.status));
        tr.appendChild(el("td", {}, String(r.started || "").replace("T", " ").slice(0, 19)));
        tbody.appendChild(tr);
      });
    });
    var text = found + " matching run" + (found === 1 ? "" : "s") + " on the other pages" +
      (perPage.length ? " (page " + perPage.join(", page ") + ")" : "");
    if (found > MAX_SHOWN) {
      text += "; the first " + MAX_SHOWN + " are listed, each page link shows the rest";
    }
    if (waiting) text += "; loading " + waiting + " more page" + (waiting === 1 ? "" : "s") + "…";
    if (failed.length) text += "; pages " + failed.join(", ") + " could not be loaded";
    if (pages.length > MAX_PAGES) {
      text += "; pages after " + MAX_PAGES + " are not searched (open one to filter it)";
    }
    status.textContent = text + ".";
    section.hidden = false;
    section.setAttribute("data-state", waiting ? "loading" : "done");
  }

  // Called by the table's filter with the test of the expression (or words) typed, or null
  // when the box is empty.
  gitExp.searchPages = function (test, text) {
    var section = document.getElementById("other-pages");
    if (!section) return;
    if (!test) { current = null; section.hidden = true; return; }
    current = { test: test, text: text };
    if (!requested) {
      requested = true;
      load(otherPages().slice(0, MAX_PAGES));
    }
    render();
  };
})(window.gitExp);
