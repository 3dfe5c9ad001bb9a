//! Entry points: `[entry.<name>]` in exp.toml names a command with typed, defaulted, validated
//! params, so `git exp run train -p lr=0.1` needs no `--` command line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use super::params::{self, Params};
use crate::store::view;
use crate::ui::UsageError;

/// One `[entry.<name>]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A command line (split as a POSIX shell would) or a list of words.
    pub command: Command,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
    /// For people reading exp.toml; accepted and not used.
    #[serde(default, rename = "description")]
    _description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Command {
    Line(String),
    Words(Vec<String>),
}

/// The type, default and limits of one param.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type", default)]
    pub kind: Kind,
    /// Without a default the param is required.
    #[serde(default)]
    pub default: Option<toml::Value>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub choices: Option<Vec<toml::Value>>,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Float,
    Int,
    Bool,
    #[default]
    #[serde(alias = "string")]
    Str,
    Path,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Float => "float",
            Kind::Int => "int",
            Kind::Bool => "bool",
            Kind::Str => "str",
            Kind::Path => "path",
        }
    }
}

impl Entry {
    /// The command's words, `{param}` placeholders not yet replaced.
    pub fn template(&self, name: &str) -> Result<Vec<String>, UsageError> {
        match &self.command {
            Command::Words(words) => Ok(words.clone()),
            Command::Line(line) => shlex::split(line).filter(|w| !w.is_empty()).ok_or_else(|| {
                UsageError::new(format!("entry `{name}`: cannot split the command `{line}` into words"))
            }),
        }
    }

    /// Returns the full, validated params: `given` checked against the specs, defaults filled in.
    /// Every problem is reported at once, with the entry's param table as a hint.
    pub fn resolve_params(&self, name: &str, given: &Params) -> Result<Params, UsageError> {
        let mut problems = Vec::new();
        let mut out = Params::new();
        for (key, value) in flatten(given) {
            match self.params.get(&key) {
                None => problems.push(format!("entry `{name}` has no param `{key}`")),
                Some(spec) => match spec.check(&key, &value) {
                    Ok(value) => params::insert(&mut out, &key, value),
                    Err(problem) => problems.push(problem),
                },
            }
        }
        for (key, spec) in &self.params {
            if params::lookup(&out, key).is_some() {
                continue;
            }
            match &spec.default {
                Some(default) => match spec.check(key, default) {
                    Ok(value) => params::insert(&mut out, key, value),
                    Err(problem) => problems.push(format!("exp.toml: default of {problem}")),
                },
                None => problems.push(format!("entry `{name}` needs param `{key}` (-p {key}=…)")),
            }
        }
        if problems.is_empty() {
            return Ok(out);
        }
        Err(UsageError::with_hint(problems.join("; "), self.table(name)))
    }

    /// The entry's params as a small table, for error messages.
    pub fn table(&self, name: &str) -> String {
        let mut text = format!("params of entry `{name}`:");
        let width = self.params.keys().map(String::len).max().unwrap_or(0);
        for (key, spec) in &self.params {
            let _ = write!(text, "\n  {key:<width$}  {:<5}", spec.kind.name());
            match &spec.default {
                Some(d) => {
                    let _ = write!(text, "  default {}", view::display_value(d));
                }
                None => text.push_str("  required"),
            }
            if let Some(min) = spec.min {
                let _ = write!(text, "  min {}", view::format_float(min).trim_end_matches(".0"));
            }
            if let Some(max) = spec.max {
                let _ = write!(text, "  max {}", view::format_float(max).trim_end_matches(".0"));
            }
            if let Some(choices) = &spec.choices {
                let shown: Vec<String> = choices.iter().map(view::display_value).collect();
                let _ = write!(text, "  one of {}", shown.join(", "));
            }
            if let Some(help) = &spec.help {
                let _ = write!(text, "  ({help})");
            }
        }
        text
    }
}

