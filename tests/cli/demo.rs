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
    let again = env.run(["-C", "..", "demo", "demo-repo"]);
    assert!(again.failure(1).contains("exists and is not empty"), "{again}");
}
