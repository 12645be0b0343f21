//! Report writers. All of them render the one [`model::RunReport`]; each format is a module
//! with a pure `render` function. [`write_all`] redacts a copy of the report and writes every
//! file a run leaves behind.

pub mod cucumber_json;
pub mod html;
pub mod junit;
pub mod model;

use std::path::{Path, PathBuf};

use crate::redact::Redactor;
use model::RunReport;

/// Why a report could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The report directory could not be created.
    #[error("cannot create report directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A report file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A Cucumber JSON file is not what `cucumber_json::render` writes.
    #[error("not a Cucumber JSON report: {0}")]
    Parse(String),
}

/// Redacts a copy of `report` with `redactor`, creates `dir` and writes `index.html`,
/// `junit.xml` and `cucumber.json` into it. Returns the paths written.
pub fn write_all(
    report: &RunReport,
    redactor: &Redactor,
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut report = report.clone();
    redactor.redact_report(&mut report);
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let files = [
        ("index.html", html::render(&report)),
        ("junit.xml", junit::render(&report)),
        ("cucumber.json", cucumber_json::render(&report)),
    ];
    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
pub(crate) mod fixtures;
