//! What every simulator test module starts with: a simulator on a manual clock and an HTTP
//! client that follows no redirect.

use std::path::Path;
use std::sync::Arc;

use super::{Defect, Simulator};
use crate::clock::ManualClock;
use crate::config::Environment;

/// Starts a simulator for the environment `yaml` (named `name` in errors) with `defects`.
pub async fn start(
    yaml: &str,
    name: &str,
    defects: &[Defect],
) -> (Simulator, ManualClock, reqwest::Client) {
    let env = Environment::parse(yaml, Path::new(name)).unwrap();
    let clock = ManualClock::new();
    let shared: crate::clock::SharedClock = Arc::new(clock.clone());
    let sim = Simulator::start(&env, shared, defects, None).await.unwrap();
    // reqwest is built without a default TLS provider; plain http still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (sim, clock, http)
}
