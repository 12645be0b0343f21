//! Allure 2 results (`idflow run --allure DIR`): a `<uuid>-result.json` per scenario (name,
//! fullName, a historyId stable across runs, status with message and trace, stage, start and
//! stop, labels feature/suite/tag/severity, steps with their status, parameters for Scenario
//! Outline rows), `categories.json` grouping failures by failed check, and
//! `environment.properties` with the environment and target. A pure function of the report
//! ([`render`]), which is the redacted one the other writers read; [`write`] puts it on disk.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ReportError;
use super::failures;
use super::history::{NameRank, name_ranks, ranked_id};
use super::junit;
use super::model::{FeatureReport, RunReport, ScenarioReport, Status, StepReport};
use super::stream::Evidence;

/// Allure's severities; a scenario tagged with one of them (`@critical`) has that severity,
/// else `normal`.
const SEVERITIES: [&str; 5] = ["blocker", "critical", "normal", "minor", "trivial"];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestResult {
    uuid: String,
    history_id: String,
    test_case_id: String,
    full_name: String,
    /// Name, status, stage and times: what a test result has in common with a step's.
    #[serde(flatten)]
    outcome: StepResult,
    labels: Vec<Label>,
    parameters: Vec<Parameter>,
    steps: Vec<StepResult>,
}

