//! Number texts as a file stores them, printed again without parsing when they are already what
//! a writer prints: a metric series (docs/FORMAT.md, `metrics/<key>.csv`) holds each step as `i64`
//! displays it, each value as [`super::exact`] writes it and each time as `{:.3}` does, so an
//! export can copy those texts instead of parsing and re-printing every number.
//!
//! Every check answers yes only where the answer is certain; anything else (a hand-edited `1.50`,
//! a value that is not the shortest text of its double) is left to the caller to parse and print
//! as before. Most checks decide from the characters alone. Why the digits of a short text are
//! certain: a decimal of at most 15 significant digits reads as the double nearest to it, and no
//! other decimal of at most 15 digits lies in that double's rounding interval (such decimals are
//! at least 10⁻¹⁵ of the value apart, the interval is under 2.3·10⁻¹⁶ of it), so the shortest
//! text of the double, which both `{:?}` and serde_json print, has exactly those digits. A text of
//! 16 or 17 digits (a Python or PyTorch loss) may not be the shortest: it is read, and its double
//! printed by `zmij` (serde_json's shortest formatter, several times faster than `{:?}`) must give
//! the same bytes (see [`is_shortest`]). Where each writer puts the point and when it uses an
//! exponent is its own rule, spelled out below and checked against the writers in the tests.

use std::fmt::Write as _;

/// At most this many significant digits make a text's digits the shortest of its value.
const CERTAIN_DIGITS: usize = 15;

/// The shortest text of a double has at most this many significant digits.
const MAX_DIGITS: usize = 17;

/// The parts of a number text in the shape `exact` writes: `-`, integer digits without leading
/// zeros, a fraction without trailing zeros, an exponent without `+` or leading zeros.
struct Shape<'a> {
    int: &'a [u8],
    /// Empty when there is no point.
    frac: &'a [u8],
    exp: Option<i32>,
    /// From the first non-zero digit to the last digit; 0 for zero.
    digits: usize,
}

impl Shape<'_> {
    /// The power of ten of the last digit (`12.5` → -1, `1.5e-7` → -8).
    fn last_digit_exponent(&self) -> i32 {
        // Both under 400 characters here: a longer text has more than 17 digits or no shape.
        self.exp.unwrap_or(0) - i32::try_from(self.frac.len()).unwrap_or(i32::MAX)
    }
}

fn shape(text: &str) -> Option<Shape<'_>> {
    let text = text.as_bytes();
    let body = text.strip_prefix(b"-").unwrap_or(text);
    let (mantissa, exp) = match memchr::memchr(b'e', body) {
        Some(at) => (&body[..at], Some(exponent(&body[at + 1..])?)),
        None => (body, None),
    };
    let (int, frac) = match memchr::memchr(b'.', mantissa) {
        Some(at) => {
            let frac = &mantissa[at + 1..];
            if frac.is_empty() || !all_digits(frac) || frac.ends_with(b"0") {
                return None;
            }
            (&mantissa[..at], frac)
        }
        None => (mantissa, &b""[..]),
    };
    if int.is_empty() || !all_digits(int) || (int.len() > 1 && int[0] == b'0') {
        return None;
    }
    let leading = int.iter().chain(frac).take_while(|&&d| d == b'0').count();
    Some(Shape { int, frac, exp, digits: int.len() + frac.len() - leading })
}

/// `-?[1-9][0-9]{0,2}`: exponents of doubles have at most three digits.
fn exponent(text: &[u8]) -> Option<i32> {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    if digits.is_empty() || digits.len() > 3 || !all_digits(digits) || digits[0] == b'0' {
        return None;
    }
    let n = digits.iter().fold(0, |n, d| n * 10 + i32::from(d - b'0'));
    Some(if digits.len() < text.len() { -n } else { n })
}

fn all_digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

fn leading_zeros(digits: &[u8]) -> usize {
    digits.iter().take_while(|&&d| d == b'0').count()
}

fn is_non_finite(text: &str) -> bool {
    matches!(text, "nan" | "inf" | "-inf")
}

/// Whether `text` is what `i64`'s `Display` prints for the integer it reads as.
pub fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    // 18 digits always fit an i64; "-0" reads as 0, printed "0".
    !digits.is_empty()
        && digits.len() <= 18
        && all_digits(digits)
        && (digits[0] != b'0' || (digits.len() == 1 && digits.len() == text.len()))
}

