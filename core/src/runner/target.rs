//! Starting (and stopping) what a run talks to.

use std::sync::Arc;

use url::Url;

use super::RunError;
use crate::clock::{ManualClock, SharedClock, SystemClock};
use crate::config::{Environment, Target};
use crate::simulator::{Defect, Simulator, SimulatorSetup};

/// The target while the run lasts; dropping it stops what the run started.
pub struct RunningTarget {
    pub(crate) issuer: String,
    pub(crate) base_url: Url,
    pub(crate) clock: SharedClock,
    /// For people: "embedded simulator at http://127.0.0.1:4711" or the issuer.
    pub(crate) description: String,
    /// Whether the target reads time from `clock` (per-scenario offsets apply).
    pub(crate) virtual_time: bool,
    _simulator: Option<Simulator>,
    _process: Option<StartedProcess>,
}

/// A target process the run started; dropping it stops the process and its children.
pub struct StartedProcess {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Drop for StartedProcess {
    fn drop(&mut self) {
        let pid = self.child.id();
        // Stopped here, or killed by a second signal meanwhile: either way not twice.
        let _forget = Unregister(pid);
        stop_group(pid);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        signal_group(self.child.id(), libc::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
        tracing::warn!(log = %self.log.display(), "the target did not stop on SIGTERM and was killed");
    }
}

/// Takes a process group out of the interrupt registry when the stop is over.
struct Unregister(u32);

impl Drop for Unregister {
    fn drop(&mut self) {
        super::interrupt::unregister_group(self.0);
    }
}

/// Asks the process group led by `pid` (the started target and its children) to stop.
fn stop_group(pid: u32) {
    signal_group(pid, libc::SIGTERM);
}

/// Sends `signal` to the process group `pid`. Never to anything else: a pid that does not fit
/// a positive `pid_t` (above 1) is refused, since `kill(-1)` would signal every process.
pub(super) fn signal_group(pid: u32, signal: libc::c_int) {
    let Some(target) = group_target(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals exactly that process group; no memory is
    // touched.
    unsafe {
        libc::kill(target, signal);
    }
}

/// The kill(2) argument for the process group led by `pid`, if it is a real group.
fn group_target(pid: u32) -> Option<libc::pid_t> {
    let group = libc::pid_t::try_from(pid).ok()?;
    (group > 1).then_some(-group)
}

/// Starts the environment's target: the simulator on 127.0.0.1 with a clock the run controls,
/// or nothing for a remote provider (which must answer discovery, asked through the run's
/// `engine`).
pub async fn start(
    env: &Environment,
    extra_defects: &[Defect],
    engine: &Arc<crate::http::HttpEngine>,
) -> Result<RunningTarget, RunError> {
    match &env.target {
        Target::Simulator { defects } => {
            let mut all = defects.clone();
            all.extend_from_slice(extra_defects);
            all.sort();
            all.dedup();
            let clock: SharedClock = Arc::new(ManualClock::new());
            let sim = Simulator::start(&SimulatorSetup::from(env), clock.clone(), &all, None)
                .await
                .map_err(|e| RunError::Target(format!("cannot start the simulator: {e}")))?;
            let base_url =
                Url::parse(&sim.base_url()).map_err(|e| RunError::Target(e.to_string()))?;
            let defects_note = if all.is_empty() {
                String::new()
            } else {
                format!(
                    " with defects {}",
                    all.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
                )
            };
            Ok(RunningTarget {
                issuer: sim.issuer(),
                description: format!("embedded simulator at {}{defects_note}", sim.base_url()),
                base_url,
                clock,
                virtual_time: true,
                _simulator: Some(sim),
                _process: None,
            })
        }
        Target::Remote { issuer, start } => {
            if !extra_defects.is_empty() {
                return Err(RunError::Usage(format!(
                    "simulator defects were asked for, but environment `{}` targets {issuer}, not the simulator",
                    env.name
                )));
            }
            let url = Url::parse(issuer)
                .map_err(|e| RunError::Target(format!("issuer {issuer:?}: {e}")))?;
            let base_url = Url::parse(&url.origin().ascii_serialization())
                .map_err(|e| RunError::Target(e.to_string()))?;
            let process = match start {
                Some(command) => start_process(env, command).await?,
                None => None,
            };
            probe(issuer, env, engine).await?;
            Ok(RunningTarget {
                issuer: issuer.to_string(),
                description: match &process {
                    Some(_) => format!("{issuer} (started by the run)"),
                    None => issuer.to_string(),
                },
                base_url,
                clock: Arc::new(SystemClock),
                virtual_time: false,
                _simulator: None,
                _process: process,
            })
        }
    }
}

/// Checks that a remote target answers at all before running any scenario, so that a wrong
/// host gives one clear error instead of every scenario failing the same way.
async fn probe(
    issuer: &str,
    env: &Environment,
    engine: &Arc<crate::http::HttpEngine>,
) -> Result<(), RunError> {
    let url = crate::oidc::discovery_url(issuer).map_err(|e| RunError::Target(e.to_string()))?;
    let mut session = engine.session();
    let spec = crate::http::RequestSpec::new("GET", url);
    match session
        .send("reachability probe", spec, crate::http::Redirects::Follow)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(RunError::Target(format!(
            "the target of environment `{}` is unreachable: {e}\n  hint: start the provider, or check `target.issuer` in {}",
            env.name,
            env.path.display()
        ))),
    }
}

/// Starts the environment's target command and waits until its readiness URL answers 200.
/// A target that already answers is reused and left running (as Playwright's webServer does).
async fn start_process(
    env: &Environment,
    start: &crate::config::StartCommand,
) -> Result<Option<StartedProcess>, RunError> {
    use std::os::unix::process::CommandExt as _;
    let ready = Url::parse(&start.ready_url).map_err(|e| {
        RunError::Usage(format!(
            "target.start.ready_url {:?} is not a URL: {e}",
            &*start.ready_url
        ))
    })?;
    // With the environment's TLS options: an HTTPS ready_url signed by the environment's
    // tls.ca_file answers the probe as it answers the run.
    let client = crate::http::configure_tls(
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(2)),
        &env.tls,
        &env.base_dir(),
    )
    .map_err(|e| RunError::Usage(e.to_string()))?
    .build()
    .map_err(|e| RunError::Target(e.to_string()))?;
    let is_ready = || async {
        client
            .get(ready.clone())
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    };
    if is_ready().await {
        tracing::info!(url = %ready, "the target already answers; reusing it");
        return Ok(None);
    }
    let (program, args) = start.command.split_first().ok_or_else(|| {
        RunError::Usage(format!(
            "target.start.command in {} is empty: give the program and its arguments",
            env.path.display()
        ))
    })?;
    let base = env.base_dir();
    let cwd = start.cwd.as_ref().map(|c| base.join(c)).unwrap_or(base);
    if !cwd.is_dir() {
        return Err(RunError::Usage(format!(
            "target.start.cwd {} (relative to {}) is not a directory",
            cwd.display(),
            env.path.display()
        )));
    }
    let log = std::env::temp_dir().join(format!(
        "idflow-target-{}-{}.log",
        env.name,
        std::process::id()
    ));
    let out = std::fs::File::create(&log)
        .map_err(|e| RunError::Target(format!("cannot create {}: {e}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(|e| RunError::Target(e.to_string()))?;
    let child = std::process::Command::new(program)
        .args(args)
        .current_dir(&cwd)
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| {
            RunError::Target(format!(
                "cannot start the target `{}` in {}: {e}\n  hint: is `{program}` installed and on PATH?",
                start.command.join(" "),
                cwd.display()
            ))
        })?;
    // Registered before anything else can fail: a second SIGINT or SIGTERM kills it too.
    super::interrupt::register_group(child.id());
    let mut process = StartedProcess { child, log };
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_secs(start.timeout_seconds);
    loop {
        if is_ready().await {
            tracing::info!(url = %ready, "target ready");
            return Ok(Some(process));
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            return Err(RunError::Target(format!(
                "the target `{}` exited with {status} before it was ready\n{}",
                start.command.join(" "),
                log_tail(&process.log)
            )));
        }
        if std::time::Instant::now() > deadline {
            let tail = log_tail(&process.log);
            drop(process);
            return Err(RunError::Target(format!(
                "the target `{}` did not answer {ready} within {} s\n{tail}\n  hint: raise target.start.timeout_seconds, or check the command",
                start.command.join(" "),
                start.timeout_seconds
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(15)..];
    format!(
        "  last output of the target ({}):\n    {}",
        path.display(),
        tail.join("\n    ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};

    #[test]
    fn only_real_groups_are_signalled() {
        // Regression: `kill -TERM -<pid>` through the kill command once became kill(-1),
        // which signals every process of the user.
        assert_eq!(group_target(0), None);
        assert_eq!(group_target(1), None);
        assert_eq!(group_target(u32::MAX), None);
        assert_eq!(group_target(4242), Some(-4242));
    }

    #[test]
    fn stopping_the_group_stops_the_target_and_nothing_else() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        stop_group(child.id());
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM));
    }
}
