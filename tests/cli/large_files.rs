//! Large files in the code snapshot (issue 18): from 8 MiB on they are streamed into git rather
//! than read whole. These check what is stored, not how fast or in how much memory
//! (`bench/large_files.sh` measures that): the blob is byte-identical to the file as real `git`
//! reads it, and the user's working tree, index and HEAD are left alone.

use std::process::Command;

use crate::common::TestEnv;

/// Well over the 8 MiB from which files are streamed.
const SIZE: usize = 20 << 20;

/// `len` bytes of deterministic noise (zlib cannot shrink it much), different for each `seed`.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// The raw bytes real `git cat-file blob` prints for `spec`.
#[track_caller]
fn cat_file(env: &TestEnv, spec: &str) -> Vec<u8> {
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let out = cmd.current_dir(&env.repo).args(["cat-file", "blob", spec]).output().unwrap();
    assert!(out.status.success(), "git cat-file blob {spec}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn blob_id(env: &TestEnv, run: &str) -> String {
    env.git(["rev-parse", &format!("refs/git-exp/runs/{run}:model.bin")]).trim().to_owned()
}

fn leftover_spools(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.repo.join(".git/objects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("tmp_git_exp_"))
        .collect()
}

#[test]
fn run_stores_large_changed_files_byte_identical_and_leaves_the_worktree_alone() {
    let env = TestEnv::with_commit();
    std::fs::write(env.repo.join("model.bin"), noise(SIZE, 1)).unwrap();
    env.git(["add", "model.bin"]);
    env.git(["commit", "-q", "-m", "add a large file"]);
    // Modified at the same size (the status has to hash it to see the change) ...
    let modified = noise(SIZE, 2);
    std::fs::write(env.repo.join("model.bin"), &modified).unwrap();
    // ... and a new large file the user meant to add (`git add -N`), not yet in any tree.
    let added = noise(SIZE + 12_345, 3);
    std::fs::write(env.repo.join("weights.bin"), &added).unwrap();
    env.git(["add", "-N", "weights.bin"]);
    let before = env.user_state();

    env.run(["run", "-q", "--", "true"]).success();

    assert_eq!(env.user_state(), before, "working tree, index and HEAD are untouched");
    assert_eq!(std::fs::read(env.repo.join("model.bin")).unwrap(), modified);
    let id = &env.run_ids()[0];
    assert!(cat_file(&env, &format!("refs/git-exp/runs/{id}:model.bin")) == modified, "model.bin differs");
    assert!(cat_file(&env, &format!("refs/git-exp/runs/{id}:weights.bin")) == added, "weights.bin differs");
    assert!(cat_file(&env, "HEAD:model.bin") == noise(SIZE, 1), "HEAD keeps the committed file");
    assert!(leftover_spools(&env).is_empty());
    env.fsck();

    // `apply` writes the run's large files back (streamed from git too).
    env.git(["checkout", "-q", "--", "."]);
    std::fs::remove_file(env.repo.join("weights.bin")).unwrap();
    env.run(["apply", id]).success();
    assert!(std::fs::read(env.repo.join("model.bin")).unwrap() == modified, "apply wrote model.bin back");
    assert!(std::fs::read(env.repo.join("weights.bin")).unwrap() == added, "apply wrote weights.bin back");
    // The same from a pack (read through `git cat-file`, not as a loose object).
    env.git(["checkout", "-q", "--", "."]);
    std::fs::remove_file(env.repo.join("weights.bin")).unwrap();
    env.git(["repack", "-adq"]);
    assert!(!env.repo.join(".git/objects").join(&blob_id(&env, id)[..2]).exists(), "the blob is packed now");
    env.run(["apply", id]).success();
    assert!(std::fs::read(env.repo.join("model.bin")).unwrap() == modified, "apply from a pack");

    // `diff` of two runs names a file too large to diff by its sizes, without reading it.
    std::fs::write(env.repo.join("model.bin"), noise(SIZE, 6)).unwrap();
    let next = env.snapshot(&[]);
    let diff = env.run(["diff", id, &next]);
    assert!(diff.success().contains(&format!("too large to diff ({SIZE} → {SIZE} bytes)")), "{diff}");
}

/// The size of loose object `id` on disk: its zlib stream.
fn loose_size(env: &TestEnv, id: &str) -> u64 {
    std::fs::metadata(env.repo.join(".git/objects").join(&id[..2]).join(&id[2..])).expect("a loose object").len()
}

#[test]
fn large_files_that_zlib_cannot_shrink_are_stored_without_compressing_them() {
    let env = TestEnv::with_commit();
    let random = noise(SIZE, 7);
    let text: Vec<u8> = (0..).map(|i| format!("{i},{}\n", i % 97)).flat_map(String::into_bytes).take(SIZE).collect();
    std::fs::write(env.repo.join("model.bin"), &random).unwrap();
    std::fs::write(env.repo.join("table.csv"), &text).unwrap();
    env.git(["add", "-N", "model.bin", "table.csv"]); // untracked files this large are left out

    env.run(["run", "-q", "--", "true"]).success();

    let id = &env.run_ids()[0];
    let stored = |file: &str| env.git(["rev-parse", &format!("refs/git-exp/runs/{id}:{file}")]).trim().to_owned();
    let (random_id, text_id) = (stored("model.bin"), stored("table.csv"));
    // Level 0: the bytes in stored blocks, a few bytes per 64 KiB more than the file.
    let random_size = loose_size(&env, &random_id);
    assert!(random_size > SIZE as u64 && random_size < SIZE as u64 + SIZE as u64 / 1000, "{random_size}");
    // The text is compressed as git would (level 1 takes it to about half).
    let text_size = loose_size(&env, &text_id);
    assert!(text_size < SIZE as u64 * 3 / 4, "{text_size}");
    assert!(cat_file(&env, &random_id) == random, "model.bin differs");
    assert!(cat_file(&env, &text_id) == text, "table.csv differs");
    env.fsck();
}

#[test]
fn a_large_file_through_a_clean_filter_stores_the_filter_output() {
    let env = TestEnv::with_commit();
    env.write(".gitattributes", "*.txt filter=upper\n");
    env.git(["config", "filter.upper.clean", "tr a-z A-Z"]);
    env.git(["config", "filter.upper.smudge", "cat"]);
    let text: Vec<u8> = noise(SIZE, 4).into_iter().map(|b| b'a' + b % 26).collect();
    std::fs::write(env.repo.join("corpus.txt"), &text).unwrap();
    env.git(["add", ".gitattributes", "corpus.txt"]);
    env.git(["commit", "-q", "-m", "filtered text"]);
    let changed: Vec<u8> = noise(SIZE, 5).into_iter().map(|b| b'a' + b % 26).collect();
    std::fs::write(env.repo.join("corpus.txt"), &changed).unwrap();

    let id = env.snapshot(&[]);

    let stored = cat_file(&env, &format!("refs/git-exp/runs/{id}:corpus.txt"));
    assert!(stored == changed.to_ascii_uppercase(), "the clean filter's output is stored, as `git add` would");
    assert!(leftover_spools(&env).is_empty(), "the spool file is removed");
    env.fsck();
}
