//! Expectations on the latest response: status, headers, JSON bodies.

use cucumber::then;

use crate::error::{Error, Result};
use crate::world::IdflowWorld;

/// The latest response has this status.
/// Example: Then the response status is 200
#[then(expr = "the response status is {int}")]
fn status_is(w: &mut IdflowWorld, expected: String) -> Result<()> {
    let expected = crate::phrase::parse_status(&expected).map_err(Error::step)?;
    w.expect_status(expected)
}

/// A header of the latest response, with any expectation phrase (`is`, `contains`,
/// `matches`, `is absent` ...).
/// Example: Then the response header "Cache-Control" contains "no-store"
#[then(regex = r#"^the response header "([^"]+)" (.+)$"#)]
fn header_expectation(w: &mut IdflowWorld, name: String, phrase: String) -> Result<()> {
    w.expect_header(&name, &phrase)
}

/// A JSONPath of the latest response's JSON body, with any expectation phrase.
/// Example: Then the JSON value at "$.token_type" equals ignoring case "bearer"
#[then(regex = r#"^the JSON value at "([^"]+)" (.+)$"#)]
fn json_expectation(w: &mut IdflowWorld, path: String, phrase: String) -> Result<()> {
    w.expect_json(&path, &phrase)
}

/// The latest response's body contains a text.
/// Example: Then the response body contains "invalid_request"
#[then(expr = "the response body contains {string}")]
fn body_contains(w: &mut IdflowWorld, text: String) -> Result<()> {
    w.expect_body_contains(&text)
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
    w.expect_variable(&name, &format!("{verb} {rest}"))
}
