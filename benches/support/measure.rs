//! Process measurement for the benchmarks: wall time and user and system CPU time of one child
//! process (from `wait4`), its peak RSS, and the most file descriptors it held (sampled from
//! `/proc/PID/fd`).
//!
//! The peak RSS is the kernel's, read when the child exits (`ru_maxrss` from `wait4`), so a
//! peak in a run's last milliseconds counts: sampling `VmHWM` every 20 ms missed the reports'
//! end phase of short runs (seen: 24.6 MiB sampled against 30 MiB at exit for 100 scenarios).
//! But Linux records at exec the high-water mark of the address space it replaces, which for
//! a child forked by the benchmark is the benchmark's (seen: three different clients all at
//! 753 MiB after the benchmark had read a large report). So [`run_measured`] starts the child
//! from a small, freshly started copy of the benchmark ([`serve_measured_child`]): what the
//! child inherits is that copy's few MiB, and it hands back the child's usage on its stdout.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What one child process cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set size in KiB: the kernel's high-water mark at exit (see the module's
    /// doc).
    pub max_rss_kib: u64,
    /// The exit status (`-signal` when killed by a signal).
    pub status: i32,
    /// The most open file descriptors seen while it ran (sampled every 20 ms).
    pub max_fds: usize,
}

impl Usage {
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Waits for `child` with `wait4`, so that its own resource usage is read (not its siblings').
fn wait_usage(child: Child, started: Instant) -> Usage {
    let pid = child.id() as libc::pid_t;
    let stop = Arc::new(AtomicBool::new(false));
    let max_fds = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let stop = stop.clone();
        let max_fds = max_fds.clone();
        std::thread::spawn(move || {
            let dir = format!("/proc/{pid}/fd");
            while !stop.load(Ordering::Relaxed) {
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    max_fds.fetch_max(entries.count(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our unwaited child; the pointers are to live locals.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    // The child was reaped by wait4; dropping `Child` does not wait again.
    drop(child);
    assert!(
        rc == pid,
        "wait4 failed: {}",
        std::io::Error::last_os_error()
    );
    let status = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Usage {
        wall,
        user: tv(usage.ru_utime),
        sys: tv(usage.ru_stime),
        // The kernel's high-water mark at exit; a child forked by a large process inherits
        // that process's at exec, which a fresh parent (`serve_measured_child`) keeps small.
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        status,
        max_fds: max_fds.load(Ordering::Relaxed),
    }
}

/// The argument that makes a benchmark binary a measuring helper ([`serve_measured_child`]).
const MEASURED_CHILD: &str = "--measured-child";

/// Runs `cmd` to completion (stdout and stderr to files in `log_dir` named `name`), started by
/// a fresh copy of this benchmark acting as the helper [`serve_measured_child`] (see the
/// module's doc): every bench that measures with this calls that first in its `main`.
pub fn run_measured(cmd: Command, log_dir: &Path, name: &str) -> Usage {
    let mut helper = Command::new(std::env::current_exe().expect("own path"));
    helper.arg(MEASURED_CHILD).arg(log_dir).arg(name);
    helper.arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        helper.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => helper.env(key, v),
            None => helper.env_remove(key),
        };
    }
    let out = helper
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("start the measuring helper");
    let text = String::from_utf8_lossy(&out.stdout);
    Usage::parse(&text).unwrap_or_else(|| {
        panic!(
            "the measuring helper of {name} did not report (status {}): {text}",
            out.status
        )
    })
}

/// When this process was started by [`run_measured`] as its helper: runs the command its
/// arguments name, waits for it, prints its [`Usage`] on stdout and exits. Otherwise returns.
pub fn serve_measured_child() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != MEASURED_CHILD) || args.len() < 5 {
        return;
    }
    let (log_dir, name) = (Path::new(&args[2]), args[3].to_string_lossy());
    let out = std::fs::File::create(log_dir.join(format!("{name}.stdout"))).expect("log file");
    let err = std::fs::File::create(log_dir.join(format!("{name}.stderr"))).expect("log file");
    let mut cmd = Command::new(&args[4]);
    cmd.args(&args[5..]);
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let started = Instant::now();
    let child = cmd.spawn().expect("spawn the measured command");
    println!("{}", wait_usage(child, started).line());
    std::process::exit(0);
}

impl Usage {
    /// One line of numbers: what [`serve_measured_child`] prints and [`Usage::parse`] reads.
    fn line(&self) -> String {
        format!(
            "usage {} {} {} {} {} {}",
            self.wall.as_nanos(),
            self.user.as_nanos(),
            self.sys.as_nanos(),
            self.max_rss_kib,
            self.status,
            self.max_fds
        )
    }

    fn parse(text: &str) -> Option<Usage> {
        let line = text.lines().find_map(|l| l.strip_prefix("usage "))?;
        let f: Vec<&str> = line.split_whitespace().collect();
        let nanos = |i: usize| f.get(i)?.parse::<u64>().ok().map(Duration::from_nanos);
        Some(Usage {
            wall: nanos(0)?,
            user: nanos(1)?,
            sys: nanos(2)?,
            max_rss_kib: f.get(3)?.parse().ok()?,
            status: f.get(4)?.parse().ok()?,
            max_fds: f.get(5)?.parse().ok()?,
        })
    }
}

/// A free port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Sockets in `/proc/net/tcp` to or from `port` on 127.0.0.1, by state: (established,
/// time-wait, other).
pub fn sockets_on(port: u16) -> (usize, usize, usize) {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let hex = format!(":{port:04X}");
    let (mut est, mut tw, mut other) = (0, 0, 0);
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 4 || !(cols[1].ends_with(&hex) || cols[2].ends_with(&hex)) {
            continue;
        }
        match cols[3] {
            "01" => est += 1,
            "06" => tw += 1,
            "0A" => {} // the listener
            _ => other += 1,
        }
    }
    (est, tw, other)
}

/// A standalone simulator (`idflow simulate --port P`), stopped with SIGINT on drop.
pub struct StandaloneSimulator {
    child: Option<Child>,
    started: Instant,
    pub port: u16,
}

impl StandaloneSimulator {
    /// Starts it and waits until discovery answers.
    pub fn start(idflow: &Path, env_dir: &Path, log_dir: &Path) -> Self {
        let port = free_port();
        let log =
            std::fs::File::create(log_dir.join(format!("simulator-{port}.log"))).expect("log");
        let started = Instant::now();
        let child = Command::new(idflow)
            .args([
                "simulate",
                "--port",
                &port.to_string(),
                "--env",
                "simulator",
            ])
            .arg("--env-dir")
            .arg(env_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start idflow simulate");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the simulator did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Self {
            child: Some(child),
            started,
            port,
        }
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}/auth/open", self.port)
    }

    /// Its CPU time (user + system) so far (the simulator bench's measure).
    #[allow(dead_code)]
    pub fn cpu(&self) -> Duration {
        process_cpu(self.child.as_ref().expect("running").id())
    }

    /// Stops it (SIGINT, as Ctrl-C) and returns what it cost over its life.
    pub fn stop(mut self) -> Usage {
        let child = self.child.take().expect("running");
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        wait_usage(child, self.started)
    }
}

impl Drop for StandaloneSimulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The CPU time (user + system) of a process so far, from `/proc/PID/stat`.
#[allow(dead_code)]
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf has no preconditions.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_nanos(ticks * 1_000_000_000 / per_sec)
}

