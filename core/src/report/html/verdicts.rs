//! Verdicts: decoded tokens with the checks run on them, and lists of named checks.

use std::fmt::Write as _;

use super::escape::a;
use crate::report::model::{Check, Level, Outcome, TokenPlace, TokenRecord};

/// What a token shown for reference says beside its label.
const FOR_REFERENCE: &str = " <span class=\"t\">(beside this expectation, for reference: its checks \
                             count where the token is verified)</span>";

/// The anchor of a token on the page: scenario `sid`, its place in the scenario.
pub(super) fn token_anchor(sid: usize, place: TokenPlace) -> String {
    format!("s{sid}k{}_{}", place.step, place.token)
}

/// A decoded token: header, claims and checks, open when a check failed; one shown for reference
/// beside an expectation on one of its claims says so. `sid` is the scenario's number on the
/// page and `place` the token's place in it: the token's anchor. A token that repeats one
/// shown earlier in the scenario (`same_as`) links to it, and the page's script copies it
/// in place on opening.
pub(super) fn token(o: &mut String, t: &TokenRecord, sid: usize, place: TokenPlace) {
    if let Some(first) = t.same_as {
        let anchor = token_anchor(sid, first);
        let _ = write!(
            o,
            "<details data-tok=\"{anchor}\"><summary>Token: {}{FOR_REFERENCE}</summary>\
             <p class=\"t\"><a href=\"#{anchor}\">The token as verified earlier in this \
             scenario</a></p></details>",
            a(&t.label),
        );
        return;
    }
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let failed = t.checks.iter().any(|c| c.verdict == Outcome::Failed);
    let _ = write!(
        o,
        "<details id=\"{}\"{}><summary>Token: {}{}</summary><div class=\"t\">header</div><pre>{}</pre>\
         <div class=\"t\">claims</div><pre>{}</pre>",
        token_anchor(sid, place),
        if failed { " open" } else { "" },
        a(&t.label),
        if t.for_reference { FOR_REFERENCE } else { "" },
        a(&pretty(&t.header)),
        a(&pretty(&t.claims))
    );
    if !t.checks.is_empty() {
        checks(o, &t.checks);
    }
    o.push_str("</details>");
}

/// How a check is shown: its CSS class and its verdict in a word. A failed MUST is a
/// failure (red); a failed SHOULD or best practice is a warning (amber).
pub(super) fn kind(c: &Check) -> (&'static str, &'static str) {
    match (c.verdict, c.level) {
        (Outcome::Passed, _) => ("p", "passed"),
        (Outcome::Failed, Level::Must) => ("f", "failed"),
        (Outcome::Failed, _) => ("w", "warning"),
        (Outcome::NotApplicable, _) => ("s", "not applicable"),
    }
}

/// True for a failed check that does not fail the scenario (a SHOULD, a best practice).
pub(super) fn is_warning(c: &Check) -> bool {
    c.is_failure() && c.level != Level::Must
}

