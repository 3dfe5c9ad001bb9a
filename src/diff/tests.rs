//! Tests of the diff model, the gate and the renderings on constructed runs (the query tests'
//! three runs); reading code, environment and artifacts from git is covered end to end.

use super::*;
use crate::query::tests::{now, runs};

fn side(run: &Run) -> Side {
    Side::new(run, now(), None)
}

/// A diff of the first two test runs without code, environment or artifacts.
fn model() -> RunDiff {
    let runs = runs();
    let (a, b) = (&runs[0], &runs[1]);
    RunDiff {
        a: side(a),
        b: side(b),
        params: param_changes(a, b),
        metrics: metric_changes(a, b, &Default::default()),
        code: CodeDiff::default(),
        env: Vec::new(),
        artifacts: Vec::new(),
    }
}

#[test]
fn params_added_removed_and_changed() {
    let diff = model();
    let keys: Vec<String> = diff
        .params
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}",
                p.key,
                p.a.as_ref().map_or("-".into(), |v| v.to_string()),
                p.b.as_ref().map_or("-".into(), |v| v.to_string())
            )
        })
        .collect();
    assert_eq!(
        keys,
        ["layers:4:-", "lr:0.001:0.1", "model.depth:3:-", "opt:\"adam\":\"sgd\"", "sizes:[32, 64]:-", "use_bn:true:-"]
    );
    assert!(same_param(Some(&toml::Value::Integer(1)), Some(&toml::Value::Float(1.0))));
    assert!(!same_param(Some(&toml::Value::Integer(1)), Some(&toml::Value::String("1".into()))));
    assert!(same_param(None, None));
}

#[test]
fn metric_rollups_with_deltas() {
    let diff = model();
    let acc = &diff.metrics[0];
    assert_eq!(acc.key, "acc");
    let rows: Vec<(&str, Option<f64>, Option<f64>)> =
        acc.rollups.iter().map(|r| (r.rollup.as_str(), r.a, r.b)).collect();
    assert_eq!(
        rows,
        [
            ("last", Some(0.93), Some(0.6)),
            ("min", Some(0.1), Some(0.5)),
            ("max", Some(0.95), Some(0.7)),
            ("mean", Some(0.7), Some(0.55))
        ]
    );
    let last = acc.rollups[0];
    assert!((last.delta.unwrap() + 0.33).abs() < 1e-12);
    assert!((last.relative.unwrap() + 0.33 / 0.93).abs() < 1e-12);
    // a metric only A has: no delta, but changed
    let loss = &diff.metrics[1];
    assert_eq!(loss.key, "train/loss");
    assert!(loss.rollups.iter().all(|r| r.b.is_none() && r.delta.is_none() && r.changed()));
    assert!(diff.has_differences());
}

#[test]
fn deltas_and_what_counts_as_a_change() {
    assert_eq!(delta(Some(2.0), Some(3.0)), (Some(1.0), Some(0.5)));
    assert_eq!(delta(Some(-2.0), Some(-1.0)), (Some(1.0), Some(0.5)), "relative to |A|");
    assert_eq!(delta(Some(0.0), Some(1.0)), (Some(1.0), None), "no relative change from zero");
    assert_eq!(delta(None, Some(1.0)), (None, None));
    assert!(!RollupChange::new(Rollup::Last, Some(f64::NAN), Some(f64::NAN), None).changed());
    assert!(RollupChange::new(Rollup::Last, Some(1.0), Some(f64::NAN), None).changed());
    assert!(!RollupChange::new(Rollup::Last, None, None, None).changed());
    assert_eq!(rollups_for(Some(1), None), &[Rollup::Last]);
    assert_eq!(rollups_for(Some(1), Some(2)).len(), 4);
}

