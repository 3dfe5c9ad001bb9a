// git-exp report: the runs table (sort, filter, columns), chart hover, and the comparison of
// runs ticked in the table. Plain DOM, no dependencies, no network: data comes from scripts in
// the site (data/*.js), which load from file:// as well as over HTTP. Every string from a run is
// put into the page as text (textContent), never as markup.
"use strict";
var gitExp = window.gitExp = window.gitExp || {};
(function () {
  var runsById = {}, pending = {}, NS = "http://www.w3.org/2000/svg";

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

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  // ---- The filter language: the one of `git exp ls --where`. ----------------------------------
  function tokenize(text) {
    var tokens = [], re = /\s*(?:(\(|\)|\[|\]|,)|(!=|<=|>=|=|<|>|~)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([^\s()\[\],!=<>~"']+))/y, m;
    re.lastIndex = 0;
    while (re.lastIndex < text.length) {
      var at = re.lastIndex;
      if (/^\s*$/.test(text.slice(at))) break;
      m = re.exec(text);
      if (!m) throw new Error("cannot read `" + text.slice(at).trim() + "`");
      if (m[1]) tokens.push({ t: m[1] });
      else if (m[2]) tokens.push({ t: "op", v: m[2] });
      else if (m[3]) tokens.push({ t: "lit", v: m[3].slice(1, -1).replace(/\\(.)/g, "$1") });
      else {
        var w = m[4], lw = w.toLowerCase();
        if (lw === "and" || lw === "or" || lw === "not" || lw === "in" || lw === "contains" || lw === "exists") tokens.push({ t: lw });
        else tokens.push({ t: "word", v: w });
      }
    }
    return tokens;
  }

  var FIELDS = /^(id|name|status|tags|note|started|ended|duration|branch|base|commit|command|exit_code|dirty|sweep|params\..+|metrics\.[^:]+(:(first|last|min|max|mean|count))?|host\.(hostname|user|os|arch|cpus|memory_bytes|gpus))$/;

  function parseFilter(text) {
    var tokens = tokenize(text), i = 0;
    function peek() { return tokens[i] || { t: "end" }; }
    function next() { return tokens[i++] || { t: "end" }; }
    function expect(t) { var k = next(); if (k.t !== t) throw new Error("expected `" + t + "`" + (k.t === "end" ? " at the end" : "")); return k; }
    function or() { var l = and(); while (peek().t === "or") { next(); l = (function (a, b) { return function (r) { return a(r) || b(r); }; })(l, and()); } return l; }
    function and() { var l = not(); while (peek().t === "and") { next(); l = (function (a, b) { return function (r) { return a(r) && b(r); }; })(l, not()); } return l; }
    function not() { if (peek().t === "not") { next(); var e = not(); return function (r) { return !e(r); }; } return primary(); }
    function literal() {
      var k = next();
      if (k.t === "lit") return k.v;
      if (k.t === "word") return bare(k.v);
      throw new Error("expected a value" + (k.t === "end" ? " at the end" : ", found `" + (k.v || k.t) + "`"));
    }
    function primary() {
      if (peek().t === "(") { next(); var e = or(); expect(")"); return e; }
      var f = next();
      if (f.t !== "word") throw new Error("expected a field such as `params.lr`" + (f.t === "end" ? " at the end" : ""));
      if (!FIELDS.test(f.v)) throw new Error("unknown field `" + f.v + "`");
      var field = f.v, k = next();
      if (k.t === "exists") return function (r) { return get(r, field) !== undefined; };
      if (k.t === "in") {
        expect("["); var items = [];
        if (peek().t !== "]") { items.push(literal()); while (peek().t === ",") { next(); items.push(literal()); } }
        expect("]");
        return function (r) { var v = get(r, field); return items.some(function (x) { return any(v, function (e) { return compare(e, "=", x); }); }); };
      }
      if (k.t === "contains") { var needle = String(literal()).toLowerCase(); return function (r) { var v = get(r, field); return any(v, function (e) { return e !== undefined && String(e).toLowerCase().indexOf(needle) >= 0; }); }; }
      if (k.t === "op" && k.v === "~") { var re; var src = literal(); try { re = new RegExp(src); } catch (e) { throw new Error("bad regex `" + src + "`"); } return function (r) { return any(get(r, field), function (e) { return e !== undefined && re.test(String(e)); }); }; }
      if (k.t === "op") { var lit = literal(), op = k.v; return function (r) { return any(get(r, field), function (e) { return compare(e, op, lit); }); }; }
      throw new Error("expected an operator after `" + field + "`");
    }
    var e = or();
    if (peek().t !== "end") throw new Error("unexpected `" + (peek().v || peek().t) + "`");
    return e;
  }

  // Bare words: numbers, durations (5m, 2h), dates, true/false, else text.
  function bare(w) {
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(w)) return Number(w);
    var d = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(w);
    if (d) return Number(d[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[d[2]];
    if (/^\d{4}-\d\d-\d\d([T ][\d:.]+Z?)?$/.test(w)) return new Date(w.length === 10 ? w + "T00:00:00Z" : w.replace(" ", "T"));
    if (w === "true") return true;
    if (w === "false") return false;
    return w;
  }
  function any(v, test) { return Array.isArray(v) ? v.some(test) : test(v); }
  function num(v) { return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v; }
  function compare(v, op, lit) {
    if (v === undefined || v === null) return false;
    if (lit instanceof Date) { v = new Date(v); lit = lit.getTime(); v = v.getTime(); }
    else if (typeof lit === "number") { v = typeof v === "number" ? v : Number(num(v)); }
    else if (typeof lit === "boolean") { if (typeof v !== "boolean") return false; }
    else { v = String(v); lit = String(lit); }
    switch (op) {
      case "=": return v === lit;
      case "!=": return v !== lit;
      case "<": return v < lit;
      case "<=": return v <= lit;
      case ">": return v > lit;
      case ">=": return v >= lit;
    }
    return false;
  }
  function get(run, field) {
    if (!run) return undefined;
    if (field.indexOf("params.") === 0) return lookup(run.params || {}, field.slice(7));
    if (field.indexOf("metrics.") === 0) {
      var rest = field.slice(8), c = rest.lastIndexOf(":"), key = c >= 0 ? rest.slice(0, c) : rest, rollup = c >= 0 ? rest.slice(c + 1) : "last";
      var m = (run.metrics || {})[key];
      return m ? num(m[rollup]) : undefined;
    }
    if (field.indexOf("host.") === 0) { var h = (run.host || {})[field.slice(5)]; return h === "" || h === 0 ? undefined : h; }
    var v = run[field];
    if (field === "command" && Array.isArray(v)) v = v.length ? v.join(" ") : undefined;
    if (field === "tags" && Array.isArray(v) && !v.length) return undefined;
    return v === "" ? undefined : v;
  }
  // `a.b.c`: the key itself, else a table `a` holding `b.c`, and so on (TOML keys may hold dots).
  function lookup(table, path) {
    if (Object.prototype.hasOwnProperty.call(table, path)) return table[path];
    for (var i = path.indexOf("."); i >= 0; i = path.indexOf(".", i + 1)) {
      var head = table[path.slice(0, i)];
      if (head && typeof head === "object" && !Array.isArray(head)) { var v = lookup(head, path.slice(i + 1)); if (v !== undefined) return v; }
    }
    return undefined;
  }
  gitExp.parseFilter = parseFilter;

  // ---- The runs table -------------------------------------------------------------------------
  function rowId(row) { return row.cells[0].firstChild.value; }
  function initTable(table) {
    var form = table.closest("form"), toolbar = form.querySelector(".toolbar");
    var tbody = table.tBodies[0], rows = Array.prototype.slice.call(tbody.rows);
    var headRow = table.tHead.rows[0];
    var input = document.getElementById("filter"), status = document.getElementById("filter-status");
    var button = document.getElementById("compare-button");
    toolbar.hidden = false;

    function updateSelection() {
      var n = 0;
      rows.forEach(function (r) { var c = r.cells[0].firstChild; r.classList.toggle("ticked", c.checked); if (c.checked) n++; });
      button.disabled = n < 2;
      button.textContent = n ? "Compare selected (" + n + ")" : "Compare selected";
    }
    tbody.addEventListener("change", updateSelection);
    updateSelection();
    // The form's GET lists ticked runs only; the filter box is not part of the comparison.
    form.addEventListener("submit", function () { input.disabled = true; setTimeout(function () { input.disabled = false; }, 0); });

    function applyFilter() {
      var text = input.value.trim(), test = null;
      input.classList.remove("error"); status.classList.remove("error");
      if (text) {
        try { test = parseFilter(text); } catch (e) {
          if (/[=<>~()\[\]"']/.test(text) || /\b(and|or|not|in|contains|exists)\b/.test(text)) {
            input.classList.add("error"); status.classList.add("error"); status.textContent = e.message; return;
          }
          var words = text.toLowerCase().split(/\s+/);
          test = function (r) { var hay = [r.id, r.name, (r.tags || []).join(" "), r.note || ""].join(" ").toLowerCase(); return words.every(function (w) { return hay.indexOf(w) >= 0; }); };
        }
        if (!gitExp.runsLoaded) { status.textContent = "loading runs…"; gitExp.onRuns = applyFilter; return; }
      }
      var shown = 0;
      rows.forEach(function (row) { var ok = !test || test(runsById[rowId(row)]); row.hidden = !ok; if (ok) shown++; });
      status.textContent = text ? shown + " of " + rows.length + " runs" : rows.length + " runs";
      if (history.replaceState) history.replaceState(null, "", text ? "#q=" + encodeURIComponent(text) : location.pathname + location.search);
    }
    input.addEventListener("input", applyFilter);
    var q = /^#q=(.*)$/.exec(location.hash);
    if (q) input.value = decodeURIComponent(q[1]);
    applyFilter();

    // Sorting: click a header; numbers by their exact value (data-v), missing values last.
    var sortIndex = -1, sortDir = 1;
    function sort(th) {
      var index = th.cellIndex, numeric = th.getAttribute("data-kind") !== "text";
      sortDir = sortIndex === index ? -sortDir : (numeric ? -1 : 1);
      sortIndex = index;
      Array.prototype.forEach.call(headRow.cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      var keyed = rows.map(function (row, i) {
        var cell = row.cells[index], v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
        var k = numeric ? Number(num(v)) : v.toLowerCase();
        return { row: row, k: k, missing: cell.textContent === "" || (numeric && isNaN(k)), i: i };
      });
      keyed.sort(function (a, b) {
        if (a.missing !== b.missing) return a.missing ? 1 : -1;
        if (a.k < b.k) return -sortDir;
        if (a.k > b.k) return sortDir;
        return a.i - b.i;
      });
      keyed.forEach(function (x) { tbody.appendChild(x.row); });
      rows = keyed.map(function (x) { return x.row; });
    }
    Array.prototype.forEach.call(headRow.cells, function (th) { if (th.hasAttribute("data-field")) th.tabIndex = 0; });
    headRow.addEventListener("click", function (e) { var th = e.target.closest("th[data-field]"); if (th) sort(th); });
    headRow.addEventListener("keydown", function (e) {
      var th = e.target.closest("th[data-field]");
      if (th && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); sort(th); }
    });

    // Show and hide columns.
    var list = document.getElementById("column-list");
    function setHidden(index, hidden) {
      headRow.cells[index].hidden = hidden;
      rows.forEach(function (row) { row.cells[index].hidden = hidden; });
    }
    function addToggle(th, index) {
      var box = el("input", { type: "checkbox" }), label = el("label");
      box.checked = !th.hidden;
      box.addEventListener("change", function () { setHidden(index, !box.checked); });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + th.getAttribute("data-field")));
      list.appendChild(label);
    }
    Array.prototype.forEach.call(headRow.cells, function (th, index) { if (th.hasAttribute("data-field")) addToggle(th, index); });

    // Add a column for any field, e.g. a rollup: metrics.loss:min.
    var datalist = document.getElementById("field-list"), addInput = document.getElementById("add-column");
    var addStatus = document.getElementById("add-column-status");
    function offerFields() {
      var seen = {};
      Object.keys(runsById).forEach(function (id) {
        Object.keys(runsById[id].metrics || {}).forEach(function (k) {
          ["min", "max", "mean", "first", "last", "count"].forEach(function (r) { seen["metrics." + k + ":" + r] = 1; });
        });
      });
      Object.keys(seen).sort().forEach(function (f) { datalist.appendChild(el("option", { value: f })); });
    }
    if (gitExp.runsLoaded) offerFields(); else { var prev = gitExp.onRuns; gitExp.onRuns = function () { if (prev) prev(); offerFields(); }; }
    function addColumn() {
      var field = addInput.value.trim();
      addStatus.textContent = "";
      if (!FIELDS.test(field)) { addStatus.textContent = "unknown field `" + field + "`"; return; }
      var existing = Array.prototype.find.call(headRow.cells, function (th) { return th.getAttribute("data-field") === field; });
      if (existing) { setHidden(existing.cellIndex, false); return; }
      var th = el("th", { "data-field": field, "data-kind": "num", scope: "col", tabindex: "0" }, field.replace(/^metrics\./, ""));
      headRow.appendChild(th);
      rows.forEach(function (row) {
        var v = get(runsById[rowId(row)], field);
        var td = el("td", {}, v === undefined ? "" : typeof v === "number" ? fmt(v) : String(v));
        if (typeof v === "number") td.setAttribute("data-v", String(v));
        row.appendChild(td);
      });
      addToggle(th, th.cellIndex);
      addInput.value = "";
    }
    document.getElementById("add-column-button").addEventListener("click", addColumn);
    addInput.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); addColumn(); } });
  }

  function fmt(v) {
    if (!isFinite(v)) return isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    if (v === Math.trunc(v) && Math.abs(v) < 1e15) return String(v);
    var a = Math.abs(v);
    if (a >= 1e9 || a < 1e-4) return v.toExponential(5).replace(/\.?0+e/, "e").replace("e+", "e");
    return String(Number(v.toPrecision(6)));
  }

  // ---- Charts: hover shows the values under the pointer ---------------------------------------
  function initHover(svg) {
    var box = svg.closest(".chart-box");
    if (!box) return;
    var plot = svg.getAttribute("data-plot").split(" ").map(Number), xr = svg.getAttribute("data-x").split(" ").map(Number), yr = svg.getAttribute("data-y").split(" ").map(Number);
    var time = svg.getAttribute("data-axis") === "time";
    var lines = Array.prototype.map.call(svg.querySelectorAll("polyline.series"), function (p) {
      var pts = (p.getAttribute("points") || "").trim().split(" ").filter(Boolean).map(function (s) { var a = s.split(","); return [Number(a[0]), Number(a[1])]; });
      return { pts: pts, colour: p.getAttribute("stroke") };
    });
    var names = Array.prototype.map.call(box.querySelectorAll("ul.legend a"), function (a) { return a.textContent; });
    var tip = el("div", { class: "chart-tip" }); tip.hidden = true; box.appendChild(tip);
    var cursor = svgEl("line", { y1: plot[1], y2: plot[1] + plot[3], stroke: "#6b7280", "stroke-dasharray": "3 3" }); cursor.setAttribute("visibility", "hidden"); svg.appendChild(cursor);
    svg.addEventListener("mousemove", function (e) {
      var r = svg.getBoundingClientRect(), scale = 640 / r.width, px = (e.clientX - r.left) * scale;
      if (px < plot[0] || px > plot[0] + plot[2]) { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); return; }
      var x = xr[0] + (px - plot[0]) / plot[2] * (xr[1] - xr[0]);
      tip.textContent = "";
      tip.appendChild(el("b", {}, (time ? "t = " + Math.round(x) + "s" : "step " + fmt(Math.round(x)))));
      lines.forEach(function (l, i) {
        if (!l.pts.length) return;
        var best = l.pts[0];
        l.pts.forEach(function (p) { if (Math.abs(p[0] - px) < Math.abs(best[0] - px)) best = p; });
        var y = yr[0] + (plot[1] + plot[3] - best[1]) / plot[3] * (yr[1] - yr[0]);
        var line = el("div"), sw = el("span", {}, "● ");
        sw.style.color = l.colour; // CSSOM, allowed by the policy (it forbids style attributes in markup)
        line.appendChild(sw);
        line.appendChild(document.createTextNode((names[i] ? names[i] + ": " : "") + fmt(Number(y.toPrecision(4)))));
        tip.appendChild(line);
      });
      cursor.setAttribute("x1", px); cursor.setAttribute("x2", px); cursor.setAttribute("visibility", "visible");
      tip.hidden = false;
      var bx = box.getBoundingClientRect();
      tip.style.left = Math.min(e.clientX - bx.left + 12, bx.width - tip.offsetWidth - 4) + "px";
      tip.style.top = (e.clientY - bx.top + 12) + "px";
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); });
  }

  // ---- Comparison of ticked runs (compare.html?run=a&run=b) -----------------------------------
  function niceTicks(lo, hi, target) {
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    var raw = (hi - lo) / target, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = 10 * mag;
    [1, 2, 2.5, 5, 10].some(function (m) { if (m * mag >= raw) { step = m * mag; return true; } return false; });
    return { ticks: ticksWithStep(lo, hi, step), step: step };
  }
  function ticksWithStep(lo, hi, step) {
    var ticks = [];
    for (var k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9) && ticks.length < 100; k++) ticks.push(Number((k * step).toPrecision(12)));
    return ticks;
  }
  function tickLabel(v, step) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e15 || a < 1e-4) return v.toExponential(1).replace(/\.0e/, "e").replace("e+", "e");
    if (a >= 1e6 && step >= 1e4) return Number((v / 1e6).toPrecision(6)) + "M";
    if (a >= 1e3 && step >= 10) return Number((v / 1e3).toPrecision(6)) + "k";
    var places = step >= 1 ? 0 : Math.ceil(-Math.log10(step) - 1e-9) + (Math.abs(step / Math.pow(10, Math.floor(Math.log10(step))) - 2.5) < 1e-9 ? 1 : 0);
    return String(Number(v.toFixed(places)));
  }
  function drawChart(key, series, colours, axis) {
    var W = 640, H = 260, L = 58, R = 14, T = 10, B = 36, pw = W - L - R, ph = H - T - B;
    var xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    series.forEach(function (s) { if (!s) return; s.x.forEach(function (x, i) { var y = s.y[i]; if (!isFinite(y)) return; xlo = Math.min(xlo, x); xhi = Math.max(xhi, x); ylo = Math.min(ylo, y); yhi = Math.max(yhi, y); }); });
    if (!isFinite(xlo)) { xlo = 0; xhi = 1; ylo = 0; yhi = 1; }
    if (!(xhi > xlo)) { xlo -= 1; xhi += 1; }
    var pad = yhi > ylo ? (yhi - ylo) * 0.05 : Math.max(Math.abs(ylo), 1) * 0.1;
    var bottom = ylo >= 0 ? Math.max(ylo - pad, 0) : ylo - pad;
    var yt = niceTicks(bottom, yhi + pad, 5);
    ylo = Math.floor(bottom / yt.step) * yt.step; yhi = Math.ceil((yhi + pad) / yt.step) * yt.step;
    yt.ticks = ticksWithStep(ylo, yhi, yt.step);
    var xt = axis !== "time" && xhi - xlo < 6 ? { ticks: ticksWithStep(xlo, xhi, 1), step: 1 } : niceTicks(xlo, xhi, 6);
    function px(x) { return L + (x - xlo) / (xhi - xlo) * pw; }
    function py(y) { return T + ph - (y - ylo) / (yhi - ylo) * ph; }
    var svg = svgEl("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": key + " by " + (axis === "time" ? "time since start" : "step"), "font-family": "system-ui, sans-serif", "font-size": "13",
      "data-x": xlo + " " + xhi, "data-y": ylo + " " + yhi, "data-plot": L + " " + T + " " + pw + " " + ph, "data-axis": axis });
    svg.appendChild(svgEl("rect", { x: L, y: T, width: pw, height: ph, fill: "#ffffff" }));
    var grid = svgEl("g", { stroke: "#e5e7eb" });
    yt.ticks.filter(function (t) { return t >= ylo && t <= yhi; }).forEach(function (t) {
      grid.appendChild(svgEl("line", { x1: L, x2: L + pw, y1: py(t), y2: py(t) }));
      var tx = svgEl("text", { x: L - 6, y: py(t) + 4, "text-anchor": "end", fill: "#374151" }); tx.textContent = tickLabel(t, yt.step); svg.appendChild(tx);
    });
    xt.ticks.forEach(function (t) {
      grid.appendChild(svgEl("line", { x1: px(t), x2: px(t), y1: T, y2: T + ph }));
      var tx = svgEl("text", { x: px(t), y: T + ph + 15, "text-anchor": "middle", fill: "#374151" }); tx.textContent = axis === "time" ? Math.round(t) + "s" : tickLabel(t, xt.step); svg.appendChild(tx);
    });
    svg.insertBefore(grid, svg.children[1]);
    svg.appendChild(svgEl("path", { d: "M" + L + " " + T + "V" + (T + ph) + "H" + (L + pw), fill: "none", stroke: "#6b7280" }));
    var xl = svgEl("text", { x: L + pw / 2, y: H - 4, "text-anchor": "middle", fill: "#4b5563" }); xl.textContent = axis === "time" ? "time since start" : "step"; svg.appendChild(xl);
    var g = svgEl("g", { fill: "none", "stroke-width": "1.6", "stroke-linejoin": "round" });
    series.forEach(function (s, i) {
      var pts = [];
      if (s) s.x.forEach(function (x, k) { if (isFinite(s.y[k])) pts.push(px(x).toFixed(1) + "," + py(s.y[k]).toFixed(1)); });
      var attrs = { class: "series", stroke: colours[i % colours.length], points: pts.join(" ") };
      if (i >= colours.length) attrs["stroke-dasharray"] = ["6 3", "2 2"][Math.floor(i / colours.length - 1) % 2];
      g.appendChild(svgEl("polyline", attrs));
      if (pts.length && pts.length <= 40) pts.forEach(function (p) { var a = p.split(","); g.appendChild(svgEl("circle", { cx: a[0], cy: a[1], r: 2.2, fill: attrs.stroke })); });
    });
    svg.appendChild(g);
    return svg;
  }

  // The data behind a chart as CSV, made in the browser: the points as drawn.
  function csvLink(key, runs) {
    var quote = function (v) { v = String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; };
    var lines = ["run,label,x,value"];
    runs.forEach(function (r) { var s = r.series[key]; if (s) s.x.forEach(function (x, i) { lines.push([r.id, quote(r.label), x, s.y[i]].join(",")); }); });
    var a = el("a", { class: "csv", download: key.replace(/\//g, "_") + ".csv", title: "the points as drawn" }, "CSV");
    a.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
    return a;
  }

  function legend(runs, colours, root, compact) {
    var ul = el("ul", { class: compact ? "legend compact" : "legend" });
    runs.forEach(function (r, i) {
      var li = el("li"), sw = svgEl("svg", { class: "swatch", width: 28, height: 10, "aria-hidden": "true" });
      var line = svgEl("line", { x1: 1, y1: 5, x2: 27, y2: 5, stroke: colours[i % colours.length], "stroke-width": 3 });
      if (i >= colours.length) line.setAttribute("stroke-dasharray", ["6 3", "2 2"][Math.floor(i / colours.length - 1) % 2]);
      sw.appendChild(line); li.appendChild(sw); li.appendChild(document.createTextNode(" "));
      li.appendChild(el("a", { href: root + "runs/" + r.id + ".html" }, r.label));
      if (!compact) {
        li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", { class: "id" }, r.id));
        li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", { class: "status s-" + r.status }, r.status));
      }
      ul.appendChild(li);
    });
    return ul;
  }

  function initCompareApp(app) {
    var ids = new URLSearchParams(location.search).getAll("run").filter(function (id) { return /^[0-9a-z]{8}$/.test(id); });
    if (ids.length < 1) return;
    var root = document.body.getAttribute("data-root") || "", colours = app.getAttribute("data-colours").split(" ");
    app.textContent = "Loading " + ids.length + " runs…";
    var loaded = [], left = ids.length, failed = [];
    ids.forEach(function (id, i) {
      pending[id] = function (run) { loaded[i] = run; if (--left === 0) render(); };
      var s = el("script", { src: root + "data/" + id + ".js" });
      s.onerror = function () { failed.push(id); delete pending[id]; if (--left === 0) render(); };
      document.head.appendChild(s);
    });
    function render() {
      var runs = loaded.filter(Boolean);
      app.textContent = "";
      if (failed.length) app.appendChild(el("p", { class: "muted" }, "Not in this report: " + failed.join(", ")));
      if (!runs.length) return;
      document.title = "Compare " + runs.map(function (r) { return r.label; }).join(", ") + " · " + document.title.split(" · ").pop();
      app.appendChild(el("h2", {}, "Runs"));
      app.appendChild(legend(runs, colours, root, false));

      app.appendChild(el("h2", {}, "Params and metrics"));
      var table = el("table", { class: "compare-table" }), head = el("tr");
      head.appendChild(el("th", {}, "field"));
      runs.forEach(function (r) { head.appendChild(el("th", { scope: "col" }, r.label)); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
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
        addRow("params." + k, runs.map(function (r) { var p = r.params.filter(function (q) { return q[0] === k; })[0]; return p ? p[1] : ""; }));
      });
      var keys = {};
      runs.forEach(function (r) { Object.keys(r.metrics).forEach(function (k) { keys[k] = 1; }); });
      keys = Object.keys(keys).sort();
      keys.forEach(function (k) {
        ["last", "min", "max"].forEach(function (rollup) {
          addRow("metrics." + k + ":" + rollup, runs.map(function (r) { var m = r.metrics[k]; return m ? fmt(num(m[rollup])) : ""; }));
        });
      });
      table.appendChild(tbody);
      var wrap = el("div", { class: "table-wrap" }); wrap.appendChild(table); app.appendChild(wrap);

      if (keys.length) app.appendChild(el("h2", {}, "Metrics"));
      var charts = el("div", { class: "charts" });
      keys.forEach(function (k) {
        var fig = el("figure", { class: "chart-box" }), cap = el("figcaption");
        cap.appendChild(el("strong", {}, k));
        cap.appendChild(document.createTextNode(" "));
        cap.appendChild(csvLink(k, runs));
        fig.appendChild(cap);
        var svg = drawChart(k, runs.map(function (r) { return r.series[k]; }), colours, app.getAttribute("data-axis") || "step");
        fig.appendChild(svg);
        fig.appendChild(legend(runs, colours, root, true));
        var longest = Math.max.apply(null, runs.map(function (r) { return r.series[k] ? r.series[k].n : 0; }));
        if (longest > 100) fig.appendChild(el("p", { class: "chart-note" }, longest + " points reduced to the lowest and highest value in each of 100 columns (min/max bucketing); the CSV holds the points as drawn, `git exp metrics` every point."));
        charts.appendChild(fig);
        initHover(svg);
      });
      app.appendChild(charts);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("runs-table");
    if (table) initTable(table);
    var app = document.getElementById("compare-app");
    if (app) initCompareApp(app);
    var hideSame = document.getElementById("hide-same");
    if (hideSame) {
      hideSame.closest("label").hidden = false;
      hideSame.addEventListener("change", function () { document.querySelector(".compare-table").classList.toggle("hide-same", hideSame.checked); });
    }
    Array.prototype.forEach.call(document.querySelectorAll("svg.chart[data-plot]"), initHover);
  });
})();
