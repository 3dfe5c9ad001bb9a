//! Runs seen while they run: `git exp tail` following a real `git exp run` of a Python loop that
//! writes metrics, and `git exp report --watch --serve` showing it over HTTP, then its end.
//! The loop waits for a file the test writes, so the run ends only once the test has seen it
//! running: no test depends on how fast the machine is.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::TestEnv;

/// Writes a metric and a line of output every 50 ms until `release` exists, then three more.
const SLOW: &str = r#"
import json, os, sys, time
release = sys.argv[1]
step = 0
def point():
    global step
    with open(os.environ["GIT_EXP_METRICS"], "a") as f:
        f.write(json.dumps({"step": step, "loss": 1.0 / (step + 1)}) + "\n")
    print("epoch", step, flush=True)
    step += 1
    time.sleep(0.05)
deadline = time.time() + 120
while not os.path.exists(release) and time.time() < deadline:
    point()
for _ in range(3):
    point()
"#;

/// Starts `git exp run -n slow` of [`SLOW`] in the background; returns it and its release file.
fn start_slow_run(env: &TestEnv) -> (Child, PathBuf) {
    let release = env.root.join("release");
    let child = env
        .cmd()
        .args(["run", "-n", "slow", "--", "python3", "-c", SLOW])
        .arg(&release)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git-exp starts");
    (child, release)
}

