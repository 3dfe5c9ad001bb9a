// Brushing on the sweep views' parallel coordinates: drag along an axis to keep only the runs
// whose line crosses it in that range; a click on the axis clears it. Lines and scatter dots of
// the other runs fade, and on the index the runs table keeps only the brushed runs. The charts
// are static SVG from Rust: every line and dot names its run (data-run), every axis its x.
(function (gitExp) {
  "use strict";
  var svgEl = gitExp.svgEl;

  // Where each run's line crosses each axis: { run: { axisIndex: y } }, read from the SVG.
  function crossings(svg, axes) {
    var out = {};
    svg.querySelectorAll(".lines polyline[data-run]").forEach(function (line) {
      // Hidden by the metric chooser: the run lacks the metric on the last axis.
      if (line.getAttribute("display") === "none") return;
      var at = {};
      line.getAttribute("points").split(" ").forEach(function (p) {
        var xy = p.split(","), x = Number(xy[0]);
        axes.forEach(function (a, i) { if (Math.abs(a.x - x) < 0.5) at[i] = Number(xy[1]); });
      });
      out[line.getAttribute("data-run")] = at;
    });
    return out;
  }

  function svgY(svg, event) {
    var pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse()).y;
  }

  function initSweep(section) {
    var svg = section.querySelector("svg.parallel");
    if (!svg) return;
    var top = Number(svg.getAttribute("data-top"));
    var height = Number(svg.getAttribute("data-height"));
    var axes = Array.prototype.map.call(svg.querySelectorAll("g.pc-axis"), function (g) {
      return { g: g, x: Number(g.getAttribute("data-x")), range: null, rect: null };
    });
    var at = crossings(svg, axes);
    var status = section.querySelector(".brush-status");
    var table = section.getAttribute("data-brush-table") ?
      document.getElementById("runs-table") : null;
    var hint = section.querySelector(".js-only");
    if (hint) hint.hidden = false;

    // On the index the views follow the filter too: a run whose row it hides fades.
    var rowOf = {};
    if (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        rowOf[row.cells[0].firstChild.value] = row;
      });
    }
    function filtered(run) { return rowOf[run] && rowOf[run].hidden; }
    function passes(run) {
      var ys = at[run];
      if (!ys || filtered(run)) return false;
      return axes.every(function (a, i) {
        return !a.range || (ys[i] !== undefined && ys[i] >= a.range[0] && ys[i] <= a.range[1]);
      });
    }
    function apply() {
      var brushed = axes.some(function (a) { return a.range; }), kept = 0, total = 0;
      var active = brushed || Object.keys(at).some(filtered);
      section.querySelectorAll("[data-run]").forEach(function (node) {
        node.classList.toggle("faded", active && !passes(node.getAttribute("data-run")));
      });
      Object.keys(at).forEach(function (run) { total++; if (passes(run)) kept++; });
      if (status) {
        status.textContent = !active ? "" : kept + " of " + total + " runs " +
          (brushed ? "in the brushed ranges" : "shown by the filter");
      }
      if (table) {
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var box = row.cells[0].firstChild;
          row.classList.toggle("brushed-out", brushed && !passes(box.value));
        });
      }
    }
    function setRange(a, y0, y1) {
      var lo = Math.max(top, Math.min(y0, y1)), hi = Math.min(top + height, Math.max(y0, y1));
      if (hi - lo < 3) {
        a.range = null;
        if (a.rect) { a.rect.remove(); a.rect = null; }
      } else {
        a.range = [lo, hi];
        if (!a.rect) {
          a.rect = svgEl("rect", { class: "brush", x: a.x - 9, width: 18 });
          a.g.appendChild(a.rect);
        }
        a.rect.setAttribute("y", lo);
        a.rect.setAttribute("height", hi - lo);
      }
      apply();
    }
    // Whenever the filter hides or shows rows (typed, or from the address once runs.js loaded).
    if (table && window.MutationObserver) {
      new MutationObserver(apply).observe(table.tBodies[0],
        { subtree: true, attributes: true, attributeFilter: ["hidden"] });
    }
    apply();
    // Another metric on the last axis: its crossings move, and a range brushed on it is void.
    gitExp.sweepMetric.init(section, svg, axes[axes.length - 1], function () {
      var last = axes[axes.length - 1];
      last.range = null;
      if (last.rect) { last.rect.remove(); last.rect = null; }
      at = crossings(svg, axes);
      apply();
    });
    axes.forEach(function (a) {
      var start = null;
      a.g.addEventListener("pointerdown", function (e) {
        e.preventDefault();
        start = svgY(svg, e);
        a.g.setPointerCapture(e.pointerId);
      });
      a.g.addEventListener("pointermove", function (e) {
        if (start !== null) setRange(a, start, svgY(svg, e));
      });
      a.g.addEventListener("pointerup", function (e) {
        if (start !== null) setRange(a, start, svgY(svg, e));
        start = null;
      });
    });
    // For tests and links: brush axis i between two fractions of its height (0 = top).
    section.brush = function (i, from, to) {
      setRange(axes[i], top + from * height, top + to * height);
    };
  }

  gitExp.initSweep = initSweep;
})(window.gitExp);
