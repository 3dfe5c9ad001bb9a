// The filter box of the runs table: the `git exp ls --where` language (docs/QUERY.md), ported
// line by line from src/query/ (lexer.rs, parser.rs, field.rs, value.rs, eval.rs) with the same
// tokens, checks, error messages and evaluation, since the browser cannot run the Rust engine
// (no wasm target can be built here). tests/fixtures/filter-cases.json is run against both
// engines (tests/cli/filter_cases.rs): a change to one side that the other lacks fails there.
(function (gitExp) {
  "use strict";

  // A mistake in an expression: message and hint as the Rust side words them, and the
  // offending part as [start, end) in UTF-16 units (Rust reports bytes).
  function FilterError(span, message, hint) {
    this.message = message;
    this.span = span;
    this.hint = hint || null;
  }
  FilterError.prototype = Object.create(Error.prototype);
  FilterError.prototype.name = "FilterError";
  function fail(span, message, hint) { throw new FilterError(span, message, hint); }

  // --- lexer.rs ---------------------------------------------------------------------------
  var SYMBOL = { "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "~": "~",
    "!~": "!~", "(": "(", ")": ")", "[": "[", "]": "]", ",": "," };
  function isSpace(c) { return /\s/.test(c); }
  function endsWord(c) { return isSpace(c) || "=!<>~()[],\"'&|".indexOf(c) >= 0; }
  function describe(tok) {
    if (tok.t === "word") return "`" + tok.v + "`";
    if (tok.t === "str") return "\"" + tok.v + "\"";
    if (tok.t === "end") return "the end of the expression";
    return "`" + tok.t + "`";
  }

  function tokenize(text) {
    var tokens = [], i = 0;
    while (i < text.length) {
      var c = text[i], two = text.slice(i, i + 2);
      if (isSpace(c)) { i++; continue; }
      if (two === "!=" || two === "!~" || two === "<=" || two === ">=") {
        tokens.push({ t: two, span: [i, i + 2] }); i += 2; continue;
      }
      if (two === "==") { tokens.push({ t: "=", span: [i, i + 2] }); i += 2; continue; }
      if (two === "&&") fail([i, i + 2], "`&&` is written `and`");
      if (two === "||") fail([i, i + 2], "`||` is written `or`");
      if (c === "!") fail([i, i + 1], "`!` is written `not`");
      if (c === "&" || c === "|") {
        fail([i, i + 1], "unexpected `" + c + "`", "combine conditions with `and`, `or` and `not`");
      }
      if (SYMBOL[c]) { tokens.push({ t: c, span: [i, i + 1] }); i++; continue; }
      if (c === "\"" || c === "'") {
        var s = string(text, i, c);
        tokens.push({ t: "str", v: s.value, span: [i, s.end] });
        i = s.end;
        continue;
      }
      var end = i;
      while (end < text.length && !endsWord(text[end])) end++;
      tokens.push({ t: "word", v: text.slice(i, end), span: [i, end] });
      i = end;
    }
    tokens.push({ t: "end", span: [text.length, text.length] });
    return tokens;
  }

  // `\"`, `\'` and `\\` are escapes; any other backslash is kept, so that "\d+" is a regex.
  function string(text, start, quote) {
    var value = "";
    for (var i = start + 1; i < text.length; i++) {
      var c = text[i];
      if (c === "\\") {
        i++;
        if (i >= text.length) { value += "\\"; break; }
        var n = text[i];
        value += n === quote || n === "\\" ? n : "\\" + n;
      } else if (c === quote) {
        return { value: value, end: i + 1 };
      } else {
        value += c;
      }
    }
    return fail([start, text.length], "unterminated string: no closing `" + quote + "`");
  }

  // --- field.rs ---------------------------------------------------------------------------
  var PLAIN = { id: "text", name: "text", status: "status", tags: "list", note: "text",
    started: "time", ended: "time", duration: "duration", branch: "text", base: "text",
    commit: "text", command: "text", exit_code: "number", dirty: "bool", sweep: "text" };
  var HOST = { hostname: "text", user: "text", os: "text", arch: "text", cpus: "number",
    memory_bytes: "number", gpus: "list" };
  var ROLLUPS = ["first", "last", "min", "max", "mean", "count"];
  var ROOTS = "id, name, status, tags, note, started, ended, duration, branch, base, commit, " +
    "command, exit_code, dirty, sweep, params.<key>, " +
    "metrics.<key>[:first|last|min|max|mean|count], host.<key>";
  var NOUN = { text: "text", number: "a number", bool: "a boolean", time: "a time",
    duration: "a duration", list: "a list", status: "a status", any: "a param" };
  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  // A field: { root: "plain"|"params"|"metrics"|"host", key, rollup, kind }.
  function parseField(text, offset) {
    var span = [offset, offset + text.length];
    if (has(PLAIN, text)) return { root: "plain", key: text, kind: PLAIN[text] };
    var dot = text.indexOf(".");
    var root = dot < 0 ? text : text.slice(0, dot), rest = dot < 0 ? "" : text.slice(dot + 1);
    if ((root === "params" || root === "metrics" || root === "host") && rest === "") {
      var example = { params: "params.lr", metrics: "metrics.loss:min",
        host: "host.hostname" }[root];
      fail(span, "`" + root + "` needs a key, as in `" + example + "`");
    }
    if (root === "params") {
      var colon = rest.indexOf(":");
      if (colon >= 0) {
        fail([offset + 7 + colon, span[1]], "`" + rest.slice(colon) + "` applies only to metrics",
          "did you mean `metrics." + rest + "`?");
      }
      return { root: "params", key: rest, kind: "any" };
    }
    if (root === "metrics") {
      var c = rest.lastIndexOf(":");
      if (c < 0) return { root: "metrics", key: rest, rollup: "last", kind: "number" };
      var key = rest.slice(0, c), rollup = rest.slice(c + 1);
      if (ROLLUPS.indexOf(rollup) < 0) {
        fail([offset + 8 + key.length + 1, span[1]],
          "unknown rollup `" + rollup + "` in `" + text + "`",
          "rollups are first, last, min, max, mean and count");
      }
      if (key === "") fail(span, "`" + text + "` names no metric, as in `metrics.loss:min`");
      return { root: "metrics", key: key, rollup: rollup, kind: "number" };
    }
    if (root === "host") {
      if (has(HOST, rest)) return { root: "host", key: rest, kind: HOST[rest] };
      fail(span, "unknown field `" + text + "`", "host fields are " +
        Object.keys(HOST).map(function (k) { return "host." + k; }).join(", "));
    }
    return fail(span, "unknown field `" + text + "`", "fields are " + ROOTS);
  }

  // --- value.rs: literals -----------------------------------------------------------------
  function parseNumber(text) {
    var body = text[0] === "+" || text[0] === "-" ? text.slice(1) : text;
    var numeric = body === "inf" || body === "nan" ||
      (/^[0-9.]/.test(body) && /^[0-9.eE+\-_]*$/.test(body));
    if (!numeric) return null;
    var clean = body.replace(/_/g, "");
    var v;
    if (clean === "inf") v = Infinity;
    else if (clean === "nan") v = NaN;
    // Rust's f64 parser: digits with one optional point, then an optional exponent.
    else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) v = Number(clean);
    else return null;
    return text[0] === "-" ? -v : v;
  }

  var UNIT = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800 };
  function parseDuration(text) {
    var sign = 1, body = text;
    if (text[0] === "-" || text[0] === "+") body = text.slice(1);
    if (text[0] === "-") sign = -1;
    if (body === "") return null;
    var total = 0, rest = body;
    while (rest !== "") {
      var m = /^([0-9.]+)([A-Za-z]*)/.exec(rest);
      if (!m || !/^(\d+\.?\d*|\.\d+)$/.test(m[1]) || !has(UNIT, m[2])) return null;
      total += Number(m[1]) * UNIT[m[2]];
      rest = rest.slice(m[0].length);
    }
    return sign * total;
  }

  // `2026-11-01` (that whole local day), `2026-11-01T10:00[:00]` (local) or an RFC 3339
  // instant. Times are milliseconds since the epoch; a range is [start, end).
  var TIME = new RegExp("^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt](\\d{2})(?::(\\d{2})(?::(\\d{2})" +
    "(?:[.,](\\d{1,9}))?)?)?(?:([Zz])|([+-])(\\d{2}):?(\\d{2}))?)?$");
  function parseTime(text) {
    var m = TIME.exec(text);
    if (!m) return null;
    var y = +m[1], mo = +m[2] - 1, d = +m[3];
    var check = new Date(Date.UTC(y, mo, d));
    var valid = check.getUTCFullYear() === y && check.getUTCMonth() === mo &&
      check.getUTCDate() === d;
    if (!valid) return null;
    if (m[4] === undefined) {
      var start = new Date(y, mo, d).getTime(), end = new Date(y, mo, d + 1).getTime();
      return { start: start, end: end };
    }
    var h = +m[4], mi = +(m[5] || 0), s = +(m[6] || 0);
    if (h > 23 || mi > 59 || s > 59) return null;
    var ms = m[7] ? Math.floor(Number("0." + m[7]) * 1000) : 0, t;
    if (m[8]) t = Date.UTC(y, mo, d, h, mi, s, ms);
    else if (m[9]) {
      var off = (+m[10] * 60 + +m[11]) * (m[9] === "-" ? -1 : 1);
      t = Date.UTC(y, mo, d, h, mi, s, ms) - off * 60000;
    } else t = new Date(y, mo, d, h, mi, s, ms).getTime();
    return { start: t, end: t };
  }

  function bareLiteral(text) {
    var pct = text[text.length - 1] === "%" ? parseNumber(text.slice(0, -1)) : null;
    return { text: text, quoted: false, number: parseNumber(text),
      boolean: text === "true" ? true : text === "false" ? false : null,
      duration: parseDuration(text), time: parseTime(text), percent: pct };
  }
  function quotedLiteral(text) {
    return { text: text, quoted: true, number: null, boolean: null, duration: null, time: null,
      percent: null };
  }
  // `7d ago`: the instant that long before now (rounded to the millisecond, as Rust does).
  function ago(lit, now) {
    if (lit.duration === null) return false;
    var ms = lit.duration * 1000, r = ms < 0 ? -Math.round(-ms) : Math.round(ms);
    if (!isFinite(r) || Math.abs(r) > 1e15) return false;
    var t = now - r;
    lit.time = { start: t, end: t };
    lit.text += " ago";
    lit.number = null;
    lit.duration = null;
    return true;
  }

  // --- parser.rs --------------------------------------------------------------------------
  var MAX_DEPTH = 64;
  var KEYWORDS = ["and", "or", "not", "in", "contains", "exists", "ago"];
  var OPERATORS = "=, !=, <, <=, >, >=, ~, !~, in, not in, contains, exists";
  var STATUSES = ["running", "completed", "failed", "interrupted", "crashed"];
  function isKeyword(w) { return KEYWORDS.indexOf(w.toLowerCase()) >= 0; }
  function isOrdering(op) { return op !== "=" && op !== "!="; }

  function parse(text, now) {
    var tokens = tokenize(text), pos = 0, depth = 0;
    if (tokens.length === 1) {
      fail([0, text.length], "the expression is empty",
        "write a condition such as `params.lr < 0.01`");
    }
    function peek() { return tokens[Math.min(pos, tokens.length - 1)]; }
    function next() { var t = peek(); if (pos < tokens.length - 1) pos++; return t; }
    function atKeyword(k) { var t = peek(); return t.t === "word" && t.v.toLowerCase() === k; }
    function chain(keyword, operand, join) {
      var items = [operand()];
      while (atKeyword(keyword)) { next(); items.push(operand()); }
      return items.length === 1 ? items[0] : join(items);
    }
    function or() {
      return chain("or", and, function (ps) {
        return function (r) { return ps.some(function (p) { return p(r); }); };
      });
    }
    function and() {
      return chain("and", unary, function (ps) {
        return function (r) { return ps.every(function (p) { return p(r); }); };
      });
    }
    function unary() {
      if (!atKeyword("not") && peek().t !== "(") return condition();
      if (depth === MAX_DEPTH) {
        fail(peek().span, "the expression nests deeper than " + MAX_DEPTH + " levels",
          "use fewer parentheses or `not`s");
      }
      depth++;
      var p = nested();
      depth--;
      return p;
    }
    function nested() {
      if (atKeyword("not")) { next(); return negate(unary()); }
      var open = next(), inner = or(), close = next();
      if (close.t === ")") return inner;
      if (close.t === "end") fail(open.span, "this `(` is never closed");
      return fail(close.span, "expected `and`, `or` or `)`, found " + describe(close));
    }
    function condition() {
      var token = next();
      if (token.t !== "word" || isKeyword(token.v)) {
        fail(token.span, "expected a field, found " + describe(token),
          "a condition starts with a field, as in `params.lr < 0.01`");
      }
      var name = token.v, field = parseField(name, token.span[0]), opTok = next(), w;
      if (opTok.t === "~" || opTok.t === "!~") {
        var m = regex(field, name, opTok);
        return opTok.t === "!~" ? negate(m) : m;
      }
      w = opTok.t === "word" ? opTok.v.toLowerCase() : null;
      if (w === "exists") return function (r) { return value(r, field).k !== "missing"; };
      if (w === "contains") {
        expectKind(field, name, opTok.span, "contains", ["text", "list", "any"]);
        return contains(field, literal("contains").lit);
      }
      if (w === "in") return list(field, name);
      if (w === "not" && atKeyword("in")) { next(); return negate(list(field, name)); }
      if (["=", "!=", "<", "<=", ">", ">="].indexOf(opTok.t) < 0) {
        fail(opTok.span, "expected an operator after `" + name + "`, found " + describe(opTok),
          "operators are " + OPERATORS);
      }
      var op = opTok.t, v = literal(op);
      check(field, name, op, v.lit, v.span);
      return compareField(field, op, v.lit);
    }
    function literal(after) {
      var token = next();
      if (token.t === "str") return { lit: quotedLiteral(token.v), span: token.span };
      if (token.t === "word" && !isKeyword(token.v)) {
        var lit = bareLiteral(token.v), span = token.span.slice();
        if (atKeyword("ago")) {
          var a = next();
          if (!ago(lit, now)) {
            fail([span[0], a.span[1]], "`" + token.v + " ago` is not a time",
              "`ago` follows a duration, as in `7d ago`");
          }
          span[1] = a.span[1];
        }
        return { lit: lit, span: span };
      }
      if (token.t === "word") {
        fail(token.span, "expected a value after `" + after + "`, found `" + token.v + "`",
          "quote it to mean the word: \"" + token.v + "\"");
      }
      return fail(token.span, "expected a value after `" + after + "`, found " + describe(token));
    }
    function list(field, name) {
      var open = next(), lits = [];
      if (open.t !== "[") {
        fail(open.span, "expected `[` after `in`, found " + describe(open),
          "a list is written `[a, b, c]`");
      }
      for (;;) {
        if (peek().t === "]") { next(); break; }
        if (peek().t === "end") fail(open.span, "this `[` is never closed");
        var v = literal("[");
        if (field.kind !== "list") check(field, name, "=", v.lit, v.span);
        lits.push(v.lit);
        var sep = next();
        if (sep.t === ",") continue;
        if (sep.t === "]") break;
        if (sep.t === "end") fail(open.span, "this `[` is never closed");
        fail(sep.span, "expected `,` or `]`, found " + describe(sep));
      }
      return function (r) {
        return anyElement(value(r, field), function (e) {
          return lits.some(function (l) { return compare(e, "=", l); });
        });
      };
    }
    function regex(field, name, opTok) {
      expectKind(field, name, opTok.span, opTok.t, ["text", "status", "list", "any"]);
      var v = literal(opTok.t), re;
      try {
        re = compileRegex(v.lit.text);
      } catch (e) {
        // The browser's message names the pattern first ("Invalid regular expression: /(/: …").
        var reason = String(e.message).split(": ").pop();
        fail(v.span, "invalid regular expression: " + reason,
          "quote a regex that has spaces or brackets: name ~ \"^abl-(a|b)\"");
      }
      return function (r) {
        return anyElement(value(r, field), function (e) { return e.k === "text" && re.test(e.v); });
      };
    }
    function expectKind(field, name, span, op, kinds) {
      if (kinds.indexOf(field.kind) < 0) {
        fail(span, "`" + op + "` needs a text or list field; `" + name + "` is " +
          NOUN[field.kind]);
      }
    }
    function check(field, name, op, lit, span) {
      var found = lit.quoted ? "\"" + lit.text + "\"" : "`" + lit.text + "`", kind = field.kind;
      function mismatch(expected) {
        fail(span, "`" + name + "` is " + NOUN[kind] + ": expected " + expected +
          ", found " + found);
      }
      if (lit.percent !== null && (kind === "number" || kind === "duration")) {
        fail(span, found + " is a relative change, which only `--fail-if` compares",
          "filters compare values: write a number");
      }
      if (kind === "status") {
        if (isOrdering(op)) {
          fail(span, "`" + name + "` is a status, which has no order: use =, !=, in or ~");
        }
        if (STATUSES.indexOf(lit.text) < 0) {
          fail(span, found + " is not a status",
            "statuses are running, completed, failed, interrupted and crashed");
        }
      } else if (kind === "number") {
        if (lit.number === null) mismatch("a number");
      } else if (kind === "bool") {
        if (isOrdering(op)) {
          fail(span, "`" + name + "` is a boolean, which has no order: use = or !=");
        }
        if (lit.boolean === null) mismatch("true or false");
      } else if (kind === "duration") {
        if (lit.duration === null && lit.number === null) {
          mismatch("a duration such as `90s`, `10m` or `1h30m`");
        }
      } else if (kind === "time") {
        if (lit.time === null) {
          mismatch("a date such as `2026-11-01`, a time such as `2026-11-01T10:00:00Z`, " +
            "or `7d ago`");
        }
      } else if (kind === "list") {
        fail(span, "`" + name + "` is a list: compare its elements", "use `" + name + " contains " +
          lit.text + "` or `" + name + " in [" + lit.text + ", …]`");
      }
    }
    var pred = or(), last = peek();
    if (last.t === "end") return pred;
    if (last.t === ")") fail(last.span, "unexpected `)`: no `(` to close");
    return fail(last.span, "expected `and` or `or`, found " + describe(last));
  }

  // The regex crate's syntax where it differs from JavaScript's: leading inline flags,
  // `(?P<name>…)`, and no look-around or backreferences (the crate refuses them).
  function compileRegex(src) {
    var flags = "u", body = src, m = /^\(\?([a-zA-Z]+)\)/.exec(src);
    if (m) {
      for (var i = 0; i < m[1].length; i++) {
        if ("ims".indexOf(m[1][i]) < 0) throw new Error("unrecognized flag");
        if (flags.indexOf(m[1][i]) < 0) flags += m[1][i];
      }
      body = src.slice(m[0].length);
    }
    if (/\(\?<?[=!]/.test(body)) {
      throw new Error("look-around, including look-ahead and look-behind, is not supported");
    }
    if (/\\[1-9]/.test(body)) throw new Error("backreferences are not supported");
    body = body.replace(/\(\?P</g, "(?<");
    // Unicode mode reads `\p{L}` and code points as the crate does, but refuses identity
    // escapes such as `\-` that the crate allows: those are read without it.
    try { return new RegExp(body, flags); } catch (e) { return new RegExp(body, flags.slice(1)); }
  }

  // --- eval.rs ----------------------------------------------------------------------------
  function negate(p) { return function (r) { return !p(r); }; }
  function holds(op, ord) {
    switch (op) {
      case "=": return ord === 0;
      case "!=": return ord !== 0;
      case "<": return ord < 0;
      case "<=": return ord <= 0;
      case ">": return ord > 0;
      default: return ord >= 0;
    }
  }
  // Partial order of numbers: null when either is NaN.
  function cmpNumber(a, b) { return a < b ? -1 : a > b ? 1 : a === b ? 0 : null; }
  // Text orders by bytes, as Rust's str: UTF-8 byte order is code point order.
  function cmpText(a, b) {
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    return (i < a.length) - (j < b.length);
  }
  function anyElement(v, test) { return v.k === "list" ? v.v.some(test) : test(v); }

  function compareField(field, op, lit) {
    return function (r) {
      var v = value(r, field);
      // `!=` on a list asks whether no element equals; every other operator whether one does.
      if (op === "!=" && v.k === "list") {
        return !anyElement(v, function (e) { return compare(e, "=", lit); });
      }
      return compare(v, op, lit);
    };
  }
  function contains(field, lit) {
    return function (r) {
      var v = value(r, field);
      if (v.k === "text") return v.v.indexOf(lit.text) >= 0;
      if (v.k === "list") return anyElement(v, function (e) { return compare(e, "=", lit); });
      return false;
    };
  }
  function compare(v, op, lit) {
    var l, ord;
    switch (v.k) {
      case "text":
        if (isOrdering(op) && lit.number !== null && !lit.quoted) return false;
        return holds(op, cmpText(v.v, lit.text));
      case "number":
        ord = lit.number === null ? null : cmpNumber(v.v, lit.number);
        return ord !== null && holds(op, ord);
      case "bool":
        return !isOrdering(op) && lit.boolean !== null && holds(op, v.v - lit.boolean);
      case "duration":
        l = lit.duration !== null ? lit.duration : lit.number;
        ord = l === null ? null : cmpNumber(v.v, l);
        return ord !== null && holds(op, ord);
      case "time":
        if (lit.time === null) return false;
        // A date is a whole day: `= 2026-11-01` is within it, `> 2026-11-01` after it.
        ord = v.v < lit.time.start ? -1 : v.v < lit.time.end || v.v === lit.time.start ? 0 : 1;
        return holds(op, ord);
      default:
        return false;
    }
  }

  // --- field values of a run of data/runs.js (`ls --format json`) -------------------------
  var MISSING = { k: "missing" };
  function text(s) { return typeof s === "string" && s !== "" ? { k: "text", v: s } : MISSING; }
  function time(s) { return typeof s === "string" ? { k: "time", v: Date.parse(s) } : MISSING; }
  function num(x) {
    var n = x === null ? NaN : gitExp.format.value(x);
    return typeof n === "number" ? { k: "number", v: n } : MISSING;
  }
  // A param as recorded (TOML through JSON): a datetime is text, a table is not comparable.
  function fromToml(x) {
    if (typeof x === "string") return { k: "text", v: x };
    if (typeof x === "number" || x === null) return { k: "number", v: x === null ? NaN : x };
    if (typeof x === "boolean") return { k: "bool", v: x };
    if (Array.isArray(x)) return { k: "list", v: x.map(fromToml) };
    if (x && typeof x === "object" && typeof x.$__toml_private_datetime === "string") {
      return { k: "text", v: x.$__toml_private_datetime };
    }
    return { k: "table" };
  }
  function strings(list) {
    return Array.isArray(list) && list.length ? { k: "list", v: list.map(function (s) {
      return { k: "text", v: String(s) };
    }) } : MISSING;
  }
  function shellJoin(words) {
    return words.map(function (w) {
      var plain = w !== "" && /^[A-Za-z0-9\-_./=:,+@%{}]+$/.test(w);
      return plain ? w : "'" + w.replace(/'/g, "'\\''") + "'";
    }).join(" ");
  }
  function lookupParam(table, path) {
    if (has(table, path)) return table[path];
    for (var i = path.indexOf("."); i >= 0; i = path.indexOf(".", i + 1)) {
      var head = has(table, path.slice(0, i)) ? table[path.slice(0, i)] : undefined;
      var table = head && typeof head === "object" && !Array.isArray(head);
      if (table && !has(head, "$__toml_private_datetime")) {
        var v = lookupParam(head, path.slice(i + 1));
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }
  function value(run, field) {
    if (!run) return MISSING;
    var host = run.host || {}, x;
    switch (field.root) {
      case "params":
        x = lookupParam(run.params || {}, field.key);
        return x === undefined ? MISSING : fromToml(x);
      case "metrics":
        x = (run.metrics || {})[field.key];
        return x && has(run.metrics, field.key) ? num(x[field.rollup]) : MISSING;
      case "host":
        x = host[field.key];
        if (field.key === "gpus") return strings(x);
        if (field.kind === "number") return x ? { k: "number", v: x } : MISSING;
        return text(x);
    }
    switch (field.key) {
      case "status": return { k: "text", v: String(run.status) };
      case "tags": return strings(run.tags);
      case "started": case "ended": return time(run[field.key]);
      case "duration":
        return typeof run.duration === "number" ? { k: "duration", v: run.duration } : MISSING;
      case "commit": return { k: "text", v: String(run.commit || "") };
      case "command":
        if (!Array.isArray(run.command) || !run.command.length) return MISSING;
        return { k: "text", v: shellJoin(run.command) };
      case "exit_code":
        return typeof run.exit_code === "number" ? { k: "number", v: run.exit_code } : MISSING;
      case "dirty": return { k: "bool", v: !!run.dirty };
      default: return text(run[field.key]);
    }
  }

  // The instant `7d ago` counts back from: the one the report was built with when its clock
  // was pinned (data/runs.js sets gitExp.now), else this browser's clock.
  function defaultNow() {
    var pinned = gitExp.now ? Date.parse(gitExp.now) : NaN;
    return isNaN(pinned) ? Date.now() : pinned;
  }
  // Parses and checks an expression; returns a test of one run. Throws a FilterError.
  function parseFilter(text, now) {
    return parse(text, typeof now === "number" ? now : defaultNow());
  }

  // A field's value for showing in a column the user added: number, text or undefined.
  function get(run, field) {
    var f;
    try { f = parseField(field, 0); } catch (e) { return undefined; }
    var v = value(run, f);
    if (v.k === "missing" || v.k === "table") return undefined;
    if (v.k === "list") return v.v.map(function (e) { return e.v; }).join(", ");
    if (v.k === "time") return new Date(v.v).toISOString();
    return v.v;
  }
  var FIELDS = {
    test: function (t) { try { parseField(t, 0); return true; } catch (e) { return false; } },
  };

  gitExp.parseFilter = parseFilter;
  gitExp.filter = { parse: parseFilter, get: get, FIELDS: FIELDS, FilterError: FilterError };
})(window.gitExp);
