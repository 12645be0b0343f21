//! Benchmark P1: throughput of the authorization-code scenario ("The end-user signs in and the
//! client verifies every token"), idflow beside a bare reqwest client, against the simulator
//! served standalone (`idflow simulate --port P`).
//!
//! ```text
//! cargo bench --bench p1_throughput
//! P1_NS=100,1000 P1_REPS=1 P1_SCALE=0 cargo bench --bench p1_throughput   # quicker
//! P1_CALLGRIND=200 cargo bench --bench p1_throughput   # instructions (valgrind), not time
//! ```
//!
//! For each N (default 100, 1,000, 10,000) it writes N scenarios, in feature files of 100, and
//! an environment pointing at the standalone simulator into a temporary
//! directory, then runs `idflow run --concurrency 16` (with its reports) and the bare client
//! (`support/bare_flow.rs`, concurrency 16) as child processes, each against a fresh simulator,
//! and reports wall time, user+sys CPU and peak RSS from `wait4`, the most file descriptors the
//! child held, and the ratios. The scale check (P1_SCALE, on by default) runs N=10,000 at
//! concurrency 64 and verifies that reports/cucumber.json holds all N scenarios, all passed,
//! and that neither file descriptors nor ports ran out. A Hurl file doing the same requests
//! (`p1_authorization_code.hurl`) runs too when `hurl` is on PATH.
//!
//! The markdown table goes to stdout and to `$CARGO_TARGET_DIR/idflow-bench/p1.md`.

#[path = "support/bare_flow.rs"]
mod bare_flow;
#[path = "support/measure.rs"]
mod measure;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use measure::{StandaloneSimulator, Usage, median, run_measured, secs};

const STEPS: &str = "    When the client starts an authorization request
    And the end-user logs in as \"alice\"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid
    And the ID token claim \"sub\" is \"9a3c6f0e-alice\"
    And the ID token claim \"exp\" is within 3600 seconds from now
    And the ID token claim \"iat\" is at most 60 seconds ago
    And the ID token header \"alg\" is \"RS256\"
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub
    And the JSON value at \"$.email\" is \"alice@idflow.test\"
";

/// Scenarios per feature file, as a suite is split: gherkin 0.16's parser is quadratic in a
/// file's line count (`GherkinEnv::increment_nl` scans every line offset seen so far), so one
/// file of 14,000 lines would measure that instead of the runner.
const SCENARIOS_PER_FILE: usize = 100;

/// Feature files holding `n` scenarios, each the scenario of
/// features/oidc/authorization_code.feature step for step: (file name, text). Plain scenarios
/// rather than one Scenario Outline: cucumber copies an outline's whole Examples table into
/// every row it expands, which would measure that copy (O(rows²)) instead of the runner.
fn features(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .step_by(SCENARIOS_PER_FILE)
        .map(|first| {
            let mut f = String::from(
                "@bench\nFeature: P1 throughput\n\n  Background:\n    Given the client \"web\"\n",
            );
            for i in first..(first + SCENARIOS_PER_FILE).min(n + 1) {
                let _ = writeln!(
                    f,
                    "\n  Scenario: Sign-in {i}: the end-user signs in and the client verifies every token"
                );
                f.push_str(STEPS);
            }
            (format!("p1_{first:05}.feature"), f)
        })
        .collect()
}

/// Scenarios in a cucumber.json, and how many passed every step.
fn count_scenarios(path: &Path) -> (usize, usize) {
    // Only what is counted is kept (idflow's data is skipped as it streams past), so that
    // this process stays small: its children's peak memory is measured beside it.
    #[derive(serde::Deserialize)]
    struct Feature {
        #[serde(default)]
        elements: Vec<Element>,
    }
    #[derive(serde::Deserialize)]
    struct Element {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        steps: Vec<Step>,
    }
    #[derive(serde::Deserialize)]
    struct Step {
        result: StepResult,
    }
    #[derive(serde::Deserialize)]
    struct StepResult {
        status: String,
    }
    let Ok(file) = std::fs::File::open(path) else {
        return (0, 0);
    };
    let features: Vec<Feature> =
        serde_json::from_reader(std::io::BufReader::new(file)).unwrap_or_default();
    let scenarios = features
        .iter()
        .flat_map(|f| &f.elements)
        .filter(|e| e.kind == "scenario");
    let (mut total, mut passed) = (0, 0);
    for e in scenarios {
        total += 1;
        if !e.steps.is_empty() && e.steps.iter().all(|s| s.result.status == "passed") {
            passed += 1;
        }
    }
    (total, passed)
}