/// Waits until `ls` lists a running run; returns its id.
fn running_id(env: &TestEnv) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = env.run(["ls", "--format", "json"]).json();
        if let Some(run) = runs.as_array().unwrap().iter().find(|r| r["status"] == "running") {
            return run["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "no run started running: {runs}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends the lines `child` writes on `stream` to a channel, read on a thread of their own.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines until one satisfies `test`; returns every line read.
#[track_caller]
fn read_until(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, test: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = test(&line);
                seen.push(line);
                if done {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!("the line looked for never came:\n{}", seen.join("\n"));
}

/// Waits for `child` to exit (killing it after a minute); returns whether it succeeded.
fn wait(child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tail_follows_a_running_run_until_it_ends() {
    let env = TestEnv::with_commit();
    let (mut run, release) = start_slow_run(&env);
    let id = running_id(&env);
    let mut tail = env.cmd().args(["tail", "--interval", "100"]).stdout(Stdio::piped()).spawn().expect("tail starts");
    let rx = lines_of(tail.stdout.take().unwrap());
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, |l| l.starts_with("metrics: loss="));
    read_until(&rx, &mut seen, |l| l.starts_with("> epoch"));
    std::fs::write(&release, "").unwrap();
    read_until(&rx, &mut seen, |l| l.starts_with(&format!("run {id} (slow) completed")));
    assert!(wait(&mut tail), "tail did not exit 0 once the run ended:\n{}", seen.join("\n"));
    seen.extend(rx.try_iter());
    let text = seen.join("\n");
    assert!(text.contains("  loss "), "the final state lists the metric:\n{text}");
    assert!(wait(&mut run), "the run failed");

    // A finished run: its final state at once.
    let out = env.run(["tail", &id]);
    assert!(out.success().starts_with(&format!("run {id} (slow) completed")), "{out}");
    // Nothing running and no run named: an error saying what to do.
    let out = env.run(["tail"]);
    assert!(out.failure(2).contains("no run is running"), "{out}");
}

/// The count of `loss` points in a run page's summary table (0 when it has none).
fn loss_count(page: &str) -> u64 {
    page.split_once("<a href=\"#metric-loss\">loss</a></th><td>")
        .and_then(|(_, rest)| rest.split_once("</td>"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0)
}

/// One HTTP GET over a plain TCP stream: status line, headers, body.
fn get(addr: &str, path: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).expect("the server accepts");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_owned(), headers.to_owned(), body.to_owned())
}

/// GETs `path` until its body satisfies `test`.
#[track_caller]
fn get_until(addr: &str, path: &str, test: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, _, body) = get(addr, path);
        if status.ends_with("200 OK") && test(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never showed what was expected: {status}\n{body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn report_watch_serves_a_running_run_then_its_end() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "done", "--metric", "acc=0.5"]);
    let (mut run, release) = start_slow_run(&env);
    let id = running_id(&env);
    let mut watch = env
        .cmd()
        .args(["report", "-o", "../site", "--watch", "--interval", "100", "--serve", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("report starts");
    let rx = lines_of(watch.stderr.take().unwrap());
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, |l| l.starts_with("Serving ../site at http://127.0.0.1:"));
    let url = seen.last().unwrap().split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();

    let page = format!("/runs/{id}.html");
    // The running run's page charts the points its spool holds so far, and follows them: a
    // later build has more.
    let chart = "<figure class=\"chart-box\" id=\"metric-loss\"";
    let first = get_until(&url, &page, |b| b.contains("s-running") && b.contains(chart) && loss_count(b) >= 2);
    let seen_count = loss_count(&first);
    assert!(first.contains("<polyline"), "the chart draws the points so far:\n{first}");
    assert!(!first.contains("class=\"csv\""), "no CSV link for a series not committed yet");
    get_until(&url, &page, |b| b.contains("s-running") && b.contains(chart) && loss_count(b) > seen_count);
    // The runs table has the metrics the running run has written so far.
    get_until(&url, "/index.html", |b| {
        b.contains(&id) && b.contains("s-running") && b.contains("data-field=\"metrics.loss\"")
    });
    let (status, headers, _) = get(&url, "/assets/report.js");
    assert!(status.ends_with("200 OK") && headers.contains("Content-Type: text/javascript"), "{status}\n{headers}");
    assert!(headers.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"), "{headers}");
    for outside in ["/../repo/train.py", "/%2e%2e/repo/train.py", "/.git-exp-report.json"] {
        assert!(get(&url, outside).0.ends_with("404 Not Found"), "{outside} is served");
    }

    std::fs::write(&release, "").unwrap();
    assert!(wait(&mut run), "the run failed");
    let done = get_until(&url, &page, |b| b.contains("s-completed"));
    // Ctrl-C ends the loop between two builds.
    let pid = watch.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    assert!(wait(&mut watch), "report --watch did not stop cleanly on SIGINT");
    seen.extend(rx.try_iter());
    assert!(seen.iter().any(|l| l == "Stopped."), "{}", seen.join("\n"));

    // The finished run's page is the page a plain build writes.
    env.run(["report", "-o", "../plain"]).success();
    let plain = std::fs::read_to_string(env.root.join("plain").join(&page[1..])).unwrap();
    assert_eq!(done, plain, "the page written under --watch differs from a plain build's");
    assert!(Path::new(&env.root.join("site/index.html")).is_file());
}

/// The same in Chromium: the served page of the running run reloads itself until it shows the
/// run completed (the script creates the release file once it has seen the run running).
#[test]
fn a_served_page_of_a_running_run_reloads_itself_in_a_browser() {
    let Some(chromium) = crate::browser::chromium() else {
        return crate::common::missing_tool(
            "a_served_page_of_a_running_run_reloads_itself_in_a_browser",
            "no chromium on PATH (apt-get install chromium)",
        );
    };
    let env = TestEnv::with_commit();
    let (mut run, release) = start_slow_run(&env);
    let id = running_id(&env);
    let mut watch = env
        .cmd()
        .args(["report", "-o", "../site", "--watch", "--interval", "100", "--serve", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("report starts");
    let rx = lines_of(watch.stderr.take().unwrap());
    let mut seen = Vec::new();
    read_until(&rx, &mut seen, |l| l.starts_with("Serving ../site at http://127.0.0.1:"));
    let url = seen.last().unwrap().split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
    get_until(&url, &format!("/runs/{id}.html"), |b| b.contains("s-running"));
    let shots = std::env::var_os("GIT_EXP_SCREENSHOTS").map_or_else(|| env.root.join("screenshots"), PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/live_page.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(format!("http://{url}/runs/{id}.html"))
        .arg(&release)
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("python3 runs");
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(wait(&mut run), "the run failed");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the served page did not follow the run:\n{report}");
}
