//! The embedded simulator: a Signicat-shaped OpenID provider on wiremock.
//!
//! It stands beside the runner and knows nothing of steps: it is configured with the clients and
//! users of an environment, a [`Clock`](crate::clock::Clock) and a set of [`Defect`]s, binds to
//! 127.0.0.1, and serves the paths of Signicat's documentation under `/auth/open`.

mod defects;

pub use defects::Defect;
