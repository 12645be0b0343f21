//! idflow-core: the library under idflow, a declarative scenario test runner for OpenID Connect
//! and Signicat identity flows.
//!
//! Features (Gherkin) are parsed and scheduled by cucumber; the thin step definitions of the
//! `idflow` crate (its `steps/`) turn words into calls on this library: an HTTP engine that
//! records every exchange, OpenID Connect flows, JWT checks and expectations. Report writers
//! consume the run's event stream. An embedded simulator ([`simulator`]) stands in for a
//! Signicat tenant. Use it through `idflow`, which re-exports all of it with the built-in
//! steps; the steps live in their own crate so that editing one rebuilds only them.

pub mod catalogue;
pub(crate) mod checks;
pub mod clock;
pub mod config;
mod context;
mod device;
pub(crate) mod discovery;
pub mod error;
pub(crate) mod expect;
mod generic;
pub mod http;
pub mod jwt;
mod logs;
pub(crate) mod mobileid;
pub mod oidc;
pub mod phrase;
mod poll;
pub(crate) mod protocol;
pub mod record;
pub mod redact;
pub mod report;
pub mod rest_api;
pub mod runner;
pub(crate) mod scenario;
pub mod simulator;
pub mod world;

/// What a project that adds its own steps needs, in one import: the world its steps receive,
/// the library's error, the scenario and its record, checklists and expectations, and the
/// run's options. `use idflow::prelude::*;` (the `idflow` crate's prelude adds the runner's
/// entry points with the built-in steps linked in).
pub mod prelude {
    pub use crate::catalogue::{StepFile, StepSources};
    pub use crate::checks::Checklist;
    pub use crate::error::{Error, Result};
    pub use crate::expect::{Matcher, Mismatch};
    pub use crate::record::{Check, Level, Outcome};
    pub use crate::runner::RunOptions;
    pub use crate::scenario::Scenario;
    pub use crate::world::IdflowWorld;
}
