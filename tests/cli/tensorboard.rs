//! TensorBoard event files, written by real tensorboardX: read under `git exp run`, and
//! imported with `git exp import --tensorboard`.

use std::process::Command;

use crate::common::{TestEnv, missing_tool};

/// tensorboardX writes the event files; Pillow encodes its images.
fn have_tensorboardx(test: &str) -> bool {
    let ok =
        Command::new("python3").args(["-c", "import tensorboardX, PIL"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        missing_tool(test, "python3 with tensorboardX and Pillow (pip install tensorboardX pillow)");
    }
    ok
}

/// An unchanged TensorBoard training script: it knows nothing of git-exp.
const TRAIN: &str = r#"
import sys
import numpy as np
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1])
for step in range(3):
    w.add_scalar("train/loss", 1.0 / (step + 1), step)
    w.add_scalar("précision", 0.5 + step / 4, step)
img = np.zeros((3, 4, 4), dtype=np.uint8)
img[0] = 255
w.add_image("samples/pred", img, 2)
w.close()
print("trained")
"#;

fn csv_values(out: &str) -> Vec<(String, String)> {
    out.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned())
        })
        .collect()
}

#[test]
fn an_unchanged_tensorboard_script_records_scalars_and_images() {
    let test = "an_unchanged_tensorboard_script_records_scalars_and_images";
    if !have_tensorboardx(test) {
        return;
    }
    let env = TestEnv::with_commit();
    env.write("train_tb.py", TRAIN);
    let before = env.user_state();
    let out = env.run(["run", "--", "python3", "train_tb.py", "tb/exp1"]);
    assert_eq!(out.success(), "trained\n");
    // tensorboardX itself replaces what TensorBoard refuses (`@`, spaces); a letter it keeps but
    // a metric key cannot have is normalised by the shared rule, with one warning.
    assert!(out.stderr.contains("metric key \"précision\" recorded as \"pr_cision\""), "{out}");
    assert_eq!(out.stderr.matches("précision").count(), 1, "warned once: {out}");

    let loss = env.run(["metrics", "@", "train/loss", "--format", "csv"]);
    let values = csv_values(loss.success());
    assert_eq!(values, [("0", "1"), ("1", "0.5"), ("2", "0.3333333432674408")].map(|(a, b)| (a.into(), b.into())));
    let recall = env.run(["metrics", "@", "pr_cision", "--format", "csv"]);
    assert_eq!(csv_values(recall.success()).len(), 3);

    let artifacts = env.run(["artifacts", "@", "--format", "json"]).json();
    assert_eq!(artifacts[0]["path"], "media/samples/pred/2.png", "{artifacts}");
    let out_dir = env.root.join("out");
    env.run(["artifacts", "@", "-o", out_dir.to_str().unwrap()]).success();
    let png = std::fs::read(out_dir.join("media/samples/pred/2.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // The record's manifest, read with real git.
    let id = &env.run_ids()[0];
    let manifest = env.git(["show", &format!("refs/git-exp/runs/{id}:.git-exp/artifacts.toml")]);
    assert!(manifest.contains("media/samples/pred/2.png"), "{manifest}");

    // A second run writing elsewhere, given with --tensorboard; the old event files under the
    // working directory are not read again.
    let elsewhere = env.root.join("tb-elsewhere");
    let out = env.run([
        "run",
        "--tensorboard",
        elsewhere.to_str().unwrap(),
        "--",
        "python3",
        "train_tb.py",
        elsewhere.to_str().unwrap(),
    ]);
    out.success();
    let loss = env.run(["metrics", "@", "train/loss", "--format", "csv"]);
    assert_eq!(csv_values(loss.success()).len(), 3, "{loss}");
    // Only the script's own event files are new in the working tree; branches and index as before.
    let after: String =
        env.user_state().lines().filter(|l| !l.contains("tb/exp1/")).map(|l| format!("{l}\n")).collect();
    assert_eq!(after, before);
}

/// Writes logs/a (scalars and an image, explicit wall times), logs/b/c (scalars), and the PNG
/// tensorboardX encodes for the image, for comparison.
const LOGS: &str = r#"
import numpy as np
from tensorboardX import SummaryWriter
from tensorboardX.summary import image
a = SummaryWriter("logs/a")
for step, loss in enumerate([2.0, 1.0, 0.5]):
    a.add_scalar("loss", loss, step * 10, walltime=1_700_000_000.25 + step)
img = np.full((3, 2, 2), 128, dtype=np.uint8)
a.add_image("pred", img, 20, walltime=1_700_000_002.5)
a.close()
c = SummaryWriter("logs/b/c")
c.add_scalar("acc", 0.75, 5, walltime=1_700_000_100.0)
c.close()
open("expected.png", "wb").write(image("pred", img).value[0].image.encoded_image_string)
"#;

fn sha256_of(path: &std::path::Path) -> String {
    let out = Command::new("python3")
        .args(["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn import_tensorboard_logs_field_by_field_idempotent_and_corrupt() {
    let test = "import_tensorboard_logs_field_by_field_idempotent_and_corrupt";
    if !have_tensorboardx(test) {
        return;
    }
    let env = TestEnv::with_commit();
    let dir = env.root.join("work");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("make_logs.py"), LOGS).unwrap();
    let made = Command::new("python3").arg("make_logs.py").current_dir(&dir).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let logs = dir.join("logs");
    let logs_arg = logs.to_str().unwrap();

    let out = env.run(["import", "--tensorboard", logs_arg]);
    out.success();
    assert!(out.stderr.contains("Imported 2 runs; 0 already there; 0 failed."), "{out}");
    let runs = env.run(["ls", "--format", "json"]).json();
    let by_name = |name: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no run {name}: {runs}"))
            .clone()
    };
    let a = by_name("a");
    assert_eq!(a["status"], "completed");
    assert_eq!(a["started"], "2023-11-14T22:13:20.250Z", "{a}");
    assert_eq!(a["ended"], "2023-11-14T22:13:22.500Z", "{a}");
    let a_id = a["id"].as_str().unwrap().to_owned();
    let loss = env.run(["metrics", &a_id, "loss", "--format", "csv"]);
    assert_eq!(
        loss.success(),
        "step,value,time\n0,2,1700000000.250\n10,1,1700000001.250\n20,0.5,1700000002.250\n",
        "{loss}"
    );
    let c = by_name("b/c");
    let acc = env.run(["metrics", c["id"].as_str().unwrap(), "acc", "--format", "csv"]);
    assert_eq!(acc.success(), "step,value,time\n5,0.75,1700000100.000\n");

    // The image: the bytes tensorboardX encoded, at media/<key>/<step>.png, read with real git.
    let manifest = env.git(["show", &format!("refs/git-exp/runs/{a_id}:.git-exp/artifacts.toml")]);
    let expected = sha256_of(&dir.join("expected.png"));
    assert!(manifest.contains("path = \"media/pred/20.png\""), "{manifest}");
    assert!(manifest.contains(&format!("sha256 = \"{expected}\"")), "{manifest}\n{expected}");
    let record = env.git(["show", &format!("refs/git-exp/runs/{a_id}:.git-exp/run.toml")]);
    assert!(record.contains("imported_from = \"tensorboard:a\""), "{record}");

    // Again: nothing added.
    let again = env.run(["import", "--tensorboard", logs_arg]);
    again.success();
    assert!(again.stderr.contains("Imported 0 runs; 2 already there; 0 failed."), "{again}");
    assert_eq!(env.run_ids().len(), 2);

    // A corrupt event file: a clear error naming it, nothing of its directory, the rest imported.
    let good = std::fs::read(std::fs::read_dir(logs.join("b/c")).unwrap().next().unwrap().unwrap().path()).unwrap();
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x55;
    std::fs::create_dir_all(logs.join("bad")).unwrap();
    std::fs::write(logs.join("bad/events.out.tfevents.1.host"), &bad).unwrap();
    std::fs::create_dir_all(logs.join("fine")).unwrap();
    std::fs::write(logs.join("fine/events.out.tfevents.1.host"), &good).unwrap();
    let out = env.run(["import", "--tensorboard", logs_arg]);
    let stderr = out.failure(1);
    assert!(stderr.contains("bad not imported: "), "{out}");
    assert!(stderr.contains("bad/events.out.tfevents.1.host: corrupt event file at byte "), "{out}");
    assert!(stderr.contains("Imported 1 run; 2 already there; 1 failed."), "{out}");
    let names: Vec<String> = env
        .run(["ls", "--format", "json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"fine".to_owned()) && !names.contains(&"bad".to_owned()), "{names:?}");
    env.fsck();
}