impl ParamSpec {
    /// Converts `value` to this param's type and checks its limits.
    fn check(&self, key: &str, value: &toml::Value) -> Result<toml::Value, String> {
        let wrong = |what: &str| format!("param `{key}` must be {what}, not `{}`", view::display_value(value));
        let typed = match (self.kind, value) {
            (Kind::Float, toml::Value::Float(_)) => value.clone(),
            (Kind::Float, toml::Value::Integer(i)) => toml::Value::Float(*i as f64),
            (Kind::Float, _) => return Err(wrong("a float")),
            (Kind::Int, toml::Value::Integer(_)) => value.clone(),
            (Kind::Int, _) => return Err(wrong("an int")),
            (Kind::Bool, toml::Value::Boolean(_)) => value.clone(),
            (Kind::Bool, _) => return Err(wrong("true or false")),
            (Kind::Str | Kind::Path, toml::Value::String(_)) => value.clone(),
            // `-p name=3` types the value as a number; for a string param it is the text.
            (Kind::Str | Kind::Path, toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_)) => {
                toml::Value::String(view::display_value(value))
            }
            (Kind::Str | Kind::Path, _) => return Err(wrong("a string")),
        };
        let number = match &typed {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        };
        if let (Some(n), Some(min)) = (number, self.min)
            && n < min
        {
            return Err(format!(
                "param `{key}` must be at least {}, not {}",
                view::display_value(&toml::Value::Float(min)),
                view::display_value(&typed)
            ));
        }
        if let (Some(n), Some(max)) = (number, self.max)
            && n > max
        {
            return Err(format!(
                "param `{key}` must be at most {}, not {}",
                view::display_value(&toml::Value::Float(max)),
                view::display_value(&typed)
            ));
        }
        if let Some(choices) = &self.choices
            && !choices.iter().any(|c| view::display_value(c) == view::display_value(&typed))
        {
            let shown: Vec<String> = choices.iter().map(view::display_value).collect();
            return Err(format!(
                "param `{key}` must be one of {}, not `{}`",
                shown.join(", "),
                view::display_value(&typed)
            ));
        }
        Ok(typed)
    }
}

/// Dotted keys and leaf values of nested params.
fn flatten(params: &Params) -> Vec<(String, toml::Value)> {
    fn walk(prefix: String, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
        match value {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| walk(format!("{prefix}.{k}"), v, out)),
            other => out.push((prefix, other.clone())),
        }
    }
    let mut out = Vec::new();
    params.iter().for_each(|(k, v)| walk(k.clone(), v, &mut out));
    out
}

/// Reads `[entry.<name>]` from the configuration's raw entry tables.
pub fn find(entries: &toml::Table, name: &str) -> Result<Entry, UsageError> {
    let Some(raw) = entries.get(name) else {
        let known: Vec<&str> = entries.keys().map(String::as_str).collect();
        let hint = if known.is_empty() {
            "define entry points as [entry.<name>] in exp.toml, or give a command after `--`".to_owned()
        } else {
            format!("entry points in exp.toml: {}", known.join(", "))
        };
        return Err(UsageError::with_hint(format!("there is no entry point `{name}` in exp.toml"), hint));
    };
    raw.clone()
        .try_into()
        .map_err(|e: toml::de::Error| UsageError::new(format!("exp.toml: [entry.{name}]: {}", e.message())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXP: &str = r#"
[entry.train]
command = "python train.py --lr {lr} --epochs {epochs} --data '{data}'"
params = { lr = { type = "float", default = 0.01, min = 0 }, epochs = { type = "int", default = 10 }, data = { type = "path", default = "data/train.csv" }, opt = { choices = ["sgd", "adam"], default = "adam" }, seed = { type = "int" } }
"#;

    fn entry() -> Entry {
        let table: toml::Table = toml::from_str(EXP).unwrap();
        find(table["entry"].as_table().unwrap(), "train").unwrap()
    }

    fn given(pairs: &[&str]) -> Params {
        let mut p = Params::new();
        for pair in pairs {
            let (k, v) = params::parse_assignment(pair).unwrap();
            params::insert(&mut p, &k, v);
        }
        p
    }

    #[test]
    fn defaults_and_types() {
        let resolved = entry().resolve_params("train", &given(&["lr=1", "seed=3"])).unwrap();
        assert_eq!(resolved["lr"], toml::Value::Float(1.0));
        assert_eq!(resolved["epochs"], toml::Value::Integer(10));
        assert_eq!(resolved["data"], toml::Value::String("data/train.csv".into()));
        let words = params::substitute(&entry().template("train").unwrap(), &resolved).unwrap();
        assert_eq!(words.join(" "), "python train.py --lr 1.0 --epochs 10 --data data/train.csv");
    }

    #[test]
    fn every_problem_is_reported_with_the_table() {
        let err =
            entry().resolve_params("train", &given(&["lr=-1", "epochs=0.5", "lrr=2", "opt=rmsprop"])).unwrap_err();
        assert_eq!(
            err.message,
            "param `epochs` must be an int, not `0.5`; param `lr` must be at least 0.0, not -1.0; \
             entry `train` has no param `lrr`; param `opt` must be one of sgd, adam, not `rmsprop`; \
             entry `train` needs param `seed` (-p seed=…)"
        );
        let hint = err.hint.unwrap();
        assert!(hint.starts_with("params of entry `train`:\n"), "{hint}");
        assert!(hint.contains("  lr      float  default 0.01  min 0"), "{hint}");
        assert!(hint.contains("  seed    int    required"), "{hint}");
    }

    #[test]
    fn unknown_entry_names_the_known_ones() {
        let table: toml::Table = toml::from_str(EXP).unwrap();
        let err = find(table["entry"].as_table().unwrap(), "trian").unwrap_err();
        assert_eq!(err.message, "there is no entry point `trian` in exp.toml");
        assert_eq!(err.hint.as_deref(), Some("entry points in exp.toml: train"));
    }
}
