//! Picking the run that stands for a git revision: the newest completed run based on that
//! commit, or on its nearest first-parent ancestor that has one; `--pick` chooses by a metric.

use std::collections::HashMap;
use std::str::FromStr;

use jiff::Timestamp;

use super::Error;
use super::code::short;
use crate::query::{Field, Filter, Value};
use crate::store::{Oid, Run, Status, Store};

/// How many first-parent ancestors are searched for runs before giving up.
pub const MAX_WALK: usize = 1000;

/// How to choose among the completed runs based on one commit.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The newest.
    Latest,
    /// The one with the highest value of the field.
    Best(Field),
    /// The one with the lowest value of the field.
    Worst(Field),
}

impl FromStr for Pick {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "latest" {
            return Ok(Pick::Latest);
        }
        let (how, field) = s.split_once(':').ok_or_else(|| {
            format!("`{s}` is not a pick: use latest, best:FIELD or worst:FIELD, as in best:metrics.acc:max")
        })?;
        let field = Field::parse(field, 0).map_err(|e| format!("`{s}`: {}", e.message))?;
        match how {
            "best" | "max" => Ok(Pick::Best(field)),
            "worst" | "min" => Ok(Pick::Worst(field)),
            _ => Err(format!("`{how}` is not a pick: use latest, best:FIELD or worst:FIELD")),
        }
    }
}

/// A git revision as the user wrote it, and the commit it names.
#[derive(Debug, Clone)]
pub struct RevisionSide {
    pub label: String,
    pub commit: Oid,
}

/// The chosen run and, in words, why it was chosen.
#[derive(Debug)]
pub struct Picked<'a> {
    pub run: &'a Run,
    pub reason: String,
    /// First-parent steps from the revision to the commit the run is based on.
    pub steps: usize,
}

/// Which runs may stand for a side: completed ones matching every `--where` filter, with the
/// metrics the gate reads and, unless turned off, comparable with the other side's run.
#[derive(Debug, Default)]
pub struct Choice<'r> {
    pub filters: Vec<Filter>,
    /// Metric keys a run must have (those named in `--fail-if`).
    pub metrics: Vec<String>,
    /// A run chosen for the other side: candidates must be of its kind (`comparable`).
    pub like: Option<&'r Run>,
}

impl Choice<'_> {
    pub fn accepts(&self, run: &Run) -> bool {
        run.status == Status::Completed
            && self.filters.iter().all(|f| f.matches(run))
            && self.metrics.iter().all(|key| run.record.metrics.contains_key(key))
            && self.like.is_none_or(|other| comparable(run, other))
    }

    /// What the choice asks for beyond a completed run, in words, for errors.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.filters.is_empty() {
            parts.push("matching --where".to_owned());
        }
        if !self.metrics.is_empty() {
            let names: Vec<String> = self.metrics.iter().map(|k| format!("`metrics.{k}`")).collect();
            parts.push(format!("with {}", names.join(", ")));
        }
        if let Some(other) = self.like {
            parts.push(format!("of the same kind as {} ({})", other.record.id, run_kind(other)));
        }
        parts.join(", ")
    }
}

/// What a run is a run of: its entry point, else its command (the template, without the
/// params filled in), else a snapshot. Runs of one kind are comparable.
pub fn run_kind(run: &Run) -> String {
    let record = &run.record;
    if let Some(entry) = &record.entry {
        return format!("entry {entry}");
    }
    let words = if record.command_template.is_empty() { &record.command } else { &record.command_template };
    if words.is_empty() { "a snapshot".to_owned() } else { format!("`{}`", crate::store::record::shell_join(words)) }
}

pub fn comparable(a: &Run, b: &Run) -> bool {
    run_kind(a) == run_kind(b)
}

/// Finds the run that stands for `side` among `runs` (newest first): of the runs `choice`
/// accepts on the nearest commit that has some, the clean ones if there are any.
pub fn pick_for_commit<'a>(
    store: &Store,
    runs: &'a [Run],
    side: &RevisionSide,
    pick: &Pick,
    choice: &Choice<'_>,
    now: Timestamp,
) -> Result<Picked<'a>, Error> {
    let mut by_base: HashMap<&str, Vec<&Run>> = HashMap::new();
    for run in runs.iter().filter(|r| choice.accepts(r)) {
        if let Some(base) = &run.record.base {
            by_base.entry(base.as_str()).or_default().push(run);
        }
    }
    let ancestors = store.first_parent_ancestors(side.commit, MAX_WALK);
    let found = ancestors.iter().enumerate().find_map(|(steps, commit)| {
        by_base.get(commit.to_string().as_str()).map(|candidates| (steps, *commit, candidates))
    });
    let Some((steps, commit, candidates)) = found else {
        return Err(Error::NoRunForRevision {
            revision: side.label.clone(),
            commit: short(&side.commit.to_string()),
            walked: ancestors.len(),
            // A walk that ended before its limit ran out of history; in a shallow clone that
            // may be the clone's edge rather than the first commit.
            shallow: ancestors.len() < MAX_WALK && store.is_shallow(),
            choice: choice.describe(),
        });
    };
    // Uncommitted changes make a run's code differ from its commit: clean runs stand for a
    // commit better, when there are any.
    let clean: Vec<&Run> = candidates.iter().copied().filter(|r| !r.record.dirty).collect();
    let dirty_left_out = if clean.is_empty() { 0 } else { candidates.len() - clean.len() };
    let candidates = if clean.is_empty() { candidates.clone() } else { clean };
    let mut picked = choose(&candidates, side, steps, commit, pick, now)?;
    if dirty_left_out > 0 {
        let plural = if dirty_left_out == 1 { "run" } else { "runs" };
        picked.reason.push_str(&format!(" ({dirty_left_out} {plural} with uncommitted changes passed over)"));
    }
    picked.steps = steps;
    Ok(picked)
}

