// Axis ticks and their labels, a line-for-line port of src/report/scale.rs: the compare page
// draws its charts here while run pages get theirs from Rust, and both must look alike. The
// helpers below copy what Rust does where JavaScript differs: `as i64` saturates (NaN is 0),
// `round` takes a tie away from zero, `powi` multiplies step by step. src/report/script.rs
// tests this file against the Rust functions.
(function (gitExp) {
  "use strict";
  var fixed = gitExp.format.fixed, exponential = gitExp.format.exponential;
  var trimZeros = gitExp.format.trimZeros;
  var I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

  // Rust's `x as i64`, as a BigInt: NaN is 0, out of range saturates.
  function asI64(x) {
    if (isNaN(x)) return 0n;
    if (x >= 9223372036854775807) return I64_MAX;
    if (x <= -9223372036854775808) return I64_MIN;
    return BigInt(Math.trunc(x));
  }
  // Rust's `x as usize` (or `as i32` where the value is small), as a Number.
  function asInt(x, lo, hi) {
    return isNaN(x) ? 0 : Math.min(Math.max(Math.trunc(x), lo), hi);
  }
  // Rust's `f64::round`: a tie goes away from zero.
  function round(x) {
    return x < 0 ? -Math.round(-x) : Math.round(x);
  }
  // Rust's `10f64.powf(n)` for a whole n: correctly rounded, as Number("1e-5") is (Math.pow
  // is not always).
  function pow10(n) {
    return isFinite(n) ? Number("1e" + n) : Math.pow(10, n);
  }
  // Rust's `powi` (compiler-builtins `__powidf2`): square-and-multiply, then 1/r if n < 0.
  function powi(a, n) {
    var r = 1, recip = n < 0;
    for (;;) {
      if (n & 1) r *= a;
      n = Math.trunc(n / 2);
      if (n === 0) break;
      a *= a;
    }
    return recip ? 1 / r : r;
  }

  // About `target` evenly spaced ticks covering lo..hi: 1, 2, 2.5 or 5 times a power of ten.
  function nice(lo, hi, target) {
    if (!(hi > lo)) { hi = lo + 1; lo = lo - 1; }
    var raw = (hi - lo) / Math.max(target, 1), magnitude = pow10(Math.floor(Math.log10(raw)));
    var step = 10 * magnitude;
    var found = [1, 2, 2.5, 5, 10].map(function (m) { return m * magnitude; })
      .find(function (s) { return s >= raw; });
    return withStep(lo, hi, found === undefined ? step : found);
  }

  // Ticks for elapsed seconds: steps of whole seconds, minutes, hours or days.
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
    43200, 86400, 172800, 604800];
  function time(lo, hi, target) {
    if (!(hi > lo)) hi = lo + 1;
    var raw = (hi - lo) / Math.max(target, 1);
    var step = TIME_STEPS.find(function (s) { return s >= raw; });
    if (step !== undefined) return raw >= 1 ? withStep(lo, hi, step) : nice(lo, hi, target);
    var days = nice(lo / 86400, hi / 86400, target);
    return { ticks: days.ticks.map(function (t) { return t * 86400; }), step: days.step * 86400 };
  }

  // The multiples of `step` within lo..hi (at most 100), a hair of tolerance at the ends.
  function withStep(lo, hi, step) {
    var first = asI64(Math.ceil(lo / step - 1e-9)), last = asI64(Math.floor(hi / step + 1e-9));
    var ticks = [];
    // BigInt counts like Rust's i64, so the index stays exact where a Number would not.
    for (var k = first; k <= last && ticks.length < 100; k++) ticks.push(clean(Number(k) * step));
    return { ticks: ticks, step: step };
  }

  // Rounds away binary noise (0.30000000000000004 → 0.3).
  function clean(v) {
    if (v === 0) return 0;
    var digits = 12 - asInt(Math.ceil(Math.log10(Math.abs(v))), -2147483648, 2147483647);
    var factor = powi(10, Math.min(Math.max(digits, -300), 300));
    return round(v * factor) / factor;
  }

  // A tick value given the step between ticks: the decimals the step needs, thousands as k,
  // millions as M, billions as G, tiny or huge values with an exponent.
  function label(v, step) {
    var abs = Math.abs(v);
    if (v === 0) return "0";
    if (!(abs >= 1e-4 && abs < 1e15)) return trimExponent(exponential(v, 1));
    var units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      var div = units[i][0];
      if (abs >= div && step >= div / 100) return decimals(v / div, step / div) + units[i][1];
    }
    return decimals(v, step);
  }
  function decimals(v, step) {
    var places = 0;
    if (!(step >= 1)) {
      // Capped where Rust would print the value's every digit (a step of 0 never has one).
      places = asInt(-Math.floor(Math.log10(step)), 0, 1100) + (isHalf(step) ? 1 : 0);
    }
    return trimZeros(fixed(v, places));
  }
  // Steps like 0.25 need one more decimal than their magnitude says.
  function isHalf(step) {
    var m = step / pow10(Math.floor(Math.log10(step)));
    return Math.abs(m - 2.5) < 1e-9;
  }
  function trimExponent(text) {
    var at = text.indexOf("e");
    return at < 0 ? text : trimZeros(text.slice(0, at)) + text.slice(at);
  }

  // Elapsed seconds for a time axis: 0, 45s, 2m, 1m30s, 3h, 2d.
  function timeLabel(seconds) {
    var s = asI64(round(seconds));
    if (Math.abs(seconds) < 1 && seconds !== 0) return fixed(seconds, 1) + "s";
    var parts = [[s / 86400n, "d"], [(s % 86400n) / 3600n, "h"], [(s % 3600n) / 60n, "m"],
      [s % 60n, "s"]];
    var text = parts.filter(function (p) { return p[0] !== 0n; })
      .map(function (p) { return p[0] + p[1]; }).join("");
    return text || "0";
  }

  gitExp.ticks = { nice: nice, time: time, withStep: withStep, label: label, timeLabel: timeLabel };
})(window.gitExp);
