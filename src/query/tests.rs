//! Table-driven tests of the language over three constructed runs: what matches, how runs sort,
//! and every error message with the span its caret points at.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;
use crate::store::{RunRecord, Status};

fn run(toml: &str, status: Status) -> Run {
    let record = RunRecord::from_toml(toml).expect("test record parses");
    let commit = crate::store::Oid::from_hex(&[b'0'; 40]).expect("hex");
    Run { commit, record, status, in_trash: false }
}

pub(crate) fn now() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().expect("time")
}

/// `abl-lr` (completed, main, baseline), `brave-otter` (failed, feature/x, debug+wip),
/// `calm-lynx` (running, no branch, no tags, no metrics, `lr` as a string).
pub(crate) fn runs() -> Vec<Run> {
    vec![
        run(
            r#"schema = 1
id = "aaaa0001"
name = "abl-lr"
status = "completed"
command = ["python", "train.py"]
started = "2026-11-20T10:00:00.000Z"
ended = "2026-11-20T10:05:00.000Z"
exit_code = 0
branch = "main"
base = "1111111111111111111111111111111111111111"
tags = ["baseline"]
note = "first try"
[host]
hostname = "box1"
cpus = 8
[params]
lr = 0.001
opt = "adam"
layers = 4
use_bn = true
sizes = [32, 64]
[params.model]
depth = 3
[metrics.acc]
count = 10
first_step = 0
last_step = 9
first = 0.1
last = 0.93
min = 0.1
max = 0.95
mean = 0.7
[metrics."train/loss"]
count = 10
first_step = 0
last_step = 9
first = 2.0
last = 0.2
min = 0.2
max = 2.0
mean = "nan"
"#,
            Status::Completed,
        ),
        run(
            r#"schema = 1
id = "bbbb0002"
name = "brave-otter"
status = "failed"
started = "2026-11-22T12:00:00.000Z"
ended = "2026-11-22T12:00:30.000Z"
exit_code = 1
branch = "feature/x"
tags = ["debug", "wip"]
dirty = true
[host]
hostname = "box2"
[params]
lr = 0.1
opt = "sgd"
[metrics.acc]
count = 2
first_step = 0
last_step = 1
first = 0.5
last = 0.6
min = 0.5
max = 0.7
mean = 0.55
"#,
            Status::Failed,
        ),
        run(
            r#"schema = 1
id = "cccc0003"
name = "calm-lynx"
status = "running"
started = "2026-11-23T09:00:00.000Z"
[params]
lr = "0.01"
"#,
            Status::Running,
        ),
    ]
}

fn matching(expr: &str) -> Result<Vec<String>, String> {
    let filter = Filter::parse_in(expr, now(), &TimeZone::UTC).map_err(|e| describe(&e))?;
    Ok(runs().iter().filter(|r| filter.matches(r)).map(|r| r.record.name.clone()).collect())
}

fn describe(e: &Error) -> String {
    let hint = e.hint.as_ref().map(|h| format!(" (hint: {h})")).unwrap_or_default();
    format!("{} @{}..{}{hint}", e.message, e.span.start, e.span.end)
}

