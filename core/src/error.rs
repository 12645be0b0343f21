//! The library's error type: every variant reads as a message for a QA engineer (what, where,
//! how to fix), because step failures are shown verbatim in the console and reports.

use crate::config::ConfigError;
use crate::expect::{ExpectError, Mismatch};
use crate::http::HttpError;
use crate::record::Check;

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

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Step(message)
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