/// Whether `text` is what [`super::exact`] writes for the value it reads as.
pub fn is_exact(text: &str) -> bool {
    if is_non_finite(text) {
        return true;
    }
    let Some(s) = shape(text) else { return false };
    let in_layout = match s.exp {
        // `{:?}` writes zero and 1e-4 <= |v| < 1e16 without an exponent (`exact` then drops `.0`).
        None if s.int != b"0" => s.int.len() <= 16,
        None => s.frac.is_empty() || leading_zeros(s.frac) <= 3,
        // Other values as `d.ddde-x`, one digit before the point.
        Some(e) => s.int.len() == 1 && s.int != b"0" && (e >= 16 || e <= -5),
    };
    // Within ±300 a short text is far from the subnormals, whose digits are fewer.
    let certain = s.digits <= CERTAIN_DIGITS && s.exp.is_none_or(|e| (-300..=300).contains(&e));
    in_layout && (certain || (s.digits <= MAX_DIGITS && is_shortest(text, &s)))
}

/// Whether `text`, in `{:?}`'s layout for its magnitude, has the digits `{:?}` prints for the
/// double it reads as: that double printed by `zmij` is `text` itself (with `e+` for `e` before a
/// positive exponent, `0.0000d` for `de-5`). Both print the shortest digits that read back, the
/// nearest of them to the double when several are as short. They differ on a tie, a double
/// exactly halfway between the two nearest (`{:?}` rounds up, zmij to even: 2⁴⁹ + 0.25 is
/// `562949953421312.3` and `…312.2`), and nowhere else on 65 million doubles tried (random bits,
/// the 5 million smallest subnormals, 2,000 doubles each side of every power of two, float32
/// values, 1/n), nor in the tests here.
/// A tie is an odd multiple of 10^q / 2 (q: the power of ten of the last digit), that is of
/// 2^(q-1)·5^q, so its lowest bit is worth 2^(q-1): such doubles are left to the caller.
fn is_shortest(text: &str, s: &Shape<'_>) -> bool {
    let Ok(value) = text.parse::<f64>() else { return false };
    if !value.is_finite() || lowest_bit_exponent(value) == s.last_digit_exponent() - 1 {
        return false;
    }
    let mut buf = zmij::Buffer::new();
    let printed = buf.format_finite(value).as_bytes();
    let text = text.as_bytes();
    match s.exp {
        // zmij writes 1e-5 <= |v| < 1e-4 without an exponent: `-0.0000` and the digits.
        Some(-5) => {
            let sign = usize::from(text.first() == Some(&b'-'));
            let digits = 1 + s.frac.len();
            printed.len() == sign + 6 + digits
                && printed[..sign] == text[..sign]
                && printed[sign..sign + 6] == *b"0.0000"
                && printed[sign + 6..sign + 7] == *s.int
                && printed[sign + 7..] == *s.frac
        }
        Some(e) if e > 0 => {
            let at = text.len() - text.iter().rev().take_while(|&&b| b != b'e').count();
            // `text[..at]` ends with the `e`: the same mantissa, then `+` and the same exponent.
            printed.len() == text.len() + 1
                && printed[..at] == text[..at]
                && printed[at] == b'+'
                && printed[at + 1..] == text[at..]
        }
        _ => printed == text,
    }
}

/// The power of two of the lowest bit set in a finite non-zero double (`0.75` → -2).
fn lowest_bit_exponent(value: f64) -> i32 {
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // Subnormals have no implicit bit and the exponent of the smallest normal.
    let (mantissa, exp) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    exp + mantissa.trailing_zeros() as i32
}

/// Whether `text` is what `{:.3}` prints for the value it reads as: whole digits (at most 12, so
/// the value's error is far under half a thousandth), a point and three decimals.
pub fn is_fixed3(text: &str) -> bool {
    let t = text.as_bytes();
    let Some(int_len) = t.len().checked_sub(4) else { return false };
    let (int, decimals) = t.split_at(int_len);
    decimals[0] == b'.'
        && all_digits(&decimals[1..])
        && !int.is_empty()
        && int.len() <= 12
        && all_digits(int)
        && (int.len() == 1 || int[0] != b'0')
}

/// How [`number_of_exact`] found [`super::number`] of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// It is the text itself.
    Same,
    /// The text rounded, written into the caller's buffer.
    Rounded,
}