#[test]
fn filters_match_what_they_say() {
    let cases: &[(&str, &[&str])] = &[
        // comparisons on numbers, missing values never match
        ("params.lr < 0.01", &["abl-lr"]),
        ("params.lr >= 0.001", &["abl-lr", "brave-otter"]),
        ("params.lr = 0.1", &["brave-otter"]),
        ("params.lr == 0.1", &["brave-otter"]),
        ("params.lr != 0.1", &["abl-lr", "calm-lynx"]),
        ("params.lr = 0.01", &["calm-lynx"]),
        ("params.lr = \"0.01\"", &["calm-lynx"]),
        ("params.lr = \"0.1\"", &[]),
        ("params.layers > 3", &["abl-lr"]),
        ("params.layers != 4", &[]),
        ("not params.layers = 4", &["brave-otter", "calm-lynx"]),
        ("params.model.depth = 3", &["abl-lr"]),
        ("params.use_bn = true", &["abl-lr"]),
        ("params.sizes contains 64", &["abl-lr"]),
        ("params.sizes in [16, 32]", &["abl-lr"]),
        ("params.opt in [adam, rmsprop]", &["abl-lr"]),
        ("params.opt not in [adam]", &["brave-otter", "calm-lynx"]),
        ("params.opt ~ '^s'", &["brave-otter"]),
        ("params.opt !~ '^s'", &["abl-lr", "calm-lynx"]),
        ("params.lr exists", &["abl-lr", "brave-otter", "calm-lynx"]),
        ("params.model exists", &["abl-lr"]),
        ("not params.opt exists", &["calm-lynx"]),
        // metrics and rollups; `metrics.acc` is the last value; NaN never compares
        ("metrics.acc:max > 0.9", &["abl-lr"]),
        ("metrics.acc > 0.9", &["abl-lr"]),
        ("metrics.acc:last < 0.9", &["brave-otter"]),
        ("metrics.acc:count >= 10", &["abl-lr"]),
        ("metrics.train/loss:min <= 0.2", &["abl-lr"]),
        ("metrics.train/loss:mean < 100", &[]),
        ("metrics.train/loss:mean exists", &["abl-lr"]),
        ("metrics.acc:first = 0.5", &["brave-otter"]),
        // text, status, lists
        ("name ~ \"^abl-\"", &["abl-lr"]),
        ("name = brave-otter", &["brave-otter"]),
        ("name contains ot", &["brave-otter"]),
        ("name > b", &["brave-otter", "calm-lynx"]),
        ("name > \"2\"", &["abl-lr", "brave-otter", "calm-lynx"]),
        ("name > 2", &[]),
        ("status in [failed, crashed] or name ~ \"^abl-\"", &["abl-lr", "brave-otter"]),
        ("status = running", &["calm-lynx"]),
        ("status != completed", &["brave-otter", "calm-lynx"]),
        ("status ~ ed$", &["abl-lr", "brave-otter"]),
        ("tags contains debug", &["brave-otter"]),
        ("not tags contains \"debug\"", &["abl-lr", "calm-lynx"]),
        ("tags in [wip, baseline]", &["abl-lr", "brave-otter"]),
        ("tags ~ ^w", &["brave-otter"]),
        ("not tags exists", &["calm-lynx"]),
        ("branch = feature/x", &["brave-otter"]),
        ("branch exists", &["abl-lr", "brave-otter"]),
        ("note contains try", &["abl-lr"]),
        ("id = aaaa0001", &["abl-lr"]),
        ("base ~ ^1111", &["abl-lr"]),
        ("command = \"python train.py\"", &["abl-lr"]),
        ("exit_code != 0", &["brave-otter"]),
        ("dirty = true", &["brave-otter"]),
        ("host.hostname = box2", &["brave-otter"]),
        ("host.cpus >= 8", &["abl-lr"]),
        ("sweep exists", &[]),
        // times and durations; a date is a whole day; a running run lasts until now
        ("started > 2026-11-21", &["brave-otter", "calm-lynx"]),
        ("started >= 2026-11-22", &["brave-otter", "calm-lynx"]),
        ("started > 2026-11-22", &["calm-lynx"]),
        ("started = 2026-11-22", &["brave-otter"]),
        ("started < 2026-11-22", &["abl-lr"]),
        ("started <= 2026-11-22", &["abl-lr", "brave-otter"]),
        ("started >= 2026-11-22T12:00:00Z", &["brave-otter", "calm-lynx"]),
        ("started > 2026-11-22T12:00", &["calm-lynx"]),
        ("started > 2d ago", &["brave-otter", "calm-lynx"]),
        ("started > 2d AGO", &["brave-otter", "calm-lynx"]),
        ("ended exists", &["abl-lr", "brave-otter"]),
        ("duration > 10m", &["calm-lynx"]),
        ("duration >= 5m", &["abl-lr", "calm-lynx"]),
        ("duration < 1m", &["brave-otter"]),
        ("duration = 300", &["abl-lr"]),
        // logic: precedence (not > and > or), parentheses, keywords in any case
        ("params.lr < 0.01 and metrics.acc:max > 0.9 and not tags contains \"debug\"", &["abl-lr"]),
        ("status = failed or status = running and params.lr exists", &["brave-otter", "calm-lynx"]),
        ("(status = failed or status = running) and branch exists", &["brave-otter"]),
        ("status = completed or status = failed and branch = main", &["abl-lr"]),
        ("not (status = completed or status = failed)", &["calm-lynx"]),
        ("not not status = failed", &["brave-otter"]),
        ("status = failed OR status = running AND NOT branch exists", &["brave-otter", "calm-lynx"]),
        ("params.opt in []", &[]),
        ("params.opt in [adam,]", &["abl-lr"]),
    ];
    for (expr, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(matching(expr), Ok(expected), "{expr}");
    }
}

