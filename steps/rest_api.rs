//! Authentication REST API steps (seed 002): sessions with itsme.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::docstring;
use crate::error::{Error, Result};
use crate::rest_api::ApiAuth;
use crate::world::IdflowWorld;

/// Obtains an API token for the named client (client credentials, scope `signicat-api`).
/// Example: Given the client "rest" has an API token
#[given(expr = "the client {string} has an API token")]
async fn api_token(w: &mut IdflowWorld, client: String) -> Result<()> {
    w.ctx()?.env.client(&client)?;
    w.client.client = Some(client);
    w.flow()?.api_token().await
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
    let callbacks = w.flow()?.callback_urls()?;
    let body = json!({
        "allowedProviders": ["itsme"],
        "flow": "redirect",
        "requestedAttributes": attributes(&list),
        "callbackUrls": callbacks,
    });
    create(w, body).await
}

async fn create(w: &mut IdflowWorld, body: Value) -> Result<()> {
    w.flow()?.create_session(body).await?;
    if let Some(id) = w.client.rest_session.as_ref().map(|s| s.id.clone()) {
        w.set_var("session_id", id);
    }
    Ok(())
}

/// Creates a session from the docstring's JSON (for validation errors); `{{callbackUrls}}`
/// stands for the client's callback URLs.
/// Example: When the client creates a session with:
#[when(expr = "the client creates a session with:")]
async fn create_with(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let callbacks = w.flow()?.callback_urls()?;
    w.set_var("callbackUrls", callbacks.to_string());
    let text = w.interpolate(docstring(step)?)?;
    let body: Value = serde_json::from_str(&text).map_err(|e| {
        Error::step(format!(
            "the session body under `{}` is not JSON: {e}",
            step.value
        ))
    })?;
    create(w, body).await
}

