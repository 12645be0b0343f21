//! End-to-end tests of the `idflow` command: verdicts that must fail do fail and name what
//! failed; user mistakes give clear errors (exit 2) and never a panic; reports are written.

#[path = "support/scratch.rs"]
mod scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use idflow::simulator::Defect;

fn idflow(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_idflow"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("IDFLOW_SIMULATOR_DEFECTS");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SIGNICAT_")) {
        cmd.env_remove(k);
    }
    if args.first() == Some(&"run") && !args.contains(&"--report-dir") {
        // Never overwrite the suite's own reports/, nor another test's: a folder per run (named
        // after the arguments' length, two tests running at once emptied each other's).
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cmd.arg("--report-dir")
            .arg(report_dir(&format!("default-{run}")));
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("idflow runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn report_dir(name: &str) -> PathBuf {
    scratch::fresh(&format!("cli-{name}"))
}

/// Writes the feature file `dir/file` (creating `dir`) and returns its path.
fn write_feature(dir: &Path, file: impl AsRef<Path>, text: impl AsRef<str>) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text.as_ref()).unwrap();
    path
}

/// `idflow run FEATURE` against the simulator.
fn run_feature(feature: &Path) -> Output {
    idflow(&["run", feature.to_str().unwrap()], &[])
}

/// `idflow run ARGS --report-dir DIR` with a fresh report directory `DIR` named after `name`:
/// the output, and the directory.
fn run_with_reports(name: &str, args: &[&str]) -> (Output, PathBuf) {
    run_with_env(name, args, &[])
}

/// [`run_with_reports`] with `RUST_LOG=debug`: every exchange logged on the console too.
fn run_with_debug_logs(name: &str, args: &[&str]) -> (Output, PathBuf) {
    run_with_env(name, args, &[("RUST_LOG", "debug")])
}

fn run_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, PathBuf) {
    let dir = report_dir(name);
    let out = idflow(
        &[&["run"], args, &["--report-dir", dir.to_str().unwrap()]].concat(),
        env,
    );
    (out, dir)
}

/// Asserts that the run's output (stdout, then stderr) says `wanted`.
fn assert_says(out: &Output, wanted: &str) {
    let all = text(out);
    assert!(
        all.contains(wanted),
        "the output does not say `{wanted}`:\n{all}"
    );
}

/// Asserts that the run exited with `code`, not by a panic.
fn assert_exit(out: &Output, code: i32) {
    assert_no_panic(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{} ({}):\n{}",
        out.status,
        signal_name(out),
        text(out)
    );
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{file} not written in {}: {e}", dir.display()))
}

/// The signal that ended the run, if one did (a run must end by exiting).
fn signal_name(out: &Output) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = out.status.signal() {
            return format!(
                "killed by signal {signal}, core dumped: {}",
                out.status.core_dumped()
            );
        }
    }
    "not killed by a signal".to_string()
}

fn assert_no_panic(out: &Output) {
    let all = text(out);
    assert!(!all.contains("panicked"), "idflow panicked:\n{all}");
}

/// `environments/simulator.yaml` as text for a copy written elsewhere: its relative key paths
/// point back into the repository.
fn simulator_environment_copy() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join("environments/simulator.yaml"))
        .unwrap()
        .replace("../fixtures/", &format!("{}/fixtures/", root.display()))
}

/// Runs `feature` against an environment file `NAME.yaml` holding `env`, written to a
/// directory of its own; the output (checked not to be a panic) and the report directory.
fn run_in_environment(name: &str, env: &str, feature: &str) -> (Output, PathBuf) {
    let dir = report_dir(name);
    let envs = report_dir(&format!("{name}-env"));
    std::fs::create_dir_all(&envs).unwrap();
    let env_file = envs.join(format!("{name}.yaml"));
    std::fs::write(&env_file, env).unwrap();
    let out = idflow(
        &[
            "run",
            feature,
            "--env",
            env_file.to_str().unwrap(),
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_no_panic(&out);
    (out, dir)
}

/// The features that exercise each defect and a text its failure must contain, read from
/// `tests/defect-failures.tsv` (a line a defect: name, features, failure text, tab-separated).
/// Every defect of the simulator has exactly one line.
fn expected_failures() -> Vec<(Defect, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/defect-failures.tsv");
    let table = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<(Defect, String, String)> = table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(i, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            let [name, features, wanted] = columns[..] else {
                panic!(
                    "{}:{}: expected three tab-separated columns",
                    path.display(),
                    i + 1
                )
            };
            let defect = Defect::parse_list(name)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))[0];
            (defect, features.to_owned(), wanted.to_owned())
        })
        .collect();
    for defect in Defect::ALL {
        let lines = rows.iter().filter(|(d, ..)| *d == defect).count();
        assert_eq!(
            lines,
            1,
            "defect {} has {lines} lines in {}",
            defect.name(),
            path.display()
        );
    }
    rows
}

