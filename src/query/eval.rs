//! A parsed expression, checked and with its literals read, evaluated against any source of
//! field values: one run (`--where`) or a pair of runs (`--fail-if`).

use std::cmp::Ordering;

use regex::Regex;

use super::field::Field;
use super::value::{Literal, Value};

/// Where field values come from.
pub trait Source {
    fn value(&self, field: &Field) -> Value<'_>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// A checked expression.
#[derive(Debug, Clone)]
pub enum Pred {
    Or(Vec<Pred>),
    And(Vec<Pred>),
    Not(Box<Pred>),
    Compare { field: Field, op: CmpOp, lit: Literal },
    In { field: Field, lits: Vec<Literal> },
    Contains { field: Field, lit: Literal },
    Matches { field: Field, regex: Regex },
    Exists(Field),
}

impl Pred {
    /// Evaluates the expression. A missing value, or one of another type than the literal,
    /// never satisfies a comparison (so `params.lr != 0.1` skips runs without `lr`).
    pub fn eval(&self, source: &dyn Source) -> bool {
        match self {
            Pred::Or(items) => items.iter().any(|p| p.eval(source)),
            Pred::And(items) => items.iter().all(|p| p.eval(source)),
            Pred::Not(inner) => !inner.eval(source),
            Pred::Compare { field, op, lit } => {
                let value = source.value(field);
                // `!=` on a list asks whether no element equals; every other operator whether one does.
                if *op == CmpOp::Ne && matches!(value, Value::Strings(_) | Value::Array(_)) {
                    return !value.any_element(|v| compare(v, CmpOp::Eq, lit));
                }
                compare(&value, *op, lit)
            }
            Pred::In { field, lits } => {
                source.value(field).any_element(|v| lits.iter().any(|lit| compare(v, CmpOp::Eq, lit)))
            }
            Pred::Contains { field, lit } => match source.value(field) {
                Value::Text(text) => text.contains(lit.text.as_str()),
                list @ (Value::Strings(_) | Value::Array(_)) => list.any_element(|v| compare(v, CmpOp::Eq, lit)),
                _ => false,
            },
            Pred::Matches { field, regex } => source.value(field).any_element(|v| match v {
                Value::Text(text) => regex.is_match(text),
                _ => false,
            }),
            Pred::Exists(field) => !source.value(field).is_missing(),
        }
    }

    /// Every field the expression reads, in order of appearance, without repeats.
    pub fn fields(&self) -> Vec<&Field> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a Field>) {
        let field = match self {
            Pred::Or(items) | Pred::And(items) => {
                items.iter().for_each(|p| p.collect_fields(out));
                return;
            }
            Pred::Not(inner) => return inner.collect_fields(out),
            Pred::Compare { field, .. }
            | Pred::In { field, .. }
            | Pred::Contains { field, .. }
            | Pred::Matches { field, .. }
            | Pred::Exists(field) => field,
        };
        if !out.contains(&field) {
            out.push(field);
        }
    }
}

/// Compares one value with a literal read as the value's type.
pub fn compare(value: &Value<'_>, op: CmpOp, lit: &Literal) -> bool {
    match value {
        Value::Missing | Value::Table(_) | Value::Strings(_) | Value::Array(_) => false,
        // Text orders alphabetically, but never against a number: "0.01" < 0.001 is no question.
        Value::Text(_) if op.is_ordering() && lit.number.is_some() && !lit.quoted => false,
        Value::Text(text) => op.holds(text.as_ref().cmp(lit.text.as_str())),
        Value::Integer(_) | Value::Number(_) => {
            let n = value.as_number().unwrap_or(f64::NAN);
            lit.number.and_then(|l| n.partial_cmp(&l)).is_some_and(|ord| op.holds(ord))
        }
        Value::Bool(b) => !op.is_ordering() && lit.boolean.is_some_and(|l| op.holds(b.cmp(&l))),
        Value::Duration(d) => {
            lit.duration.or(lit.number).and_then(|l| d.partial_cmp(&l)).is_some_and(|ord| op.holds(ord))
        }
        Value::Time(t) => lit.time.is_some_and(|range| {
            // A date is a whole day: `= 2026-11-01` is within it, `> 2026-11-01` after it.
            let ord = if *t < range.start {
                Ordering::Less
            } else if *t < range.end || *t == range.start {
                Ordering::Equal
            } else {
                Ordering::Greater
            };
            op.holds(ord)
        }),
        Value::Delta { abs, rel } => {
            let (actual, wanted) = match lit.percent {
                Some(percent) => (rel.map(|r| r * 100.0), Some(percent)),
                None => (Some(*abs), lit.duration.or(lit.number)),
            };
            match (actual, wanted) {
                (Some(a), Some(w)) => a.partial_cmp(&w).is_some_and(|ord| op.holds(ord)),
                _ => false,
            }
        }
    }
}
