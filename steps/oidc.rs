//! OpenID Connect domain steps: discovery, authorization, login, code exchange, refresh,
//! userinfo, implicit flow. Each step is one call into the relying party
//! ([`crate::oidc::RelyingParty`]) or the user agent ([`crate::oidc::UserAgent`]).

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::interpolated_pairs;
use crate::config::AuthMethod;
use crate::error::{Error, Result};
use crate::oidc::{Consent, ExchangeOptions, TokenChoice};
use crate::world::IdflowWorld;

/// Chooses the client (by its environment name) for the following steps.
/// Example: Given the client "web"
#[given(expr = "the client {string}")]
fn choose_client(w: &mut IdflowWorld, name: String) -> Result<()> {
    w.rp()?.choose_client(&name)
}

/// Fetches the discovery document and checks that its issuer is exactly the expected one;
/// its string fields become variables such as `{{discovery.token_endpoint}}`.
/// Example: When the client fetches the provider's discovery document
#[when(expr = "the client fetches the provider's discovery document")]
async fn discover(w: &mut IdflowWorld) -> Result<()> {
    w.discover().await
}

/// The discovery document has what OpenID Connect Discovery 1.0 §3 requires: issuer,
/// endpoints, jwks_uri, response and subject types, ID token algorithms with RS256, and https
/// endpoints (plain http only on a loopback host).
/// Example: Then the provider's configuration is sound
#[then(expr = "the provider's configuration is sound")]
async fn configuration_sound(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_sound_configuration().await
}

/// The provider's JWK Set (fetched from jwks_uri) has distinct kids, no private or symmetric
/// key material, and only usable keys (known kty, members that decode, fitting alg and use).
/// Example: Then the provider's signing keys are sound
#[then(expr = "the provider's signing keys are sound")]
async fn signing_keys_sound(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_sound_signing_keys().await
}

/// The latest access token differs from the one the grant before it gave (RFC 6749 §10.10).
/// Example: Then the two access tokens differ
#[then(expr = "the two access tokens differ")]
fn access_tokens_differ(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_access_tokens_differ()
}

/// Sends an authorization request with generated state, nonce and PKCE S256.
/// Example: When the client starts an authorization request
#[when(expr = "the client starts an authorization request")]
async fn authorize(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.authorize(&[]).await
}

/// Sends an authorization request with extra or overridden parameters from a
/// `| name | value |` table (prompt, max_age, ui_locales, login_hint, acr_values,
/// id_token_hint, signicat_profile, response_type, scope, redirect_uri ...); the value
/// `(omitted)` leaves a generated parameter out.
/// Example: When the client starts an authorization request with:
#[when(expr = "the client starts an authorization request with:")]
async fn authorize_with(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let params = interpolated_pairs(w, step)?;
    w.rp()?.authorize(&params).await
}

/// Sends the authorization request as a form POST to the authorization endpoint (OpenID
/// Connect Core §3.1.2.1: the endpoint MUST support GET and POST).
/// Example: When the client starts an authorization request by POST
#[when(expr = "the client starts an authorization request by POST")]
async fn authorize_by_post(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.authorize_by_post(&[]).await
}

/// The provider accepted the authorization request sent by POST: no 404/405/501, and its
/// login form or a redirect to the client without an error (OpenID Connect Core §3.1.2.1).
/// Example: Then the provider accepts the authorization request sent by POST
#[then(expr = "the provider accepts the authorization request sent by POST")]
async fn post_accepted(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_post_accepted().await
}

/// Starts a silent sign-in (`prompt=none`) with the latest ID token as `id_token_hint`.
/// Example: When the client starts an authorization request with prompt=none and the ID token as id_token_hint
#[when(
    expr = "the client starts an authorization request with prompt=none and the ID token as id_token_hint"
)]
async fn authorize_with_hint(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.authorize_with_id_token_hint().await
}

/// A request without response_type got an error page or a redirect with `invalid_request`
/// or `unsupported_response_type`, and no code or token (RFC 6749 §3.1.1, §4.1.2.1).
/// Example: Then the provider refuses the request for its missing response_type
#[then(expr = "the provider refuses the request for its missing response_type")]
fn missing_response_type(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_missing_response_type_refused()
}

/// Fills in the provider's login form (and allows consent) as the named test user, following
/// the provider until it redirects to the client.
/// Example: When the end-user logs in as "alice"
#[when(expr = "the end-user logs in as {string}")]
async fn log_in(w: &mut IdflowWorld, user: String) -> Result<()> {
    w.user_agent()?.log_in(&user, Consent::Allow).await
}

/// Logs in as the named user and denies consent.
/// Example: When the end-user logs in as "alice" and denies consent
#[when(expr = "the end-user logs in as {string} and denies consent")]
async fn log_in_and_deny(w: &mut IdflowWorld, user: String) -> Result<()> {
    w.user_agent()?.log_in(&user, Consent::Deny).await
}

/// Submits the provider's login form with the user's name and a wrong password.
/// Example: When the end-user tries to log in as "alice" with a wrong password
#[when(expr = "the end-user tries to log in as {string} with a wrong password")]
async fn wrong_password(w: &mut IdflowWorld, user: String) -> Result<()> {
    w.user_agent()?.log_in_with_wrong_password(&user).await
}

