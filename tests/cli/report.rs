//! `git exp report`: the static site, run on real repositories with real runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// A training script: a long series (bucketed in charts), ANSI colours in its output, a PNG
/// and an HTML file as artifacts.
pub const TRAIN: &str = r#"
import base64, json, os
params = json.load(open(os.environ["GIT_EXP_PARAMS"]))
lr = float(params.get("lr", 0.1))
with open(os.environ["GIT_EXP_METRICS"], "a") as m:
    for i in range(2000):
        m.write(json.dumps({"step": i, "train/loss": 1.0 / (1 + lr * i), "time": 1795428000 + i}) + "\n")
    m.write(json.dumps({"step": 0, "val/acc": 0.5 + lr}) + "\n")
print("\x1b[32mepoch 1\x1b[0m done <b>", flush=True)
art = os.environ["GIT_EXP_ARTIFACTS"]
png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
open(os.path.join(art, "plot.png"), "wb").write(base64.b64decode(png))
open(os.path.join(art, "page.html"), "w").write("<script>alert(1)</script>")
"#;

pub const XSS_NAME: &str = "<img src=x onerror=alert(1)>";

/// A repository with three runs of TRAIN and a snapshot with a hostile name and params.
pub fn env_with_runs() -> TestEnv {
    let env = TestEnv::with_commit();
    env.write("train.py", TRAIN);
    env.git(["add", "train.py"]);
    env.git(["commit", "-q", "-m", "train"]);
    for (name, lr) in [("baseline", "0.1"), ("fast", "0.5"), ("slow", "0.01")] {
        env.run(["run", "-n", name, "-p", &format!("lr={lr}"), "--", "python3", "train.py"]).success();
    }
    env.run(["tag", "baseline", "baseline"]).success();
    // The hostile run also has uncommitted code and a notebook whose HTML output has a script.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks");
    std::fs::copy(fixtures.join("hostile--1.ipynb"), env.repo.join("nb.ipynb")).unwrap();
    env.git(["add", "nb.ipynb"]);
    env.git(["commit", "-q", "-m", "notebook"]);
    std::fs::copy(fixtures.join("hostile--2.ipynb"), env.repo.join("nb.ipynb")).unwrap();
    env.write("src/model.py", "W = 2  # <b>uncommitted</b>\n");
    env.run([
        "snapshot",
        "-n",
        XSS_NAME,
        "-p",
        "lr=0.3",
        "-p",
        "evil=</script><script>alert(2)</script>",
        "--metric",
        "acc=0.9",
        "-m",
        "<b>note</b>",
    ])
    .success();
    env
}

/// Every file below `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn html_pages(dir: &Path) -> Vec<(String, String)> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect()
}

