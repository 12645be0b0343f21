//! The run against a hostile target: memory stays bounded whatever the target sends, measured
//! as the peak resident memory of a child `idflow run` (its `ru_maxrss`), never by wall clock.

#[path = "support/scratch.rs"]
mod scratch;

#[path = "../core/src/http/hostile.rs"]
#[allow(dead_code)]
mod hostile;

use std::process::{Command, Stdio};

/// A run directory with an environment that targets the hostile server and one feature that
/// requests `path` on it.
fn run_dir(server: &hostile::Hostile, name: &str, path: &str) -> std::path::PathBuf {
    let dir = scratch::fresh(&format!("hostile-{name}"));
    std::fs::create_dir_all(dir.join("features")).unwrap();
    std::fs::write(
        dir.join("hostile.yaml"),
        format!(
            "target:\n  kind: remote\n  issuer: {}\nhttp:\n  timeout_seconds: 30\n",
            server.url("")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("features/hostile.feature"),
        format!(
            "Feature: Hostile\n  Scenario: A body that never ends\n    When the client sends a GET request to \"{}\"\n    Then the response status is 200\n",
            server.url(path)
        ),
    )
    .unwrap();
    dir
}

/// Runs `idflow run` in `dir`; returns its exit code, its peak resident memory in KiB and its
/// output.
fn run_measured(dir: &std::path::Path) -> (i32, i64, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .args([
            "run",
            "features",
            "--env",
            "hostile.yaml",
            "--report-dir",
            "reports",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // A guard, not the measurement: a run that grows past 1 GiB is stopped before it takes
    // the machine (the assertion below then fails on its peak).
    let guard = std::thread::spawn(move || {
        loop {
            let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
                return;
            };
            let rss_kib: i64 = status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0);
            if rss_kib > 1024 * 1024 {
                unsafe { libc::kill(pid, libc::SIGKILL) };
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let output = {
        use std::io::Read as _;
        let mut child = child;
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        out + &err
    };
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    guard.join().unwrap();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (code, usage.ru_maxrss, output)
}

#[test]
fn a_run_against_an_endless_body_peaks_under_100_mib_and_says_why_it_failed() {
    let server = hostile::Hostile::start();
    let dir = run_dir(&server, "endless", "/endless");
    let (code, peak_kib, output) = run_measured(&dir);
    eprintln!(
        "peak resident memory against the endless body: {} KiB",
        peak_kib
    );
    assert_eq!(code, 1, "the scenario fails: {output}");
    assert!(
        peak_kib < 100 * 1024,
        "peak {peak_kib} KiB against an endless body: {output}"
    );
    assert!(output.contains("http.max_body_bytes"), "{output}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(junit.contains("max_body_bytes"), "{junit}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_against_a_100_mb_json_peaks_under_100_mib() {
    let server = hostile::Hostile::start();
    let dir = run_dir(&server, "bigjson", "/big-json-chunked");
    let (code, peak_kib, output) = run_measured(&dir);
    eprintln!(
        "peak resident memory against 100 MB of JSON: {} KiB",
        peak_kib
    );
    assert_eq!(code, 1, "{output}");
    assert!(peak_kib < 100 * 1024, "peak {peak_kib} KiB: {output}");
    std::fs::remove_dir_all(&dir).unwrap();
}