#[test]
fn every_defect_fails_the_run_and_names_the_check() {
    for (defect, features, wanted) in expected_failures() {
        let (features, wanted) = (features.as_str(), wanted.as_str());
        let dir = report_dir(defect.name());
        let mut args = vec![
            "run",
            features,
            "-q",
            "--defect",
            defect.name(),
            "--report-dir",
            dir.to_str().unwrap(),
        ];
        if defect.only_warns() {
            args.push("--strict");
        }
        let out = idflow(&args, &[]);
        assert_no_panic(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "defect {} did not fail the run:\n{}",
            defect.name(),
            text(&out)
        );
        let junit = read(&dir, "junit.xml");
        assert!(
            junit.contains(&wanted.replace('"', "&quot;")) || junit.contains(wanted),
            "defect {}: junit.xml does not name `{wanted}`",
            defect.name(),
        );
        assert!(
            read(&dir, "index.html").contains(defect.name()),
            "the HTML report names the simulator's defect"
        );
    }
}

/// A provider that lacks a SHOULD or best practice passes with a warning counted on the line
/// before the closing one and shown beside the check in the reports; `--strict`, the
/// environment's `strict: true` and `IDFLOW_STRICT=1` make it fail.
#[test]
fn a_missing_best_practice_warns_and_fails_when_strict() {
    let dir = report_dir("warn");
    let d = dir.to_str().unwrap();
    let base = [
        "run",
        "features/oidc/userinfo.feature",
        "-q",
        "--report-dir",
        d,
    ];
    let with_defect = [&base[..], &["--defect", "userinfo_cacheable"]].concat();
    let out = idflow(&with_defect, &[]);
    assert_exit(&out, 0);
    let lines: Vec<String> = text(&out).lines().map(str::to_string).collect();
    let closing = lines.iter().rposition(|l| l.contains(" passed, ")).unwrap();
    assert!(
        lines[closing].ends_with(" passed, 0 failed"),
        "{}",
        lines[closing]
    );
    assert!(
        lines[closing - 1].starts_with("2 warnings in 2 scenarios"),
        "{}",
        text(&out)
    );
    let junit = read(&dir, "junit.xml");
    assert!(
        junit.contains("warning: Cache-Control (best practice"),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");

    let strict = [&with_defect[..], &["--strict"]].concat();
    let out = idflow(&strict, &[]);
    assert_exit(&out, 1);
    assert_says(&out, "3 passed, 2 failed");
    assert!(read(&dir, "junit.xml").contains("Cache-Control: expected no-store"));

    let out = idflow(&with_defect, &[("IDFLOW_STRICT", "1")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "IDFLOW_STRICT=1: {}",
        text(&out)
    );

    // Without the defect nothing warns.
    let out = idflow(&base, &[]);
    assert_exit(&out, 0);
    assert!(!text(&out).contains("warning"), "{}", text(&out));
}

/// A scenario the environment's `exclude_tags` leave out is reported not applicable with the
/// declaration that excludes it, in the console and JUnit: never dropped without a line.
#[test]
fn an_excluded_scenario_is_not_applicable_with_the_declaration() {
    let env = format!(
        "{}exclude_tags: \"@signicat-only\"\n",
        simulator_environment_copy()
    );
    let (out, dir) = run_in_environment("no-signicat", &env, "features/mobileid/finalise.feature");
    assert_exit(&out, 0);
    let all = text(&out);
    assert!(
        all.trim_end().ends_with("0 passed, 0 failed, 5 skipped"),
        "{all}"
    );
    assert!(
        all.contains(
            "(not applicable: excluded on this target by exclude_tags \"@signicat-only\" of "
        ) && all.contains("no-signicat.yaml)"),
        "{all}"
    );
    let junit = read(&dir, "junit.xml");
    assert_eq!(
        junit
            .matches("<skipped message=\"not applicable: excluded on this target")
            .count(),
        5,
        "{junit}"
    );
}

/// A scenario that needs a capability the target does not declare is reported not applicable
/// with the reason in every report: never dropped, never failed.
#[test]
fn a_lacking_capability_is_not_applicable_with_the_reason() {
    // The simulator declares `ciba`: an environment like it without it makes the generic CIBA
    // scenarios not applicable.
    let simulator = simulator_environment_copy();
    let without: String = simulator
        .lines()
        .filter(|l| l.trim() != "- ciba")
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        without.len() < simulator.len(),
        "environments/simulator.yaml declares ciba"
    );
    let (out, dir) = run_in_environment("no-ciba", &without, "features/oidc/ciba.feature");
    assert_exit(&out, 0);
    let all = text(&out);
    assert!(
        all.trim_end().ends_with("0 passed, 0 failed, 15 skipped"),
        "{all}"
    );
    assert!(
        all.contains("(not applicable: needs `ciba`, not among the capabilities of ")
            && all.contains("no-ciba.yaml; optional by CIBA Core 1.0"),
        "{all}"
    );
    let junit = read(&dir, "junit.xml");
    assert_eq!(
        junit
            .matches("<skipped message=\"not applicable: needs `ciba`")
            .count(),
        15,
        "{junit}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "cucumber.json")).unwrap();
    let elements = json[0]["elements"].as_array().unwrap();
    assert_eq!(elements.len(), 15);
    for e in elements {
        assert!(
            e["description"]
                .as_str()
                .unwrap()
                .starts_with("Not applicable: needs `ciba`")
        );
        for step in e["steps"].as_array().unwrap() {
            assert_eq!(step["result"]["status"], "skipped");
        }
    }
    let html = read(&dir, "index.html");
    assert!(
        html.contains("not applicable") && html.contains("15 skipped"),
        "HTML report"
    );

    // A tag naming no capability is a usage error at its line.
    let features = report_dir("bad-capability-features");
    std::fs::create_dir_all(&features).unwrap();
    std::fs::write(
        features.join("x.feature"),
        "Feature: x\n\n  @needs:sesions\n  Scenario: y\n    Given the client \"web\"\n",
    )
    .unwrap();
    let out = idflow(&["run", features.to_str().unwrap()], &[]);
    assert_exit(&out, 2);
    assert_says(&out, "x.feature:4: unknown capability `sesions`");
}

/// `expires_in` of 600000 (ten minutes written in milliseconds) fails by name against the
/// ID token's own lifetime; an environment that declares the provider's documented
/// `expires_in_milliseconds` deviation turns that failure into a warning naming the
/// declaration, which `--strict` fails again (issue 12, checks).
#[test]
fn expires_in_in_milliseconds_fails_unless_the_deviation_is_declared() {
    let dir = report_dir("expires-in-deviation");
    std::fs::create_dir_all(&dir).unwrap();
    let simulator = simulator_environment_copy();
    let env_file = dir.join("broker.yaml");
    std::fs::write(
        &env_file,
        format!(
            "{simulator}\ndeviations:\n  expires_in_milliseconds: \"documented by the provider (seed 004)\"\n"
        ),
    )
    .unwrap();
    let reports = dir.join("reports");
    let base = [
        "run",
        "features/oidc/authorization_code.feature:19",
        "-q",
        "--defect",
        "expires_in_milliseconds",
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    let out = idflow(&base, &[]);
    assert_exit(&out, 1);
    assert!(
        read(&reports, "junit.xml")
            .contains("expires_in: 600000 is probably milliseconds (the ID token lives 3600 s)"),
        "{}",
        text(&out)
    );
    let declared = [&base[..], &["--env", env_file.to_str().unwrap()]].concat();
    let out = idflow(&declared, &[]);
    assert_exit(&out, 0);
    assert_says(&out, "1 warning in 1 scenario");
    assert!(
        read(&reports, "junit.xml").contains("declared deviation `expires_in_milliseconds`"),
        "the warning names the declaration"
    );
    let strict = [&declared[..], &["--strict"]].concat();
    assert_eq!(idflow(&strict, &[]).status.code(), Some(1));
}

#[test]
fn without_defects_every_feature_passes() {
    let dir = report_dir("clean");
    let out = idflow(&["run", "-q", "--report-dir", dir.to_str().unwrap()], &[]);
    assert_exit(&out, 0);
}

#[test]
fn a_wrong_expectation_exits_1_and_the_report_shows_expected_and_actual() {
    let (out, dir) = run_with_reports("wrong", &["tests/fixtures/wrong"]);
    assert_exit(&out, 1);
    assert_says(&out, "0 passed, 1 failed");
    let html = read(&dir, "index.html");
    assert!(
        html.contains("expected: 201"),
        "expected value missing from the report"
    );
    assert!(
        html.contains("actual:   200") || html.contains("actual: 200"),
        "actual value missing from the report"
    );
    assert!(read(&dir, "junit.xml").contains("<failure"));
}

#[test]
fn an_undefined_step_names_the_step_its_line_and_the_closest_steps() {
    let (out, _) = run_with_reports("undefined", &["tests/fixtures/undefined"]);
    assert_exit(&out, 1);
    let all = text(&out);
    assert!(all.contains("the respons status is 200"), "{all}");
    assert!(
        all.contains("tests/fixtures/undefined/undefined_step.feature:4"),
        "{all}"
    );
    assert!(
        all.contains("Then the response status is 200"),
        "closest step missing: {all}"
    );
}

#[test]
fn a_malformed_feature_is_reported_with_its_file_and_fails_the_run() {
    let (out, dir) = run_with_reports("malformed", &["tests/fixtures/malformed"]);
    assert_exit(&out, 1);
    let all = text(&out);
    assert!(
        all.contains("tests/fixtures/malformed/broken.feature"),
        "{all}"
    );
    assert!(all.contains("does not parse"), "{all}");
    assert!(read(&dir, "junit.xml").contains("broken.feature"));
}

fn write_env(name: &str, yaml: &str) -> (PathBuf, PathBuf) {
    let dir = scratch::fresh(&format!("cli-envs-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    (dir, path)
}

#[test]
fn bad_yaml_names_file_line_and_column() {
    let (_, path) = write_env(
        "bad",
        "target:\n  kind: simulator\nclients:\n  web: {id: x, redirect_uris: [\n",
    );
    let out = idflow(
        &["run", "features/oidc", "--env", path.to_str().unwrap()],
        &[],
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out);
    assert!(all.contains("bad.yaml"), "{all}");
    assert!(
        regex::Regex::new(r"line \d+|:\d+:\d+")
            .unwrap()
            .is_match(&all),
        "no line/column in: {all}"
    );
}

#[test]
fn an_unknown_environment_lists_the_known_ones() {
    let out = idflow(&["run", "--env", "staging"], &[]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out);
    assert!(
        all.contains("unknown environment `staging`") && all.contains("simulator"),
        "{all}"
    );
}

#[test]
fn a_missing_variable_is_named() {
    let (_, path) = write_env(
        "needs-var",
        "target:\n  kind: remote\n  issuer: https://${IDFLOW_TEST_TENANT_NEVER_SET}/auth/open\n",
    );
    let out = idflow(&["run", "--env", path.to_str().unwrap()], &[]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_says(&out, "IDFLOW_TEST_TENANT_NEVER_SET is not set");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_unreachable_target_is_one_clear_error() {
    let port = free_port();
    let (_, path) = write_env(
        "unreachable",
        &format!("target:\n  kind: remote\n  issuer: http://127.0.0.1:{port}/auth/open\n"),
    );
    let out = idflow(
        &["run", "features/oidc", "--env", path.to_str().unwrap()],
        &[],
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out);
    assert!(
        all.contains("unreachable") && all.contains("connection refused"),
        "{all}"
    );
}

#[test]
fn a_target_with_a_start_command_is_started_and_stopped() {
    let port = free_port();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (_, path) = write_env(
        "started",
        &format!(
            "target:\n  kind: remote\n  issuer: http://127.0.0.1:{port}\n  start:\n    command: [python3, -m, http.server, --bind, 127.0.0.1, \"{port}\"]\n    cwd: {}\n    ready_url: http://127.0.0.1:{port}/\n    timeout_seconds: 20\n",
            fixture.display()
        ),
    );
    let (out, _) = run_with_reports(
        "started",
        &[
            "tests/fixtures/static_target.feature",
            "--env",
            path.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 0);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the target is still running after the run"
    );
}

#[test]
fn no_secret_of_the_environment_reaches_any_report() {
    let (out, dir) = run_with_debug_logs("secrets", &["features/oidc"]);
    assert_exit(&out, 0);
    let env = idflow::config::Environment::load(
        "simulator",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"),
    )
    .unwrap();
    let secrets = env.secrets();
    assert!(secrets.len() >= 4);
    // RUST_LOG=debug: each scenario carries its own log lines.
    assert!(
        read(&dir, "junit.xml").contains("http exchange"),
        "no log lines attached to the scenarios"
    );
    let jwt = regex::Regex::new(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}").unwrap();
    for file in ["index.html", "junit.xml", "cucumber.json"] {
        let mut body = read(&dir, file);
        // Passed scenarios' evidence is compressed in the page: searched decompressed too.
        let chunks = idflow::report::html::chunks(&body).unwrap();
        assert!(
            file != "index.html" || !chunks.is_empty(),
            "no chunk in the page"
        );
        for (_, _, text) in chunks {
            body.push_str(&text);
        }
        for s in &secrets {
            assert!(
                !body.contains(s.as_str()),
                "{file} contains a secret in clear"
            );
        }
        assert!(!jwt.is_match(&body), "{file} contains a JWT in clear");
    }
    // cucumber.json's text escapes what JSON strings must (`\/` may stand for `/`): every
    // string of it is checked as it reads, idflow's data included.
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "cucumber.json")).unwrap();
    let mut strings = Vec::new();
    collect_strings(&json, &mut strings);
    assert!(
        strings.iter().any(|s| s.contains("authorization_code")),
        "cucumber.json holds idflow's evidence"
    );
    for text in strings {
        assert!(
            !jwt.is_match(text),
            "a string in cucumber.json holds a JWT in clear"
        );
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "a string in cucumber.json holds a secret in clear"
            );
        }
    }
    let console = text(&out);
    for s in &secrets {
        assert!(!console.contains(s.as_str()), "the console shows a secret");
    }
}

#[test]
fn private_key_never_appears_in_reports() {
    // The client "jwt" signs client assertions and request objects with the TEST-ONLY key of
    // fixtures/keys: neither the key (PEM, Base64 body, any line of it) nor its private JWK
    // members may reach a report, the console or a log line, while its signatures do.
    let (out, dir) = run_with_debug_logs(
        "private-key",
        &[
            "features/oidc/client_authentication.feature",
            "features/oidc/request_objects.feature",
        ],
    );
    assert_exit(&out, 0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = idflow::config::Environment::load("simulator", &root.join("environments")).unwrap();
    let key = env.client("jwt").unwrap().key.clone().unwrap();
    let pem = std::fs::read_to_string(root.join("fixtures/keys/client-test.pem")).unwrap();
    let forms = key.secret_forms();
    assert!(forms.len() > 20, "PEM, body, its lines and six JWK members");
    let html = read(&dir, "index.html");
    assert!(
        html.contains("client_assertion") && html.contains("request-objects"),
        "the report shows the assertions and the request_uri fetches"
    );
    let outputs = [
        ("index.html", html.clone()),
        ("junit.xml", read(&dir, "junit.xml")),
        ("cucumber.json", read(&dir, "cucumber.json")),
        ("console", text(&out)),
    ];
    for (name, body) in outputs {
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(
                !body.contains(line),
                "{name} holds a line of the private key"
            );
        }
        for form in &forms {
            assert!(
                !body.contains(form.as_str()),
                "{name} holds a form of the private key"
            );
        }
    }
}

fn collect_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(text) => out.push(text),
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                out.push(key);
                collect_strings(value, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[test]
fn the_signicat_environment_takes_its_values_from_the_environment() {
    let port = free_port();
    let domain = format!("127.0.0.1:{port}");
    let vars = [
        ("SIGNICAT_DOMAIN", domain.as_str()),
        ("SIGNICAT_WEB_CLIENT_ID", "id"),
        ("SIGNICAT_WEB_CLIENT_SECRET", "secret-canary"),
        ("SIGNICAT_REDIRECT_URI", "https://rp.example/cb"),
        ("SIGNICAT_TEST_USER", "user"),
        ("SIGNICAT_TEST_PASSWORD", "password-canary"),
        ("SIGNICAT_TEST_USER_SUB", "sub-of-user"),
        ("SIGNICAT_TEST_USER_EMAIL", "user@tenant.example"),
    ];
    // All set: the file parses, and the (https) tenant is unreachable here.
    let out = idflow(&["run", "features/oidc", "--env", "signicat"], &vars);
    assert_exit(&out, 2);
    assert_says(&out, "unreachable");
    assert!(
        !text(&out).contains("canary"),
        "a secret reached the console"
    );
    // One missing: the error names it.
    let out = idflow(&["run", "features/oidc", "--env", "signicat"], &vars[1..]);
    assert_eq!(out.status.code(), Some(2));
    assert_says(&out, "SIGNICAT_DOMAIN is not set");
}

#[test]
fn shards_split_the_suite_and_merge_back_into_one_report() {
    let (a, b, merged) = (
        report_dir("shard-1"),
        report_dir("shard-2"),
        report_dir("merged"),
    );
    for (shard, dir) in [("1/2", &a), ("2/2", &b)] {
        let out = idflow(
            &[
                "run",
                "features/oidc",
                "-q",
                "--shard",
                shard,
                "--report-dir",
                dir.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "shard {shard}: {}", text(&out));
    }
    let count = |dir: &Path| {
        let json = read(dir, "cucumber.json");
        idflow::report::cucumber_json::parse(&json)
            .unwrap()
            .counts()
            .passed
    };
    let (in_a, in_b) = (count(&a), count(&b));
    assert!(in_a > 0 && in_b > 0, "one shard is empty: {in_a} + {in_b}");
    let out = idflow(
        &[
            "report",
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--report-dir",
            merged.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&out, 0);
    let full = report_dir("unsharded");
    idflow(
        &[
            "run",
            "features/oidc",
            "-q",
            "--report-dir",
            full.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        count(&merged),
        count(&full),
        "the merged report lost or doubled scenarios"
    );
    assert_eq!(in_a + in_b, count(&full));
    assert!(read(&merged, "index.html").contains("authorization_code.feature"));
    assert!(read(&merged, "junit.xml").contains("<testcase"));
    let bad = idflow(&["run", "features/oidc", "--shard", "3/2"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert_says(&bad, "I/N");
}

#[test]
fn a_retried_scenario_is_reported_once_and_marked() {
    let (out, dir) = run_with_reports("retries", &["tests/fixtures/wrong", "--retries", "2"]);
    assert_exit(&out, 1);
    assert_says(&out, "0 passed, 1 failed");
    let report = idflow::report::cucumber_json::parse(&read(&dir, "cucumber.json")).unwrap();
    let scenarios: Vec<_> = report.scenarios().collect();
    assert_eq!(
        scenarios.len(),
        1,
        "each attempt must not become a scenario of its own"
    );
    assert_eq!(scenarios[0].1.retries, 2);
    assert!(read(&dir, "index.html").contains("retried ×2"));
}

#[test]
fn a_bad_tag_expression_is_an_error_not_a_silent_filter() {
    let (_, path) = write_env(
        "bad-tags",
        "target:\n  kind: simulator\nexclude_tags: \"@a and and @b\"\n",
    );
    let out = idflow(
        &["run", "features/oidc", "--env", path.to_str().unwrap()],
        &[],
    );
    assert_exit(&out, 2);
    assert!(
        text(&out).contains("exclude_tags in") && text(&out).contains("bad-tags.yaml"),
        "{}",
        text(&out)
    );
    let out = idflow(&["run", "features/oidc", "--tags", "@oidc and ("], &[]);
    assert_exit(&out, 2);
    assert_says(&out, "invalid tag expression");
}

/// The `N passed, N failed` line of a run.
fn passed(out: &Output) -> usize {
    let all = text(out);
    let line = all
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line:\n{all}"));
    line.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn feature_paths_in_any_form_select_exactly_their_scenarios() {
    let root = env!("CARGO_MANIFEST_DIR");
    let userinfo = format!("{root}/features/oidc/userinfo.feature");
    let refresh = format!("{root}/features/oidc/refresh.feature");
    let out = idflow(&["run", "-q", &userinfo, &refresh], &[]);
    assert_exit(&out, 0);
    let both = passed(&out);
    assert!(both > 4, "{}", text(&out));
    let out = idflow(
        &[
            "run",
            "-q",
            "./features/oidc/userinfo.feature",
            "./features/oidc/refresh.feature",
        ],
        &[],
    );
    assert_eq!(passed(&out), both, "{}", text(&out));
    // A relative path outside the working directory.
    let out = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(format!("{root}/tests"))
        .args([
            "run",
            "-q",
            "../features/oidc/userinfo.feature",
            "../features/oidc/refresh.feature",
            "--env-dir",
            "../environments",
            "--report-dir",
        ])
        .arg(report_dir("outside"))
        .env_remove("IDFLOW_SIMULATOR_DEFECTS")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(passed(&out), both, "{}", text(&out));
}

#[test]
fn a_file_and_line_runs_the_scenario_or_example_row_there() {
    let (out, dir) = run_with_reports("line", &["features/oidc/userinfo.feature:25"]);
    assert_exit(&out, 0);
    assert_eq!(passed(&out), 1, "{}", text(&out));
    assert!(read(&dir, "junit.xml").contains("never issued"));
    // An example row: only that row; the outline's steps: every row.
    let out = idflow(&["run", "-q", "features/oidc/userinfo.feature:23"], &[]);
    assert_eq!(passed(&out), 1, "{}", text(&out));
    let out = idflow(&["run", "-q", "features/oidc/userinfo.feature:14"], &[]);
    assert_eq!(passed(&out), 2, "{}", text(&out));
    let out = idflow(&["run", "-q", "features/oidc/userinfo.feature:7"], &[]);
    assert_exit(&out, 2);
    assert_says(
        &out,
        "userinfo.feature:7: no scenario is at or contains line 7",
    );
}

#[test]
fn a_run_that_selects_nothing_exits_2_and_names_the_filters() {
    let empty = report_dir("empty-features");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.to_str().unwrap();
    for (args, wanted) in [
        (vec!["run", empty], "holds no .feature file"),
        (
            vec!["run", "features/oidc", "--tags", "@nosuchtag"],
            "--tags \"@nosuchtag\"",
        ),
        (
            vec!["run", "features/oidc", "--name", "nosuch"],
            "--name \"nosuch\"",
        ),
    ] {
        let out = idflow(&args, &[]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("no scenario selected") && text(&out).contains(wanted),
            "{args:?}: {}",
            text(&out)
        );
        assert!(!text(&out).contains(" passed, "), "{}", text(&out));
    }
    let out = idflow(&["run", empty, "--allow-empty"], &[]);
    assert_exit(&out, 0);
    assert_says(&out, "0 passed, 0 failed");
}

#[test]
fn name_matches_ignoring_case() {
    let out = idflow(
        &[
            "run",
            "-q",
            "features/oidc/userinfo.feature",
            "--name",
            "USERINFO ANSWERS",
        ],
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(passed(&out), 2, "{}", text(&out));
}

#[test]
fn an_unwritable_report_dir_is_exit_2_before_any_scenario() {
    let file = format!("{}/README.md", env!("CARGO_MANIFEST_DIR"));
    for (dir, reason) in [
        (file.clone(), "it is a file, not a directory"),
        (format!("{file}/reports"), "Not a directory"),
    ] {
        let out = idflow(&["run", "features/oidc", "--report-dir", &dir], &[]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{dir}: {}", text(&out));
        let all = text(&out);
        assert!(
            all.contains(&format!("cannot write reports to {dir}")) && all.contains(reason),
            "{all}"
        );
        assert!(!all.contains(" passed, "), "a scenario ran: {all}");
    }
}

#[test]
fn feature_files_that_would_run_wrongly_are_errors_in_words() {
    let dir = report_dir("gherkin-words");
    let misspelt = write_feature(
        &dir,
        "misspelt.feature",
        "Feature: x\n  Scenario: a misspelt first step\n    Gven the client \"web\"\n    When the client fetches the provider's discovery document\n",
    );
    let out = run_feature(&misspelt);
    assert_exit(&out, 1);
    assert_says(
        &out,
        "misspelt.feature:3:5: this line reads like a misspelt step keyword",
    );
    let empty = write_feature(&dir, "blank.feature", "  \n\n");
    let out = run_feature(&empty);
    assert_exit(&out, 1);
    assert_says(&out, "the file is empty");
    assert!(!text(&out).contains("{\""), "raw token set: {}", text(&out));
    // A byte order mark is accepted.
    let bom = dir.join("bom.feature");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        b"Feature: BOM\n  Scenario: discovery\n    Given the client \"web\"\n    When the client fetches the provider's discovery document\n",
    );
    std::fs::write(&bom, bytes).unwrap();
    let out = idflow(&["run", bom.to_str().unwrap()], &[]);
    assert_exit(&out, 0);
    assert_eq!(passed(&out), 1, "{}", text(&out));
}

/// The `features` test target's binary (cargo builds every test target before it runs any).
fn features_binary() -> PathBuf {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("features-") && p.extension().is_none()
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| {
            panic!(
                "no features test binary in {}: build it first (`cargo test` does, or `cargo build --tests`)",
                deps.display()
            )
        })
}

fn features_target(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(features_binary());
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env_remove("IDFLOW_SIMULATOR_DEFECTS")
        .env_remove("IDFLOW_ALLOW_EMPTY")
        .env_remove("NEXTEST_RUN_ID")
        .env("IDFLOW_FEATURES", "features/oidc/userinfo.feature")
        .env(
            "IDFLOW_REPORT_DIR",
            report_dir(&format!("target-{}", args.join("-").len())),
        );
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("the features target runs")
}

#[test]
fn the_features_target_speaks_libtest_and_the_nextest_protocol() {
    // cargo nextest lists the tests, then the ignored ones, then runs each with --exact.
    let out = features_target(&["--list", "--format", "terse"], &[]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let names: Vec<&str> = stdout
        .lines()
        .map(|l| l.strip_suffix(": test").unwrap_or_else(|| panic!("{l:?}")))
        .collect();
    assert_eq!(
        names,
        vec![
            "features/oidc/userinfo.feature:22",
            "features/oidc/userinfo.feature:23",
            "features/oidc/userinfo.feature:25",
            "features/oidc/userinfo.feature:30",
            "features/oidc/userinfo.feature:46",
        ]
    );
    let out = features_target(&["--list", "--format", "terse", "--ignored"], &[]);
    assert_exit(&out, 0);
    assert!(out.stdout.is_empty(), "{}", text(&out));
    let out = features_target(&["--exact", names[2], "--nocapture"], &[]);
    assert_exit(&out, 0);
    assert_says(&out, "1 passed, 0 failed");

    // --skip (several), --exact, --list in libtest's pretty format.
    let out = features_target(&["--list", "--skip", "GET", "--skip", "never issued"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("userinfo.feature:23: test"), "{stdout}");
    assert!(
        !stdout.contains(":22: test") && !stdout.contains(":25: test"),
        "{stdout}"
    );
    assert!(stdout.ends_with("\n3 tests, 0 benchmarks\n"), "{stdout}");
    let out = features_target(&["--exact", "userinfo"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--exact matches whole names: {}",
        text(&out)
    );

    // A filter that selects nothing is exit 2 and says so, unless IDFLOW_ALLOW_EMPTY=1.
    let out = features_target(&["nosuchscenario"], &[]);
    assert_exit(&out, 2);
    assert!(
        text(&out).contains("no scenario selected")
            && text(&out).contains("the test filter \"nosuchscenario\""),
        "{}",
        text(&out)
    );
    let out = features_target(&["nosuchscenario"], &[("IDFLOW_ALLOW_EMPTY", "1")]);
    assert_exit(&out, 0);

    // --ignored runs nothing (no scenario is ignored), as libtest does; --include-ignored runs all.
    let out = features_target(&["--ignored"], &[]);
    assert_exit(&out, 0);
    assert_says(&out, "no scenario is ignored");
    let out = features_target(&["--include-ignored", "-q"], &[]);
    assert_says(&out, "5 passed, 0 failed");

    // Unknown flags are refused with the supported ones; --help lists them.
    for bad in ["--bogus", "--logfile=x"] {
        let out = features_target(&[bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(
            text(&out).contains("unsupported flag") && text(&out).contains("--skip FILTER"),
            "{}",
            text(&out)
        );
        assert!(
            !text(&out).contains(" passed, 0 failed"),
            "it ran: {}",
            text(&out)
        );
    }
    let out = features_target(&["--help"], &[]);
    assert_exit(&out, 0);
    assert!(text(&out).contains("--exact") && text(&out).contains("--skip FILTER"));
}

#[test]
fn expectations_take_values_not_words_and_numbers_name_their_range() {
    let dir = report_dir("strict-phrases");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "Given the variable \"x\" has the value \"\"\n    Then the variable \"x\" is not empty",
            "expected: a string, array or object that is not empty",
        ),
        (
            "Given the variable \"x\" has the value \"x\"\n    Then the variable \"x\" is equal to \"x\"",
            "is not a value in the expectation \"is equal to",
        ),
        (
            "When the client fetches the provider's discovery document\n    Then the response status is 99999999999999999999",
            "outside the range of HTTP statuses, 100 to 599",
        ),
    ];
    for (i, (steps, wanted)) in cases.iter().enumerate() {
        let feature = write_feature(
            &dir,
            format!("case{i}.feature"),
            format!(
                "Feature: strict\n  Scenario: case {i}\n    Given the client \"web\"\n    {steps}\n"
            ),
        );
        let out = run_feature(&feature);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "case {i}: {}", text(&out));
        assert!(text(&out).contains(wanted), "case {i}: {}", text(&out));
        assert!(!text(&out).contains("ParseIntError"), "{}", text(&out));
    }
    // `is empty` holds for an empty string.
    let feature = write_feature(
        &dir,
        "empty.feature",
        "Feature: strict\n  Scenario: empty\n    Given the variable \"x\" has the value \"\"\n    Then the variable \"x\" is empty\n",
    );
    let out = run_feature(&feature);
    assert_exit(&out, 0);
}

#[test]
fn a_docstring_under_a_step_that_takes_none_fails_instead_of_being_ignored() {
    let dir = report_dir("docstring-ignored");
    let feature = write_feature(
        &dir,
        "ignored.feature",
        "Feature: ignored text\n  Scenario: a docstring nobody reads\n    Given the client \"web\"\n      \"\"\"\n      {\"scope\": \"openid\"}\n      \"\"\"\n    When the client fetches the provider's discovery document\n",
    );
    let out = run_feature(&feature);
    assert_exit(&out, 1);
    assert_says(
        &out,
        "has a docstring below it, but its definition at steps/oidc.rs",
    );
    let dry = idflow(&["run", "--dry-run", feature.to_str().unwrap()], &[]);
    assert_exit(&dry, 1);
    assert_says(&dry, "has a docstring below it");
}

#[test]
fn allure_results_name_failed_checks_and_hold_no_secret() {
    let dir = report_dir("allure-report");
    let allure = report_dir("allure-results");
    let out = idflow(
        &[
            "run",
            "features/oidc",
            "-q",
            "--defect",
            Defect::WrongNonce.name(),
            "--report-dir",
            dir.to_str().unwrap(),
            "--allure",
            allure.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&out, 1);
    let files: Vec<PathBuf> = std::fs::read_dir(&allure)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let results: Vec<serde_json::Value> = files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("-result.json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    let report = idflow::report::cucumber_json::parse(&read(&dir, "cucumber.json")).unwrap();
    assert_eq!(results.len(), report.scenarios().count());
    let failed: Vec<_> = results.iter().filter(|r| r["status"] == "failed").collect();
    assert!(!failed.is_empty());
    assert!(
        failed.iter().any(|r| r["statusDetails"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[nonce]")),
        "no result names the failed nonce check"
    );
    let categories = read(&allure, "categories.json");
    assert!(categories.contains("\"name\": \"nonce\""), "{categories}");
    assert!(read(&allure, "environment.properties").contains("environment=simulator"));
    let env = idflow::config::Environment::load(
        "simulator",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"),
    )
    .unwrap();
    let jwt = regex::Regex::new(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}").unwrap();
    for path in &files {
        let body = std::fs::read_to_string(path).unwrap();
        for s in env.secrets() {
            assert!(
                !body.contains(s.as_str()),
                "{} holds a secret",
                path.display()
            );
        }
        assert!(!jwt.is_match(&body), "{} holds a JWT", path.display());
    }
}

#[test]
fn each_run_appends_to_the_history_and_a_broken_history_only_warns() {
    let dir = report_dir("history");
    let history = dir.join("cache").join("h.json");
    let run = || {
        idflow(
            &[
                "run",
                "features/oidc",
                "--name",
                "publishes its configuration",
                "-q",
                "--report-dir",
                dir.to_str().unwrap(),
                "--history",
                history.to_str().unwrap(),
            ],
            &[],
        )
    };
    let first = run();
    assert_exit(&first, 0);
    std::fs::write(&history, "{\"runs\": 3").unwrap();
    let broken = run();
    assert_exit(&broken, 0);
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains("h.json is not valid") && err.contains("starting a new history"),
        "{err}"
    );
    let again = run();
    assert_exit(&again, 0);
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    assert_eq!(h["runs"].as_array().unwrap().len(), 2);
    assert!(
        !dir.join("history.json").exists(),
        "--history puts it elsewhere"
    );
    let html = read(&dir, "index.html");
    assert!(html.contains("last 2 runs"), "no trend in the report");
}

#[test]
fn a_claim_expectation_shows_the_decoded_token_with_its_verdicts() {
    let (out, dir) = run_with_reports("claim", &["tests/fixtures/claim"]);
    assert_exit(&out, 1);
    let report = idflow::report::cucumber_json::parse(&read(&dir, "cucumber.json")).unwrap();
    let (_, s) = report.scenarios().next().unwrap();
    let step = s.steps.last().unwrap();
    assert!(step.text.starts_with("the ID token claim"));
    let token = step
        .record
        .tokens
        .first()
        .expect("the token beside the claim");
    assert!(token.for_reference);
    assert!(token.claims.get("sub").is_some());
    assert!(
        token.checks.iter().any(|c| c.name == "signature"),
        "verified even though no step said the ID token is valid: {:?}",
        token.checks
    );
    // The scenario failed for the claim, not for the token's checks.
    assert_eq!(
        idflow::report::failures::reasons(s),
        ["ID token claim sub"],
        "{:?}",
        step.record.checks
    );
    let html = read(&dir, "index.html");
    assert!(
        html.contains("for reference"),
        "no token beside the claim step"
    );
}

/// The browser login driver sees a JavaScript provider's login page as the HTML driver sees a
/// form (issue 11): here the simulator driven by a real Chromium. A refused password leaves
/// the login fields shown; an accepted wrong password (the consent page follows) or an error
/// page without the fields fails "login form", and so does prompt=login ignored (a redirect).
#[cfg(feature = "browser")]
#[test]
fn the_browser_driver_sees_the_login_page_and_a_refused_password() {
    let dir = report_dir("browser-login-page");
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("simulator-browser.yaml");
    std::fs::write(
        &env_file,
        format!(
            "{}login:\n  driver: browser\n  timeout_seconds: 20\n",
            simulator_environment_copy()
        ),
    )
    .unwrap();
    let run = |name: &str, scenarios: &[&str], defect: Option<&str>| {
        let reports = dir.join(name);
        let mut args = vec!["run"];
        args.extend_from_slice(scenarios);
        args.extend(["--env", env_file.to_str().unwrap()]);
        args.extend(["--report-dir", reports.to_str().unwrap()]);
        if let Some(d) = defect {
            args.extend(["--defect", d]);
        }
        let out = idflow(&args, &[]);
        assert_no_panic(&out);
        (out, reports)
    };
    let wrong = "features/oidc/authorization_code.feature:179";
    let prompt_login = "features/oidc/authorization_code.feature:185";
    let (out, reports) = run("conforming", &[wrong, prompt_login], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        read(&reports, "index.html").contains("browser login (as alice, wrong password)"),
        "the browser's navigations are exchanges of the step"
    );
    for (defect, scenario, wanted) in [
        (
            "wrong_password_accepted",
            wrong,
            "login form: the page has no login form",
        ),
        (
            "wrong_password_ends_sign_in",
            wrong,
            "login form: the page has no login form",
        ),
        (
            "prompt_login_ignored",
            prompt_login,
            "login form: the provider redirected to the client",
        ),
    ] {
        let (out, reports) = run(defect, &[scenario], Some(defect));
        assert_eq!(out.status.code(), Some(1), "{defect}: {}", text(&out));
        assert!(
            read(&reports, "junit.xml").contains(wanted),
            "{defect}: junit.xml does not name `{wanted}`"
        );
    }
}
