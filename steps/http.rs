//! Generic HTTP steps: the escape hatch for anything the domain steps do not say.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::{docstring, pairs};
use crate::error::{Error, Result};
use crate::expect::query;
use crate::http::{Body, Redirects, RequestSpec};
use crate::oidc::basic_auth;
use crate::world::{IdflowWorld, PendingRequest};

/// Sets a variable that later steps use as `{{name}}`.
/// Example: Given the variable "greeting" has the value "hello"
#[given(expr = "the variable {string} has the value {string}")]
fn set_variable(w: &mut IdflowWorld, name: String, value: String) -> Result<()> {
    let value = w.interpolate(&value)?;
    w.set_var(&name, value);
    Ok(())
}

/// Starts a request (any method) to a URL or a path on the target; later steps add headers,
/// query, body and authentication, and `the request is sent` sends it.
/// Example: Given a GET request to "{{issuer}}/.well-known/openid-configuration"
#[given(expr = "a {word} request to {string}")]
fn start_request(w: &mut IdflowWorld, method: String, url: String) -> Result<()> {
    let url = w.resolve_url(&url)?;
    w.pending = Some(PendingRequest {
        spec: RequestSpec::new(&method, url),
        query: Vec::new(),
    });
    Ok(())
}

fn pending(w: &mut IdflowWorld) -> Result<&mut PendingRequest> {
    w.pending.as_mut().ok_or_else(|| {
        Error::step("no request is being built: start with `Given a GET request to \"/path\"`")
    })
}

/// Adds a header to the request being built.
/// Example: And the request header "Accept" is "application/json"
#[given(expr = "the request header {string} is {string}")]
fn request_header(w: &mut IdflowWorld, name: String, value: String) -> Result<()> {
    let value = w.interpolate(&value)?;
    pending(w)?.spec.headers.push((name, value));
    Ok(())
}

/// Adds query parameters from a `| name | value |` table.
/// Example: And the request query parameters are:
#[given(expr = "the request query parameters are:")]
fn request_query(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let rows = interpolated_pairs(w, step)?;
    pending(w)?.query.extend(rows);
    Ok(())
}

/// Sets a form body (`application/x-www-form-urlencoded`) from a `| name | value |` table.
/// Example: And the request form is:
#[given(expr = "the request form is:")]
fn request_form(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let rows = interpolated_pairs(w, step)?;
    pending(w)?.spec.body = Some(Body::Form(rows));
    Ok(())
}

/// Sets a JSON body from the docstring.
/// Example: And the request JSON body is:
#[given(expr = "the request JSON body is:")]
fn request_json(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let text = w.interpolate(docstring(step)?)?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::step(format!(
            "the JSON body under `{}` is not JSON: {e}",
            step.value
        ))
    })?;
    pending(w)?.spec.body = Some(Body::Json(value));
    Ok(())
}

/// Sets a raw body with a content type from the docstring.
/// Example: And the request body of type "text/plain" is:
#[given(expr = "the request body of type {string} is:")]
fn request_raw(w: &mut IdflowWorld, content_type: String, step: &Step) -> Result<()> {
    let text = w.interpolate(docstring(step)?)?;
    pending(w)?.spec.body = Some(Body::Raw { content_type, text });
    Ok(())
}

/// Authenticates the request with HTTP Basic as a named client (RFC 6749 §2.3.1).
/// Example: And the request uses Basic authentication as client "web"
#[given(expr = "the request uses Basic authentication as client {string}")]
fn request_basic(w: &mut IdflowWorld, client: String) -> Result<()> {
    let c = w.ctx()?.env.client(&client)?.clone();
    let secret = c
        .secret
        .as_ref()
        .map(|s| s.expose().to_string())
        .unwrap_or_default();
    pending(w)?
        .spec
        .headers
        .push(("authorization".into(), basic_auth(&c.id, &secret)));
    Ok(())
}

/// Authenticates the request with the latest access token as a Bearer token.
/// Example: And the request uses the access token
#[given(expr = "the request uses the access token")]
fn request_bearer(w: &mut IdflowWorld) -> Result<()> {
    let token = w
        .client
        .tokens
        .as_ref()
        .and_then(|t| t.access_token.clone())
        .ok_or_else(|| Error::step("no access token was received in this scenario"))?;
    pending(w)?
        .spec
        .headers
        .push(("authorization".into(), format!("Bearer {token}")));
    Ok(())
}

/// Sends the request being built; redirects are not followed, so the redirect itself can be
/// checked.
/// Example: When the request is sent
#[when(expr = "the request is sent")]
async fn send_request(w: &mut IdflowWorld) -> Result<()> {
    send_pending(w, Redirects::Stop).await
}

