//! A scenario and its steps: the scenario's summary line with badges, each step with its
//! docstring, table, failure, exchanges, polls, tokens and checks, then the scenario's
//! sequence diagram and log lines.

use std::fmt::Write as _;

use super::escape::{a, e};
use super::exchange::{Seen, exchange};
use super::format::duration;
use super::sequence;
use super::timeline::timeline;
use super::verdicts::{checks, token};
use crate::report::model::{FeatureReport, ScenarioReport, Status, StepReport};

/// Where a scenario sits on the page.
pub(super) struct Placement {
    /// Index of its feature in the report.
    pub feature: usize,
    /// Its number in report order, for its `s{id}` anchor.
    pub id: usize,
    /// In the failures section: its file and line are shown.
    pub failure: bool,
    /// Open on load (else its body waits in `<noscript>`).
    pub open: bool,
}

/// The CSS class of a status.
pub(super) fn class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Passed) => "p",
        Some(Status::Failed) => "f",
        Some(Status::Undefined) => "u",
        Some(Status::Skipped) | None => "s",
    }
}

/// Tags after a space, or nothing.
pub(super) fn tag_list(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    format!(" {}", e(&tags.join(" ")))
}

/// One scenario as a `<details>` with its data attributes for the filter.
pub(super) fn scenario(
    o: &mut String,
    seen: &Seen,
    at: Placement,
    f: &FeatureReport,
    s: &ScenarioReport,
) {
    let st = s.verdict();
    let flaky = s.retries > 0 && st == Status::Passed;
    let _ = write!(
        o,
        "<details class=\"sc {c}\" id=\"s{id}\" data-s=\"{}\" data-f=\"{fi}\" data-t=\"{}\"{}{}{open}>\
         <summary><b class=\"{c}\">{}</b> {}: {}",
        st.as_str(),
        a(&s.tags.join(" ")),
        if s.retries > 0 { " data-r" } else { "" },
        if flaky { " data-fl" } else { "" },
        st.as_str().to_uppercase(),
        e(&s.keyword),
        e(&s.name),
        c = class(Some(st)),
        id = at.id,
        fi = at.feature,
        open = if at.open { " open" } else { "" }
    );
    if s.retries > 0 {
        let _ = write!(o, " <span class=\"b\">retried ×{}</span>", s.retries);
    }
    if flaky {
        o.push_str(" <span class=\"b fl\">flaky</span>");
    }
    if at.failure {
        let _ = write!(o, " <span class=\"t\">{}:{}</span>", e(&f.path), s.line);
    }
    let _ = write!(
        o,
        " <span class=\"t\">{}</span> <span class=\"d\">{}</span></summary>",
        tag_list(&s.tags),
        duration(s.duration_ms)
    );
    // A closed scenario's body waits in <noscript>: shown as usual without JavaScript, one
    // text node with it until the script renders it on opening.
    if !at.open {
        o.push_str("<noscript>");
    }
    if let Some(rule) = &s.rule {
        let _ = write!(o, "<div class=\"t\">Rule: {}</div>", e(rule));
    }
    if s.retries > 0 {
        let _ = write!(
            o,
            "<div class=\"t\">retried {} time(s){}</div>",
            s.retries,
            if flaky { ", then passed: flaky" } else { "" }
        );
    }
    o.push_str("<ol>");
    for step in &s.steps {
        step_item(o, seen, f, step);
    }
    o.push_str("</ol>");
    sequence::render(o, s.exchanges());
    if !s.logs.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Logs ({} lines)</summary><pre>{}</pre></details>",
            s.logs.len(),
            e(&s.logs.join("\n"))
        );
    }
    if !at.open {
        o.push_str("</noscript>");
    }
    o.push_str("</details>\n");
}

fn step_item(o: &mut String, seen: &Seen, f: &FeatureReport, st: &StepReport) {
    let _ = write!(
        o,
        "<li class=\"{c}{bg}\"><b class=\"{c}\">{}</b> {}{} <span class=\"d\">{} · line {}</span>",
        st.status.unwrap_or(Status::Skipped).as_str(),
        e(st.keyword.trim_end()),
        if st.text.is_empty() {
            String::new()
        } else {
            format!(" {}", e(&st.text))
        },
        duration(st.duration_ms),
        st.line,
        c = class(st.status),
        bg = if st.background { " bg" } else { "" }
    );
    if let Some(d) = &st.docstring {
        let _ = write!(o, "<pre>{}</pre>", e(d));
    }
    if let Some(rows) = &st.table {
        o.push_str("<table>");
        for row in rows {
            o.push_str("<tr>");
            for c in row {
                let _ = write!(o, "<td>{}</td>", e(c));
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
    }
    if let Some(err) = &st.record.error {
        let _ = write!(
            o,
            "<div class=\"t\">{}:{}</div><pre class=\"err\">",
            e(&f.path),
            st.line
        );
        error_text(o, err);
        o.push_str("</pre>");
    } else if st.status == Some(Status::Undefined) {
        o.push_str("<pre class=\"err\">undefined step: no step definition matches</pre>");
    }
    for ex in &st.record.exchanges {
        exchange(o, seen, ex);
    }
    for t in &st.record.timelines {
        timeline(o, t);
    }
    for t in &st.record.tokens {
        token(o, t);
    }
    if !st.record.checks.is_empty() {
        checks(o, &st.record.checks);
    }
    o.push_str("</li>");
}

/// The error with its `expected:` and `actual:` lines highlighted.
fn error_text(o: &mut String, err: &str) {
    for (i, line) in err.lines().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let t = line.trim_start();
        let cls = if t.starts_with("expected:") {
            Some("exp")
        } else if t.starts_with("actual:") {
            Some("act")
        } else {
            None
        };
        match cls {
            Some(c) => {
                let _ = write!(o, "<span class=\"{c}\">{}</span>", e(line));
            }
            None if i == 0 => {
                let _ = write!(o, "<b>{}</b>", e(line));
            }
            None => o.push_str(&e(line)),
        }
    }
}