#[test]
fn every_error_names_the_problem_and_points_at_it() {
    let roots = format!("fields are {}", field::ROOTS);
    let cases: Vec<(&str, String)> = vec![
        ("", "the expression is empty @0..0 (hint: write a condition such as `params.lr < 0.01`)".into()),
        ("   ", "the expression is empty @0..3 (hint: write a condition such as `params.lr < 0.01`)".into()),
        ("name = \"abc", "unterminated string: no closing `\"` @7..11".into()),
        ("a && b", "`&&` is written `and` @2..4".into()),
        ("foo = 1", format!("unknown field `foo` @0..3 (hint: {roots})")),
        ("params.lr < 1 and lr > 2", format!("unknown field `lr` @18..20 (hint: {roots})")),
        (
            "metrics.acc:avg > 1",
            "unknown rollup `avg` in `metrics.acc:avg` @12..15 (hint: rollups are first, last, min, max, mean and count)"
                .into(),
        ),
        ("params = 1", "`params` needs a key, as in `params.lr` @0..6".into()),
        (
            "params.lr",
            "expected an operator after `params.lr`, found the end of the expression @9..9 \
             (hint: operators are =, !=, <, <=, >, >=, ~, !~, in, not in, contains, exists)"
                .into(),
        ),
        (
            "params.lr 0.1",
            "expected an operator after `params.lr`, found `0.1` @10..13 \
             (hint: operators are =, !=, <, <=, >, >=, ~, !~, in, not in, contains, exists)"
                .into(),
        ),
        ("params.lr <", "expected a value after `<`, found the end of the expression @11..11".into()),
        ("params.lr < )", "expected a value after `<`, found `)` @12..13".into()),
        (
            "params.lr < and x",
            "expected a value after `<`, found `and` @12..15 (hint: quote it to mean the word: \"and\")".into(),
        ),
        (
            "and = 1",
            "expected a field, found `and` @0..3 (hint: a condition starts with a field, as in `params.lr < 0.01`)".into(),
        ),
        (
            "(",
            "expected a field, found the end of the expression @1..1 \
             (hint: a condition starts with a field, as in `params.lr < 0.01`)"
                .into(),
        ),
        ("(name = a", "this `(` is never closed @0..1".into()),
        ("(name = a name = b)", "expected `and`, `or` or `)`, found `name` @10..14".into()),
        ("name = a)", "unexpected `)`: no `(` to close @8..9".into()),
        ("name = a name = b", "expected `and` or `or`, found `name` @9..13".into()),
        ("status in failed", "expected `[` after `in`, found `failed` @10..16 (hint: a list is written `[a, b, c]`)".into()),
        ("status in [failed", "this `[` is never closed @10..11".into()),
        ("status in [failed crashed]", "expected `,` or `]`, found `crashed` @18..25".into()),
        ("status in [failed,", "this `[` is never closed @10..11".into()),
        (
            "status in [faild]",
            "`faild` is not a status @11..16 (hint: statuses are running, completed, failed, interrupted and crashed)"
                .into(),
        ),
        (
            "status = done",
            "`done` is not a status @9..13 (hint: statuses are running, completed, failed, interrupted and crashed)".into(),
        ),
        ("status > failed", "`status` is a status, which has no order: use =, !=, in or ~ @9..15".into()),
        ("metrics.acc:max > high", "`metrics.acc:max` is a number: expected a number, found `high` @18..22".into()),
        ("metrics.acc > \"0.9\"", "`metrics.acc` is a number: expected a number, found \"0.9\" @14..19".into()),
        (
            "metrics.acc:last < -1%",
            "`-1%` is a relative change, which only `--fail-if` compares @19..22 (hint: filters compare values: write a number)"
                .into(),
        ),
        (
            "duration > abc",
            "`duration` is a duration: expected a duration such as `90s`, `10m` or `1h30m`, found `abc` @11..14".into(),
        ),
        (
            "started > 10m",
            "`started` is a time: expected a date such as `2026-11-01`, a time such as `2026-11-01T10:00:00Z`, \
             or `7d ago`, found `10m` @10..13"
                .into(),
        ),
        (
            "started > 2026-13-01",
            "`started` is a time: expected a date such as `2026-11-01`, a time such as `2026-11-01T10:00:00Z`, \
             or `7d ago`, found `2026-13-01` @10..20"
                .into(),
        ),
        (
            "started > abc ago",
            "`abc ago` is not a time @10..17 (hint: `ago` follows a duration, as in `7d ago`)".into(),
        ),
        ("dirty = maybe", "`dirty` is a boolean: expected true or false, found `maybe` @8..13".into()),
        ("dirty < true", "`dirty` is a boolean, which has no order: use = or != @8..12".into()),
        (
            "tags = debug",
            "`tags` is a list: compare its elements @7..12 (hint: use `tags contains debug` or `tags in [debug, …]`)"
                .into(),
        ),
        ("duration contains 5", "`contains` needs a text or list field; `duration` is a duration @9..17".into()),
        ("metrics.acc ~ 9", "`~` needs a text or list field; `metrics.acc` is a number @12..13".into()),
        (
            "name ~ \"(\"",
            "invalid regular expression: unclosed group @7..10 \
             (hint: quote a regex that has spaces or brackets: name ~ \"^abl-(a|b)\")"
                .into(),
        ),
    ];
    for (expr, expected) in cases {
        let got = Filter::parse_in(expr, now(), &TimeZone::UTC).map(|_| ()).map_err(|e| describe(&e));
        assert_eq!(got, Err(expected), "{expr}");
    }
}

