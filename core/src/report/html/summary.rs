//! The top of the page: the run's metadata, its scenario counts, and the filter bar.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::escape::{a, e};
use super::format::{duration, utc};
use crate::report::model::{RunReport, Status};

/// Scenario counts by verdict, with retried and flaky ones.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Tally {
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) undefined: usize,
    pub(crate) skipped: usize,
    pub(crate) retried: usize,
    pub(crate) flaky: usize,
}

pub(super) fn tally(r: &RunReport) -> Tally {
    let mut t = Tally::default();
    for (_, s) in r.scenarios() {
        match s.verdict() {
            Status::Passed => t.passed += 1,
            Status::Failed => t.failed += 1,
            Status::Undefined => t.undefined += 1,
            Status::Skipped => t.skipped += 1,
        }
        if s.retries > 0 {
            t.retried += 1;
            if s.verdict() == Status::Passed {
                t.flaky += 1;
            }
        }
    }
    t
}

/// The title, the run's metadata and the scenario counts.
pub(super) fn header(o: &mut String, r: &RunReport, flaky: usize) {
    o.push_str("<h1>idflow report</h1><dl class=\"meta\">");
    let mut row = |k: &str, v: &str| {
        let _ = write!(o, "<dt>{k}</dt><dd>{}</dd>", e(v));
    };
    row("Environment", &r.environment);
    row("Target", &r.target);
    if let Some(c) = &r.commit {
        row("Commit", c);
    }
    if let Some(t) = &r.tags {
        row("Tags", t);
    }
    row("Started", &utc(r.started_at_ms));
    row("Duration", &duration(r.duration_ms));
    o.push_str("</dl>\n");
    let t = Tally { flaky, ..tally(r) };
    // passed + failed + skipped = scenarios: an undefined step fails its scenario, so the
    // undefined ones are told inside the failed count, never beside it.
    let _ = write!(
        o,
        "<p class=\"sum\"><span id=\"n-all\">{} scenarios</span><span class=\"p\" id=\"n-p\">{} passed</span>\
         <span class=\"f\" id=\"n-f\">{} failed{}</span><span class=\"s\" id=\"n-s\">{} skipped</span>",
        t.passed + t.failed + t.undefined + t.skipped,
        t.passed,
        t.failed + t.undefined,
        if t.undefined > 0 {
            format!(" ({} undefined)", t.undefined)
        } else {
            String::new()
        },
        t.skipped
    );
    if t.retried > 0 {
        let _ = write!(o, "<span>{} retried</span>", t.retried);
    }
    if t.flaky > 0 {
        let _ = write!(o, "<span>{} flaky</span>", t.flaky);
    }
    if !r.errors.is_empty() {
        let _ = write!(o, "<span class=\"f\">{} run errors</span>", r.errors.len());
    }
    o.push_str("</p>\n");
}

/// The filter bar, hidden until the script shows it (it does nothing without the script).
pub(super) fn filters(o: &mut String, r: &RunReport, flaky: usize) {
    let t = Tally { flaky, ..tally(r) };
    o.push_str("<form id=\"flt\" hidden><button type=\"button\" data-st=\"\">all</button>");
    for (key, n) in [
        ("failed", t.failed + t.undefined),
        ("undefined", t.undefined),
        ("passed", t.passed),
        ("skipped", t.skipped),
        ("retried", t.retried),
        ("flaky", t.flaky),
    ] {
        if n > 0 {
            let _ = write!(
                o,
                "<button type=\"button\" data-st=\"{key}\" aria-pressed=\"false\">{key} ({n})</button>"
            );
        }
    }
    let tags: BTreeSet<&str> = r
        .scenarios()
        .flat_map(|(_, s)| s.tags.iter().map(String::as_str))
        .collect();
    o.push_str("<label>tag<select id=\"ftag\" name=\"tag\"><option value=\"\">all tags</option>");
    for tag in tags {
        let _ = write!(o, "<option>{}</option>", e(tag));
    }
    o.push_str(
        "</select></label><label>feature<select id=\"ffeat\" name=\"feature\">\
         <option value=\"\">all features</option>",
    );
    for (i, f) in r.features.iter().enumerate() {
        let _ = write!(
            o,
            "<option value=\"{i}\" data-p=\"{}\">{}</option>",
            a(&f.path),
            e(&f.name)
        );
    }
    o.push_str(
        "</select></label><label>text<input id=\"fq\" type=\"search\" name=\"q\" \
         placeholder=\"name, step, URL…\"></label><label title=\"also search request and response \
         bodies and headers\"><input id=\"fqb\" type=\"checkbox\" name=\"bodies\">search bodies</label> \
         <span id=\"fn\" class=\"t\"></span></form>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn tally_counts_each_scenario_once() {
        assert_eq!(
            tally(&fixtures::report()),
            Tally {
                passed: 2,
                failed: 3,
                undefined: 1,
                skipped: 1,
                retried: 1,
                flaky: 0,
            }
        );
    }
}
