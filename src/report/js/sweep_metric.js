// The metric chooser of the parallel coordinates: the static SVG from Rust (sweep.rs) ends on
// the goal metric (or the first); choosing another redraws that last axis (its name and ticks),
// moves each line's last point onto it and colours the line by the new metric (viridis, as Rust
// does). Values are each run's last value, from data/runs.js on the index or data/<id>.js on a
// comparison page. Runs without the chosen metric are hidden. The importance table and the
// scatters stay those of the page's metric.
(function (gitExp) {
  "use strict";
  var svgEl = gitExp.svgEl, ticks = gitExp.ticks, format = gitExp.format;
  // Low to high: viridis at five stops, as RAMP in sweep.rs.
  var RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  function hex2(v) { return (v < 16 ? "0" : "") + v.toString(16); }
  // Rust's `f64::round` as u8: a tie away from zero (values here are never negative).
  function colour(v, lo, hi) {
    var t = hi > lo ? Math.min(Math.max((v - lo) / (hi - lo), 0), 1) : 0.5;
    var pos = t * (RAMP.length - 1), i = Math.min(Math.floor(pos), RAMP.length - 2), f = pos - i;
    var a = RAMP[i], b = RAMP[i + 1];
    return "#" + [0, 1, 2].map(function (k) {
      return hex2(Math.round(a[k] + (b[k] - a[k]) * f));
    }).join("");
  }
  // sweep.rs `range`: a constant metric gets a unit of room around it.
  function range(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (!isFinite(lo)) return [0, 1];
    return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
  }
  // sweep.rs `value_ticks`: round values within lo..hi, else the two ends.
  function valueTicks(lo, hi) {
    var t = ticks.nice(lo, hi, 4);
    var out = t.ticks.filter(function (v) { return v >= lo && v <= hi; })
      .map(function (v) { return [v, ticks.label(v, t.step)]; });
    return out.length ? out : [[lo, format.number(lo)], [hi, format.number(hi)]];
  }
  function shortKey(key) {
    var chars = Array.from(key);
    return chars.length <= 24 ? key : "…" + chars.slice(chars.length - 23).join("");
  }
  function c(v) { return String(Math.round(v * 10) / 10); }

  function lastValue(run, metric) {
    var m = run && run.metrics && run.metrics[metric];
    return m && typeof m.last === "number" && isFinite(m.last) ? m.last : undefined;
  }
  // Each run's last value of `metric`: from the page's runs when loaded, else data/<id>.js.
  function values(ids, metric, done) {
    var out = {}, left = ids.length;
    if (!left) return done(out);
    ids.forEach(function (id) {
      var known = gitExp.runsById[id];
      if (known) {
        out[id] = lastValue(known, metric);
        if (--left === 0) done(out);
        return;
      }
      gitExp.loadRun(id, function (run) {
        out[id] = lastValue(run, metric);
        if (--left === 0) done(out);
      });
    });
  }

  // `axis` is the last { g, x } of sweep.js; `redrawn` is called once the lines have moved.
  function init(section, svg, axis, redrawn) {
    var select = section.querySelector("select.metric-choice");
    if (!select) return;
    var box = select.closest(".metric-choice-box");
    var status = section.querySelector(".metric-choice-status");
    box.hidden = false;
    var top = Number(svg.getAttribute("data-top"));
    var height = Number(svg.getAttribute("data-height"));
    var lines = Array.prototype.slice.call(svg.querySelectorAll(".lines polyline[data-run]"));
    var ids = lines.map(function (l) { return l.getAttribute("data-run"); });
    var name = axis.g.querySelector("text"), first = select.value;

    function redraw(metric, vals) {
      var known = ids.filter(function (id) { return vals[id] !== undefined; });
      var r = range(known.map(function (id) { return vals[id]; })), lo = r[0], hi = r[1];
      var y = function (v) { return top + height - (v - lo) / (hi - lo) * height; };
      lines.forEach(function (line, i) {
        var v = vals[ids[i]];
        if (v === undefined) { line.setAttribute("display", "none"); return; }
        line.removeAttribute("display");
        var points = line.getAttribute("points").split(" ");
        points[points.length - 1] = c(axis.x) + "," + c(y(v));
        line.setAttribute("points", points.join(" "));
        line.setAttribute("stroke", colour(v, lo, hi));
      });
      // The axis: its name, then new ticks in place of the old (the axis line and the
      // brush strip stay).
      name.lastChild.textContent = shortKey(metric);
      name.querySelector("title").textContent = metric;
      Array.prototype.slice.call(axis.g.children).forEach(function (child, k) {
        var cls = child.classList;
        if (k > 1 && !cls.contains("brush-area") && !cls.contains("brush")) child.remove();
      });
      var strip = axis.g.querySelector("rect.brush-area");
      valueTicks(lo, hi).forEach(function (t) {
        var ty = y(t[0]);
        var tick = svgEl("line",
          { x1: c(axis.x - 3), x2: c(axis.x), y1: c(ty), y2: c(ty), stroke: "#6b7280" });
        axis.g.insertBefore(tick, strip);
        var label = svgEl("text", { x: c(axis.x + 5), y: c(ty + 4), fill: "#374151", stroke: "#fff",
          "stroke-width": "3", "paint-order": "stroke" });
        label.textContent = t[1];
        axis.g.insertBefore(label, strip);
      });
      svg.setAttribute("data-metric", metric);
      var missing = ids.length - known.length, notes = [];
      if (missing) notes.push(missing + " of " + ids.length + " runs lack " + metric + ": hidden");
      // The importance table and the scatters are not redrawn: say which metric they show.
      if (metric !== first) notes.push("the table and scatters below are for " + first);
      status.textContent = notes.join("; ");
      redrawn();
    }
    select.addEventListener("change", function () {
      var metric = select.value;
      status.textContent = "loading…";
      values(ids, metric, function (vals) {
        // A later choice wins over a slower earlier one.
        if (select.value === metric) redraw(metric, vals);
      });
    });
  }

  gitExp.sweepMetric = { init: init, colour: colour };
})(window.gitExp);
