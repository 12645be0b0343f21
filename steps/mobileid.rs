//! MobileID steps: CIBA (seed 001) and backend-initiated operations (seed 000).

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::interpolated_pairs;
use crate::error::Result;
use crate::oidc::ciba::{DeviceAnswer, SinglePoll};
use crate::world::IdflowWorld;

/// The named test user has a MobileID registration (user and device ids) in the environment.
/// Example: Given a MobileID user "carol" with a registered device
#[given(expr = "a MobileID user {string} with a registered device")]
fn mobileid_user(w: &mut IdflowWorld, user: String) -> Result<()> {
    w.choose_mobileid_user(&user)
}

/// Sends a CIBA request for the MobileID user with a binding message shown on the device.
/// Example: When the client starts a CIBA request with binding message "Do you want to transfer $300 to Jane?"
#[when(expr = "the client starts a CIBA request with binding message {string}")]
async fn ciba_with_message(w: &mut IdflowWorld, message: String) -> Result<()> {
    let user = w.mobileid_user()?;
    let message = w.interpolate(&message)?;
    let params = [("binding_message".to_string(), message)];
    w.ciba()?.backchannel(&user, &params).await
}

/// Sends a CIBA request for a named user (login_hint: their login name) with a binding message.
/// Example: When the client starts a CIBA request for "alice" with binding message "Approve the login?"
#[when(expr = "the client starts a CIBA request for {string} with binding message {string}")]
async fn ciba_for_user(w: &mut IdflowWorld, user: String, message: String) -> Result<()> {
    let message = w.interpolate(&message)?;
    let params = [("binding_message".to_string(), message)];
    w.ciba()?.backchannel(&user, &params).await
}

/// Sends a CIBA request for a named user (login_hint: their login name) with parameters from a
/// `| name | value |` table (`(omitted)` leaves one out).
/// Example: When the client starts a CIBA request for "alice" with:
#[when(expr = "the client starts a CIBA request for {string} with:")]
async fn ciba_for_user_with(w: &mut IdflowWorld, user: String, step: &Step) -> Result<()> {
    let params = interpolated_pairs(w, step)?;
    w.ciba()?.backchannel(&user, &params).await
}

/// Sends a CIBA request for the MobileID user with parameters from a `| name | value |`
/// table (scope, binding_message, acr_values, login_hint, requested_expiry; `(omitted)`
/// leaves one out).
/// Example: When the client starts a CIBA request with:
#[when(expr = "the client starts a CIBA request with:")]
async fn ciba_with(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let user = w.mobileid_user()?;
    let params = interpolated_pairs(w, step)?;
    w.ciba()?.backchannel(&user, &params).await
}

/// The provider accepted the CIBA request: auth_req_id, a positive expires_in, and an
/// interval when given.
/// Example: Then the CIBA request is accepted
#[then(expr = "the CIBA request is accepted")]
fn ciba_accepted(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.expect_accepted()
}

/// The provider refused the CIBA request with this OAuth error (or one of `"a or b"`).
/// Example: Then the CIBA request is rejected with "unknown_user_id"
#[then(expr = "the CIBA request is rejected with {string}")]
fn ciba_rejected(w: &mut IdflowWorld, error: String) -> Result<()> {
    w.ciba()?.expect_refused(&error)
}

/// The end-user approves the pending CIBA request on their device.
/// Example: When the end-user approves it on the device
#[when(expr = "the end-user approves it on the device")]
async fn approve(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.answer_on_device(DeviceAnswer::Approve).await
}

/// The end-user denies the pending CIBA request on their device.
/// Example: When the end-user denies it on the device
#[when(expr = "the end-user denies it on the device")]
async fn deny(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.answer_on_device(DeviceAnswer::Deny).await
}

/// The end-user approves only after the client has polled this many times.
/// Example: When the end-user approves it on the device after 3 polls
#[when(expr = "the end-user approves it on the device after {int} polls")]
async fn approve_after(w: &mut IdflowWorld, polls: u32) -> Result<()> {
    w.ciba()?
        .answer_on_device(DeviceAnswer::ApproveAfterPolls(polls))
        .await
}

/// Polls the token endpoint as CIBA Core says: waits `interval` (5 s when absent), adds 5 s
/// after slow_down, stops on access_denied, expired_token or invalid_grant, never polls past
/// expires_in. The polls appear as a timeline in the report.
/// Example: When the client polls the token endpoint until the request is answered
#[when(expr = "the client polls the token endpoint until the request is answered")]
async fn poll(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.poll_until_answered().await
}

/// Waits the interval in force, then polls once (the end-user has not answered yet).
/// Example: When the client polls the token endpoint once
#[when(expr = "the client polls the token endpoint once")]
async fn poll_once(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.poll_single(SinglePoll::AfterInterval).await
}

/// Polls once without waiting the interval (a strict provider answers slow_down).
/// Example: When the client polls too early
#[when(expr = "the client polls too early")]
async fn poll_early(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.poll_single(SinglePoll::TooEarly).await
}

