//! JUnit XML, as GitLab and Jenkins read it: one `<testsuite>` per feature, one `<testcase>`
//! per scenario, its class name the feature's name; run-level errors (unparsable feature files)
//! as test cases with `<error>`. A failure's message is the whole failure, its text the failed
//! steps and checks with what was expected and what came; warnings (failed SHOULD and
//! best-practice checks) go to `<system-out>`, never into a failure.

use std::collections::HashMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::ReportError;
use super::model::{Check, FeatureReport, Level, RunReport, ScenarioReport, Status, StepReport};
use super::stream::{At, Evidence, Sink};

/// Renders the report as a JUnit XML document.
pub fn render(report: &RunReport) -> String {
    super::stream::render(report, &mut Suites::default())
}

/// The document as a [`Sink`]: totals first, then a `<testsuite>` per feature (its counts from
/// the report, its test cases from each scenario's evidence), then the run's errors.
#[derive(Default)]
pub(crate) struct Suites {
    /// How many scenarios of the current feature have each name.
    names: HashMap<String, usize>,
    /// The current feature's class name.
    class: String,
}

impl Sink for Suites {
    fn head(
        &mut self,
        report: &RunReport,
        _: &Evidence,
        out: &mut String,
    ) -> Result<(), ReportError> {
        let counts = report.counts();
        let undefined_or_failed = counts.failed;
        let tests = counts.passed + counts.failed + counts.skipped + report.errors.len();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"idflow\" tests=\"{tests}\" failures=\"{undefined_or_failed}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
            report.errors.len(),
            counts.skipped,
            seconds(report.duration_ms)
        );
        Ok(())
    }

    fn feature(&mut self, _: usize, f: &FeatureReport, out: &mut String) {
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
        self.names.clear();
        for s in &f.scenarios {
            *self.names.entry(s.name.clone()).or_default() += 1;
        }
        self.class = classname(f);
    }

    fn scenario(&mut self, at: &At<'_>, out: &mut String) {
        let (f, s) = (at.f, at.s);
        let name = if self.names.get(&s.name).copied().unwrap_or(0) > 1 {
            format!("{} (line {})", s.name, s.line)
        } else {
            s.name.clone()
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\" file=\"{}\"",
            attr(&self.class),
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

    fn feature_end(&mut self, _: usize, _: &FeatureReport, out: &mut String) {
        out.push_str("  </testsuite>\n");
    }

    fn tail(&mut self, report: &RunReport, out: &mut String) {
        if !report.errors.is_empty() {
            let _ = writeln!(
                out,
                "  <testsuite name=\"run errors\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\" time=\"0.000\">",
                n = report.errors.len()
            );
            for e in &report.errors {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"run errors\" name=\"{}\" time=\"0.000\">\n      <error message=\"{}\" type=\"FeatureError\">{}</error>\n    </testcase>",
                    attr(&e.location),
                    attr(&e.message),
                    text(&format!("{}\n{}", e.location, e.message))
                );
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
    }
}

/// Every check of a scenario, in step order: each step's own, then its tokens'.
fn scenario_checks(s: &ScenarioReport) -> impl Iterator<Item = &Check> {
    s.steps.iter().flat_map(|st| {
        let tokens = st.record.tokens.iter().flat_map(|t| t.counted_checks());
        st.record.checks.iter().chain(tokens)
    })
}

/// A check in words, on its own lines: `name (LEVEL · clause): detail`, then what was expected,
/// what came and the hint, each indented.
fn check_text(c: &Check) -> String {
    let mut out = format!("{} ({}", c.name, c.level.as_str());
    if let Some(clause) = &c.clause {
        let _ = write!(out, " · {clause}");
    }
    let _ = write!(out, "): {}", c.detail);
    if let Some(expected) = &c.expected {
        let _ = write!(out, "\n  expected: {expected}");
    }
    if let Some(actual) = &c.actual {
        let _ = write!(out, "\n  actual:   {actual}");
    }
    if let Some(hint) = &c.hint {
        let _ = write!(out, "\n  hint: {hint}");
    }
    out
}

/// `path:line`, or the path alone for what has no line (a hook).
fn location(path: &str, line: usize) -> String {
    if line == 0 {
        path.to_owned()
    } else {
        format!("{path}:{line}")
    }
}

/// Why a scenario failed: the failure's type, its message (the whole error of the first failed
/// step, or its failed checks) and its text (every failed step with its location, then every
/// failed check with what was expected and what came).
pub(crate) fn failure(f: &FeatureReport, s: &ScenarioReport) -> (&'static str, String, String) {
    let failed: Vec<&StepReport> = s
        .steps
        .iter()
        .filter(|st| st.status.is_some_and(Status::is_failure))
        .collect();
    let must: Vec<&Check> = scenario_checks(s)
        .filter(|c| c.is_failure() && c.level == Level::Must)
        .collect();
    let mut detail = String::new();
    let mut message = None;
    for st in &failed {
        let error = st.record.error.clone().unwrap_or_else(|| {
            if st.status == Some(Status::Undefined) {
                "undefined step: no step definition matches".into()
            } else if !must.is_empty() {
                must.iter()
                    .map(|c| check_text(c))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                "step failed".into()
            }
        });
        let step = format!("{}{}", st.keyword, st.text);
        let _ = writeln!(
            detail,
            "{} ({})\n{error}",
            step.trim_end(),
            location(&f.path, st.line)
        );
        message.get_or_insert(error);
    }
    if !must.is_empty() {
        detail.push_str("\nfailed checks:\n");
        for c in &must {
            let _ = writeln!(detail, "- {}", check_text(c).replace('\n', "\n  "));
        }
    }
    let kind = match failed.first() {
        Some(st) if st.status == Some(Status::Undefined) => "StepUndefined",
        Some(_) => "StepFailed",
        None => "ScenarioFailed",
    };
    let message = message.unwrap_or_else(|| "scenario failed".into());
    (kind, message, detail.trim_end().to_owned())
}

fn case_body(f: &FeatureReport, s: &ScenarioReport) -> String {
    let mut out = String::new();
    match s.verdict() {
        Status::Failed | Status::Undefined => {
            let (kind, message, detail) = failure(f, s);
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
                attr(&message),
                text(&detail)
            );
        }
        Status::Skipped => match &s.not_applicable {
            Some(reason) => {
                let _ = writeln!(
                    out,
                    "      <skipped message=\"{}\"/>",
                    attr(&format!("not applicable: {reason}"))
                );
            }
            None => out.push_str("      <skipped/>\n"),
        },
        Status::Passed => {}
    }
    // Warnings (failed SHOULD and best-practice checks) do not fail the test case: they are
    // its output, before the log lines.
    let mut lines: Vec<String> = scenario_checks(s)
        .filter(|c| c.is_failure() && c.level != Level::Must)
        .map(|c| format!("warning: {}", check_text(c)))
        .collect();
    lines.extend(s.logs.iter().cloned());
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            text(&lines.join("\n"))
        );
    }
    out
}

