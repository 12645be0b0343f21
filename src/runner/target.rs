//! Starting (and stopping) what a run talks to.

use std::sync::Arc;

use url::Url;

use super::RunError;
use crate::clock::{ManualClock, SharedClock, SystemClock};
use crate::config::{Environment, Target};
use crate::simulator::{Defect, Simulator};

/// The target while the run lasts; dropping it stops what the run started.
pub struct RunningTarget {
    pub issuer: String,
    pub base_url: Url,
    pub clock: SharedClock,
    /// For people: "embedded simulator at http://127.0.0.1:4711" or the issuer.
    pub description: String,
    _simulator: Option<Simulator>,
}

/// Starts the environment's target: the simulator on 127.0.0.1 with a clock the run controls,
/// or nothing for a remote provider (which must answer discovery).
pub async fn start(env: &Environment, extra_defects: &[Defect]) -> Result<RunningTarget, RunError> {
    match &env.target {
        Target::Simulator { defects } => {
            let mut all = defects.clone();
            all.extend_from_slice(extra_defects);
            all.sort();
            all.dedup();
            let clock: SharedClock = Arc::new(ManualClock::new());
            let sim = Simulator::start(env, clock.clone(), &all, None)
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
                _simulator: Some(sim),
            })
        }
        Target::Remote { issuer, .. } => {
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
            probe(issuer, env).await?;
            Ok(RunningTarget {
                issuer: issuer.to_string(),
                description: issuer.to_string(),
                base_url,
                clock: Arc::new(SystemClock),
                _simulator: None,
            })
        }
    }
}

/// Checks that a remote target answers at all before running any scenario, so that a wrong
/// host gives one clear error instead of every scenario failing the same way.
async fn probe(issuer: &str, env: &Environment) -> Result<(), RunError> {
    let base_dir = env
        .path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let engine = Arc::new(
        crate::http::HttpEngine::new(&env.tls, &env.http, &base_dir)
            .map_err(|e| RunError::Target(e.to_string()))?,
    );
    let url = crate::oidc::discovery_url(issuer).map_err(RunError::Target)?;
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
