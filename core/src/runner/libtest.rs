//! The `cargo test` entry point of a `harness = false` features target. libtest's flags are
//! honoured or refused (exit 2, with the list of supported ones), never silently ignored: each
//! scenario is a test named `path:line`, so `--list`, filters, `--exact` and `--skip` work as
//! with any test target, and so does `cargo nextest run`, which lists the tests with
//! `--list --format terse` and runs each with `--exact NAME --nocapture`.

use std::process::ExitCode;

use super::{RunOptions, list, run};
use crate::simulator::Defect;

/// The old name of the whole suite as a single test: as a filter it still selects everything.
const SUITE_NAME: &str = "features";

/// The flags a features target understands, for `--help` and for refusing the others.
const HELP: &str = "\
Runs the feature suite (features/ against environments/simulator.yaml unless IDFLOW_FEATURES or
IDFLOW_ENV say otherwise); each scenario is a test named path:line.

Usage: <test binary> [OPTIONS] [FILTERS...]

  FILTERS...             run the scenarios whose test name (path:line), scenario name or feature
                         name contains one of these texts
  --exact                filters match a whole test name or scenario name
  --skip FILTER          leave out the scenarios FILTER matches (may be repeated)
  --list                 list the selected scenarios (`path:line: test`) without running them
  --format pretty|terse  listing format (terse: no summary line)
  --ignored              run only ignored scenarios: there are none, so nothing runs
  --include-ignored      run ignored scenarios too (there are none: the same as without)
  --test-threads N       run at most N scenarios at once
  -q, --quiet            only the summary line
  --nocapture, --no-capture, --show-output, --color auto|always|never, -Z unstable-options,
  --report-time, --force-run-in-process
                         accepted; they change nothing here
  -h, --help             this text

Environment: IDFLOW_FEATURES (comma separated paths), IDFLOW_ENV, IDFLOW_TAGS, IDFLOW_REPORT_DIR,
IDFLOW_SIMULATOR_DEFECTS, IDFLOW_STRICT=1 (failed SHOULD and best-practice checks fail),
IDFLOW_ALLOW_EMPTY=1 (a run that selects no scenario passes instead of exiting 2).
";

/// The supported flags, one line, for an error about another flag.
const SUPPORTED: &str = "--exact, --skip FILTER, --list, --format pretty|terse, --ignored, --include-ignored, --test-threads N, -q/--quiet, --nocapture, --no-capture, --show-output, --color WHEN, -Z unstable-options, --report-time, --force-run-in-process, -h/--help";

/// libtest-style arguments of a features target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LibtestArgs {
    /// Free arguments: test name filters.
    pub(crate) filters: Vec<String>,
    pub(crate) skip: Vec<String>,
    pub(crate) exact: bool,
    pub(crate) test_threads: Option<usize>,
    pub(crate) list: bool,
    /// `--format terse`.
    pub(crate) terse: bool,
    /// `--ignored`: only ignored tests (there are none).
    pub(crate) ignored: bool,
    pub(crate) quiet: bool,
    pub(crate) help: bool,
}

impl LibtestArgs {
    /// Parses arguments as libtest would receive them from `cargo test` or `cargo nextest`. A
    /// flag that is not supported is an error naming the supported ones.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut out = LibtestArgs::default();
        let mut it = args.into_iter();
        let mut only_filters = false;
        while let Some(arg) = it.next() {
            if only_filters || !arg.starts_with('-') || arg == "-" {
                out.filters.push(arg);
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--" => only_filters = true,
                "--test-threads" => {
                    let v = value("--test-threads")?;
                    let n: usize = v
                        .parse()
                        .map_err(|_| format!("--test-threads {v:?} is not a number"))?;
                    if n == 0 {
                        return Err("--test-threads must be at least 1".into());
                    }
                    out.test_threads = Some(n);
                }
                "--list" => out.list = true,
                "--exact" => out.exact = true,
                "--skip" => out.skip.push(value("--skip")?),
                "--ignored" => out.ignored = true,
                "--include-ignored" => {}
                "-q" | "--quiet" => out.quiet = true,
                "-h" | "--help" => out.help = true,
                "--format" => match value("--format")?.as_str() {
                    "terse" => out.terse = true,
                    "pretty" => out.terse = false,
                    other => {
                        return Err(format!(
                            "--format {other}: this target writes pretty or terse only"
                        ));
                    }
                },
                "--color" => match value("--color")?.as_str() {
                    "auto" | "always" | "never" => {}
                    other => return Err(format!("--color {other}: write auto, always or never")),
                },
                "-Z" => {
                    value("-Z")?;
                }
                "--nocapture"
                | "--no-capture"
                | "--show-output"
                | "--report-time"
                | "--force-run-in-process" => {}
                _ => {
                    return Err(format!(
                        "unsupported flag {arg}; a features target takes: {SUPPORTED} (--help explains them)"
                    ));
                }
            }
        }
        out.filters.retain(|f| f != SUITE_NAME);
        Ok(out)
    }
}