/// The user agent is on the provider's login form (not redirected to the client).
/// Example: Then the provider shows its login form
#[then(expr = "the provider shows its login form")]
async fn shows_login(w: &mut IdflowWorld) -> Result<()> {
    w.user_agent()?.expect_login_form().await
}

/// The provider redirected to the client with a code; state, iss (when present) and the
/// code's characters and entropy pass the client's checks.
/// Example: Then the client receives an authorization code
#[then(expr = "the client receives an authorization code")]
fn receives_code(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.receive_code()
}

/// The provider redirected to the client with an ID token and access token in the URL
/// fragment (implicit flow), and nothing in the query.
/// Example: Then the client receives an ID token and an access token in the fragment
#[then(expr = "the client receives an ID token and an access token in the fragment")]
fn receives_implicit_tokens(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.receive_implicit_tokens()
}

/// The provider redirected to the client with an OAuth error (in the query, or the fragment
/// for implicit requests) and echoed state.
/// Example: Then the authorization response is the error "login_required"
#[then(expr = "the authorization response is the error {string}")]
fn authorization_error(w: &mut IdflowWorld, expected: String) -> Result<()> {
    w.rp()?.expect_authorization_error(&expected)
}

/// The provider redirected to the client with an error requiring the end-user's interaction:
/// login_required, interaction_required, account_selection_required or consent_required
/// (OpenID Connect Core §3.1.2.6, as the OpenID Foundation's conformance suite accepts).
/// Example: Then the authorization response is an error requiring the end-user's interaction
#[then(expr = "the authorization response is an error requiring the end-user's interaction")]
fn interaction_required(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_interaction_required()
}

/// An attacker swaps the state of the authorization response before the client reads it.
/// Example: When an attacker replaces the state in the authorization response
#[when(expr = "an attacker replaces the state in the authorization response")]
fn tamper_state(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.tamper_state()
}

/// The client's check of the authorization response refuses it because state does not
/// match the one it sent.
/// Example: Then the client rejects the authorization response because the state does not match
#[then(expr = "the client rejects the authorization response because the state does not match")]
fn rejects_state(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_state_rejected()
}

/// The provider answered with its own error page: no redirect to the client at all.
/// Example: Then the provider shows an error page instead of redirecting
#[then(expr = "the provider shows an error page instead of redirecting")]
fn error_page(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_error_page()
}

/// Exchanges the authorization code at the token endpoint with the client's own
/// authentication method.
/// Example: When the client exchanges the authorization code
#[when(expr = "the client exchanges the authorization code")]
async fn exchange(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.exchange_code(&ExchangeOptions::default()).await
}

/// Exchanges the code again (an authorization code is single-use).
/// Example: When the client exchanges the same authorization code again
#[when(expr = "the client exchanges the same authorization code again")]
async fn exchange_again(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.exchange_code(&ExchangeOptions::default()).await
}

