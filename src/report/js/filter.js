// The filter box of the runs table. It reads the `git exp ls --where` language (docs/QUERY.md)
// with its own parser: a second engine, kept small until the browser can run the Rust one.
(function (gitExp) {
  "use strict";
  var value = gitExp.format.value;
  var KEYWORDS = ["and", "or", "not", "in", "contains", "exists"];
  var TOKEN = new RegExp("\\s*(?:(\\(|\\)|\\[|\\]|,)|(!=|<=|>=|=|<|>|~)" +
    "|(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')|([^\\s()\\[\\],!=<>~\"']+))", "y");

  function tokenize(text) {
    var tokens = [], m;
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      var at = TOKEN.lastIndex;
      if (/^\s*$/.test(text.slice(at))) break;
      m = TOKEN.exec(text);
      if (!m) throw new Error("cannot read `" + text.slice(at).trim() + "`");
      if (m[1]) tokens.push({ t: m[1] });
      else if (m[2]) tokens.push({ t: "op", v: m[2] });
      else if (m[3]) tokens.push({ t: "lit", v: m[3].slice(1, -1).replace(/\\(.)/g, "$1") });
      else if (KEYWORDS.indexOf(m[4].toLowerCase()) >= 0) tokens.push({ t: m[4].toLowerCase() });
      else tokens.push({ t: "word", v: m[4] });
    }
    return tokens;
  }

  // The fields `ls --where` knows (docs/QUERY.md).
  var FIELDS = new RegExp("^(id|name|status|tags|note|started|ended|duration|branch|base|commit" +
    "|command|exit_code|dirty|sweep|params\\..+" +
    "|metrics\\.[^:]+(:(first|last|min|max|mean|count))?" +
    "|host\\.(hostname|user|os|arch|cpus|memory_bytes|gpus))$");

  // A recursive descent parser: `or` binds loosest, then `and`, then `not`.
  function parseFilter(text) {
    var tokens = tokenize(text), i = 0;
    function peek() { return tokens[i] || { t: "end" }; }
    function next() { return tokens[i++] || { t: "end" }; }
    function atEnd(k) { return k.t === "end" ? " at the end" : ""; }
    function expect(t) {
      var k = next();
      if (k.t !== t) throw new Error("expected `" + t + "`" + atEnd(k));
      return k;
    }
    function or() {
      var l = and();
      while (peek().t === "or") {
        next();
        l = (function (a, b) { return function (r) { return a(r) || b(r); }; })(l, and());
      }
      return l;
    }
    function and() {
      var l = not();
      while (peek().t === "and") {
        next();
        l = (function (a, b) { return function (r) { return a(r) && b(r); }; })(l, not());
      }
      return l;
    }
    function not() {
      if (peek().t !== "not") return primary();
      next();
      var e = not();
      return function (r) { return !e(r); };
    }
    function literal() {
      var k = next();
      if (k.t === "lit") return k.v;
      if (k.t === "word") return bare(k.v);
      throw new Error("expected a value" +
        (k.t === "end" ? " at the end" : ", found `" + (k.v || k.t) + "`"));
    }
    function primary() {
      if (peek().t === "(") { next(); var e = or(); expect(")"); return e; }
      var f = next();
      if (f.t !== "word") throw new Error("expected a field such as `params.lr`" + atEnd(f));
      if (!FIELDS.test(f.v)) throw new Error("unknown field `" + f.v + "`");
      var field = f.v, k = next();
      if (k.t === "exists") return function (r) { return get(r, field) !== undefined; };
      if (k.t === "in") return inList(field);
      if (k.t === "contains") {
        var needle = String(literal()).toLowerCase();
        return function (r) {
          return any(get(r, field), function (e) {
            return e !== undefined && String(e).toLowerCase().indexOf(needle) >= 0;
          });
        };
      }
      if (k.t === "op" && k.v === "~") {
        var re, src = literal();
        try { re = new RegExp(src); } catch (err) { throw new Error("bad regex `" + src + "`"); }
        return function (r) {
          return any(get(r, field), function (e) { return e !== undefined && re.test(String(e)); });
        };
      }
      if (k.t === "op") {
        var lit = literal(), op = k.v;
        return function (r) {
          return any(get(r, field), function (e) { return compare(e, op, lit); });
        };
      }
      throw new Error("expected an operator after `" + field + "`");
    }
    function inList(field) {
      var items = [];
      expect("[");
      if (peek().t !== "]") {
        items.push(literal());
        while (peek().t === ",") { next(); items.push(literal()); }
      }
      expect("]");
      return function (r) {
        var v = get(r, field);
        return items.some(function (x) {
          return any(v, function (e) { return compare(e, "=", x); });
        });
      };
    }
    var e = or();
    if (peek().t !== "end") throw new Error("unexpected `" + (peek().v || peek().t) + "`");
    return e;
  }

  // Bare words: numbers, durations (5m, 2h), dates, true/false, else text.
  var UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  function bare(w) {
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(w)) return Number(w);
    var d = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(w);
    if (d) return Number(d[1]) * UNITS[d[2]];
    if (/^\d{4}-\d\d-\d\d([T ][\d:.]+Z?)?$/.test(w)) {
      return new Date(w.length === 10 ? w + "T00:00:00Z" : w.replace(" ", "T"));
    }
    if (w === "true") return true;
    if (w === "false") return false;
    return w;
  }
  // A list field (tags) matches when one of its elements does.
  function any(v, test) { return Array.isArray(v) ? v.some(test) : test(v); }
  function compare(v, op, lit) {
    if (v === undefined || v === null) return false;
    if (lit instanceof Date) { lit = lit.getTime(); v = new Date(v).getTime(); }
    else if (typeof lit === "number") v = typeof v === "number" ? v : Number(value(v));
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

  // The value of `field` for a run of data/runs.js; undefined when the run has none.
  function get(run, field) {
    if (!run) return undefined;
    if (field.indexOf("params.") === 0) return lookup(run.params || {}, field.slice(7));
    if (field.indexOf("metrics.") === 0) {
      var rest = field.slice(8), c = rest.lastIndexOf(":");
      var m = (run.metrics || {})[c >= 0 ? rest.slice(0, c) : rest];
      return m ? value(m[c >= 0 ? rest.slice(c + 1) : "last"]) : undefined;
    }
    if (field.indexOf("host.") === 0) {
      var h = (run.host || {})[field.slice(5)];
      return h === "" || h === 0 ? undefined : h;
    }
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
      if (head && typeof head === "object" && !Array.isArray(head)) {
        var v = lookup(head, path.slice(i + 1));
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }

  gitExp.parseFilter = parseFilter;
  gitExp.filter = { parse: parseFilter, get: get, FIELDS: FIELDS };
})(window.gitExp);