struct Measured {
    tool: &'static str,
    usage: Usage,
    server: Usage,
    /// Most TIME_WAIT / other (non-established) sockets on the simulator's port during the run.
    max_time_wait: usize,
    ok: bool,
    note: String,
}

/// Samples the sockets on `port` while the closure runs.
fn with_socket_sampler<T>(port: u16, f: impl FnOnce() -> T) -> (T, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let max_tw = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let stop = stop.clone();
        let max_tw = max_tw.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (_, tw, _) = measure::sockets_on(port);
                max_tw.fetch_max(tw, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let out = f();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (out, max_tw.load(Ordering::Relaxed))
}

struct Bench {
    idflow: PathBuf,
    /// Another idflow binary (`P1_BASELINE`, an earlier build) measured beside this one,
    /// interleaved run by run, against the same simulator binary.
    baseline: Option<PathBuf>,
    manifest: PathBuf,
    work: PathBuf,
}

impl Bench {
    fn idflow_run(&self, n: usize, concurrency: usize, tag: &str) -> Measured {
        self.run_binary(&self.idflow, "idflow", n, concurrency, tag)
    }

    fn run_binary(
        &self,
        idflow: &Path,
        tool: &'static str,
        n: usize,
        concurrency: usize,
        tag: &str,
    ) -> Measured {
        let sim = StandaloneSimulator::start(
            &self.idflow,
            &self.manifest.join("environments"),
            &self.work,
        );
        let dir = self.work.join(format!("{tool}-{tag}"));
        let cmd = self.idflow_command(Command::new(idflow), &dir, &sim.issuer(), n, concurrency);
        let (usage, max_tw) = with_socket_sampler(sim.port, || {
            run_measured(cmd, &self.work, &format!("{tool}-{tag}"))
        });
        let server = sim.stop();
        let (total, passed) = count_scenarios(&dir.join("reports/cucumber.json"));
        let ok = usage.status == 0 && total == n && passed == n;
        Measured {
            tool,
            usage,
            server,
            max_time_wait: max_tw,
            ok,
            note: format!("{passed}/{total} passed in cucumber.json"),
        }
    }

    /// `program` (idflow, or a wrapper before it) made to run N scenarios in a fresh `dir`
    /// against `issuer`, with its reports.
    fn idflow_command(
        &self,
        mut cmd: Command,
        dir: &Path,
        issuer: &str,
        n: usize,
        concurrency: usize,
    ) -> Command {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("features")).expect("dir");
        for (name, text) in features(n) {
            std::fs::write(dir.join("features").join(name), text).expect("feature");
        }
        std::fs::write(
            dir.join("bench.yaml"),
            measure::remote_environment(&self.manifest, issuer),
        )
        .expect("env");
        cmd.current_dir(dir)
            .args([
                "run",
                "features",
                "--env",
                "bench.yaml",
                "--report-dir",
                "reports",
            ])
            .args(["--concurrency", &concurrency.to_string(), "--quiet"]);
        cmd
    }

    /// The instructions `client` runs for N scenarios (callgrind), against a fresh simulator:
    /// deterministic to about 0.2%, where this machine's wall-clock runs vary by 5%.
    fn instructions(&self, client: &str, n: usize, concurrency: usize) -> Result<u64, String> {
        let sim = StandaloneSimulator::start(
            &self.idflow,
            &self.manifest.join("environments"),
            &self.work,
        );
        let profile = self.work.join(format!("callgrind-{client}-{n}.out"));
        let mut valgrind = Command::new("valgrind");
        valgrind.args([
            "--tool=callgrind",
            &format!("--callgrind-out-file={}", profile.display()),
        ]);
        let mut cmd = match client {
            "bare reqwest" => {
                valgrind
                    .arg(std::env::current_exe().expect("own path"))
                    .args(["--bare-child", &sim.issuer()])
                    .args([n.to_string(), concurrency.to_string()]);
                valgrind
            }
            _ => {
                let binary = match client {
                    "baseline" => self.baseline.clone().expect("P1_BASELINE"),
                    _ => self.idflow.clone(),
                };
                valgrind.arg(binary);
                let dir = self.work.join(format!("callgrind-{client}-{n}"));
                self.idflow_command(valgrind, &dir, &sim.issuer(), n, concurrency)
            }
        };
        let out = cmd.output().map_err(|e| {
            format!("cannot start valgrind ({e}); install it (apt install valgrind)")
        })?;
        sim.stop();
        let text = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("{client} failed under valgrind:\n{text}"));
        }
        text.lines()
            .find_map(|l| {
                l.split_once("Collected :")
                    .map(|(_, n)| n.trim().parse().ok())
            })
            .flatten()
            .ok_or_else(|| format!("no instruction count in valgrind's output:\n{text}"))
    }

    fn bare_run(&self, n: usize, concurrency: usize, tag: &str) -> Measured {
        let sim = StandaloneSimulator::start(
            &self.idflow,
            &self.manifest.join("environments"),
            &self.work,
        );
        let mut cmd = Command::new(std::env::current_exe().expect("own path"));
        cmd.args([
            "--bare-child",
            &sim.issuer(),
            &n.to_string(),
            &concurrency.to_string(),
        ]);
        let (usage, max_tw) = with_socket_sampler(sim.port, || {
            run_measured(cmd, &self.work, &format!("bare-{tag}"))
        });
        let server = sim.stop();
        Measured {
            tool: "bare reqwest",
            usage,
            server,
            max_time_wait: max_tw,
            ok: usage.status == 0,
            note: if usage.status == 0 {
                format!("{n}/{n} passed")
            } else {
                "FAILED (see the log)".into()
            },
        }
    }

    fn hurl_run(&self, n: usize, concurrency: usize, tag: &str) -> Option<Measured> {
        let found = Command::new("hurl")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return None;
        }
        let sim = StandaloneSimulator::start(
            &self.idflow,
            &self.manifest.join("environments"),
            &self.work,
        );
        let mut cmd = Command::new("hurl");
        cmd.args([
            "--test",
            "--jobs",
            &concurrency.to_string(),
            "--repeat",
            &n.to_string(),
        ])
        .args(["--variable", &format!("issuer={}", sim.issuer())])
        .args(["--variable", &format!("base=http://127.0.0.1:{}", sim.port)])
        .arg(self.manifest.join("benches/p1_authorization_code.hurl"));
        let (usage, max_tw) = with_socket_sampler(sim.port, || {
            run_measured(cmd, &self.work, &format!("hurl-{tag}"))
        });
        let server = sim.stop();
        Some(Measured {
            tool: "hurl",
            usage,
            server,
            max_time_wait: max_tw,
            ok: usage.status == 0,
            note: "claims only: Hurl cannot verify a JWS signature".into(),
        })
    }
}

