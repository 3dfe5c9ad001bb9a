//! The report for sweeps: the runs table (goal metrics first, constant columns folded), its
//! pages, the sweep views (parallel coordinates, scatters, importance), single-value metrics as
//! bars, on real repositories with real runs.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::TestEnv;

const CROCKFORD: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A run id for `i`: eight Crockford base32 digits.
fn id(i: usize) -> String {
    (0..8).rev().map(|k| CROCKFORD[(i >> (5 * k)) & 31] as char).collect()
}

/// Writes `n` completed runs of a sweep straight into the repository with `git fast-import`
/// (a few seconds for thousands, where recording each would take minutes): a record each, as
/// docs/FORMAT.md describes it, with params `lr` and `depth` that vary, `dataset` that does
/// not, `extra` more params under `opt.` (to make the table wide), and a score logged once; with
/// `extra` params a second metric `loss` too (ordered otherwise than `acc`: by depth first), for
/// the metric chooser of the parallel coordinates.
pub fn sweep_runs(env: &TestEnv, n: usize, extra: usize) {
    let mut stream = String::new();
    for i in 0..n {
        let (id, lr, depth) = (id(i + 1), (i % 50 + 1) as f64 / 1000.0, i % 7);
        let acc = 0.5 + lr * 5.0 - 0.01 * depth as f64;
        let settings: String = (0..extra).map(|j| format!("setting_number_{j} = {}\n", (i * (j + 1)) % 13)).collect();
        let opt = if extra > 0 { format!("[params.opt]\n{settings}") } else { String::new() };
        let loss = 0.1 * depth as f64 + lr;
        let loss = if extra > 0 {
            format!(
                "\n[metrics.loss]\ncount = 1\nfirst_step = 0\nlast_step = 0\nfirst = {loss}\nlast = {loss}\n\
                 min = {loss}\nmax = {loss}\nmean = {loss}\n"
            )
        } else {
            String::new()
        };
        let toml = format!(
            "schema = 1\nid = \"{id}\"\nname = \"sweep-{i}\"\nstatus = \"completed\"\ncommand = [\"python3\", \"train.py\"]\n\
             cwd = \".\"\nstarted = \"2026-11-{:02}T{:02}:{:02}:00.000Z\"\nended = \"2026-11-{0:02}T{1:02}:{2:02}:05.000Z\"\n\
             exit_code = 0\nbranch = \"main\"\ndirty = false\ntags = []\n\n[host]\nhostname = \"vm\"\nuser = \"u\"\n\
             os = \"linux\"\narch = \"x86_64\"\ncpus = 2\nmemory_bytes = 1\n\n[params]\ndataset = \"digits\"\ndepth = {depth}\n\
             lr = {lr}\n{opt}\n[metrics.acc]\ncount = 1\nfirst_step = 0\nlast_step = 0\nfirst = {acc}\nlast = {acc}\nmin = {acc}\n\
             max = {acc}\nmean = {acc}\n{loss}",
            1 + i / 1440,
            (i / 60) % 24,
            i % 60,
        );
        let message = format!("run {id} (sweep-{i}): completed");
        stream.push_str(&format!(
            "commit refs/git-exp/runs/{id}\ncommitter t <t@example.com> {} +0000\ndata {}\n{message}\n\
             M 100644 inline .git-exp/run.toml\ndata {}\n{toml}\n\n",
            1_795_428_000 + i,
            message.len(),
            toml.len()
        ));
    }
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd
        .args(["fast-import", "--quiet"])
        .current_dir(&env.repo)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import starts");
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import");
}

