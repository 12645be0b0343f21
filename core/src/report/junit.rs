//! JUnit XML, as GitLab and Jenkins read it: one `<testsuite>` per feature, one `<testcase>`
//! per scenario; run-level errors (unparsable feature files) as test cases with `<error>`.

use std::collections::HashMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::model::{FeatureReport, RunReport, ScenarioReport, Status};

/// Renders the report as a JUnit XML document.
pub fn render(report: &RunReport) -> String {
    let counts = report.counts();
    let undefined_or_failed = counts.failed;
    let tests = counts.passed + counts.failed + counts.skipped + report.errors.len();
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"idflow\" tests=\"{tests}\" failures=\"{undefined_or_failed}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        report.errors.len(),
        counts.skipped,
        seconds(report.duration_ms)
    );
    for f in &report.features {
        feature(&mut out, f);
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"run errors\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\" time=\"0.000\">",
            n = report.errors.len()
        );
        for e in &report.errors {
            let file = e.location.split(':').next().unwrap_or_default();
            let first = e.message.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0.000\">\n      <error message=\"{}\" type=\"FeatureError\">{}</error>\n    </testcase>",
                attr(&classname(file)),
                attr(&e.location),
                attr(first),
                text(&format!("{}\n{}", e.location, e.message))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn feature(out: &mut String, f: &FeatureReport) {
    let (mut failures, mut skipped) = (0, 0);
    for s in &f.scenarios {
        match s.verdict() {
            Status::Failed | Status::Undefined => failures += 1,
            Status::Skipped => skipped += 1,
            Status::Passed => {}
        }
    }
    let time: f64 = f.scenarios.iter().map(|s| s.duration_ms).sum();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{}\" file=\"{}\">",
        attr(&f.name),
        f.scenarios.len(),
        seconds(time),
        attr(&f.path)
    );
    let mut names: HashMap<&str, usize> = HashMap::new();
    for s in &f.scenarios {
        *names.entry(s.name.as_str()).or_default() += 1;
    }
    let class = classname(&f.path);
    for s in &f.scenarios {
        let name = if names[s.name.as_str()] > 1 {
            format!("{} (line {})", s.name, s.line)
        } else {
            s.name.clone()
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\" file=\"{}\"",
            attr(&class),
            attr(&name),
            seconds(s.duration_ms),
            attr(&f.path)
        );
        let body = case_body(f, s);
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            out.push_str(&body);
            out.push_str("    </testcase>\n");
        }
    }
    out.push_str("  </testsuite>\n");
}

fn case_body(f: &FeatureReport, s: &ScenarioReport) -> String {
    let mut out = String::new();
    match s.verdict() {
        Status::Failed | Status::Undefined => {
            let step = s
                .steps
                .iter()
                .find(|st| st.status.is_some_and(Status::is_failure));
            let (kind, message, detail) = match step {
                Some(st) => {
                    let kind = if st.status == Some(Status::Undefined) {
                        "StepUndefined"
                    } else {
                        "StepFailed"
                    };
                    let at = format!("{}{} ({}:{})", st.keyword, st.text, f.path, st.line);
                    let error = st.record.error.clone().unwrap_or_else(|| {
                        if st.status == Some(Status::Undefined) {
                            "undefined step: no step definition matches".into()
                        } else {
                            "step failed".into()
                        }
                    });
                    let first = error.lines().next().unwrap_or_default().to_owned();
                    (kind, first, format!("{at}\n{error}"))
                }
                None => ("ScenarioFailed", "scenario failed".into(), String::new()),
            };
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
                attr(&message),
                text(&detail)
            );
        }
        Status::Skipped => out.push_str("      <skipped/>\n"),
        Status::Passed => {}
    }
    if !s.logs.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            text(&s.logs.join("\n"))
        );
    }
    out
}

/// `features/oidc/login.feature` → `features.oidc.login`.
fn classname(path: &str) -> String {
    path.strip_suffix(".feature")
        .unwrap_or(path)
        .replace(['/', '\\'], ".")
}

