//! JSON Web Tokens: decoding, signature verification against a JWKS, and the ID token checks of
//! OpenID Connect Core and the OpenID Foundation conformance suite.
//!
//! The pieces are deliberately separate so that a step can use exactly what it needs:
//!
//! - [`decode()`] splits and parses a compact JWS *without* verifying anything (it also accepts
//!   `alg: none` tokens, which a tester must be able to look at and reject explicitly);
//! - [`Jwks`] holds a provider's key set and chooses the key for a token (by `kid`, `kty`,
//!   `alg`, `use`), explaining why no key fits when none does;
//! - [`IdTokenVerifier`] runs every ID token check (signature, `iss`, `aud`, `exp`, `nonce`,
//!   `at_hash` ...) and never stops at the first failure: the [`TokenVerdict`] lists one
//!   [`Check`](crate::record::Check) per named check, which is what the
//!   report shows;
//! - [`claim()`] looks up one claim (nested names with dots) for single-claim expectations.
//!
//! Nothing here reads the system clock: the verifier is given `now` from the run's clock.

pub mod decode;
pub mod jwks;
pub mod standard_claims;
pub mod verify;

pub use crate::protocol::left_half_hash;
pub use decode::{DecodedJwt, claim, decode};
pub use jwks::{Jwks, JwksKey};
pub use standard_claims::{STANDARD_CLAIMS_CLAUSE, standard_claims_verdict};
pub use verify::{IdTokenVerifier, TokenVerdict};

/// Why a token could not be decoded or no key could be chosen for it.
///
/// Every message says exactly what is wrong, in words a QA engineer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is empty (or only whitespace).
    #[error("the token is empty")]
    Empty,
    /// The token does not have three dot-separated parts.
    #[error(
        "a signed JWT has three dot-separated parts (header.payload.signature), this one has {parts}{}",
        if *parts == 5 { " (five parts: probably an encrypted JWE, which cannot be checked as a JWS)" } else { "" }
    )]
    NotThreeParts {
        /// How many parts the token has.
        parts: usize,
    },
    /// One segment is not valid base64url.
    #[error("segment {index} ({segment}) is not base64url: {reason}")]
    NotBase64Url {
        /// 1-based segment number.
        index: usize,
        /// "header", "payload" or "signature".
        segment: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The header or payload does not decode to JSON.
    #[error("segment {index} ({segment}) is not JSON: {reason}")]
    NotJson {
        /// 1-based segment number.
        index: usize,
        /// "header" or "payload".
        segment: &'static str,
        /// The JSON parser's message.
        reason: String,
    },
    /// The header or payload is JSON but not an object.
    #[error("segment {index} ({segment}) is not a JSON object but {found}")]
    NotObject {
        /// 1-based segment number.
        index: usize,
        /// "header" or "payload".
        segment: &'static str,
        /// What it is instead ("an array", "a string" ...).
        found: String,
    },
    /// The JWKS document is malformed.
    #[error("invalid JWKS: {0}")]
    InvalidJwks(String),
    /// No key in the JWKS has the token's kid.
    #[error("no key with kid {kid:?} in the JWKS (kids: {})", list_or_none(kids))]
    UnknownKid {
        /// The token's kid.
        kid: String,
        /// The kids the JWKS has.
        kids: Vec<String>,
    },
    /// Keys with the kid exist but none fits the token's algorithm.
    #[error("the key with kid {kid:?} does not fit the token: {reason}")]
    KeyMismatch {
        /// The token's kid.
        kid: String,
        /// Why (key type, alg or use mismatch).
        reason: String,
    },
    /// The token has no kid and the JWKS has no single suitable key.
    #[error("{0}")]
    NoSuitableKey(String),
    /// The chosen key cannot be turned into a verification key.
    #[error("the key {key} in the JWKS is unusable: {reason}")]
    UnusableKey {
        /// Which key ("kid \"x\"" or "#2").
        key: String,
        /// Why.
        reason: String,
    },
}

pub(crate) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// Article and name of a JSON value's type, for messages ("an array", "a string").
pub(crate) fn type_phrase(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
