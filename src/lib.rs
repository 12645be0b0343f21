//! idflow: a declarative scenario test runner for OpenID Connect and Signicat identity flows.
//!
//! Features (Gherkin) are parsed and scheduled by cucumber; the thin step definitions in
//! `steps/` turn words into calls on this library: an HTTP engine that records every exchange,
//! OpenID Connect flows, JWT checks and expectations. Report writers consume the run's event
//! stream. An embedded simulator ([`simulator`]) stands in for a Signicat tenant.

pub mod clock;
pub mod config;
pub mod http;
pub mod jwt;
pub mod redact;
pub mod report;
pub mod simulator;