/// [`super::number`] of the value an [`is_exact`] `text` reads as, from the text alone. It is
/// `text` itself for names, whole numbers under 10¹⁵ and values of at most six significant
/// digits from 0.001 up to 10⁸ (inside `number`'s range without an exponent, 10⁻⁴ to 10⁹, so its
/// `log10` cannot pick another layout) or with an exponent. A value of more digits in those
/// ranges is rounded from its text into `out` (see [`rounded`]). `None` (`out` as it was): parse
/// the value and call `number`.
pub fn number_of_exact(text: &str, out: &mut String) -> Option<Number> {
    if is_non_finite(text) {
        return Some(Number::Same);
    }
    let s = shape(text)?;
    let in_range = match s.exp {
        // `number` writes values under 10⁻⁴ or of 10⁹ and more as `{:.5e}` without trailing
        // zeros. Away from the subnormals, whose text may be far from the double.
        Some(e) => (-300..=300).contains(&e),
        None if s.frac.is_empty() => return (s.int.len() <= 15).then_some(Number::Same),
        None => from_a_thousandth(&s) && s.int.len() <= 8,
    };
    if !in_range {
        return None;
    }
    if s.digits <= super::SIGNIFICANT {
        return Some(Number::Same);
    }
    // Near a power of ten (9.999…e-5), `number`'s `log10` may round to it and pick its layout.
    (!near_a_power(&s) && rounded(text, &s, out)).then_some(Number::Rounded)
}

/// Whether the first ten significant digits are all `9`, or `1` and nine `0`: `number`'s `log10`
/// of such a value may round to the power of ten it is near. (Six digits are never that near.)
fn near_a_power(s: &Shape<'_>) -> bool {
    let significant = || s.int.iter().chain(s.frac).skip_while(|&&d| d == b'0').take(10);
    significant().all(|&d| d == b'9') || significant().enumerate().all(|(n, &d)| d == if n == 0 { b'1' } else { b'0' })
}

fn from_a_thousandth(s: &Shape<'_>) -> bool {
    s.int != b"0" || leading_zeros(s.frac) <= 2
}

/// `number`'s `{:.d$}` of a value of more than six digits (d = 5 − its power of ten, at least 0),
/// or `{:.5e}` of one with an exponent, without trailing zeros, rounded from its text, which is
/// the shortest of the double: the text is within half the double's spacing (under 2.3·10⁻¹⁶ of
/// it, for a normal double) of the double, far less than the thousandth of the last kept digit's
/// unit by which the dropped digits must differ from a half (`499`, `500` leave it to `number`,
/// and so no tie of the double is decided here), so both round the same way. The value is not
/// whole (an exact text of a whole number under 10¹⁶ has no point), so `number` does not print it
/// whole.
fn rounded(text: &str, s: &Shape<'_>, out: &mut String) -> bool {
    // Decimals kept: the mantissa's five, or five less the power of ten of the first digit.
    let decimals = match s.exp {
        Some(_) => super::SIGNIFICANT - 1,
        None => {
            let power = if s.int != b"0" { s.int.len() as i32 - 1 } else { -(leading_zeros(s.frac) as i32) - 1 };
            usize::try_from(super::SIGNIFICANT as i32 - 1 - power).unwrap_or(0)
        }
    };
    let (kept, dropped) = s.frac.split_at(decimals.min(s.frac.len()));
    if dropped.is_empty() {
        return false;
    }
    let mut next = [b'0'; 3];
    next.iter_mut().zip(dropped).for_each(|(to, from)| *to = *from);
    if matches!(&next, b"499" | b"500") {
        return false;
    }
    // At most 8 whole digits and 8 decimals, and a digit carried in front: no allocation.
    let mut buf = [b'0'; 17];
    let len = s.int.len() + kept.len();
    let Some(digits) = buf.get_mut(1..=len) else { return false };
    digits[..s.int.len()].copy_from_slice(s.int);
    digits[s.int.len()..].copy_from_slice(kept);
    let carried = next[0] >= b'5' && !increment(digits);
    let mut exp = s.exp;
    let (int, frac): (&[u8], &[u8]) = match (carried, &mut exp) {
        // 9.99999…e-7 → 1.00000e-6: one whole digit again, the exponent one up.
        (true, Some(e)) => {
            *e += 1;
            (b"1", &buf[1..1 + kept.len()])
        }
        (true, None) => {
            buf[0] = b'1';
            buf[..=len].split_at(len + 1 - kept.len())
        }
        (false, _) => buf[1..=len].split_at(len - kept.len()),
    };
    out.clear();
    if text.starts_with('-') {
        out.push('-');
    }
    out.extend(int.iter().map(|&d| char::from(d)));
    let frac = &frac[..frac.len() - frac.iter().rev().take_while(|&&d| d == b'0').count()];
    if !frac.is_empty() {
        out.push('.');
        out.extend(frac.iter().map(|&d| char::from(d)));
    }
    match exp {
        Some(e) if carried => write!(out, "e{e}").is_ok(),
        // The text's own exponent, as `{:e}` writes it (no `+`, no leading zeros).
        Some(_) => match text.rfind('e') {
            Some(at) => {
                out.push_str(&text[at..]);
                true
            }
            None => false,
        },
        None => true,
    }
}

