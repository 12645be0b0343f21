//! Benchmark P4: start-up of `idflow run`.
//!
//! ```text
//! cargo bench --bench p4_startup          # P4_REPS=20 by default
//! ```
//!
//! - *first request*: from spawning `idflow run` (one authorization-code scenario, remote target)
//!   to the first TCP connection accepted by a small recording listener on 127.0.0.1 (it closes
//!   the connection, so that run then stops as unreachable); the whole run of the same scenario
//!   against the standalone simulator is timed separately.
//! - *empty run*: the whole `idflow run` of an empty features directory, with the embedded
//!   simulator environment (`--env simulator`, which starts the simulator) and with a remote
//!   environment (nothing to start); `idflow --version` as the bare process baseline.
//!
//! The markdown table goes to stdout and to `$CARGO_TARGET_DIR/idflow-bench/p4.md`.

#[path = "support/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use measure::{StandaloneSimulator, median};

const FEATURE: &str = "Feature: P4 start-up\n\n  Scenario: The end-user signs in\n    Given the client \"web\"\n    When the client starts an authorization request\n    And the end-user logs in as \"alice\"\n    Then the client receives an authorization code\n";

/// A listener on 127.0.0.1 that records when it accepted its first connection and closes
/// every connection at once (the run under test then stops with "unreachable").
struct Recorder {
    port: u16,
    first: Arc<Mutex<Option<Instant>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the recorder");
        let port = listener.local_addr().expect("addr").port();
        let first: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let seen = first.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                seen.lock().expect("lock").get_or_insert_with(Instant::now);
                drop(conn);
            }
        });
        Recorder { port, first }
    }

    fn take_first(&self) -> Option<Instant> {
        self.first.lock().expect("lock").take()
    }
}

fn quiet(cmd: &mut Command) -> &mut Command {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
}

/// Spawns, waits; the wall time and exit status.
fn timed(cmd: &mut Command) -> (Duration, i32) {
    let started = Instant::now();
    let status = quiet(cmd).status().expect("run idflow");
    (started.elapsed(), status.code().unwrap_or(-1))
}

fn stats(v: &[Duration]) -> String {
    let min = v.iter().min().copied().unwrap_or_default();
    let max = v.iter().max().copied().unwrap_or_default();
    format!(
        "{:.1} | {:.1} | {:.1}",
        median(v.to_vec()).as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let idflow = Path::new(env!("CARGO_BIN_EXE_idflow"));
    let reps: usize = std::env::var("P4_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let work_dir = measure::WorkDir::create("p4");
    let work = work_dir.path().to_path_buf();
    std::fs::create_dir_all(work.join("features")).expect("work dir");
    std::fs::create_dir_all(work.join("empty")).expect("work dir");
    std::fs::write(work.join("features/p4.feature"), FEATURE).expect("feature");
    let sim = StandaloneSimulator::start(idflow, &manifest.join("environments"), &work);
    let recorder = Recorder::start();
    // Written in the work folder: the environment's key files are found from the repository.
    let remote = |port: u16| {
        measure::remote_environment(&manifest, &format!("http://127.0.0.1:{port}/auth/open"))
    };
    std::fs::write(work.join("remote.yaml"), remote(sim.port)).expect("env");
    std::fs::write(work.join("recorder.yaml"), remote(recorder.port)).expect("env");

    let mut first_request = Vec::new();
    let mut whole_one = Vec::new();
    let mut failures = 0;
    for _ in 0..reps {
        let _ = recorder.take_first();
        let started = Instant::now();
        let _ = quiet(
            Command::new(idflow)
                .current_dir(&work)
                .args(["run", "features", "--env", "recorder.yaml", "--quiet"])
                .args(["--report-dir", "reports-recorder"]),
        )
        .status()
        .expect("idflow run");
        match recorder.take_first() {
            Some(t) => first_request.push(t.duration_since(started)),
            None => failures += 1,
        }
        let log = std::fs::File::create(work.join("one.log")).expect("log");
        let started = Instant::now();
        let status = Command::new(idflow)
            .current_dir(&work)
            .args(["run", "features", "--env", "remote.yaml", "--quiet"])
            .args(["--report-dir", "reports-one"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .status()
            .expect("idflow run");
        if status.success() {
            whole_one.push(started.elapsed());
        } else {
            failures += 1;
        }
    }
    let env_dir = manifest.join("environments");
    let mut empty_sim = Vec::new();
    let mut empty_remote = Vec::new();
    let mut version = Vec::new();
    for _ in 0..reps {
        let (d, code) = timed(
            Command::new(idflow)
                .current_dir(&work)
                .args([
                    "run",
                    "empty",
                    "--allow-empty",
                    "--env",
                    "simulator",
                    "--quiet",
                    "--report-dir",
                    "reports-empty",
                ])
                .arg("--env-dir")
                .arg(&env_dir),
        );
        if code > 1 {
            failures += 1;
        }
        empty_sim.push(d);
        let (d, code) = timed(Command::new(idflow).current_dir(&work).args([
            "run",
            "empty",
            "--allow-empty",
            "--env",
            "remote.yaml",
            "--quiet",
            "--report-dir",
            "reports-empty",
        ]));
        if code > 1 {
            failures += 1;
        }
        empty_remote.push(d);
        let (d, _) = timed(Command::new(idflow).arg("--version"));
        version.push(d);
    }
    drop(sim);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| P4 measurement ({reps} runs) | median ms | min ms | max ms |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| `idflow run` (1 scenario, remote) → first request on the wire | {} |",
        stats(&first_request)
    );
    let _ = writeln!(
        out,
        "| `idflow run` (1 scenario, remote), whole run with reports | {} |",
        stats(&whole_one)
    );
    let _ = writeln!(
        out,
        "| `idflow run` empty features dir, `--env simulator` (starts the embedded simulator) | {} |",
        stats(&empty_sim)
    );
    let _ = writeln!(
        out,
        "| `idflow run` empty features dir, remote environment | {} |",
        stats(&empty_remote)
    );
    let _ = writeln!(
        out,
        "| `idflow --version` (process baseline) | {} |",
        stats(&version)
    );
    if failures > 0 {
        let _ = writeln!(
            out,
            "\n**{failures} run(s) failed** (see {})",
            work.display()
        );
    }
    println!("{out}");
    if let Err(e) = measure::save_table(&manifest, "p4.md", &out) {
        eprintln!("P4: cannot write p4.md: {e}");
    }
    work_dir.finish(
        "P4",
        (failures > 0).then(|| format!("{failures} run(s) failed")),
    );
}
