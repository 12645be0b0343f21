//! Scenario Outlines expanded into one scenario per Examples row.
//!
//! The result is cucumber's `expand_examples` (the expanded scenarios, their names, steps,
//! positions, tags and one-row Examples are equal to it; the tests compare them), without its
//! cost in memory. cucumber clones the outline with all its Examples tables for every row,
//! then cuts the clone's table down to the header and that row, keeping the whole table's
//! capacity: the features grew with the square of an outline's rows. A 5,000-row outline of one
//! step peaked at 688 MB in a run. Here the outline is cloned without its tables, and each row
//! gets a table of exactly two rows.

use std::path::PathBuf;

use cucumber::feature::ExpandExamplesError;
use cucumber::gherkin::{Examples, Feature, LineCol, Scenario, Table};
use regex::Regex;

/// Expands every Scenario Outline of `feature`, in its rules too; the first placeholder with
/// no column in its Examples is the error.
pub(crate) fn expand(mut feature: Feature) -> Result<Feature, ExpandExamplesError> {
    let path = feature.path.clone();
    for rule in &mut feature.rules {
        rule.scenarios = expand_all(std::mem::take(&mut rule.scenarios), path.as_ref())?;
    }
    feature.scenarios = expand_all(std::mem::take(&mut feature.scenarios), path.as_ref())?;
    Ok(feature)
}

fn expand_all(
    scenarios: Vec<Scenario>,
    path: Option<&PathBuf>,
) -> Result<Vec<Scenario>, ExpandExamplesError> {
    let mut out = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        expand_one(scenario, path, &mut out)?;
    }
    Ok(out)
}

/// A placeholder: `<name>`, no whitespace at either end (cucumber's pattern).
fn placeholder() -> &'static Regex {
    static PLACEHOLDER: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"<([^>\s](?:[^>\s]?|[^>\t\n\r\v\f]*[^>\s]))>").expect("a valid regex")
    });
    &PLACEHOLDER
}

/// One row of an Examples table, by column name.
struct Row<'a> {
    header: &'a [String],
    cells: &'a [String],
    path: Option<&'a PathBuf>,
}

impl Row<'_> {
    /// `text` with each placeholder replaced by this row's cell; `at` names where the text is.
    fn fill(&self, text: &str, at: LineCol) -> Result<String, ExpandExamplesError> {
        let mut missing = None;
        let filled = placeholder().replace_all(text, |cap: &regex::Captures<'_>| {
            let name = cap.get(1).map_or("", |m| m.as_str());
            let cell = self
                .header
                .iter()
                .zip(self.cells)
                .find_map(|(column, cell)| (column == name).then_some(cell.as_str()));
            cell.unwrap_or_else(|| {
                // The last one missing, as cucumber names it.
                missing = Some(ExpandExamplesError {
                    pos: at,
                    name: name.to_owned(),
                    path: self.path.cloned(),
                });
                ""
            })
            .to_owned()
        });
        match missing {
            Some(e) => Err(e),
            None => Ok(filled.into_owned()),
        }
    }
}

fn expand_one(
    mut outline: Scenario,
    path: Option<&PathBuf>,
    out: &mut Vec<Scenario>,
) -> Result<(), ExpandExamplesError> {
    if outline.examples.is_empty() {
        out.push(outline);
        return Ok(());
    }
    let examples = std::mem::take(&mut outline.examples);
    for example in &examples {
        let Some(table) = &example.table else {
            continue;
        };
        let Some((header, rows)) = table.rows.split_first() else {
            continue;
        };
        for (index, cells) in rows.iter().enumerate() {
            let row = Row {
                header,
                cells,
                path,
            };
            // Without its Examples: only this row's goes into the copy.
            let mut expanded = outline.clone();
            expanded.position = example.position;
            expanded.position.line += index + 2;
            expanded.tags.extend(example.tags.iter().cloned());
            expanded.name = row.fill(&expanded.name, expanded.position)?;
            for step in &mut expanded.steps {
                let at = step.position;
                let texts = std::iter::once(&mut step.value)
                    .chain(step.docstring.iter_mut())
                    .chain(
                        step.table
                            .iter_mut()
                            .flat_map(|t| t.rows.iter_mut().flatten()),
                    );
                for text in texts {
                    *text = row.fill(text, at)?;
                }
            }
            expanded.examples = vec![one_row(example, table, header, cells)];
            out.push(expanded);
        }
    }
    Ok(())
}