/// Adds one to the last of `digits`, carrying; `false` when it carries out of the first.
fn increment(digits: &mut [u8]) -> bool {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return true;
        }
    }
    false
}

/// Appends what serde_json writes for the finite value an [`is_exact`] `text` reads as, when
/// that follows from the text: the same digits, `.0` on whole numbers, `e+` for positive
/// exponents, `0.0000d` for an exponent of -5. `false` (for a name) leaves `out` as it was.
pub fn json_of_exact(text: &str, out: &mut Vec<u8>) -> bool {
    if is_non_finite(text) {
        return false;
    }
    let Some(s) = shape(text) else { return false };
    match s.exp {
        // serde_json writes 1e-5 <= |v| < 1e16 without an exponent, whole numbers with `.0`.
        None => {
            out.extend_from_slice(text.as_bytes());
            if s.frac.is_empty() {
                out.extend_from_slice(b".0");
            }
            true
        }
        Some(e) if e >= 16 => match text.split_once('e') {
            Some((mantissa, exponent)) => {
                out.extend_from_slice(mantissa.as_bytes());
                out.extend_from_slice(b"e+");
                out.extend_from_slice(exponent.as_bytes());
                true
            }
            None => false,
        },
        Some(e) if e <= -6 => {
            out.extend_from_slice(text.as_bytes());
            true
        }
        // 1e-5 <= |v| < 1e-4: `0.0000` and the digits.
        Some(-5) if s.int.len() == 1 => {
            if text.starts_with('-') {
                out.push(b'-');
            }
            out.extend_from_slice(b"0.0000");
            out.extend_from_slice(s.int);
            out.extend_from_slice(s.frac);
            true
        }
        Some(_) => false,
    }
}

