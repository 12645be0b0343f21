//! The library's error type: every variant reads as a message for a QA engineer (what, where,
//! how to fix), because step failures are shown verbatim in the console and reports.

use crate::config::ConfigError;
use crate::expect::{ExpectError, Mismatch};
use crate::http::HttpError;
use crate::record::Check;

/// An error of a step or a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{0}")]
    Mismatch(#[from] Mismatch),
    #[error(transparent)]
    Expect(#[from] ExpectError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Discovery(#[from] crate::discovery::DiscoveryError),
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// Named checks failed (an ID token's, a response contract's).
    #[error("{subject}:{}", failed.iter().map(|c| format!("\n{}: {}", c.name, c.detail)).collect::<String>())]
    Checks {
        /// What was checked, in words ("the ID token is not valid").
        subject: String,
        /// The checks that failed, with their verdicts.
        failed: Vec<Check>,
    },
    /// A flow could not go on, or the feature asked for something impossible.
    #[error("{0}")]
    Step(String),
}

impl Error {
    /// A step error from any message.
    pub fn step(message: impl Into<String>) -> Self {
        Error::Step(message.into())
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an authorization request could not be made or its response read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    #[error("the client has no redirect URI: add one under `redirect_uris` in the environment")]
    NoRedirectUri,
    #[error("`respose_type` is a typo of seed 003's example: the parameter is `response_type`")]
    MisspeltResponseType,
    #[error("response_type `id token token` (seed 004) is not valid: write `id_token token`")]
    SpacedResponseType,
    #[error("{what} is not a URL: {reason}")]
    NotAUrl { what: &'static str, reason: String },
    #[error("max_age {0:?} is not a number of seconds")]
    MaxAge(String),
}
