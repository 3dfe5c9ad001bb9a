//! The report in a real browser: headless Chromium, driven by tests/browser/check_site.py over
//! the DevTools protocol. The site is opened from disk and over HTTP; see the script for what
//! it asserts. Skipped, saying so, only when no Chromium is installed (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;
use crate::report::{XSS_NAME, env_with_runs};

pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn id_of(env: &TestEnv, name: &str) -> String {
    let json = env.run(["ls", "--format", "json"]).json();
    json.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_report_works_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        crate::common::missing_tool(
            "the_report_works_in_a_real_browser",
            "no chromium on PATH (apt-get install chromium)",
        );
        return;
    };
    let env = env_with_runs();
    env.run(["report", "-o", "../site", "--compare", "baseline,fast,slow", "--label", "{name} lr={params.lr}"])
        .success();
    let shots = std::env::var_os("GIT_EXP_SCREENSHOTS").map_or_else(|| env.root.join("screenshots"), PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_site.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(env.root.join("site"))
        .arg(&shots)
        .args(["--xss-run", &id_of(&env, XSS_NAME), "--run", &id_of(&env, "baseline")])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser check failed\n--- stdout\n{stdout}--- stderr\n{stderr}");
    for name in ["file-index.png", "http-index.png", "file-run.png", "file-run-xss.png", "file-compare-ticked.png"] {
        let png = std::fs::read(shots.join(name)).unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name} is a real screenshot");
    }
}

/// The report of a sweep in the browser: the table at 1280 px with id and name pinned, folded
/// constant columns, parallel coordinates whose brushing narrows the table, scatters and
/// importance, single-value bars on a comparison, log scale, smoothing and zoom, logged images
/// side by side with a step slider.
#[test]
fn the_sweep_report_works_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        crate::common::missing_tool(
            "the_sweep_report_works_in_a_real_browser",
            "no chromium on PATH (apt-get install chromium)",
        );
        return;
    };
    let env = env_with_runs();
    crate::report_sweep::sweep_runs(&env, 60, 12);
    crate::report_sweep::media_runs(&env);
    let label = ["--label", "{name} lr={params.lr}"];
    env.run(
        ["report", "-o", "../site", "--compare", "baseline,fast,slow", "--compare", "img-a,img-b"].iter().chain(&label),
    )
    .success();
    let site = env.root.join("site");
    let ids = |names: &[&str]| names.iter().map(|n| id_of(&env, n)).collect::<Vec<_>>().join("-");
    let compare = format!("{}.html", ids(&["baseline", "fast", "slow"]));
    let media = format!("compare/{}.html", ids(&["img-a", "img-b"]));
    let shots = std::env::var_os("GIT_EXP_SCREENSHOTS").map_or_else(|| env.root.join("screenshots"), PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_site.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&site)
        .arg(&shots)
        .args(["--sweep-compare", &format!("compare/{compare}"), "--media-compare", &media])
        .args(["--run", &id_of(&env, "baseline")])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser check failed\n--- stdout\n{stdout}--- stderr\n{stderr}");
}

/// The filter of a paginated table (520 runs: two pages of 500) searches every page: typed on
/// page 1 it lists the runs of page 2 it keeps, and the other way round, exactly the runs
/// `git exp ls --where` lists.
#[test]
fn the_filter_finds_runs_on_every_page_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        crate::common::missing_tool(
            "the_filter_finds_runs_on_every_page_in_a_real_browser",
            "no chromium on PATH (apt-get install chromium)",
        );
        return;
    };
    let env = TestEnv::with_commit();
    crate::report_sweep::sweep_runs(&env, 520, 0);
    env.run(["report", "-o", "../site"]).success();
    let site = env.root.join("site");
    assert!(site.join("runs-2.html").is_file() && !site.join("runs-3.html").exists(), "two pages");
    // The oldest runs (sweep-0 … sweep-19) are on page 2, the newest on page 1.
    let cases: Vec<serde_json::Value> = [
        ("index.html", "name = \"sweep-3\"", true),
        ("index.html", "params.lr = 0.004 and params.depth < 4", false),
        ("index.html", "metrics.acc > 0.74 or name ~ \"^sweep-1[0-9]$\"", false),
        ("runs-2.html", "name in [\"sweep-500\", \"sweep-7\"]", false),
    ]
    .into_iter()
    .map(|(page, expr, only_elsewhere)| {
        let listed = env.run(["ls", "--where", expr, "--format", "json"]).json();
        let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert!(!ids.is_empty(), "`{expr}` lists runs");
        serde_json::json!({"page": page, "expr": expr, "ids": ids, "only_elsewhere": only_elsewhere})
    })
    .collect();
    let shots = std::env::var_os("GIT_EXP_SCREENSHOTS").map_or_else(|| env.root.join("screenshots"), PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/pages.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&site)
        .arg(&shots)
        .arg(serde_json::Value::Array(cases).to_string())
        .env("CHROMIUM", &chromium)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser check failed\n--- stdout\n{stdout}--- stderr\n{stderr}");
}
