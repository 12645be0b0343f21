//! `idflow run --last-failed`: the scenarios that failed in the previous report, read back from
//! its `cucumber.json`, as `path:line` selections for the next run.

use std::path::{Path, PathBuf};

use super::RunError;
use crate::report::cucumber_json;
use crate::report::model::RunReport;

/// The `path:line` of every scenario that failed (or had an undefined step) in the report in
/// `report_dir`, and the path of every feature file that did not parse, in report order.
pub fn last_failed(report_dir: &Path) -> Result<Vec<PathBuf>, RunError> {
    let file = report_dir.join("cucumber.json");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        RunError::Usage(format!(
            "--last-failed reads the previous report, but {} cannot be read: {e}; run once without --last-failed (or pass the --report-dir of the previous run)",
            file.display()
        ))
    })?;
    let report = cucumber_json::parse(&text)
        .map_err(|e| RunError::Usage(format!("--last-failed: {}: {e}", file.display())))?;
    Ok(failed_locations(&report))
}

/// The failed scenarios' `path:line` and the broken files' paths.
pub fn failed_locations(report: &RunReport) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = report
        .scenarios()
        .filter(|(_, s)| s.verdict().is_failure())
        .map(|(f, s)| PathBuf::from(format!("{}:{}", f.path, s.line)))
        .collect();
    for e in &report.errors {
        // A feature file that did not parse is named by its path; configuration problems
        // (the environment) name no feature and are left out.
        let file = match e.location.rsplit_once(':') {
            Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) => file,
            _ => e.location.as_str(),
        };
        let path = Path::new(file);
        if path.extension().is_some_and(|x| x == "feature") && !out.iter().any(|p| p == path) {
            out.push(path.to_path_buf());
        }
    }
    out
}

/// Of the failed locations, those under one of `paths` (a file, or a directory that holds it);
/// every location when `paths` is empty.
pub fn within(failed: Vec<PathBuf>, paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        return failed;
    }
    failed
        .into_iter()
        .filter(|loc| {
            let text = loc.to_string_lossy();
            let file = Path::new(text.split(':').next().unwrap_or_default());
            paths.iter().any(|p| {
                let p = p.strip_prefix("./").unwrap_or(p);
                file.starts_with(p)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{FeatureReport, RunError as Reported, ScenarioReport, Status};

    fn report() -> RunReport {
        let scenario = |line, status| ScenarioReport {
            name: format!("s{line}"),
            line,
            status: Some(status),
            ..Default::default()
        };
        RunReport {
            features: vec![
                FeatureReport {
                    name: "A".into(),
                    path: "features/oidc/a.feature".into(),
                    scenarios: vec![
                        scenario(3, Status::Passed),
                        scenario(9, Status::Failed),
                        scenario(12, Status::Undefined),
                    ],
                    ..Default::default()
                },
                FeatureReport {
                    name: "B".into(),
                    path: "features/rest_api/b.feature".into(),
                    scenarios: vec![scenario(4, Status::Failed)],
                    ..Default::default()
                },
            ],
            errors: vec![
                Reported {
                    location: "features/broken.feature:3".into(),
                    message: "does not parse".into(),
                },
                Reported {
                    location: "simulator".into(),
                    message: "bad yaml".into(),
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn failed_and_undefined_scenarios_and_broken_files_are_selected() {
        let got = failed_locations(&report());
        let want: Vec<PathBuf> = [
            "features/oidc/a.feature:9",
            "features/oidc/a.feature:12",
            "features/rest_api/b.feature:4",
            "features/broken.feature",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn paths_narrow_the_rerun_to_their_files() {
        let failed = failed_locations(&report());
        let got = within(failed.clone(), &[PathBuf::from("./features/oidc")]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().all(|p| p.starts_with("features/oidc")));
        assert_eq!(within(failed.clone(), &[]).len(), failed.len());
    }

    #[test]
    fn a_missing_report_says_what_to_do() {
        let dir = std::env::temp_dir().join(format!("idflow-last-failed-{}", std::process::id()));
        let err = last_failed(&dir).unwrap_err().to_string();
        assert!(
            err.contains("cucumber.json") && err.contains("without --last-failed"),
            "{err}"
        );
    }
}
