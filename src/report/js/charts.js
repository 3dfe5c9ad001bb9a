// Charts: the hover read-out on every chart, and the charts of the comparison page, drawn here
// like src/report/chart.rs draws them in Rust (same sizes, axes, ticks and labels).
(function (gitExp) {
  "use strict";
  var el = gitExp.el, svgEl = gitExp.svgEl, number = gitExp.format.number, ticks = gitExp.ticks;
  // The geometry of src/report/chart.rs.
  var W = 640, H = 260, L = 58, R = 14, T = 10, B = 36, PW = W - L - R, PH = H - T - B;
  // Once the palette repeats, lines are told apart by dashes (chart.rs DASHES).
  function dash(i, colours) {
    return i >= colours.length ? ["6 3", "2 2"][Math.floor(i / colours.length - 1) % 2] : "";
  }
  function numbers(text) { return text.split(" ").map(Number); }

  // Hover: a cursor line and the value of each series at the pointer's x.
  function initHover(svg) {
    var box = svg.closest(".chart-box");
    if (!box) return;
    var plot = numbers(svg.getAttribute("data-plot")), xr = numbers(svg.getAttribute("data-x"));
    var yr = numbers(svg.getAttribute("data-y")), time = svg.getAttribute("data-axis") === "time";
    var lines = Array.prototype.map.call(svg.querySelectorAll("polyline.series"), function (p) {
      var pts = (p.getAttribute("points") || "").trim().split(" ").filter(Boolean)
        .map(function (s) { var a = s.split(","); return [Number(a[0]), Number(a[1])]; });
      return { pts: pts, colour: p.getAttribute("stroke") };
    });
    var names = Array.prototype.map.call(box.querySelectorAll("ul.legend a"),
      function (a) { return a.textContent; });
    var tip = el("div", { class: "chart-tip" });
    tip.hidden = true;
    box.appendChild(tip);
    var cursor = svgEl("line",
      { y1: plot[1], y2: plot[1] + plot[3], stroke: "#6b7280", "stroke-dasharray": "3 3" });
    cursor.setAttribute("visibility", "hidden");
    svg.appendChild(cursor);
    function hide() { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); }
    svg.addEventListener("mousemove", function (e) {
      // The SVG scales with the page: pointer pixels back to viewBox units.
      var r = svg.getBoundingClientRect(), px = (e.clientX - r.left) * (W / r.width);
      if (px < plot[0] || px > plot[0] + plot[2]) { hide(); return; }
      var x = xr[0] + (px - plot[0]) / plot[2] * (xr[1] - xr[0]);
      tip.textContent = "";
      var where = time ? "t = " + ticks.timeLabel(x) : "step " + number(Math.round(x));
      tip.appendChild(el("b", {}, where));
      lines.forEach(function (l, i) {
        if (!l.pts.length) return;
        var best = l.pts[0];
        l.pts.forEach(function (p) { if (Math.abs(p[0] - px) < Math.abs(best[0] - px)) best = p; });
        var y = yr[0] + (plot[1] + plot[3] - best[1]) / plot[3] * (yr[1] - yr[0]);
        if (svg.getAttribute("data-scale") === "log") y = Math.pow(10, y);
        var line = el("div"), sw = el("span", {}, "● ");
        sw.style.color = l.colour; // CSSOM, allowed by the policy (it forbids style attributes)
        line.appendChild(sw);
        // Four digits: a position read back from pixels has no more.
        var text = (names[i] ? names[i] + ": " : "") + number(Number(y.toPrecision(4)));
        line.appendChild(document.createTextNode(text));
        tip.appendChild(line);
      });
      cursor.setAttribute("x1", px);
      cursor.setAttribute("x2", px);
      cursor.setAttribute("visibility", "visible");
      tip.hidden = false;
      var bx = box.getBoundingClientRect();
      tip.style.left = Math.min(e.clientX - bx.left + 12, bx.width - tip.offsetWidth - 4) + "px";
      tip.style.top = (e.clientY - bx.top + 12) + "px";
    });
    svg.addEventListener("mouseleave", hide);
  }

  // The axes for data spanning x and y, as chart.rs `render` picks them.
  function axes(xlo, xhi, ylo, yhi, axis, log) {
    if (!isFinite(xlo) || !isFinite(ylo)) { xlo = 0; xhi = 1; ylo = 0; yhi = 1; }
    var pad = yhi > ylo ? (yhi - ylo) * 0.05 : Math.max(Math.abs(ylo), 1) * 0.1;
    // Values that are all positive (losses, accuracies) keep the axis from dipping below zero;
    // on a log axis the values are exponents, which may.
    var bottom = ylo >= 0 && !log ? Math.max(ylo - pad, 0) : ylo - pad;
    // The y axis runs from tick to tick, so both ends are labelled.
    var ystep = ticks.nice(bottom, yhi + pad, 5).step;
    ylo = Math.floor(bottom / ystep) * ystep;
    yhi = Math.ceil((yhi + pad) / ystep) * ystep;
    if (!(xhi > xlo)) { xlo -= 1; xhi += 1; }
    var xt;
    if (axis === "time") xt = ticks.time(xlo, xhi, 6);
    // Steps are whole numbers: no tick between two of them.
    else if (xhi - xlo < 6) xt = ticks.withStep(xlo, xhi, 1);
    else xt = ticks.nice(xlo, xhi, 6);
    return { x: [xlo, xhi], y: [ylo, yhi], xt: xt, yt: ticks.withStep(ylo, yhi, ystep) };
  }

  function text(attrs, content) {
    var t = svgEl("text", attrs);
    t.textContent = content;
    return t;
  }

  // TensorBoard's smoothing: an exponential moving average, debiased so that the first points
  // are not pulled towards zero. Non-finite values are kept as they are and not averaged.
  function ema(ys, weight) {
    var last = 0, n = 0;
    return ys.map(function (y) {
      if (!isFinite(y)) return y;
      last = last * weight + (1 - weight) * y;
      n++;
      return weight === 1 ? y : last / (1 - Math.pow(weight, n));
    });
  }

  // A series as a chart shows it under `opts`: only points in the x range (`opts.x`), smoothed
  // (`opts.smooth`, the EMA weight), on a log axis (`opts.log`: log10 of the positive values).
  function view(s, opts) {
    if (!s) return null;
    var x = [], y = [], raw = [];
    var smoothed = opts.smooth > 0 ? ema(s.y, opts.smooth) : s.y;
    s.x.forEach(function (xv, i) {
      if (opts.x && (xv < opts.x[0] || xv > opts.x[1])) return;
      var v = smoothed[i], r = s.y[i];
      if (opts.log) {
        v = v > 0 ? Math.log(v) / Math.LN10 : NaN;
        r = r > 0 ? Math.log(r) / Math.LN10 : NaN;
      }
      x.push(xv);
      y.push(v);
      raw.push(r);
    });
    return { x: x, y: y, raw: opts.smooth > 0 ? raw : null, value: smoothed, n: s.n };
  }

  // An SVG chart of `series` ({x: [], y: []} or null per run), like the ones chart.rs draws;
  // `opts` ({log, smooth, x}) are the chart tools' choices.
  function drawChart(key, series, colours, axis, opts) {
    opts = opts || {};
    series = series.map(function (s) { return view(s, opts); });
    var xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    series.forEach(function (s) {
      if (!s) return;
      s.x.forEach(function (x, i) {
        var y = s.y[i];
        if (!isFinite(y)) return;
        xlo = Math.min(xlo, x);
        xhi = Math.max(xhi, x);
        ylo = Math.min(ylo, y);
        yhi = Math.max(yhi, y);
      });
    });
    if (opts.x) { xlo = opts.x[0]; xhi = opts.x[1]; }
    var a = axes(xlo, xhi, ylo, yhi, axis, opts.log);
    // A log axis over a decade or more has its ticks at powers of ten.
    if (opts.log && yhi - ylo >= 1) {
      var lo = Math.floor(ylo), hi = Math.ceil(yhi), every = Math.max(1, Math.ceil((hi - lo) / 6));
      var decades = [];
      for (var t = lo; t <= hi; t += every) decades.push(t);
      a.y = [lo, hi];
      a.yt = { ticks: decades, step: every };
    }
    function px(x) { return L + (x - a.x[0]) / (a.x[1] - a.x[0]) * PW; }
    function py(y) { return T + PH - (y - a.y[0]) / (a.y[1] - a.y[0]) * PH; }
    var svg = svgEl("svg", {
      class: "chart", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": key + " by " + (axis === "time" ? "time since start" : "step"),
      "font-family": "system-ui, sans-serif", "font-size": "13",
      "data-x": a.x.join(" "), "data-y": a.y.join(" "), "data-plot": [L, T, PW, PH].join(" "),
      "data-axis": axis,
    });
    if (opts.log) svg.setAttribute("data-scale", "log");
    svg.appendChild(svgEl("rect", { x: L, y: T, width: PW, height: PH, fill: "#ffffff" }));
    var grid = svgEl("g", { stroke: "#e5e7eb" }), fill = "#374151";
    a.yt.ticks.forEach(function (t) {
      grid.appendChild(svgEl("line", { x1: L, x2: L + PW, y1: py(t), y2: py(t) }));
      // A log axis is labelled with the values, not their exponents.
      var label = opts.log ? number(Number(Math.pow(10, t).toPrecision(3)))
        : ticks.label(t, a.yt.step);
      svg.appendChild(text({ x: L - 6, y: py(t) + 4, "text-anchor": "end", fill: fill }, label));
    });
    a.xt.ticks.forEach(function (t) {
      grid.appendChild(svgEl("line", { x1: px(t), x2: px(t), y1: T, y2: T + PH }));
      var label = axis === "time" ? ticks.timeLabel(t) : ticks.label(t, a.xt.step);
      var at = { x: px(t), y: T + PH + 15, "text-anchor": "middle", fill: fill };
      svg.appendChild(text(at, label));
    });
    svg.insertBefore(grid, svg.children[1]);
    var frame = "M" + L + " " + T + "V" + (T + PH) + "H" + (L + PW);
    svg.appendChild(svgEl("path", { d: frame, fill: "none", stroke: "#6b7280" }));
    var xl = { x: L + PW / 2, y: H - 4, "text-anchor": "middle", fill: "#4b5563" };
    svg.appendChild(text(xl, axis === "time" ? "time since start" : "step"));
    var g = svgEl("g", { fill: "none", "stroke-width": "1.6", "stroke-linejoin": "round" });
    // Smoothed: the raw points stay as a faint line under the average, as in TensorBoard.
    series.forEach(function (s, i) {
      if (!s || !s.raw) return;
      var pts = [];
      s.x.forEach(function (x, k) {
        if (isFinite(s.raw[k])) pts.push(px(x).toFixed(1) + "," + py(s.raw[k]).toFixed(1));
      });
      g.appendChild(svgEl("polyline", { class: "raw", stroke: colours[i % colours.length],
        "stroke-opacity": "0.25", points: pts.join(" ") }));
    });
    series.forEach(function (s, i) {
      var pts = [];
      if (s) {
        s.x.forEach(function (x, k) {
          if (isFinite(s.y[k])) pts.push(px(x).toFixed(1) + "," + py(s.y[k]).toFixed(1));
        });
      }
      var attrs = { class: "series", stroke: colours[i % colours.length], points: pts.join(" ") };
      if (dash(i, colours)) attrs["stroke-dasharray"] = dash(i, colours);
      g.appendChild(svgEl("polyline", attrs));
      // Dots only while they stay apart.
      if (pts.length && pts.length <= 40) {
        pts.forEach(function (p) {
          var xy = p.split(",");
          g.appendChild(svgEl("circle", { cx: xy[0], cy: xy[1], r: 2.2, fill: attrs.stroke }));
        });
      }
    });
    svg.appendChild(g);
    return svg;
  }

  // A metric logged once per run: a bar per run with its value, as chart.rs `bars` draws it.
  function drawBars(key, runs, values, colours) {
    var BL = 170, ROW = 24, PWB = W - BL - R - 40, h = T + ROW * runs.length + B;
    var lo = 0, hi = 0;
    values.forEach(function (v) {
      if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    });
    if (!(hi > lo)) { lo = 0; hi = 1; }
    var nt = ticks.nice(lo, hi, 5);
    lo = Math.floor(lo / nt.step) * nt.step;
    hi = Math.ceil(hi / nt.step) * nt.step;
    function px(v) { return BL + (v - lo) / (hi - lo) * PWB; }
    var svg = svgEl("svg", { class: "chart bars", viewBox: "0 0 " + W + " " + h, role: "img",
      "aria-label": key + " per run", "font-family": "system-ui, sans-serif", "font-size": "13" });
    nt.ticks.filter(function (t) { return t >= lo && t <= hi; }).forEach(function (t) {
      svg.appendChild(svgEl("line", { x1: px(t), x2: px(t), y1: T, y2: h - B, stroke: "#e5e7eb" }));
      svg.appendChild(text({ x: px(t), y: h - B + 15, "text-anchor": "middle", fill: "#374151" },
        ticks.label(t, nt.step)));
    });
    runs.forEach(function (r, i) {
      var y = T + ROW * i, v = values[i];
      var name = r.label.length > 20 ? r.label.slice(0, 19) + "…" : r.label;
      svg.appendChild(text({ x: BL - 8, y: y + 16, "text-anchor": "end", fill: "#1f2328" }, name));
      if (!isFinite(v)) {
        svg.appendChild(text({ x: BL + 4, y: y + 16, fill: "#59636e" }, "–"));
        return;
      }
      var x0 = px(Math.min(Math.max(0, lo), hi)), x1 = px(v);
      svg.appendChild(svgEl("rect", { class: "bar", x: Math.min(x0, x1), y: y + 4,
        width: Math.max(Math.abs(x1 - x0), 1), height: ROW - 8,
        fill: colours[i % colours.length] }));
      svg.appendChild(text({ x: Math.max(x0, x1) + 5, y: y + 16, fill: "#1f2328" }, number(v)));
    });
    svg.appendChild(svgEl("path",
      { d: "M" + BL + " " + T + "V" + (h - B), fill: "none", stroke: "#6b7280" }));
    return svg;
  }

  // The data behind a chart as CSV, made in the browser: the points as drawn.
  function csvLink(key, runs) {
    var quote = function (v) {
      v = String(v);
      return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
    };
    var lines = ["run,label,x,value"];
    runs.forEach(function (r) {
      var s = r.series[key];
      if (!s) return;
      s.x.forEach(function (x, i) { lines.push([r.id, quote(r.label), x, s.y[i]].join(",")); });
    });
    var a = el("a", { class: "csv", download: key.replace(/\//g, "_") + ".csv",
      title: "the points as drawn" }, "CSV");
    a.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
    return a;
  }

  // Which line is which run: a swatch of its colour and dashes, and a link to its page.
  function legend(runs, colours, root, compact) {
    var ul = el("ul", { class: compact ? "legend compact" : "legend" });
    runs.forEach(function (r, i) {
      var li = el("li"), sw = svgEl("svg",
        { class: "swatch", width: 28, height: 10, "aria-hidden": "true" });
      var line = svgEl("line", { x1: 1, y1: 5, x2: 27, y2: 5,
        stroke: colours[i % colours.length], "stroke-width": 3 });
      if (dash(i, colours)) line.setAttribute("stroke-dasharray", dash(i, colours));
      sw.appendChild(line);
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("a", { href: root + "runs/" + r.id + ".html" }, r.label));
      if (!compact) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { class: "id" }, r.id));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { class: "status s-" + r.status }, r.status));
      }
      ul.appendChild(li);
    });
    return ul;
  }

  gitExp.charts = {
    initHover: initHover, axes: axes, drawChart: drawChart, csvLink: csvLink, legend: legend,
    ema: ema, view: view, drawBars: drawBars,
  };
})(window.gitExp);
