//! The step catalogue, read from the step sources themselves so that it cannot drift: every
//! step's keyword, expression, doc comment and `Example:` line. It feeds the README's
//! catalogue (checked by a test in `idflow`), and the "closest known steps" of an undefined
//! step.
//!
//! A crate of steps registers its sources with [`inventory::submit!`] of a [`StepSources`];
//! `idflow` registers the built-in ones, and a downstream crate may register its own so that
//! they are suggested too.

use std::sync::OnceLock;

/// One file of step definitions, compiled in with `include_str!`.
#[derive(Debug)]
pub struct StepFile {
    /// The path shown in the catalogue ("steps/oidc.rs").
    pub path: &'static str,
    /// The catalogue section's title ("OpenID Connect").
    pub title: &'static str,
    pub source: &'static str,
}

/// A crate's step files, in catalogue order; crates are ordered by `order`, then path.
#[derive(Debug)]
pub struct StepSources {
    pub order: u32,
    pub files: &'static [StepFile],
}

inventory::collect!(StepSources);

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

/// Every registered step, in catalogue order.
pub fn steps() -> &'static [StepDoc] {
    static STEPS: OnceLock<Vec<StepDoc>> = OnceLock::new();
    STEPS.get_or_init(|| {
        files()
            .into_iter()
            .flat_map(|f| parse(f.path, f.source))
            .collect()
    })
}

/// Every registered step file, in catalogue order.
pub fn files() -> Vec<&'static StepFile> {
    let mut crates: Vec<&StepSources> = inventory::iter::<StepSources>.into_iter().collect();
    crates.sort_by_key(|c| (c.order, c.files.first().map(|f| f.path)));
    crates.iter().flat_map(|c| c.files).collect()
}

fn parse(file: &'static str, source: &str) -> Vec<StepDoc> {
    let attr = regex::Regex::new(r###"^#\[(given|when|then)\((expr|regex) = r?#?"(.*)"#?\)\]$"###)
        .expect("static regex");
    let mut out = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    let mut lines = source.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let mut line = raw.trim().to_string();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_string());
            continue;
        }
        // An attribute that rustfmt wrapped over several lines is read as one.
        let opens_step = ["#[given(", "#[when(", "#[then("]
            .iter()
            .any(|k| line.starts_with(k));
        if opens_step {
            while !line.ends_with(")]") {
                match lines.next() {
                    Some((_, more)) => line.push_str(more.trim()),
                    None => break,
                }
            }
            line = line.replace(",)]", ")]");
        }
        let line = line.as_str();
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

/// The steps whose keyword, pattern, description, example or file hold every word of `query`
/// (ignoring case); every step for an empty query.
pub fn search(query: &str) -> Vec<&'static StepDoc> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    steps()
        .iter()
        .filter(|s| {
            let haystack = format!(
                "{} {} {} {} {}",
                s.keyword, s.pattern, s.doc, s.example, s.file
            )
            .to_lowercase();
            words.iter().all(|w| haystack.contains(w.as_str()))
        })
        .collect()
}

/// The regular expression a step's pattern stands for (a cucumber expression converted as
/// cucumber converts it), for tools that match step text themselves.
pub fn regex_of(step: &StepDoc) -> Option<String> {
    if step.is_regex {
        return Some(step.pattern.clone());
    }
    cucumber::codegen::Expression::regex(&step.pattern)
        .ok()
        .map(|r| r.as_str().to_string())
}

/// The regular expression's text a step's pattern stands for, as [`regex_of`] gives it, without
/// compiling it (the runner compiles a step's regex only when a step text may match it).
pub fn regex_source(step: &StepDoc) -> Option<String> {
    use cucumber_expressions::expand::IntoRegexCharIter as _;
    if step.is_regex {
        return Some(step.pattern.clone());
    }
    cucumber::codegen::Expression::parse(&step.pattern)
        .ok()?
        .into_regex_char_iter()
        .collect::<Result<String, _>>()
        .ok()
}

