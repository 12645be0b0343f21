//! The `cargo test` entry point of a `harness = false` features target: libtest's flags are
//! accepted (and ignored where they mean nothing to a feature suite), the run ends with
//! `N passed, N failed`, and the exit code says whether it passed.

use std::process::ExitCode;

use super::{RunOptions, run};
use crate::simulator::Defect;

/// The name a features target lists itself under for `--list` (cargo nextest).
const SUITE_NAME: &str = "features";

/// libtest-style arguments of a features target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LibtestArgs {
    /// Scenario (or feature) name filter: the first free argument.
    pub filter: Option<String>,
    pub test_threads: Option<usize>,
    pub list: bool,
    pub quiet: bool,
    /// Arguments that were accepted but mean nothing here.
    pub ignored: Vec<String>,
}

impl LibtestArgs {
    /// Parses arguments as libtest would receive them from `cargo test`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut out = LibtestArgs::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
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
                "--test-threads" => {
                    let v = value("--test-threads")?;
                    out.test_threads = Some(
                        v.parse()
                            .map_err(|_| format!("--test-threads {v:?} is not a number"))?,
                    );
                }
                "--list" => out.list = true,
                "-q" | "--quiet" => out.quiet = true,
                "--nocapture"
                | "--no-capture"
                | "--show-output"
                | "--exact"
                | "--ignored"
                | "--include-ignored"
                | "--force-run-in-process" => out.ignored.push(arg),
                "--color" | "--format" | "--logfile" | "--skip" | "-Z" | "--report-time"
                | "--shuffle-seed" => {
                    let v = value(&flag)?;
                    out.ignored.push(format!("{flag} {v}"));
                }
                f if f.starts_with('-') => out.ignored.push(arg),
                _ if out.filter.is_none() => out.filter = Some(arg),
                _ => out.ignored.push(arg),
            }
        }
        if out.filter.as_deref() == Some(SUITE_NAME) {
            out.filter = None;
        }
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
    if args.list {
        println!("{SUITE_NAME}: test");
        return ExitCode::SUCCESS;
    }
    let defaults = RunOptions::default();
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
    let options = RunOptions {
        paths: std::env::var("IDFLOW_FEATURES")
            .map(|p| p.split(',').map(Into::into).collect())
            .unwrap_or(defaults.paths),
        env: std::env::var("IDFLOW_ENV").unwrap_or(defaults.env),
        tags: std::env::var("IDFLOW_TAGS").ok(),
        report_dir: std::env::var("IDFLOW_REPORT_DIR")
            .map(Into::into)
            .unwrap_or(defaults.report_dir),
        name_filter: args.filter,
        concurrency: args.test_threads.unwrap_or(defaults.concurrency),
        quiet: args.quiet,
        defects,
        ..defaults
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> LibtestArgs {
        LibtestArgs::parse(args.iter().map(|s| s.to_string())).unwrap()
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
        assert_eq!(a.filter.as_deref(), Some("code reuse"));
        assert_eq!(a.test_threads, Some(4));
        assert!(a.quiet);
        assert_eq!(a.ignored, vec!["--nocapture", "--color always"]);
        assert_eq!(parse(&["--test-threads=2"]).test_threads, Some(2));
    }

    #[test]
    fn the_suite_name_is_no_filter() {
        assert_eq!(parse(&["features", "--exact"]).filter, None);
    }

    #[test]
    fn bad_values_are_explained() {
        let err =
            LibtestArgs::parse(["--test-threads".to_string(), "many".to_string()]).unwrap_err();
        assert!(err.contains("not a number"));
    }
}
