//! The two notebooks `nbdiff` compares: files, `<rev>:<path>`, `<run>:<path>`, or the temporary
//! files git passes to an external diff driver.

use std::path::Path;

use anyhow::Context as _;

use crate::commands::Ctx;
use crate::notebook::{self, Labels, Notebook};
use crate::store::{RunSpec, Store};
use crate::ui::UsageError;

/// Reads notebook sides, opening the repository only when a side needs it.
pub struct Sources<'c> {
    ctx: &'c Ctx,
    store: Option<Store>,
}

impl<'c> Sources<'c> {
    pub fn new(ctx: &'c Ctx) -> Self {
        Self { ctx, store: None }
    }

    /// Loads a file, `<rev>:<path>` or `<run>:<path>`. A file on disk wins over the other readings.
    /// `lean` keeps of each image only what the text and JSON need (`notebook::parse_lean`).
    pub fn load(&mut self, spec: &str, lean: bool) -> anyhow::Result<Notebook> {
        let path = self.ctx.cwd.join(spec);
        match (path.exists(), spec.split_once(':')) {
            (false, Some((rev, file))) if !rev.is_empty() && !file.is_empty() => {
                parse(spec, &self.read_revision(spec, rev, file)?, lean)
            }
            _ => parse_file(spec, &path, lean, &format!("cannot read `{spec}`")),
        }
    }

    fn read_revision(&mut self, spec: &str, rev: &str, file: &str) -> anyhow::Result<Vec<u8>> {
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                self.ctx.store().with_context(|| format!("`{spec}` is not a file, and revisions need a repository"))?
            }
        };
        let store = &*self.store.insert(store);
        let file = from_root(store, file);
        let run_spec = rev.parse::<RunSpec>().ok();
        // `@` and `@~N` name runs everywhere in git-exp (git's `@` is spelled `HEAD` here).
        if !matches!(run_spec, Some(RunSpec::Newest(_))) {
            if let Ok(bytes) = store.resolve_blob(&format!("{rev}:{file}")) {
                return Ok(bytes);
            }
            if store.resolve_commit(rev).is_ok() {
                anyhow::bail!("`{spec}`: revision `{rev}` has no file `{file}`");
            }
        }
        let Some(run_spec) = run_spec else {
            anyhow::bail!("`{spec}` is neither a file, nor a git revision, nor a run");
        };
        let run = store
            .resolve(&run_spec)
            .with_context(|| format!("`{spec}` is neither a file nor a git revision, and not a run either"))?;
        store.read_run_file(&run, &file)?.with_context(|| format!("`{spec}`: run {} has no file `{file}`", run.id()))
    }
}

/// Paths after `rev:` are relative to the repository root, as in git, except `./` and `../`
/// ones, which are relative to the current directory (also as in git).
fn from_root(store: &Store, file: &str) -> String {
    if !(file.starts_with("./") || file.starts_with("../")) {
        return file.to_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    let prefix = store.prefix();
    for part in prefix.split('/').chain(file.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A parse failure names the side: `error: a.ipynb: invalid JSON at line 3, column 7: ...`.
#[derive(Debug, thiserror::Error)]
#[error("{label}: {source}")]
struct SideError {
    label: String,
    source: notebook::Error,
}

/// Reads a notebook file. For the text and JSON output it is read as it goes (the file's
/// bytes, mostly images, are never all in memory); only when that fails is it read whole, to
/// read what Python's json accepts, or to name the error. Only regular files are streamed: a
/// pipe (`<(git show …)`) cannot be read a second time.
fn parse_file(label: &str, path: &Path, lean: bool, cannot_read: &str) -> anyhow::Result<Notebook> {
    if lean && std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        let file = std::fs::File::open(path).context(cannot_read.to_owned())?;
        if let Ok(notebook) = notebook::parse_lean_from(std::io::BufReader::with_capacity(64 << 10, file)) {
            return Ok(notebook);
        }
    }
    let bytes = std::fs::read(path).context(cannot_read.to_owned())?;
    parse(label, &bytes, lean)
}

fn parse(label: &str, bytes: &[u8], lean: bool) -> anyhow::Result<Notebook> {
    let parsed = if lean { notebook::parse_lean(bytes) } else { notebook::parse(bytes) };
    Ok(parsed.map_err(|source| SideError { label: label.to_owned(), source })?)
}

/// The sides git passes to an external diff driver: `/dev/null` for an added or deleted file.
pub fn git_driver_sides(args: &[String], lean: bool) -> anyhow::Result<(Notebook, Notebook, Labels)> {
    let [path, old_file, _, _, new_file, _, _, rest @ ..] = args else {
        return Err(UsageError::new("--git-driver takes the 7 or 9 arguments git passes").into());
    };
    let new_path = rest.first().unwrap_or(path);
    let read = |file: &str, label: &str| -> anyhow::Result<Notebook> {
        if file == "/dev/null" {
            return Ok(Notebook::default());
        }
        parse_file(label, Path::new(file), lean, &format!("cannot read `{file}` for {label}"))
    };
    // As git heads its own diff: `/dev/null` names the missing side of an added or deleted file.
    let label = |file: &str, name: String| if file == "/dev/null" { file.to_owned() } else { name };
    let labels = Labels { old: label(old_file, format!("a/{path}")), new: label(new_file, format!("b/{new_path}")) };
    Ok((read(old_file, &labels.old)?, read(new_file, &labels.new)?, labels))
}
