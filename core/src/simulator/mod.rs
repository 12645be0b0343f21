//! The embedded simulator: a Signicat-shaped OpenID provider on a small hyper server.
//!
//! It stands beside the runner and knows nothing of steps, runner or configuration: it is handed
//! a [`SimulatorSetup`] (the clients and users it registers), a
//! [`Clock`](crate::clock::Clock) and a set of [`Defect`]s, binds to
//! 127.0.0.1, and serves the paths of Signicat's documentation under `/auth/open`:
//! discovery and JWKS, the authorization endpoint with HTML login and consent forms, the token
//! endpoint (authorization code with PKCE, refresh token with rotation, CIBA polling) and
//! UserInfo, also under the Identity Broker aliases `/broker/openidconnect/*`; MobileID over
//! CIBA at `/auth/open/connect/ciba`.
//!
//! The Authentication REST API (`/auth/rest/sessions`, see [`rest`]) with a simulated itsme
//! journey, and the finalise part of MobileID backend-initiated operations (see [`mobileid`]).
//! Test-only endpoints under `/__simulator/` play the end-user's device (see [`ciba`] and
//! [`mobileid`]).
//!
//! Each endpoint is a function `fn(&Shared, &Request) -> Response` in a module of its
//! own, routed to by path (see `Routes`); all of them share one `state::Shared` (keys, clock,
//! defects and the run's records behind a mutex). The server ([`server`]) hands every request to
//! one dispatcher.

// A handler that stops early returns its answer as `Err(Response)`: built once per request and
// returned at once, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod authorize;
mod ciba;
mod claims;
mod client_auth;
mod defects;
mod discovery;
mod id_token;
mod keys;
mod mobileid;
mod pages;
mod request_object;
mod rest;
mod server;
mod setup;
mod state;
mod token;
mod userinfo;
mod web;

#[cfg(test)]
mod ciba_tests;
#[cfg(test)]
mod mobileid_tests;
#[cfg(test)]
mod request_object_tests;
#[cfg(test)]
mod rest_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use regex::Regex;
use server::{Request, Response};

pub use defects::Defect;
pub use keys::{SIGNING_KID, UNPUBLISHED_KID};
pub use setup::{SimClient, SimMobileId, SimUser, SimulatorSetup};
pub use state::default_sub;

use state::Shared;

use crate::clock::{CLOCK_OFFSET_HEADER, SharedClock};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulatorError {
    /// The requested port is taken.
    #[error(
        "cannot start the simulator: port {port} on 127.0.0.1 is already in use. Stop the process listening there (`ss -ltnp 'sport = :{port}'` shows it), choose another port, or leave the port unset for a random free one"
    )]
    PortInUse { port: u16 },
    /// Binding failed for another reason.
    #[error("cannot start the simulator on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// The embedded test keys could not be loaded (a build problem).
    #[error("cannot start the simulator: {0}")]
    Keys(String),
}

/// A handler of one path.
type Handler = fn(&Shared, &Request) -> Response;

