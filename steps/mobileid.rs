//! MobileID steps: CIBA (seed 001) and backend-initiated operations (seed 000).

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::pairs;
use crate::device;
use crate::error::{Error, Result};
use crate::oidc::checks::{check_error_response, check_token_response};
use crate::poll::CibaOutcome;
use crate::world::IdflowWorld;

/// The named test user has a MobileID registration (user and device ids) in the environment.
/// Example: Given a MobileID user "carol" with a registered device
#[given(expr = "a MobileID user {string} with a registered device")]
fn mobileid_user(w: &mut IdflowWorld, user: String) -> Result<()> {
    let env = &w.ctx()?.env;
    let cfg = env.user(&user)?;
    if cfg.mobileid.is_none() {
        return Err(Error::step(format!(
            "user `{user}` has no MobileID registration in {}: add `mobileid: {{user_id: ..., device_id: ...}}`",
            env.path.display()
        )));
    }
    w.set_var("mobileid_user", user);
    Ok(())
}

fn mobileid_user_name(w: &IdflowWorld) -> Result<String> {
    w.vars
        .get("mobileid_user")
        .cloned()
        .ok_or_else(|| Error::step("no MobileID user: start with `Given a MobileID user \"carol\" with a registered device`"))
}

/// Sends a CIBA request for the MobileID user with a binding message shown on the device.
/// Example: When the client starts a CIBA request with binding message "Do you want to transfer $300 to Jane?"
#[when(expr = "the client starts a CIBA request with binding message {string}")]
async fn ciba_with_message(w: &mut IdflowWorld, message: String) -> Result<()> {
    let user = mobileid_user_name(w)?;
    let message = w.interpolate(&message)?;
    w.flow()?
        .backchannel(&user, &[("binding_message".into(), message)])
        .await
}

/// Sends a CIBA request for a named user (login_hint: their login name) with a binding message.
/// Example: When the client starts a CIBA request for "alice" with binding message "Approve the login?"
#[when(expr = "the client starts a CIBA request for {string} with binding message {string}")]
async fn ciba_for_user(w: &mut IdflowWorld, user: String, message: String) -> Result<()> {
    let message = w.interpolate(&message)?;
    w.flow()?
        .backchannel(&user, &[("binding_message".into(), message)])
        .await
}

/// Sends a CIBA request for the MobileID user with parameters from a `| name | value |`
/// table (scope, binding_message, acr_values, login_hint, requested_expiry; `(omitted)`
/// leaves one out).
/// Example: When the client starts a CIBA request with:
#[when(expr = "the client starts a CIBA request with:")]
async fn ciba_with(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let user = mobileid_user_name(w)?;
    let mut params = Vec::new();
    for (k, v) in pairs(step)? {
        params.push((k, w.interpolate(&v)?));
    }
    w.flow()?.backchannel(&user, &params).await
}

/// The provider accepted the CIBA request: auth_req_id, a positive expires_in, and an
/// interval when given.
/// Example: Then the CIBA request is accepted
#[then(expr = "the CIBA request is accepted")]
fn ciba_accepted(w: &mut IdflowWorld) -> Result<()> {
    let resp = w.last_response()?;
    let json = resp.json().unwrap_or_default();
    let mut problems = Vec::new();
    if resp.status != 200 {
        problems.push(format!("status: expected 200, got {}", resp.status));
    }
    if json
        .get("auth_req_id")
        .and_then(|v| v.as_str())
        .is_none_or(str::is_empty)
    {
        problems.push("auth_req_id: missing".into());
    }
    match json.get("expires_in").and_then(|v| v.as_i64()) {
        Some(n) if n > 0 => {}
        other => problems.push(format!(
            "expires_in: expected a positive number of seconds, got {other:?}"
        )),
    }
    if let Some(i) = json.get("interval")
        && i.as_i64().is_none_or(|n| n <= 0)
    {
        problems.push(format!(
            "interval: expected a positive number of seconds, got {i}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::step(format!(
            "the CIBA response fails {} check(s):\n  {}\n  body: {}",
            problems.len(),
            problems.join("\n  "),
            crate::expect::body_preview(&resp.body, 200)
        )))
    }
}

/// The provider refused the CIBA request with this OAuth error.
/// Example: Then the CIBA request is rejected with "unknown_user_id"
#[then(expr = "the CIBA request is rejected with {string}")]
fn ciba_rejected(w: &mut IdflowWorld, error: String) -> Result<()> {
    check_error_response(w.last_response()?, &error)?;
    Ok(())
}

