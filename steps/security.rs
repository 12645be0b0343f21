//! Security pack steps (features/security): an attacker's actions and the verdicts on the
//! provider's (or the client's) defences. Each step is one call into the attacker
//! ([`crate::oidc::attacks::Attacker`]); the verdicts are in `idflow_core::oidc::security`.

use cucumber::{then, when};

use crate::error::{Error, Result};
use crate::oidc::attacks::RedirectAlteration;
use crate::world::IdflowWorld;

/// Sends the client's authorization request with its registered redirect URI altered: `with a
/// path appended`, `in another case`, `with a query added`, `on another port`, `behind the
/// userinfo trick` (`https://rp@attacker/…`) or `over plain http`.
/// Example: When an attacker sends the authorization request with the redirect URI with a path appended
#[when(regex = r"^an attacker sends the authorization request with the redirect URI (.+)$")]
async fn altered_redirect_uri(w: &mut IdflowWorld, how: String) -> Result<()> {
    let how: RedirectAlteration = how.parse().map_err(Error::step)?;
    w.attacker()?.authorize_with_redirect_uri(how).await
}

/// The provider refused the request before any login: no redirect anywhere, no login page
/// (an error page, RFC 6749 §4.1.2.1, RFC 9700 §2.1 and §4.11.2).
/// Example: Then the provider refuses the request without redirecting
#[then(expr = "the provider refuses the request without redirecting")]
fn refuses_request(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_request_refused()
}

/// Sends the authorization request with PKCE method `plain` (the challenge is the verifier).
/// Example: When the client starts an authorization request with PKCE method plain
#[when(expr = "the client starts an authorization request with PKCE method plain")]
async fn plain_pkce(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.authorize_with_plain_pkce().await
}

/// The provider refused PKCE method plain: an error response or page, never a login or a
/// code (a best practice, RFC 9700 §2.1.1: it warns).
/// Example: Then the provider refuses the PKCE method plain
#[then(expr = "the provider refuses the PKCE method plain")]
fn refuses_plain(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_plain_refused()
}

/// The provider refused the request's malformed PKCE challenge: an error response or page,
/// never a login or a code (RFC 7636 §4.2).
/// Example: Then the provider refuses the malformed PKCE challenge
#[then(expr = "the provider refuses the malformed PKCE challenge")]
fn refuses_malformed(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_malformed_challenge_refused()
}

/// Exchanges the code leaving out the PKCE verifier whose challenge the request sent.
/// Example: When the client exchanges the authorization code without its PKCE verifier
#[when(expr = "the client exchanges the authorization code without its PKCE verifier")]
async fn without_verifier(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.exchange_code_without_verifier().await
}

/// Exchanges the code with a PKCE verifier though the request sent no challenge (a
/// downgrade attempt, RFC 9700 §4.8.2).
/// Example: When the client exchanges the authorization code with a PKCE verifier it never challenged
#[when(
    expr = "the client exchanges the authorization code with a PKCE verifier it never challenged"
)]
async fn unchallenged_verifier(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?
        .exchange_code_with_unchallenged_verifier()
        .await
}

/// Sends two redemptions of the authorization code at the same time.
/// Example: When an attacker redeems the authorization code twice at once
#[when(expr = "an attacker redeems the authorization code twice at once")]
async fn redeem_twice(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.redeem_code_twice_at_once().await
}

/// At most one of the two concurrent redemptions got tokens (RFC 6749 §4.1.2).
/// Example: Then at most one of the concurrent redemptions gets tokens
#[then(expr = "at most one of the concurrent redemptions gets tokens")]
fn one_wins(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_one_redemption_wins()
}

/// The code flow's redirect to the client carries no token, in the query or the fragment.
/// Example: Then the authorization response carries no token
#[then(expr = "the authorization response carries no token")]
fn no_token(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_no_token_in_redirect()
}

