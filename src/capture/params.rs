//! Run params: typed `-p KEY=VALUE`, `--params-file`, and `{name}` substitution in commands.

use std::collections::BTreeMap;
use std::path::Path;

use super::shell;
use crate::ui::UsageError;

pub type Params = BTreeMap<String, toml::Value>;

/// Parses `KEY=VALUE` into a typed param: integer, float, bool, else string. Quotes force a
/// string (`-p tag='"1"'`).
pub fn parse_assignment(text: &str) -> Result<(String, toml::Value), UsageError> {
    let Some((key, raw)) = text.split_once('=') else {
        return Err(UsageError::with_hint(
            format!("`-p {text}` is not a param: expected KEY=VALUE"),
            "for example `-p lr=0.1` or `-p optimizer=adam`",
        ));
    };
    let key = key.trim();
    if !valid_key(key) {
        return Err(UsageError::new(format!(
            "`{key}` is not a valid param name: use letters, digits, `_`, `-`, and `.` between parts"
        )));
    }
    Ok((key.to_owned(), typed_value(raw)))
}

/// A `-p` value: one value, or a grid of values to sweep over (`-p lr=[0.1,0.01]`).
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    One(toml::Value),
    Grid(Vec<toml::Value>),
}

/// Parses `KEY=VALUE` or `KEY=[V1,V2,…]` (a sweep grid; each value typed on its own).
pub fn parse_sweep_assignment(text: &str) -> Result<(String, Assignment), UsageError> {
    let (key, value) = parse_assignment(text)?;
    let raw = text.split_once('=').map_or("", |(_, v)| v.trim());
    let Some(inner) = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
        return Ok((key, Assignment::One(value)));
    };
    let values: Vec<toml::Value> = inner.split(',').map(str::trim).filter(|v| !v.is_empty()).map(typed_value).collect();
    if values.is_empty() {
        return Err(UsageError::new(format!("`-p {text}`: a sweep needs at least one value between [ and ]")));
    }
    Ok((key, Assignment::Grid(values)))
}

/// A param to sweep over and its values.
pub type Grid = (String, Vec<toml::Value>);

/// The cross product of the grids, each combination on top of `base`, in the order the grids
/// were given (the last one varies fastest).
pub fn expand_grid(base: &Params, grids: &[Grid]) -> Vec<Params> {
    let mut combos = vec![base.clone()];
    for (key, values) in grids {
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                values.iter().map(move |value| {
                    let mut next = combo.clone();
                    insert(&mut next, key, value.clone());
                    next
                })
            })
            .collect();
    }
    combos
}

/// Reads a value the way a user means it on the command line.
pub fn typed_value(raw: &str) -> toml::Value {
    let trimmed = raw.trim();
    if let Some(inner) = trimmed.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return toml::Value::String(inner.to_owned());
    }
    match trimmed {
        "true" => return toml::Value::Boolean(true),
        "false" => return toml::Value::Boolean(false),
        _ => {}
    }
    if let Ok(i) = trimmed.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    // Only plain decimal numbers become floats: `nan`, `inf` or `1e` stay strings.
    let numeric = trimmed.chars().any(|c| c.is_ascii_digit())
        && trimmed.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    if numeric && let Ok(f) = trimmed.parse::<f64>() {
        return toml::Value::Float(f);
    }
    toml::Value::String(raw.to_owned())
}

pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// Sets `key` (dotted for nesting) in `params`.
pub fn insert(params: &mut Params, key: &str, value: toml::Value) {
    match key.split_once('.') {
        None => {
            params.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = params.entry(head.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(table) = entry {
                insert_table(table, rest, value);
            }
        }
    }
}

fn insert_table(table: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        None => {
            table.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = table.entry(head.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(next) = entry {
                insert_table(next, rest, value);
            }
        }
    }
}

/// Reads params from a YAML, TOML or JSON file, chosen by its extension.
pub fn read_params_file(path: &Path) -> Result<Params, UsageError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError::new(format!("cannot read params file `{shown}`: {e}")))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let value: toml::Value = match ext.as_str() {
        "toml" => toml::from_str::<toml::Table>(&text)
            .map(toml::Value::Table)
            .map_err(|e| UsageError::new(format!("params file `{shown}`: {}", e.message())))?,
        "json" => {
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                UsageError::new(format!("params file `{shown}`: line {}, column {}: {e}", e.line(), e.column()))
            })?;
            from_json(&json)
        }
        "yaml" | "yml" => {
            let json: serde_json::Value =
                serde_norway::from_str(&text).map_err(|e| UsageError::new(format!("params file `{shown}`: {e}")))?;
            from_json(&json)
        }
        _ => {
            return Err(UsageError::new(format!("params file `{shown}`: expected a .yaml, .yml, .toml or .json file")));
        }
    };
    match value {
        toml::Value::Table(table) => Ok(table.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        _ => Err(UsageError::new(format!("params file `{shown}`: the top level must be a mapping of names to values"))),
    }
}

