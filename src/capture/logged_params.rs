//! Params logged from code (`run.log_params`, `run.config` in the Python helper): JSON lines in
//! the spool's `params-log.jsonl` (`GIT_EXP_PARAMS_LOG`), merged into the record when the run
//! ends. The rule (docs/FORMAT.md "Run protocol"): params given to git-exp (`-p`, a params file,
//! an entry point's defaults) win; a logged value that differs from one of them is reported, and
//! among logged values the last one logged wins.

use std::io::Read as _;
use std::path::Path;

use super::params::{self, Params};

/// The most of the log that is read: params are configuration, not data.
const MAX_LOG_BYTES: u64 = 4 << 20;

/// Logged params, last value per dotted key, in the order first logged; and notices about lines
/// or keys that could not be used.
pub fn read(path: &Path) -> (Vec<(String, toml::Value)>, Vec<String>) {
    let mut notices = Vec::new();
    let Ok(file) = std::fs::File::open(path) else {
        return (Vec::new(), notices);
    };
    let mut data = Vec::new();
    let read = file.take(MAX_LOG_BYTES + 1).read_to_end(&mut data);
    if read.is_err() {
        notices.push("cannot read the params logged by the program".to_owned());
        return (Vec::new(), notices);
    }
    if data.len() as u64 > MAX_LOG_BYTES {
        notices.push(format!("params logged by the program: only the first {MAX_LOG_BYTES} bytes were read"));
        data.truncate(MAX_LOG_BYTES as usize);
    }
    let mut out: Vec<(String, toml::Value)> = Vec::new();
    let mut bad_keys = Vec::new();
    let mut bad_lines = 0usize;
    for line in data.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)) {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(line) else {
            bad_lines += 1;
            continue;
        };
        for (key, value) in map {
            if !params::valid_key(&key) {
                bad_keys.push(key);
                continue;
            }
            let value = params::from_json(&value);
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
    }
    if bad_lines > 0 {
        notices.push(format!("{bad_lines} logged params line(s) were not JSON objects and were skipped"));
    }
    if !bad_keys.is_empty() {
        bad_keys.truncate(5);
        let shown: Vec<String> = bad_keys.iter().map(|k| format!("`{}`", crate::ui::visible(k))).collect();
        notices.push(format!("logged params with invalid names were skipped: {}", shown.join(", ")));
    }
    (out, notices)
}

/// Merges `logged` into `params`: a key already there (given to git-exp) keeps its value; returns
/// the keys whose logged value differed from it.
pub fn merge(params: &mut Params, logged: &[(String, toml::Value)]) -> Vec<String> {
    let mut conflicts = Vec::new();
    for (key, value) in logged {
        match params::lookup(params, key) {
            Some(given) if given == value => {}
            Some(_) => conflicts.push(key.clone()),
            None if blocked_by_value(params, key) => conflicts.push(key.clone()),
            None => params::insert(params, key, value.clone()),
        }
    }
    conflicts
}

/// True when a prefix of the dotted `key` holds a plain value (`model=3` given, `model.depth`
/// logged): inserting would replace the given value with a table.
fn blocked_by_value(params: &Params, key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    (1..parts.len()).any(|n| params::lookup(params, &parts[..n].join(".")).is_some_and(|v| !v.is_table()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_params_merge_under_given_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        std::fs::write(
            &path,
            "{\"lr\": 0.5, \"model.depth\": 4, \"opt\": null}\nnot json\n{\"layers\": [1, 2], \"bad key\": 1}\n\
             {\"model.depth\": 5, \"seed\": 3}\n",
        )
        .unwrap();
        let (logged, notices) = read(&path);
        assert_eq!(notices.len(), 2, "{notices:?}");
        let mut given = Params::new();
        given.insert("lr".into(), toml::Value::Float(0.1));
        given.insert("seed".into(), toml::Value::Integer(3));
        let conflicts = merge(&mut given, &logged);
        assert_eq!(conflicts, vec!["lr".to_owned()]);
        assert_eq!(given["lr"], toml::Value::Float(0.1));
        assert_eq!(params::lookup(&given, "model.depth"), Some(&toml::Value::Integer(5)));
        assert_eq!(given["opt"], toml::Value::String(String::new()));
        assert_eq!(given["layers"], toml::Value::Array(vec![1.into(), 2.into()]));
    }

    #[test]
    fn a_logged_table_cannot_replace_a_given_value() {
        let mut given = Params::new();
        given.insert("model".into(), toml::Value::Integer(3));
        let conflicts = merge(&mut given, &[("model.depth".into(), toml::Value::Integer(4))]);
        assert_eq!(conflicts, vec!["model.depth".to_owned()]);
        assert_eq!(given["model"], toml::Value::Integer(3));
    }
}