/// Exchanges the code authenticating with a given method (client_secret_basic or
/// client_secret_post).
/// Example: When the client exchanges the authorization code using client_secret_post
#[when(expr = "the client exchanges the authorization code using {word}")]
async fn exchange_using(w: &mut IdflowWorld, method: String) -> Result<()> {
    let options = ExchangeOptions {
        auth_method: Some(method.parse::<AuthMethod>().map_err(Error::step)?),
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}

/// Exchanges the code with a client secret that is not the client's.
/// Example: When the client exchanges the authorization code with a wrong client secret
#[when(expr = "the client exchanges the authorization code with a wrong client secret")]
async fn exchange_wrong_secret(w: &mut IdflowWorld) -> Result<()> {
    let options = ExchangeOptions {
        secret: Some("not-the-client-secret".into()),
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}

/// Exchanges the code with a PKCE verifier that does not match the challenge sent.
/// Example: When the client exchanges the authorization code with a wrong PKCE verifier
#[when(expr = "the client exchanges the authorization code with a wrong PKCE verifier")]
async fn exchange_wrong_verifier(w: &mut IdflowWorld) -> Result<()> {
    let options = ExchangeOptions {
        code_verifier: Some(crate::oidc::pkce::Pkce::generate().verifier),
        ..Default::default()
    };
    w.rp()?.exchange_code(&options).await
}

/// The latest token response is a success: 200 JSON, token_type Bearer, expires_in in
/// seconds (milliseconds caught against the ID token's lifetime), an access token and an ID
/// token, the tokens' characters and entropy, `Cache-Control: no-store`.
/// Example: Then the token response is successful
#[then(expr = "the token response is successful")]
fn token_success(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_token_success()
}

/// The latest token response is an OAuth error with this code.
/// Example: Then the token response is the error "invalid_grant"
#[then(expr = "the token response is the error {string}")]
fn token_error(w: &mut IdflowWorld, expected: String) -> Result<()> {
    w.rp()?.expect_error(&expected)
}

/// Uses the latest refresh token.
/// Example: When the client refreshes the tokens
#[when(expr = "the client refreshes the tokens")]
async fn refresh(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.refresh(TokenChoice::Current).await
}

/// Uses the refresh token that the latest refresh replaced (rotation must reject it).
/// Example: When the client refreshes with the rotated-out refresh token
#[when(expr = "the client refreshes with the rotated-out refresh token")]
async fn refresh_previous(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.refresh(TokenChoice::Previous).await
}

/// Presents the client's refresh token with another client's credentials (must be refused).
/// Example: When the client "post" uses the refresh token of this client
#[when(expr = "the client {string} uses the refresh token of this client")]
async fn refresh_as_other(w: &mut IdflowWorld, other: String) -> Result<()> {
    w.rp()?.refresh_as(&other).await
}

/// The refreshed ID token keeps iss, sub, aud, azp and auth_time of the original, with an
/// iat no older than the original's; a refresh without an ID token is not applicable.
/// Example: Then the refreshed ID token keeps the identity of the original
#[then(expr = "the refreshed ID token keeps the identity of the original")]
fn refreshed_keeps_identity(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_refreshed_identity()
}

/// Calls the UserInfo endpoint with the access token, by GET or POST.
/// Example: When the client calls the userinfo endpoint with GET
#[when(expr = "the client calls the userinfo endpoint with {word}")]
async fn userinfo(w: &mut IdflowWorld, method: String) -> Result<()> {
    w.rp()?.userinfo(&method, TokenChoice::Current).await
}

/// Calls UserInfo by POST with the access token as the form parameter `access_token`
/// (RFC 6750 §2.2), not in a header.
/// Example: When the client calls the userinfo endpoint with the access token in a POST body
#[when(expr = "the client calls the userinfo endpoint with the access token in a POST body")]
async fn userinfo_body(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.userinfo("POST BODY", TokenChoice::Current).await
}

/// Calls UserInfo with a token the provider never issued.
/// Example: When the client calls the userinfo endpoint with an invalid access token
#[when(expr = "the client calls the userinfo endpoint with an invalid access token")]
async fn userinfo_invalid(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.userinfo("GET", TokenChoice::Invalid).await
}

/// UserInfo answered 200 JSON with a sub, and its standard claims have their types.
/// Example: Then the userinfo response is successful
#[then(expr = "the userinfo response is successful")]
fn userinfo_success(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_userinfo_success()
}

/// Every claim of the requested standard scopes (profile, email, address, phone) that the
/// environment declares for the end-user is released with that value, in UserInfo or the ID
/// token; a scope with no declared claim releases at least one of its claims (a SHOULD;
/// OpenID Connect Core §5.4).
/// Example: Then the end-user's claims of the requested scopes are released
#[then(expr = "the end-user's claims of the requested scopes are released")]
fn scope_claims(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_scope_claims()
}

/// No claim of a standard scope that was neither requested by scope nor by the claims
/// parameter is released (a best practice: data minimisation; OpenID Connect Core §5.4).
/// Example: Then no claim of a scope that was not requested is released
#[then(expr = "no claim of a scope that was not requested is released")]
fn no_unrequested_claims(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_no_unrequested_claims()
}

/// A claim requested by name (claims parameter) is in UserInfo, with the environment's value
/// when it declares one (a SHOULD; OpenID Connect Core §5.5.1).
/// Example: Then the end-user's claim "name" is released as requested
#[then(expr = "the end-user's claim {string} is released as requested")]
fn requested_claim(w: &mut IdflowWorld, name: String) -> Result<()> {
    w.rp()?.expect_requested_claim(&name)
}

/// UserInfo's sub equals the ID token's sub (OpenID Connect Core §5.3.2).
/// Example: Then the userinfo sub equals the ID token sub
#[then(expr = "the userinfo sub equals the ID token sub")]
fn userinfo_sub(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_userinfo_sub()
}

/// UserInfo's answer has `Cache-Control: no-store`: a best practice for personal data (OpenID
/// Connect Core §5.3 does not require it), so a provider without it passes with a warning.
/// Example: Then the userinfo response forbids caching
#[then(expr = "the userinfo response forbids caching")]
fn userinfo_not_cached(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_userinfo_not_cached()
}

/// The access token issued from a code that was then replayed no longer works (SHOULD, RFC
/// 6749 §4.1.2): a provider that keeps it working passes with a warning.
/// Example: Then the access token issued from the replayed code is revoked
#[then(expr = "the access token issued from the replayed code is revoked")]
fn revoked_after_replay(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_revoked_after_code_replay()
}

/// The refresh token that replaced a reused one was refused (RFC 9700 §4.14.2, best
/// practice): a provider that keeps the family alive passes with a warning.
/// Example: Then the refresh token family is revoked
#[then(expr = "the refresh token family is revoked")]
fn family_revoked(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_refresh_family_revoked()
}

/// UserInfo refused the token: 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
/// Example: Then the userinfo request is rejected as unauthorized
#[then(expr = "the userinfo request is rejected as unauthorized")]
fn userinfo_rejected(w: &mut IdflowWorld) -> Result<()> {
    w.rp()?.expect_invalid_token()
}
