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
    let statuses: Vec<(&str, &str)> =
        runs.as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap(), r["status"].as_str().unwrap())).collect();
    assert_eq!(
        statuses,
        [
            ("more-data", "completed"),
            ("too-fast", "failed"),
            ("slow", "completed"),
            ("fast", "completed"),
            ("baseline", "completed")
        ]
    );
    assert_eq!(runs[4]["metrics"]["train/loss"]["count"], 20);
    assert_eq!(runs[0]["dirty"], true);
    env.git_in(&repo, ["fsck", "--strict"]);
    let again = env.run(["-C", "..", "demo", "demo-repo"]);
    assert!(again.failure(1).contains("exists and is not empty"), "{again}");
}
