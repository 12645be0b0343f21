//! What every scenario of a run shares: the environment, the HTTP client, the clock, caches
//! and the collector that hands each finished scenario's record to the report writer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use url::Url;

use crate::clock::SharedClock;
use crate::config::Environment;
use crate::discovery::ProviderMetadata;
use crate::http::HttpEngine;
use crate::jwt::Jwks;
use crate::record::ScenarioRecord;
use crate::redact::Redactor;

/// Identifies a scenario within a run: feature file and line (an outline's example row has
/// its own line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScenarioKey {
    pub(crate) path: String,
    pub(crate) line: usize,
}

/// A finished scenario's record with the redaction scope that knows its secrets.
#[derive(Debug, Default)]
pub struct ScenarioCapture {
    pub(crate) record: ScenarioRecord,
    /// What the scenario learned is secret (its codes, tokens, verifiers).
    pub(crate) redactor: Option<Arc<Redactor>>,
}

/// Hands each finished scenario's record from its world (the runner's after hook) to the
/// report writer, which takes it when cucumber reports the scenario finished. Attempts of a
/// retried scenario queue up in order.
#[derive(Debug, Default)]
pub struct Collector {
    captures: Mutex<HashMap<ScenarioKey, VecDeque<ScenarioCapture>>>,
}

impl Collector {
    /// Stores a scenario's record.
    pub fn put(&self, key: ScenarioKey, capture: ScenarioCapture) {
        self.captures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .push_back(capture);
    }
    /// Takes a scenario's oldest record not yet taken.
    pub fn take(&self, key: &ScenarioKey) -> ScenarioCapture {
        let mut captures = self.captures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(queue) = captures.get_mut(key) else {
            return ScenarioCapture::default();
        };
        let capture = queue.pop_front().unwrap_or_default();
        if queue.is_empty() {
            captures.remove(key);
        }
        capture
    }
}

/// Per-run caches of provider documents, so that scenarios do not refetch them.
#[derive(Debug, Default)]
pub struct ProviderCache {
    metadata: Mutex<Option<Arc<ProviderMetadata>>>,
    jwks: Mutex<HashMap<String, Arc<Jwks>>>,
}

impl ProviderCache {
    /// The cached discovery document.
    pub fn metadata(&self) -> Option<Arc<ProviderMetadata>> {
        self.metadata
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    /// Caches a discovery document.
    pub fn set_metadata(&self, meta: Arc<ProviderMetadata>) {
        *self.metadata.lock().unwrap_or_else(|e| e.into_inner()) = Some(meta);
    }
    /// The cached key set at `uri`.
    pub fn jwks(&self, uri: &str) -> Option<Arc<Jwks>> {
        self.jwks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(uri)
            .cloned()
    }
    /// Caches a key set (replacing an older one: key rotation).
    pub fn set_jwks(&self, uri: &str, jwks: Arc<Jwks>) {
        self.jwks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uri.to_string(), jwks);
    }
}

/// The run's shared state, handed to each scenario's world by the before hook.
pub struct RunContext {
    pub(crate) env: Environment,
    pub(crate) engine: Arc<HttpEngine>,
    pub(crate) clock: SharedClock,
    /// The issuer the target is expected to announce.
    pub(crate) issuer: String,
    /// Base URL relative request URLs are resolved against (the target's origin).
    pub(crate) base_url: Url,
    pub(crate) redactor: Arc<Redactor>,
    /// The target runs on the run's clock (the simulator): each scenario gets its own offset.
    pub(crate) virtual_time: bool,
    /// Failed SHOULD and best-practice checks fail their step (`--strict`, or `strict: true`
    /// in the environment).
    pub(crate) strict: bool,
    pub(crate) cache: ProviderCache,
    pub(crate) collector: Collector,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("env", &self.env.name)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}
