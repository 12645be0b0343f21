//! Benchmark P5: one long feature file, in two shapes: one Scenario Outline with many Examples
//! rows (a data-driven suite: a row per case), and as many plain scenarios one after another
//! (a generated suite).
//!
//! ```text
//! cargo bench --bench outline_scale                   # 1,000, 5,000 and 20,000 rows or scenarios, 3 runs each
//! OUTLINE_ROWS=1000,20000 OUTLINE_REPS=5 OUTLINE_SHAPES=scenarios OUTLINE_BASELINE=/tmp/old-idflow cargo bench --bench outline_scale
//! ```
//!
//! Each run is `idflow run` of the file with the embedded simulator (`--env simulator`), its
//! three reports written; each row or scenario fetches the provider's discovery document. Wall,
//! CPU and peak RSS of the child (the kernel's high-water mark at its exit, see
//! `support/measure.rs`), medians with min–max; per row, and the N-row cost against
//! the smallest N's, so that a cost growing with the square of the rows shows (issue 14: a
//! 20,000-row outline took 6.3 s and a 5,000-row one peaked at 688 MB before the expansion and
//! the lookups by name were made linear; gherkin 0.16's parser, until patched, took 5.9 s to
//! read a file of 10,000 plain scenarios: vendor/gherkin/PATCHED.md). With `OUTLINE_BASELINE`, that build runs interleaved
//! with this one (A B A B). The markdown table goes to stdout and to
//! `$CARGO_TARGET_DIR/idflow-bench/p5.md`.

#[path = "support/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use measure::{Usage, median, run_measured, secs};

/// The outline: `rows` rows, each choosing a client and fetching the discovery document.
fn outline(rows: usize) -> String {
    let mut text = String::from(
        "Feature: P5 a long outline\n\n  Scenario Outline: the client reads the provider's metadata\n    Given the client \"web\"\n    When the client fetches the provider's discovery document\n\n    Examples:\n      | n |\n",
    );
    for i in 0..rows {
        let _ = writeln!(text, "      | {i} |");
    }
    text
}

/// `n` plain scenarios of the outline's two steps, one after another.
fn scenarios(n: usize) -> String {
    let mut text = String::from("Feature: P5 a long feature\n");
    for i in 0..n {
        let _ = write!(
            text,
            "\n  Scenario: the client reads the provider's metadata, case {i}\n    Given the client \"web\"\n    When the client fetches the provider's discovery document\n"
        );
    }
    text
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// Medians (and min–max) of some runs.
struct Summary {
    wall: Duration,
    cpu: Duration,
    cpu_range: (Duration, Duration),
    rss_mib: f64,
    rss_range: (f64, f64),
    failed: usize,
}

fn summarise(runs: &[Usage]) -> Summary {
    let cpu: Vec<Duration> = runs.iter().map(Usage::cpu).collect();
    let mut rss: Vec<f64> = runs.iter().map(|u| u.max_rss_kib as f64 / 1024.0).collect();
    rss.sort_by(f64::total_cmp);
    Summary {
        wall: median(runs.iter().map(|u| u.wall).collect()),
        cpu: median(cpu.clone()),
        cpu_range: (
            cpu.iter().min().copied().unwrap_or_default(),
            cpu.iter().max().copied().unwrap_or_default(),
        ),
        rss_mib: rss[rss.len() / 2],
        rss_range: (rss[0], rss[rss.len() - 1]),
        failed: runs.iter().filter(|u| u.status != 0).count(),
    }
}

fn run_once(idflow: &Path, manifest: &Path, dir: &Path, work: &Path, name: &str) -> Usage {
    let reports = work.join(format!("reports-{name}"));
    let _ = std::fs::remove_dir_all(&reports);
    let mut cmd = Command::new(idflow);
    cmd.current_dir(manifest).args([
        "run",
        dir.to_str().expect("a UTF-8 path"),
        "--env",
        "simulator",
        "--quiet",
        "--report-dir",
        reports.to_str().expect("a UTF-8 path"),
    ]);
    run_measured(cmd, work, name)
}

fn main() {
    // A copy of this binary started by `measure::run_measured` to start and measure a child.
    measure::serve_measured_child();
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let idflow = PathBuf::from(env!("CARGO_BIN_EXE_idflow"));
    let baseline = std::env::var_os("OUTLINE_BASELINE").map(PathBuf::from);
    let rows = env_list("OUTLINE_ROWS", &[1_000, 5_000, 20_000]);
    let reps = env_list("OUTLINE_REPS", &[3])[0].max(1);
    let shapes: Vec<String> = std::env::var("OUTLINE_SHAPES")
        .unwrap_or_else(|_| "outline,scenarios".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    if let Some(bad) = shapes
        .iter()
        .find(|s| !matches!(s.as_str(), "outline" | "scenarios"))
    {
        eprintln!("P5: OUTLINE_SHAPES names `{bad}`; the shapes are `outline` and `scenarios`");
        std::process::exit(2);
    }
    let work_dir = measure::WorkDir::create("p5");
    let work = work_dir.path().to_path_buf();

    let mut clients = vec![("idflow", idflow)];
    if let Some(b) = baseline {
        clients.push(("baseline", b));
    }
    let mut out = String::from(
        "| shape | rows or scenarios | client | wall s | CPU s (min–max) | peak RSS MiB (min–max) | CPU per row ms | CPU per row ÷ first N's | failed runs |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut failed_runs = 0;
    for shape in &shapes {
        let mut first_per_row: Vec<Option<f64>> = vec![None; clients.len()];
        for &n in &rows {
            eprintln!("P5: {shape}, {n} rows or scenarios, {reps} run(s) each ...");
            let dir = work.join(format!("features-{shape}-{n}"));
            std::fs::create_dir_all(&dir).expect("features dir");
            let text = match shape.as_str() {
                "outline" => outline(n),
                _ => scenarios(n),
            };
            std::fs::write(dir.join(format!("{shape}.feature")), text).expect("feature file");
            let mut runs: Vec<Vec<Usage>> = vec![Vec::new(); clients.len()];
            for r in 0..reps {
                for (i, (name, bin)) in clients.iter().enumerate() {
                    runs[i].push(run_once(
                        bin,
                        &manifest,
                        &dir,
                        &work,
                        &format!("{name}-{shape}-{n}-{r}"),
                    ));
                }
            }
            for (i, (name, _)) in clients.iter().enumerate() {
                let s = summarise(&runs[i]);
                failed_runs += s.failed;
                let per_row = s.cpu.as_secs_f64() * 1e3 / n as f64;
                let growth = *first_per_row[i].get_or_insert(per_row);
                let _ = writeln!(
                    out,
                    "| {shape} | {n} | {name} | {} | {} ({}–{}) | {:.1} ({:.1}–{:.1}) | {per_row:.3} | {:.2}× | {} |",
                    secs(s.wall),
                    secs(s.cpu),
                    secs(s.cpu_range.0),
                    secs(s.cpu_range.1),
                    s.rss_mib,
                    s.rss_range.0,
                    s.rss_range.1,
                    per_row / growth,
                    s.failed
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nOne feature file (one Scenario Outline, or plain scenarios), `idflow run --env simulator` (embedded simulator, three reports); medians of {reps}. {}",
        work_dir.logs_note()
    );
    print!("{out}");
    if let Err(e) = measure::save_table(&manifest, "p5.md", &out) {
        eprintln!("P5: cannot write p5.md: {e}");
    }
    work_dir.finish(
        "P5",
        (failed_runs > 0).then(|| format!("{failed_runs} run(s) failed")),
    );
}
