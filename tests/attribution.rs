//! Evidence sits where it was made: the same feature, run many times at concurrency 1 and 64,
//! attributes every exchange, token verdict and poll to the same step each time, and to the
//! step that made it.

#[path = "support/scratch.rs"]
mod scratch;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use idflow::report::cucumber_json;
use idflow::report::model::RunReport;

/// Step text → what it recorded: exchange labels, token labels, poll timeline labels.
type Attribution = BTreeMap<String, Vec<String>>;

fn run(concurrency: &str, round: usize) -> RunReport {
    let dir = scratch::fresh(&format!("attribution-{concurrency}-{round}"));
    let out = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "features/oidc/authorization_code.feature"])
        .args(["features/mobileid/ciba.feature", "--quiet"])
        .args(["--concurrency", concurrency, "--report-dir"])
        .arg(&dir)
        .env_remove("IDFLOW_SIMULATOR_DEFECTS")
        .output()
        .expect("idflow runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json = std::fs::read_to_string(PathBuf::from(&dir).join("cucumber.json")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    cucumber_json::parse(&json).expect("cucumber.json reads back")
}

/// Exchanges whose presence depends on the run's shared cache (the first scenario to need the
/// provider's metadata or keys fetches them): where they are made varies with scheduling, so
/// the comparison across runs leaves them out; the first run checks where they are.
const CACHED: [&str; 2] = ["exchange discovery", "exchange JWKS"];

/// Per scenario (feature path and line), per step (position and text), what it recorded,
/// without the cached fetches. Repeats in a row count once: how many polls a loop sends
/// before a request expires depends on timing, which step sends them does not.
fn attribution(report: &RunReport) -> BTreeMap<String, Attribution> {
    let mut all = attribution_with_cache(report);
    for steps in all.values_mut() {
        for evidence in steps.values_mut() {
            evidence.retain(|e| !CACHED.contains(&e.as_str()));
            evidence.dedup();
        }
    }
    all
}

/// The steps whose evidence differs between two runs.
fn differences(
    a: &BTreeMap<String, Attribution>,
    b: &BTreeMap<String, Attribution>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (scenario, steps) in a {
        for (step, evidence) in steps {
            let other = b.get(scenario).and_then(|s| s.get(step));
            if other != Some(evidence) {
                out.push(format!("{scenario} {step}: {evidence:?} then {other:?}"));
            }
        }
    }
    if a.len() != b.len() {
        out.push(format!("{} scenarios then {}", a.len(), b.len()));
    }
    out
}

fn attribution_with_cache(report: &RunReport) -> BTreeMap<String, Attribution> {
    report
        .scenarios()
        .map(|(f, s)| {
            let steps = s
                .steps
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    let r = &st.record;
                    let evidence = r
                        .exchanges
                        .iter()
                        .map(|e| format!("exchange {}", e.label))
                        .chain(r.tokens.iter().map(|t| format!("token {}", t.label)))
                        .chain(r.timelines.iter().map(|t| format!("polls {}", t.label)))
                        .collect();
                    (format!("{i:02} {}{}", st.keyword, st.text), evidence)
                })
                .collect();
            (format!("{}:{}", f.path, s.line), steps)
        })
        .collect()
}

fn evidence<'a>(a: &'a BTreeMap<String, Attribution>, scenario: &str, step: &str) -> &'a [String] {
    let steps = &a[scenario];
    let (_, found) = steps
        .iter()
        .find(|(k, _)| k.ends_with(step))
        .unwrap_or_else(|| panic!("no step {step:?} in {scenario}: {steps:#?}"));
    found
}

#[test]
fn every_exchange_verdict_and_poll_is_under_the_step_that_made_it() {
    let report = run("1", 0);
    let cached = attribution_with_cache(&report);
    let first = attribution(&report);
    let main = "features/oidc/authorization_code.feature:19";
    let labels = |step: &str| evidence(&first, main, step).to_vec();
    // A cached fetch, when a scenario makes it, is under the step that needed it.
    for (steps, needs) in cached
        .values()
        .flat_map(|s| s.iter())
        .filter_map(|(k, ev)| {
            ev.iter()
                .find(|e| CACHED.contains(&e.as_str()))
                .map(|e| (k, e))
        })
    {
        let by = if needs == "exchange JWKS" {
            ["ID token is valid", "refreshed ID token is valid"].as_slice()
        } else {
            [
                "discovery document",
                "starts an authorization request",
                "starts a CIBA request",
                "polls the token endpoint",
                "exchanges",
                "refreshes",
            ]
            .as_slice()
        };
        assert!(
            by.iter().any(|b| steps.contains(b)),
            "{needs} under {steps}"
        );
    }
    assert_eq!(
        labels("When the client starts an authorization request"),
        ["exchange authorization request"]
    );
    let login = labels("And the end-user logs in as \"alice\"");
    assert!(
        !login.is_empty() && login.iter().all(|l| l.starts_with("exchange ")),
        "{login:?}"
    );
    assert!(
        login.iter().any(|l| l.contains("login")) && login.iter().any(|l| l.contains("consent")),
        "the login and consent form posts: {login:?}"
    );
    assert_eq!(
        labels("When the client exchanges the authorization code"),
        ["exchange token request (authorization code)"]
    );
    assert_eq!(labels("And the ID token is valid"), ["token ID token"]);
    assert!(labels("Then the token response is successful").is_empty());
    assert_eq!(
        labels("When the client calls the userinfo endpoint with GET"),
        ["exchange userinfo (GET)"]
    );
    // Polls belong to the polling step.
    let ciba = first
        .iter()
        .filter(|(k, _)| k.starts_with("features/mobileid/ciba.feature"))
        .flat_map(|(_, steps)| steps.iter())
        .filter(|(_, ev)| ev.iter().any(|e| e.starts_with("polls ")))
        .map(|(k, _)| k.clone())
        .collect::<Vec<_>>();
    assert!(!ciba.is_empty());
    assert!(
        ciba.iter().all(|k| k.contains("polls")),
        "a poll timeline under another step: {ciba:?}"
    );
    // The same attribution on every run, serial or concurrent.
    for round in 1..=10 {
        for concurrency in ["1", "64"] {
            let again = attribution(&run(concurrency, round));
            let diff = differences(&first, &again);
            assert!(
                diff.is_empty(),
                "round {round} at concurrency {concurrency}:\n{}",
                diff.join("\n")
            );
        }
    }
}
