//! Request objects (RFC 9101, OpenID Connect Core §6) and `private_key_jwt` client
//! authentication (RFC 7523, Core §9): each step is one call into the relying party
//! ([`crate::oidc::RelyingParty`]).

use cucumber::gherkin::Step;
use cucumber::{then, when};

use super::interpolated_pairs;
use crate::error::{Error, Result};
use crate::oidc::client_assertion::AssertionTamper;
use crate::oidc::request_object::ObjectAlg;
use crate::oidc::{ExchangeOptions, ObjectOptions};
use crate::world::IdflowWorld;

/// The algorithm a step names (`RS256`, `HS256`, `none`).
fn alg(word: &str) -> Result<ObjectAlg> {
    word.parse()
        .map_err(|e: crate::oidc::request_object::RequestObjectError| Error::step(e.to_string()))
}

/// Sends the authorization request in a request object signed RS256 (the client's private key)
/// or HS256 (its secret), by value (`request`).
/// Example: When the client sends the authorization request in a request object signed with RS256
#[when(expr = "the client sends the authorization request in a request object signed with {word}")]
async fn by_value(w: &mut IdflowWorld, alg_name: String) -> Result<()> {
    let options = ObjectOptions::new(alg(&alg_name)?);
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends the authorization request in an unsigned request object (`alg: none`), by value.
/// Example: When the client sends the authorization request in an unsigned request object
#[when(expr = "the client sends the authorization request in an unsigned request object")]
async fn unsigned(w: &mut IdflowWorld) -> Result<()> {
    let options = ObjectOptions::new(ObjectAlg::None);
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends the authorization request by reference (`request_uri`): the run hosts the signed
/// object on 127.0.0.1 and records the provider's fetch of it.
/// Example: When the client sends the authorization request by reference in a request object signed with RS256
#[when(
    expr = "the client sends the authorization request by reference in a request object signed with {word}"
)]
async fn by_reference(w: &mut IdflowWorld, alg_name: String) -> Result<()> {
    let mut options = ObjectOptions::new(alg(&alg_name)?);
    options.by_reference = true;
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends the authorization request in a request object signed with the algorithm, then
/// encrypted to the provider's RSA encryption key from its JWKS (RSA-OAEP, A256GCM).
/// Example: When the client sends the authorization request in an encrypted request object signed with RS256
#[when(
    expr = "the client sends the authorization request in an encrypted request object signed with {word}"
)]
async fn encrypted(w: &mut IdflowWorld, alg_name: String) -> Result<()> {
    let mut options = ObjectOptions::new(alg(&alg_name)?);
    options.encrypt = true;
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends a request object whose claims a `| name | value |` table changes (`aud`, `iss`, any
/// parameter; `exp`, `iat`, `nbf` in seconds, relative as `-60`; `(omitted)` removes one).
/// Example: When the client sends a request object signed with RS256 whose claims are:
#[when(expr = "the client sends a request object signed with {word} whose claims are:")]
async fn with_claims(w: &mut IdflowWorld, alg_name: String, step: &Step) -> Result<()> {
    let mut options = ObjectOptions::new(alg(&alg_name)?);
    options.claims = interpolated_pairs(w, step)?;
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends a request object with parameters outside it from a `| name | value |` table, which
/// may contradict the object (client_id, response_type, nonce ...).
/// Example: When the client sends a request object signed with RS256 beside the query parameters:
#[when(expr = "the client sends a request object signed with {word} beside the query parameters:")]
async fn with_outside(w: &mut IdflowWorld, alg_name: String, step: &Step) -> Result<()> {
    let mut options = ObjectOptions::new(alg(&alg_name)?);
    options.outside = interpolated_pairs(w, step)?;
    w.rp()?.authorize_with_object(&[], &options).await
}

/// Sends a signed request object with one character of its signature changed.
/// Example: When the client sends a request object signed with RS256 whose signature is altered
#[when(expr = "the client sends a request object signed with {word} whose signature is altered")]
async fn altered(w: &mut IdflowWorld, alg_name: String) -> Result<()> {
    let mut options = ObjectOptions::new(alg(&alg_name)?);
    options.alter_signature = true;
    w.rp()?.authorize_with_object(&[], &options).await
}

/// The provider refused the request object: an error back to the client or its own error
/// page, never a login page or a code (RFC 9101 §6.3, OpenID Connect Core §6.3).
/// Example: Then the provider refuses the request object
#[then(expr = "the provider refuses the request object")]
fn refuses(w: &mut IdflowWorld) -> Result<()> {
    let clause = "RFC 9101 §6.3; OpenID Connect Core 1.0 §6.3";
    w.rp()?.expect_request_object_refused(clause)
}

/// Exchanges the code with a client assertion (`private_key_jwt`) whose claims a
/// `| name | value |` table changes (`aud`, `iss`, `sub`; `exp` in seconds, relative as `-60`).
/// Example: When the client exchanges the authorization code with a client assertion whose claims are:
#[when(
    expr = "the client exchanges the authorization code with a client assertion whose claims are:"
)]
async fn assertion_claims(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let claims = interpolated_pairs(w, step)?;
    let assertion = AssertionTamper {
        claims,
        ..AssertionTamper::default()
    };
    let options = ExchangeOptions {
        assertion,
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}

/// Exchanges the code with a client assertion whose signature has one character changed.
/// Example: When the client exchanges the authorization code with a client assertion whose signature is altered
#[when(
    expr = "the client exchanges the authorization code with a client assertion whose signature is altered"
)]
async fn assertion_altered(w: &mut IdflowWorld) -> Result<()> {
    let assertion = AssertionTamper {
        alter_signature: true,
        ..AssertionTamper::default()
    };
    let options = ExchangeOptions {
        assertion,
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}

/// The token endpoint refused the client assertion: 400 or 401 with `invalid_client`
/// (RFC 7523 §3.2, RFC 6749 §5.2).
/// Example: Then the provider refuses the client assertion
#[then(expr = "the provider refuses the client assertion")]
fn refuses_assertion(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_client_assertion_refused()
}

/// Exchanges the code again, sending the client assertion of the previous token request once
/// more (its jti replayed).
/// Example: When the client exchanges the same authorization code again replaying its client assertion
#[when(
    expr = "the client exchanges the same authorization code again replaying its client assertion"
)]
async fn assertion_replayed(w: &mut IdflowWorld) -> Result<()> {
    let assertion = AssertionTamper {
        replay: Some(String::new()),
        ..AssertionTamper::default()
    };
    let options = ExchangeOptions {
        assertion,
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}