/// Answers a request with the handler of its path, in the requesting scenario's clock offset.
fn respond(shared: &Shared, routes: &Routes, request: &Request) -> Response {
    let offset = request
        .headers
        .get(CLOCK_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let handler = routes.find(request.path());
    state::with_request_offset(offset, || handler(shared, request))
}

/// The routes, ready for lookup: exact paths first, then the patterns in order, else 404.
struct Routes {
    exact: HashMap<&'static str, Handler>,
    patterns: Vec<(Regex, Handler)>,
}

impl Routes {
    fn new() -> Self {
        Self {
            exact: ROUTES.iter().copied().collect(),
            patterns: REGEX_ROUTES
                .iter()
                .map(|(pattern, handler)| {
                    (
                        Regex::new(pattern).expect("a valid route pattern"),
                        *handler,
                    )
                })
                .collect(),
        }
    }

    fn find(&self, path: &str) -> Handler {
        if let Some(handler) = self.exact.get(path) {
            return *handler;
        }
        self.patterns
            .iter()
            .find(|(pattern, _)| pattern.is_match(path))
            .map_or(|_, req| web::not_found(req), |(_, handler)| *handler)
    }
}

/// The simulator's routes: path and handler.
const ROUTES: &[(&str, Handler)] = &[
    (
        "/auth/open/.well-known/openid-configuration",
        discovery::configuration,
    ),
    (
        "/auth/open/.well-known/openid-configuration/jwks",
        discovery::jwks,
    ),
    ("/auth/open/connect/authorize", authorize::authorize),
    ("/auth/open/connect/token", token::token),
    ("/auth/open/connect/userinfo", userinfo::userinfo),
    (pages::LOGIN_PATH, authorize::login),
    (pages::CONSENT_PATH, authorize::consent),
    ("/broker/openidconnect/authorize", authorize::authorize),
    ("/broker/openidconnect/token", token::token),
    ("/broker/openidconnect/userinfo", userinfo::userinfo),
    ("/auth/open/connect/ciba", ciba::backchannel),
    ("/auth/rest/sessions", rest::create),
    (rest::LOGIN_PATH, rest::journey_start),
    (rest::ITSME_PATH, rest::journey_page),
    ("/__simulator/mobileid/operations", mobileid::start),
];

/// The routes of paths with ids: path regex and handler (the handler reads the ids).
const REGEX_ROUTES: &[(&str, Handler)] = &[
    (r"^/__simulator/ciba/[^/]+/[^/]+$", ciba::control),
    (r"^/auth/rest/sessions/[^/]+(/cancel)?$", rest::session),
    (
        r"^/__simulator/mobileid/operations/[^/]+/[^/]+$",
        mobileid::control,
    ),
    (
        r"^/auth/mobileid/operations/[^/]+/(status|complete|hop/[12])$",
        mobileid::operation,
    ),
];

/// A running simulated provider; dropping it stops the server.
pub struct Simulator {
    _server: server::Server,
    /// Dropped after the server: the random generator's seeding thread, waited for.
    _seeding: keys::JoinOnDrop,
    port: u16,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.shared.base_url)
            .field("defects", &self.shared.defects)
            .finish()
    }
}

impl Simulator {
    /// Starts the simulator on 127.0.0.1 (`port`, or a random free one), serving the clients
    /// and users of `setup`, reading time from `clock`, misbehaving as `defects` say.
    pub async fn start(
        setup: &SimulatorSetup,
        clock: SharedClock,
        defects: &[Defect],
        port: Option<u16>,
    ) -> Result<Simulator, SimulatorError> {
        let wanted = port.unwrap_or(0);
        let listener = std::net::TcpListener::bind(("127.0.0.1", wanted)).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AddrInUse {
                SimulatorError::PortInUse { port: wanted }
            } else {
                SimulatorError::Bind {
                    port: wanted,
                    source,
                }
            }
        })?;
        let bound = listener
            .local_addr()
            .map_err(|source| SimulatorError::Bind {
                port: wanted,
                source,
            })?
            .port();
        let keys = keys::Keys::load().map_err(SimulatorError::Keys)?;
        let seeding = keys::warm_up_random();
        let base_url = format!("http://127.0.0.1:{bound}");
        let shared = Arc::new(Shared::new(setup, clock, defects, base_url, keys));
        let routes = Routes::new();
        let app: server::App = {
            let shared = shared.clone();
            Arc::new(move |request: &Request| respond(&shared, &routes, request))
        };
        let server = server::serve(listener, app).map_err(|source| SimulatorError::Bind {
            port: bound,
            source,
        })?;
        Ok(Simulator {
            _server: server,
            _seeding: seeding,
            port: bound,
            shared,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The issuer, `base_url + "/auth/open"`.
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    /// The port the simulator listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The defects switched on.
    pub fn defects(&self) -> Vec<Defect> {
        self.shared.defects.iter().copied().collect()
    }
}
