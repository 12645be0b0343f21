//! Token steps: the full ID token verification and single-claim expectations.

use cucumber::then;

use crate::error::Result;
use crate::world::IdflowWorld;

/// Runs every ID token check (signature against the JWKS by kid, alg allow-list and never
/// `none`, iss, aud/azp, exp, iat and its range, time units, nonce, sub and its characters,
/// at_hash, c_hash, auth_time with max_age, standard claim types) and names each that fails.
/// Example: Then the ID token is valid
#[then(expr = "the ID token is valid")]
async fn id_token_is_valid(w: &mut IdflowWorld) -> Result<()> {
    verify(w, "ID token").await
}

/// The same checks on the ID token of the latest refresh; a refresh response without one
/// (OpenID Connect Core §12.2 allows it) is reported as not applicable.
/// Example: Then the refreshed ID token is valid
#[then(expr = "the refreshed ID token is valid")]
async fn refreshed_id_token_is_valid(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.check_refreshed_id_token().await
}

async fn verify(w: &mut IdflowWorld, label: &str) -> Result<()> {
    w.rp()?.check_id_token(label).await
}

/// The latest ID token's auth_time equals the previous sign-in's: the session was reused, so
/// no new authentication occurred (OpenID Connect Core §2).
/// Example: Then the ID token's auth_time is the previous sign-in's
#[then(expr = "the ID token's auth_time is the previous sign-in's")]
fn auth_time_kept(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_auth_time_kept()
}

/// The latest ID token's auth_time is later than the previous sign-in's: the end-user
/// authenticated again. A MUST when max_age was exceeded, a SHOULD for prompt=login
/// (OpenID Connect Core §3.1.2.1).
/// Example: Then the ID token's auth_time is later than the previous sign-in's
#[then(expr = "the ID token's auth_time is later than the previous sign-in's")]
fn auth_time_later(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_auth_time_later()
}

/// The latest ID token's sub is the previous sign-in's (OpenID Connect Core §2, §3.1.2.1).
/// Example: Then the ID token's sub is the previous sign-in's
#[then(expr = "the ID token's sub is the previous sign-in's")]
fn same_sub(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_same_subject()
}

/// One claim of the latest ID token, with any expectation phrase.
/// Example: Then the ID token claim "acr" is "idp:mobileid"
#[then(regex = r#"^the ID token claim "([^"]+)" (.+)$"#)]
async fn id_token_claim(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    let matcher = w.matcher(&phrase)?;
    w.rp()?.expect_id_token_part(&name, false, &matcher).await
}

/// One header parameter of the latest ID token (alg, kid, typ), with any expectation phrase.
/// Example: Then the ID token header "alg" is "RS256"
#[then(regex = r#"^the ID token header "([^"]+)" (.+)$"#)]
async fn id_token_header(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    let matcher = w.matcher(&phrase)?;
    w.rp()?.expect_id_token_part(&name, true, &matcher).await
}
