//! How record values read for people: nested params as dotted keys, param values as a user would
//! type them. Shared by `show`, `run`, `report` and param checks, so every view agrees.

/// Flattens nested params into dotted keys: top-level keys sorted, nested keys in the order the
/// table keeps them (as written).
#[must_use]
pub fn flatten(params: &std::collections::BTreeMap<String, toml::Value>) -> Vec<(String, &toml::Value)> {
    fn walk<'a>(prefix: &str, value: &'a toml::Value, out: &mut Vec<(String, &'a toml::Value)>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            other => out.push((prefix.to_owned(), other)),
        }
    }
    let mut out = Vec::new();
    for (k, v) in params {
        walk(k, v, &mut out);
    }
    out
}

/// Shows a param value as a user would type it.
#[must_use]
pub fn display_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Float(f) => format_float(*f),
        other => other.to_string(),
    }
}

/// Formats a float briefly but exactly (`0.1`, `1e-05`, `3.0`).
#[must_use]
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else if f == f.trunc() && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_display() {
        assert_eq!(format_float(3.0), "3.0");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(1e-5), "0.00001");
    }

    #[test]
    fn nested_params_flatten_to_dotted_keys() {
        let params: std::collections::BTreeMap<String, toml::Value> =
            toml::from_str("lr = 0.1\n[opt]\nname = \"sgd\"\nbeta = 1.0\n").expect("valid toml literal");
        let flat: Vec<(String, String)> = flatten(&params).into_iter().map(|(k, v)| (k, display_value(v))).collect();
        assert_eq!(
            flat,
            [("lr".into(), "0.1".into()), ("opt.name".into(), "sgd".into()), ("opt.beta".into(), "1.0".into())]
        );
    }
}
