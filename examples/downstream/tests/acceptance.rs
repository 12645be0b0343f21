//! A downstream project's feature suite: idflow's runner and every built-in step, plus one
//! step of this project's own.

use cucumber::then;
use idflow::prelude::*;

/// This project's own step, next to the built-in ones: a named check of the discovery
/// document, recorded under the step with its clause.
/// Example: Then the provider offers the response type "code"
#[then(expr = "the provider offers the response type {string}")]
fn offers_response_type(w: &mut IdflowWorld, response_type: String) -> Result<()> {
    let json = w.last_response()?.json().unwrap_or_default();
    let offered = json["response_types_supported"].as_array().cloned();
    let mut list = Checklist::new("the discovery document");
    list.must(
        "response_types_supported",
        "OpenID Connect Discovery 1.0 §3",
        offered
            .iter()
            .flatten()
            .any(|v| v == response_type.as_str()),
        format!("{response_type:?} is not among {offered:?}"),
    );
    w.scenario()?.conclude(list)
}

// Registered for the step catalogue, so that an undefined step is offered this one too.
inventory::submit! {
    StepSources {
        order: 10,
        files: &[StepFile {
            path: "tests/acceptance.rs",
            title: "This project's steps",
            source: include_str!("acceptance.rs"),
        }],
    }
}

fn main() -> std::process::ExitCode {
    cargo_test_main()
}