/// Runs the features of the current crate (`features/` against `environments/simulator.yaml`
/// unless `IDFLOW_ENV`, `IDFLOW_FEATURES`, `IDFLOW_TAGS` or `IDFLOW_REPORT_DIR` say otherwise) as
/// a `cargo test` target.
pub fn cargo_test_main() -> ExitCode {
    let args = match LibtestArgs::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    if args.ignored {
        // libtest runs only ignored tests: no scenario is ignored.
        if args.list {
            if !args.terse {
                println!("0 tests, 0 benchmarks");
            }
        } else {
            println!("--ignored: no scenario is ignored, so none runs");
            println!("0 passed, 0 failed");
        }
        return ExitCode::SUCCESS;
    }
    let defects = match std::env::var("IDFLOW_SIMULATOR_DEFECTS") {
        Ok(list) => match Defect::parse_list(&list) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: IDFLOW_SIMULATOR_DEFECTS: {e}");
                return ExitCode::from(2);
            }
        },
        Err(_) => Vec::new(),
    };
    let options = options(&args, defects);
    if args.list {
        return match list(&RunOptions {
            allow_empty: true,
            ..options
        }) {
            Ok(tests) => {
                use std::io::Write as _;
                // A closed pipe (`--list | head`) ends the listing, not in a panic.
                let mut out = std::io::stdout().lock();
                let mut text = String::new();
                for t in &tests {
                    text.push_str(&format!("{}: test\n", t.name));
                }
                if !args.terse {
                    text.push_str(&format!("\n{} tests, 0 benchmarks\n", tests.len()));
                }
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let runtime = match super::new_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(options)) {
        Ok(outcome) => ExitCode::from(outcome.exit_code() as u8),
        Err(e) => {
            eprintln!("error: {e}");
            println!("0 passed, 1 failed");
            ExitCode::from(2)
        }
    }
}

fn options(args: &LibtestArgs, defects: Vec<Defect>) -> RunOptions {
    let defaults = RunOptions::default();
    let report_dir = match std::env::var("IDFLOW_REPORT_DIR") {
        Ok(dir) => dir.into(),
        // cargo nextest runs each test in a process of its own, several at once: each writes
        // its reports in a directory of its own instead of all overwriting reports/.
        Err(_) if std::env::var_os("NEXTEST_RUN_ID").is_some() => {
            let name: String = args
                .filters
                .join("+")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            defaults.report_dir.join("nextest").join(name)
        }
        Err(_) => defaults.report_dir.clone(),
    };
    RunOptions {
        paths: std::env::var("IDFLOW_FEATURES")
            .map(|p| p.split(',').map(Into::into).collect())
            .unwrap_or(defaults.paths.clone()),
        env: std::env::var("IDFLOW_ENV").unwrap_or(defaults.env.clone()),
        tags: std::env::var("IDFLOW_TAGS").ok(),
        report_dir,
        test_filters: args.filters.clone(),
        skip: args.skip.clone(),
        exact: args.exact,
        allow_empty: std::env::var("IDFLOW_ALLOW_EMPTY").is_ok_and(|v| v == "1"),
        concurrency: args.test_threads.unwrap_or(defaults.concurrency),
        quiet: args.quiet,
        defects,
        strict: std::env::var("IDFLOW_STRICT").is_ok_and(|v| v == "1" || v == "true"),
        interrupts: true,
        ..defaults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> LibtestArgs {
        LibtestArgs::parse(args.iter().map(|s| s.to_string())).unwrap()
    }

    fn refuse(args: &[&str]) -> String {
        LibtestArgs::parse(args.iter().map(|s| s.to_string())).unwrap_err()
    }

    #[test]
    fn accepts_libtest_flags() {
        let a = parse(&[
            "--nocapture",
            "--test-threads",
            "4",
            "code reuse",
            "--color=always",
            "-q",
        ]);
        assert_eq!(a.filters, vec!["code reuse"]);
        assert_eq!(a.test_threads, Some(4));
        assert!(a.quiet);
        assert_eq!(parse(&["--test-threads=2"]).test_threads, Some(2));
    }

    #[test]
    fn skip_exact_list_and_ignored_are_honoured() {
        let a = parse(&["--skip", "refresh", "--skip=ciba", "--exact", "a", "b"]);
        assert_eq!(a.skip, vec!["refresh", "ciba"]);
        assert!(a.exact);
        assert_eq!(a.filters, vec!["a", "b"]);
        let nextest = parse(&["--list", "--format", "terse", "--ignored"]);
        assert!(nextest.list && nextest.terse && nextest.ignored);
        assert!(!parse(&["--include-ignored"]).ignored);
        assert!(parse(&["--help"]).help && parse(&["-h"]).help);
        assert_eq!(parse(&["--", "--weird-name"]).filters, vec!["--weird-name"]);
    }

    #[test]
    fn unknown_flags_are_refused_with_the_supported_ones() {
        for bad in [
            &["--bogus"][..],
            &["--bench"],
            &["--format", "json"],
            &["--logfile", "x"],
        ] {
            let err = refuse(bad);
            assert!(
                err.contains(bad[0]) || err.contains(bad[1]),
                "{bad:?}: {err}"
            );
        }
        assert!(refuse(&["--bogus"]).contains("--skip FILTER"));
        assert!(refuse(&["--skip"]).contains("needs a value"));
        assert!(refuse(&["--test-threads", "0"]).contains("at least 1"));
    }

    #[test]
    fn the_suite_name_is_no_filter() {
        assert!(parse(&["features", "--exact"]).filters.is_empty());
    }

    #[test]
    fn bad_values_are_explained() {
        assert!(refuse(&["--test-threads", "many"]).contains("not a number"));
    }
}
