//! `--fail-if` gates: expressions over the change from run A to run B. Numeric fields are
//! changes (`metrics.acc:last < -0.01`, `metrics.loss:last > +5%`); other fields are run B's
//! values (`status != completed`).

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::goals::{Goal, Verdict};
use crate::query::{self, CellStyle, Field, Kind, Pred, Rollup, Source, Value};
use crate::store::Run;

/// A parsed `--fail-if` condition.
#[derive(Debug, Clone)]
pub struct Check {
    pub text: String,
    kind: CheckKind,
}

#[derive(Debug, Clone)]
enum CheckKind {
    Expr(Pred),
    /// `worse`: any metric with a goal got worse (its last value).
    Worse,
}

impl Check {
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, query::Error> {
        let kind =
            if text.trim() == "worse" { CheckKind::Worse } else { CheckKind::Expr(query::parse_gate(text, now)?) };
        Ok(Self { text: text.to_owned(), kind })
    }

    /// True for `worse`, which needs goals.
    pub fn is_worse(&self) -> bool {
        matches!(self.kind, CheckKind::Worse)
    }

    /// The metric keys the condition names (`worse` names none itself).
    pub fn metric_keys(&self) -> Vec<String> {
        let CheckKind::Expr(pred) = &self.kind else { return Vec::new() };
        let mut keys: Vec<String> = Vec::new();
        for field in pred.fields() {
            if let Field::Metric { key, .. } = field
                && !keys.contains(key)
            {
                keys.push(key.clone());
            }
        }
        keys
    }
}

/// What a gate knows beyond its conditions.
#[derive(Debug, Clone, Copy)]
pub struct GateOptions<'a> {
    pub goals: &'a BTreeMap<String, Goal>,
    /// `--allow-missing`: a metric missing on a side passes instead of failing.
    pub allow_missing: bool,
}

/// A check applied to a pair of runs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckOutcome {
    pub condition: String,
    pub failed: bool,
    /// Each field the condition reads: `metrics.acc:last 0.91 → 0.89 (-0.02, -2.2%)`.
    pub values: Vec<String>,
}

/// Applies every check to the change from `a` to `b`.
pub fn evaluate_checks(
    checks: &[Check],
    a: &Run,
    b: &Run,
    options: GateOptions<'_>,
    now: Timestamp,
) -> Vec<CheckOutcome> {
    let source = PairSource { a, b, now };
    let style = CellStyle::human();
    checks
        .iter()
        .map(|check| match &check.kind {
            CheckKind::Worse => worse(check, a, b, options, now, &style),
            CheckKind::Expr(pred) => {
                let mut values: Vec<String> =
                    pred.fields().into_iter().map(|f| describe(f, a, b, now, &style)).collect();
                let missing: Vec<&Field> = pred
                    .fields()
                    .into_iter()
                    .filter(|f| matches!(f, Field::Metric { .. }))
                    .filter(|f| f.get(a, now).is_missing() || f.get(b, now).is_missing())
                    .collect();
                // A metric missing on a side has no change to compare; the check fails rather
                // than passing unseen, unless missing metrics are allowed.
                let failed = if missing.is_empty() || options.allow_missing {
                    pred.eval(&source)
                } else {
                    values.extend(missing.iter().map(|f| missing_line(f, a, b, now)));
                    true
                };
                CheckOutcome { condition: check.text.clone(), failed, values }
            }
        })
        .collect()
}

/// `worse`: every metric with a goal that either run has, judged by its last value.
fn worse(check: &Check, a: &Run, b: &Run, options: GateOptions<'_>, now: Timestamp, style: &CellStyle) -> CheckOutcome {
    let mut failed = false;
    let mut values = Vec::new();
    for (key, goal) in options.goals {
        let field = Field::Metric { key: key.clone(), rollup: Rollup::Last, explicit: true };
        let (ma, mb) = (a.record.metrics.get(key), b.record.metrics.get(key));
        if ma.is_none() && mb.is_none() {
            continue;
        }
        let line = describe(&field, a, b, now, style);
        let goal_word = match goal {
            Goal::Max => "max",
            Goal::Min => "min",
        };
        match goal.judge(super::delta(ma.map(|m| m.last), mb.map(|m| m.last)).0) {
            Some(Verdict::Worse) => {
                failed = true;
                values.push(format!("{line}: worse (goal {goal_word})"));
            }
            Some(verdict) => values.push(format!("{line}: {} (goal {goal_word})", verdict_word(verdict))),
            None => {
                failed |= !options.allow_missing;
                values.push(missing_line(&field, a, b, now));
            }
        }
    }
    if values.is_empty() {
        // A gate that judges nothing must not pass unseen.
        failed = true;
        let keys: Vec<&str> = options.goals.keys().map(String::as_str).collect();
        values.push(format!("no metric with a goal ({}) is in either run", keys.join(", ")));
    }
    CheckOutcome { condition: check.text.clone(), failed, values }
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::Same => "unchanged",
    }
}

/// `metrics.acc:last is missing in B (run k3m9…)`.
fn missing_line(field: &Field, a: &Run, b: &Run, now: Timestamp) -> String {
    let sides: Vec<String> = [("A", a), ("B", b)]
        .into_iter()
        .filter(|(_, run)| field.get(run, now).is_missing())
        .map(|(label, run)| format!("{label} (run {})", run.record.id))
        .collect();
    format!("{field} is missing in {}", sides.join(" and "))
}

/// Field values of a pair of runs as `--fail-if` sees them.
struct PairSource<'a> {
    a: &'a Run,
    b: &'a Run,
    now: Timestamp,
}

impl Source for PairSource<'_> {
    fn value(&self, field: &Field) -> Value<'_> {
        let (va, vb) = (field.get(self.a, self.now), field.get(self.b, self.now));
        match (numeric(&va), numeric(&vb)) {
            (Some(x), Some(y)) => {
                let (abs, rel) = super::delta(Some(x), Some(y));
                Value::Delta { abs: abs.unwrap_or(f64::NAN), rel }
            }
            // A number missing on one side has no change to compare: such a check never fails.
            _ if matches!(field.kind(), Kind::Number | Kind::Duration) => Value::Missing,
            _ => vb,
        }
    }
}

fn numeric(value: &Value<'_>) -> Option<f64> {
    match value {
        Value::Number(n) | Value::Duration(n) => Some(*n),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// `metrics.acc:last 0.91 → 0.89 (-0.02, -2.2%)`, `status completed → failed`.
fn describe(field: &Field, a: &Run, b: &Run, now: Timestamp, style: &CellStyle) -> String {
    let (va, vb) = (field.get(a, now), field.get(b, now));
    let text =
        |v: &Value<'_>| if v.is_missing() { "(none)".to_owned() } else { query::field_cell(v, field, style).text };
    let mut out = format!("{field} {} → {}", text(&va), text(&vb));
    if let (Some(x), Some(y)) = (numeric(&va), numeric(&vb)) {
        let (abs, rel) = super::delta(Some(x), Some(y));
        let is_duration = field.kind() == Kind::Duration;
        out.push_str(&format!(" ({})", super::text::delta_text(abs, rel, is_duration)));
    }
    out
}

/// The known names closest to `name`, best first (at most three), for "did you mean" hints.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(&name.to_lowercase(), &k.to_lowercase()), k))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(y.1)));
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}
