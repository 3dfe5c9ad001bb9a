//! Bringing fetched run refs into `refs/git-exp/runs/`: create, fast-forward, or — when two
//! clones both edited a run — merge into a new record commit with both tips as parents, so that
//! neither side's tags, note or final record is lost.

use super::record::{RUN_TOML, RunRecord, Status};
use super::write::ref_name;
use super::{Result, Store, TRASH_PREFIX};
use crate::git::{self, Oid, TreeEdit};
use crate::ids::RunId;
use std::collections::HashSet;

/// What happened to one fetched run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrated {
    /// A run this repository did not have.
    New,
    /// The local ref moved forward to the fetched tip.
    FastForward,
    /// Both sides had edits; a merge commit now holds both.
    Merged,
    /// Nothing to do: same tip, or the local run already contains the fetched one.
    UpToDate,
    /// The run is in the local trash; it was left there.
    InTrash,
}

/// How finished a status is: the merged record keeps the most final one.
fn finality(status: Status) -> u8 {
    match status {
        Status::Completed => 4,
        Status::Failed => 3,
        Status::Interrupted => 2,
        Status::Crashed => 1,
        Status::Running => 0,
    }
}

/// Merges two versions of the same run's record. Returns the record and whether `theirs` is the
/// more finished side (whose tree — metrics, output, artifacts — the merge commit then keeps).
pub fn merge_records(ours: &RunRecord, theirs: &RunRecord) -> (RunRecord, bool) {
    let take_theirs = finality(theirs.status) > finality(ours.status);
    let (finished, other) = if take_theirs { (theirs, ours) } else { (ours, theirs) };
    let mut merged = finished.clone();
    // Names and unknown keys follow our side: a rename on either side is a guess either way, and
    // ours is what the user has been looking at.
    merged.name.clone_from(&ours.name);
    merged.tags = ours.tags.clone();
    for tag in &theirs.tags {
        if !merged.tags.contains(tag) {
            merged.tags.push(tag.clone());
        }
    }
    merged.note = join_notes(&ours.note, &theirs.note);
    for (key, value) in &other.extra {
        merged.extra.entry(key.clone()).or_insert_with(|| value.clone());
    }
    (merged, take_theirs)
}

/// Joins two notes: the longer one when it already contains the other, else both, one paragraph
/// each, without repeating a paragraph.
fn join_notes(ours: &str, theirs: &str) -> String {
    if theirs.is_empty() || ours.contains(theirs) {
        return ours.to_owned();
    }
    if ours.is_empty() || theirs.contains(ours) {
        return theirs.to_owned();
    }
    let mut paragraphs: Vec<&str> = ours.split("\n\n").collect();
    for p in theirs.split("\n\n") {
        if !paragraphs.contains(&p) {
            paragraphs.push(p);
        }
    }
    paragraphs.join("\n\n")
}

