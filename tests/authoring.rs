//! End-to-end tests of the authoring loop: `idflow steps`, `idflow envs`, `idflow run
//! --dry-run`, `--last-failed`, shell completions, and `idflow simulate` printing and writing
//! what a curl user or another shell needs.

#[path = "support/scratch.rs"]
mod scratch;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn idflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("IDFLOW_SIMULATOR_DEFECTS")
        .env("NO_COLOR", "1")
        .output()
        .expect("idflow runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = scratch::fresh(&format!("authoring-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn steps_lists_the_catalogue_searches_it_and_speaks_json() {
    let out = idflow(&["steps", "response", "STATUS"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("Then the response status is 200"), "{all}");
    assert!(all.contains("steps/expectations.rs:"), "{all}");
    assert!(!all.contains("the ID token is valid"), "{all}");

    let out = idflow(&["steps", "--json"]);
    let steps: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let steps = steps.as_array().unwrap();
    assert!(steps.len() > 50, "only {} steps", steps.len());
    for s in steps {
        let re = regex::Regex::new(s["regex"].as_str().expect("a regex")).unwrap();
        let example = s["example"].as_str().unwrap();
        let text = example.split_once(' ').unwrap().1;
        assert!(re.is_match(text), "{s}");
    }
    // The generic poll step is declared over several lines: it is in the catalogue too.
    assert!(
        steps.iter().any(|s| s["pattern"]
            .as_str()
            .unwrap()
            .contains("the client polls \"")),
        "the poll step is missing"
    );

    let out = idflow(&["steps", "no-step-says-this"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn envs_lists_every_environment_with_its_target_without_its_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("envs")
        .env_remove("SIGNICAT_DOMAIN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    let line = |name: &str| {
        all.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{all}"))
            .to_string()
    };
    assert!(
        line("simulator").contains("Embedded Signicat-shaped"),
        "{all}"
    );
    assert!(line("signicat").contains("${SIGNICAT_DOMAIN}"), "{all}");
    assert!(
        line("oidc-provider").contains("http://localhost:3000"),
        "{all}"
    );
}

#[test]
fn a_dry_run_matches_every_step_without_sending_anything() {
    let reports = scratch("dry-reports");
    std::fs::remove_dir_all(&reports).unwrap();
    let out = idflow(&[
        "run",
        "--dry-run",
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("0 undefined, 0 ambiguous"),
        "{}",
        text(&out)
    );
    assert!(!reports.exists(), "a dry run writes no report");

    let dir = scratch("dry");
    let feature = write(
        &dir,
        "typo.feature",
        "Feature: Typos\n  Scenario Outline: Rows\n    Given the client \"web\"\n    When the client fetches the provider's discovery document\n    Then the respons status is <status>\n    Examples:\n      | status |\n      | 200    |\n      | 201    |\n",
    );
    // An unreachable target is never contacted: nothing is sent.
    let env = write(
        &dir,
        "nowhere.yaml",
        "target:\n  kind: remote\n  issuer: http://127.0.0.1:9/auth\n",
    );
    let out = idflow(&[
        "run",
        "--dry-run",
        feature.to_str().unwrap(),
        "--env",
        env.to_str().unwrap(),
    ]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!(
            "{}:5: undefined step `Then the respons status is 200`",
            feature.display()
        )),
        "{all}"
    );
    assert!(all.contains("the respons status is 201"), "{all}");
    assert!(
        all.contains("Then the response status is 200"),
        "no suggestion: {all}"
    );
    assert!(all.contains("2 undefined"), "{all}");
}

#[test]
fn last_failed_reruns_only_the_scenarios_that_failed() {
    let dir = scratch("last-failed");
    let reports = dir.join("reports");
    let feature = write(
        &dir,
        "mixed.feature",
        "Feature: Mixed\n  Scenario: Passes\n    When the client fetches the provider's discovery document\n    Then the response status is 200\n\n  Scenario: Fails\n    When the client fetches the provider's discovery document\n    Then the response status is 201\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--report-dir", reports.to_str().unwrap()];
        args.extend_from_slice(extra);
        idflow(&args)
    };
    let first = run(&[feature.to_str().unwrap()]);
    assert!(
        text(&first).contains("1 passed, 1 failed"),
        "{}",
        text(&first)
    );

    let again = run(&["--last-failed"]);
    let all = text(&again);
    assert_eq!(again.status.code(), Some(1), "{all}");
    assert!(all.contains(&format!("{}:6", feature.display())), "{all}");
    assert!(
        all.contains("0 passed, 1 failed"),
        "only the failed one runs: {all}"
    );

    // Paths narrow the rerun: nothing failed under another directory.
    let elsewhere = run(&["--last-failed", "features/oidc"]);
    assert_eq!(elsewhere.status.code(), Some(0), "{}", text(&elsewhere));
    assert!(text(&elsewhere).contains("nothing to rerun"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = idflow(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("idflow"), "{shell}");
        assert!(
            script.contains("dry-run") && script.contains("last-failed"),
            "{shell}"
        );
    }
    assert_eq!(idflow(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Kills the standalone simulator when the test ends, passed or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn simulate_prints_what_it_knows_and_writes_an_environment_that_runs() {
    let dir = scratch("simulate");
    let env_file = dir.join("served.yaml");
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_idflow"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["simulate", "--write-env", env_file.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut printed = String::new();
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    assert!(printed.contains("issuer: http://127.0.0.1:"), "{printed}");
    assert!(
        printed.contains(
            "  web: client_id=idflow-web secret=sim-web-secret-not-real auth=client_secret_basic"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("  alice: username=alice password=alice-sim-password"),
        "{printed}"
    );
    assert!(printed.contains("mobileid_user=0e99b25c"), "{printed}");
    let base = printed
        .lines()
        .find_map(|l| l.strip_prefix("simulator listening at "))
        .unwrap()
        .to_string();
    assert!(
        printed.contains(&format!(
            "  approve: POST {base}/__simulator/ciba/{{auth_req_id}}/approve"
        )),
        "{printed}"
    );
    assert!(printed.contains(&format!("environment written to {}", env_file.display())));

    let reports = dir.join("reports");
    let out = idflow(&[
        "run",
        "features/oidc/authorization_code.feature:19",
        "--env",
        env_file.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 passed, 0 failed"), "{}", text(&out));
    drop(lines);
}

#[test]
fn the_console_prints_failures_as_they_happen_a_recap_and_plain_progress_in_ci() {
    let dir = scratch("console");
    let reports = dir.join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "tests/fixtures/wrong",
            "features/oidc/userinfo.feature",
        ])
        .args([
            "-q",
            "--retries",
            "1",
            "--report-dir",
            reports.to_str().unwrap(),
        ])
        .env("RUST_LOG", "idflow=debug")
        .env("IDFLOW_PROGRESS_SECONDS", "0.001")
        .env_remove("NO_COLOR")
        .env_remove("IDFLOW_SIMULATOR_DEFECTS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let wrong = "tests/fixtures/wrong/wrong_expectation.feature:2";
    // The failure as it happens, each attempt numbered, with the failed step and its reason.
    assert!(
        stdout.contains(&format!(
            "✘ {wrong} The discovery document is expected at the wrong status"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("attempt 1 of 2, retrying"), "{stdout}");
    assert!(stdout.contains("attempt 2 of 2)"), "{stdout}");
    assert!(
        stdout.contains("Then the response status is 201 (line 4)"),
        "{stdout}"
    );
    // -q: no line for the passed scenarios.
    assert!(!stdout.contains("✔"), "{stdout}");
    // Plain progress lines (stdout is not a terminal), counting each scenario once.
    assert!(stdout.contains(" scenarios done, "), "{stdout}");
    assert!(
        !stdout.contains("5/4 scenarios") && !stdout.contains("6/4"),
        "{stdout}"
    );
    // The recap, then the report's path, then the summary as the last line.
    let recap = stdout.split("\nFailures\n").nth(1).expect("a recap");
    assert!(
        recap.contains(&format!("    idflow run {wrong}   #")),
        "{recap}"
    );
    assert!(
        recap.contains(&format!("report: {}", reports.join("index.html").display())),
        "{recap}"
    );
    assert!(stdout.trim_end().ends_with("passed, 1 failed"), "{stdout}");
    // RUST_LOG lines on standard error, not only in the report.
    assert!(stderr.contains("DEBUG"), "no log line on stderr: {stderr}");
    // No colour when not a terminal.
    assert!(!stdout.contains('\x1b') && !stderr.contains('\x1b'));
}
