// Chart tools on run and comparison pages: a log-scale y axis, smoothing (TensorBoard's
// debiased EMA), zoom on an x range (drag across a chart; double-click to zoom out) and a CSV
// of what is plotted. The charts are static SVG from Rust; once a tool is used, each chart is
// redrawn here from its runs' data/<id>.js, the same reduced series (100 min/max columns) the
// browser-side comparison draws, so the tools never need the network or a server.
(function (gitExp) {
  "use strict";
  var el = gitExp.el, charts = gitExp.charts;
  var opts = { log: false, smooth: 0 };
  var loaded = {}, figures = [];

  function load(ids, done) {
    var root = document.body.getAttribute("data-root") || "", left = 0;
    ids.forEach(function (id) {
      if (loaded[id] !== undefined) return;
      left++;
      loaded[id] = null;
      function finish() { if (--left === 0) done(); }
      gitExp.pending[id] = function (run) { loaded[id] = run; finish(); };
      var s = el("script", { src: root + "data/" + id + ".js" });
      s.onerror = function () { delete gitExp.pending[id]; finish(); };
      document.head.appendChild(s);
    });
    if (left === 0) done();
  }

  // The points drawn in `fig`, as CSV: run, label, x, value and (smoothed) the average.
  function csvOf(f, drawn) {
    var lines = [opts.smooth > 0 ? "run,label,x,value,smoothed" : "run,label,x,value"];
    var quote = function (v) {
      v = String(v);
      return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
    };
    drawn.forEach(function (s, i) {
      var run = f.runs[i];
      if (!s || !run) return;
      var smoothed = opts.smooth > 0 ? charts.ema(s.y, opts.smooth) : null;
      s.x.forEach(function (x, k) {
        if (f.x && (x < f.x[0] || x > f.x[1])) return;
        var row = [run.id, quote(run.label), x, s.y[k]];
        if (smoothed) row.push(Number(smoothed[k].toPrecision(6)));
        lines.push(row.join(","));
      });
    });
    return lines.join("\n") + "\n";
  }

  function redraw(f) {
    var series = f.runs.map(function (r) { return r && r.series[f.key]; });
    var svg = charts.drawChart(f.key, series, f.colours, f.axis,
      { log: opts.log, smooth: opts.smooth, x: f.x });
    f.svg.replaceWith(svg);
    f.svg = svg;
    var tip = f.fig.querySelector(".chart-tip");
    if (tip) tip.remove();
    charts.initHover(svg);
    zoomable(f);
    var blob = new Blob([csvOf(f, series)], { type: "text/csv" });
    if (f.csvUrl) URL.revokeObjectURL(f.csvUrl);
    f.csvUrl = URL.createObjectURL(blob);
    f.csv.href = f.csvUrl;
    f.csv.hidden = false;
    f.reset.hidden = !f.x;
  }

  function redrawAll() {
    var ids = [];
    figures.forEach(function (f) { ids = ids.concat(f.ids); });
    load(ids, function () {
      figures.forEach(function (f) {
        f.runs = f.ids.map(function (id) { return loaded[id]; });
        redraw(f);
      });
    });
  }

  // Drag across the plot to show only that x range.
  function zoomable(f) {
    var svg = f.svg, plot = svg.getAttribute("data-plot").split(" ").map(Number);
    var xr = svg.getAttribute("data-x").split(" ").map(Number), start = null, band = null;
    function x(e) {
      var r = svg.getBoundingClientRect(), px = (e.clientX - r.left) * (640 / r.width);
      return Math.max(plot[0], Math.min(plot[0] + plot[2], px));
    }
    function value(px) { return xr[0] + (px - plot[0]) / plot[2] * (xr[1] - xr[0]); }
    svg.addEventListener("pointerdown", function (e) {
      e.preventDefault(); // a drag zooms; it does not select the tick labels
      start = x(e);
      band = gitExp.svgEl("rect",
        { class: "zoom-band", y: plot[1], height: plot[3], x: start, width: 0 });
      svg.appendChild(band);
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener("pointermove", function (e) {
      if (start === null) return;
      var now = x(e);
      band.setAttribute("x", Math.min(start, now));
      band.setAttribute("width", Math.abs(now - start));
    });
    svg.addEventListener("pointerup", function (e) {
      if (start === null) return;
      var end = x(e), a = Math.min(start, end), b = Math.max(start, end);
      start = null;
      band.remove();
      if (b - a < 4) return;
      f.x = [value(a), value(b)];
      redrawAll();
    });
    svg.addEventListener("dblclick", function () { if (f.x) { f.x = null; redrawAll(); } });
  }

  function initTools(box) {
    box.querySelectorAll("figure.chart-box[data-runs]").forEach(function (fig) {
      var svg = fig.querySelector("svg.chart[data-plot]");
      if (!svg) return;
      var f = {
        fig: fig, svg: svg, key: fig.getAttribute("data-key"), x: null,
        ids: fig.getAttribute("data-runs").split(" "),
        axis: svg.getAttribute("data-axis") || "step",
        colours: Array.prototype.map.call(svg.querySelectorAll("polyline.series"), function (p) {
          return p.getAttribute("stroke");
        }),
      };
      var cap = fig.querySelector("figcaption");
      f.reset = el("button", { type: "button", class: "zoom-reset" }, "zoom out");
      f.reset.hidden = true;
      f.reset.addEventListener("click", function () { f.x = null; redrawAll(); });
      f.csv = el("a", { class: "csv plotted", download: f.key.replace(/\//g, "_") + "-plotted.csv",
        title: "the points as plotted now (range, smoothing)" }, "CSV as plotted");
      f.csv.hidden = true;
      cap.appendChild(f.reset);
      cap.appendChild(f.csv);
      zoomable(f);
      figures.push(f);
    });
    if (!figures.length) return;
    var bar = el("div", { class: "chart-tools" });
    var log = el("input", { type: "checkbox", id: "chart-log" });
    var smooth = el("input",
      { type: "range", id: "chart-smooth", min: "0", max: "0.99", step: "0.01", value: "0" });
    var shown = el("output", { for: "chart-smooth" }, "0");
    var l1 = el("label"), l2 = el("label");
    l1.appendChild(log);
    l1.appendChild(document.createTextNode(" log scale"));
    l2.appendChild(document.createTextNode("smoothing "));
    l2.appendChild(smooth);
    l2.appendChild(shown);
    bar.appendChild(l1);
    bar.appendChild(l2);
    bar.appendChild(el("span", { class: "muted" },
      "drag across a chart to zoom, double-click to zoom out"));
    box.parentNode.insertBefore(bar, box);
    log.addEventListener("change", function () { opts.log = log.checked; redrawAll(); });
    smooth.addEventListener("input", function () {
      opts.smooth = Number(smooth.value);
      shown.textContent = smooth.value;
      redrawAll();
    });
  }

  gitExp.initTools = initTools;
})(window.gitExp);