impl Store {
    /// Brings run `id` at `fetched` into the local runs namespace without losing local edits.
    pub fn integrate(&self, id: &RunId, fetched: Oid) -> Result<Integrated> {
        let name = ref_name(id);
        for _ in 0..16 {
            let local = self.repo.find_ref(&name)?;
            let outcome = match local {
                None if self.repo.find_ref(&format!("{TRASH_PREFIX}{id}"))?.is_some() => {
                    return Ok(Integrated::InTrash);
                }
                None => self
                    .repo
                    .cas_ref(&name, None, fetched, &format!("git-exp: fetch run {id}"))
                    .map(|()| Integrated::New),
                Some(tip) if self.repo.is_ancestor(fetched, tip) => return Ok(Integrated::UpToDate),
                Some(tip) if self.repo.is_ancestor(tip, fetched) => self
                    .repo
                    .cas_ref(&name, Some(tip), fetched, &format!("git-exp: fast-forward run {id}"))
                    .map(|()| Integrated::FastForward),
                Some(tip) => {
                    let merge = self.merge_commit(tip, fetched)?;
                    self.repo
                        .cas_ref(&name, Some(tip), merge, &format!("git-exp: merge run {id}"))
                        .map(|()| Integrated::Merged)
                }
            };
            match outcome {
                Ok(done) => return Ok(done),
                // Someone recorded an edit meanwhile: look again.
                Err(git::Error::RefMoved { .. } | git::Error::RefExists { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(super::Error::Contended { id: id.to_string(), tries: 16 })
    }

    /// Writes the commit that merges two tips of one run: parents ours then theirs, the tree of
    /// the more finished side with the merged `run.toml`.
    fn merge_commit(&self, ours: Oid, theirs: Oid) -> Result<Oid> {
        let (a, b) = (self.read_record(ours)?, self.read_record(theirs)?);
        let (merged, take_theirs) = merge_records(&a, &b);
        let tree = self.repo.commit_info(if take_theirs { theirs } else { ours })?.tree;
        let blob = self.repo.write_blob(merged.to_toml().as_bytes())?;
        let tree = self.repo.write_tree(tree, &[TreeEdit::File { path: RUN_TOML.into(), blob }])?;
        let message = format!("{}\nMerged the edits of two clones.\n", merged.commit_message());
        Ok(self.repo.write_commit(tree, &[ours, theirs], &message, crate::clock::now().as_second())?)
    }

    /// The first path in the tree of staged run commit `tip` that must never be written (git's
    /// rules, see `relpath`), or `None`. Trees already in `safe` are not listed again: the runs
    /// of a project share most of their trees, so a fetch of thousands of runs lists each once.
    pub fn unsafe_path(&self, tip: Oid, safe: &mut HashSet<Oid>) -> Result<Option<crate::relpath::UnsafePath>> {
        let tree = self.repo.commit_info(tip)?.tree;
        if safe.contains(&tree) {
            return Ok(None);
        }
        for file in self.repo.list_files(tree)? {
            if let Err(unsafe_path) = crate::relpath::check(&file.path) {
                return Ok(Some(unsafe_path));
            }
        }
        safe.insert(tree);
        Ok(None)
    }

    /// Drops a staged run ref (one refused on fetch or import), if it still points at `tip`.
    pub fn drop_staged(&self, name: &str, tip: Oid) -> Result<()> {
        Ok(self.repo.delete_ref(name, tip)?)
    }

    /// Run ids and tips under a staging namespace such as `refs/git-exp/remotes/origin/runs/`.
    pub fn staged_runs(&self, prefix: &str) -> Result<Vec<(RunId, Oid)>> {
        Ok(self
            .repo
            .refs_with_prefix(prefix)?
            .into_iter()
            .filter_map(|(name, oid)| RunId::parse(name.strip_prefix(prefix)?).map(|id| (id, oid)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: &str, tags: &[&str], note: &str) -> RunRecord {
        let mut text = format!(
            "schema = 1\nid = \"k3m9x2qa\"\nname = \"n\"\nstatus = \"{status}\"\nstarted = \"2026-11-23T10:00:00.000Z\"\n"
        );
        text.push_str(&format!(
            "tags = [{}]\n",
            tags.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
        ));
        if !note.is_empty() {
            text.push_str(&format!("note = \"{note}\"\n"));
        }
        RunRecord::from_toml(&text).expect("test record parses")
    }

    #[test]
    fn unites_tags_joins_notes_keeps_the_most_final_status() {
        let ours = record("running", &["a", "b"], "ours");
        let theirs = record("completed", &["b", "c"], "theirs");
        let (merged, take_theirs) = merge_records(&ours, &theirs);
        assert!(take_theirs);
        assert_eq!(merged.status, Status::Completed);
        assert_eq!(merged.tags, ["a", "b", "c"]);
        assert_eq!(merged.note, "ours\n\ntheirs");
        let (again, _) = merge_records(&merged, &theirs);
        assert_eq!(again.note, "ours\n\ntheirs", "a joined note does not grow on a second merge");
        let (failed, take) = merge_records(&record("failed", &[], ""), &record("crashed", &[], "x"));
        assert!(!take);
        assert_eq!((failed.status, failed.note.as_str()), (Status::Failed, "x"));
    }
}