/// Sends the request being built and follows redirects.
/// Example: When the request is sent following redirects
#[when(expr = "the request is sent following redirects")]
async fn send_request_following(w: &mut IdflowWorld) -> Result<()> {
    send_pending(w, Redirects::Follow).await
}

async fn send_pending(w: &mut IdflowWorld, redirects: Redirects) -> Result<()> {
    let PendingRequest { mut spec, query } = w.pending.take().ok_or_else(|| {
        Error::step("no request is being built: start with `Given a GET request to \"/path\"`")
    })?;
    if !query.is_empty() {
        spec.url
            .query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    let label = format!("{} request", spec.method);
    w.send(&label, spec, redirects).await
}

/// Sends a request without headers or body in one step.
/// Example: When the client sends a GET request to "{{issuer}}/.well-known/openid-configuration"
#[when(expr = "the client sends a {word} request to {string}")]
async fn one_shot(w: &mut IdflowWorld, method: String, url: String) -> Result<()> {
    let url = w.resolve_url(&url)?;
    let label = format!("{method} request");
    w.send(&label, RequestSpec::new(&method, url), Redirects::Stop)
        .await
}

/// Saves the value at a JSONPath of the latest response body as a variable.
/// Example: And the client saves the JSON value at "$.issuer" as "issuer_seen"
#[then(expr = "the client saves the JSON value at {string} as {string}")]
fn save_json(w: &mut IdflowWorld, path: String, name: String) -> Result<()> {
    let subject = w.last_subject();
    let json = w
        .last_response()?
        .json()
        .ok_or_else(|| Error::step(format!("{subject} is not JSON, so {path} cannot be read")))?;
    let found = query(&json, &path)?;
    let value = found
        .first()
        .ok_or_else(|| Error::step(format!("nothing at JSONPath {path} in {subject}")))?;
    let text = value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string());
    w.set_var(&name, text);
    Ok(())
}

/// Saves a response header as a variable.
/// Example: And the client saves the response header "Content-Type" as "type"
#[then(expr = "the client saves the response header {string} as {string}")]
fn save_header(w: &mut IdflowWorld, header: String, name: String) -> Result<()> {
    let subject = w.last_subject();
    let value = w
        .last_response()?
        .header(&header)
        .ok_or_else(|| Error::step(format!("{subject} has no {header} header")))?
        .to_string();
    w.set_var(&name, value);
    Ok(())
}

/// Saves a parameter of the latest redirect (query or fragment of its Location) as a variable.
/// Example: And the client saves the redirect parameter "code" as "first_code"
#[then(expr = "the client saves the redirect parameter {string} as {string}")]
fn save_redirect_param(w: &mut IdflowWorld, param: String, name: String) -> Result<()> {
    let ex = w.last_exchange()?;
    let location = ex
        .stopped_at
        .clone()
        .or_else(|| {
            ex.response()
                .and_then(|r| r.header("location"))
                .map(str::to_string)
        })
        .ok_or_else(|| Error::step("the latest response is not a redirect"))?;
    let resp = crate::oidc::AuthorizationResponse::parse(&location)?;
    let value = resp
        .any_param(&param)
        .ok_or_else(|| {
            Error::step(format!(
                "the redirect to {location} has no parameter {param}"
            ))
        })?
        .to_string();
    w.set_var(&name, value);
    Ok(())
}

fn interpolated_pairs(w: &IdflowWorld, step: &Step) -> Result<Vec<(String, String)>> {
    pairs(step)?
        .into_iter()
        .map(|(k, v)| Ok((w.interpolate(&k)?, w.interpolate(&v)?)))
        .collect()
}

/// Repeats a GET until a JSONPath expectation holds, bounded by attempts and time on the
/// run's clock; on giving up, the failure shows the last answer.
/// Example: When the client polls "{{operation.status_url}}" every 2 seconds at most 10 times until the JSON value at "$.status" is "COMPLETED"
#[when(
    regex = r#"^the client polls "([^"]+)" every (\d+) seconds? at most (\d+) times until the JSON value at "([^"]+)" (.+)$"#
)]
async fn poll_until_json(
    w: &mut IdflowWorld,
    url: String,
    every: u64,
    attempts: usize,
    path: String,
    phrase: String,
) -> Result<()> {
    let url = w.resolve_url(&url)?;
    let now = w.clock()?.unix_seconds();
    let matcher = crate::phrase::parse_matcher(&w.interpolate(&phrase)?, now)?;
    let bounds = crate::poll::PollBounds {
        every: std::time::Duration::from_secs(every),
        attempts,
        within: std::time::Duration::from_secs(every * attempts as u64 + 1),
    };
    w.poll_json_until(url, &path, &matcher, bounds).await
}
