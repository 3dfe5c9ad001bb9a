use std::path::PathBuf;
use std::time::Duration;

use crate::capture::plan::{self, Planned};
use crate::capture::{self, Executed, Request, params, sweep};
use crate::commands::{Ctx, ExitStatus};
use crate::ids::IdSource;
use crate::store::Status;
use crate::ui::{Cell, Table, Ui};

/// Record a run of a command
///
/// Snapshots the working tree (tracked and untracked files, uncommitted changes included),
/// runs the command with the run protocol's environment variables, passes its output through
/// and commits params, metrics, output and artifacts under refs/git-exp/runs/<id>. The exit
/// code is the command's (130 after Ctrl-C).
///
/// Give the command after `--`, or the name of an entry point defined in exp.toml
/// (`[entry.train]`) whose params are typed, defaulted and checked before anything runs.
/// `-p key=[a,b,c]` sweeps over values: one run per combination of all grids.
/// TensorBoard event files the command writes under its directory (or `--tensorboard DIR`)
/// are read when it ends: scalars become metric series, images logged media.
///
/// Examples:
///   git exp run -- python train.py
///   git exp run -n baseline -t v1 -p lr=0.1 -p epochs=3 -- python train.py --lr {lr}
///   git exp run --params-file params.yaml -- python train.py
///   git exp run --scrape -- ./train.sh        # metrics from `loss=0.3` lines
///   git exp run --scrape -- python hf_train.py  # and from {'loss': 0.69, 'epoch': 1.0}
///   git exp run train -p lr=0.1               # entry point from exp.toml
///   git exp run train -p lr=[0.1,0.01,0.001] -p epochs=[5,10] -j 2
///   git exp run --isolate train               # in a temporary checkout; keep editing meanwhile
///   git exp run --tensorboard /tmp/tb -- python train.py   # scalars and images of its event files
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RunArgs {
    /// Entry point from exp.toml ([entry.<name>]), instead of a command after `--`
    #[arg(value_name = "ENTRY")]
    pub entry: Option<String>,
    #[command(flatten)]
    pub record: RecordArgs,
    /// Read metrics from stdout and stderr: `key=value` / `key: value` numbers (tqdm and Lightning
    /// bars too) and Hugging Face Trainer lines (`{'loss': 0.69, 'epoch': 1.0}`)
    #[arg(long)]
    pub scrape: bool,
    /// Seconds between system metric samples (sys/cpu_percent, sys/rss_bytes); 0 turns them off
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub system_interval: f64,
    /// Run in a temporary checkout of the snapshot, so the working tree is free to change
    #[arg(long)]
    pub isolate: bool,
    /// With --isolate: keep the checkout and whatever the command wrote into it
    #[arg(long, requires = "isolate")]
    pub keep: bool,
    /// Also read TensorBoard event files written under DIR during the run (those under the
    /// command's directory are always read)
    #[arg(long, value_name = "DIR")]
    pub tensorboard: Option<PathBuf>,
    /// Sweeps: how many runs at once
    #[arg(short = 'j', long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Sweeps: start no more runs after one fails
    #[arg(long)]
    pub fail_fast: bool,
    /// The command to run, after `--`; `{name}` is replaced by the param's value
    #[arg(last = true, value_name = "COMMAND")]
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
    /// A param as KEY=VALUE, typed as integer, float, bool or string; KEY=[V1,V2] sweeps (can be repeated)
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, params::Assignment)>,
    /// Record the values of a YAML, TOML or JSON file as params (can be repeated)
    #[arg(long, value_name = "FILE")]
    pub params_file: Vec<PathBuf>,
}

fn parse_param(text: &str) -> Result<(String, params::Assignment), String> {
    params::parse_sweep_assignment(text).map_err(|e| e.message)
}

impl RecordArgs {
    /// Params from the files first, then `-p` on top; and the grids to sweep over.
    pub fn params(&self, ctx: &Ctx) -> anyhow::Result<(params::Params, Vec<params::Grid>)> {
        let mut out = params::Params::new();
        for file in &self.params_file {
            out.extend(params::read_params_file(&ctx.cwd.join(file))?);
        }
        let mut grids = Vec::new();
        for (key, value) in &self.params {
            match value {
                params::Assignment::One(value) => params::insert(&mut out, key, value.clone()),
                params::Assignment::Grid(values) => grids.push((key.clone(), values.clone())),
            }
        }
        Ok((out, grids))
    }
}

pub fn cmd_run(ui: &mut Ui, ctx: &Ctx, args: &RunArgs) -> anyhow::Result<ExitStatus> {
    // git-exp's own heap is a few MiB; the program it runs gets huge pages as it would alone.
    crate::process::without_huge_pages();
    let (base, grids) = args.record.params(ctx)?;
    let store = ctx.store()?;
    let plan = plan::plan(store.workdir(), args.entry.as_deref(), &args.command, &base, &grids)?;
    let request = |planned: Planned, name: Option<String>, sweep: Option<String>, echo: bool| Request {
        name,
        tags: args.record.tags.clone(),
        params: planned.params,
        command: planned.command,
        template: plan.template.clone(),
        entry: plan.entry.clone(),
        scrape: args.scrape,
        echo,
        system_interval: (args.system_interval > 0.0).then(|| Duration::from_secs_f64(args.system_interval)),
        sweep,
        dir: ctx.cwd.clone(),
        isolate: args.isolate,
        keep: args.keep,
        tensorboard: args.tensorboard.as_ref().map(|dir| ctx.cwd.join(dir)),
        ..Request::default()
    };
    if grids.is_empty() {
        // expand_grid always returns `base` itself when there are no grids: one plan, never none.
        let planned = plan.runs.into_iter().next().expect("no grids give exactly one combination");
        return run_one(ui, &store, request(planned, args.record.name.clone(), None, true));
    }
    let sweep = IdSource::new().run_id().to_string();
    let echo = args.jobs <= 1;
    let requests: Vec<Request> = plan
        .runs
        .into_iter()
        .enumerate()
        .map(|(i, planned)| {
            request(planned, args.record.name.as_ref().map(|n| format!("{n}-{}", i + 1)), Some(sweep.clone()), echo)
        })
        .collect();
    run_sweep(ui, ctx, &store, &sweep, requests, &grids, args)
}