/// The median run by wall time of `reps` runs.
fn median_run(reps: usize, mut f: impl FnMut(usize) -> Measured) -> Measured {
    let mut runs: Vec<Measured> = (0..reps.max(1)).map(&mut f).collect();
    runs.sort_by_key(|m| m.usage.wall);
    let all_ok = runs.iter().all(|m| m.ok);
    let walls: Vec<Duration> = runs.iter().map(|m| m.usage.wall).collect();
    let cpus: Vec<Duration> = runs.iter().map(|m| m.usage.cpu()).collect();
    let peaks: Vec<u64> = runs.iter().map(|m| m.usage.max_rss_kib).collect();
    let mut m = runs.swap_remove(runs.len() / 2);
    m.ok = all_ok;
    if reps > 1 {
        let (cpu_min, cpu_max) = (cpus.iter().min(), cpus.iter().max());
        let (peak_min, peak_max) = (peaks.iter().min(), peaks.iter().max());
        m.note = format!(
            "{}; median of {reps} by wall (walls {}; CPU {}–{} s; peak RSS {:.1}–{:.1} MiB)",
            m.note,
            walls
                .iter()
                .map(|w| secs(*w))
                .collect::<Vec<_>>()
                .join(", "),
            cpu_min.map_or_else(String::new, |c| secs(*c)),
            cpu_max.map_or_else(String::new, |c| secs(*c)),
            peak_min.map_or(0.0, |k| *k as f64 / 1024.0),
            peak_max.map_or(0.0, |k| *k as f64 / 1024.0),
        );
    }
    let _ = median(walls);
    m
}

