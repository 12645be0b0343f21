//! History on the page: a trend of the last runs (passed, failed and skipped per run, one
//! stacked bar each, as inline SVG) and the scenarios that are flaky, each linked to where it
//! is on the page. Flaky means passed only on retry, or a verdict that changed between runs on
//! the same environment (see [`History::flaky`]).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape::{a, e};
use super::format::utc;
use crate::report::history::{History, scenario_ids};
use crate::report::model::{RunReport, ScenarioReport, Status};

const BAR: u32 = 14;
const GAP: u32 = 4;
const HEIGHT: u32 = 60;

/// Every flaky scenario of the run by its history id, with why. Without a history, those that
/// passed on retry.
pub(super) fn flaky(r: &RunReport) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = r
        .history
        .as_ref()
        .map(History::flaky)
        .unwrap_or_default()
        .into_iter()
        .map(|f| (f.id, f.reason))
        .collect();
    let passed_on_retry = |s: &&ScenarioReport| s.retries > 0 && s.verdict() == Status::Passed;
    for f in &r.features {
        if !f.scenarios.iter().any(|s| passed_on_retry(&s)) {
            continue;
        }
        for (s, id) in f.scenarios.iter().zip(scenario_ids(f)) {
            if passed_on_retry(&s) {
                out.entry(id)
                    .or_insert_with(|| format!("passed on retry {}", s.retries));
            }
        }
    }
    out
}

/// The "History" section: nothing without a history.
pub(super) fn section(o: &mut String, r: &RunReport, flaky: &HashMap<String, String>) {
    let Some(h) = r.history.as_ref().filter(|h| !h.runs.is_empty()) else {
        return;
    };
    let n = h.runs.len() as u32;
    let _ = write!(
        o,
        "<section id=\"history\"><h2>History</h2><p class=\"t\">last {n} run{}, oldest first</p>",
        if n == 1 { "" } else { "s" }
    );
    let width = n * (BAR + GAP);
    let _ = write!(
        o,
        "<svg class=\"trend\" width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"trend of the last {n} runs\">",
        HEIGHT + 2
    );
    let most = h
        .runs
        .iter()
        .map(|r| r.passed + r.failed + r.skipped)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    for (i, run) in h.runs.iter().enumerate() {
        let x = i as u32 * (BAR + GAP);
        let _ = write!(
            o,
            "<g data-p=\"{}\" data-f=\"{}\" data-s=\"{}\"><title>{} · {}: {} passed, {} failed, {} skipped</title>",
            run.passed,
            run.failed,
            run.skipped,
            e(&utc(run.started_at_ms)),
            e(&run.environment),
            run.passed,
            run.failed,
            run.skipped
        );
        let mut bottom = f64::from(HEIGHT);
        for (count, class) in [(run.passed, "p"), (run.failed, "f"), (run.skipped, "s")] {
            if count == 0 {
                continue;
            }
            let hgt = count as f64 / most * f64::from(HEIGHT);
            bottom -= hgt;
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{}\"/>",
                tenths(bottom),
                tenths(hgt)
            );
        }
        o.push_str("</g>");
    }
    o.push_str("</svg>");
    if flaky.is_empty() {
        o.push_str("<p class=\"t\">No flaky scenario.</p>");
    } else {
        let anchors = anchors(r);
        let mut rows: Vec<(&String, &String)> = flaky.iter().collect();
        rows.sort();
        let _ = write!(o, "<h3>Flaky ({})</h3><ul class=\"flaky\">", rows.len());
        for (id, reason) in rows {
            match anchors.get(id.as_str()) {
                Some(n) => {
                    let _ = write!(
                        o,
                        "<li><a href=\"#s{n}\" data-id=\"{}\">{}</a> <span class=\"t\">{}</span></li>",
                        a(id),
                        e(id),
                        e(reason)
                    );
                }
                None => {
                    let _ = write!(
                        o,
                        "<li>{} <span class=\"t\">{}</span></li>",
                        e(id),
                        e(reason)
                    );
                }
            }
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

/// A non-negative length to one decimal (never `-0.0`).
fn tenths(v: f64) -> String {
    let t = (v * 10.0).round().max(0.0) as u64;
    format!("{}.{}", t / 10, t % 10)
}

/// Each scenario's history id to its `s{n}` anchor.
fn anchors(r: &RunReport) -> HashMap<String, usize> {
    r.features
        .iter()
        .flat_map(scenario_ids)
        .enumerate()
        .map(|(n, id)| (id, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::report::history::RunSummary;

    #[test]
    fn trend_bars_and_flaky_links() {
        let mut r = fixtures::report();
        let mut earlier = RunSummary::of(&r);
        for s in &mut earlier.scenarios {
            if s.id.ends_with("Login with code flow") {
                s.status = Status::Failed;
            }
        }
        earlier.failed += 1;
        earlier.passed -= 1;
        let mut h = History::default();
        h.push(earlier);
        h.push(RunSummary::of(&r));
        r.history = Some(h);
        let flaky = flaky(&r);
        let mut o = String::new();
        section(&mut o, &r, &flaky);
        assert!(o.contains("last 2 runs"), "{o}");
        assert_eq!(o.matches("<g data-p=").count(), 2);
        assert!(o.contains("<h3>Flaky (1)</h3>"), "{o}");
        assert!(o.contains("href=\"#s0\""), "{o}");
        assert!(o.contains("failed in 1 of the last 2 runs"));
    }

    #[test]
    fn no_history_no_section() {
        let mut o = String::new();
        section(&mut o, &fixtures::report(), &HashMap::new());
        assert!(o.is_empty());
    }
}