fn id_of(env: &TestEnv, name: &str) -> String {
    let json = env.run(["ls", "--format", "json"]).json();
    json.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

fn site(env: &TestEnv) -> PathBuf {
    env.root.join("site")
}

#[test]
fn report_writes_index_run_pages_charts_logs_and_artifacts() {
    let env = env_with_runs();
    let out = env.run(["report", "-o", "../site", "--series-csv"]);
    out.success();
    assert!(out.stderr.contains("Wrote a report of 4 runs to ../site"), "{out}");
    let site = site(&env);
    let baseline = id_of(&env, "baseline");

    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    // The table is in the HTML itself, readable without JavaScript, linking every run.
    assert_eq!(index.matches("<input type=\"checkbox\" name=\"run\"").count(), 4, "{index}");
    for id in env.run_ids() {
        assert!(index.contains(&format!("href=\"runs/{id}.html\"")), "index links run {id}");
        assert!(site.join(format!("runs/{id}.html")).is_file());
    }
    assert!(index.contains("data-field=\"params.lr\"") && index.contains("data-field=\"metrics.train/loss\""));

    let page = std::fs::read_to_string(site.join(format!("runs/{baseline}.html"))).unwrap();
    for expected in [
        "<h1>baseline",
        "completed",
        "python3 train.py",
        "<th scope=\"row\">lr</th><td>0.1</td>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"",
        ">step</text>",
        "2000 points reduced to the lowest and highest value in each of 568 columns",
        // ANSI green became a class, the markup in the log became text.
        "<span class=\"f2\">epoch 1</span> done &lt;b&gt;",
        "<img src=\"../files/",
    ] {
        assert!(page.contains(expected), "run page lacks {expected:?}");
    }
    assert!(page.len() < 1_000_000);

    // The whole log is a download beside the run's data script (no directory per run), the
    // recorded bytes with their escape codes.
    assert!(page.contains(&format!("href=\"../data/{baseline}.output.txt\" download")), "log download link");
    let log = std::fs::read(site.join(format!("data/{baseline}.output.txt"))).unwrap();
    let recorded = env.git(["show", &format!("refs/git-exp/runs/{baseline}:.git-exp/output.log")]);
    assert_eq!(String::from_utf8(log).unwrap(), recorded);

    // With --series-csv, the CSV behind a chart is the recorded series, byte for byte.
    assert!(page.contains(&format!("href=\"../data/{baseline}/metrics/train/loss.csv\" download")));
    let csv = std::fs::read(site.join(format!("data/{baseline}/metrics/train/loss.csv"))).unwrap();
    let recorded = env.git(["show", &format!("refs/git-exp/runs/{baseline}:.git-exp/metrics/train/loss.csv")]);
    assert_eq!(String::from_utf8(csv).unwrap(), recorded);

    // Artifacts by content hash; the PNG keeps its type, the HTML page cannot run in the site.
    let artifacts = env.run(["artifacts", &baseline, "--format", "json"]).json();
    for a in artifacts.as_array().unwrap() {
        let (path, sha) = (a["path"].as_str().unwrap(), a["sha256"].as_str().unwrap());
        let ext = if path.ends_with(".png") { "png" } else { "bin" };
        let copy = site.join(format!("files/{sha}.{ext}"));
        assert!(copy.is_file(), "{path} is in the site as {}", copy.display());
        use sha2::Digest as _;
        assert_eq!(hex::encode(sha2::Sha256::digest(std::fs::read(&copy).unwrap())), sha);
        assert!(page.contains(&format!("href=\"../files/{sha}.{ext}\" download=")), "{path} is downloadable");
    }
    assert!(std::fs::read_to_string(site.join(".nojekyll")).is_ok());
}

#[test]
fn every_user_string_is_escaped_and_every_page_has_a_policy() {
    let env = env_with_runs();
    let xss = id_of(&env, XSS_NAME);
    let baseline = id_of(&env, "baseline");
    env.run(["report", "-o", "../site", "--compare", &format!("{xss},{baseline}"), "--label", "{name} {params.evil}"])
        .success();
    let site = site(&env);
    let pages = html_pages(&site);
    assert!(pages.len() >= 7, "{:?}", pages.iter().map(|p| &p.0).collect::<Vec<_>>());
    for (path, html) in &pages {
        assert!(!html.contains("<img src=x"), "{path} has the raw name");
        assert!(!html.contains("<script>alert"), "{path} has the raw param");
        assert!(!html.contains("<b>note"), "{path} has the raw note");
        let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; \
                   style-src 'self'";
        assert!(html.contains(csp), "{path} has no Content-Security-Policy");
        assert!(html.find(csp) < html.find("<script"), "{path}: the policy comes before any script");
        // Nothing is fetched from elsewhere: no absolute URLs in src or href.
        for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
            assert!(!html.contains(attr), "{path} loads from the network ({attr})");
        }
        assert!(!html.contains(" style=\""), "{path} has an inline style the policy would block");
        assert!(!html.contains("<script>"), "{path} has an inline script the policy would block");
    }
    let run_page = std::fs::read_to_string(site.join(format!("runs/{xss}.html"))).unwrap();
    assert!(run_page.contains("&lt;img src=x onerror=alert(1)&gt;"), "the name is shown as text");
    assert!(run_page.contains("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), "the param is text");
    // The data scripts carry user strings as JSON with `<` escaped.
    let data = std::fs::read_to_string(site.join(format!("data/{xss}.js"))).unwrap();
    assert!(!data.contains("</script>") && data.contains("\\u003c/script>"), "{data}");
    let runs_js = std::fs::read_to_string(site.join("data/runs.js")).unwrap();
    assert!(!runs_js.contains('<'), "data/runs.js holds no raw `<`");
}

#[test]
fn run_pages_show_the_code_diff_and_notebooks_against_the_base() {
    let env = env_with_runs();
    env.run(["report", "-o", "../site"]).success();
    let xss = id_of(&env, XSS_NAME);
    let site = site(&env);
    let page = std::fs::read_to_string(site.join(format!("runs/{xss}.html"))).unwrap();
    assert!(page.contains("<code>src/model.py</code>"), "the changed file is listed");
    assert!(page.contains("<span class=\"remove\">-W = 1</span>"), "its patch is shown");
    assert!(page.contains("<span class=\"add\">+W = 2  # &lt;b&gt;uncommitted&lt;/b&gt;</span>"), "escaped");
    assert!(page.contains(&format!("<a href=\"{xss}/notebook-1.html\">nb.ipynb</a>")), "the notebook has a page");
    let notebook = std::fs::read_to_string(site.join(format!("runs/{xss}/notebook-1.html"))).unwrap();
    assert!(notebook.contains("class=\"nbdiff\""), "rendered by the notebook engine");
    assert!(notebook.contains("<iframe class=\"nbd-html\" sandbox=\"\""), "HTML outputs only in sandboxed frames");
    assert!(!notebook.contains("<script>"), "no script of the notebook is in the page");
    assert!(notebook.contains("Content-Security-Policy"));
    assert!(site.join("assets/nbdiff.css").is_file());
}

#[test]
fn where_selects_runs_with_the_ls_language() {
    let env = env_with_runs();
    env.run(["report", "-o", "../site", "--where", "params.lr < 0.2 and status = completed"]).success();
    let site = site(&env);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_eq!(index.matches("<input type=\"checkbox\" name=\"run\"").count(), 2, "baseline and slow");
    assert!(site.join(format!("runs/{}.html", id_of(&env, "slow"))).is_file());
    assert!(!site.join(format!("runs/{}.html", id_of(&env, "fast"))).exists());
    let out = env.run(["report", "-o", "../site", "--where", "params.lr <"]);
    assert!(out.failure(2).contains("invalid --where"), "{out}");
}

#[test]
fn the_same_runs_give_the_same_bytes() {
    let env = env_with_runs();
    // At one instant: a report built on a pinned clock embeds it for the filter's `7d ago`.
    let now = [("GIT_EXP_NOW", "2026-11-23T11:00:00Z")];
    let a = env.run_in(&env.repo, &now, ["report", "-o", "../a", "--compare", "baseline,fast,slow"]);
    a.success();
    let b = env.run_in(&env.repo, &now, ["report", "-o", "../b", "--compare", "baseline,fast,slow"]);
    b.success();
    let (a, b) = (files(&env.root.join("a")), files(&env.root.join("b")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two reports of the same runs");
    }
}

#[test]
fn a_second_report_rewrites_only_what_changed() {
    let env = env_with_runs();
    // At one instant: a report built on a pinned clock embeds it for the filter's `7d ago`.
    let now = [("GIT_EXP_NOW", "2026-11-23T11:00:00Z")];
    env.run_in(&env.repo, &now, ["report", "-o", "../site", "--compare", "baseline,fast"]).success();
    let site = site(&env);
    let (baseline, fast, slow) = (id_of(&env, "baseline"), id_of(&env, "fast"), id_of(&env, "slow"));
    let mtime = |rel: &str| std::fs::metadata(site.join(rel)).unwrap().modified().unwrap();
    // Age every file, so a rewrite is visible in its mtime even on a coarse clock.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for rel in files(&site).keys() {
        std::fs::File::options().write(true).open(site.join(rel)).unwrap().set_modified(old).unwrap();
    }

    let again = env.run_in(&env.repo, &now, ["report", "-o", "../site", "--compare", "baseline,fast"]);
    assert!(again.stderr.contains(": 0 files written"), "nothing changed, nothing written\n{again}");
    assert!(files(&site).keys().all(|rel| mtime(rel) == old), "no file was touched");

    // Tag one run, remove another, add a third: only their pages change.
    env.run(["tag", &fast, "best"]).success();
    env.run(["rm", &slow]).success();
    env.run(["snapshot", "-n", "newer", "--metric", "acc=0.95"]).success();
    let newer = id_of(&env, "newer");
    let third = env.run(["report", "-o", "../site", "--compare", "baseline,fast"]);
    third.success();
    assert_eq!(mtime(&format!("runs/{baseline}.html")), old, "an unchanged run's page is left alone");
    assert_eq!(mtime(&format!("data/{baseline}.js")), old);
    assert_ne!(mtime(&format!("runs/{fast}.html")), old, "the tagged run's page is rewritten");
    assert!(std::fs::read_to_string(site.join(format!("runs/{fast}.html"))).unwrap().contains("best"));
    assert_ne!(mtime(&format!("compare/{baseline}-{fast}.html")), old, "its comparison too");
    assert!(!site.join(format!("runs/{slow}.html")).exists(), "a removed run's page is deleted");
    assert!(!site.join(format!("data/{slow}")).exists(), "and its data directory");
    assert!(site.join(format!("runs/{newer}.html")).is_file());
    assert_ne!(mtime("index.html"), old);
    assert_eq!(mtime("assets/report.css"), old, "unchanged assets are not rewritten");
}

#[test]
fn comparisons_overlay_runs_with_labels_and_csv() {
    let env = env_with_runs();
    let out = env.run([
        "report",
        "-o",
        "../site",
        "--compare",
        "baseline,fast,slow",
        "--label",
        "{name} lr={params.lr} {tags}",
    ]);
    out.success();
    let site = site(&env);
    let ids: Vec<String> = ["baseline", "fast", "slow"].iter().map(|n| id_of(&env, n)).collect();
    let slug = ids.join("-");
    let page = std::fs::read_to_string(site.join(format!("compare/{slug}.html"))).unwrap();
    for label in ["baseline lr=0.1 baseline", "fast lr=0.5 –", "slow lr=0.01 –"] {
        assert!(page.contains(label), "legend label {label:?}");
    }
    let chart_start = page.find("train/loss</strong>").unwrap();
    let chart = &page[chart_start..page[chart_start..].find("</figure>").unwrap() + chart_start];
    assert_eq!(chart.matches("<polyline").count(), 3, "one line per run");
    for colour in ["#4e79a7", "#f28e2b", "#e15759"] {
        assert!(chart.contains(&format!("stroke=\"{colour}\"")), "distinct colours");
    }
    assert!(chart.contains("min/max bucketing"), "the chart says it was reduced");
    assert!(page.contains("<tr class=\"differs\"><th scope=\"row\">params.lr</th>"), "differences highlighted");
    assert!(page.contains("<tr class=\"same\"><th scope=\"row\">branch</th>"));

    let csv = std::fs::read_to_string(site.join(format!("compare/{slug}/train/loss.csv"))).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("run,label,step,value,time"));
    assert_eq!(csv.lines().count(), 1 + 3 * 2000, "every point of every run");
    assert!(csv.contains(&format!("{},fast lr=0.5 –,1999,", ids[1])), "{}", &csv[..200]);

    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains(&format!("href=\"compare/{slug}.html\"")), "the index lists the comparison");
    // The browser-side comparison has each run's reduced series and label.
    let data = std::fs::read_to_string(site.join(format!("data/{}.js", ids[0]))).unwrap();
    assert!(data.starts_with("gitExp.addRun({") && data.contains("\"label\":\"baseline lr=0.1 baseline\""));
    assert!(data.contains("\"n\":2000"));
}

