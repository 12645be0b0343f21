//! SIGINT and SIGTERM during `idflow run`: the first signal ends the run with partial
//! reports, the summary and exit 130 or 143; a second one ends it at once. Either way the
//! target the run started is stopped, never orphaned.
//!
//! The target is a small Python HTTP server (started by the environment's `start:` command)
//! that answers `/slow` only after two minutes and writes its pid to a file, so that the test
//! can check it is gone. Timeouts here are safety nets, never assertions.

#[path = "support/scratch.rs"]
mod scratch;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SERVER: &str = r#"
import http.server, os, sys, time
port, pid_file = int(sys.argv[1]), sys.argv[2]
with open(pid_file + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pid_file + ".tmp", pid_file)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(120)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"#;

const FEATURE: &str = r#"Feature: An interrupted run
  Scenario: Quick
    When the client sends a GET request to "/fast"
    Then the response status is 200

  Scenario: Slow
    When the client sends a GET request to "/slow"
    Then the response status is 200

  Scenario: Never started
    When the client sends a GET request to "/slow"
    Then the response status is 200
"#;

/// A safety net: no run here should take anywhere near this long.
const SAFETY: Duration = Duration::from_secs(300);

struct Setup {
    dir: PathBuf,
    env: PathBuf,
    feature: PathBuf,
    pid_file: PathBuf,
    reports: PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = scratch::fresh(&format!("interrupt-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(dir.join("server.py"), SERVER).unwrap();
    let pid_file = dir.join("target.pid");
    let env = dir.join("slow.yaml");
    std::fs::write(
        &env,
        format!(
            "target:\n  kind: remote\n  issuer: http://127.0.0.1:{port}\n  start:\n    command: [python3, server.py, \"{port}\", {pid:?}]\n    ready_url: http://127.0.0.1:{port}/\n    timeout_seconds: 60\n",
            pid = pid_file.display().to_string()
        ),
    )
    .unwrap();
    let feature = dir.join("interrupted.feature");
    std::fs::write(&feature, FEATURE).unwrap();
    Setup {
        reports: dir.join("reports"),
        dir,
        env,
        feature,
        pid_file,
    }
}

/// A running `idflow run`, its output lines arriving on channels.
struct Run {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    out: String,
    err: String,
}

fn start(s: &Setup, grace_seconds: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(&s.dir)
        .args(["run", "--concurrency", "1", "--report-dir"])
        .arg(&s.reports)
        .arg("--env")
        .arg(&s.env)
        .arg(&s.feature)
        .env("IDFLOW_INTERRUPT_GRACE_SECONDS", grace_seconds)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("idflow starts");
    let lines = |r: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        rx
    };
    let stdout = lines(Box::new(child.stdout.take().unwrap()));
    let stderr = lines(Box::new(child.stderr.take().unwrap()));
    Run {
        child,
        stdout,
        stderr,
        out: String::new(),
        err: String::new(),
    }
}

impl Run {
    fn drain(&mut self) {
        while let Ok(l) = self.stdout.try_recv() {
            self.out.push_str(&l);
            self.out.push('\n');
        }
        while let Ok(l) = self.stderr.try_recv() {
            self.err.push_str(&l);
            self.err.push('\n');
        }
    }

    /// Waits until standard output (or error) holds a line containing `text`.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + SAFETY;
        loop {
            self.drain();
            if self
                .out
                .lines()
                .chain(self.err.lines())
                .any(|l| l.contains(text))
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.drain();
                panic!(
                    "idflow ended ({status}) before printing {text:?}\nstdout:\n{}\nstderr:\n{}",
                    self.out, self.err
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {text:?} in time\nstdout:\n{}\nstderr:\n{}",
                self.out,
                self.err
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on the idflow child this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + SAFETY;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The readers end with the pipes.
                std::thread::sleep(Duration::from_millis(100));
                self.drain();
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "idflow did not end\nstdout:\n{}\nstderr:\n{}",
                    self.out, self.err
                );
            }
            self.drain();
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn target_pid(pid_file: &Path) -> libc::pid_t {
    std::fs::read_to_string(pid_file)
        .expect("the target wrote its pid")
        .trim()
        .parse()
        .unwrap()
}

/// Whether the process exists (a zombie is not running: it counts as gone).
fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    exists && !zombie
}

#[test]
fn sigint_writes_partial_reports_prints_the_summary_stops_the_target_and_exits_130() {
    let s = setup("int");
    let mut run = start(&s, "1");
    // The quick scenario finished; the slow one is running (or about to start).
    run.wait_for("Quick");
    let pid = target_pid(&s.pid_file);
    assert!(alive(pid), "the target is not running during the run");
    run.signal(libc::SIGINT);
    let status = run.wait();
    let all = format!("{}\n{}", run.out, run.err);
    assert_eq!(status.code(), Some(130), "{all}");
    assert!(!all.contains("panicked"), "{all}");

    // The summary: the closing line, counting the finished scenario.
    let last = run.out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("1 passed, ") && last.contains(" failed"),
        "the last line is not the summary: {last:?}\n{all}"
    );

    let junit = std::fs::read_to_string(s.reports.join("junit.xml")).expect("junit.xml written");
    let html = std::fs::read_to_string(s.reports.join("index.html")).expect("index.html written");
    assert!(
        junit.contains("interrupted by SIGINT after"),
        "junit.xml does not say the run was interrupted:\n{junit}"
    );
    assert!(
        html.contains("interrupted by SIGINT"),
        "index.html does not say the run was interrupted"
    );
    assert!(junit.contains("name=\"Quick\""), "{junit}");
    // The scenario that was running is failed as interrupted, not passed, not lost; the one
    // that never started is not reported as run.
    assert!(
        junit.contains("name=\"Slow\""),
        "the interrupted scenario is missing:\n{junit}"
    );
    assert!(!junit.contains("name=\"Never started\""), "{junit}");
    assert!(
        all.contains("interrupted by SIGINT before this step"),
        "the interrupted step is not named:\n{all}"
    );

    assert!(!alive(pid), "the target (pid {pid}) outlived the run");
}

#[test]
fn a_second_sigterm_ends_the_run_at_once_and_still_stops_the_target() {
    let s = setup("term-twice");
    // A grace period far longer than the test: only the second signal can end the run.
    let mut run = start(&s, "3600");
    run.wait_for("Quick");
    let pid = target_pid(&s.pid_file);
    assert!(alive(pid), "the target is not running during the run");
    run.signal(libc::SIGTERM);
    run.wait_for("SIGTERM: no new scenario starts");
    run.signal(libc::SIGTERM);
    let status = run.wait();
    let all = format!("{}\n{}", run.out, run.err);
    assert_eq!(status.code(), Some(143), "{all}");
    assert!(all.contains("stopping at once"), "{all}");
    assert!(
        !s.reports.join("junit.xml").exists(),
        "the run wrote its reports instead of stopping at once"
    );
    assert!(!alive(pid), "the target (pid {pid}) outlived the run");
}