async fn device_call(w: &mut IdflowWorld, name: &str, values: &[(&str, &str)]) -> Result<()> {
    let ctx = w.ctx()?.clone();
    let call = match name {
        "approve" => device::control(&ctx.env, name, |d| Some(&d.approve))?,
        "deny" => device::control(&ctx.env, name, |d| Some(&d.deny))?,
        _ => device::control(&ctx.env, name, |d| d.approve_after_polls.as_ref())?,
    }
    .clone();
    device::call(
        &ctx,
        w.session()?,
        &format!("device: {name}"),
        &call,
        values,
    )
    .await?;
    Ok(())
}

/// The end-user approves the pending CIBA request on their device.
/// Example: When the end-user approves it on the device
#[when(expr = "the end-user approves it on the device")]
async fn approve(w: &mut IdflowWorld) -> Result<()> {
    let id = w.flow()?.ciba()?.auth_req_id.clone();
    device_call(w, "approve", &[("auth_req_id", &id)]).await
}

/// The end-user denies the pending CIBA request on their device.
/// Example: When the end-user denies it on the device
#[when(expr = "the end-user denies it on the device")]
async fn deny(w: &mut IdflowWorld) -> Result<()> {
    let id = w.flow()?.ciba()?.auth_req_id.clone();
    device_call(w, "deny", &[("auth_req_id", &id)]).await
}

/// The end-user approves only after the client has polled this many times.
/// Example: When the end-user approves it on the device after 3 polls
#[when(expr = "the end-user approves it on the device after {int} polls")]
async fn approve_after(w: &mut IdflowWorld, polls: u32) -> Result<()> {
    let id = w.flow()?.ciba()?.auth_req_id.clone();
    device_call(
        w,
        "approve_after_polls",
        &[("auth_req_id", &id), ("polls", &polls.to_string())],
    )
    .await
}

/// Polls the token endpoint as CIBA Core says: waits `interval` (5 s when absent), adds 5 s
/// after slow_down, stops on access_denied, expired_token or invalid_grant, never polls past
/// expires_in. The polls appear as a timeline in the report.
/// Example: When the client polls the token endpoint until the request is answered
#[when(expr = "the client polls the token endpoint until the request is answered")]
async fn poll(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.poll_until_answered().await
}

/// Polls once without waiting the interval (a strict provider answers slow_down).
/// Example: When the client polls too early
#[when(expr = "the client polls too early")]
async fn poll_early(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.redeem_ciba(None).await?;
    Ok(())
}

/// Lets the request's lifetime pass, then polls once.
/// Example: When the client polls after the request has expired
#[when(expr = "the client polls after the request has expired")]
async fn poll_expired(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.poll_after_expiry().await
}

/// Redeems the auth_req_id once more (it is single-use).
/// Example: When the client redeems the auth_req_id again
#[when(expr = "the client redeems the auth_req_id again")]
async fn redeem_again(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.redeem_ciba(None).await?;
    Ok(())
}

/// Another client presents this client's auth_req_id.
/// Example: When the client "web" redeems the auth_req_id of this client
#[when(expr = "the client {string} redeems the auth_req_id of this client")]
async fn redeem_as(w: &mut IdflowWorld, other: String) -> Result<()> {
    w.flow()?.redeem_ciba(Some(&other)).await?;
    Ok(())
}

/// Polling ended with tokens, and the token response passes the token checks.
/// Example: Then the client receives the tokens
#[then(expr = "the client receives the tokens")]
fn receives_tokens(w: &mut IdflowWorld) -> Result<()> {
    match w.flow()?.ciba_outcome()? {
        CibaOutcome::Tokens => {}
        other => {
            return Err(Error::step(format!(
                "polling ended without tokens: {other:?}"
            )));
        }
    }
    check_token_response(w.last_response()?, true)?;
    Ok(())
}

/// Polling stopped at once on this error.
/// Example: Then polling stops with "access_denied"
#[then(expr = "polling stops with {string}")]
fn polling_stops_with(w: &mut IdflowWorld, error: String) -> Result<()> {
    match w.flow()?.ciba_outcome()? {
        CibaOutcome::Error(e) if *e == error => Ok(()),
        other => Err(Error::step(format!(
            "polling\n  expected: to stop with {error:?}\n  actual:   {other:?}"
        ))),
    }
}