/// Runs A then B, `reps` times, and gives each one's median run (by CPU), with the CPU of
/// every run in its note as min–max.
fn interleaved(reps: usize, mut f: impl FnMut(usize, bool) -> Measured) -> (Measured, Measured) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in 0..reps.max(1) {
        a.push(f(r, true));
        b.push(f(r, false));
    }
    let pick = |mut runs: Vec<Measured>| {
        runs.sort_by_key(|m| m.usage.cpu());
        let all_ok = runs.iter().all(|m| m.ok);
        let (lo, hi) = (runs[0].usage.cpu(), runs[runs.len() - 1].usage.cpu());
        let mut rss: Vec<f64> = runs
            .iter()
            .map(|m| m.usage.max_rss_kib as f64 / 1024.0)
            .collect();
        rss.sort_by(f64::total_cmp);
        let mut m = runs.swap_remove(runs.len() / 2);
        m.ok = all_ok;
        m.note = format!(
            "median of {} interleaved; CPU {}–{} s; peak RSS median {:.1} MiB ({:.1}–{:.1})",
            reps.max(1),
            secs(lo),
            secs(hi),
            rss[rss.len() / 2],
            rss[0],
            rss[rss.len() - 1]
        );
        m
    };
    (pick(a), pick(b))
}

fn row(out: &mut String, n: usize, c: usize, m: &Measured) {
    let _ = writeln!(
        out,
        "| {n} | {c} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {}{} |",
        m.tool,
        secs(m.usage.wall),
        secs(m.usage.user),
        secs(m.usage.sys),
        secs(m.usage.cpu()),
        m.usage.max_rss_kib as f64 / 1024.0,
        m.usage.max_fds,
        m.max_time_wait,
        secs(m.server.cpu()),
        if m.ok { "" } else { "**FAILED** " },
        m.note
    );
}

fn ratio_row(out: &mut String, n: usize, c: usize, a: &Measured, b: &Measured) {
    let r = |x: f64, y: f64| {
        if y > 0.0 {
            format!("{:.2}×", x / y)
        } else {
            "-".into()
        }
    };
    let _ = writeln!(
        out,
        "| {n} | {c} | **{} / {}** | **{}** | {} | {} | **{}** | {} | | | {} | |",
        a.tool,
        b.tool,
        r(a.usage.wall.as_secs_f64(), b.usage.wall.as_secs_f64()),
        r(a.usage.user.as_secs_f64(), b.usage.user.as_secs_f64()),
        r(a.usage.sys.as_secs_f64(), b.usage.sys.as_secs_f64()),
        r(a.usage.cpu().as_secs_f64(), b.usage.cpu().as_secs_f64()),
        r(a.usage.max_rss_kib as f64, b.usage.max_rss_kib as f64),
        r(a.server.cpu().as_secs_f64(), b.server.cpu().as_secs_f64()),
    );
}

