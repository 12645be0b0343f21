//! Benchmark P1's bare client on its own: N authorization-code sign-ins with every check of
//! the idflow scenario, directly on reqwest (see `support/bare_flow.rs`).
//!
//! ```text
//! cargo bench --bench bare_client                      # its own simulator, N=1000, c=16
//! cargo bench --bench bare_client -- --issuer http://127.0.0.1:P/auth/open --n 1000 --concurrency 16
//! ```
//!
//! It exits 1 when a sign-in fails. `benches/p1_throughput.rs` runs the same code as a child
//! process beside `idflow run`.

#[path = "support/bare_flow.rs"]
mod bare_flow;
#[path = "support/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::path::Path;
use std::time::Instant;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = arg(&args, "--n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let concurrency: usize = arg(&args, "--concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log_dir = std::env::temp_dir();
    let (issuer, sim) = match arg(&args, "--issuer") {
        Some(i) => (i, None),
        None => {
            let sim = measure::StandaloneSimulator::start(
                Path::new(env!("CARGO_BIN_EXE_idflow")),
                &manifest.join("environments"),
                &log_dir,
            );
            (sim.issuer(), Some(sim))
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let result = runtime.block_on(bare_flow::run(&issuer, n, concurrency));
    let wall = started.elapsed();
    drop(sim);
    match result {
        Ok(0) => println!(
            "bare client: {n} sign-ins at concurrency {concurrency} in {} s ({:.0}/s)",
            measure::secs(wall),
            n as f64 / wall.as_secs_f64()
        ),
        Ok(failed) => {
            eprintln!("bare client: {failed} of {n} sign-ins failed");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("bare client: {e}");
            std::process::exit(1);
        }
    }
}