fn choose<'a>(
    candidates: &[&'a Run],
    side: &RevisionSide,
    steps: usize,
    commit: Oid,
    pick: &Pick,
    now: Timestamp,
) -> Result<Picked<'a>, Error> {
    let place = if steps == 0 {
        format!("based on {} ({})", side.label, short(&commit.to_string()))
    } else {
        let plural = if steps == 1 { "" } else { "s" };
        format!(
            "based on {}, {steps} commit{plural} before {} ({}): the nearest commit with completed runs",
            short(&commit.to_string()),
            side.label,
            short(&side.commit.to_string())
        )
    };
    let count = candidates.len();
    let of = if count == 1 { "the only completed run".to_owned() } else { format!("{count} completed runs") };
    match pick {
        Pick::Latest => {
            let reason = if count == 1 { format!("{of} {place}") } else { format!("newest of {of} {place}") };
            Ok(Picked { run: candidates[0], reason, steps })
        }
        Pick::Best(field) | Pick::Worst(field) => {
            let best = matches!(pick, Pick::Best(_));
            let chosen = candidates
                .iter()
                .filter_map(|run| match field.get(run, now) {
                    Value::Number(n) | Value::Duration(n) if !n.is_nan() => Some((n, *run)),
                    Value::Integer(i) => Some((i as f64, *run)),
                    _ => None,
                })
                // Ties go to the newer run (candidates are newest first, and max_by keeps the last).
                .rev()
                .max_by(|(x, _), (y, _)| if best { x.total_cmp(y) } else { y.total_cmp(x) });
            let Some((value, run)) = chosen else {
                return Err(Error::NothingToPickBy { field: field.to_string(), count, place });
            };
            let word = if best { "highest" } else { "lowest" };
            let value = crate::query::format_number(value);
            let reason =
                if count == 1 { format!("{of} {place}") } else { format!("{word} {field} ({value}) of {of} {place}") };
            Ok(Picked { run, reason, steps })
        }
    }
}

/// A side of `git exp diff` as written: a run or a revision (tried in that order), or a
/// revision for sure when it came from a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideSpec {
    RunOrRevision(String),
    Revision(String),
    /// `A...B`: the merge base of the two.
    MergeBase(String, String),
}

/// Reads the arguments of `diff`: `A B`, `A..B` (the same as `A B`, as in git diff) or `A...B`
/// (from the merge base of A and B to B); an empty side of a range is `HEAD`.
pub fn parse_sides(a: &str, b: Option<&str>) -> Result<[SideSpec; 2], String> {
    let range = |text: &str| text.contains("..");
    match b {
        Some(b) if range(a) || range(b) => Err(format!(
            "`{}` is a range, which takes the place of both sides: give either `A B` or `A..B`",
            if range(a) { a } else { b }
        )),
        Some(b) => Ok([SideSpec::RunOrRevision(a.to_owned()), SideSpec::RunOrRevision(b.to_owned())]),
        None => {
            let or_head = |s: &str| if s.is_empty() { "HEAD".to_owned() } else { s.to_owned() };
            if let Some((left, right)) = a.split_once("...") {
                Ok([SideSpec::MergeBase(or_head(left), or_head(right)), SideSpec::Revision(or_head(right))])
            } else if let Some((left, right)) = a.split_once("..") {
                Ok([SideSpec::Revision(or_head(left)), SideSpec::Revision(or_head(right))])
            } else {
                Err(format!("`{a}` is one side: give two runs or revisions (`A B`), or a range (`A..B`, `A...B`)"))
            }
        }
    }
}

/// A side as located before picking: a run given as such, or a commit to pick a run for.
#[derive(Debug, Clone)]
pub enum Located<'a> {
    Run(&'a Run),
    Revision(RevisionSide),
}

