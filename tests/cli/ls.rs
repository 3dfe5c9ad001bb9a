use crate::common::TestEnv;

#[test]
fn ls_outside_a_repository_fails_clearly() {
    let env = TestEnv::new();
    let outside = env.root.join("home");
    let mut cmd = env.cmd_in(&outside);
    let out = cmd.args(["ls"]).env("GIT_CEILING_DIRECTORIES", &env.root).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: git-exp works inside a git repository"), "{stderr}");
}

#[test]
fn ls_with_no_runs_prints_an_empty_list() {
    let env = TestEnv::with_commit();
    let out = env.run(["ls", "--format", "json"]);
    assert_eq!(out.success().trim(), "[]");
}