#[test]
fn bad_input_is_a_usage_error_naming_it() {
    let env = env_with_runs();
    std::fs::create_dir_all(env.root.join("mine")).unwrap();
    std::fs::write(env.root.join("mine/notes.txt"), "keep me").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--label", "{nmae}"], "--label `{nmae}`: unknown field `nmae`"),
        (&["--label", "{name"], "has a `{` without a `}`"),
        (&["--compare", "baseline"], "--compare `baseline` names one run"),
        (&["--base-url", "javascript:alert(1)"], "--base-url `javascript:alert(1)` is not an http(s) URL"),
        (&["--max-artifact-size", "lots"], "--max-artifact-size `lots` is not a size"),
        (&["--templates", "nowhere"], "nowhere"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["report", "-o", "../site"];
        all.extend_from_slice(args);
        let out = env.run(&all);
        let stderr = out.failure(2);
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{args:?}\n{out}");
    }
    let out = env.run(["report", "-o", "../mine"]);
    assert!(out.failure(2).contains("`../mine` is not empty and holds no report written by git-exp"), "{out}");
    assert_eq!(std::fs::read_to_string(env.root.join("mine/notes.txt")).unwrap(), "keep me");
    let out = env.run(["report", "-o", "../site", "--compare", "baseline,nosuchrun"]);
    assert!(out.failure(1).contains("no run matches `nosuchrun`"), "{out}");
}

