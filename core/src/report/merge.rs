//! Merging the reports of shards (`idflow run --shard I/N` on several machines) into one.

use std::path::Path;

use super::model::RunReport;
use super::{ReportError, cucumber_json};

/// Reads `<dir>/cucumber.json` of each shard.
pub fn read_shards(dirs: &[impl AsRef<Path>]) -> Result<Vec<RunReport>, ReportError> {
    dirs.iter()
        .map(|d| {
            let path = d.as_ref().join("cucumber.json");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ReportError::Parse(format!("cannot read {}: {e}", path.display())))?;
            cucumber_json::parse(&text)
                .map_err(|e| ReportError::Parse(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// One report from several: features with the same path are joined (scenarios in line
/// order), run errors are kept once each (every shard reads every feature file, so each one
/// reports the same broken file: it counts once), the run spans from the earliest start to the
/// latest end.
pub fn merge(shards: Vec<RunReport>) -> RunReport {
    let mut out = RunReport::default();
    let mut end_ms: f64 = 0.0;
    for (i, shard) in shards.into_iter().enumerate() {
        if i == 0 {
            out.environment = shard.environment.clone();
            out.target = shard.target.clone();
            out.commit = shard.commit.clone();
            out.tags = shard.tags.clone();
            out.started_at_ms = shard.started_at_ms;
        }
        out.started_at_ms = out.started_at_ms.min(shard.started_at_ms);
        end_ms = end_ms.max(shard.started_at_ms as f64 + shard.duration_ms);
        if shard.target != out.target && !out.target.contains(&shard.target) {
            out.target = format!("{}; {}", out.target, shard.target);
        }
        for error in shard.errors {
            if !out.errors.contains(&error) {
                out.errors.push(error);
            }
        }
        for feature in shard.features {
            match out.features.iter_mut().find(|f| f.path == feature.path) {
                Some(existing) => existing.scenarios.extend(feature.scenarios),
                None => out.features.push(feature),
            }
        }
    }
    out.duration_ms = (end_ms - out.started_at_ms as f64).max(0.0);
    out.features.sort_by(|a, b| a.path.cmp(&b.path));
    for f in &mut out.features {
        f.scenarios.sort_by_key(|s| s.line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{FeatureReport, ScenarioReport, Status};

    fn shard(start: u128, lines: &[usize]) -> RunReport {
        RunReport {
            environment: "simulator".into(),
            started_at_ms: start,
            duration_ms: 100.0,
            features: vec![FeatureReport {
                name: "F".into(),
                path: "features/f.feature".into(),
                scenarios: lines
                    .iter()
                    .map(|l| ScenarioReport {
                        name: format!("s{l}"),
                        line: *l,
                        status: Some(Status::Passed),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn joins_features_and_spans_the_run() {
        let merged = merge(vec![shard(1000, &[9, 3]), shard(1050, &[5])]);
        assert_eq!(merged.features.len(), 1);
        let lines: Vec<usize> = merged.features[0]
            .scenarios
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(lines, vec![3, 5, 9]);
        assert_eq!(merged.started_at_ms, 1000);
        assert_eq!(merged.duration_ms, 150.0);
        assert_eq!(merged.counts().passed, 3);
    }

    #[test]
    fn a_broken_file_that_every_shard_reports_counts_once() {
        let broken = crate::report::model::RunError {
            location: "features/broken.feature".into(),
            message: "the feature file does not parse".into(),
        };
        let mut a = shard(1000, &[3]);
        let mut b = shard(1000, &[5]);
        a.errors.push(broken.clone());
        b.errors.push(broken.clone());
        b.errors.push(crate::report::model::RunError {
            location: "features/other.feature".into(),
            message: "empty".into(),
        });
        let merged = merge(vec![a, b]);
        assert_eq!(merged.errors.len(), 2, "{:?}", merged.errors);
        assert_eq!(merged.errors[0], broken);
    }
}
