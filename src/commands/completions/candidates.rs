//! Dynamic completion: `git exp __complete -- WORDS…` prints the candidates for the last word,
//! one `value<TAB>help` line each, for the shell scripts in this directory to show.
//!
//! clap_complete's engine walks the command-line definition (subcommands, flags, value enums,
//! paths); this module only attaches what the definition cannot know, read from the repository:
//! run names and ids, tags and exp.toml entry points. Which arguments take them is found by the
//! arguments' ids and value names, so a new command taking `run: RunSpec` completes runs with no
//! change here.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::config::Config;
use crate::store::{RunEntry, Store};

/// What the repository can offer for an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Runs,
    Tags,
    Entries,
}

/// The kind of value an argument takes, by its id or value name.
fn kind_of(command: &str, arg: &clap::Arg) -> Option<Kind> {
    let value_names: Vec<&str> = arg.get_value_names().unwrap_or_default().iter().map(|n| n.as_str()).collect();
    match (command, arg.get_id().as_str()) {
        (_, "run" | "runs") => Some(Kind::Runs),
        ("run", "entry") => Some(Kind::Entries),
        (_, "tags" | "tag" | "remove") => Some(Kind::Tags),
        _ if value_names.iter().any(|n| *n == "RUN" || n.starts_with("RUN,")) => Some(Kind::Runs),
        _ if value_names.contains(&"TAG") => Some(Kind::Tags),
        _ => None,
    }
}

/// Attaches repository candidates to every argument that takes runs, tags or entry points.
/// (`mut_args`/`mut_subcommands` keep the order: positionals are numbered by it.)
fn attach(command: clap::Command, dir: &Path) -> clap::Command {
    let name = command.get_name().to_owned();
    command
        .mut_args(|arg| match kind_of(&name, &arg) {
            Some(kind) => {
                let dir = dir.to_owned();
                arg.add(ArgValueCandidates::new(move || candidates(kind, &dir).unwrap_or_default()))
            }
            None => arg,
        })
        .mut_subcommands(|sub| {
            // The engine offers one candidate per command, the first in sort order: `log`
            // would hide `ls`. Aliases stay accepted as typed, but hidden. (clap takes `&'static
            // str` names without its `string` feature; the few bytes live as long as this
            // short process anyway.)
            let aliases: Vec<&'static str> = sub.get_all_aliases().map(|a| &*a.to_owned().leak()).collect();
            let sub = aliases.into_iter().fold(sub.visible_alias(None), |sub, alias| sub.alias(alias));
            attach(sub, dir)
        })
}

/// Reads the candidates of one kind; any failure (no repository, an unreadable run) means none.
fn candidates(kind: Kind, dir: &Path) -> anyhow::Result<Vec<CompletionCandidate>> {
    let store = Store::open(dir)?;
    let out = match kind {
        // From the run index (ids, names, tags): no run's record is read.
        Kind::Runs => {
            let runs = store.run_index()?;
            let mut out = vec![CompletionCandidate::new("@").help(Some("the newest run".into()))];
            // Names first (what people type), then ids (each with its run's name as help).
            out.extend(runs.iter().filter(|r| plain(&r.name)).map(|r| candidate(&r.name, r.id.clone())));
            out.extend(runs.iter().map(|r| candidate(&r.id, describe(r))));
            out
        }
        Kind::Tags => {
            let tags: BTreeSet<String> = store.run_index()?.into_iter().flat_map(|r| r.tags).collect();
            tags.into_iter().filter(|t| plain(t)).map(CompletionCandidate::new).collect()
        }
        Kind::Entries => {
            let config = Config::load(store.workdir())?;
            config.entry.keys().filter(|k| plain(k)).map(|k| candidate(k, "entry point in exp.toml".into())).collect()
        }
    };
    Ok(out)
}

fn candidate(value: &str, help: String) -> CompletionCandidate {
    CompletionCandidate::new(value).help(Some(help.into()))
}

fn describe(run: &RunEntry) -> String {
    if plain(&run.name) { run.name.clone() } else { String::new() }
}

/// Names, tags and entry points come from runs and exp.toml, which are untrusted: a candidate
/// with whitespace or control characters would split into several words or reach the terminal.
fn plain(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The directory the completed command would run in: `-C DIR` among the words, else `cwd`.
fn run_dir(words: &[OsString], cwd: &Path) -> PathBuf {
    let mut dir = cwd.to_owned();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "-C"
            && let Some(next) = words.next()
        {
            dir = dir.join(next);
        }
    }
    dir
}

/// The candidates for the last of `words` (the words after `git exp`), as `value<TAB>help` lines.
pub fn complete(mut command: clap::Command, words: Vec<OsString>, cwd: &Path) -> std::io::Result<Vec<String>> {
    let dir = run_dir(&words[..words.len().saturating_sub(1)], cwd);
    command = attach(command, &dir);
    // Options are offered once a `-` is typed: `git exp show <TAB>` lists runs, not flags.
    let offer_options = words.last().is_some_and(|w| w.as_encoded_bytes().starts_with(b"-"));
    let index = words.len();
    let mut args = vec![OsString::from("git-exp")];
    args.extend(words);
    if index == 0 {
        args.push(OsString::new());
    }
    let found = clap_complete::engine::complete(&mut command, args, index.max(1), Some(&dir))?;
    Ok(found
        .into_iter()
        .filter_map(|c| {
            let value = c.get_value().to_str()?.to_owned();
            if value.starts_with('-') && !offer_options {
                return None;
            }
            let help = c.get_help().map(|h| h.to_string()).unwrap_or_default();
            let help = help.lines().next().unwrap_or_default().replace('\t', " ");
            Some(if help.is_empty() { value } else { format!("{value}\t{help}") })
        })
        .collect())
}
