//! JSON Web Tokens: decoding, signature verification against a JWKS, and the ID token checks of
//! OpenID Connect Core and the OpenID Foundation conformance suite.

pub mod hash;

pub use hash::left_half_hash;
