//! The library's error type: every variant reads as a message for a QA engineer (what, where,
//! how to fix), because step failures are shown verbatim in the console and reports.

use crate::config::ConfigError;
use crate::expect::{ExpectError, Mismatch};
use crate::http::HttpError;

/// An error of a step or a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{0}")]
    Mismatch(#[from] Mismatch),
    #[error(transparent)]
    Expect(#[from] ExpectError),
    #[error(transparent)]
    Config(#[from] ConfigError),
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

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Step(message)
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