/// Appends what serde_json writes for the value an [`is_fixed3`] `text` reads as: the same
/// digits without trailing zeros, `.0` when none is left (`12.500` → `12.5`, `3.000` → `3.0`).
pub fn json_of_fixed3(text: &str, out: &mut Vec<u8>) {
    let trimmed = text.trim_end_matches('0');
    out.extend_from_slice(trimmed.as_bytes());
    if trimmed.ends_with('.') {
        out.push(b'0');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference_json(v: f64) -> String {
        serde_json::to_string(&v).expect("a finite f64 serialises")
    }

    /// Every check against the writer it stands for, on one text: yes only when it is right.
    fn check(text: &str) {
        if let Ok(v) = text.parse::<f64>().or_else(|e| match text {
            "nan" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(e),
        }) {
            if is_exact(text) {
                assert_eq!(super::super::exact(v), text, "is_exact({text})");
                let mut rounded = String::from("left over");
                match number_of_exact(text, &mut rounded) {
                    Some(Number::Same) => assert_eq!(super::super::number(v), text, "number_of_exact({text})"),
                    Some(Number::Rounded) => assert_eq!(super::super::number(v), rounded, "rounded({text})"),
                    None => assert_eq!(rounded, "left over", "number_of_exact({text}) said no"),
                }
                let mut json = Vec::new();
                if json_of_exact(text, &mut json) {
                    assert_eq!(String::from_utf8(json).unwrap(), reference_json(v), "json_of_exact({text})");
                }
            }
            if is_fixed3(text) {
                assert_eq!(format!("{v:.3}"), text, "is_fixed3({text})");
                let mut json = Vec::new();
                json_of_fixed3(text, &mut json);
                assert_eq!(String::from_utf8(json).unwrap(), reference_json(v), "json_of_fixed3({text})");
            }
        } else {
            assert!(!is_exact(text) && !is_fixed3(text), "{text} does not even parse");
        }
        if let Ok(n) = text.parse::<i64>() {
            if is_integer(text) {
                assert_eq!(n.to_string(), text);
            }
        } else {
            assert!(!is_integer(text), "{text}");
        }
    }

    #[test]
    fn texts_git_exp_writes_are_recognised() {
        for text in [
            "0",
            "-0",
            "1",
            "0.5",
            "0.895",
            "-2.5",
            "123456789012345",
            "0.0001",
            "1e-5",
            "1.5e-7",
            "1e16",
            // Not certain from the characters: checked by reading and printing again.
            "0.30000000000000004",
            "1e-310",
            "5e-324",
            "0.3333333333333333",
            "1.2345678901234568e17",
            "-2.2250738585072014e-308",
        ] {
            assert!(is_exact(text), "{text}");
            check(text);
        }
        for text in ["0.000", "1795463121.655", "12.500", "999999999999.999"] {
            assert!(is_fixed3(text), "{text}");
            check(text);
        }
        for text in ["0", "-1", "42", "999999999999999999"] {
            assert!(is_integer(text), "{text}");
        }
    }

    #[test]
    fn other_spellings_are_left_to_parsing() {
        let not_exact = [
            "",
            "-",
            ".5",
            "1.",
            "1.50",
            "01",
            "+1",
            "1E5",
            "1e05",
            "1e+16",
            "0.00001",
            "1e15",
            "1e-4",
            "1e400",
            "1_0",
            " 1",
            "1 ",
            "0x10",
            "NaN",
            "Infinity",
            "0.0",
            "10000000000000000",
        ];
        for text in not_exact {
            assert!(!is_exact(text), "{text}");
            check(text);
        }
        for text in ["1.5", "1.5000", "-1.000", "01.000", "1000000000000.000", ".000", "1,000.000", "1.0e3"] {
            assert!(!is_fixed3(text), "{text}");
        }
        for text in ["-0", "00", "+1", "1.0", "9999999999999999999", ""] {
            assert!(!is_integer(text), "{text}");
        }
        let mut out = String::new();
        assert_eq!(number_of_exact("0.1234567", &mut out), Some(Number::Rounded), "seven digits: rounded");
        assert_eq!(out, "0.123457");
        assert_eq!(number_of_exact("1e-6", &mut out), Some(Number::Same));
        assert_eq!(number_of_exact("1e-310", &mut out), None, "subnormal");
        assert_eq!(number_of_exact("0.001", &mut out), Some(Number::Same));
        assert_eq!(number_of_exact("1234567890.5", &mut out), None, "number() writes an exponent");
    }

    /// Layouts near each writer's switch between plain and exponent notation.
    #[test]
    fn boundaries_of_each_layout() {
        for exp in -310..=310 {
            for mantissa in [
                "1",
                "9.99",
                "1.5",
                "2.2250738585072",
                "1.7976931348623",
                "9.99999999999999",
                "1.2345678901234567",
                "9.9999999999999991",
                "4.9406564584124654",
            ] {
                let v: f64 = format!("{mantissa}e{exp}").parse().unwrap();
                for v in [v, -v] {
                    check(&super::super::exact(v));
                    check(&zmij_text(v));
                    check(&format!("{mantissa}e{exp}"));
                    check(&format!("{v:.3}"));
                    check(&super::super::number(v));
                }
            }
        }
    }

    /// A double as zmij prints it in `{:?}`'s layout (`e` without `+`): the digits of serde_json.
    fn zmij_text(v: f64) -> String {
        let text = zmij::Buffer::new().format_finite(v).replace("e+", "e");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    }

    /// Doubles exactly halfway between the two nearest shortest decimals: `{:?}` rounds up, zmij
    /// to even, so the text zmij prints is not what `exact` writes and must not be copied.
    #[test]
    fn ties_are_left_to_parsing() {
        let mut ties = 0;
        for base in [2f64.powi(49), 2f64.powi(50), 2f64.powi(46), 1.0, 0.5, 3.0e-3] {
            for n in 0..20_000u64 {
                for v in [base + n as f64 * 0.25, base * (1.0 + n as f64 * 2f64.powi(-30)), (n as f32 * 1.1e-3) as f64]
                {
                    let (std, zmij) = (super::super::exact(v), zmij_text(v));
                    if std != zmij {
                        ties += 1;
                        assert!(!is_exact(&zmij), "{zmij}, printed {std}");
                    }
                    check(&std);
                    check(&zmij);
                    check(&(-v).to_string());
                }
            }
        }
        assert!(ties > 1000, "the cases hold ties: {ties}");
        assert_eq!(super::super::exact(2f64.powi(49) + 0.25), "562949953421312.3");
        assert!(!is_exact("562949953421312.2"));
        // A tie printed by `{:?}` is not copied either (the check cannot tell it from zmij's).
        assert!(!is_exact("562949953421312.3"));
    }

    /// The values of real losses, 16 and 17 digits: copied, and their table text rounded right.
    #[test]
    fn seventeen_digit_values_are_recognised() {
        let mut copied = 0;
        let mut rounded = 0;
        for i in 0..200_000u64 {
            let v = 1.0 / (i as f64 + 1.0);
            let text = super::super::exact(v);
            check(&text);
            copied += usize::from(is_exact(&text));
            rounded += usize::from(number_of_exact(&text, &mut String::new()) == Some(Number::Rounded));
            // What other tools write for the same double: 17 digits, not always the shortest.
            check(&format!("{v:.16e}"));
            check(&format!("{v:.17}"));
            check(&format!("{:.16}", v * 1e3));
        }
        assert_eq!(copied, 200_000);
        assert!(rounded > 190_000, "{rounded}");
    }

    #[test]
    fn numbers_rounded_near_their_limits() {
        for text in [
            "0.99999996123456789",
            "9.9999996123456789",
            "99999999.612345678",
            "0.0009999996123456",
            "0.001000000612345678",
            "0.0012345649999999",
            "0.0012345650000001",
            "1.2345650000000001",
            "1.2345649999999999",
            "12345678.499999999",
            "12345678.500000001",
            "1234567.8999999999",
            "-3.1415926535897931",
            "-0.0012345678901234",
            "0.30000000000000004",
            "0.1234567",
            "1.000000000000001",
            "9.999999999999998",
            "9.9999996123456789e-7",
            "-9.9999996123456789e-7",
            "9.9999999999999e-5",
            "9.99999999e-5",
            "1.2345650000000001e-9",
            "1.2345678901234567e20",
            "1.0000000000000001e-5",
            "4.9406564584124654e-324",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
        ] {
            check(text);
        }
        let mut out = String::new();
        for (text, number) in [
            ("9.9999996123456789e-7", "1e-6"),
            ("0.99999996123456789", "1"),
            ("-0.0012345678901234", "-0.00123457"),
            ("1.2345678901234567e20", "1.23457e20"),
            ("99999996.123456789", "99999996"),
        ] {
            assert_eq!(number_of_exact(text, &mut out), Some(Number::Rounded), "{text}");
            assert_eq!(out, number, "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Any double as git-exp writes it: where the checks say yes, the writers agree.
        #[test]
        fn any_double(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            check(&super::super::exact(v));
            check(&format!("{v:.3}"));
        }

        /// Doubles of 16 and 17 digits as Python prints them (`random()`, float32 losses) and as
        /// zmij prints them (a tie differs from `{:?}`), and subnormals.
        #[test]
        fn long_doubles(mantissa in 0u64..1 << 53, float32 in any::<u32>(), subnormal in 1u64..1 << 52, scale in -30i32..30) {
            let unit = mantissa as f64 * 2f64.powi(-53);
            for v in [unit, unit * 10f64.powi(scale), f64::from(f32::from_bits(float32)), f64::from_bits(subnormal)] {
                check(&super::super::exact(v));
                if v.is_finite() {
                    check(&zmij_text(v));
                }
                check(&format!("{v:.16e}"));
            }
        }

        /// Short decimals, the common case (awk, rounded losses), at every scale.
        #[test]
        fn short_decimals(digits in 0u64..10_000_000, scale in -25i32..25, negative in any::<bool>()) {
            let v = digits as f64 * 10f64.powi(scale) * if negative { -1.0 } else { 1.0 };
            check(&super::super::exact(v));
            check(&format!("{v:.3}"));
            check(&format!("{v}"));
        }

        /// Arbitrary texts of number characters: never a wrong yes.
        #[test]
        fn number_like_texts(text in "-?[0-9]{0,20}(\\.[0-9]{0,20})?(e-?[0-9]{1,4})?") {
            check(&text);
        }
    }
}