/// `P1_CALLGRIND=N`: the instructions idflow, the bare client and the baseline (when given)
/// run for N scenarios, under callgrind, one run each. Prints the table, writes it to
/// `$CARGO_TARGET_DIR/idflow-bench/p1-instructions.md`, and returns the exit status.
fn instruction_table(bench: &Bench, n: usize) -> i32 {
    let c = 16;
    let mut clients = vec!["idflow", "bare reqwest"];
    if bench.baseline.is_some() {
        clients.push("baseline");
    }
    let mut counts = Vec::new();
    for client in clients {
        eprintln!("P1 under callgrind: {client}, N={n} ...");
        match bench.instructions(client, n, c) {
            Ok(count) => counts.push((client, count)),
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        }
    }
    let of = |name: &str| {
        counts
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, n)| *n as f64)
    };
    let mut out = String::from(
        "| N | client | instructions (G) | per scenario (M) | ÷ bare reqwest | ÷ baseline |\n|---|---|---|---|---|---|\n",
    );
    for (client, count) in &counts {
        let ratio =
            |other: Option<f64>| other.map_or("".into(), |o| format!("{:.3}×", *count as f64 / o));
        let _ = writeln!(
            out,
            "| {n} | {client} | {:.3} | {:.2} | {} | {} |",
            *count as f64 / 1e9,
            *count as f64 / 1e6 / n as f64,
            ratio(of("bare reqwest")),
            ratio(of("baseline")),
        );
    }
    let _ = writeln!(
        out,
        "\nInstructions of the client process (callgrind's `Collected`), concurrency {c}, each against a fresh standalone simulator (not counted). valgrind's CPU lacks some extensions (SHA), so code that uses them natively is over-counted. Logs: {}",
        bench.work.display()
    );
    println!("{out}");
    match measure::save_table(&bench.manifest, "p1-instructions.md", &out) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("cannot write p1-instructions.md: {e}");
            1
        }
    }
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn main() {
    // A copy of this binary started by `measure::run_measured` to start and measure a child.
    measure::serve_measured_child();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--bare-child") {
        let issuer = &args[i + 1];
        let n: usize = args[i + 2].parse().expect("n");
        let c: usize = args[i + 3].parse().expect("concurrency");
        // One thread, as idflow runs: the leanest for this client too (CPU 0.23 against 0.31 s
        // per 1,000 sign-ins with a multi-threaded runtime, the same wall).
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        match rt.block_on(bare_flow::run(issuer, n, c)) {
            Ok(0) => std::process::exit(0),
            Ok(_) => std::process::exit(1),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1)
            }
        }
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work_dir = measure::WorkDir::create("p1");
    let work = work_dir.path().to_path_buf();
    let bench = Bench {
        idflow: PathBuf::from(env!("CARGO_BIN_EXE_idflow")),
        baseline: std::env::var_os("P1_BASELINE").map(PathBuf::from),
        manifest,
        work: work.clone(),
    };
    if let Ok(n) = std::env::var("P1_CALLGRIND") {
        let n: usize = n.parse().expect("P1_CALLGRIND is a number of scenarios");
        std::process::exit(instruction_table(&bench, n));
    }
    let ns = env_list("P1_NS", &[100, 1000, 10000]);
    let reps: usize = std::env::var("P1_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // N = 10,000 runs once unless P1_BIG_REPS says otherwise (for min–max of the memory).
    let big_reps: usize = std::env::var("P1_BIG_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let scale = std::env::var("P1_SCALE").map_or(true, |v| v != "0");
    let c = 16;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| N | concurrency | client | wall s | user s | sys s | CPU s | max RSS MiB | max fds | max TIME_WAIT | simulator CPU s | result |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut hurl_note = None;
    let mut all_ok = true;
    for &n in &ns {
        let reps = if n >= 10_000 { big_reps } else { reps };
        eprintln!("P1: N={n}, concurrency {c}, {reps} run(s) each ...");
        let idf = median_run(reps, |r| bench.idflow_run(n, c, &format!("{n}-c{c}-{r}")));
        let bare = median_run(reps, |r| bench.bare_run(n, c, &format!("{n}-c{c}-{r}")));
        row(&mut out, n, c, &idf);
        row(&mut out, n, c, &bare);
        ratio_row(&mut out, n, c, &idf, &bare);
        if let Some(baseline) = &bench.baseline {
            // A B A B: this build and the baseline alternate, so both see the same noise.
            let (now, before) = interleaved(reps, |r, first| {
                let tag = format!("{n}-c{c}-ab{r}");
                if first {
                    bench.idflow_run(n, c, &tag)
                } else {
                    bench.run_binary(baseline, "baseline", n, c, &tag)
                }
            });
            row(&mut out, n, c, &now);
            row(&mut out, n, c, &before);
            ratio_row(&mut out, n, c, &now, &before);
            all_ok &= now.ok && before.ok;
        }
        all_ok &= idf.ok && bare.ok;
        match bench.hurl_run(n, c, &format!("{n}-c{c}")) {
            Some(h) => {
                row(&mut out, n, c, &h);
                ratio_row(&mut out, n, c, &h, &bare);
                all_ok &= h.ok;
            }
            None => {
                hurl_note = Some(
                    "hurl is not on PATH: the Hurl run (benches/p1_authorization_code.hurl) was skipped",
                )
            }
        }
        eprint!("{out}");
    }
    if scale {
        let (n, c) = (10_000, 64);
        eprintln!("P1 scale: N={n}, concurrency {c} ...");
        let idf = bench.idflow_run(n, c, "scale");
        let bare = bench.bare_run(n, c, "scale");
        row(&mut out, n, c, &idf);
        row(&mut out, n, c, &bare);
        ratio_row(&mut out, n, c, &idf, &bare);
        all_ok &= idf.ok && bare.ok;
    }
    if let Some(note) = hurl_note {
        let _ = writeln!(out, "\nNote: {note}.");
        println!("note: {note}");
    }
    let _ = writeln!(
        out,
        "\nCPU = user + sys of the child (wait4); max RSS the kernel's high-water mark at the child's exit (wait4, the child started by a fresh copy of this bench: benches/support/measure.rs); max fds sampled from /proc/PID/fd every 20 ms; TIME_WAIT sockets on the simulator's port sampled every 100 ms; the simulator (a separate process, fresh per run) is not in the client's figures. {}",
        work_dir.logs_note()
    );
    println!("{out}");
    if let Err(e) = measure::save_table(&bench.manifest, "p1.md", &out) {
        eprintln!("P1: cannot write p1.md: {e}");
    }
    work_dir.finish(
        "P1",
        (!all_ok).then(|| "a run failed or lost results".to_string()),
    );
}