/// Finds the run or the commit a side names.
pub fn locate<'a>(store: &Store, runs: &'a [Run], spec: &SideSpec) -> anyhow::Result<Located<'a>> {
    let side = match spec {
        SideSpec::RunOrRevision(text) => {
            let run_spec: crate::store::RunSpec = text.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            match run_spec.resolve(runs) {
                Ok(run) => return Ok(Located::Run(run)),
                Err(crate::store::Error::NoMatch { .. }) => {}
                Err(other) => return Err(other.into()),
            }
            let commit = store.resolve_commit(text).map_err(|_| Error::NotRunOrRevision { spec: text.clone() })?;
            RevisionSide { label: text.clone(), commit }
        }
        SideSpec::Revision(text) => RevisionSide { label: text.clone(), commit: store.resolve_commit(text)? },
        SideSpec::MergeBase(left, right) => {
            let (l, r) = (store.resolve_commit(left)?, store.resolve_commit(right)?);
            let no_base = || Error::NoMergeBase { left: left.clone(), right: right.clone() };
            let commit = store.merge_base(l, r)?.ok_or_else(no_base)?;
            RevisionSide { label: format!("the merge base of {left} and {right}"), commit }
        }
    };
    Ok(Located::Revision(side))
}

/// The run of a located side and, when a revision chose it, why.
pub fn pick_side<'a>(
    store: &Store,
    runs: &'a [Run],
    side: &Located<'a>,
    pick: &Pick,
    choice: &Choice<'_>,
    now: Timestamp,
) -> Result<(&'a Run, Option<String>), Error> {
    match side {
        Located::Run(run) => Ok((run, None)),
        Located::Revision(revision) => {
            let picked = pick_for_commit(store, runs, revision, pick, choice, now)?;
            Ok((picked.run, Some(picked.reason)))
        }
    }
}

/// `--require-run`: the head's run must be based on a commit of the change itself, one the
/// base side does not contain; a run found by walking back into the base is not the change's.
pub fn require_own_run(store: &Store, base: &Located<'_>, head: &Located<'_>, run: &Run) -> Result<(), Error> {
    let Located::Revision(head) = head else { return Ok(()) };
    let base_commit = match base {
        Located::Run(run) => run.record.base.as_deref().and_then(|b| b.parse::<Oid>().ok()),
        Located::Revision(side) => Some(side.commit),
    };
    let run_base = run.record.base.as_deref().and_then(|b| b.parse::<Oid>().ok());
    let own = match (run_base, base_commit) {
        (Some(run_base), Some(base_commit)) => !store.is_ancestor(run_base, base_commit),
        _ => true,
    };
    if own {
        return Ok(());
    }
    Err(Error::NoRunOfItsOwn {
        label: head.label.clone(),
        commit: short(&head.commit.to_string()),
        run: run.record.id.to_string(),
    })
}

/// How `diff` picks the runs that stand for revisions.
pub struct PickOptions<'p> {
    /// `--pick`: newest, or best by a metric.
    pub pick: &'p Pick,
    /// `--where` filters every candidate must match.
    pub filters: Vec<Filter>,
    /// Metric keys a candidate must have (those `--fail-if` reads).
    pub metrics: Vec<String>,
    /// `--any-run`: do not require the two runs to be comparable.
    pub any_run: bool,
    /// `--require-run`: B's revision must have a run of its own.
    pub require_run: bool,
}

/// Picks the runs for the located sides `[a, b]`: B, the side under review, first; A then among
/// runs comparable with B's (and B among runs comparable with an A given as a run). Returns the
/// runs and, for a side given as a revision, why its run was picked.
pub fn pick_runs<'a>(
    store: &Store,
    runs: &'a [Run],
    [side_a, side_b]: &[Located<'a>; 2],
    options: PickOptions<'_>,
    now: Timestamp,
) -> Result<([&'a Run; 2], [Option<String>; 2]), Error> {
    let explicit_a = match side_a {
        Located::Run(run) => Some(*run),
        Located::Revision(_) => None,
    };
    let comparable = !options.any_run;
    let required = |metrics: &Vec<String>| if comparable { metrics.clone() } else { Vec::new() };
    let choice_b = Choice {
        filters: options.filters.clone(),
        metrics: required(&options.metrics),
        like: explicit_a.filter(|_| comparable),
    };
    let (b, picked_b) = pick_side(store, runs, side_b, options.pick, &choice_b, now)?;
    if options.require_run {
        require_own_run(store, side_a, side_b, b)?;
    }
    let choice_a =
        Choice { metrics: required(&options.metrics), filters: options.filters, like: Some(b).filter(|_| comparable) };
    let (a, picked_a) = pick_side(store, runs, side_a, options.pick, &choice_a, now)?;
    Ok(([a, b], [picked_a, picked_b]))
}
