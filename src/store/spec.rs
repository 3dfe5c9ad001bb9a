//! Run-specs: how a command line names a run (id, id prefix, name, `@`, `@~N`).

use std::str::FromStr;

use super::{Error, Result, Run};
use crate::ids::{self, ID_LEN};

/// Shortest id prefix accepted, so that a short word is not taken for an id by accident.
pub const MIN_PREFIX: usize = 4;

/// A run as named on the command line; [`RunSpec::resolve`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunSpec {
    /// `@` (0) or `@~N`: the newest run, or N runs before it.
    Newest(usize),
    /// A full id, an id prefix or a name.
    Text(String),
}

impl FromStr for RunSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "@" {
            return Ok(RunSpec::Newest(0));
        }
        if let Some(n) = s.strip_prefix("@~") {
            return n
                .parse()
                .map(RunSpec::Newest)
                .map_err(|_| format!("`{s}` is not a run: after `@~` comes a number of runs, as in `@~2`"));
        }
        if s.trim().is_empty() {
            return Err("a run cannot be empty: give an id, an id prefix, a name, `@` or `@~N`".into());
        }
        Ok(RunSpec::Text(s.to_owned()))
    }
}

impl std::fmt::Display for RunSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunSpec::Newest(0) => f.write_str("@"),
            RunSpec::Newest(n) => write!(f, "@~{n}"),
            RunSpec::Text(s) => f.write_str(s),
        }
    }
}

/// What resolving a spec needs of a run: its id and name. [`Run`]s of a listing and entries of
/// the run index both resolve, by the same rules.
pub trait Candidate {
    fn run_id(&self) -> &str;
    fn run_name(&self) -> &str;
}

impl Candidate for Run {
    fn run_id(&self) -> &str {
        self.record.id.as_str()
    }

    fn run_name(&self) -> &str {
        &self.record.name
    }
}

impl Candidate for super::index::EntryRef<'_> {
    fn run_id(&self) -> &str {
        self.id
    }

    fn run_name(&self) -> &str {
        self.name
    }
}

impl<T: Candidate> Candidate for &T {
    fn run_id(&self) -> &str {
        (*self).run_id()
    }

    fn run_name(&self) -> &str {
        (*self).run_name()
    }
}

impl RunSpec {
    /// Finds the run this spec names among `runs`, which are sorted newest first.
    pub fn resolve<'a, T: Candidate>(&self, runs: &'a [T]) -> Result<&'a T> {
        self.resolve_in(runs.len(), |n| runs.get(n))
    }

    /// Finds the run this spec names among `count` runs, newest first, the `n`th of which `get`
    /// makes (from an index file, without holding them all).
    pub fn resolve_in<T: Candidate>(&self, count: usize, get: impl Fn(usize) -> Option<T>) -> Result<T> {
        match self {
            RunSpec::Newest(n) => get(*n).ok_or_else(|| Error::NotThatMany { spec: self.to_string(), count }),
            RunSpec::Text(text) => resolve_text(text, (0..count).filter_map(&get)),
        }
    }

    /// The full id this spec names, if it is one: such a spec is looked up by its ref alone.
    #[must_use]
    pub fn full_id(&self) -> Option<&str> {
        match self {
            RunSpec::Text(text) if text.len() == ID_LEN && ids::is_id_prefix(text) => Some(text),
            _ => None,
        }
    }
}

/// One pass over `runs` (100,000 at most scales: two passes were a third of `show NAME`): an
/// exact id wins at once, else the id prefix matches (in order) then the name matches, a run
/// matching both counted once.
fn resolve_text<T: Candidate>(text: &str, runs: impl Iterator<Item = T>) -> Result<T> {
    let id_like = ids::is_id_prefix(text) && (MIN_PREFIX..=ID_LEN).contains(&text.len());
    let (mut by_id, mut by_name): (Vec<T>, Vec<T>) = (Vec::new(), Vec::new());
    for run in runs {
        if run.run_id() == text {
            return Ok(run);
        }
        if id_like && run.run_id().starts_with(text) {
            by_id.push(run);
        } else if run.run_name() == text {
            by_name.push(run);
        }
    }
    let mut matches = by_id;
    matches.extend(by_name);
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(Error::NoMatch { spec: text.to_owned(), tried: if id_like { "id prefix and name" } else { "name" } }),
        _ => Err(Error::Ambiguous {
            spec: text.to_owned(),
            candidates: matches.iter().map(|r| format!("{} ({})", r.run_id(), r.run_name())).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::record::{RunRecord, Status};

    fn run(id: &str, name: &str) -> Run {
        let text = format!(
            "schema = 1\nid = \"{id}\"\nname = \"{name}\"\nstatus = \"completed\"\nstarted = \"2026-11-23T10:00:00.000Z\"\n"
        );
        let record = RunRecord::from_toml(&text).expect("test record parses");
        Run { commit: gix::ObjectId::null(gix::hash::Kind::Sha1), record, status: Status::Completed, in_trash: false }
    }

    fn runs() -> Vec<Run> {
        vec![
            run("k3m9x2qa", "brave-otter"),
            run("k3m9abcd", "calm-lynx"),
            run("zzzz1234", "brave-otter"),
            run("abcd0000", "k3m9"),
        ]
    }

    fn resolve(spec: &str) -> std::result::Result<String, String> {
        let runs = runs();
        let spec: RunSpec = spec.parse()?;
        spec.resolve(&runs).map(|r| r.record.id.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn resolution_table() {
        let cases: &[(&str, std::result::Result<&str, &str>)] = &[
            ("@", Ok("k3m9x2qa")),
            ("@~2", Ok("zzzz1234")),
            ("@~9", Err("there is no run `@~9`: only 4 runs are recorded")),
            ("@~x", Err("`@~x` is not a run: after `@~` comes a number of runs, as in `@~2`")),
            ("k3m9x2qa", Ok("k3m9x2qa")),
            ("k3m9x", Ok("k3m9x2qa")),
            ("calm-lynx", Ok("k3m9abcd")),
            (
                "k3m9",
                Err("`k3m9` is ambiguous: it matches k3m9x2qa (brave-otter), k3m9abcd (calm-lynx), abcd0000 (k3m9)"),
            ),
            (
                "brave-otter",
                Err("`brave-otter` is ambiguous: it matches k3m9x2qa (brave-otter), zzzz1234 (brave-otter)"),
            ),
            ("k3m", Err("no run matches `k3m` (tried name)")),
            ("qqqq", Err("no run matches `qqqq` (tried id prefix and name)")),
            ("", Err("a run cannot be empty: give an id, an id prefix, a name, `@` or `@~N`")),
        ];
        for (spec, expected) in cases {
            let expected = expected.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(resolve(spec), expected, "spec {spec:?}");
        }
    }
}