/// Converts JSON/YAML data to TOML values; `null` becomes the empty string (TOML has no null).
pub fn from_json(json: &serde_json::Value) -> toml::Value {
    match json {
        serde_json::Value::Null => toml::Value::String(String::new()),
        serde_json::Value::Bool(b) => toml::Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => toml::Value::String(s.clone()),
        serde_json::Value::Array(items) => toml::Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            toml::Value::Table(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// TOML datetimes become strings, so params stay plain data everywhere.
fn normalize(value: toml::Value) -> toml::Value {
    match value {
        toml::Value::Datetime(dt) => toml::Value::String(dt.to_string()),
        toml::Value::Array(items) => toml::Value::Array(items.into_iter().map(normalize).collect()),
        toml::Value::Table(t) => toml::Value::Table(t.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

/// Looks up a dotted key.
pub fn lookup<'a>(params: &'a Params, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut value = params.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// Replaces `{name}` in each word of `command` with the param's value; `{{` and `}}` are literal
/// braces. An unknown name is an error naming it: a typo (`{lrr}`) must not run silently.
///
/// Words reach the program as they are, with no shell between; but in the script of
/// `sh -c SCRIPT` each value is quoted for that shell (see [`shell`](super::shell)).
pub fn substitute(command: &[String], params: &Params) -> Result<Vec<String>, UsageError> {
    let script = shell::script_index(command);
    command.iter().enumerate().map(|(i, word)| substitute_word(word, params, Some(i) == script)).collect()
}

fn substitute_word(word: &str, params: &Params, in_shell: bool) -> Result<String, UsageError> {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            return Ok(out);
        };
        let name = &tail[1..end];
        // A `{` before the placeholder's own (`'{"lr": {lr}}'`, JSON in a shell word) is a stray
        // brace: keep it and look for placeholders after it.
        if name.contains('{') {
            out.push('{');
            rest = &tail[1..];
            continue;
        }
        // Things like `{}` or `{ x }` in a command (shell, awk) are not placeholders.
        if !valid_key(name) {
            out.push_str(&tail[..=end]);
        } else {
            let value = lookup(params, name).ok_or_else(|| {
                let known: Vec<&str> = params.keys().map(String::as_str).collect();
                UsageError::with_hint(
                    format!("the command uses `{{{name}}}` but there is no param `{name}`"),
                    if known.is_empty() {
                        "set it with `-p {name}=VALUE`".replace("{name}", name)
                    } else {
                        format!("known params: {}", known.join(", "))
                    },
                )
            })?;
            let text = crate::store::view::display_value(value);
            if in_shell {
                let quoted = shell::quote_in(shell::context_after(&out), &text).map_err(|_| {
                    UsageError::new(format!("param `{name}` holds a NUL byte, which cannot be passed to a shell"))
                })?;
                out.push_str(&quoted);
            } else {
                out.push_str(&text);
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values() {
        assert_eq!(typed_value("3"), toml::Value::Integer(3));
        assert_eq!(typed_value("0.1"), toml::Value::Float(0.1));
        assert_eq!(typed_value("1e-3"), toml::Value::Float(0.001));
        assert_eq!(typed_value("true"), toml::Value::Boolean(true));
        assert_eq!(typed_value("adam"), toml::Value::String("adam".into()));
        assert_eq!(typed_value("\"3\""), toml::Value::String("3".into()));
        assert_eq!(typed_value("nan"), toml::Value::String("nan".into()));
    }

    #[test]
    fn assignment_errors_name_the_input() {
        assert_eq!(parse_assignment("lr").unwrap_err().message, "`-p lr` is not a param: expected KEY=VALUE");
        assert!(parse_assignment("a..b=1").unwrap_err().message.contains("`a..b`"));
        assert_eq!(parse_assignment("opt.lr=0.5").unwrap(), ("opt.lr".into(), toml::Value::Float(0.5)));
    }

    #[test]
    fn grids_expand_to_the_cross_product() {
        let (key, grid) = parse_sweep_assignment("lr=[0.1, 0.01,1e-3]").unwrap();
        assert_eq!(key, "lr");
        let Assignment::Grid(lrs) = grid else { panic!("a grid") };
        let (_, one) = parse_sweep_assignment("epochs=5").unwrap();
        assert_eq!(one, Assignment::One(toml::Value::Integer(5)));
        let mut base = Params::new();
        insert(&mut base, "seed", toml::Value::Integer(1));
        let bs = vec![toml::Value::Integer(32), toml::Value::Integer(64)];
        let combos = expand_grid(&base, &[("lr".into(), lrs), ("bs".into(), bs)]);
        let shown: Vec<String> = combos.iter().map(|p| format!("{}/{}/{}", p["lr"], p["bs"], p["seed"])).collect();
        assert_eq!(shown, ["0.1/32/1", "0.1/64/1", "0.01/32/1", "0.01/64/1", "0.001/32/1", "0.001/64/1"]);
        assert!(parse_sweep_assignment("lr=[]").is_err());
    }

    #[test]
    fn nested_insert_and_lookup() {
        let mut params = Params::new();
        insert(&mut params, "opt.lr", toml::Value::Float(0.5));
        insert(&mut params, "opt.name", toml::Value::String("sgd".into()));
        assert_eq!(lookup(&params, "opt.lr"), Some(&toml::Value::Float(0.5)));
        assert_eq!(lookup(&params, "opt.name").map(crate::store::view::display_value), Some("sgd".into()));
    }

    #[test]
    fn substitution() {
        let mut params = Params::new();
        insert(&mut params, "lr", toml::Value::Float(0.1));
        insert(&mut params, "epochs", toml::Value::Integer(3));
        let cmd =
            ["python", "t.py", "--lr={lr}", "{epochs}", "{{lr}}", "awk {{print}}", "{}", "{ x }"].map(String::from);
        let expected = ["python", "t.py", "--lr=0.1", "3", "{lr}", "awk {print}", "{}", "{ x }"].map(String::from);
        assert_eq!(substitute(&cmd, &params).unwrap(), expected);
        let err = substitute(&["{missing}".to_owned()], &params).unwrap_err();
        assert_eq!(err.message, "the command uses `{missing}` but there is no param `missing`");
    }

    #[test]
    fn values_in_a_shell_script_are_quoted_for_it() {
        let mut params = Params::new();
        insert(&mut params, "x", toml::Value::String("'; touch pwned #".into()));
        insert(&mut params, "n", toml::Value::Integer(3));
        let cmd = ["sh", "-c", "echo {x} \"{x}\" '{x}' {n}", "{x}"].map(String::from);
        let words = substitute(&cmd, &params).unwrap();
        // The script is quoted; `$0` after it is an argument, passed as it is.
        assert_eq!(words[2], "echo \"'; touch pwned #\" \"\"\"'; touch pwned #\"\"\" ''\"'; touch pwned #\"'' 3");
        assert_eq!(words[3], "'; touch pwned #");
        // Read back by a POSIX splitter, each placeholder is one word holding the value.
        let split = shlex::split(&words[2]).unwrap();
        assert_eq!(split, ["echo", "'; touch pwned #", "'; touch pwned #", "'; touch pwned #", "3"]);
        // Without a shell nothing is quoted.
        let plain = substitute(&["python3".to_owned(), "-c".to_owned(), "{x}".to_owned()], &params).unwrap();
        assert_eq!(plain[2], "'; touch pwned #");
    }

    #[test]
    fn placeholders_after_a_stray_brace_are_substituted() {
        let mut params = Params::new();
        insert(&mut params, "lr", toml::Value::Float(0.1));
        let cmd = [r#"{"lr": {lr}}"#, "{ {lr}", "{a {b {lr}"].map(String::from);
        let expected = [r#"{"lr": 0.1}"#, "{ 0.1", "{a {b 0.1"].map(String::from);
        assert_eq!(substitute(&cmd, &params).unwrap(), expected);
        let err = substitute(&[r#"{"x": {lrr}}"#.to_owned()], &params).unwrap_err();
        assert_eq!(err.message, "the command uses `{lrr}` but there is no param `lrr`");
    }
}
