//! Token steps: the full ID token verification and single-claim expectations.

use cucumber::then;

use crate::error::{Error, Result};
use crate::expect::check;
use crate::phrase::parse_matcher;
use crate::world::IdflowWorld;

/// Runs every ID token check (signature against the JWKS by kid, alg allow-list and never
/// `none`, iss, aud/azp, exp, iat, nonce, sub, at_hash, c_hash, auth_time with max_age) and
/// names each check that fails.
/// Example: Then the ID token is valid
#[then(expr = "the ID token is valid")]
async fn id_token_is_valid(w: &mut IdflowWorld) -> Result<()> {
    verify(w, "ID token").await
}

/// The same checks on the ID token of the latest refresh.
/// Example: Then the refreshed ID token is valid
#[then(expr = "the refreshed ID token is valid")]
async fn refreshed_id_token_is_valid(w: &mut IdflowWorld) -> Result<()> {
    verify(w, "refreshed ID token").await
}

async fn verify(w: &mut IdflowWorld, label: &str) -> Result<()> {
    w.flow()?.check_id_token(label).await
}

/// One claim of the latest ID token, with any expectation phrase.
/// Example: Then the ID token claim "acr" is "idp:mobileid"
#[then(regex = r#"^the ID token claim "([^"]+)" (.+)$"#)]
fn id_token_claim(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    let now = w.clock()?.unix_seconds();
    let matcher = parse_matcher(&w.interpolate(&phrase)?, now)?;
    let claims = id_token_part(w, |d| &d.claims)?;
    check(
        &format!("claim {name} of the ID token"),
        crate::jwt::claim(&claims, &name),
        &matcher,
    )?;
    Ok(())
}

/// One header parameter of the latest ID token (alg, kid, typ), with any expectation phrase.
/// Example: Then the ID token header "alg" is "RS256"
#[then(regex = r#"^the ID token header "([^"]+)" (.+)$"#)]
fn id_token_header(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    let now = w.clock()?.unix_seconds();
    let matcher = parse_matcher(&w.interpolate(&phrase)?, now)?;
    let header = id_token_part(w, |d| &d.header)?;
    check(
        &format!("header parameter {name} of the ID token"),
        header.get(&name),
        &matcher,
    )?;
    Ok(())
}

fn id_token_part(
    w: &IdflowWorld,
    part: impl Fn(&crate::jwt::DecodedJwt) -> &serde_json::Value,
) -> Result<serde_json::Value> {
    let decoded = w
        .client
        .tokens
        .as_ref()
        .and_then(|t| t.id_token_jwt())
        .ok_or_else(|| Error::step("no ID token was received in this scenario"))?
        .map_err(|e| Error::step(format!("the ID token does not decode: {e}")))?;
    Ok(part(decoded).clone())
}
