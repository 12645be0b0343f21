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
    fn closest_steps_are_similar() {
        let near = closest("the response status is 20", 1);
        assert_eq!(near, ["Then the response status is 200"]);
        let all = closest("the client waits 5 seconds", 10);
        assert!(all.iter().all(|s| !s.is_empty()), "{all:?}");
    }
}
