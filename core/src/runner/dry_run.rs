//! `idflow run --dry-run`: every selected feature parsed and every step matched against the
//! step definitions, without starting a target or sending a request. An undefined or ambiguous
//! step is named at `file:line` with the closest known steps; the exit status is 0 when every
//! step has exactly one definition, 1 otherwise.

use cucumber::gherkin;

use super::dispatch::{StepProblem, definition_of, takes_docstring_or_table};
use super::{RunError, RunOptions, scenarios_of, select, writer};
use crate::catalogue;

/// One step that would not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunProblem {
    /// `path:line` of the step.
    pub location: String,
    /// The problem in words, with suggestions for an undefined step.
    pub message: String,
}

/// What a dry run found.
#[derive(Debug, Default)]
pub struct DryRunOutcome {
    pub(crate) scenarios: usize,
    /// Distinct steps checked (a background step counts once per feature).
    pub(crate) steps: usize,
    pub(crate) undefined: usize,
    pub(crate) ambiguous: usize,
    /// Feature files that do not parse, then undefined and ambiguous steps, in file order.
    pub problems: Vec<DryRunProblem>,
}

impl DryRunOutcome {
    /// 0 when every step has exactly one definition and every file parses, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.problems.is_empty() { 0 } else { 1 }
    }

    /// The closing line: `dry run: 55 scenarios, 420 steps, 0 undefined, 0 ambiguous`.
    pub fn summary(&self) -> String {
        format!(
            "dry run: {} scenarios, {} steps, {} undefined, {} ambiguous{}",
            self.scenarios,
            self.steps,
            self.undefined,
            self.ambiguous,
            match self.problems.len() - self.undefined - self.ambiguous {
                0 => String::new(),
                n => format!(", {n} feature file(s) that do not parse"),
            }
        )
    }
}

/// Parses the features the options select and matches each of their steps, sending nothing.
/// The step definitions must be linked into the binary (`idflow::runner::dry_run` does so).
pub fn dry_run(options: &RunOptions) -> Result<DryRunOutcome, RunError> {
    let (_, features, selector) = select(options, usize::MAX)?;
    let mut out = DryRunOutcome::default();
    for feature in features.into_features() {
        let feature = match &feature {
            Ok(f) => f,
            Err(e) => {
                let error = writer::parse_error(e);
                out.problems.push(DryRunProblem {
                    location: error.location,
                    message: error.message,
                });
                continue;
            }
        };
        let path = writer::feature_path(feature);
        let mut seen: std::collections::HashSet<(usize, String)> = Default::default();
        for (rule, scenario) in scenarios_of(feature) {
            if !selector.selects(feature, rule, scenario) {
                continue;
            }
            out.scenarios += 1;
            let backgrounds = feature
                .background
                .iter()
                .chain(rule.and_then(|r| r.background.as_ref()))
                .flat_map(|b| b.steps.iter());
            for step in backgrounds.chain(scenario.steps.iter()) {
                for text in expanded(scenario, step) {
                    if !seen.insert((step.position.line, text.clone())) {
                        continue;
                    }
                    out.steps += 1;
                    let location = format!("{path}:{}", step.position.line);
                    match definition_of(&text) {
                        Ok(at) => {
                            let extra = if step.docstring.is_some() {
                                Some("a docstring")
                            } else if step.table.is_some() {
                                Some("a data table")
                            } else {
                                None
                            };
                            if let (Some(what), Some(false)) =
                                (extra, takes_docstring_or_table(&text))
                            {
                                out.problems.push(DryRunProblem {
                                    message: format!(
                                        "the step `{}{text}` has {what} below it, but its definition at {at} takes none: it would be ignored",
                                        step.keyword
                                    ),
                                    location,
                                });
                            }
                        }
                        Err(StepProblem::Undefined) => {
                            out.undefined += 1;
                            let suggestions: String = catalogue::closest(&text, 3)
                                .into_iter()
                                .map(|s| format!("\n    {s}"))
                                .collect();
                            out.problems.push(DryRunProblem {
                                message: format!(
                                    "undefined step `{}{text}`\n  closest known steps:{suggestions}",
                                    step.keyword
                                ),
                                location,
                            });
                        }
                        Err(StepProblem::UnexpectedArgument(..)) => {}
                        Err(StepProblem::Ambiguous(locations)) => {
                            out.ambiguous += 1;
                            out.problems.push(DryRunProblem {
                                message: format!(
                                    "ambiguous step `{}{text}`: it matches the definitions at {}\n  hint: reword the step so only one definition matches",
                                    step.keyword,
                                    locations.join(", ")
                                ),
                                location,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A step's text, once per example row for an outline's step (placeholders filled in).
fn expanded(scenario: &gherkin::Scenario, step: &gherkin::Step) -> Vec<String> {
    let mut out = Vec::new();
    for examples in &scenario.examples {
        let Some(table) = &examples.table else {
            continue;
        };
        let Some((header, rows)) = table.rows.split_first() else {
            continue;
        };
        for row in rows {
            let mut text = step.value.clone();
            for (name, value) in header.iter().zip(row) {
                text = text.replace(&format!("<{name}>"), value);
            }
            out.push(text);
        }
    }
    if out.is_empty() {
        out.push(step.value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(text: &str) -> gherkin::Feature {
        gherkin::Feature::parse(text, gherkin::GherkinEnv::default()).unwrap()
    }

    #[test]
    fn an_outline_step_is_checked_once_per_example_row() {
        let f = feature(
            "Feature: F\n  Scenario Outline: O\n    When it is <a>\n    Examples:\n      | a |\n      | x |\n      | y |\n",
        );
        let scenario = &f.scenarios[0];
        assert_eq!(
            expanded(scenario, &scenario.steps[0]),
            ["it is x", "it is y"]
        );
        let plain = feature("Feature: F\n  Scenario: S\n    When it is <a>\n");
        let s = &plain.scenarios[0];
        assert_eq!(expanded(s, &s.steps[0]), ["it is <a>"]);
    }

    #[test]
    fn the_summary_counts_unparsable_files_apart() {
        let mut out = DryRunOutcome {
            scenarios: 2,
            steps: 5,
            undefined: 1,
            ..Default::default()
        };
        out.problems.push(DryRunProblem {
            location: "f:3".into(),
            message: "undefined".into(),
        });
        assert_eq!(out.exit_code(), 1);
        assert_eq!(
            out.summary(),
            "dry run: 2 scenarios, 5 steps, 1 undefined, 0 ambiguous"
        );
        out.problems.push(DryRunProblem {
            location: String::new(),
            message: "x".into(),
        });
        assert!(
            out.summary()
                .ends_with("1 feature file(s) that do not parse")
        );
    }
}