/// `example` with its table cut to `header` and one row (as wide as both).
fn one_row(example: &Examples, table: &Table, header: &[String], cells: &[String]) -> Examples {
    let width = header.len().min(cells.len());
    Examples {
        keyword: example.keyword.clone(),
        name: example.name.clone(),
        description: example.description.clone(),
        table: Some(Table {
            rows: vec![header.to_vec(), cells[..width].to_vec()],
            span: table.span,
            position: table.position,
        }),
        tags: example.tags.clone(),
        span: example.span,
        position: example.position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cucumber::feature::Ext as _;

    fn parse(text: &str) -> Feature {
        let mut f = Feature::parse(text, cucumber::gherkin::GherkinEnv::default()).unwrap();
        f.path = Some(PathBuf::from("features/outline.feature"));
        f
    }

    const OUTLINES: &str = r#"Feature: outlines
  Background:
    Given the client "web"

  Scenario: plain
    When the client fetches the provider's discovery document

  @outline
  Scenario Outline: <user> signs in with <scope>
    When the end-user logs in as "<user>"
    Then the JSON value at "$.<field>" is "<value>"
      """
      scope <scope> for <user>
      """
    And the table says
      | user   | scope   |
      | <user> | <scope> |

    @first
    Examples: people
      | user  | scope  | field | value |
      | alice | openid | sub   | a-1   |
      | bob   | email  | email | b@x   |

    Examples: short rows and an extra column
      | user | scope | field | value | unused |
      | carol | profile | name | Carol | x |

    Examples: no rows
      | user | scope | field | value |

  Rule: a rule
    Scenario Outline: in a rule, <n>
      Given the client "<n>"

      Examples:
        | n   |
        | web |
        | spa |
"#;

    #[test]
    fn the_expansion_equals_cucumbers() {
        let ours = expand(parse(OUTLINES)).unwrap();
        let theirs = parse(OUTLINES).expand_examples().unwrap();
        assert_eq!(ours, theirs);
        // The outline's three rows, the plain scenario, and the rule's two rows.
        assert_eq!(ours.scenarios.len(), 4);
        assert_eq!(ours.rules[0].scenarios.len(), 2);
        assert_eq!(ours.scenarios[1].name, "alice signs in with openid");
        assert_eq!(
            ours.scenarios[1].steps[1].docstring.as_deref(),
            Some("\nscope openid for alice\n")
        );
    }

    #[test]
    fn a_placeholder_without_a_column_is_the_same_error_as_cucumbers() {
        let text = "Feature: f\n  Scenario Outline: o\n    Given the client \"<who>\"\n    When the end-user logs in as \"<nobody>\"\n\n    Examples:\n      | who |\n      | web |\n";
        let ours = expand(parse(text)).unwrap_err();
        let theirs = parse(text).expand_examples().unwrap_err();
        assert_eq!(
            (ours.pos, ours.name.as_str(), ours.path.as_ref()),
            (theirs.pos, theirs.name.as_str(), theirs.path.as_ref())
        );
        assert_eq!(ours.name, "nobody");
    }

    /// Each row's scenario holds a table of two rows, not the capacity of the whole table: the
    /// features of a long outline grow with its rows, not with their square.
    #[test]
    fn each_row_keeps_two_rows_not_the_whole_table() {
        let rows: String = (0..300).map(|i| format!("      | {i} |\n")).collect();
        let text = format!(
            "Feature: f\n  Scenario Outline: row <n>\n    Given the client \"<n>\"\n\n    Examples:\n      | n |\n{rows}"
        );
        let ours = expand(parse(&text)).unwrap();
        assert_eq!(ours, parse(&text).expand_examples().unwrap());
        assert_eq!(ours.scenarios.len(), 300);
        for s in &ours.scenarios {
            let table = s.examples[0].table.as_ref().unwrap();
            assert_eq!(table.rows.len(), 2);
            assert!(table.rows.capacity() <= 2, "{}", table.rows.capacity());
        }
    }
}
