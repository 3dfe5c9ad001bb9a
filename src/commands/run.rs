use std::path::PathBuf;

use crate::capture::{self, Request, params};
use crate::commands::{Ctx, ExitStatus};
use crate::ui::Ui;

/// Record a run of a command
///
/// Snapshots the working tree (tracked and untracked files, uncommitted changes included),
/// runs the command with the run protocol's environment variables, passes its output through
/// and commits params, metrics, output and artifacts under refs/git-exp/runs/<id>. The exit
/// code is the command's (130 after Ctrl-C).
///
/// Examples:
///   git exp run -- python train.py
///   git exp run -n baseline -t v1 -p lr=0.1 -p epochs=3 -- python train.py --lr {lr}
///   git exp run --params-file params.yaml -- python train.py
///   git exp run --scrape -- ./train.sh        # metrics from `loss=0.3` lines
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub record: RecordArgs,
    /// Read `key=value` / `key: value` numbers from stdout lines as metrics
    #[arg(long)]
    pub scrape: bool,
    /// Seconds between system metric samples (sys/cpu_percent, sys/rss_bytes); 0 turns them off
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub system_interval: f64,
    /// The command to run, after `--`; `{name}` is replaced by the param's value
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// What `run` and `snapshot` both record.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Name of the run [default: a generated adjective-noun]
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Tag the run (can be repeated)
    #[arg(short = 't', long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// A param as KEY=VALUE, typed as integer, float, bool or string (can be repeated)
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, toml::Value)>,
    /// Record the values of a YAML, TOML or JSON file as params (can be repeated)
    #[arg(long, value_name = "FILE")]
    pub params_file: Vec<PathBuf>,
}

fn parse_param(text: &str) -> Result<(String, toml::Value), String> {
    params::parse_assignment(text).map_err(|e| e.message)
}

impl RecordArgs {
    /// Params from the files first, then `-p` on top.
    pub fn params(&self, ctx: &Ctx) -> anyhow::Result<params::Params> {
        let mut out = params::Params::new();
        for file in &self.params_file {
            out.extend(params::read_params_file(&ctx.cwd.join(file))?);
        }
        for (key, value) in &self.params {
            params::insert(&mut out, key, value.clone());
        }
        Ok(out)
    }
}

pub fn cmd_run(ui: &mut Ui, ctx: &Ctx, args: &RunArgs) -> anyhow::Result<ExitStatus> {
    let params = args.record.params(ctx)?;
    let command = params::substitute(&args.command, &params)?;
    let store = ctx.store()?;
    let request = Request {
        name: args.record.name.clone(),
        tags: args.record.tags.clone(),
        params,
        command,
        scrape: args.scrape,
        echo: true,
        system_interval: (args.system_interval > 0.0).then(|| std::time::Duration::from_secs_f64(args.system_interval)),
        dir: ctx.cwd.clone(),
        ..Request::default()
    };
    let started = capture::start(&store, request)?;
    for notice in &started.notices {
        ui.warn(notice);
    }
    writeln!(ui.status(), "Recording run {} ({})", started.run.id(), started.run.record.name)?;
    ui.flush();
    let executed = started.execute(&store)?;
    for notice in &executed.notices {
        ui.warn(notice);
    }
    if let Some(message) = &executed.spawn_error {
        ui.report(&anyhow::anyhow!("{message}"));
    }
    store.maintain();
    let run = &executed.run;
    let took = capture::human_duration(run.record.duration(crate::clock::now()));
    let how = match (run.record.exit_code, run.record.signal) {
        (_, Some(sig)) => format!(" (killed by signal {sig})"),
        (Some(code), _) if code != 0 => format!(" (exit code {code})"),
        _ => String::new(),
    };
    writeln!(ui.status(), "Run {} ({}) {}{how} after {took}: {}", run.id(), run.record.name, run.status, run.commit)?;
    Ok(match executed.ended.shell_code() {
        0 => ExitStatus::Success,
        code => ExitStatus::Child(code),
    })
}
