//! Verdicts: decoded tokens with the checks run on them, and lists of named checks.

use std::fmt::Write as _;

use super::escape::a;
use crate::report::model::{Check, Level, Outcome, TokenRecord};

/// A decoded token: header, claims and checks, open when a check failed.
pub(super) fn token(o: &mut String, t: &TokenRecord) {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let failed = t.checks.iter().any(|c| c.verdict == Outcome::Failed);
    let _ = write!(
        o,
        "<details{}><summary>Token: {}</summary><div class=\"t\">header</div><pre>{}</pre>\
         <div class=\"t\">claims</div><pre>{}</pre>",
        if failed { " open" } else { "" },
        a(&t.label),
        a(&pretty(&t.header)),
        a(&pretty(&t.claims))
    );
    if !t.checks.is_empty() {
        checks(o, &t.checks);
    }
    o.push_str("</details>");
}

/// Named checks with their verdict, level and clause; a failed one with what was expected
/// and what came.
pub(super) fn checks(o: &mut String, checks: &[Check]) {
    o.push_str("<ul class=\"ck\">");
    for c in checks {
        let (cls, word) = match (c.verdict, c.level) {
            (Outcome::Passed, _) => ("p", "passed"),
            (Outcome::Failed, Level::Must) => ("f", "failed"),
            (Outcome::Failed, _) => ("w", "warning"),
            (Outcome::NotApplicable, _) => ("s", "not applicable"),
        };
        let _ = write!(
            o,
            "<li class=\"{cls}\"><b>{}</b> {word}: {}",
            a(&c.name),
            a(&c.detail)
        );
        if c.level != Level::Must || c.clause.is_some() {
            let _ = write!(
                o,
                " <span class=\"d\">{}{}</span>",
                c.level.as_str(),
                c.clause
                    .as_deref()
                    .map(|cl| format!(" · {}", a(cl)))
                    .unwrap_or_default()
            );
        }
        if let (Some(expected), Some(actual)) = (&c.expected, &c.actual) {
            let _ = write!(
                o,
                "<pre class=\"err\"><span class=\"exp\">expected: {}</span>\n<span class=\"act\">actual:   {}</span></pre>",
                a(expected),
                a(actual)
            );
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
}
