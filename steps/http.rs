//! Generic HTTP steps: the escape hatch for anything the domain steps do not say.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::{docstring, interpolated_pairs};
use crate::error::Result;
use crate::http::{Body, Redirects};
use crate::world::IdflowWorld;

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
    w.start_request(&method, &url)
}

/// Adds a header to the request being built.
/// Example: And the request header "Accept" is "application/json"
#[given(expr = "the request header {string} is {string}")]
fn request_header(w: &mut IdflowWorld, name: String, value: String) -> Result<()> {
    w.add_request_header(&name, &value)
}

/// Adds query parameters from a `| name | value |` table.
/// Example: And the request query parameters are:
#[given(expr = "the request query parameters are:")]
fn request_query(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let rows = interpolated_pairs(w, step)?;
    w.add_request_query(rows)
}

/// Sets a form body (`application/x-www-form-urlencoded`) from a `| name | value |` table.
/// Example: And the request form is:
#[given(expr = "the request form is:")]
fn request_form(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    let rows = interpolated_pairs(w, step)?;
    w.set_request_body(Body::Form(rows))
}

/// Sets a JSON body from the docstring.
/// Example: And the request JSON body is:
#[given(expr = "the request JSON body is:")]
fn request_json(w: &mut IdflowWorld, step: &Step) -> Result<()> {
    w.set_request_json(docstring(step)?)
}

/// Sets a raw body with a content type from the docstring.
/// Example: And the request body of type "text/plain" is:
#[given(expr = "the request body of type {string} is:")]
fn request_raw(w: &mut IdflowWorld, content_type: String, step: &Step) -> Result<()> {
    let text = w.interpolate(docstring(step)?)?;
    w.set_request_body(Body::Raw { content_type, text })
}

/// Authenticates the request with HTTP Basic as a named client (RFC 6749 §2.3.1).
/// Example: And the request uses Basic authentication as client "web"
#[given(expr = "the request uses Basic authentication as client {string}")]
fn request_basic(w: &mut IdflowWorld, client: String) -> Result<()> {
    w.authenticate_request_as(&client)
}

/// Authenticates the request with the latest access token as a Bearer token.
/// Example: And the request uses the access token
#[given(expr = "the request uses the access token")]
fn request_bearer(w: &mut IdflowWorld) -> Result<()> {
    w.authorize_request_with_token()
}

/// Lets time pass on the run's clock: against the simulator at once (its clock moves), against
/// a real provider by waiting.
/// Example: When 2 seconds pass
#[when(expr = "{int} seconds pass")]
async fn time_passes(w: &mut IdflowWorld, seconds: u64) -> Result<()> {
    w.clock()?
        .sleep(std::time::Duration::from_secs(seconds))
        .await;
    Ok(())
}

/// Sends the request being built; redirects are not followed, so the redirect itself can be
/// checked.
/// Example: When the request is sent
#[when(expr = "the request is sent")]
async fn send_request(w: &mut IdflowWorld) -> Result<()> {
    w.send_request(Redirects::Stop).await
}

/// Sends the request being built and follows redirects.
/// Example: When the request is sent following redirects
#[when(expr = "the request is sent following redirects")]
async fn send_request_following(w: &mut IdflowWorld) -> Result<()> {
    w.send_request(Redirects::Follow).await
}

/// Sends a request without headers or body in one step.
/// Example: When the client sends a GET request to "{{issuer}}/.well-known/openid-configuration"
#[when(expr = "the client sends a {word} request to {string}")]
async fn one_shot(w: &mut IdflowWorld, method: String, url: String) -> Result<()> {
    w.send_simple_request(&method, &url).await
}

/// Saves the value at a JSONPath of the latest response body as a variable.
/// Example: And the client saves the JSON value at "$.issuer" as "issuer_seen"
#[then(expr = "the client saves the JSON value at {string} as {string}")]
fn save_json(w: &mut IdflowWorld, path: String, name: String) -> Result<()> {
    w.save_json_value(&path, &name)
}

/// Saves a response header as a variable.
/// Example: And the client saves the response header "Content-Type" as "type"
#[then(expr = "the client saves the response header {string} as {string}")]
fn save_header(w: &mut IdflowWorld, header: String, name: String) -> Result<()> {
    w.save_header(&header, &name)
}

/// Saves a parameter of the latest redirect (query or fragment of its Location) as a variable.
/// Example: And the client saves the redirect parameter "code" as "first_code"
#[then(expr = "the client saves the redirect parameter {string} as {string}")]
fn save_redirect_param(w: &mut IdflowWorld, param: String, name: String) -> Result<()> {
    w.save_redirect_param(&param, &name)
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
    w.poll_until_json(&url, every, attempts, &path, &phrase)
        .await
}
