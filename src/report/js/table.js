// The runs table of the index page: tick runs to compare, filter, sort, show and hide columns,
// add a column for any field. Without JavaScript the table is still there, complete.
(function (gitExp) {
  "use strict";
  var el = gitExp.el, runsById = gitExp.runsById, format = gitExp.format;
  var parseFilter = gitExp.filter.parse, get = gitExp.filter.get, FIELDS = gitExp.filter.FIELDS;
  // What a word means when the box holds no expression: search id, name, tags and note.
  var EXPRESSION = /[=<>~()\[\]"']|\b(and|or|not|in|contains|exists)\b/;

  function rowId(row) { return row.cells[0].firstChild.value; }

  function initTable(table) {
    var form = table.closest("form"), toolbar = form.querySelector(".toolbar");
    var tbody = table.tBodies[0], rows = Array.prototype.slice.call(tbody.rows);
    var headRow = table.tHead.rows[0];
    var input = document.getElementById("filter");
    var status = document.getElementById("filter-status");
    var button = document.getElementById("compare-button");
    toolbar.hidden = false;

    function updateSelection() {
      var n = 0;
      rows.forEach(function (r) {
        var c = r.cells[0].firstChild;
        r.classList.toggle("ticked", c.checked);
        if (c.checked) n++;
      });
      button.disabled = n < 2;
      button.textContent = n ? "Compare selected (" + n + ")" : "Compare selected";
    }
    tbody.addEventListener("change", updateSelection);
    updateSelection();
    // The form's GET lists ticked runs only; the filter box is not part of the comparison.
    form.addEventListener("submit", function () {
      input.disabled = true;
      setTimeout(function () { input.disabled = false; }, 0);
    });

    function search(text) {
      var words = text.toLowerCase().split(/\s+/);
      return function (r) {
        var hay = [r.id, r.name, (r.tags || []).join(" "), r.note || ""].join(" ").toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      };
    }
    function applyFilter() {
      var text = input.value.trim(), test = null;
      input.classList.remove("error");
      status.classList.remove("error");
      if (text) {
        try {
          test = parseFilter(text);
        } catch (e) {
          if (EXPRESSION.test(text)) {
            input.classList.add("error");
            status.classList.add("error");
            // The message and hint `ls --where` prints (without its caret line).
            status.textContent = e.message + (e.hint ? " (hint: " + e.hint + ")" : "");
            return;
          }
          test = search(text);
        }
        if (!gitExp.runsLoaded) {
          status.textContent = "loading runs…";
          gitExp.onRuns = applyFilter;
          return;
        }
      }
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !test || test(runsById[rowId(row)]);
        row.hidden = !ok;
        if (ok) shown++;
      });
      var here = document.querySelector("nav.pager") ? " on this page" : "";
      status.textContent = (text ? shown + " of " + rows.length : rows.length) + " runs" + here;
      // With pages, the other pages' runs are searched too and listed under the table.
      gitExp.searchPages(test, text);
      // The filter lives in the address, so a filtered table can be linked to.
      if (history.replaceState) {
        var url = text ? "#q=" + encodeURIComponent(text) : location.pathname + location.search;
        history.replaceState(null, "", url);
      }
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
        var cell = row.cells[index];
        var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
        var k = numeric ? Number(format.value(v)) : v.toLowerCase();
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
    Array.prototype.forEach.call(headRow.cells, function (th) {
      if (th.hasAttribute("data-field")) th.tabIndex = 0;
    });
    headRow.addEventListener("click", function (e) {
      var th = e.target.closest("th[data-field]");
      if (th) sort(th);
    });
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
    Array.prototype.forEach.call(headRow.cells, function (th, index) {
      if (th.hasAttribute("data-field")) addToggle(th, index);
    });

    // Add a column for any field, e.g. a rollup: metrics.loss:min.
    var datalist = document.getElementById("field-list");
    var addInput = document.getElementById("add-column");
    var addStatus = document.getElementById("add-column-status");
    function offerFields() {
      var seen = {}, rollups = ["min", "max", "mean", "first", "last", "count"];
      Object.keys(runsById).forEach(function (id) {
        Object.keys(runsById[id].metrics || {}).forEach(function (k) {
          rollups.forEach(function (r) { seen["metrics." + k + ":" + r] = 1; });
        });
      });
      Object.keys(seen).sort().forEach(function (f) {
        datalist.appendChild(el("option", { value: f }));
      });
    }
    if (gitExp.runsLoaded) {
      offerFields();
    } else {
      var prev = gitExp.onRuns;
      gitExp.onRuns = function () { if (prev) prev(); offerFields(); };
    }
    function addColumn() {
      var field = addInput.value.trim();
      addStatus.textContent = "";
      if (!FIELDS.test(field)) { addStatus.textContent = "unknown field `" + field + "`"; return; }
      var existing = Array.prototype.find.call(headRow.cells, function (th) {
        return th.getAttribute("data-field") === field;
      });
      if (existing) { setHidden(existing.cellIndex, false); return; }
      var th = el("th", { "data-field": field, "data-kind": "num", scope: "col", tabindex: "0" },
        field.replace(/^metrics\./, ""));
      headRow.appendChild(th);
      rows.forEach(function (row) {
        var v = get(runsById[rowId(row)], field);
        var shown = v === undefined ? "" : typeof v === "number" ? format.number(v) : String(v);
        var td = el("td", {}, shown);
        if (typeof v === "number") td.setAttribute("data-v", String(v));
        row.appendChild(td);
      });
      addToggle(th, th.cellIndex);
      addInput.value = "";
    }
    document.getElementById("add-column-button").addEventListener("click", addColumn);
    addInput.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); addColumn(); }
    });
  }

  gitExp.initTable = initTable;
})(window.gitExp);
