//! idflow: a declarative scenario test runner for OpenID Connect and Signicat identity flows.
//!
//! Features (Gherkin) are parsed and scheduled by cucumber; the thin step definitions in
//! `steps/` ([`steps`]) turn words into calls on the library, [`idflow_core`]: an HTTP engine
//! that records every exchange, OpenID Connect flows, JWT checks and expectations, report
//! writers fed by the run's event stream, and an embedded simulator ([`simulator`]) that stands
//! in for a Signicat tenant. This crate re-exports the library's [`prelude`] and the few modules
//! a harness, the binary and the tests use; the rest is the steps' business.
//!
//! The steps are a crate of their own (this one) so that editing a step rebuilds only them,
//! not the library. A downstream harness that links `idflow` gets every built-in step.

// The steps are written against the library's modules (`crate::oidc`, `crate::world`, ...).
use idflow_core::*;

/// The library's modules that the binary, the tests, the benches and a downstream harness use
/// besides the [`prelude`]; the rest of the library is the steps' business.
pub use idflow_core::{catalogue, clock, config, record, redact, report, simulator};

#[path = "../steps/mod.rs"]
pub mod steps;

/// What a project that adds its own steps needs, in one import: [`idflow_core::prelude`] and
/// the runner's entry points with every built-in step linked in.
pub mod prelude {
    pub use crate::runner::{cargo_test_main, run};
    pub use idflow_core::prelude::*;
}

/// The runner, as in [`idflow_core::runner`], with entry points that link the built-in steps.
pub mod runner {
    pub use idflow_core::runner::*;

    /// [`idflow_core::runner::cargo_test_main`] with every built-in step linked in: what a
    /// `harness = false` test target calls.
    pub fn cargo_test_main() -> std::process::ExitCode {
        crate::steps::link();
        idflow_core::runner::cargo_test_main()
    }

    /// [`idflow_core::runner::dry_run`] with every built-in step linked in.
    pub fn dry_run(options: &RunOptions) -> Result<DryRunOutcome, RunError> {
        crate::steps::link();
        idflow_core::runner::dry_run(options)
    }

    /// [`idflow_core::runner::run`] with every built-in step linked in.
    pub async fn run(options: RunOptions) -> Result<RunOutcome, RunError> {
        crate::steps::link();
        idflow_core::runner::run(options).await
    }
}

/// One file of built-in steps for the catalogue: its path, its title, and its source.
macro_rules! step_file {
    ($path:literal, $title:literal) => {
        catalogue::StepFile {
            path: $path,
            title: $title,
            source: include_str!(concat!("../", $path)),
        }
    };
}

