//! The `idflow` command: run features, or serve the simulator standalone.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};
use idflow::runner::{RunOptions, run};
use idflow::simulator::{Defect, SimulatorSetup};

/// mimalloc instead of the system allocator: a run allocates a great deal of short-lived
/// evidence (bodies, headers, report fragments), and glibc's malloc was a fifth of its CPU
/// (README, "Benchmarks"). The simulator (`idflow simulate`) runs on it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks the kernel for transparent huge pages, so each thread's first small
/// allocation made 2 MiB resident: that nearly doubled a run's peak memory. Its own option for
/// that is read before `main` runs, so the process declines huge pages here instead (Linux's
/// `PR_SET_THP_DISABLE`); the peak is then close to glibc's (48 against 42 MiB for P1's 1,000
/// scenarios, against 75 without this).
fn tune_allocator() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes four integer arguments and touches no memory
    // of ours; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Declarative scenario tests for OpenID Connect and Signicat identity flows.
#[derive(Debug, Parser)]
#[command(name = "idflow", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run features against an environment and write reports (index.html, junit.xml,
    /// cucumber.json). Exit 0: all passed; 1: a scenario failed; 2: usage or configuration error.
    Run {
        /// Feature files or directories (searched recursively); `FILE:LINE` runs the scenario
        /// (or example row) at or around that line. Default: features.
        paths: Vec<PathBuf>,
        /// Environment: a name in environments/ or a path to a YAML file.
        #[arg(long, default_value = "simulator")]
        env: String,
        /// Directory of environment files.
        #[arg(long, default_value = "environments")]
        env_dir: PathBuf,
        /// Tag expression, for example `@oidc and not @slow`.
        #[arg(long)]
        tags: Option<String>,
        /// Only scenarios whose name (or feature name) contains this text, ignoring case.
        #[arg(long)]
        name: Option<String>,
        /// Accept a run that selects no scenario (otherwise it is an error, exit 2).
        #[arg(long)]
        allow_empty: bool,
        /// Where to write the reports.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// The history file each run appends its summary to (the last 20 runs), for the
        /// report's trend and flaky scenarios [default: REPORT_DIR/history.json].
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Also write Allure 2 results (one result file per scenario, categories.json,
        /// environment.properties) into DIR.
        #[arg(long, value_name = "DIR")]
        allure: Option<PathBuf>,
        /// Most scenarios run at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Simulator defects to switch on (comma separated), to prove that verdicts can fail.
        #[arg(long, env = "IDFLOW_SIMULATOR_DEFECTS", value_delimiter = ',')]
        defect: Vec<String>,
        /// Only the summary line, no line per scenario.
        #[arg(long, short)]
        quiet: bool,
        /// Run a deterministic share I/N of the scenarios (for CI that splits a suite).
        #[arg(long)]
        shard: Option<idflow::runner::Shard>,
        /// Run a failed scenario again up to N times (the report marks retried and flaky ones).
        #[arg(long, default_value_t = 0)]
        retries: usize,
        /// Failed SHOULD and best-practice checks fail the scenario instead of warning.
        #[arg(long, env = "IDFLOW_STRICT", value_parser = clap::builder::FalseyValueParser::new())]
        strict: bool,
        /// Parse every selected feature and match every step, sending nothing: undefined or
        /// ambiguous steps are named at file:line (exit 1), else exit 0.
        #[arg(long)]
        dry_run: bool,
        /// Rerun only the scenarios that failed in the previous report in --report-dir (of
        /// those under PATHS, when given).
        #[arg(long)]
        last_failed: bool,
    },
    /// List the steps (the catalogue), those holding every word of QUERY when given.
    Steps {
        /// Words to look for in the steps' text, description and file (ignoring case).
        query: Vec<String>,
        /// JSON for editors and scripts: keyword, pattern, regex, description, example, file, line.
        #[arg(long)]
        json: bool,
    },
    /// List the environments, with their target and description.
    Envs {
        #[arg(long, default_value = "environments")]
        env_dir: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Work with reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Serve the simulator standalone on 127.0.0.1 until interrupted.
    Simulate {
        /// Port to listen on (random when absent).
        #[arg(long)]
        port: Option<u16>,
        /// Environment whose clients and users the simulator knows.
        #[arg(long, default_value = "simulator")]
        env: String,
        #[arg(long, default_value = "environments")]
        env_dir: PathBuf,
        /// Simulator defects to switch on (comma separated).
        #[arg(long, value_delimiter = ',')]
        defect: Vec<String>,
        /// Write an environment file that targets this simulator (its clients, users and
        /// device controls), for `idflow run --env FILE` from another shell.
        #[arg(long)]
        write_env: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Merge the reports of shards (each DIR holds a cucumber.json) into one HTML, JUnit and
    /// Cucumber JSON report. Exit 0 when every merged scenario passed, 1 otherwise.
    Merge {
        /// Report directories of the shards.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged reports.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match idflow::runner::new_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Run {
                paths,
                env,
                env_dir,
                tags,
                name,
                allow_empty,
                report_dir,
                history,
                allure,
                concurrency,
                defect,
                quiet,
                shard,
                retries,
                strict,
                dry_run,
                last_failed,
            } => {
                let mut paths = paths;
                if last_failed {
                    match commands::last_failed_paths(&report_dir, &paths) {
                        Ok(failed) => paths = failed,
                        Err(code) => return code,
                    }
                }
                if paths.is_empty() {
                    paths.push(PathBuf::from("features"));
                }
                let defects = match Defect::parse_list(&defect.join(",")) {
                    Ok(d) => d,
                    Err(e) => return usage_error(&e),
                };
                let options = RunOptions {
                    paths,
                    env,
                    env_dir,
                    tags,
                    name_filter: name,
                    allow_empty,
                    report_dir,
                    history,
                    allure,
                    concurrency,
                    defects,
                    quiet,
                    shard,
                    retries,
                    strict,
                    interrupts: true,
                    ..RunOptions::default()
                };
                if dry_run {
                    return commands::dry_run(&options);
                }
                match run(options).await {
                    Ok(outcome) => {
                        let code = ExitCode::from(outcome.exit_code() as u8);
                        // The process ends here: freeing a large run's report would only cost
                        // time (the reports are written and closed).
                        std::mem::forget(outcome);
                        code
                    }
                    Err(e) => usage_error(&e.to_string()),
                }
            }
            Command::Simulate {
                port,
                env,
                env_dir,
                defect,
                write_env,
            } => simulate(port, &env, &env_dir, &defect, write_env.as_deref()).await,
            Command::Steps { query, json } => commands::steps(&query, json),
            Command::Envs { env_dir } => commands::envs(&env_dir),
            Command::Completions { shell } => commands::completions(shell, Cli::command()),
            Command::Report {
                command: ReportCommand::Merge { dirs, report_dir },
            } => merge_reports(&dirs, &report_dir),
        }
    })
}

