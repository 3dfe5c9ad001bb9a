// git-exp report: the runs table (sort, filter, columns), chart hover, and the comparison of
// runs ticked in the table. Plain DOM, no dependencies, no network: data comes from scripts in
// the site (data/*.js), which load from file:// as well as over HTTP. Every string from a run is
// put into the page as text (textContent), never as markup.
//
// The script is made of the files in src/report/js/, joined in the order src/report/script.rs
// lists them. Each file adds its part to the one `gitExp` object; format.js and ticks.js touch
// no DOM, so the Rust tests load them in node and compare them with the Rust code they mirror.
"use strict";
var gitExp = window.gitExp = window.gitExp || {};
(function () {
  var runsById = gitExp.runsById = {}, pending = gitExp.pending = {};
  var NS = "http://www.w3.org/2000/svg";

  // This page's number among the pages of the runs table (1 without pages).
  gitExp.pageNumber = function () {
    var nav = document.querySelector("nav.pager[data-page]");
    return nav ? Number(nav.getAttribute("data-page")) : 1;
  };
  // Called by data/runs.js (page 1) and data/runs-<page>.js. Another page's runs, loaded by
  // the filter (pages.js), are kept apart: this page's table and views are of its own runs.
  gitExp.setRuns = function (runs, page) {
    page = page || 1;
    if (page !== gitExp.pageNumber()) {
      if (gitExp.onPageRuns) gitExp.onPageRuns(page, runs);
      return;
    }
    runs.forEach(function (r) { runsById[r.id] = r; });
    gitExp.runsLoaded = true;
    if (gitExp.onRuns) gitExp.onRuns();
  };
  var runData = {}, waiting = {};
  gitExp.addRun = function (run) {
    var done = pending[run.id];
    delete pending[run.id];
    runData[run.id] = run;
    var waiters = waiting[run.id] || [];
    delete waiting[run.id];
    if (done) done(run);
    waiters.forEach(function (w) { w(run); });
  };
  // Loads data/<id>.js once and calls `done` with the run (or null when it cannot be loaded).
  // Callers share the one request: `pending` above keeps one callback per run, this any number.
  gitExp.loadRun = function (id, done) {
    if (runData[id]) return done(runData[id]);
    if (waiting[id]) return waiting[id].push(done);
    waiting[id] = [done];
    var root = document.body.getAttribute("data-root") || "";
    var s = gitExp.el("script", { src: root + "data/" + id + ".js" });
    s.onerror = function () {
      var waiters = waiting[id] || [];
      delete waiting[id];
      waiters.forEach(function (w) { w(null); });
    };
    document.head.appendChild(s);
  };

  gitExp.el = function (tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  gitExp.svgEl = function (tag, attrs) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  };
})();