#[test]
fn artifacts_by_path_and_hash() {
    let art = |path: &str, sha: &str| Artifact { path: path.into(), sha256: sha.into(), size: 1 };
    let a = [art("model.bin", "aa"), art("same.txt", "cc"), art("gone.txt", "dd")];
    let b = [art("model.bin", "bb"), art("same.txt", "cc"), art("new.txt", "ee")];
    let changes: Vec<String> = artifact_changes(&a, &b)
        .iter()
        .map(|c| format!("{} {:?} {:?}", c.path, c.a.as_ref().map(|x| &x.sha256), c.b.as_ref().map(|x| &x.sha256)))
        .collect();
    assert_eq!(
        changes,
        [r#"gone.txt Some("dd") None"#, r#"model.bin Some("aa") Some("bb")"#, r#"new.txt None Some("ee")"#]
    );
}

#[test]
fn gates_compare_changes() {
    let runs = runs();
    let (a, b) = (&runs[0], &runs[1]);
    let outcome = |text: &str| {
        let check = Check::parse(text, now()).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        let goals = std::collections::BTreeMap::new();
        evaluate_checks(&[check], a, b, GateOptions { goals: &goals, allow_missing: true }, now()).remove(0)
    };
    let cases: &[(&str, bool)] = &[
        ("metrics.acc:last < -0.01", true),
        ("metrics.acc:last < -0.5", false),
        ("metrics.acc:max > +5%", false),
        ("metrics.acc:min > +400%", false),
        ("metrics.acc:min >= +400%", true),
        ("params.lr > +1000%", true),
        ("duration < -4m", true),
        ("duration < -10%", true),
        ("status != completed", true),
        ("status = completed", false),
        ("branch = feature/x", true),
        ("metrics.train/loss:last < 0", false),
        ("not metrics.train/loss:last exists", true),
        ("params.opt = sgd", true),
        ("exit_code > 0", true),
        ("metrics.acc:last < -0.01 and metrics.acc:max < -0.01", true),
    ];
    for (text, failed) in cases {
        assert_eq!(outcome(text).failed, *failed, "{text}");
    }
    assert_eq!(
        outcome("metrics.acc:last < -0.01 or status = failed").values,
        ["metrics.acc:last 0.93 → 0.6 (-0.33, -35.5%)", "status completed → failed"]
    );
    assert_eq!(outcome("duration < 0").values, ["duration 5m00s → 30s (-4m30s, -90.0%)"]);
    let err = Check::parse("metrics.acc < 5 %", now()).expect_err("stray %");
    assert_eq!(err.message, "expected `and` or `or`, found `%`");
}

#[test]
fn picks_and_sides_parse() {
    assert_eq!("latest".parse::<Pick>(), Ok(Pick::Latest));
    assert_eq!(
        "best:metrics.acc:max".parse::<Pick>().map(|p| format!("{p:?}")),
        Ok(format!("{:?}", Pick::Best(Field::Metric { key: "acc".into(), rollup: Rollup::Max, explicit: true })))
    );
    assert!(matches!("min:duration".parse::<Pick>(), Ok(Pick::Worst(_))));
    assert_eq!(
        "newest".parse::<Pick>(),
        Err("`newest` is not a pick: use latest, best:FIELD or worst:FIELD, as in best:metrics.acc:max".into())
    );
    assert_eq!("top:name".parse::<Pick>(), Err("`top` is not a pick: use latest, best:FIELD or worst:FIELD".into()));
    assert_eq!("best:acc".parse::<Pick>().map(|_| ()), Err("`best:acc`: unknown field `acc`".into()));

    use pick::SideSpec::{MergeBase, Revision, RunOrRevision};
    let s = |t: &str| t.to_owned();
    assert_eq!(parse_sides("a", Some("b")), Ok([RunOrRevision(s("a")), RunOrRevision(s("b"))]));
    assert_eq!(parse_sides("main..HEAD", None), Ok([Revision(s("main")), Revision(s("HEAD"))]));
    assert_eq!(parse_sides("..topic", None), Ok([Revision(s("HEAD")), Revision(s("topic"))]));
    assert_eq!(parse_sides("main...", None), Ok([MergeBase(s("main"), s("HEAD")), Revision(s("HEAD"))]));
    assert!(parse_sides("a..b", Some("c")).is_err());
    assert!(parse_sides("a", None).is_err());
}

#[test]
fn markdown_is_compact_escaped_and_bounded() {
    let mut diff = model();
    diff.b.name = "<script>x</script>|[link](http://evil)".into();
    diff.code.files = (0..3)
        .map(|i| code::FileDiff {
            path: format!("f{i}_x.py"),
            status: FileStatus::Modified,
            insertions: 1,
            deletions: 0,
            binary: false,
            note: None,
            // Each patch takes most of the budget, and one holds a run of backticks.
            patch: format!("--- a/f{i}\n+++ b/f{i}\n@@ -0,0 +1 @@\n+```` {}\n", "x".repeat(20_000)),
        })
        .collect();
    diff.code.insertions = 3;
    let outcome = CheckOutcome { condition: "metrics.acc:last < -0.01".into(), failed: true, values: vec!["v".into()] };
    let md = render_markdown(
        &diff,
        &[outcome],
        &MarkdownOptions {
            report_url: Some("https://r.io/x y".into()),
            command: Some("git exp diff a b".into()),
            ..MarkdownOptions::default()
        },
    );
    assert!(
        md.starts_with("### ❌ git-exp: `main` (1111111) → `feature/x` ⚠️\n\n**❌ 1 of 1 check failed**\n"),
        "{md}"
    );
    assert!(md.contains("&lt;script&gt;x&lt;/script&gt;\\|\\[link\\](http://evil)"), "{md}");
    assert!(
        md.contains(
            "**2 of 2 metrics changed · 6 params changed · 3 files changed, +3 -0 · status completed → failed**"
        ),
        "{md}"
    );
    assert!(md.contains("| f0\\_x.py | modified | 1 | 0 |"), "{md}");
    assert!(md.contains("\n`````diff\n"), "the fence outgrows the patch's backticks\n{md}");
    assert!(md.contains("1 more patches left out to keep this comment short; `git exp diff a b` shows them."), "{md}");
    assert!(md.contains("[Full report](https://r.io/x%20y)"), "{md}");
    assert!(md.len() < 60_000);
    assert!(!md.contains("<script>"));

    // Outside tables too (the title's branch, patches), control and bidi characters are shown.
    let mut diff = model();
    diff.b.branch = Some("feat\u{202e}\x1b[2J".into());
    diff.code.files = vec![code::FileDiff {
        path: "f.py".into(),
        status: FileStatus::Modified,
        insertions: 1,
        deletions: 0,
        binary: false,
        note: None,
        patch: "+x = '\u{2066}'\t# \x07\n".into(),
    }];
    let md = render_markdown(&diff, &[], &MarkdownOptions::default());
    assert!(!md.contains(['\u{202e}', '\u{2066}', '\x1b', '\x07']), "{md}");
    assert!(md.contains("`feat\\u{202e}\\e[2J`") && md.contains("+x = '\\u{2066}'\t# \\a\n"), "{md}");
}

#[test]
fn text_rendering_lists_every_section() {
    let mut diff = model();
    diff.env.push(EnvChange {
        file: "pip-freeze.txt".into(),
        key: "numpy".into(),
        a: Some("1.26.0".into()),
        b: Some("2.0.0".into()),
    });
    let outcome = CheckOutcome {
        condition: "status != completed".into(),
        failed: true,
        values: vec!["status completed → failed".into()],
    };
    let mut out = Vec::new();
    render_text(&diff, &[outcome], &Palette::default(), &mut out).expect("writes to a Vec");
    // Column widths depend on the longest name; compare with runs of spaces squeezed.
    let squeeze = |s: &str| s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    let text = String::from_utf8(out).expect("utf-8");
    let squeezed: Vec<String> = text.lines().map(squeeze).collect();
    for expected in [
        "A aaaa0001 abl-lr completed 5m00s main @ 1111111",
        "B bbbb0002 brave-otter failed 30s feature/x (uncommitted changes)",
        "status completed → failed",
        "duration 5m00s → 30s (-4m30s, -90.0%)",
        "params.lr 0.001 → 0.1",
        "params.layers 4 → (none) (removed)",
        "acc:last 0.93 0.6 -0.33 -35.5%",
        "code unchanged",
        "pip-freeze.txt numpy 1.26.0 → 2.0.0",
        "FAILED status != completed",
        "status completed → failed",
    ] {
        assert!(squeezed.iter().any(|l| l == expected), "missing {expected:?} in\n{text}");
    }
}
