//! Expectations on the latest response: status, headers, JSON bodies.

use cucumber::then;

use crate::error::{Error, Result};
use crate::expect::{check, check_all, query};
use crate::phrase::parse_matcher;
use crate::world::IdflowWorld;

/// The latest response has this status.
/// Example: Then the response status is 200
#[then(expr = "the response status is {int}")]
fn status_is(w: &mut IdflowWorld, expected: String) -> Result<()> {
    let expected = crate::phrase::parse_status(&expected)?;
    let subject = w.last_subject();
    let resp = w.last_response()?;
    if resp.status == expected {
        return Ok(());
    }
    Err(Error::step(format!(
        "status of {subject}\n  expected: {expected}\n  actual:   {}\n  body: {}",
        resp.status,
        crate::expect::body_preview(&resp.body, 300)
    )))
}

/// A header of the latest response, with any expectation phrase (`is`, `contains`,
/// `matches`, `is absent` ...).
/// Example: Then the response header "Cache-Control" contains "no-store"
#[then(regex = r#"^the response header "([^"]+)" (.+)$"#)]
fn header_expectation(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    let now = w.clock()?.unix_seconds();
    let matcher = parse_matcher(&w.interpolate(&phrase)?, now)?;
    let subject = format!("header {name} of {}", w.last_subject());
    let resp = w.last_response()?;
    let values: Vec<&str> = resp.header_values(&name).collect();
    let actual = (!values.is_empty()).then(|| serde_json::Value::String(values.join(", ")));
    check(&subject, actual.as_ref(), &matcher)?;
    Ok(())
}

/// A JSONPath of the latest response's JSON body, with any expectation phrase.
/// Example: Then the JSON value at "$.token_type" equals ignoring case "bearer"
#[then(regex = r#"^the JSON value at "([^"]+)" (.+)$"#)]
fn json_expectation(w: &mut IdflowWorld, path: String, phrase: String) -> Result<()> {
    let now = w.clock()?.unix_seconds();
    let matcher = parse_matcher(&w.interpolate(&phrase)?, now)?;
    let subject = format!("JSONPath {path} in {}", w.last_subject());
    let resp = w.last_response()?;
    let json = resp.json().ok_or_else(|| {
        Error::step(format!(
            "{subject}: the body is not JSON\n  body: {}",
            crate::expect::body_preview(&resp.body, 300)
        ))
    })?;
    let found = query(&json, &path)?;
    check_all(&subject, &found, &matcher)?;
    Ok(())
}

/// The latest response's body contains a text.
/// Example: Then the response body contains "invalid_request"
#[then(expr = "the response body contains {string}")]
fn body_contains(w: &mut IdflowWorld, text: String) -> Result<()> {
    let text = w.interpolate(&text)?;
    let subject = w.last_subject();
    let resp = w.last_response()?;
    if resp.body.contains(&text) {
        return Ok(());
    }
    Err(Error::step(format!(
        "body of {subject}\n  expected: to contain {text:?}\n  actual:   {}",
        crate::expect::body_preview(&resp.body, 300)
    )))
}

/// A variable has a value, with any expectation phrase.
/// Example: Then the variable "greeting" is "hello"
#[then(regex = r#"^the variable "([^"]+)" (is|equals|contains|matches|is not) (.+)$"#)]
fn variable_expectation(
    w: &mut IdflowWorld,
    name: String,
    verb: String,
    rest: String,
) -> Result<()> {
    let now = w.clock()?.unix_seconds();
    let matcher = parse_matcher(&w.interpolate(&format!("{verb} {rest}"))?, now)?;
    let value = w.vars.get(&name).cloned().map(serde_json::Value::String);
    check(&format!("variable {name}"), value.as_ref(), &matcher)?;
    Ok(())
}