/// Lets the request's lifetime (`expires_in`) pass, then polls once.
/// Example: When the client polls after the request has expired
#[when(expr = "the client polls after the request has expired")]
async fn poll_expired(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.poll_single(SinglePoll::AfterExpiry).await
}

/// Redeems the auth_req_id once more (it is single-use).
/// Example: When the client redeems the auth_req_id again
#[when(expr = "the client redeems the auth_req_id again")]
async fn redeem_again(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.poll_single(SinglePoll::Again).await
}

/// Another client presents this client's auth_req_id.
/// Example: When the client "web" redeems the auth_req_id of this client
#[when(expr = "the client {string} redeems the auth_req_id of this client")]
async fn redeem_as(w: &mut IdflowWorld, other: String) -> Result<()> {
    w.ciba()?.poll_single(SinglePoll::By(other)).await
}

/// The latest single poll was answered with this error, or one of `"a or b"`, held to the
/// check its situation names (first poll, too early, expired, again, another client).
/// Example: Then the poll is answered with "authorization_pending or slow_down"
#[then(expr = "the poll is answered with {string}")]
fn poll_answered(w: &mut IdflowWorld, expected: String) -> Result<()> {
    w.ciba()?.expect_poll_answer(&expected)
}

/// The provider chose a lifetime (`expires_in`) no longer than the `requested_expiry` sent
/// (a best practice: CIBA Core §7.1 lets the OP choose).
/// Example: Then the request lives no longer than the requested expiry
#[then(expr = "the request lives no longer than the requested expiry")]
fn lifetime_within_requested(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.expect_lifetime_within_requested()
}

/// Polling ended with tokens, and the token response passes the token checks.
/// Example: Then the client receives the tokens
#[then(expr = "the client receives the tokens")]
fn receives_tokens(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.expect_tokens()
}

/// Polling stopped at once on this error.
/// Example: Then polling stops with "access_denied"
#[then(expr = "polling stops with {string}")]
fn polling_stops_with(w: &mut IdflowWorld, error: String) -> Result<()> {
    w.ciba()?.expect_stopped_with(&error)
}

/// Polling gave up without tokens because the request's lifetime ran out (the client never
/// polls past expires_in), or the provider said expired_token.
/// Example: Then polling ends without tokens when the request expires
#[then(expr = "polling ends without tokens when the request expires")]
fn polling_expires(w: &mut IdflowWorld) -> Result<()> {
    w.ciba()?.expect_expired()
}

/// The latest polling loop sent exactly this many polls.
/// Example: Then the client polled 3 times
#[then(expr = "the client polled {int} times")]
fn polled_times(w: &mut IdflowWorld, n: usize) -> Result<()> {
    w.scenario()?.expect_polls(n)
}

/// Every poll of the latest loop waited at least this long after the previous one.
/// Example: Then every poll came at least 10 seconds after the previous one
#[then(expr = "every poll came at least {int} seconds after the previous one")]
fn poll_spacing(w: &mut IdflowWorld, seconds: u64) -> Result<()> {
    w.scenario()?.expect_poll_spacing(seconds)
}

/// Starts a backend-initiated MobileID operation (registration, authentication,
/// authorisation, consent_signature) for the MobileID user, through the environment's
/// device control.
/// Example: Given a MobileID registration operation for the user
#[given(expr = "a MobileID {word} operation for the user")]
async fn start_operation(w: &mut IdflowWorld, kind: String) -> Result<()> {
    w.start_operation(&kind).await
}

/// The end-user completes the operation on their device.
/// Example: When the end-user completes the operation on the device
#[when(expr = "the end-user completes the operation on the device")]
async fn complete_operation(w: &mut IdflowWorld) -> Result<()> {
    w.mobileid()?.finish_operation_on_device(true).await
}

/// The end-user does not complete the operation on their device.
/// Example: When the end-user does not complete the operation on the device
#[when(expr = "the end-user does not complete the operation on the device")]
async fn fail_operation(w: &mut IdflowWorld) -> Result<()> {
    w.mobileid()?.finish_operation_on_device(false).await
}

/// Follows the operation's complete URL through every redirect, without
/// `Accept: application/json`, stopping at the client's redirect URI.
/// Example: When the client follows the complete URL
#[when(expr = "the client follows the complete URL")]
async fn follow_complete(w: &mut IdflowWorld) -> Result<()> {
    w.mobileid()?.follow_complete_url(false).await
}

/// Follows the complete URL sending `Accept: application/json`, the mistake seed 000 warns
/// about.
/// Example: When the client follows the complete URL asking for JSON
#[when(expr = "the client follows the complete URL asking for JSON")]
async fn follow_complete_json(w: &mut IdflowWorld) -> Result<()> {
    w.mobileid()?.follow_complete_url(true).await
}

/// The provider did not redirect the client to its redirect URI (no code reached it).
/// Example: Then the client is not redirected to its redirect URI
#[then(expr = "the client is not redirected to its redirect URI")]
fn not_redirected(w: &mut IdflowWorld) -> Result<()> {
    w.mobileid()?.expect_not_redirected()
}