#[test]
fn parse_errors_render_with_a_caret() {
    let text = "params.lr < 0.01 and metrics.acc:avg > 0.9";
    let err = Filter::parse_in(text, now(), &TimeZone::UTC).expect_err("bad rollup");
    assert_eq!(
        err.snippet(text),
        "  params.lr < 0.01 and metrics.acc:avg > 0.9\n                                   ^^^"
    );
}

#[test]
fn sort_keys_order_runs_with_missing_last() {
    let runs = runs();
    let names = |spec: &str| {
        let keys = parse_sort_keys(spec).expect("sort keys parse");
        let mut refs: Vec<&Run> = runs.iter().collect();
        sort_runs(&mut refs, &keys, now());
        refs.iter().map(|r| r.record.name.as_str()).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(names("-metrics.acc:max"), "abl-lr brave-otter calm-lynx");
    assert_eq!(names("metrics.acc:max"), "brave-otter abl-lr calm-lynx");
    assert_eq!(names("+metrics.acc:max"), "brave-otter abl-lr calm-lynx");
    assert_eq!(names("name"), "abl-lr brave-otter calm-lynx");
    assert_eq!(names("-name"), "calm-lynx brave-otter abl-lr");
    assert_eq!(names("-started"), "calm-lynx brave-otter abl-lr");
    assert_eq!(names("duration"), "brave-otter abl-lr calm-lynx");
    // numbers before text in a param typed differently per run; ties keep listing order
    assert_eq!(names("params.lr"), "abl-lr brave-otter calm-lynx");
    assert_eq!(names("branch, -name"), "brave-otter abl-lr calm-lynx");
    assert_eq!(names("sweep"), "abl-lr brave-otter calm-lynx");
}

#[test]
fn sort_and_column_errors() {
    let sort = |s: &str| parse_sort_keys(s).map(|_| ()).map_err(|e| describe(&e));
    assert_eq!(
        sort("name,,id"),
        Err(
            "expected a field to sort by @5..6 (hint: write fields separated by commas, as in `-metrics.acc:max,name`)"
                .into()
        )
    );
    assert_eq!(
        sort("-"),
        Err(
            "expected a field to sort by @1..1 (hint: write fields separated by commas, as in `-metrics.acc:max,name`)"
                .into()
        )
    );
    assert_eq!(
        sort("name, -metrics.acc:best"),
        Err("unknown rollup `best` in `metrics.acc:best` @19..23 (hint: rollups are first, last, min, max, mean and count)"
            .into())
    );
    let columns = |s: &str| parse_columns(s).map(|f| f.len()).map_err(|e| describe(&e));
    assert_eq!(columns("id, name ,params.lr"), Ok(3));
    assert_eq!(
        columns("id,"),
        Err("expected a field name @3..3 (hint: write fields separated by commas, as in `id,name,params.lr`)".into())
    );
    assert_eq!(columns("id,nmae"), Err(format!("unknown field `nmae` @3..7 (hint: fields are {})", field::ROOTS)));
}

#[test]
fn default_and_all_columns() {
    let runs = runs();
    let refs: Vec<&Run> = runs.iter().collect();
    let names = |fields: Vec<Field>| fields.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(" ");
    assert_eq!(
        names(default_columns(&refs, now())),
        "id name status started duration branch tags params.layers params.lr params.model.depth params.opt \
         params.sizes params.use_bn metrics.acc metrics.train/loss"
    );
    // without tags or branch in any listed run, those columns are left out
    assert_eq!(names(default_columns(&refs[2..], now())), "id name status started duration params.lr");
    let all = names(all_columns(&refs[1..2], now()));
    assert_eq!(
        all,
        "id name status started ended duration branch tags host.hostname params.lr params.opt \
         metrics.acc:last metrics.acc:min metrics.acc:max metrics.acc:mean"
    );
}

#[test]
fn table_cells_for_people_and_machines() {
    let runs = runs();
    let refs: Vec<&Run> = runs.iter().collect();
    let fields =
        parse_columns("id,started,duration,tags,params.lr,metrics.train/loss:mean,params.sizes,base").expect("ok");
    let human = CellStyle { human: true, tz: TimeZone::UTC };
    let table = run_table(&refs, &fields, now(), &human);
    let texts: Vec<Vec<&str>> = table.rows.iter().map(|r| r.iter().map(|c| c.text.as_str()).collect()).collect();
    assert_eq!(
        texts[0],
        ["aaaa0001", "2026-11-20 10:00", "5m00s", "baseline", "0.001", "nan", "[32, 64]", "1111111111"]
    );
    assert_eq!(texts[1], ["bbbb0002", "2026-11-22 12:00", "30s", "debug,wip", "0.1", "", "", ""]);
    assert_eq!(texts[2], ["cccc0003", "2026-11-23 09:00", "1h00m", "", "0.01", "", "", ""]);
    let machine = run_table(&refs, &fields, now(), &CellStyle::machine());
    assert_eq!(machine.rows[0][1].text, "2026-11-20T10:00:00.000Z");
    assert_eq!(machine.rows[0][2].text, "300");
    assert_eq!(machine.rows[0][7].text, "1111111111111111111111111111111111111111");
    assert_eq!(machine.rows[0][2].value, serde_json::json!(300));
    assert_eq!(machine.rows[0][3].value, serde_json::json!(["baseline"]));
    assert_eq!(machine.rows[0][5].value, serde_json::json!("nan"));
    assert_eq!(machine.rows[2][4].value, serde_json::json!("0.01"));
    assert_eq!(machine.rows[1][5].value, serde_json::Value::Null);
}

#[test]
fn hide_unchanged_keeps_differing_columns() {
    let runs = runs();
    let refs: Vec<&Run> = runs[..2].iter().collect();
    let fields = parse_columns("id,name,metrics.train/loss:min,params.lr,host.cpus,sweep").expect("ok");
    let mut table = run_table(&refs, &fields, now(), &CellStyle::machine());
    hide_unchanged_columns(&mut table, &["id"]);
    assert_eq!(table.columns, ["id", "name", "metrics.train/loss:min", "params.lr", "host.cpus"]);
    let same = [&runs[0], &runs[0]];
    let mut table = run_table(&same, &fields, now(), &CellStyle::machine());
    hide_unchanged_columns(&mut table, &["id"]);
    assert_eq!(table.columns, ["id"]);
    let mut one = run_table(&refs[..1], &fields, now(), &CellStyle::machine());
    hide_unchanged_columns(&mut one, &["id"]);
    assert_eq!(one.columns.len(), fields.len());
}

#[test]
fn since_reads_durations_and_dates() {
    assert_eq!(parse_since("7d", now()).map(|t| t.to_string()), Ok("2026-11-16T10:00:00Z".into()));
    assert!(parse_since("2026-11-01", now()).is_ok());
    let err = parse_since("lately", now()).expect_err("not a time");
    assert_eq!(err.message, "`lately` is neither a duration nor a date");
}

#[test]
fn nesting_is_limited_not_a_stack_overflow() {
    let deep = |n: usize| format!("{}status = completed{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(matching(&deep(parser::MAX_DEPTH)), Ok(vec!["abl-lr".to_owned()]));
    let err = matching(&deep(5_000)).unwrap_err();
    assert_eq!(err, "the expression nests deeper than 64 levels @64..65 (hint: use fewer parentheses or `not`s)");
    let nots = format!("{}status = completed", "not ".repeat(5_000));
    assert!(matching(&nots).unwrap_err().starts_with("the expression nests deeper than 64 levels"));
}

/// Property tests: any text given to `--where`, `--fail-if`, `--sort`, `-c` or `--since` is a
/// value or an error whose span lies in the text, never a panic or a stack overflow; what
/// parses evaluates against real runs.
mod props {
    use proptest::prelude::*;

    use super::*;

    /// Expressions built from the language's own tokens, so that most reach deep into the
    /// parser, plus arbitrary text.
    fn expressions() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("("),
            Just(")"),
            Just("not "),
            Just(" and "),
            Just(" or "),
            Just(" = "),
            Just(" != "),
            Just(" < "),
            Just(" >= "),
            Just(" ~ "),
            Just(" in "),
            Just("["),
            Just("]"),
            Just(","),
            Just("\""),
            Just("status"),
            Just("metrics.acc"),
            Just("params.lr"),
            Just("tags"),
            Just("started"),
            Just("duration"),
            Just("completed"),
            Just("0.1"),
            Just("-1e308"),
            Just("1e999"),
            Just("7d ago"),
            Just("2026-11-01"),
            Just("é"),
            Just("\u{0}"),
            Just("%"),
            Just("exists"),
        ];
        prop_oneof![
            proptest::collection::vec(token, 0..40).prop_map(|t| t.concat()),
            any::<String>(),
            (1usize..3000, 0usize..2).prop_map(|(n, kind)| match kind {
                0 => format!("{}x = 1{}", "(".repeat(n), ")".repeat(n)),
                _ => format!("{}x = 1", "not ".repeat(n)),
            }),
        ]
    }

    fn span_in(e: &Error, text: &str) -> Result<(), TestCaseError> {
        prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len(), "{e:?} in {text:?}");
        prop_assert!(!e.message.is_empty() && !e.message.contains('\n'), "{e:?}");
        e.snippet(text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn filters_parse_or_point_at_the_problem(text in expressions()) {
            match Filter::parse_in(&text, now(), &TimeZone::UTC) {
                Ok(filter) => {
                    for run in runs() {
                        filter.matches(&run);
                    }
                }
                Err(e) => span_in(&e, &text)?,
            }
            if let Err(e) = parse_gate(&text, now()) {
                span_in(&e, &text)?;
            }
        }

        #[test]
        fn sorts_columns_and_since_parse_or_fail(text in expressions()) {
            if let Err(e) = parse_sort_keys(&text) {
                span_in(&e, &text)?;
            }
            if let Err(e) = parse_columns(&text) {
                span_in(&e, &text)?;
            }
            let _ = parse_since(&text, now());
        }
    }
}