/// The class name of a feature's test cases: the feature's name (CI tools group by it), with
/// dots as underscores since Jenkins reads the last dot as a package separator; the file's
/// name without `.feature` when the feature has no name. Never the path: an absolute path
/// made class names like `.tmp.x.y`.
fn classname(f: &FeatureReport) -> String {
    let name = f.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = if name.is_empty() {
        let file = f.path.rsplit(['/', '\\']).next().unwrap_or_default();
        file.strip_suffix(".feature").unwrap_or(file).to_owned()
    } else {
        name
    };
    name.replace('.', "_")
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
        assert_eq!(get(top, "tests"), "8");
        assert_eq!(get(top, "failures"), "4");
        assert_eq!(get(top, "errors"), "1");
        let cases: Vec<_> = els.iter().filter(|(n, _)| n == "testcase").collect();
        assert_eq!(get(&cases[0].1, "classname"), "Code flow");
        assert_eq!(get(&cases[5].1, "classname"), "Misc");
        assert_eq!(get(&cases.last().unwrap().1, "classname"), "run errors");
        assert_eq!(get(&cases[0].1, "name"), "Login with code flow");
        assert_eq!(get(&cases[0].1, "time"), "0.040");
        assert_eq!(get(&cases[2].1, "name"), "Prompt <prompt> (line 20)");
        assert_eq!(get(&cases[3].1, "name"), "Prompt <prompt> (line 21)");
    }

    #[test]
    fn failures_carry_the_whole_failure_and_its_checks() {
        let xml = render(&fixtures::report());
        let els = elements(&xml);
        let failures: Vec<_> = els.iter().filter(|(n, _)| n == "failure").collect();
        assert_eq!(failures.len(), 4);
        // The message is the whole error, not its first line.
        assert_eq!(
            get(&failures[0].1, "message"),
            "JSONPath $.aud in the response to GET /userinfo\n  expected: \"other\"\n  actual:   \"demo\"\n  hint: check the client"
        );
        assert_eq!(get(&failures[0].1, "type"), "StepFailed");
        assert_eq!(get(&failures[2].1, "type"), "StepUndefined");
        assert_eq!(
            get(&failures[3].1, "message"),
            "panicked: the session could not be closed"
        );
        assert!(xml.contains(
            "Then the ID token&apos;s aud is &quot;other&quot; (features/oidc/code_flow.feature:12)\nJSONPath"
        ));
        // The failed checks, from their fields, after the error.
        assert!(xml.contains(
            "\nfailed checks:\n- JSONPath $.aud (MUST · OpenID Connect Core 1.0 §5.3.2): in the response to GET /userinfo\n    expected: &quot;other&quot;\n    actual:   &quot;demo&quot;\n    hint: check the client</failure>"
        ));
        // A token's failed check counts too.
        assert!(xml.contains(
            "- nonce (MUST · OpenID Connect Core 1.0 §3.1.3.7): not the nonce of the authorization request\n    expected: &quot;n-1&quot;\n    actual:   &quot;n-2&quot;</failure>"
        ));
        // A hook has no line.
        assert!(xml.contains(">After hook (features/misc.feature)\npanicked"));
        assert!(xml.contains("<skipped/>"));
        let errors: Vec<_> = els.iter().filter(|(n, _)| n == "error").collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            get(&errors[0].1, "message"),
            "expected a step, found \"Whan\""
        );
    }

    #[test]
    fn a_failure_without_error_text_is_told_by_its_checks() {
        let mut r = fixtures::report();
        r.features[0].scenarios[1].steps[2].record.error = None;
        let xml = render(&r);
        let els = elements(&xml);
        let failure = els.iter().find(|(n, _)| n == "failure").unwrap();
        assert_eq!(
            get(&failure.1, "message"),
            "JSONPath $.aud (MUST · OpenID Connect Core 1.0 §5.3.2): in the response to GET /userinfo\n  expected: \"other\"\n  actual:   \"demo\"\n  hint: check the client"
        );
    }

    #[test]
    fn warnings_are_output_not_failures() {
        let xml = render(&fixtures::report());
        // "Login with code flow" passed with a failed SHOULD check.
        let login = xml.find("name=\"Login with code flow\"").unwrap();
        let case = &xml[login..login + xml[login..].find("</testcase>").unwrap()];
        assert!(!case.contains("<failure"), "{case}");
        assert!(case.contains(
            "<system-out>warning: Cache-Control (SHOULD · RFC 6749 §5.1): the token response may be cached\n  expected: no-store\n  actual:   (absent)\ndiscovery fetched\ntoken received</system-out>"
        ), "{case}");
        assert_eq!(xml.matches("warning: ").count(), 1);
    }

    #[test]
    fn classnames_come_from_feature_names() {
        let f = |name: &str, path: &str| FeatureReport {
            name: name.into(),
            path: path.into(),
            ..Default::default()
        };
        assert_eq!(classname(&f("Code flow", "/tmp/x/y.feature")), "Code flow");
        assert_eq!(
            classname(&f("OpenID  Connect\t1.0", "features/a.feature")),
            "OpenID Connect 1_0"
        );
        assert_eq!(classname(&f("", "/tmp/x/login.feature")), "login");
        assert_eq!(classname(&f(" ", "C:\\suite\\a.b.feature")), "a_b");
    }

    #[test]
    fn checks_in_words() {
        let c = Check::failed("iss", "not the issuer");
        assert_eq!(check_text(&c), "iss (MUST): not the issuer");
        let c = Check::failed("pkce", "plain")
            .at(Level::BestPractice)
            .clause("RFC 9700 §2.1.1");
        assert_eq!(
            check_text(&c),
            "pkce (best practice · RFC 9700 §2.1.1): plain"
        );
        assert_eq!(location("f.feature", 0), "f.feature");
        assert_eq!(location("f.feature", 3), "f.feature:3");
    }

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(seconds(1234.5), "1.234");
        assert_eq!(seconds(-1.0), "0.000");
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
