//! A downstream project's feature suite: idflow's runner and every built-in step, plus one
//! step of this project's own.

use cucumber::then;
use idflow::error::{Error, Result};
use idflow::world::IdflowWorld;

/// This project's own step, next to the built-in ones.
/// Example: Then the provider offers the response type "code"
#[then(expr = "the provider offers the response type {string}")]
fn offers_response_type(w: &mut IdflowWorld, response_type: String) -> Result<()> {
    let json = w.last_response()?.json().unwrap_or_default();
    let offered = json["response_types_supported"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if offered
        .iter()
        .any(|v| v == &serde_json::Value::String(response_type.clone()))
    {
        Ok(())
    } else {
        Err(Error::step(format!(
            "the provider does not offer {response_type:?}: it offers {offered:?}"
        )))
    }
}

// Registered for the step catalogue, so that an undefined step is offered this one too.
inventory::submit! {
    idflow::catalogue::StepSources {
        order: 10,
        files: &[idflow::catalogue::StepFile {
            path: "tests/acceptance.rs",
            title: "This project's steps",
            source: include_str!("acceptance.rs"),
        }],
    }
}

fn main() -> std::process::ExitCode {
    idflow::runner::cargo_test_main()
}