/// Named checks, each rendered from its fields: name, verdict, detail, level and clause; a
/// failed one with what was expected and what came (red for a failure, amber for a warning)
/// and the hint, when there is one.
pub(super) fn checks(o: &mut String, checks: &[Check]) {
    o.push_str("<ul class=\"ck\">");
    for c in checks {
        let (cls, word) = kind(c);
        let _ = write!(o, "<li class=\"{cls}\"><b>{}</b> {word}", a(&c.name));
        // A check that says nothing beyond its verdict ends there, not at a dangling colon.
        if !c.detail.is_empty() {
            o.push_str(": ");
            o.push_str(&a(&c.detail));
        }
        if c.level != Level::Must || c.clause.is_some() {
            let _ = write!(o, " <span class=\"d\">{}", c.level.as_str());
            if let Some(clause) = c.clause.as_deref() {
                o.push_str(" · ");
                o.push_str(&a(clause));
            }
            o.push_str("</span>");
        }
        if c.is_failure() && (c.expected.is_some() || c.actual.is_some()) {
            let _ = write!(
                o,
                "<pre class=\"{}\">",
                if cls == "f" { "err" } else { "warn" }
            );
            if let Some(expected) = &c.expected {
                let _ = write!(o, "<span class=\"exp\">expected: {}</span>", a(expected));
            }
            if let (Some(_), Some(_)) = (&c.expected, &c.actual) {
                o.push('\n');
            }
            if let Some(actual) = &c.actual {
                let _ = write!(o, "<span class=\"act\">actual:   {}</span>", a(actual));
            }
            o.push_str("</pre>");
        }
        if let Some(hint) = c.hint.as_deref().filter(|_| c.is_failure()) {
            let _ = write!(o, "<div class=\"t\">hint: {}</div>", a(hint));
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(c: Check) -> String {
        let mut o = String::new();
        checks(&mut o, &[c]);
        o
    }

    #[test]
    fn a_failed_must_is_red_a_failed_should_amber() {
        let must = Check::failed("status", "wrong status");
        let should = Check::failed("cache", "no no-store").at(Level::Should);
        let bcp = Check::failed("pkce", "plain").at(Level::BestPractice);
        assert_eq!(kind(&must), ("f", "failed"));
        assert_eq!(kind(&should), ("w", "warning"));
        assert_eq!(kind(&bcp), ("w", "warning"));
        assert_eq!(kind(&Check::passed("x", "y")), ("p", "passed"));
        assert_eq!(
            kind(&Check::not_applicable("x", "y")),
            ("s", "not applicable")
        );
        assert!(!is_warning(&must) && is_warning(&should) && is_warning(&bcp));
        assert!(!is_warning(&Check::passed("x", "y").at(Level::Should)));
    }

    #[test]
    fn a_failed_check_is_rendered_from_its_fields() {
        let mut c = Check::failed("JSONPath $.aud", "in the response to GET /userinfo")
            .clause("OpenID Connect Core 1.0 §5.3.2")
            .compared("\"other\"", "\"demo\"");
        c.hint = Some("check <the> client".into());
        assert_eq!(
            one(c),
            "<ul class=\"ck\"><li class=\"f\"><b>JSONPath $.aud</b> failed: in the response to \
             GET /userinfo <span class=\"d\">MUST · OpenID Connect Core 1.0 §5.3.2</span>\
             <pre class=\"err\"><span class=\"exp\">expected: &quot;other&quot;</span>\n\
             <span class=\"act\">actual:   &quot;demo&quot;</span></pre>\
             <div class=\"t\">hint: check &lt;the&gt; client</div></li></ul>"
        );
    }

    #[test]
    fn a_warning_is_amber_and_names_its_level() {
        let c = Check::failed("Cache-Control", "no-store missing")
            .at(Level::Should)
            .compared("no-store", "(absent)");
        let html = one(c);
        assert!(html.starts_with(
            "<ul class=\"ck\"><li class=\"w\"><b>Cache-Control</b> warning: no-store missing \
             <span class=\"d\">SHOULD</span><pre class=\"warn\"><span class=\"exp\">"
        ));
        assert!(!html.contains("class=\"err\""));
    }

    #[test]
    fn passed_checks_show_no_comparison_or_hint() {
        let mut c = Check::passed("iss", "matches").compared("a", "a");
        c.hint = Some("never shown".into());
        assert_eq!(
            one(c),
            "<ul class=\"ck\"><li class=\"p\"><b>iss</b> passed: matches</li></ul>"
        );
    }

    /// Before: `<b>body</b> passed: </li>`, a colon with nothing after it.
    #[test]
    fn a_check_that_says_nothing_more_ends_at_its_verdict() {
        assert_eq!(
            one(Check::passed("body", "")),
            "<ul class=\"ck\"><li class=\"p\"><b>body</b> passed</li></ul>"
        );
    }

    #[test]
    fn only_actual_is_shown_when_nothing_was_expected_in_words() {
        let mut c = Check::failed("body", "not JSON");
        c.actual = Some("<html>".into());
        assert!(one(c).contains(
            "<pre class=\"err\"><span class=\"act\">actual:   &lt;html&gt;</span></pre>"
        ));
    }
}