fn read(site: &Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_index_is_paginated_and_every_page_stays_under_a_megabyte() {
    let env = TestEnv::with_commit();
    sweep_runs(&env, 2600, 0);
    env.run(["report", "-o", "../site"]).success();
    let site = env.root.join("site");
    let pages = ["index.html", "runs-2.html", "runs-3.html", "runs-4.html", "runs-5.html", "runs-6.html"];
    for page in pages {
        let html = read(&site, page);
        assert!(html.len() < 1 << 20, "{page} is {} bytes", html.len());
        assert!(html.contains("of 2600"), "{page} says where it is");
    }
    assert!(!site.join("runs-7.html").exists());
    for script in ["data/runs.js", "data/runs-2.js", "data/runs-6.js"] {
        let len = std::fs::metadata(site.join(script)).unwrap().len();
        assert!(len < 1 << 20, "{script} is {len} bytes");
    }
    let first = read(&site, "index.html");
    assert_eq!(first.matches("<tr><td><input type=\"checkbox\"").count(), 500, "500 runs a page");
    assert!(first.contains("Runs 1–500 of 2600") && first.contains("href=\"runs-2.html\" rel=\"next\""));
    assert!(first.contains("<script src=\"data/runs.js\""));
    let last = read(&site, "runs-6.html");
    assert_eq!(last.matches("<tr><td><input type=\"checkbox\"").count(), 100);
    assert!(last.contains("<script src=\"data/runs-6.js\"") && last.contains("rel=\"prev\""));
    // The largest page over 10,000 runs is a page of 500 rows plus 20 page links: the same size.
    let biggest = pages.iter().map(|p| read(&site, p).len()).max().unwrap();
    println!("largest index page over 2600 runs: {biggest} bytes");
}

#[test]
fn constant_columns_are_folded_and_goal_metrics_come_first() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[metrics]\nzscore = \"max\"\n");
    for (name, lr) in [("a", "0.1"), ("b", "0.2"), ("c", "0.3")] {
        env.snapshot(&[
            "-n",
            name,
            "-p",
            &format!("lr={lr}"),
            "-p",
            "dataset=digits",
            "--metric",
            &format!("zscore={lr}"),
            "--metric",
            "aloss=1",
            "--metric",
            &format!("sys/cpu={lr}"),
        ]);
    }
    env.run(["report", "-o", "../site"]).success();
    let index = read(&env.root.join("site"), "index.html");
    let folded = index.split("class=\"folded\"").nth(1).expect("a line of folded columns");
    let folded = &folded[..folded.find("</p>").unwrap()];
    assert!(folded.contains("status</span> completed") && folded.contains("dataset</span> digits"), "{folded}");
    assert!(folded.contains("aloss</span> 1"), "{folded}");
    let table = &index[index.find("id=\"runs-table\"").unwrap()..];
    let head = &table[..table.find("</thead>").unwrap()];
    assert!(!head.contains("data-field=\"status\"") && !head.contains("params.dataset"), "{head}");
    // The goal metric before the others, system series last and hidden.
    let (lr, score, cpu) =
        (head.find("params.lr").unwrap(), head.find("metrics.zscore").unwrap(), head.find("metrics.sys/cpu").unwrap());
    assert!(lr < score && score < cpu, "{head}");
    assert!(head.contains("data-field=\"metrics.sys/cpu\" data-kind=\"num\" hidden"), "{head}");
}

#[test]
fn sweep_views_show_how_params_drive_the_goal_metric() {
    let env = TestEnv::with_commit();
    sweep_runs(&env, 30, 0);
    env.run(["report", "-o", "../site", "--compare", &format!("{},{},{}", id(1), id(2), id(3))]).success();
    let site = env.root.join("site");
    let index = read(&site, "index.html");
    assert!(index.contains("How the params drive acc"));
    assert_eq!(index.matches("<polyline data-run=").count(), 30, "a line per run");
    assert_eq!(index.matches("class=\"pc-axis\"").count(), 3, "lr, depth and acc");
    // acc grows with lr (rho near +1) and falls a little with depth.
    let table = &index[index.find("class=\"importance\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let (lr, depth) = (table.find("<th scope=\"row\">lr").unwrap(), table.find("<th scope=\"row\">depth").unwrap());
    assert!(lr < depth, "the stronger param first: {table}");
    assert!(table.contains("+0.9"), "{table}");
    assert_eq!(index.matches("class=\"sweep scatter\"").count(), 2);

    let compare = read(&site, &format!("compare/{}-{}-{}.html", id(1), id(2), id(3)));
    assert!(compare.contains("class=\"sweep-views\""), "the sweep of the compared runs");
    // A metric logged once per run is a bar per run, and one table row.
    assert!(compare.contains("class=\"chart bars\"") && compare.matches("class=\"bar\"").count() == 3);
    assert!(compare.contains(">metrics.acc<") && !compare.contains("metrics.acc:min"), "no repeated rows");
}

#[test]
fn single_values_have_no_step_chart_on_run_pages() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "once", "--metric", "acc=0.9"]);
    env.run(["report", "-o", "../site"]).success();
    let page = read(&env.root.join("site"), &format!("runs/{id}.html"));
    assert!(page.contains("<th scope=\"row\">acc</th>"), "the value is in the summary");
    assert!(!page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""), "no one-dot chart");
}

