use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::capture::{self, Request, params};
use crate::commands::{Ctx, ExitStatus};
use crate::report;
use crate::store::Store;
use crate::ui::Ui;

/// Create a demo repository with a few recorded runs and a report
///
/// Writes a small training script (Python, standard library only) into a new git repository,
/// records several runs of it with different params (one of them diverges and fails, one is
/// made with uncommitted changes), writes the HTML report into its `site/` and prints what to
/// try next. Needs python3.
///
/// Examples:
///   git exp demo
///   git exp demo /tmp/exp-demo
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct DemoArgs {
    /// Where to create the demo repository (must not exist, or be empty)
    #[arg(default_value = "demo")]
    pub dir: PathBuf,
}

const TRAIN: &str = include_str!("../../examples/demo/train.py");
const EXP_TOML: &str = include_str!("../../examples/demo/exp.toml");
const README: &str = include_str!("../../examples/demo/README.md");
const GITIGNORE: &str = include_str!("../../examples/demo/gitignore");

pub fn cmd_demo(ui: &mut Ui, ctx: &Ctx, args: &DemoArgs) -> anyhow::Result<ExitStatus> {
    let dir = ctx.cwd.join(&args.dir);
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        anyhow::bail!("`{}` exists and is not empty; give another directory", dir.display());
    }
    capture::host::find_in_path("python3").context("the demo runs a Python script: python3 is not on PATH")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for (name, text) in [("train.py", TRAIN), ("exp.toml", EXP_TOML), ("README.md", README), (".gitignore", GITIGNORE)]
    {
        std::fs::write(dir.join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    crate::store::setup::init_with_commit(&dir, "Demo: logistic regression on synthetic data")?;
    let store = Store::open(&dir)?;

    let runs: [(&str, &[&str], &[&str]); 4] = [
        ("baseline", &["lr=0.1", "epochs=20"], &["baseline"]),
        ("fast", &["lr=0.5", "epochs=20"], &[]),
        ("slow", &["lr=0.01", "epochs=30"], &[]),
        ("too-fast", &["lr=5000", "epochs=20"], &["debug"]),
    ];
    for (name, values, tags) in runs {
        record(ui, &store, &dir, name, values, tags)?;
    }
    // A run of uncommitted code: `git exp show` lists the change, `git diff` shows it.
    let edited = TRAIN.replace("make_data(400, rng)", "make_data(800, rng)");
    std::fs::write(dir.join("train.py"), edited)?;
    record(ui, &store, &dir, "more-data", &["lr=0.1", "epochs=20"], &[])?;

    let site = write_report(&store, &dir)?;
    let shown = args.dir.display();
    writeln!(ui.status(), "\nDemo repository ready in {shown}, its report in {}. Try:", args.dir.join(site).display())?;
    for line in [
        format!("  cd {shown}"),
        "  git exp ls".into(),
        format!("  open {site}/index.html              # or: python3 -m http.server -d {site}"),
        "  git exp show @".into(),
        "  git exp metrics baseline train/loss --format csv".into(),
        "  git exp artifacts baseline -o out/".into(),
        "  git diff HEAD refs/git-exp/runs/$(git exp ls --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') -- . ':!.git-exp'".into(),
    ] {
        writeln!(ui.status(), "{line}")?;
    }
    Ok(ExitStatus::Success)
}

/// Writes the report of the demo's runs, with a comparison of three learning rates, into
/// `site/` (ignored by the demo's .gitignore) and returns that directory's name.
fn write_report(store: &Store, dir: &Path) -> anyhow::Result<&'static str> {
    const SITE: &str = "site";
    let runs = store.list()?.runs;
    let by_name = |name: &str| runs.iter().find(|r| r.record.name == name).cloned();
    let compare: Vec<_> = ["baseline", "fast", "slow"].into_iter().filter_map(by_name).collect();
    let label_text = "{name} lr={params.lr}";
    let options = report::Options {
        title: "git-exp demo".into(),
        base_url: None,
        label: report::LabelTemplate::parse(label_text)?,
        label_text: label_text.into(),
        x_axis: report::XAxis::Step,
        templates: report::Templates::load(None)?,
        max_artifact_size: 50 << 20,
        series_csv: true,
        compares: vec![compare],
        goals: crate::config::Config::load(Some(dir))?.metrics,
        live: std::collections::BTreeMap::new(),
    };
    report::generate(store, &runs, &options, &dir.join(SITE), &indicatif::ProgressBar::hidden())?;
    Ok(SITE)
}

fn record(ui: &mut Ui, store: &Store, dir: &Path, name: &str, values: &[&str], tags: &[&str]) -> anyhow::Result<()> {
    let mut run_params = params::Params::new();
    for value in values {
        let (key, value) = params::parse_assignment(value)?;
        params::insert(&mut run_params, &key, value);
    }
    let command = ["python3", "train.py", "--lr", "{lr}", "--epochs", "{epochs}"].map(String::from);
    let command = params::substitute(&command, &run_params)?;
    let request = Request {
        name: Some(name.to_owned()),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        params: run_params,
        command,
        echo: false,
        dir: dir.to_owned(),
        ..Request::default()
    };
    let executed = capture::start(store, request)?.execute(store)?;
    let run = &executed.run;
    writeln!(ui.status(), "Recorded run {} ({}): {}", run.id(), crate::ui::visible(&run.record.name), run.status)?;
    Ok(())
}