fn seconds(ms: f64) -> String {
    format!("{:.3}", ms.max(0.0) / 1000.0)
}

/// Characters XML 1.0 cannot hold even escaped (ANSI escapes from colourful errors) become
/// U+FFFD.
fn xml_chars(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn text(s: &str) -> String {
    escape(xml_chars(s)).into_owned()
}

/// Attribute values: escaped, and line breaks kept as character references.
fn attr(s: &str) -> String {
    text(s)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// (element name, attributes) of every start or empty element, checking well-formedness.
    fn elements(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut reader = Reader::from_str(xml);
        let mut out = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_owned();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                a.key.as_ref().to_owned(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned(),
                            )
                        })
                        .collect();
                    out.push((name, attrs));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    fn get<'a>(attrs: &'a [(String, String)], k: &str) -> &'a str {
        attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn suites_cases_and_counts() {
        let xml = render(&fixtures::report());
        let els = elements(&xml);
        let suites: Vec<_> = els.iter().filter(|(n, _)| n == "testsuite").collect();
        assert_eq!(suites.len(), 3);
        let s = &suites[0].1;
        assert_eq!(get(s, "name"), "Code flow");
        assert_eq!(get(s, "tests"), "5");
        assert_eq!(get(s, "failures"), "2");
        assert_eq!(get(s, "skipped"), "1");
        assert_eq!(get(s, "time"), "0.052");
        let top = &els[0].1;
        assert_eq!(get(top, "tests"), "7");
        assert_eq!(get(top, "failures"), "3");
        assert_eq!(get(top, "errors"), "1");
        let cases: Vec<_> = els.iter().filter(|(n, _)| n == "testcase").collect();
        assert_eq!(get(&cases[0].1, "classname"), "features.oidc.code_flow");
        assert_eq!(get(&cases[0].1, "name"), "Login with code flow");
        assert_eq!(get(&cases[0].1, "time"), "0.040");
        assert_eq!(get(&cases[2].1, "name"), "Prompt <prompt> (line 20)");
        assert_eq!(get(&cases[3].1, "name"), "Prompt <prompt> (line 21)");
    }

    #[test]
    fn failures_name_the_step_and_keep_the_full_error() {
        let xml = render(&fixtures::report());
        let els = elements(&xml);
        let failures: Vec<_> = els.iter().filter(|(n, _)| n == "failure").collect();
        assert_eq!(failures.len(), 3);
        assert_eq!(
            get(&failures[0].1, "message"),
            "JSONPath $.aud in the response to GET /userinfo"
        );
        assert_eq!(get(&failures[0].1, "type"), "StepFailed");
        assert_eq!(get(&failures[2].1, "type"), "StepUndefined");
        assert!(xml.contains(
            "Then the ID token&apos;s aud is &quot;other&quot; (features/oidc/code_flow.feature:12)\nJSONPath"
        ));
        assert!(xml.contains("  actual:   &quot;demo&quot;\n  hint: check the client</failure>"));
        assert!(xml.contains("<skipped/>"));
        assert!(xml.contains("<system-out>discovery fetched\ntoken received</system-out>"));
        let errors: Vec<_> = els.iter().filter(|(n, _)| n == "error").collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            get(&errors[0].1, "message"),
            "expected a step, found \"Whan\""
        );
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        let mut r = fixtures::report();
        r.features[0].name = "a\"<b>&'c".into();
        r.features[0].scenarios[1].steps[2].record.error = Some("\u{1b}[31mred</failure>\n".into());
        let xml = render(&r);
        let els = elements(&xml);
        assert_eq!(get(&els[1].1, "name"), "a\"<b>&'c");
        assert!(!xml.contains('\u{1b}'));
        assert!(xml.contains("red&lt;/failure&gt;"));
    }

    #[test]
    fn empty_report_is_valid() {
        let xml = render(&RunReport::default());
        let els = elements(&xml);
        assert_eq!(els.len(), 1);
        assert_eq!(get(&els[0].1, "tests"), "0");
    }
}
