use crate::common::TestEnv;

#[test]
fn demo_creates_a_repository_with_runs() {
    let env = TestEnv::new();
    let out = env.run(["-C", "..", "demo", "demo-repo"]);
    assert!(out.stderr.contains("Demo repository ready in demo-repo"), "{out}");
    let repo = env.root.join("demo-repo");
    let mut cmd = env.cmd_in(&repo);
    let listed = cmd.args(["ls", "--format", "json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    // The test clock stands still, so all runs start at the same time: compare by name.
    let mut statuses: Vec<(&str, &str, bool)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["status"].as_str().unwrap(), r["dirty"].as_bool().unwrap()))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("baseline", "completed", false),
            ("fast", "completed", false),
            ("more-data", "completed", true),
            ("slow", "completed", false),
            ("too-fast", "failed", false)
        ]
    );
    let baseline = runs.as_array().unwrap().iter().find(|r| r["name"] == "baseline").unwrap();
    assert_eq!(baseline["metrics"]["train/loss"]["count"], 20);
    env.git_in(&repo, ["fsck", "--strict"]);
    // The demo's report: every run has a page, the comparison of three learning rates exists.
    assert!(out.stderr.contains("its report in demo-repo/site"), "{out}");
    let index = std::fs::read_to_string(repo.join("site/index.html")).unwrap();
    assert_eq!(index.matches("<input type=\"checkbox\" name=\"run\"").count(), 5);
    assert!(index.contains("Compare baseline lr=0.1, fast lr=0.5, slow lr=0.01"), "{index}");
    let status = env.git_in(&repo, ["status", "--porcelain"]);
    assert!(!status.contains("site"), "the report is ignored by the demo's .gitignore: {status}");
    let again = env.run(["-C", "..", "demo", "demo-repo"]);
    assert!(again.failure(1).contains("exists and is not empty"), "{again}");
}