inventory::submit! {
    catalogue::StepSources {
        order: 0,
        files: &[
            step_file!("steps/http.rs", "Generic HTTP"),
            step_file!("steps/expectations.rs", "Expectations on responses"),
            step_file!("steps/oidc.rs", "OpenID Connect"),
            step_file!("steps/tokens.rs", "Tokens"),
            step_file!("steps/mobileid.rs", "MobileID (CIBA and operations)"),
            step_file!("steps/rest_api.rs", "Authentication REST API"),
            step_file!("steps/security.rs", "Security pack (attacks and defences)"),
            step_file!(
                "steps/request_objects.rs",
                "Request objects and client authentication"
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use crate::catalogue::{StepDoc, StepSources, closest, markdown, steps, strip_keyword};

    fn pattern_regex(s: &StepDoc) -> regex::Regex {
        if s.is_regex {
            regex::Regex::new(&s.pattern).unwrap()
        } else {
            cucumber::codegen::Expression::regex(&s.pattern).unwrap()
        }
    }

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
            assert!(
                pattern_regex(s).is_match(text),
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
                .filter(|o| o.keyword == s.keyword && pattern_regex(o).is_match(text))
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
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap_or_default();
        let begin = "<!-- catalogue:begin -->";
        let end = "<!-- catalogue:end -->";
        let expected = format!("{begin}\n{}{end}", markdown());
        if std::env::var_os("IDFLOW_BLESS").is_some() {
            let (a, rest) = readme
                .split_once(begin)
                .expect("README has the catalogue markers");
            let (_, b) = rest.split_once(end).expect("README has the end marker");
            std::fs::write(path, format!("{a}{expected}{b}")).unwrap();
            return;
        }
        assert!(
            readme.contains(&expected),
            "README.md's step catalogue is out of date: run `IDFLOW_BLESS=1 cargo test --lib -p idflow readme` and commit README.md"
        );
    }

    /// The lengths, in lines from `fn` to its closing brace, of the step functions in `source`
    /// (a function under a `#[given]`, `#[when]` or `#[then]` attribute), by name.
    fn step_lengths(source: &str) -> Vec<(String, usize)> {
        let lines: Vec<&str> = source.lines().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let attr = lines[i].trim_start();
            if ["#[given(", "#[when(", "#[then("]
                .iter()
                .any(|a| attr.starts_with(a))
            {
                let start = (i..lines.len())
                    .find(|&j| lines[j].contains("fn "))
                    .expect("a step attribute is followed by its function");
                let end = (start..lines.len())
                    .find(|&j| lines[j] == "}")
                    .expect("a step function ends");
                let name = lines[start]
                    .split("fn ")
                    .nth(1)
                    .and_then(|r| r.split('(').next())
                    .unwrap_or_default();
                out.push((name.to_string(), end - start + 1));
                i = end;
            }
            i += 1;
        }
        out
    }

    #[test]
    fn every_step_is_its_argument_parsing_and_one_library_call() {
        let mut long = Vec::new();
        let mut count = 0;
        for file in inventory::iter::<StepSources>().flat_map(|s| s.files.iter()) {
            for (name, lines) in step_lengths(file.source) {
                count += 1;
                if lines > 12 {
                    long.push(format!("{}: {name} ({lines} lines)", file.path));
                }
            }
        }
        assert!(count >= 90, "only {count} step functions found");
        assert!(
            long.is_empty(),
            "steps longer than 12 lines: move their logic into the library:\n{}",
            long.join("\n")
        );
        // The reader would see a long step.
        let long_step = format!(
            "#[then(expr = \"x\")]\nfn x(w: &mut W) -> Result<()> {{\n{}}}\n",
            "    w.y()?;\n".repeat(12)
        );
        assert_eq!(step_lengths(&long_step), vec![("x".to_string(), 14)]);
    }

    #[test]
    fn the_dispatcher_knows_which_steps_read_a_docstring_or_table() {
        use idflow_core::runner::dispatch::takes_docstring_or_table;
        crate::steps::link();
        assert_eq!(
            takes_docstring_or_table("the request JSON body is:"),
            Some(true)
        );
        assert_eq!(
            takes_docstring_or_table("the client starts an authorization request with:"),
            Some(true)
        );
        assert_eq!(takes_docstring_or_table("the client \"web\""), Some(false));
        assert_eq!(takes_docstring_or_table("no step reads like this"), None);
    }

    #[test]
    fn an_undefined_step_is_offered_the_closest_built_in_steps() {
        let near = closest("the response status is 20", 3);
        assert_eq!(near[0], "Then the response status is 200");
    }

    /// The step table compiles a definition's regex only when a step text holds one of the
    /// literals its matches hold. Every step text of the repository's features finds, through
    /// it, what trying every definition's regex finds: the same definition, or none, or the
    /// same ambiguity.
    #[test]
    fn the_step_tables_literal_filter_finds_what_every_regex_finds() {
        use crate::runner::dispatch::{StepProblem, definition_of, definitions};
        crate::steps::link();
        let all: Vec<(String, regex::Regex)> = definitions()
            .into_iter()
            .map(|(location, pattern)| (location, regex::Regex::new(&pattern).unwrap()))
            .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = std::collections::BTreeSet::new();
        let mut stack = vec![
            root.join("features"),
            root.join("examples/downstream/features"),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "feature") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for line in text.lines().map(str::trim) {
                        let step = strip_keyword(line);
                        if step != line && !line.starts_with('#') {
                            texts.insert(step.to_string());
                        }
                    }
                }
            }
        }
        assert!(texts.len() > 200, "only {} step texts", texts.len());
        // A few texts no feature holds, near and far from the steps'.
        texts.insert("the response status is".into());
        texts.insert("nothing reads like this".into());
        for text in &texts {
            let everyone: Vec<&str> = all
                .iter()
                .filter(|(_, re)| re.is_match(text))
                .map(|(location, _)| location.as_str())
                .collect();
            let expected = match everyone.as_slice() {
                [] => Err(StepProblem::Undefined),
                [one] => Ok(one.to_string()),
                many => Err(StepProblem::Ambiguous(
                    many.iter().map(|l| l.to_string()).collect(),
                )),
            };
            assert_eq!(definition_of(text), expected, "{text}");
        }
    }

    /// Cucumber's VS Code extension (README, "Editors") reads Rust step definitions from their
    /// `#[given|when|then(expr = "…")]` and `(regex = r"…")` attributes in the `steps/*.rs` files
    /// its `cucumber.glue` setting names. Every step the binary registers must be declared that
    /// way, at the place it is registered, with the pattern the runner matches with.
    #[test]
    fn every_registered_step_is_declared_as_the_editor_extension_reads_it() {
        crate::steps::link();
        let registered = crate::runner::dispatch::definitions();
        assert!(registered.len() >= 50, "only {} steps", registered.len());
        for (location, regex) in registered {
            let file = location.rsplit_once(':').unwrap().0;
            assert!(
                file.starts_with("steps/") && file.ends_with(".rs") && !file[6..].contains('/'),
                "{location}: outside the `steps/*.rs` glob the editor settings name"
            );
            let declared = steps()
                .iter()
                .find(|s| format!("{}:{}", s.file, s.line) == location)
                .unwrap_or_else(|| {
                    panic!("{location}: no #[given|when|then(expr = …|regex = …)] attribute there")
                });
            assert_eq!(
                crate::catalogue::regex_of(declared).as_deref(),
                Some(regex.as_str()),
                "{location}: the declared pattern is not what the runner matches"
            );
        }
    }
}