fn merge_reports(dirs: &[PathBuf], out: &std::path::Path) -> ExitCode {
    let shards = match idflow::report::merge::read_shards(dirs) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let merged = idflow::report::merge::merge(shards);
    let redactor = idflow::redact::Redactor::default();
    if let Err(e) = idflow::report::write_all(&merged, &redactor, out) {
        return usage_error(&e.to_string());
    }
    println!("merged {} report(s) into {}", dirs.len(), out.display());
    println!("{}", idflow::runner::summary_line(&merged));
    ExitCode::from(if merged.succeeded() { 0 } else { 1 })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

async fn simulate(
    port: Option<u16>,
    env: &str,
    env_dir: &std::path::Path,
    defects: &[String],
    write_env: Option<&std::path::Path>,
) -> ExitCode {
    let environment = match idflow::config::Environment::load(env, env_dir) {
        Ok(e) => e,
        Err(e) => return usage_error(&e.to_string()),
    };
    let defects = match Defect::parse_list(&defects.join(",")) {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    let clock: idflow::clock::SharedClock = std::sync::Arc::new(idflow::clock::SystemClock);
    let sim = match idflow::simulator::Simulator::start(
        &SimulatorSetup::from(&environment),
        clock,
        &defects,
        port,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    print!(
        "{}",
        commands::describe_simulator(&environment, &sim.base_url(), &sim.issuer())
    );
    if let Some(file) = write_env {
        if let Err(e) = commands::write_env(&environment, &sim.issuer(), file) {
            return usage_error(&e);
        }
        println!(
            "environment written to {} (idflow run --env {})",
            file.display(),
            file.display()
        );
    }
    println!("press Ctrl-C to stop");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    drop(sim);
    ExitCode::SUCCESS
}