/// Runs a sweep's `requests`, `--jobs` at a time, printing a line as each starts and ends, then the
/// summary table.
fn run_sweep(
    ui: &mut Ui,
    ctx: &Ctx,
    store: &crate::store::Store,
    sweep: &str,
    requests: Vec<Request>,
    grids: &[params::Grid],
    args: &RunArgs,
) -> anyhow::Result<ExitStatus> {
    let total = requests.len();
    // The swept values of each run, for status lines and the summary table.
    let swept: Vec<Vec<(String, toml::Value)>> =
        requests.iter().map(|r| plan::swept_values(&r.params, grids)).collect();
    let summaries: Vec<String> = swept
        .iter()
        .map(|values| {
            values
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::store::view::display_value(v)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    writeln!(
        ui.status(),
        "Sweep {sweep}: {}, {} at a time",
        crate::format::count(total, "run", None),
        args.jobs.max(1)
    )?;
    ui.flush();
    let results = sweep::run_all(&ctx.cwd, requests, args.jobs, args.fail_fast, |event| match event {
        sweep::Event::Started { index, id, name } => {
            let _ = writeln!(
                ui.status(),
                "[{}/{total}] started {id} ({}) {}",
                index + 1,
                crate::ui::visible(name),
                crate::ui::visible(&summaries[*index])
            );
        }
        sweep::Event::Finished { index, outcome } => match outcome.as_ref() {
            Ok(done) => {
                for notice in &done.notices {
                    ui.warn(notice);
                }
                let took = crate::format::duration(done.run.record.duration(crate::clock::now()));
                let (status, id, name) = (done.run.status, done.run.id(), &done.run.record.name);
                let _ = writeln!(
                    ui.status(),
                    "[{}/{total}] {status} {id} ({}) after {took}",
                    index + 1,
                    crate::ui::visible(name)
                );
            }
            Err(message) => {
                ui.warn(format!("[{}/{total}] could not record {}: {message}", index + 1, summaries[*index]));
            }
        },
    });
    store.maintain();
    print_summary(ui, &results, grids, &swept)
}

pub fn run_one(ui: &mut Ui, store: &crate::store::Store, request: Request) -> anyhow::Result<ExitStatus> {
    let started = capture::start(store, request)?;
    for notice in &started.notices {
        ui.warn(notice);
    }
    writeln!(ui.status(), "Recording run {} ({})", started.run.id(), crate::ui::visible(&started.run.record.name))?;
    ui.flush();
    let executed = started.execute(store)?;
    store.maintain();
    for notice in &executed.notices {
        ui.warn(notice);
    }
    if let Some(message) = &executed.spawn_error {
        ui.report(&anyhow::anyhow!("{message}"));
    }
    let run = &executed.run;
    let took = crate::format::duration(run.record.duration(crate::clock::now()));
    let how = match (run.record.exit_code, run.record.signal) {
        (_, Some(sig)) => format!(" (killed by signal {sig})"),
        (Some(code), _) if code != 0 => format!(" (exit code {code})"),
        _ => String::new(),
    };
    writeln!(
        ui.status(),
        "Run {} ({}) {}{how} after {took}: {}",
        run.id(),
        crate::ui::visible(&run.record.name),
        run.status,
        run.commit
    )?;
    Ok(match executed.ended.shell_code() {
        0 => ExitStatus::Success,
        code => ExitStatus::Child(code),
    })
}

/// Prints the sweep's runs as a table (data, on stdout) and picks the exit code: 0 when all
/// completed, 130 when interrupted, else 1.
fn print_summary(
    ui: &mut Ui,
    results: &[Option<Result<Executed, String>>],
    grids: &[params::Grid],
    swept: &[Vec<(String, toml::Value)>],
) -> anyhow::Result<ExitStatus> {
    let mut table =
        Table { columns: vec!["id".into(), "name".into(), "status".into(), "duration".into()], rows: vec![] };
    table.columns.extend(grids.iter().map(|(k, _)| format!("params.{k}")));
    let now = crate::clock::now();
    let (mut interrupted, mut all_completed) = (false, true);
    for (result, values) in results.iter().zip(swept) {
        let mut row = match result {
            Some(Ok(done)) => {
                interrupted |= done.ended.interrupted;
                all_completed &= done.run.status == Status::Completed;
                let seconds = done.run.record.duration(now);
                vec![
                    Cell::text(done.run.id().to_string()),
                    Cell::text(done.run.record.name.clone()),
                    Cell::text(done.run.status.as_str()),
                    Cell::new(seconds.into(), crate::format::duration(seconds)),
                ]
            }
            Some(Err(_)) | None => {
                all_completed = false;
                let status = if result.is_some() { "error" } else { "not started" };
                vec![Cell::text(""), Cell::text(""), Cell::text(status), Cell::text("")]
            }
        };
        row.extend(values.iter().map(|(_, v)| {
            Cell::new(serde_json::to_value(v).unwrap_or_default(), crate::store::view::display_value(v))
        }));
        table.rows.push(row);
    }
    ui.print_table(&table)?;
    Ok(if all_completed {
        ExitStatus::Success
    } else if interrupted {
        ExitStatus::Child(130)
    } else {
        ExitStatus::Failure
    })
}