/// A script that logs images per step as the shared layout has them (`media/<key>/<step>.png`,
/// a colour that depends on `lr` and the step), writes `model.bin` (the same bytes in every
/// run) and `preds.csv` (different bytes).
pub const MEDIA_SCRIPT: &str = r#"
import json, os, struct, zlib
lr = float(json.load(open(os.environ["GIT_EXP_PARAMS"]))["lr"])
art = os.environ["GIT_EXP_ARTIFACTS"]
def png(r, g, b, w=160, h=100):
    # A gradient whose colour depends on lr and the step, so that every image differs.
    raw = b"".join(b"\x00" + b"".join(bytes([r, (g + x) % 256, (b + y * 2) % 256]) for x in range(w)) for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
os.makedirs(os.path.join(art, "media", "samples"), exist_ok=True)
for step in (0, 5, 10):
    open(os.path.join(art, "media", "samples", f"{step}.png"), "wb").write(png(int(lr * 250), step * 25, 120))
open(os.path.join(art, "model.bin"), "wb").write(b"\0" * 64)
open(os.path.join(art, "preds.csv"), "w").write(f"lr,{lr}\n")
with open(os.environ["GIT_EXP_METRICS"], "a") as m:
    for step in range(20):
        m.write(json.dumps({"step": step, "loss": 1.0 / (1 + lr * step)}) + "\n")
"#;

/// Records two runs of MEDIA_SCRIPT (`img-a`, `img-b`); the second also changes the code.
pub fn media_runs(env: &TestEnv) {
    env.write("media.py", MEDIA_SCRIPT);
    env.git(["add", "media.py"]);
    env.git(["commit", "-q", "-m", "media"]);
    env.run(["run", "-n", "img-a", "-p", "lr=0.2", "--", "python3", "media.py"]).success();
    env.write("media.py", &format!("{MEDIA_SCRIPT}# tuned\n"));
    env.run(["run", "-n", "img-b", "-p", "lr=0.8", "--", "python3", "media.py"]).success();
}

#[test]
fn comparisons_show_artifacts_images_per_step_and_the_code_side_by_side() {
    let env = TestEnv::with_commit();
    media_runs(&env);
    env.run(["report", "-o", "../site", "--compare", "img-a,img-b"]).success();
    let site = env.root.join("site");
    let name = std::fs::read_dir(site.join("compare"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".html"))
        .unwrap();
    let page = read(&site, &format!("compare/{name}"));
    // Logged images: one key, three steps, the last shown, every step's image for the slider.
    assert!(page.contains("<figure class=\"media\" data-steps=\"0 5 10\">"), "media section");
    assert_eq!(page.matches("data-srcs=\"../files/").count(), 2, "an image per run");
    let media = &page[page.find("id=\"media\"").unwrap()..page.find("id=\"artifacts\"").unwrap()];
    assert_eq!(media.matches(".png").count(), 2 + 2 * 3, "last step shown, three steps each");
    // Other artifacts side by side, the same bytes marked.
    let artifacts = &page[page.find("id=\"artifacts\"").unwrap()..];
    let model = &artifacts[artifacts.find("model.bin").unwrap()..];
    assert!(model[..model.find("</th>").unwrap()].contains("equal"), "model.bin is the same in both runs");
    let preds = &artifacts[artifacts.find("preds.csv").unwrap()..];
    assert!(!preds[..preds.find("</th>").unwrap()].contains("equal"));
    assert!(!artifacts.contains("media/samples"), "logged images are not listed twice");
    // The code of the second run against the first.
    let code = &page[page.find("id=\"code\"").unwrap()..];
    assert!(code.contains("media.py") && code.contains("+# tuned"), "{code}");
}

#[test]
fn comparisons_diff_notebooks_against_the_first_run() {
    let env = TestEnv::with_commit();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks");
    std::fs::copy(fixtures.join("hostile--1.ipynb"), env.repo.join("nb.ipynb")).unwrap();
    env.git(["add", "nb.ipynb"]);
    env.git(["commit", "-q", "-m", "notebook"]);
    let a = env.snapshot(&["-n", "nb-a"]);
    std::fs::copy(fixtures.join("hostile--2.ipynb"), env.repo.join("nb.ipynb")).unwrap();
    let b = env.snapshot(&["-n", "nb-b"]);
    env.run(["report", "-o", "../site", "--compare", &format!("{a},{b}")]).success();
    let site = env.root.join("site");
    let page = read(&site, &format!("compare/{a}-{b}.html"));
    let link = format!("href=\"{a}-{b}/notebook-1-1.html\"");
    assert!(page.contains(&link), "the notebook that differs is linked: {page}");
    let notebook = read(&site, &format!("compare/{a}-{b}/notebook-1-1.html"));
    assert!(notebook.contains(&format!("run {a}:nb.ipynb")) && notebook.contains(&format!("run {b}:nb.ipynb")));
    assert!(notebook.contains("sandbox=\"\"") || !notebook.contains("<iframe"), "outputs stay in sandboxed frames");
    assert!(!notebook.contains("<script>alert"), "no script of the notebook reaches the page");
}
