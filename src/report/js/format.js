// Numbers for people, exactly as the report's Rust side writes them (src/report/format.rs):
// the charts and columns drawn here sit next to ones rendered in Rust, so the same value must
// read the same. Rust rounds an exact tie to even (`{:.2}` of 1000.125 is `1000.12`) where
// JavaScript's toFixed and toPrecision round it up, so the digits are made here from the exact
// binary value with BigInt. src/report/script.rs tests these functions against the Rust ones.
(function (gitExp) {
  "use strict";
  var view = new DataView(new ArrayBuffer(8));

  // [m, e] with a = m × 2^e exactly, for a finite a ≥ 0.
  function binary(a) {
    view.setFloat64(0, a);
    var hi = view.getUint32(0), lo = view.getUint32(4), biased = (hi >>> 20) & 0x7ff;
    var m = BigInt(hi & 0xfffff) * 4294967296n + BigInt(lo);
    return biased === 0 ? [m, -1074] : [m + (1n << 52n), biased - 1075];
  }

  // a × 10^p rounded to a whole number, an exact tie to even (as Rust's formatting does).
  function scaled(a, p) {
    var b = binary(a), num = b[0], den = 1n;
    if (b[1] >= 0) num <<= BigInt(b[1]); else den <<= BigInt(-b[1]);
    if (p >= 0) num *= 10n ** BigInt(p); else den *= 10n ** BigInt(-p);
    var q = num / den, twice = (num % den) * 2n;
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
    return q;
  }

  // How Rust writes NaN and the infinities with `{:.N}` and `{:.Ne}`.
  function special(v) {
    return isNaN(v) ? "NaN" : v > 0 ? "inf" : "-inf";
  }
  // Rust writes the sign of negative zero too.
  function sign(v) {
    return v < 0 || Object.is(v, -0) ? "-" : "";
  }

  // Rust's `format!("{v:.places$}")`.
  function fixed(v, places) {
    if (!isFinite(v)) return special(v);
    var digits = scaled(Math.abs(v), places).toString();
    if (places === 0) return sign(v) + digits;
    digits = digits.padStart(places + 1, "0");
    var point = digits.length - places;
    return sign(v) + digits.slice(0, point) + "." + digits.slice(point);
  }

  // Rust's `format!("{v:.places$e}")`: `1.50e3`, `-2.0e-7`, `0.0e0`.
  function exponential(v, places) {
    if (!isFinite(v)) return special(v);
    var a = Math.abs(v), e = a === 0 ? 0 : Math.floor(Math.log10(a)), q = 0n;
    // log10 can be one off near powers of ten; the digit count of the result settles it.
    for (var tries = 0; tries < 3; tries++) {
      q = scaled(a, places - e);
      if (a !== 0 && q >= 10n ** BigInt(places + 1)) e += 1;
      else if (a !== 0 && q < 10n ** BigInt(places)) e -= 1;
      else break;
    }
    var digits = q.toString().padStart(places + 1, "0");
    var mantissa = places ? digits[0] + "." + digits.slice(1) : digits;
    return sign(v) + mantissa + "e" + e;
  }

  function trimZeros(text) {
    return text.indexOf(".") >= 0 ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

  // A number as the report's tables show it: whole numbers in full, else six significant
  // digits, with an exponent below 1e-4 and from 1e9 (the Rust `format::number`).
  function number(v) {
    if (!isFinite(v)) return isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    if (v === Math.trunc(v) && Math.abs(v) < 1e15) return fixed(v, 0);
    var magnitude = Math.floor(Math.log10(Math.abs(v)));
    if (magnitude < -4 || magnitude >= 9) {
      var parts = exponential(v, 5).split("e");
      return trimZeros(parts[0]) + "e" + parts[1];
    }
    return trimZeros(fixed(v, Math.max(5 - magnitude, 0)));
  }

  // Values as the data files write them: numbers, or `nan`, `inf`, `-inf` by name.
  function value(v) {
    return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
  }

  gitExp.format = {
    fixed: fixed, exponential: exponential, trimZeros: trimZeros, number: number, value: value,
  };
})(window.gitExp);
