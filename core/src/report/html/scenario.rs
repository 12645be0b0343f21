//! A scenario and its steps: the scenario's summary line with badges, each step with its
//! docstring, table, failure, exchanges, polls, tokens and checks, then the scenario's
//! sequence diagram and log lines.

use std::fmt::Write as _;

use super::compact::{Chunk, SearchLines, WITHOUT_SCRIPT};
use super::escape::{a, e};
use super::exchange::{Seen, exchange};
use super::format::duration;
use super::sequence;
use super::timeline::timeline;
use super::verdicts::{checks, is_warning, token};
use crate::report::model::{
    Check, FeatureReport, Level, ScenarioReport, Status, StepReport, TokenPlace,
};

/// Where a scenario sits on the page.
pub(super) struct Placement {
    /// Index of its feature in the report.
    pub(crate) feature: usize,
    /// Its number in report order, for its `s{id}` anchor.
    pub(crate) id: usize,
    /// In the failures section: its file and line are shown.
    pub(crate) failure: bool,
    /// Open on load (else its body waits in `<noscript>`).
    pub(crate) open: bool,
    /// Flaky by its history (or passed on retry).
    pub(crate) flaky: bool,
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

/// One scenario as a `<details>` with its data attributes for the filter (its search text
/// written with `lines`, in page order). With a `chunk` (a
/// closed passed scenario), its body goes there and the page holds a note in its place; else
/// the body is on the page (in `<noscript>` when closed).
pub(super) fn scenario(
    o: &mut String,
    seen: &Seen,
    at: Placement,
    f: &FeatureReport,
    s: &ScenarioReport,
    lines: &mut SearchLines,
    chunk: Option<&mut Chunk>,
) {
    let st = s.verdict();
    // Only a closed passed scenario is chunked: anything else stays complete without JavaScript.
    let chunk = chunk.filter(|_| st == Status::Passed && !at.open && !at.failure);
    let z = chunk
        .as_ref()
        .map(|c| {
            let (n, i) = c.next();
            format!(" data-z=\"{n}:{i}\"")
        })
        .unwrap_or_default();
    let flaky = at.flaky || (s.retries > 0 && st == Status::Passed);
    let _ = write!(
        o,
        "<details class=\"sc {c}\" id=\"s{id}\" data-s=\"{}\" data-f=\"{fi}\" data-t=\"{}\"{}{}{z} data-q=\"{}\"{open}>\
         <summary><b class=\"{c}\">{}</b> {}: {}",
        st.as_str(),
        a(&s.tags.join(" ")),
        if s.retries > 0 { " data-r" } else { "" },
        if flaky { " data-fl" } else { "" },
        a(&lines.encode(&search_text(f, s))),
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
    match warnings(s) {
        0 => {}
        1 => o.push_str(" <span class=\"b w\">1 warning</span>"),
        n => {
            let _ = write!(o, " <span class=\"b w\">{n} warnings</span>");
        }
    }
    if let Some(reason) = &s.not_applicable {
        let _ = write!(
            o,
            " <span class=\"b\">not applicable</span> <span class=\"t\">{}</span>",
            e(reason)
        );
    }
    if at.failure {
        let _ = write!(
            o,
            " <span class=\"t\">{}</span>",
            e(&location(&f.path, s.line))
        );
    }
    let _ = write!(
        o,
        " <span class=\"t\">{}</span> <span class=\"d\">{}</span></summary>",
        tag_list(&s.tags),
        duration(s.duration_ms)
    );
    // A closed scenario's body waits in <noscript>: shown as usual without JavaScript, one
    // text node with it until the script renders it on opening. A chunked one's noscript
    // holds a note; the script draws its body from the chunk.
    if !at.open {
        o.push_str("<noscript>");
    }
    match chunk {
        Some(c) => {
            o.push_str(WITHOUT_SCRIPT);
            body(c.body(), seen, &at, f, s);
            c.end_body();
        }
        None => body(o, seen, &at, f, s),
    }
    if !at.open {
        o.push_str("</noscript>");
    }
    o.push_str("</details>\n");
}

/// A scenario's body: its rule, retries, steps, sequence diagram and logs.
fn body(o: &mut String, seen: &Seen, at: &Placement, f: &FeatureReport, s: &ScenarioReport) {
    let st = s.verdict();
    if let Some(rule) = &s.rule {
        let _ = write!(o, "<div class=\"t\">Rule: {}</div>", e(rule));
    }
    if s.retries > 0 {
        let _ = write!(
            o,
            "<div class=\"t\">retried {} time(s){}</div>",
            s.retries,
            if st == Status::Passed {
                ", then passed: flaky"
            } else {
                ""
            }
        );
    }
    o.push_str("<ol>");
    for (i, step) in s.steps.iter().enumerate() {
        step_item(o, seen, f, step, (at.id, i));
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
}

/// What the filter's free text searches unless "search bodies" is on: the scenario's and its
/// feature's names, its file, its steps (with docstrings and tables) and every URL it requested
/// or was redirected to, in lower case. Bodies and headers are left out, so that a word in a
/// shared discovery document does not match every scenario.
pub(super) fn search_text(f: &FeatureReport, s: &ScenarioReport) -> String {
    let mut parts: Vec<&str> = vec![&s.name, &f.name, &f.path];
    for st in &s.steps {
        parts.push(&st.text);
        if let Some(d) = &st.docstring {
            parts.push(d);
        }
        for row in st.table.iter().flatten() {
            parts.extend(row.iter().map(String::as_str));
        }
    }
    for ex in s.exchanges() {
        parts.push(&ex.label);
        for hop in &ex.hops {
            parts.push(&hop.request.url);
            if let Some(loc) = hop.response.as_ref().and_then(|r| r.header("location")) {
                parts.push(loc);
            }
        }
    }
    // Each text once: a redirect's location is usually the next hop's URL.
    let mut seen = std::collections::HashSet::new();
    parts.retain(|p| seen.insert(*p));
    parts.join("\n").to_lowercase()
}

/// Every check of a step: its own, then those run on its tokens.
fn all_checks(st: &StepReport) -> impl Iterator<Item = &Check> {
    let tokens = st.record.tokens.iter().flat_map(|t| t.counted_checks());
    st.record.checks.iter().chain(tokens)
}

/// True when the step's failure is told by structured checks (a failed MUST among its checks
/// or its tokens'): those are rendered from their fields and the flattened error text is not
/// shown again.
pub(super) fn failure_is_structured(st: &StepReport) -> bool {
    all_checks(st).any(|c| c.is_failure() && c.level == Level::Must)
}

/// Failed SHOULD and best-practice checks of a scenario.
pub(super) fn warnings(s: &ScenarioReport) -> usize {
    s.steps
        .iter()
        .flat_map(all_checks)
        .filter(|c| is_warning(c))
        .count()
}

/// `path:line`, or the path alone for what has no line (a hook).
pub(super) fn location(path: &str, line: usize) -> String {
    if line == 0 {
        path.to_owned()
    } else {
        format!("{path}:{line}")
    }
}

/// One step; `at` is the scenario's number on the page and the step's index in it.
fn step_item(o: &mut String, seen: &Seen, f: &FeatureReport, st: &StepReport, at: (usize, usize)) {
    // Written piece by piece into the page: no text of its own per step.
    let _ = write!(
        o,
        "<li class=\"{c}{bg}\"><b class=\"{c}\">{}</b> {}",
        st.status.unwrap_or(Status::Skipped).as_str(),
        e(st.keyword.trim_end()),
        c = class(st.status),
        bg = if st.background { " bg" } else { "" }
    );
    if !st.text.is_empty() {
        o.push(' ');
        o.push_str(&e(&st.text));
    }
    let _ = write!(o, " <span class=\"d\">{}", duration(st.duration_ms));
    if st.line != 0 {
        let _ = write!(o, " · line {}", st.line);
    }
    o.push_str("</span>");
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
    if st.record.error.is_some() || st.status == Some(Status::Failed) {
        let _ = write!(
            o,
            "<div class=\"t\">{}</div>",
            e(&location(&f.path, st.line))
        );
    }
    match &st.record.error {
        // The error as written: a verdict is never parsed back out of it.
        Some(err) if !failure_is_structured(st) => {
            let _ = write!(o, "<pre class=\"err\">{}</pre>", e(err));
        }
        None if st.status == Some(Status::Undefined) => {
            o.push_str("<pre class=\"err\">undefined step: no step definition matches</pre>");
        }
        _ => {}
    }
    // The step's own checks first: its verdict, ahead of the evidence.
    if !st.record.checks.is_empty() {
        checks(o, &st.record.checks);
    }
    for ex in &st.record.exchanges {
        exchange(o, seen, ex);
    }
    for t in &st.record.timelines {
        timeline(o, t);
    }
    for (token_index, t) in st.record.tokens.iter().enumerate() {
        let place = TokenPlace {
            step: at.1,
            token: token_index,
        };
        token(o, t, at.0, place);
    }
    o.push_str("</li>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Check, TokenRecord};

    fn step_with(checks: Vec<Check>, token_checks: Vec<Check>) -> StepReport {
        let mut st = StepReport::default();
        st.record.checks = checks;
        if !token_checks.is_empty() {
            st.record.tokens.push(TokenRecord {
                label: "ID token".into(),
                checks: token_checks,
                ..Default::default()
            });
        }
        st
    }

    #[test]
    fn a_failure_is_structured_when_a_must_check_failed() {
        let must = || Check::failed("aud", "wrong");
        let should = || Check::failed("cache", "missing").at(Level::Should);
        assert!(failure_is_structured(&step_with(vec![must()], vec![])));
        assert!(failure_is_structured(&step_with(vec![], vec![must()])));
        assert!(!failure_is_structured(&step_with(vec![should()], vec![])));
        assert!(!failure_is_structured(&step_with(
            vec![Check::passed("aud", "ok")],
            vec![]
        )));
        assert!(!failure_is_structured(&StepReport::default()));
    }

    #[test]
    fn warnings_count_steps_and_tokens() {
        let should = || Check::failed("cache", "missing").at(Level::Should);
        let bcp = || Check::failed("pkce", "plain").at(Level::BestPractice);
        let s = ScenarioReport {
            steps: vec![
                step_with(vec![should(), Check::failed("aud", "wrong")], vec![bcp()]),
                step_with(vec![Check::passed("x", "y").at(Level::Should)], vec![]),
            ],
            ..Default::default()
        };
        assert_eq!(warnings(&s), 2);
    }

    #[test]
    fn locations_and_classes() {
        assert_eq!(location("a.feature", 0), "a.feature");
        assert_eq!(location("a.feature", 7), "a.feature:7");
        assert_eq!(class(Some(Status::Undefined)), "u");
        assert_eq!(class(None), "s");
        assert_eq!(tag_list(&[]), "");
        assert_eq!(tag_list(&["@a".into(), "@<b>".into()]), " @a @&lt;b&gt;");
    }
}
