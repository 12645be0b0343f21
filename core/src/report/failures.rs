//! Failures grouped by what failed ("nonce: 11 scenarios"), for the console's recap and the
//! HTML report: the name of each failed MUST check of a failed scenario, or, for a failure
//! without structured checks, "undefined step" or the first line of the failed step's error.

use super::model::{FeatureReport, Level, RunReport, ScenarioReport, Status};

/// One group: what failed, and the failed scenarios it failed in.
#[derive(Debug)]
pub struct FailureGroup<'a> {
    pub(crate) reason: String,
    pub(crate) scenarios: Vec<(&'a FeatureReport, &'a ScenarioReport)>,
}

/// What made a failed scenario fail: the names of its failed MUST checks (in the order they
/// were made, each once), else "undefined step", else the failed step's first error line.
pub fn reasons(s: &ScenarioReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for st in &s.steps {
        let tokens = st.record.tokens.iter().flat_map(|t| t.counted_checks());
        for c in st.record.checks.iter().chain(tokens) {
            if c.is_failure() && c.level == Level::Must && !out.contains(&c.name) {
                out.push(c.name.clone());
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    if s.steps
        .iter()
        .any(|st| st.status == Some(Status::Undefined))
    {
        return vec!["undefined step".into()];
    }
    let first_error = s
        .steps
        .iter()
        .filter(|st| st.status == Some(Status::Failed))
        .find_map(|st| st.record.error.as_deref())
        .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("failed without a message");
    vec![shorten(first_error, 100)]
}

fn shorten(s: &str, max: usize) -> String {
    let s = s.trim_end_matches(':');
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Every failed scenario under each reason it failed for; the largest group first, then by
/// reason. A scenario that failed several checks is in each of their groups.
pub fn group(report: &RunReport) -> Vec<FailureGroup<'_>> {
    let mut groups: Vec<FailureGroup<'_>> = Vec::new();
    for (f, s) in report.scenarios() {
        if !s.verdict().is_failure() {
            continue;
        }
        for reason in reasons(s) {
            match groups.iter_mut().find(|g| g.reason == reason) {
                Some(g) => g.scenarios.push((f, s)),
                None => groups.push(FailureGroup {
                    reason,
                    scenarios: vec![(f, s)],
                }),
            }
        }
    }
    groups.sort_by(|a, b| {
        b.scenarios
            .len()
            .cmp(&a.scenarios.len())
            .then_with(|| a.reason.cmp(&b.reason))
    });
    groups
}

/// "1 scenario", "11 scenarios".
pub fn scenarios_text(n: usize) -> String {
    if n == 1 {
        "1 scenario".into()
    } else {
        format!("{n} scenarios")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Check, Outcome, StepReport, TokenRecord};

    fn failed(line: usize, checks: &[(&str, Level)], error: Option<&str>) -> ScenarioReport {
        let mut step = StepReport {
            status: Some(Status::Failed),
            ..Default::default()
        };
        step.record.tokens.push(TokenRecord {
            checks: checks
                .iter()
                .map(|(n, l)| {
                    let mut c = Check::new(*n, Outcome::Failed, "wrong");
                    c.level = *l;
                    c
                })
                .collect(),
            ..Default::default()
        });
        step.record.error = error.map(str::to_string);
        ScenarioReport {
            name: format!("s{line}"),
            line,
            status: Some(Status::Failed),
            steps: vec![step],
            ..Default::default()
        }
    }

    #[test]
    fn failures_are_grouped_by_failed_must_check_largest_first() {
        let report = RunReport {
            features: vec![FeatureReport {
                path: "f.feature".into(),
                scenarios: vec![
                    failed(3, &[("nonce", Level::Must), ("at_hash", Level::Must)], None),
                    failed(9, &[("nonce", Level::Must), ("kid", Level::Should)], None),
                    failed(12, &[], Some("\nthe response status is not 200:\n  more")),
                    ScenarioReport {
                        line: 20,
                        status: Some(Status::Passed),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        };
        let groups = group(&report);
        let summary: Vec<(String, Vec<usize>)> = groups
            .iter()
            .map(|g| {
                (
                    g.reason.clone(),
                    g.scenarios.iter().map(|(_, s)| s.line).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("nonce".to_string(), vec![3, 9]),
                ("at_hash".to_string(), vec![3]),
                ("the response status is not 200".to_string(), vec![12]),
            ]
        );
        assert_eq!(scenarios_text(1), "1 scenario");
        assert_eq!(scenarios_text(11), "11 scenarios");
    }

    #[test]
    fn an_undefined_step_is_its_own_reason() {
        let s = ScenarioReport {
            status: Some(Status::Undefined),
            steps: vec![StepReport {
                status: Some(Status::Undefined),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(reasons(&s), ["undefined step"]);
    }
}