#[test]
fn templates_can_be_replaced_from_a_directory() {
    let env = env_with_runs();
    let dir = env.root.join("tpl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("run.html"),
        "{% extends \"base.html\" %}{% block main %}<p class=custom>{{ run.name }} by {{ run.host }}</p>{% endblock %}",
    )
    .unwrap();
    env.run(["report", "-o", "../site", "--templates", "../tpl"]).success();
    let baseline = id_of(&env, "baseline");
    let page = std::fs::read_to_string(site(&env).join(format!("runs/{baseline}.html"))).unwrap();
    assert!(page.contains("<p class=custom>baseline by "), "{page}");
    assert!(page.contains("Content-Security-Policy"), "the built-in base still applies");

    // Strict undefined: a misspelt variable is an error naming the template, not an empty string.
    std::fs::write(dir.join("run.html"), "{% extends \"base.html\" %}{% block main %}{{ run.nmae }}{% endblock %}")
        .unwrap();
    let out = env.run(["report", "-o", "../site2", "--templates", "../tpl"]);
    let stderr = out.failure(1);
    assert!(stderr.contains("run.html"), "{out}");
}

#[test]
fn canonical_links_use_the_base_url_and_links_stay_relative() {
    let env = env_with_runs();
    let out = env.run([
        "report",
        "-o",
        "../site",
        "--title",
        "Sentiment <model>",
        "--base-url",
        "https://org.github.io/repo",
    ]);
    out.success();
    assert!(out.stderr.contains("https://org.github.io/repo/"), "{out}");
    let baseline = id_of(&env, "baseline");
    let page = std::fs::read_to_string(site(&env).join(format!("runs/{baseline}.html"))).unwrap();
    assert!(
        page.contains(&format!("<link rel=\"canonical\" href=\"https://org.github.io/repo/runs/{baseline}.html\">"))
    );
    assert!(page.contains("<a class=\"home\" href=\"../index.html\">Sentiment &lt;model&gt;</a>"));
}
