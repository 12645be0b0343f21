//! The HTTP engine: reqwest underneath, one [`crate::record::Exchange`] per logical request, redirects
//! followed by the engine (so a flow can stop at the client's redirect URI), a cookie jar per
//! scenario, timeouts on everything.

mod engine;
mod tls;

pub(crate) use tls::configure as configure_tls;

pub use engine::{
    Body, HeldCookie, HttpEngine, HttpError, Redirects, RequestSpec, Session, same_endpoint,
    serde_urlencoded_pairs,
};

#[cfg(test)]
pub(crate) mod hostile;
