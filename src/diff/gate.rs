//! `--fail-if` gates: expressions over the change from run A to run B. Numeric fields are
//! changes (`metrics.acc:last < -0.01`, `metrics.loss:last > +5%`); other fields are run B's
//! values (`status != completed`).

use jiff::Timestamp;

use crate::query::{self, CellStyle, Field, Kind, Pred, Source, Value};
use crate::store::Run;

/// A parsed `--fail-if` condition.
#[derive(Debug, Clone)]
pub struct Check {
    pub text: String,
    pred: Pred,
}

impl Check {
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, query::Error> {
        Ok(Self { text: text.to_owned(), pred: query::parse_gate(text, now)? })
    }
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
pub fn evaluate_checks(checks: &[Check], a: &Run, b: &Run, now: Timestamp) -> Vec<CheckOutcome> {
    let source = PairSource { a, b, now };
    let style = CellStyle::human();
    checks
        .iter()
        .map(|check| CheckOutcome {
            condition: check.text.clone(),
            failed: check.pred.eval(&source),
            values: check.pred.fields().into_iter().map(|f| describe(f, a, b, now, &style)).collect(),
        })
        .collect()
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
