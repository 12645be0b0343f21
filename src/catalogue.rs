//! The step catalogue, read from the step sources themselves so that it cannot drift: every
//! step's keyword, expression, doc comment and `Example:` line. It feeds the README's
//! catalogue (checked by a test), and the "closest known steps" of an undefined step.

use std::sync::OnceLock;

/// The built-in step sources, compiled in.
const SOURCES: &[(&str, &str)] = &[
    ("steps/http.rs", include_str!("../steps/http.rs")),
    (
        "steps/expectations.rs",
        include_str!("../steps/expectations.rs"),
    ),
    ("steps/oidc.rs", include_str!("../steps/oidc.rs")),
    ("steps/tokens.rs", include_str!("../steps/tokens.rs")),
    ("steps/mobileid.rs", include_str!("../steps/mobileid.rs")),
    ("steps/rest_api.rs", include_str!("../steps/rest_api.rs")),
];

/// One documented step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDoc {
    /// given, when or then.
    pub keyword: String,
    /// The cucumber expression, or the regex for regex steps.
    pub pattern: String,
    pub is_regex: bool,
    /// Doc comment text without the example line.
    pub doc: String,
    /// The example, a full Gherkin line ("Then the response status is 200").
    pub example: String,
    pub file: &'static str,
    pub line: usize,
}

/// Every built-in step, in source order.
pub fn steps() -> &'static [StepDoc] {
    static STEPS: OnceLock<Vec<StepDoc>> = OnceLock::new();
    STEPS.get_or_init(|| {
        SOURCES
            .iter()
            .flat_map(|(file, src)| parse(file, src))
            .collect()
    })
}

fn parse(file: &'static str, source: &str) -> Vec<StepDoc> {
    let attr = regex::Regex::new(r###"^#\[(given|when|then)\((expr|regex) = r?#?"(.*)"#?\)\]$"###)
        .expect("static regex");
    let mut out = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_string());
            continue;
        }
        if let Some(c) = attr.captures(line) {
            let example = doc
                .iter()
                .find_map(|d| d.strip_prefix("Example:").map(|e| e.trim().to_string()))
                .unwrap_or_default();
            let text: Vec<&str> = doc
                .iter()
                .filter(|d| !d.starts_with("Example:"))
                .map(String::as_str)
                .collect();
            out.push(StepDoc {
                keyword: c[1].to_string(),
                pattern: c[3].replace("\\\"", "\""),
                is_regex: &c[2] == "regex",
                doc: text.join(" "),
                example,
                file,
                line: i + 1,
            });
        }
        if !line.starts_with("#[") {
            doc.clear();
        }
    }
    out
}

/// The example text without its Gherkin keyword.
pub fn strip_keyword(line: &str) -> &str {
    for k in ["Given ", "When ", "Then ", "And ", "But ", "* "] {
        if let Some(rest) = line.strip_prefix(k) {
            return rest;
        }
    }
    line
}

/// The `n` built-in steps most like `text`, as example lines.
pub fn closest(text: &str, n: usize) -> Vec<String> {
    let mut scored: Vec<(f64, &StepDoc)> = steps()
        .iter()
        .map(|s| {
            (
                strsim::normalized_levenshtein(text, strip_keyword(&s.example)),
                s,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(n)
        .map(|(_, s)| s.example.clone())
        .collect()
}

/// The README section: one entry per step with its example.
pub fn markdown() -> String {
    let mut out = String::new();
    let mut current = "";
    for s in steps() {
        if s.file != current {
            current = s.file;
            let title = match s.file {
                "steps/http.rs" => "Generic HTTP",
                "steps/expectations.rs" => "Expectations on responses",
                "steps/oidc.rs" => "OpenID Connect",
                "steps/tokens.rs" => "Tokens",
                "steps/mobileid.rs" => "MobileID (CIBA and operations)",
                "steps/rest_api.rs" => "Authentication REST API",
                other => other,
            };
            out.push_str(&format!(
                "\n#### {title} (`{}`)\n\n| step | what it does |\n|---|---|\n",
                s.file
            ));
        }
        out.push_str(&format!(
            "| `{}` | {} |\n",
            s.example.replace('|', "\\|"),
            s.doc.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_an_example_that_its_own_pattern_matches() {
        assert!(steps().len() >= 30, "only {} steps found", steps().len());
        for s in steps() {
            assert!(
                !s.example.is_empty(),
                "{}:{} has no `Example:` line",
                s.file,
                s.line
            );
            assert!(
                !s.doc.is_empty(),
                "{}:{} has no description",
                s.file,
                s.line
            );
            let text = strip_keyword(&s.example);
            let re = if s.is_regex {
                regex::Regex::new(&s.pattern).unwrap()
            } else {
                cucumber::codegen::Expression::regex(&s.pattern).unwrap()
            };
            assert!(
                re.is_match(text),
                "{}:{}: example {:?} does not match {:?}",
                s.file,
                s.line,
                text,
                s.pattern
            );
        }
    }

    #[test]
    fn each_example_matches_exactly_one_step_of_its_keyword() {
        for s in steps() {
            let text = strip_keyword(&s.example);
            let matching: Vec<&StepDoc> = steps()
                .iter()
                .filter(|o| o.keyword == s.keyword)
                .filter(|o| {
                    let re = if o.is_regex {
                        regex::Regex::new(&o.pattern).unwrap()
                    } else {
                        cucumber::codegen::Expression::regex(&o.pattern).unwrap()
                    };
                    re.is_match(text)
                })
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "{:?} matches {:?}",
                s.example,
                matching.iter().map(|m| &m.pattern).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn readme_catalogue_is_up_to_date() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .unwrap_or_default();
        let begin = "<!-- catalogue:begin -->";
        let end = "<!-- catalogue:end -->";
        let expected = format!("{begin}\n{}{end}", markdown());
        if std::env::var_os("IDFLOW_BLESS").is_some() {
            let (a, rest) = readme
                .split_once(begin)
                .expect("README has the catalogue markers");
            let (_, b) = rest.split_once(end).expect("README has the end marker");
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"),
                format!("{a}{expected}{b}"),
            )
            .unwrap();
            return;
        }
        assert!(
            readme.contains(&expected),
            "README.md's step catalogue is out of date: run `IDFLOW_BLESS=1 cargo test --lib catalogue` and commit README.md"
        );
    }

    #[test]
    fn closest_steps_are_similar() {
        let near = closest("the response status is 20", 3);
        assert_eq!(near[0], "Then the response status is 200");
    }
}
