//! Metric goals: whether a metric is better higher (`max`, accuracy) or lower (`min`, loss), from
//! `[metrics]` in exp.toml and `--goal KEY=max|min`. A goal turns a change into better or worse.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which way a metric should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    Max,
    Min,
}

impl FromStr for Goal {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "max" => Ok(Goal::Max),
            "min" => Ok(Goal::Min),
            _ => Err(format!("`{s}` is not a goal: use max (higher is better) or min (lower is better)")),
        }
    }
}

/// How a change measures up against its metric's goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Better,
    Worse,
    Same,
}

impl Goal {
    /// Judges the change `delta` (B − A); `None` without a comparable change (a side missing,
    /// or NaN).
    pub fn judge(self, delta: Option<f64>) -> Option<Verdict> {
        let d = delta.filter(|d| !d.is_nan())?;
        Some(if d == 0.0 {
            Verdict::Same
        } else if (d > 0.0) == (self == Goal::Max) {
            Verdict::Better
        } else {
            Verdict::Worse
        })
    }
}

/// `--goal KEY=max|min` as written.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalArg {
    pub key: String,
    pub goal: Goal,
}

impl FromStr for GoalArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (key, goal) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("`{s}` is not a goal: write KEY=max or KEY=min, as in loss=min"))?;
        let key = key.trim().strip_prefix("metrics.").unwrap_or(key.trim());
        if key.is_empty() {
            return Err(format!("`{s}` names no metric: write KEY=max or KEY=min, as in loss=min"));
        }
        Ok(GoalArg { key: key.to_owned(), goal: goal.trim().parse()? })
    }
}

/// The goals in force: exp.toml's, overridden by `--goal`.
pub fn merge_goals(config: &BTreeMap<String, Goal>, args: &[GoalArg]) -> BTreeMap<String, Goal> {
    let mut goals = config.clone();
    goals.extend(args.iter().map(|a| (a.key.clone(), a.goal)));
    goals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_judge_changes() {
        assert_eq!(Goal::Max.judge(Some(0.1)), Some(Verdict::Better));
        assert_eq!(Goal::Max.judge(Some(-0.1)), Some(Verdict::Worse));
        assert_eq!(Goal::Min.judge(Some(0.1)), Some(Verdict::Worse));
        assert_eq!(Goal::Min.judge(Some(-0.1)), Some(Verdict::Better));
        assert_eq!(Goal::Min.judge(Some(0.0)), Some(Verdict::Same));
        assert_eq!(Goal::Min.judge(None), None);
        assert_eq!(Goal::Max.judge(Some(f64::NAN)), None);
    }

    #[test]
    fn goal_arguments() {
        assert_eq!("val/acc=max".parse(), Ok(GoalArg { key: "val/acc".into(), goal: Goal::Max }));
        assert_eq!("metrics.loss=min".parse(), Ok(GoalArg { key: "loss".into(), goal: Goal::Min }));
        assert_eq!(
            "loss".parse::<GoalArg>(),
            Err("`loss` is not a goal: write KEY=max or KEY=min, as in loss=min".to_owned())
        );
        assert_eq!(
            "loss=down".parse::<GoalArg>(),
            Err("`down` is not a goal: use max (higher is better) or min (lower is better)".to_owned())
        );
        assert!("=max".parse::<GoalArg>().is_err());
    }
}