/// Polling gave up without tokens because the request's lifetime ran out (the client never
/// polls past expires_in), or the provider said expired_token.
/// Example: Then polling ends without tokens when the request expires
#[then(expr = "polling ends without tokens when the request expires")]
fn polling_expires(w: &mut IdflowWorld) -> Result<()> {
    match w.flow()?.ciba_outcome()? {
        CibaOutcome::GaveUp => Ok(()),
        CibaOutcome::Error(e) if e == "expired_token" => Ok(()),
        other => Err(Error::step(format!(
            "polling\n  expected: to end when the request expires\n  actual:   {other:?}"
        ))),
    }
}

fn last_timeline(w: &IdflowWorld) -> Result<&crate::record::PollTimeline> {
    w.session_record()?
        .steps
        .iter()
        .rev()
        .find_map(|s| s.timelines.last())
        .ok_or_else(|| Error::step("the client has not polled in this scenario"))
}

/// The latest polling loop sent exactly this many polls.
/// Example: Then the client polled 3 times
#[then(expr = "the client polled {int} times")]
fn polled_times(w: &mut IdflowWorld, n: usize) -> Result<()> {
    let t = last_timeline(w)?;
    if t.polls.len() == n {
        return Ok(());
    }
    Err(Error::step(format!(
        "number of polls\n  expected: {n}\n  actual:   {} ({})",
        t.polls.len(),
        t.polls
            .iter()
            .map(|p| p.answer.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Every poll of the latest loop waited at least this long after the previous one.
/// Example: Then every poll came at least 10 seconds after the previous one
#[then(expr = "every poll came at least {int} seconds after the previous one")]
fn poll_spacing(w: &mut IdflowWorld, seconds: u64) -> Result<()> {
    let t = last_timeline(w)?;
    let mut previous = 0.0;
    for (i, p) in t.polls.iter().enumerate() {
        if p.at_s - previous + 1e-6 < seconds as f64 {
            return Err(Error::step(format!(
                "poll {} came {:.1} s after the previous one\n  expected: at least {seconds} s\n  actual:   {:.1} s",
                i + 1,
                p.at_s - previous,
                p.at_s - previous
            )));
        }
        previous = p.at_s;
    }
    Ok(())
}

/// Starts a backend-initiated MobileID operation (registration, authentication,
/// authorisation, consent_signature) for the MobileID user, through the environment's
/// device control.
/// Example: Given a MobileID registration operation for the user
#[given(expr = "a MobileID {word} operation for the user")]
async fn start_operation(w: &mut IdflowWorld, kind: String) -> Result<()> {
    let user = mobileid_user_name(w)?;
    w.flow()?.start_operation(&kind, &user).await?;
    let op = w.flow()?.operation()?.clone();
    w.set_var("operation.status_url", op.status_url.to_string());
    w.set_var("operation.complete_url", op.complete_url.to_string());
    Ok(())
}

/// The end-user completes the operation on their device.
/// Example: When the end-user completes the operation on the device
#[when(expr = "the end-user completes the operation on the device")]
async fn complete_operation(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.finish_operation_on_device(true).await
}

/// The end-user does not complete the operation on their device.
/// Example: When the end-user does not complete the operation on the device
#[when(expr = "the end-user does not complete the operation on the device")]
async fn fail_operation(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.finish_operation_on_device(false).await
}

/// Follows the operation's complete URL through every redirect, without
/// `Accept: application/json`, stopping at the client's redirect URI.
/// Example: When the client follows the complete URL
#[when(expr = "the client follows the complete URL")]
async fn follow_complete(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.follow_complete_url(false).await
}

/// Follows the complete URL sending `Accept: application/json`, the mistake seed 000 warns
/// about.
/// Example: When the client follows the complete URL asking for JSON
#[when(expr = "the client follows the complete URL asking for JSON")]
async fn follow_complete_json(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.follow_complete_url(true).await
}

/// The provider did not redirect the client to its redirect URI (no code reached it).
/// Example: Then the client is not redirected to its redirect URI
#[then(expr = "the client is not redirected to its redirect URI")]
fn not_redirected(w: &mut IdflowWorld) -> Result<()> {
    match &w.client.response {
        None => Ok(()),
        Some(r) => Err(Error::step(format!(
            "the client was redirected to {}",
            r.url
        ))),
    }
}