#[derive(Serialize)]
struct StatusDetails {
    message: String,
    trace: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepResult {
    name: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_details: Option<StatusDetails>,
    stage: &'static str,
    start: u128,
    stop: u128,
}

#[derive(Serialize)]
struct Label {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Parameter {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Category {
    name: String,
    matched_statuses: [&'static str; 2],
    message_regex: String,
}

/// Allure's name of a status: an undefined step is `broken` (the test could not run as
/// written), never a product failure.
fn status(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Passed) => "passed",
        Some(Status::Failed) => "failed",
        Some(Status::Undefined) => "broken",
        Some(Status::Skipped) | None => "skipped",
    }
}

/// The first 32 hex digits of SHA-256 of `text`.
fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A UUID (version 4 layout) derived from the run's start and the scenario, so the same report
/// gives the same files and two runs never overwrite each other's.
fn uuid(run_start: u128, id: &str) -> String {
    let h = hash(&format!("{run_start}\n{id}"));
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The first line of a failure's message: its failed checks in brackets (`[nonce] [aud]`),
/// which the categories match on, or its reason.
fn headline(s: &ScenarioReport) -> String {
    failures::reasons(s)
        .iter()
        .map(|r| format!("[{r}]"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Java regular expression (Allure matches the whole message) that holds `[reason]`.
fn category_regex(reason: &str) -> String {
    format!("(?s).*\\Q[{}]\\E.*", reason.replace("\\E", "\\E\\\\E\\Q"))
}

/// When a scenario started: its first request, else the run's start.
fn scenario_start(run_start: u128, s: &ScenarioReport) -> u128 {
    s.exchanges()
        .flat_map(|x| x.hops.first())
        .map(|h| h.started_at_ms)
        .next()
        .unwrap_or(run_start)
}

fn step(st: &StepReport, start: u128) -> StepResult {
    let details = st.status.is_some_and(Status::is_failure).then(|| {
        let error = st.record.error.clone().unwrap_or_else(|| {
            if st.status == Some(Status::Undefined) {
                "undefined step: no step definition matches".into()
            } else {
                "step failed".into()
            }
        });
        StatusDetails {
            message: error.lines().next().unwrap_or_default().to_owned(),
            trace: error,
        }
    });
    StepResult {
        name: format!("{}{}", st.keyword, st.text).trim().to_owned(),
        status: status(st.status),
        status_details: details,
        stage: "finished",
        start,
        stop: start + st.duration_ms.round() as u128,
    }
}

/// The result of scenario `s`; `rank` is where it stands among its feature's scenarios of the
/// same name (its identity across runs, and its Examples row).
fn result(run_start: u128, f: &FeatureReport, rank: NameRank, s: &ScenarioReport) -> TestResult {
    let full_name = ranked_id(f, s, rank);
    let start = scenario_start(run_start, s);
    let verdict = s.verdict();
    let status_details = if verdict.is_failure() {
        let (_, message, trace) = junit::failure(f, s);
        Some(StatusDetails {
            message: format!("{}\n{message}", headline(s)),
            trace,
        })
    } else {
        s.not_applicable.as_ref().map(|reason| StatusDetails {
            message: format!("not applicable: {reason}"),
            trace: String::new(),
        })
    };
    let mut labels = vec![
        Label {
            name: "feature",
            value: f.name.clone(),
        },
        Label {
            name: "suite",
            value: f.name.clone(),
        },
    ];
    let mut severity = "normal";
    for tag in &s.tags {
        let t = tag.trim_start_matches('@');
        if let Some(known) = SEVERITIES.iter().find(|v| **v == t) {
            severity = known;
        }
        labels.push(Label {
            name: "tag",
            value: t.to_owned(),
        });
    }
    labels.push(Label {
        name: "severity",
        value: severity.to_owned(),
    });
    labels.push(Label {
        name: "framework",
        value: "idflow".into(),
    });
    let mut parameters = Vec::new();
    if s.keyword.contains("Outline") || s.keyword.contains("Template") || rank.of > 1 {
        parameters.push(Parameter {
            name: "example".into(),
            value: format!("row {} (line {})", rank.rank, s.line),
        });
    }
    let mut at = start;
    let steps = s
        .steps
        .iter()
        .map(|st| {
            let r = step(st, at);
            at = r.stop;
            r
        })
        .collect();
    TestResult {
        uuid: uuid(run_start, &full_name),
        history_id: hash(&full_name),
        test_case_id: hash(&format!("{} › {}", f.path, s.name)),
        full_name,
        outcome: StepResult {
            name: s.name.clone(),
            status: status(Some(verdict)),
            status_details,
            stage: "finished",
            start,
            stop: start + s.duration_ms.round() as u128,
        },
        labels,
        parameters,
        steps,
    }
}

/// Escapes a `.properties` key or value.
fn property(s: &str, key: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '=' | ':' | ' ' if key => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every file of the results, by name: each scenario's result, then `categories.json` and
/// `environment.properties`.
pub fn render(report: &RunReport) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let kept: Result<(), ReportError> = each_file(report, &Evidence::default(), |name, text| {
        files.push((name, text));
        Ok(())
    });
    // In memory: nothing to read back, nothing to fail.
    if let Err(e) = kept {
        tracing::warn!("{e}");
    }
    files
}

/// Hands each file of the results to `put`, by name, reading each scenario's evidence once.
fn each_file(
    report: &RunReport,
    ev: &Evidence,
    mut put: impl FnMut(String, String) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    for (fi, f) in report.features.iter().enumerate() {
        for (id, rank) in f.scenarios.iter().zip(name_ranks(f)) {
            let s = ev.full(fi, id)?;
            let r = result(report.started_at_ms, f, rank, &s);
            let text = serde_json::to_string_pretty(&r).unwrap_or_default();
            put(format!("{}-result.json", r.uuid), text)?;
        }
    }
    let categories: Vec<Category> = failures::group(report)
        .into_iter()
        .map(|g| Category {
            message_regex: category_regex(&g.reason),
            name: g.reason,
            matched_statuses: ["failed", "broken"],
        })
        .collect();
    put(
        "categories.json".into(),
        serde_json::to_string_pretty(&categories).unwrap_or_default(),
    )?;
    let mut env = String::new();
    let mut prop = |k: &str, v: &str| {
        let _ = writeln!(env, "{}={}", property(k, true), property(v, false));
    };
    prop("environment", &report.environment);
    prop("target", &report.target);
    if let Some(c) = &report.commit {
        prop("commit", c);
    }
    if let Some(t) = &report.tags {
        prop("tags", t);
    }
    put("environment.properties".into(), env)
}

/// Creates `dir` and writes [`render`]'s files into it. Returns the paths written.
pub fn write(report: &RunReport, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    write_streamed(report, &Evidence::default(), dir)
}

/// Creates `dir` and writes the results of `report` into it, the scenarios' evidence read
/// from `ev` one scenario at a time. Returns the paths written.
pub fn write_streamed(
    report: &RunReport,
    ev: &Evidence,
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let mut paths = Vec::new();
    each_file(report, ev, |name, text| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        paths.push(path);
        Ok(())
    })?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use serde_json::Value;

    fn results() -> Vec<Value> {
        render(&fixtures::report())
            .into_iter()
            .filter(|(n, _)| n.ends_with("-result.json"))
            .map(|(_, t)| serde_json::from_str(&t).unwrap())
            .collect()
    }

    #[test]
    fn every_result_has_the_shape_allure_reads() {
        let rs = results();
        assert_eq!(rs.len(), fixtures::report().scenarios().count());
        let statuses = ["passed", "failed", "broken", "skipped", "unknown"];
        for r in &rs {
            for key in ["uuid", "historyId", "name", "fullName", "stage"] {
                assert!(r[key].is_string(), "{key} in {r}");
            }
            assert!(statuses.contains(&r["status"].as_str().unwrap()));
            assert!(r["start"].as_u64().unwrap() <= r["stop"].as_u64().unwrap());
            let labels = r["labels"].as_array().unwrap();
            for name in ["feature", "suite", "severity"] {
                assert!(labels.iter().any(|l| l["name"] == name), "{name} in {r}");
            }
            for st in r["steps"].as_array().unwrap() {
                assert!(statuses.contains(&st["status"].as_str().unwrap()));
                assert!(st["name"].is_string());
            }
        }
        let uuids: std::collections::HashSet<_> = rs.iter().map(|r| &r["uuid"]).collect();
        assert_eq!(uuids.len(), rs.len());
    }

    #[test]
    fn history_ids_are_stable_across_runs_and_uuids_are_not() {
        let mut later = fixtures::report();
        later.started_at_ms += 60_000;
        let a = render(&fixtures::report());
        let b = render(&later);
        let ids = |files: &[(String, String)]| -> Vec<String> {
            files
                .iter()
                .filter(|(n, _)| n.ends_with("-result.json"))
                .map(|(_, t)| serde_json::from_str::<Value>(t).unwrap()["historyId"].to_string())
                .collect()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(a[0].0, b[0].0);
    }

    #[test]
    fn failures_carry_message_trace_and_a_category() {
        let rs = results();
        let failed: Vec<&Value> = rs.iter().filter(|r| r["status"] == "failed").collect();
        assert!(!failed.is_empty());
        for r in &failed {
            let d = &r["statusDetails"];
            assert!(d["message"].as_str().unwrap().starts_with('['), "{d}");
            assert!(!d["trace"].as_str().unwrap().is_empty());
        }
        assert!(rs.iter().any(|r| r["status"] == "broken"));
        let files = render(&fixtures::report());
        let cats: Vec<Value> = serde_json::from_str(
            &files
                .iter()
                .find(|(n, _)| n == "categories.json")
                .unwrap()
                .1,
        )
        .unwrap();
        assert!(!cats.is_empty());
        for c in &cats {
            let name = c["name"].as_str().unwrap();
            assert!(c["messageRegex"].as_str().unwrap().contains(name));
            // Some failed result's message holds what the category looks for.
            assert!(
                rs.iter().any(|r| r["statusDetails"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("[{name}]")))),
                "{name}"
            );
        }
    }

    #[test]
    fn outline_rows_have_parameters_and_environment_is_written() {
        let rs = results();
        let rows: Vec<&Value> = rs
            .iter()
            .filter(|r| r["name"] == "Prompt <prompt>")
            .collect();
        assert!(rows.len() > 1);
        assert!(rows.iter().all(|r| r["parameters"][0]["name"] == "example"));
        let env = render(&fixtures::report())
            .into_iter()
            .find(|(n, _)| n == "environment.properties")
            .unwrap()
            .1;
        assert!(env.starts_with("environment="), "{env}");
        assert!(env.contains("\ntarget="), "{env}");
        assert_eq!(property("a b=c", true), "a\\ b\\=c");
    }

    #[test]
    fn category_regex_quotes_the_reason() {
        assert_eq!(category_regex("nonce"), "(?s).*\\Q[nonce]\\E.*");
        assert_eq!(category_regex("a\\Eb"), "(?s).*\\Q[a\\E\\\\E\\Qb]\\E.*");
    }
}