/// Steps as JSON for editors and scripts: keyword, pattern and its kind, the regex it stands
/// for, description, example, and where it is defined.
pub fn to_json(steps: &[&StepDoc]) -> serde_json::Value {
    steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "keyword": s.keyword,
                "kind": if s.is_regex { "regex" } else { "expression" },
                "pattern": s.pattern,
                "regex": regex_of(s),
                "description": s.doc,
                "example": s.example,
                "file": s.file,
                "line": s.line,
            })
        })
        .collect()
}

/// Steps as text for a terminal: the example, then the description and location indented.
pub fn to_text(steps: &[&StepDoc]) -> String {
    let mut out = String::new();
    for s in steps {
        let shown = if s.example.is_empty() {
            format!("{} {}", s.keyword, s.pattern)
        } else {
            s.example.clone()
        };
        out.push_str(&format!(
            "{shown}\n    {}\n    {}:{}\n",
            s.doc, s.file, s.line
        ));
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

/// The `n` registered steps most like `text`, as example lines.
pub fn closest(text: &str, n: usize) -> Vec<String> {
    let mut scored: Vec<(f64, &StepDoc)> = steps()
        .iter()
        // A step without an `Example:` line has nothing to offer as a line to write.
        .filter(|s| !s.example.is_empty())
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
            let title = files()
                .iter()
                .find(|f| f.path == s.file)
                .map_or(s.file, |f| f.title);
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

    /// Two steps, registered the way a crate of steps registers its sources.
    const SOURCE: &str = r#"
/// Checks the status.
/// Example: Then the response status is 200
#[then(expr = "the response status is {int}")]
fn status(w: &mut World, code: u16) {}

// Not a doc comment: a step without one has no description.
#[when(regex = r"^the client waits (\d+) seconds$")]
fn waits(w: &mut World, s: String) {}
"#;

    inventory::submit! {
        StepSources {
            order: 0,
            files: &[StepFile { path: "steps/test.rs", title: "Test steps", source: SOURCE }],
        }
    }

    #[test]
    fn registered_sources_are_parsed_with_their_docs_and_examples() {
        let found: Vec<&StepDoc> = steps()
            .iter()
            .filter(|s| s.file == "steps/test.rs")
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].keyword, "then");
        assert_eq!(found[0].pattern, "the response status is {int}");
        assert_eq!(found[0].example, "Then the response status is 200");
        assert_eq!(found[0].doc, "Checks the status.");
        assert_eq!(found[0].line, 4);
        assert!(found[1].is_regex && found[1].doc.is_empty() && found[1].example.is_empty());
        assert!(markdown().contains("#### Test steps (`steps/test.rs`)"));
    }

    #[test]
    fn an_attribute_wrapped_over_lines_is_read_like_one_line() {
        const WRAPPED: &str = "/// Polls.\n/// Example: When it polls 3 times\n#[when(\n    regex = r#\"^it polls (\\d+) times$\"#\n)]\nfn polls() {}\n";
        let found = parse("steps/wrapped.rs", WRAPPED);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pattern, r"^it polls (\d+) times$");
        assert!(found[0].is_regex);
        assert_eq!(found[0].example, "When it polls 3 times");
        assert_eq!(found[0].line, 3);
    }

    #[test]
    fn search_needs_every_word_and_json_carries_a_regex_that_matches_the_example() {
        let hits = search("RESPONSE status");
        assert!(
            hits.iter()
                .any(|s| s.pattern == "the response status is {int}"),
            "{hits:?}"
        );
        assert!(hits.iter().all(|s| {
            let t = format!("{} {} {}", s.pattern, s.doc, s.example).to_lowercase();
            t.contains("response") && t.contains("status")
        }));
        assert!(search("status nothing-like-this").is_empty());
        let json = to_json(&hits);
        let first = &json[0];
        let re = regex::Regex::new(first["regex"].as_str().unwrap()).unwrap();
        assert!(re.is_match(strip_keyword(first["example"].as_str().unwrap())));
        assert_eq!(first["kind"], "expression");
        assert!(to_text(&hits).contains("steps/test.rs:4"));
    }

    #[test]
    fn closest_steps_are_similar() {
        let near = closest("the response status is 20", 1);
        assert_eq!(near, ["Then the response status is 200"]);
        let all = closest("the client waits 5 seconds", 10);
        assert!(all.iter().all(|s| !s.is_empty()), "{all:?}");
    }
}