/// The session was created: 201/200 with an id, an authentication URL, status CREATED, and
/// every callback URL carrying `sessionId=<id>`.
/// Example: Then the session is created
#[then(expr = "the session is created")]
fn session_created(w: &mut IdflowWorld) -> Result<()> {
    let resp = w.last_response()?;
    let json = resp.json().unwrap_or_default();
    let mut problems = Vec::new();
    if !(200..300).contains(&resp.status) {
        problems.push(format!("status: expected 201, got {}", resp.status));
    }
    if json.get("status").and_then(Value::as_str) != Some("CREATED") {
        problems.push(format!(
            "status field: expected \"CREATED\", got {}",
            json.get("status")
                .map_or("nothing".into(), |s| s.to_string())
        ));
    }
    let id = json.get("id").and_then(Value::as_str).unwrap_or_default();
    if id.is_empty() {
        problems.push("id: missing".into());
    }
    if json
        .get("authenticationUrl")
        .and_then(Value::as_str)
        .is_none()
    {
        problems.push("authenticationUrl: missing".into());
    }
    for (name, url) in json
        .get("callbackUrls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let carries = url
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| u.query_pairs().any(|(k, v)| k == "sessionId" && v == id));
        if !carries {
            problems.push(format!(
                "callbackUrls.{name}: expected sessionId={id} appended, got {url}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::step(format!(
            "the session response fails {} check(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )))
    }
}

/// The API refused to create the session: 400 problem-JSON naming this parameter in
/// invalidParams.
/// Example: Then the session is refused for the invalid parameter "allowedProviders"
#[then(expr = "the session is refused for the invalid parameter {string}")]
fn session_refused(w: &mut IdflowWorld, name: String) -> Result<()> {
    let resp = w.last_response()?;
    let json = resp.json().unwrap_or_default();
    let params: Vec<String> = json
        .get("invalidParams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if resp.status == 400
        && params.iter().any(|p| {
            p == &name || p.starts_with(&format!("{name}.")) || p.starts_with(&format!("{name}["))
        })
    {
        return Ok(());
    }
    Err(Error::step(format!(
        "session creation\n  expected: 400 with invalidParams naming {name:?}\n  actual:   {} with invalidParams {params:?}",
        resp.status
    )))
}

/// The end-user opens the session's authentication URL and stays on the identity provider's
/// page without finishing.
/// Example: When the end-user opens the authentication URL
#[when(expr = "the end-user opens the authentication URL")]
async fn open_journey(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.open_journey().await
}

/// Reads the session until its status is the given one (every second, at most 10 times),
/// with the last answer in the failure.
/// Example: When the client polls the session until the status is "SUCCESS"
#[when(expr = "the client polls the session until the status is {string}")]
async fn poll_session(w: &mut IdflowWorld, status: String) -> Result<()> {
    let clock = w.clock()?;
    let bounds = crate::poll::PollBounds {
        every: std::time::Duration::from_secs(1),
        attempts: 10,
        within: std::time::Duration::from_secs(11),
    };
    let mut poller = crate::poll::UntilPoller::new(&clock, "REST session status", bounds);
    while poller.wait(&clock).await {
        w.flow()?.get_session(ApiAuth::Token).await?;
        let resp = w.last_response()?;
        let actual = resp
            .json()
            .and_then(|j| j.get("status").cloned())
            .unwrap_or(Value::Null);
        let word = actual.as_str().unwrap_or("no status").to_string();
        let held = if actual == Value::String(status.clone()) {
            Ok(())
        } else {
            Err(format!("{} status {actual}", resp.status))
        };
        poller.record(&clock, resp.status, word, held);
    }
    let (result, timeline) = poller.finish();
    w.session()?.record_mut().push_timeline(timeline);
    result.map_err(Error::step)
}

/// The end-user goes through the itsme journey and completes it.
/// Example: When the end-user completes the itsme journey
#[when(expr = "the end-user completes the itsme journey")]
async fn journey_complete(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.journey("complete").await
}

/// The end-user goes through the itsme journey and aborts it.
/// Example: When the end-user aborts the itsme journey
#[when(expr = "the end-user aborts the itsme journey")]
async fn journey_abort(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.journey("abort").await
}

/// The itsme journey ends in an error.
/// Example: When the itsme journey ends in an error
#[when(expr = "the itsme journey ends in an error")]
async fn journey_error(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.journey("error").await
}

/// The end-user's browser arrives at this callback URL of the session, with its session id.
/// Example: Then the end-user returns to the "success" callback with the session id
#[then(expr = "the end-user returns to the {string} callback with the session id")]
fn returns_to_callback(w: &mut IdflowWorld, which: String) -> Result<()> {
    let session = w.flow()?.rest_session()?.clone();
    let expected = session
        .callback_urls
        .get(&which)
        .ok_or_else(|| Error::step(format!("the session has no {which:?} callback URL")))?;
    let at = w
        .last_exchange()?
        .stopped_at
        .clone()
        .ok_or_else(|| Error::step("the journey did not end at a callback URL"))?;
    let at_url = url::Url::parse(&at).map_err(|e| Error::step(e.to_string()))?;
    let has_id = at_url
        .query_pairs()
        .any(|(k, v)| k == "sessionId" && v == session.id.as_str());
    if at == *expected && has_id {
        return Ok(());
    }
    Err(Error::step(format!(
        "callback\n  expected: {expected} (with sessionId={})\n  actual:   {at}",
        session.id
    )))
}

/// Reads the session with the API token.
/// Example: When the client gets the session
#[when(expr = "the client gets the session")]
async fn get_session(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.get_session(ApiAuth::Token).await
}

/// Reads the session without any API token.
/// Example: When the client gets the session without an API token
#[when(expr = "the client gets the session without an API token")]
async fn get_session_anonymous(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.get_session(ApiAuth::None).await
}

/// Reads the session with a token the provider never issued.
/// Example: When the client gets the session with an invalid API token
#[when(expr = "the client gets the session with an invalid API token")]
async fn get_session_invalid(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.get_session(ApiAuth::Invalid).await
}

/// Reads a session id that does not exist.
/// Example: When the client gets a session that does not exist
#[when(expr = "the client gets a session that does not exist")]
async fn get_unknown(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.get_unknown_session().await
}

/// Cancels the session.
/// Example: When the client cancels the session
#[when(expr = "the client cancels the session")]
async fn cancel(w: &mut IdflowWorld) -> Result<()> {
    w.flow()?.cancel_session().await
}

/// Lets the session's lifetime pass on the run's clock.
/// Example: When the session lifetime passes
#[when(expr = "the session lifetime passes")]
async fn lifetime_passes(w: &mut IdflowWorld) -> Result<()> {
    let lifetime = w.flow()?.rest_session()?.session_lifetime;
    w.clock()?
        .sleep(std::time::Duration::from_secs(lifetime + 1))
        .await;
    Ok(())
}

fn session_json(w: &IdflowWorld) -> Result<Value> {
    let resp = w.last_response()?;
    resp.json().ok_or_else(|| {
        Error::step(format!(
            "the session answer is not JSON ({}): {}",
            resp.status,
            crate::expect::body_preview(&resp.body, 200)
        ))
    })
}

/// The session read last has this status.
/// Example: Then the session status is "SUCCESS"
#[then(expr = "the session status is {string}")]
fn session_status(w: &mut IdflowWorld, expected: String) -> Result<()> {
    let json = session_json(w)?;
    let actual = json.get("status").cloned().unwrap_or(Value::Null);
    if actual == Value::String(expected.clone()) {
        return Ok(());
    }
    Err(Error::step(format!(
        "session status\n  expected: {expected:?}\n  actual:   {actual}"
    )))
}

/// The session's subject holds exactly these attributes (comma separated), no other
/// personal data.
/// Example: Then the session subject holds only "name, dateOfBirth, nin"
#[then(expr = "the session subject holds only {string}")]
fn subject_only(w: &mut IdflowWorld, list: String) -> Result<()> {
    let json = session_json(w)?;
    let mut expected = attributes(&list);
    expected.sort();
    let subject = json
        .get("subject")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::step("the session has no subject"))?;
    let mut actual: Vec<String> = subject.keys().cloned().collect();
    actual.sort();
    if actual == expected {
        return Ok(());
    }
    Err(Error::step(format!(
        "subject attributes\n  expected: {expected:?}\n  actual:   {actual:?}"
    )))
}

/// The session carries no personal data (no subject) in its current state.
/// Example: Then the session has no subject
#[then(expr = "the session has no subject")]
fn no_subject(w: &mut IdflowWorld) -> Result<()> {
    let json = session_json(w)?;
    match json.get("subject") {
        None | Some(Value::Null) => Ok(()),
        Some(s) => Err(Error::step(format!(
            "the session in status {} carries a subject with {} field(s): personal data must only come with SUCCESS",
            json.get("status").unwrap_or(&Value::Null),
            s.as_object().map_or(0, |m| m.len())
        ))),
    }
}

/// The API refused the call as unauthenticated: 401 problem-JSON.
/// Example: Then the API answers 401 unauthorized
#[then(expr = "the API answers 401 unauthorized")]
fn unauthorized(w: &mut IdflowWorld) -> Result<()> {
    let resp = w.last_response()?;
    let problem = resp
        .header("content-type")
        .is_some_and(|c| c.contains("problem+json"));
    if resp.status == 401 && problem {
        return Ok(());
    }
    Err(Error::step(format!(
        "expected 401 with a problem-JSON body, got {} ({})",
        resp.status,
        resp.header("content-type").unwrap_or("no content type")
    )))
}
