//! Authentication REST API steps (seed 002): sessions with itsme.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::json;

use super::docstring;
use crate::error::{Error, Result};
use crate::rest_api::ApiAuth;
use crate::world::IdflowWorld;

/// Obtains an API token for the named client (client credentials, scope `signicat-api`).
/// Example: Given the client "rest" has an API token
#[given(expr = "the client {string} has an API token")]
async fn api_token(w: &mut IdflowWorld, client: String) -> Result<()> {
    w.rp()?.choose_client(&client)?;
    w.rest()?.api_token().await
}

fn attributes(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Creates a redirect-flow session for itsme requesting these attributes (comma separated),
/// with callback URLs on the client's redirect URI.
/// Example: When the client creates an itsme session requesting "name, dateOfBirth, nin"
#[when(expr = "the client creates an itsme session requesting {string}")]
async fn create_itsme(w: &mut IdflowWorld, list: String) -> Result<()> {
    let body = json!({
        "allowedProviders": ["itsme"],
        "flow": "redirect",
        "requestedAttributes": attributes(&list),
        "callbackUrls": w.rest()?.callback_urls()?,
    });
    w.create_rest_session(body).await
}

/// Creates a session from the docstring's JSON (for validation errors); `{{callbackUrls}}`
/// stands for the client's callback URLs.
/// Example: When the client creates a session with:
#[when(expr = "the client creates a session with:")]
async fn create_with(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let callbacks = w.rest()?.callback_urls()?;
    w.set_var("callbackUrls", callbacks.to_string());
    let text = w.interpolate(docstring(step)?)?;
    let body = serde_json::from_str(&text)
        .map_err(|e| Error::step(format!("the session body is not JSON: {e}")))?;
    w.create_rest_session(body).await
}

/// The session was created: 201/200 with an id, an authentication URL, status CREATED, and
/// every callback URL carrying `sessionId=<id>`.
/// Example: Then the session is created
#[then(expr = "the session is created")]
fn session_created(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.expect_created()
}

/// The API refused to create the session: 400 problem-JSON naming this parameter in
/// invalidParams.
/// Example: Then the session is refused for the invalid parameter "allowedProviders"
#[then(expr = "the session is refused for the invalid parameter {string}")]
fn session_refused(w: &mut IdflowWorld, name: String) -> Result<()> {
    w.rest()?.expect_refused(&name)
}

/// The end-user opens the session's authentication URL and stays on the identity provider's
/// page without finishing.
/// Example: When the end-user opens the authentication URL
#[when(expr = "the end-user opens the authentication URL")]
async fn open_journey(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.open_journey().await
}

/// Reads the session until its status is the given one (every second, at most 10 times),
/// with the last answer in the failure.
/// Example: When the client polls the session until the status is "SUCCESS"
#[when(expr = "the client polls the session until the status is {string}")]
async fn poll_session(w: &mut IdflowWorld, status: String) -> Result<()> {
    w.rest()?.poll_until_status(&status).await
}

/// The end-user goes through the itsme journey and completes it.
/// Example: When the end-user completes the itsme journey
#[when(expr = "the end-user completes the itsme journey")]
async fn journey_complete(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.journey("complete").await
}

/// The end-user goes through the itsme journey and aborts it.
/// Example: When the end-user aborts the itsme journey
#[when(expr = "the end-user aborts the itsme journey")]
async fn journey_abort(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.journey("abort").await
}

/// The itsme journey ends in an error.
/// Example: When the itsme journey ends in an error
#[when(expr = "the itsme journey ends in an error")]
async fn journey_error(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.journey("error").await
}

/// The end-user's browser arrives at this callback URL of the session, with its session id.
/// Example: Then the end-user returns to the "success" callback with the session id
#[then(expr = "the end-user returns to the {string} callback with the session id")]
fn returns_to_callback(w: &mut IdflowWorld, which: String) -> Result<()> {
    w.rest()?.expect_callback(&which)
}

/// Reads the session with the API token.
/// Example: When the client gets the session
#[when(expr = "the client gets the session")]
async fn get_session(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.get_session(ApiAuth::Token).await
}

/// Reads the session without any API token.
/// Example: When the client gets the session without an API token
#[when(expr = "the client gets the session without an API token")]
async fn get_session_anonymous(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.get_session(ApiAuth::None).await
}

/// Reads the session with a token the provider never issued.
/// Example: When the client gets the session with an invalid API token
#[when(expr = "the client gets the session with an invalid API token")]
async fn get_session_invalid(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.get_session(ApiAuth::Invalid).await
}

/// Reads a session id that does not exist.
/// Example: When the client gets a session that does not exist
#[when(expr = "the client gets a session that does not exist")]
async fn get_unknown(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.get_unknown_session().await
}

/// Cancels the session.
/// Example: When the client cancels the session
#[when(expr = "the client cancels the session")]
async fn cancel(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.cancel_session().await
}

/// Lets the session's lifetime pass on the run's clock.
/// Example: When the session lifetime passes
#[when(expr = "the session lifetime passes")]
async fn lifetime_passes(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.let_lifetime_pass().await
}

/// The session read last has this status.
/// Example: Then the session status is "SUCCESS"
#[then(expr = "the session status is {string}")]
fn session_status(w: &mut IdflowWorld, expected: String) -> Result<()> {
    w.rest()?.expect_status(&expected)
}

/// The session's subject holds exactly these attributes (comma separated), no other
/// personal data.
/// Example: Then the session subject holds only "name, dateOfBirth, nin"
#[then(expr = "the session subject holds only {string}")]
fn subject_only(w: &mut IdflowWorld, list: String) -> Result<()> {
    w.rest()?.expect_subject_only(&attributes(&list))
}

/// The session carries no personal data (no subject) in its current state.
/// Example: Then the session has no subject
#[then(expr = "the session has no subject")]
fn no_subject(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.expect_no_subject()
}

/// The API refused the call as unauthenticated: 401 problem-JSON.
/// Example: Then the API answers 401 unauthorized
#[then(expr = "the API answers 401 unauthorized")]
fn unauthorized(w: &mut IdflowWorld) -> Result<()> {
    w.rest()?.expect_unauthorized()
}
