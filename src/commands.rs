//! The authoring commands of the `idflow` binary: `steps`, `envs`, `completions`, the dry run,
//! the rerun of the last failures, and what `simulate` prints and writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use idflow::config::Environment;
use idflow::runner::RunOptions;

/// Writes to standard output, quietly stopping when the reader went away (`idflow steps | head`).
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// `idflow steps [QUERY…] [--json]`.
pub fn steps(query: &[String], json: bool) -> ExitCode {
    idflow::steps::link();
    let found = idflow::catalogue::search(&query.join(" "));
    if json {
        let text = serde_json::to_string_pretty(&idflow::catalogue::to_json(&found))
            .unwrap_or_else(|_| "[]".into());
        out(&format!("{text}\n"));
        return ExitCode::SUCCESS;
    }
    out(&idflow::catalogue::to_text(&found));
    if found.is_empty() {
        eprintln!(
            "no step holds every word of {:?}; `idflow steps` lists them all",
            query.join(" ")
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// `idflow envs [--env-dir DIR]`.
pub fn envs(dir: &Path) -> ExitCode {
    match idflow::config::listing::list(dir) {
        Ok(envs) if envs.is_empty() => usage_error(&format!(
            "no environment file (*.yaml) in {}",
            dir.display()
        )),
        Ok(envs) => {
            out(&idflow::config::listing::table(&envs));
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&e),
    }
}

/// `idflow completions SHELL`: the completion script on standard output.
pub fn completions(shell: clap_complete::Shell, mut command: clap::Command) -> ExitCode {
    let mut out = std::io::stdout();
    clap_complete::generate(shell, &mut command, "idflow", &mut out);
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// `idflow run --dry-run`: prints each problem at file:line and the summary.
pub fn dry_run(options: &RunOptions) -> ExitCode {
    match idflow::runner::dry_run(options) {
        Ok(outcome) => {
            for p in &outcome.problems {
                if p.location.is_empty() {
                    println!("✘ {}", p.message);
                } else {
                    println!("✘ {}: {}", p.location, p.message);
                }
            }
            println!("{}", outcome.summary());
            ExitCode::from(outcome.exit_code() as u8)
        }
        Err(e) => usage_error(&e.to_string()),
    }
}

/// The paths `--last-failed` reruns (of those under `paths`, when paths were given), or the
/// exit code when there is nothing to run.
pub fn last_failed_paths(report_dir: &Path, paths: &[PathBuf]) -> Result<Vec<PathBuf>, ExitCode> {
    let failed =
        idflow::runner::last_failed(report_dir).map_err(|e| usage_error(&e.to_string()))?;
    let failed = idflow::runner::within(failed, paths);
    if failed.is_empty() {
        println!(
            "no failed scenario in {}: nothing to rerun",
            report_dir.join("cucumber.json").display()
        );
        return Err(ExitCode::SUCCESS);
    }
    println!("rerunning {} failed scenario(s):", failed.len());
    for p in &failed {
        println!("  {}", p.display());
    }
    Ok(failed)
}

/// What `idflow simulate` prints once it listens: where it is, what it knows, how to act on
/// the device. Secrets are printed: they are the simulator's own, written in the environment
/// file it was started from, and a curl user needs them.
pub fn describe_simulator(env: &Environment, base_url: &str, issuer: &str) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(&mut out, format!("simulator listening at {base_url}"));
    line(&mut out, format!("issuer: {issuer}"));
    line(
        &mut out,
        format!("discovery: {issuer}/.well-known/openid-configuration"),
    );
    line(&mut out, format!("clients (from {}):", env.path.display()));
    for (name, c) in &env.clients {
        let secret = c
            .secret
            .as_ref()
            .map(|s| format!(" secret={}", s.expose()))
            .unwrap_or_default();
        let redirects: Vec<&str> = c.redirect_uris.iter().map(|u| &**u).collect();
        line(
            &mut out,
            format!(
                "  {name}: client_id={}{secret} auth={} redirect_uris={} scopes={}",
                &*c.id,
                c.auth_method.as_str(),
                redirects.join(","),
                c.scopes.join(" ")
            ),
        );
    }
    line(&mut out, "users:".into());
    for (name, u) in &env.users {
        let password = u
            .password
            .as_ref()
            .map(|p| format!(" password={}", p.expose()))
            .unwrap_or_default();
        let mobileid = u
            .mobileid
            .as_ref()
            .map(|m| format!(" mobileid_user={} device={}", &*m.user_id, &*m.device_id))
            .unwrap_or_default();
        line(
            &mut out,
            format!("  {name}: username={}{password}{mobileid}", &*u.username),
        );
    }
    if let Some(d) = &env.device {
        line(&mut out, "device endpoints:".into());
        let calls = [
            ("approve", Some(&d.approve)),
            ("deny", Some(&d.deny)),
            ("approve_after_polls", d.approve_after_polls.as_ref()),
            ("start_operation", d.start_operation.as_ref()),
            ("complete_operation", d.complete_operation.as_ref()),
            ("fail_operation", d.fail_operation.as_ref()),
        ];
        for (what, call) in calls {
            if let Some(call) = call {
                let url = if call.url.starts_with('/') {
                    format!("{}{}", base_url.trim_end_matches('/'), &*call.url)
                } else {
                    call.url.to_string()
                };
                line(&mut out, format!("  {what}: {} {url}", call.method));
            }
        }
    }
    out
}

/// Writes the environment file that targets this simulator (`simulate --write-env FILE`).
pub fn write_env(env: &Environment, issuer: &str, file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(&env.path)
        .map_err(|e| format!("cannot read {}: {e}", env.path.display()))?;
    let written = idflow::config::listing::as_remote(&text, issuer, &env.path)?;
    std::fs::write(file, written).map_err(|e| format!("cannot write {}: {e}", file.display()))
}
