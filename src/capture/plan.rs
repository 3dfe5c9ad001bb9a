//! What `run` will do, settled before anything runs: the command (after `--` or an entry point
//! of exp.toml) and one planned run per combination of the swept params, each checked, so a bad
//! combination stops the sweep before its first run.

use std::path::Path;

use super::entry;
use super::params::{self, Grid, Params};
use crate::config::Config;
use crate::ui::UsageError;

/// The runs to make.
pub struct Plan {
    /// The command as given, with `{name}` placeholders.
    pub template: Vec<String>,
    /// The entry point's name, when the command came from exp.toml.
    pub entry: Option<String>,
    /// One run per combination of the grids: exactly one when there are none.
    pub runs: Vec<Planned>,
}

/// One run to make: its params and command.
pub struct Planned {
    pub params: Params,
    pub command: Vec<String>,
}

/// Plans the runs of `git exp run [ENTRY] [-- COMMAND]`: `base` params with every combination of
/// `grids` on top. `workdir` is where exp.toml is read from, for an entry point.
pub fn plan(
    workdir: Option<&Path>,
    entry_name: Option<&str>,
    command: &[String],
    base: &Params,
    grids: &[Grid],
) -> anyhow::Result<Plan> {
    let (template, entry) = match (entry_name, command.is_empty()) {
        (Some(_), false) => {
            return Err(UsageError::new("give an entry point or a command after `--`, not both").into());
        }
        (None, true) => {
            return Err(UsageError::with_hint(
                "nothing to run: give a command after `--` or an entry point from exp.toml",
                "git exp run -- python train.py",
            )
            .into());
        }
        (None, false) => (command.to_vec(), None),
        (Some(name), true) => {
            let config = Config::load(workdir)?;
            let entry = entry::find(&config.entry, name)?;
            (entry.template(name)?, Some((name.to_owned(), entry)))
        }
    };
    let runs = params::expand_grid(base, grids)
        .into_iter()
        .map(|combo| {
            let params = match &entry {
                Some((name, entry)) => entry.resolve_params(name, &combo)?,
                None => combo,
            };
            let command = params::substitute(&template, &params)?;
            Ok(Planned { params, command })
        })
        .collect::<Result<Vec<_>, UsageError>>()?;
    Ok(Plan { template, entry: entry.map(|(name, _)| name), runs })
}

/// The swept values of a run's params, in the order of `grids`: what tells the runs of a sweep
/// apart in status lines and its summary table.
#[must_use]
pub fn swept_values(params: &Params, grids: &[Grid]) -> Vec<(String, toml::Value)> {
    grids.iter().filter_map(|(k, _)| Some((k.clone(), params::lookup(params, k)?.clone()))).collect()
}
