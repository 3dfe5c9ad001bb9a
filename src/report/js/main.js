// Wires the parts to the page once it is parsed (the script is loaded with `defer`).
(function (gitExp) {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("runs-table");
    if (table) gitExp.initTable(table);
    var app = document.getElementById("compare-app");
    if (app) gitExp.initCompareApp(app);
    var hideSame = document.getElementById("hide-same");
    if (hideSame) {
      hideSame.closest("label").hidden = false;
      hideSame.addEventListener("change", function () {
        document.querySelector(".compare-table").classList.toggle("hide-same", hideSame.checked);
      });
    }
    document.querySelectorAll("svg.chart[data-plot]").forEach(gitExp.charts.initHover);
    document.querySelectorAll("body.run .charts, body.compare:not(.compare-app) .charts")
      .forEach(gitExp.initTools);
    document.querySelectorAll("section.sweep-views").forEach(gitExp.initSweep);
    document.querySelectorAll("figure.media").forEach(gitExp.initMedia);
    // The runs table's data may still be loading: look again once it is there.
    if (gitExp.runsLoaded || !table) gitExp.reloadWhileRunning();
    else {
      var before = gitExp.onRuns;
      gitExp.onRuns = function () { if (before) before(); gitExp.reloadWhileRunning(); };
    }
  });
})(window.gitExp);
