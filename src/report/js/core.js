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

  // Called by data/runs.js and data/<id>.js.
  gitExp.setRuns = function (runs) {
    runs.forEach(function (r) { runsById[r.id] = r; });
    gitExp.runsLoaded = true;
    if (gitExp.onRuns) gitExp.onRuns();
  };
  gitExp.addRun = function (run) {
    var done = pending[run.id];
    delete pending[run.id];
    if (done) done(run);
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
