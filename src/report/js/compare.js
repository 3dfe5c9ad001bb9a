// The comparison of runs ticked in the table (compare.html?run=a&run=b): the page is static, so
// it loads each run's data/<id>.js and builds the tables and charts here.
(function (gitExp) {
  "use strict";
  var el = gitExp.el, charts = gitExp.charts, format = gitExp.format;
  var ID = /^[0-9a-z]{8}$/;

  function initCompareApp(app) {
    var ids = new URLSearchParams(location.search).getAll("run")
      .filter(function (id) { return ID.test(id); });
    if (ids.length < 1) return;
    var root = document.body.getAttribute("data-root") || "";
    var colours = app.getAttribute("data-colours").split(" ");
    app.textContent = "Loading " + ids.length + " runs…";
    var loaded = [], left = ids.length, failed = [];
    ids.forEach(function (id, i) {
      gitExp.pending[id] = function (run) { loaded[i] = run; if (--left === 0) render(); };
      var s = el("script", { src: root + "data/" + id + ".js" });
      s.onerror = function () {
        failed.push(id);
        delete gitExp.pending[id];
        if (--left === 0) render();
      };
      document.head.appendChild(s);
    });

    function render() {
      var runs = loaded.filter(Boolean);
      app.textContent = "";
      if (failed.length) {
        app.appendChild(el("p", { class: "muted" }, "Not in this report: " + failed.join(", ")));
      }
      if (!runs.length) return;
      var labels = runs.map(function (r) { return r.label; }).join(", ");
      document.title = "Compare " + labels + " · " + document.title.split(" · ").pop();
      app.appendChild(el("h2", {}, "Runs"));
      app.appendChild(charts.legend(runs, colours, root, false));
      app.appendChild(el("h2", {}, "Params and metrics"));
      var keys = fieldTable(runs);
      if (keys.length) app.appendChild(el("h2", {}, "Metrics"));
      var box = el("div", { class: "charts" });
      keys.forEach(function (k) { box.appendChild(chart(runs, k)); });
      app.appendChild(box);
      box.querySelectorAll("svg.chart[data-plot]").forEach(charts.initHover);
    }

    // One row per field, one column per run; rows that differ are marked. Returns the metrics.
    function fieldTable(runs) {
      var table = el("table", { class: "compare-table" }), head = el("tr");
      head.appendChild(el("th", {}, "field"));
      runs.forEach(function (r) { head.appendChild(el("th", { scope: "col" }, r.label)); });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      function addRow(name, values) {
        var tr = el("tr"), differs = values.some(function (v) { return v !== values[0]; });
        tr.className = differs ? "differs" : "same";
        tr.appendChild(el("th", { scope: "row" }, name));
        values.forEach(function (v) { tr.appendChild(el("td", {}, v)); });
        tbody.appendChild(tr);
      }
      addRow("status", runs.map(function (r) { return r.status; }));
      var params = {};
      runs.forEach(function (r) { r.params.forEach(function (p) { params[p[0]] = 1; }); });
      Object.keys(params).sort().forEach(function (k) {
        addRow("params." + k, runs.map(function (r) {
          var p = r.params.filter(function (q) { return q[0] === k; })[0];
          return p ? p[1] : "";
        }));
      });
      var keys = {};
      runs.forEach(function (r) { Object.keys(r.metrics).forEach(function (k) { keys[k] = 1; }); });
      keys = Object.keys(keys).sort();
      keys.forEach(function (k) {
        // Logged once (or constant) in every run: last, min and max would repeat one value.
        var single = runs.every(function (r) {
          var m = r.metrics[k];
          return !m || format.value(m.min) === format.value(m.max);
        });
        if (single) {
          addRow("metrics." + k, runs.map(function (r) {
            var m = r.metrics[k];
            return m ? format.number(format.value(m.last)) : "";
          }));
          return;
        }
        ["last", "min", "max"].forEach(function (rollup) {
          addRow("metrics." + k + ":" + rollup, runs.map(function (r) {
            var m = r.metrics[k];
            return m ? format.number(format.value(m[rollup])) : "";
          }));
        });
      });
      table.appendChild(tbody);
      var wrap = el("div", { class: "table-wrap" });
      wrap.appendChild(table);
      app.appendChild(wrap);
      return keys;
    }

    function chart(runs, k) {
      var fig = el("figure", { class: "chart-box" }), cap = el("figcaption");
      cap.appendChild(el("strong", {}, k));
      cap.appendChild(document.createTextNode(" "));
      cap.appendChild(charts.csvLink(k, runs));
      fig.appendChild(cap);
      var series = runs.map(function (r) { return r.series[k]; });
      var axis = app.getAttribute("data-axis") || "step";
      // Logged once in every run: a bar per run, no step axis.
      var once = runs.every(function (r) { return !r.metrics[k] || r.metrics[k].count <= 1; });
      if (once) {
        fig.appendChild(charts.drawBars(k, runs, runs.map(function (r) {
          return r.metrics[k] ? format.value(r.metrics[k].last) : NaN;
        }), colours));
      } else {
        fig.appendChild(charts.drawChart(k, series, colours, axis));
      }
      fig.appendChild(charts.legend(runs, colours, root, true));
      var longest = Math.max.apply(null, series.map(function (s) { return s ? s.n : 0; }));
      if (longest > 100) {
        fig.appendChild(el("p", { class: "chart-note" }, longest + " points reduced to the lowest" +
          " and highest value in each of 100 columns (min/max bucketing); the CSV holds the" +
          " points as drawn, `git exp metrics` every point."));
      }
      return fig;
    }
  }

  gitExp.initCompareApp = initCompareApp;
})(window.gitExp);
