//! Reference updates: every edit states what it expects to find (compare-and-swap) and writes
//! a reflog line, so concurrent writers cannot lose each other's updates.

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::{Error, Oid, Repo, Result};

impl Repo {
    /// Points `name` at `new` only if it still points at `expected` (`None`: must not exist).
    ///
    /// Fails with [`Error::RefMoved`] when another writer got there first (or holds the lock) and
    /// with [`Error::RefExists`] when a create finds the ref already present.
    pub fn cas_ref(&self, name: &str, expected: Option<Oid>, new: Oid, why: &str) -> Result<()> {
        let edit = RefEdit {
            change: Change::Update { log: reflog(why), expected: previous(expected), new: Target::Object(new) },
            name: full_name(name)?,
            deref: false,
        };
        self.edit_refs(vec![edit], name, expected.is_none())
    }

    /// Deletes `name` if it still points at `expected`.
    pub fn delete_ref(&self, name: &str, expected: Oid) -> Result<()> {
        let edit = RefEdit {
            change: Change::Delete { expected: previous(Some(expected)), log: RefLog::AndReference },
            name: full_name(name)?,
            deref: false,
        };
        self.edit_refs(vec![edit], name, false)
    }

    /// Moves a ref in one transaction: creates `to` at `id` and deletes `from` if it is still at `id`.
    pub fn move_ref(&self, from: &str, to: &str, id: Oid, why: &str) -> Result<()> {
        let create = RefEdit {
            change: Change::Update { log: reflog(why), expected: PreviousValue::MustNotExist, new: Target::Object(id) },
            name: full_name(to)?,
            deref: false,
        };
        let delete = RefEdit {
            change: Change::Delete { expected: previous(Some(id)), log: RefLog::AndReference },
            name: full_name(from)?,
            deref: false,
        };
        self.edit_refs(vec![create, delete], from, false)
    }

    fn edit_refs(&self, edits: Vec<RefEdit>, name: &str, creating: bool) -> Result<()> {
        let now = crate::clock::now();
        let time = gix::date::Time { seconds: now.as_second(), offset: 0 };
        let committer = self.signature(time, true);
        let mut buf = gix::date::parse::TimeBuf::default();
        let committer_ref = gix::actor::SignatureRef {
            name: committer.name.as_ref(),
            email: committer.email.as_ref(),
            time: committer.time.to_str(&mut buf),
        };
        match self.repo.edit_references_as(edits, Some(committer_ref)) {
            Ok(_) => Ok(()),
            Err(e) if e.is_conflict() && creating => Err(Error::RefExists { name: name.to_owned() }),
            Err(e) if e.is_conflict() || e.is_retryable() => Err(Error::RefMoved { name: name.to_owned() }),
            Err(e) => Err(Error::git(format!("cannot update ref `{name}`"), &e)),
        }
    }

    /// Returns `(name, target)` of every ref starting with `prefix`, sorted by name.
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Oid)>> {
        let platform = self.repo.references().map_err(|e| Error::git("cannot list refs", &e))?;
        let iter = platform.prefixed(prefix).map_err(|e| Error::git("cannot list refs", &e))?;
        let mut out = Vec::new();
        for reference in iter {
            let reference =
                reference.map_err(|e| Error::Git { what: "cannot read ref".into(), detail: e.to_string() })?;
            if let Some(id) = reference.target().try_id() {
                out.push((reference.name().as_bstr().to_string(), id.to_owned()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Returns the target of `name`, or `None` if it does not exist.
    pub fn find_ref(&self, name: &str) -> Result<Option<Oid>> {
        let found =
            self.repo.try_find_reference(name).map_err(|e| Error::git(format!("cannot read ref `{name}`"), &e))?;
        Ok(found.and_then(|r| r.target().try_id().map(ToOwned::to_owned)))
    }

    /// Returns the time (Unix seconds) of the newest reflog entry of `name`.
    pub fn reflog_time(&self, name: &str) -> Option<i64> {
        let reference = self.repo.try_find_reference(name).ok()??;
        let mut platform = reference.log_iter();
        let mut reverse = platform.rev().ok()??;
        let line = reverse.next()?.ok()?;
        Some(line.signature.time.seconds)
    }
}

fn previous(expected: Option<Oid>) -> PreviousValue {
    match expected {
        Some(old) => PreviousValue::MustExistAndMatch(Target::Object(old)),
        None => PreviousValue::MustNotExist,
    }
}

/// Refs outside refs/heads|remotes|notes get no reflog unless it is forced.
fn reflog(why: &str) -> LogChange {
    LogChange { mode: RefLog::AndReference, force_create_reflog: true, message: why.replace('\n', " ").into() }
}

fn full_name(name: &str) -> Result<FullName> {
    FullName::try_from(name)
        .map_err(|e| Error::Git { what: format!("invalid ref name `{name}`"), detail: e.to_string() })
}
