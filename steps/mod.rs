//! The built-in step definitions: thin glue from Gherkin words to library calls.
//!
//! Each step has a doc comment whose `Example:` line is checked against the step's own
//! expression by the catalogue test, and rendered in the README's step catalogue.
//! They are the `idflow` crate (`idflow::steps`), apart from the library `idflow-core`, so that
//! editing a step rebuilds only this small crate; a downstream project's harness gets every
//! built-in step by linking idflow.

pub mod expectations;
pub mod http;
pub mod mobileid;
pub mod oidc;
pub mod request_objects;
pub mod rest_api;
pub mod security;
pub mod tokens;

use crate::error::{Error, Result};
use cucumber::gherkin::Step;

/// Makes sure this crate, and so every built-in step it registers, is linked into the binary
/// that runs the features (`idflow::runner` calls it before a run).
#[inline(never)]
pub fn link() {
    std::hint::black_box(());
}

/// The step's data table as rows of cells, or an error naming the step.
pub(crate) fn table(step: &Step) -> Result<Vec<Vec<String>>> {
    step.table.as_ref().map(|t| t.rows.clone()).ok_or_else(|| {
        Error::step(format!(
            "the step `{}` needs a data table below it",
            step.value
        ))
    })
}

/// A two-column table as name/value pairs (a `name | value` header row is skipped).
pub(crate) fn pairs(step: &Step) -> Result<Vec<(String, String)>> {
    let rows = table(step)?;
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.len() != 2 {
            return Err(Error::step(format!(
                "row {} of the table under `{}` has {} cells: write two, `| name | value |`",
                i + 1,
                step.value,
                row.len()
            )));
        }
        if i == 0 && row[0] == "name" && row[1] == "value" {
            continue;
        }
        out.push((row[0].clone(), row[1].clone()));
    }
    Ok(out)
}

/// A two-column table's pairs, with `{{variables}}` in the values replaced.
pub(crate) fn interpolated_pairs(
    w: &crate::world::IdflowWorld,
    step: &Step,
) -> Result<Vec<(String, String)>> {
    pairs(step)?
        .into_iter()
        .map(|(k, v)| Ok((k, w.interpolate(&v)?)))
        .collect()
}

/// The step's docstring, or an error naming the step.
pub(crate) fn docstring(step: &Step) -> Result<&str> {
    step.docstring.as_deref().ok_or_else(|| {
        Error::step(format!(
            "the step `{}` needs a docstring (\"\"\" … \"\"\") below it",
            step.value
        ))
    })
}
