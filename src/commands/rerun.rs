use crate::capture::{CodeSource, Request, entry, params};
use crate::commands::run::run_one;
use crate::commands::{Ctx, ExitStatus};
use crate::config::Config;
use crate::store::RunSpec;
use crate::ui::Ui;

/// Run an earlier run again: same code, same params, with overrides
///
/// The command runs in a temporary checkout of the earlier run's code (not the working tree),
/// with its params, `-p` overrides on top; the new run records which run it re-runs. Commands
/// from an entry point or with `{param}` placeholders get the new values substituted.
///
/// Examples:
///   git exp rerun @
///   git exp rerun brave-otter -p lr=0.2
///   git exp rerun k3m9 -n k3m9-seed2 -p seed=2 --keep
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RerunArgs {
    /// Run: id, id prefix (4+), name, `@` or `@~N`
    pub run: RunSpec,
    /// Override a param as KEY=VALUE (can be repeated)
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, toml::Value)>,
    /// Name of the new run [default: a generated adjective-noun]
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Tag the new run (can be repeated)
    #[arg(short = 't', long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Keep the temporary checkout and whatever the command wrote into it
    #[arg(long)]
    pub keep: bool,
}

fn parse_param(text: &str) -> Result<(String, toml::Value), String> {
    params::parse_assignment(text).map_err(|e| e.message)
}

pub fn cmd_rerun(ui: &mut Ui, ctx: &Ctx, args: &RerunArgs) -> anyhow::Result<ExitStatus> {
    let store = ctx.store()?;
    let old = store.resolve(&args.run)?;
    let r = &old.record;
    anyhow::ensure!(!r.command.is_empty(), "run {} ({}) is a snapshot: it has no command to run again", r.id, r.name);
    if r.command.iter().chain(&r.command_template).any(|w| w.contains(crate::redact::REDACTED)) {
        ui.warn(format!(
            "the recorded command had secrets replaced by `{}`; they are passed as that text \
             (give secrets through environment variables, which are not recorded)",
            crate::redact::REDACTED
        ));
    }
    let mut run_params = r.params.clone();
    for (key, value) in &args.params {
        params::insert(&mut run_params, key, value.clone());
    }
    let (params, command) = match (&r.entry, r.command_template.is_empty()) {
        (Some(name), _) => {
            // The entry point as it was in the run's own code, not as exp.toml says today.
            let text = store.read_run_file(&old, crate::config::FILE)?.unwrap_or_default();
            let config = Config::parse(&String::from_utf8_lossy(&text))?;
            let entry = entry::find(&config.entry, name)?;
            let params = entry.resolve_params(name, &run_params)?;
            let command = params::substitute(&entry.template(name)?, &params)?;
            (params, command)
        }
        (None, false) => {
            let command = params::substitute(&r.command_template, &run_params)?;
            (run_params, command)
        }
        (None, true) => {
            if !args.params.is_empty() {
                ui.warn("the command has no {param} placeholders: the new values reach the program only through $GIT_EXP_PARAMS");
            }
            (run_params, r.command.clone())
        }
    };
    let tree = store.run_tree(&old)?;
    let request = Request {
        name: args.name.clone(),
        tags: args.tags.clone(),
        params,
        command,
        template: if r.command_template.is_empty() { r.command.clone() } else { r.command_template.clone() },
        entry: r.entry.clone(),
        echo: true,
        system_interval: Some(std::time::Duration::from_secs(5)),
        rerun_of: Some(r.id.to_string()),
        code: CodeSource::Run {
            tree,
            base: r.base.clone(),
            branch: r.branch.clone(),
            dirty: r.dirty,
            cwd: r.cwd.clone(),
        },
        isolate: true,
        keep: args.keep,
        dir: ctx.cwd.clone(),
        ..Request::default()
    };
    writeln!(ui.status(), "Re-running {} ({}) in a checkout of its code", r.id, crate::ui::visible(&r.name))?;
    run_one(ui, &store, request)
}