/// No page shown before the redirect to the client held the code, in its URL or content
/// (RFC 9700 §4.2: Referer leakage; a best practice, it warns).
/// Example: Then no page before the redirect holds the authorization code
#[then(expr = "no page before the redirect holds the authorization code")]
fn code_only_in_redirect(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_code_only_in_redirect()
}

/// The authorization response names the issuer in `iss` (RFC 9207 §2).
/// Example: Then the authorization response names the issuer
#[then(expr = "the authorization response names the issuer")]
fn names_issuer(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_issuer_named()
}

/// Replaces the `iss` of the received authorization response (a mix-up attack).
/// Example: When an attacker replaces the issuer in the authorization response with "https://attacker.idflow.test"
#[when(expr = "an attacker replaces the issuer in the authorization response with {string}")]
fn replace_issuer(w: &mut IdflowWorld, issuer: String) -> Result<()> {
    let issuer = w.interpolate(&issuer)?;
    w.attacker()?.replace_issuer(&issuer)
}

/// The client's checks refuse the authorization response for its foreign `iss`.
/// Example: Then the client rejects the authorization response because the issuer does not match
#[then(expr = "the client rejects the authorization response because the issuer does not match")]
fn rejects_issuer(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_issuer_rejected()
}

/// Hands the client the ID token of the scenario's earlier flow as this flow's.
/// Example: When an attacker replays the earlier flow's ID token
#[when(expr = "an attacker replays the earlier flow's ID token")]
fn replay_id_token(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.replay_earlier_id_token()
}

/// The client's ID token checks refuse the replayed token because its nonce is another flow's.
/// Example: Then the client rejects the ID token because its nonce belongs to another flow
#[then(expr = "the client rejects the ID token because its nonce belongs to another flow")]
async fn rejects_nonce(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_replayed_nonce_rejected().await
}

/// The authorization code has at least 128 bits of entropy, estimated from its length and
/// alphabet (RFC 6749 §10.10).
/// Example: Then the authorization code is unguessable
#[then(expr = "the authorization code is unguessable")]
fn code_entropy(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_code_entropy()
}

/// Exchanges the code with the client's id and secret in the token endpoint's query string.
/// Example: When the client exchanges the authorization code with its secret in the query string
#[when(expr = "the client exchanges the authorization code with its secret in the query string")]
async fn secret_in_query(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.exchange_code_with_secret_in_query().await
}

/// Exchanges the code as a client_id the provider never registered (with the client's own
/// secret and authentication method).
/// Example: When the client exchanges the authorization code as an unknown client
#[when(expr = "the client exchanges the authorization code as an unknown client")]
async fn unknown_client(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.exchange_code_as_unknown_client().await
}

/// The token endpoint refused credentials in the request URI (RFC 6749 §2.3.1).
/// Example: Then the token endpoint refuses the secret in the query string
#[then(expr = "the token endpoint refuses the secret in the query string")]
fn refuses_secret_in_query(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_secret_in_query_refused()
}

/// Refreshes with the client's id and a wrong secret.
/// Example: When the client refreshes the tokens with a wrong client secret
#[when(expr = "the client refreshes the tokens with a wrong client secret")]
async fn refresh_wrong_secret(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.refresh_with_wrong_secret().await
}

/// The latest refresh returned a new refresh token, not the one sent (RFC 9700 §4.14.2).
/// Example: Then the refresh token was rotated
#[then(expr = "the refresh token was rotated")]
fn rotated(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_refresh_rotated()
}

/// The refresh with the refresh token of a replayed code was refused (SHOULD, RFC 6749
/// §4.1.2): a provider that keeps it working passes with a warning.
/// Example: Then the refresh token issued from the replayed code is revoked
#[then(expr = "the refresh token issued from the replayed code is revoked")]
fn refresh_revoked(w: &mut IdflowWorld) -> Result<()> {
    w.attacker()?.expect_refresh_revoked_after_code_replay()
}