/// Seconds with milliseconds.
pub fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The simulator environment's clients and users, with a remote target at `issuer`; its key
/// files' relative paths point back into the repository (the file is written elsewhere).
pub fn remote_environment(manifest: &Path, issuer: &str) -> String {
    let text = std::fs::read_to_string(manifest.join("environments/simulator.yaml"))
        .expect("environments/simulator.yaml");
    let from = "target:\n  kind: simulator\n";
    assert!(
        text.contains(from),
        "simulator.yaml changed its target block"
    );
    text.replace(
        from,
        &format!("target:\n  kind: remote\n  issuer: {issuer}\n"),
    )
    .replace("../fixtures/", &format!("{}/fixtures/", manifest.display()))
}

/// Writes a bench's markdown table to `$CARGO_TARGET_DIR/idflow-bench/<file>` (under
/// `manifest`'s `target` when the variable is unset), where `benches/run.sh` gathers them.
pub fn save_table(manifest: &Path, file: &str, text: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"))
        .join("idflow-bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file);
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A bench's scratch folder under the system's temp folder: its runs' features, reports and
/// logs. A bench that succeeds removes it (P1's held 2.7 GB), unless `IDFLOW_BENCH_KEEP=1`; one
/// that fails keeps it and says where.
pub struct WorkDir {
    path: std::path::PathBuf,
}

impl WorkDir {
    /// Creates `$TMPDIR/idflow-<bench>-<pid>`.
    pub fn create(bench: &str) -> WorkDir {
        let path = std::env::temp_dir().join(format!("idflow-{bench}-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("the bench's work folder");
        WorkDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the logs are, for a table's footnote.
    pub fn logs_note(&self) -> String {
        format!(
            "Logs: {} (removed after a clean run unless IDFLOW_BENCH_KEEP=1)",
            self.path.display()
        )
    }

    /// Ends the bench: on success removes the folder (unless kept); on failure keeps it, says
    /// so on stderr with `failure`, and exits 1.
    pub fn finish(self, bench: &str, failure: Option<String>) {
        match failure {
            Some(what) => {
                eprintln!("{bench}: {what}; see the logs in {}", self.path.display());
                std::process::exit(1);
            }
            None if std::env::var_os("IDFLOW_BENCH_KEEP").is_some_and(|v| v == "1") => {
                println!("{bench}: logs kept in {}", self.path.display());
            }
            None => {
                if let Err(e) = std::fs::remove_dir_all(&self.path) {
                    eprintln!("{bench}: cannot remove {}: {e}", self.path.display());
                }
            }
        }
    }
}
