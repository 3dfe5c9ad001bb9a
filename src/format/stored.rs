//! Number texts as a file stores them, printed again without parsing when they are already what
//! a writer prints: a metric series (docs/FORMAT.md, `metrics/<key>.csv`) holds each step as `i64`
//! displays it, each value as [`super::exact`] writes it and each time as `{:.3}` does, so an
//! export can copy those texts instead of parsing and re-printing every number.
//!
//! Every check decides from the characters alone and answers yes only where the answer is
//! certain; anything else (a hand-edited `1.50`, a value of 17 digits) is left to the caller to
//! parse and print as before. Why the digits are certain: a decimal of at most 15 significant
//! digits reads as the double nearest to it, and no other decimal of at most 15 digits lies in
//! that double's rounding interval (such decimals are at least 10⁻¹⁵ of the value apart, the
//! interval is under 2.3·10⁻¹⁶ of it), so the shortest text of the double, which both `{:?}` and
//! serde_json print, has exactly those digits. Where each writer puts the point and when it uses
//! an exponent is its own rule, spelled out below and checked against the writers in the tests.

/// At most this many significant digits make a text's digits the shortest of its value.
const CERTAIN_DIGITS: usize = 15;

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
    if s.digits > CERTAIN_DIGITS {
        return false;
    }
    match s.exp {
        // `{:?}` writes zero and 1e-4 <= |v| < 1e16 without an exponent (`exact` then drops `.0`).
        None if s.int != b"0" => s.int.len() <= 16,
        None => s.frac.is_empty() || leading_zeros(s.frac) <= 3,
        // Other values as `d.ddde-x`, one digit before the point. Within ±300 the value is far
        // from the subnormals, whose digits are fewer.
        Some(e) => s.int.len() == 1 && s.int != b"0" && (e >= 16 || e <= -5) && (-300..=300).contains(&e),
    }
}

/// Whether `text` is what `{:.3}` prints for the value it reads as: whole digits (at most 12, so
/// the value's error is far under half a thousandth), a point and three decimals.
pub fn is_fixed3(text: &str) -> bool {
    let Some((int, decimals)) = text.split_once('.') else { return false };
    let int = int.as_bytes();
    decimals.len() == 3
        && all_digits(decimals.as_bytes())
        && !int.is_empty()
        && int.len() <= 12
        && all_digits(int)
        && (int.len() == 1 || int[0] != b'0')
}

/// [`super::number`] of the value an [`is_exact`] `text` reads as, when that is `text` itself:
/// names, whole numbers under 10¹⁵, and values of at most six significant digits from 0.001 up
/// to 10⁸ (inside `number`'s range without an exponent, 10⁻⁴ to 10⁹, so its `log10` cannot
/// pick another layout). `None`: parse the value and call `number`.
pub fn number_of_exact(text: &str) -> Option<&str> {
    if is_non_finite(text) {
        return Some(text);
    }
    let s = shape(text)?;
    if s.exp.is_some() {
        return None;
    }
    if s.frac.is_empty() {
        return (s.int.len() <= 15).then_some(text);
    }
    let from_a_thousandth = s.int != b"0" || leading_zeros(s.frac) <= 2;
    (s.digits <= super::SIGNIFICANT && from_a_thousandth && s.int.len() <= 8).then_some(text)
}

/// Appends what serde_json writes for the finite value an [`is_exact`] `text` reads as, when
/// that follows from the text: the same digits, `.0` on whole numbers, `e+` for positive
/// exponents. `false` (for a name, or an exponent of -5, which serde_json writes `0.0000d`)
/// leaves `out` as it was.
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
                if let Some(n) = number_of_exact(text) {
                    assert_eq!(super::super::number(v), n, "number_of_exact({text})");
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
        for text in ["0", "-0", "1", "0.5", "0.895", "-2.5", "123456789012345", "0.0001", "1e-5", "1.5e-7", "1e16"] {
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
            "0.30000000000000004",
            "1e-310",
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
        assert_eq!(number_of_exact("0.1234567"), None, "seven digits: rounded by number()");
        assert_eq!(number_of_exact("1e-6"), None);
    }

    /// Layouts near each writer's switch between plain and exponent notation.
    #[test]
    fn boundaries_of_each_layout() {
        for exp in -310..=310 {
            for mantissa in ["1", "9.99", "1.5", "2.2250738585072", "1.7976931348623", "9.99999999999999"] {
                let v: f64 = format!("{mantissa}e{exp}").parse().unwrap();
                for v in [v, -v] {
                    check(&super::super::exact(v));
                    check(&format!("{v:.3}"));
                    check(&super::super::number(v));
                }
            }
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
