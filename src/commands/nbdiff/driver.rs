//! `nbdiff --install` and `--uninstall`: registering git-exp as git's diff driver for notebooks.

use std::path::Path;

use anyhow::Context as _;

use super::{DRIVER, NbdiffArgs};
use crate::commands::{Ctx, ExitStatus};
use crate::store::{DiffDriver, Scope};
use crate::ui::Ui;

pub fn install(ui: &mut Ui, ctx: &Ctx, args: &NbdiffArgs) -> anyhow::Result<ExitStatus> {
    let scope = if args.global { Scope::Global } else { Scope::Local };
    let program = self_command()?;
    let command = format!("{program} nbdiff --git-driver");
    let textconv = format!("{program} nbdiff --textconv");
    let driver = DiffDriver { name: DRIVER, command: &command, textconv: &textconv, pattern: "*.ipynb" };
    let config = if args.global { "global git config" } else { "repository's git config" };
    if args.install {
        let change = crate::store::setup::install_diff_driver(&ctx.cwd, scope, &driver)?;
        let file = change.attributes_file.display();
        let verb = |changed: bool| if changed { "Added" } else { "Kept" };
        writeln!(ui.status(), "{} `*.ipynb diff={DRIVER}` in {file}.", verb(change.attributes_changed))?;
        writeln!(ui.status(), "{} diff.{DRIVER}.command = {command} in the {config}.", verb(change.config_changed))?;
        writeln!(ui.status(), "{} diff.{DRIVER}.textconv = {textconv} in the {config}.", verb(change.config_changed))?;
        writeln!(
            ui.status(),
            "`git diff` now shows notebooks with git exp nbdiff, `git log -p` and `git show` as text; `--uninstall` undoes this."
        )?;
    } else {
        let change = crate::store::setup::uninstall_diff_driver(&ctx.cwd, scope, &driver)?;
        let file = change.attributes_file.display();
        if change.attributes_changed {
            writeln!(ui.status(), "Removed `*.ipynb diff={DRIVER}` from {file}.")?;
        } else {
            writeln!(ui.status(), "No `*.ipynb diff={DRIVER}` line in {file}.")?;
        }
        if change.config_changed {
            writeln!(ui.status(), "Removed diff.{DRIVER} from the {config}.")?;
        } else {
            writeln!(ui.status(), "No diff.{DRIVER} in the {config}.")?;
        }
    }
    Ok(ExitStatus::Success)
}

/// `--textconv FILE`: one notebook as text on stdout. A file that is not a notebook is printed
/// as it is, with a warning: git would otherwise stop the whole `git log -p` at it.
pub fn textconv(ui: &mut Ui, path: &Path) -> anyhow::Result<ExitStatus> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    // Images show as one line (size, digest): their base64 text need not be kept.
    match crate::notebook::parse_lean(&bytes) {
        Ok(notebook) => crate::notebook::render_textconv(&notebook, ui.out())?,
        Err(err) => {
            ui.warn(format!("{}: {err}; shown as it is", path.display()));
            ui.out().write_all(&bytes)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// How git should call this binary: `git-exp` when that name on PATH is this very binary (it
/// survives upgrades), else the absolute path, shell-quoted (git runs the command via `sh`).
fn self_command() -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the git-exp executable")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("git-exp").canonicalize().is_ok_and(|p| p == exe))
    });
    if on_path {
        return Ok("git-exp".to_owned());
    }
    let text = exe.to_str().context("the git-exp executable's path is not UTF-8")?;
    Ok(format!("'{}'", text.replace('\'', r"'\''")))
}
