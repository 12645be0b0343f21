//! A small but complete report for the writers' tests and golden files: exchanges with
//! redirect hops, a token with its checks, a failed check with expected, actual, clause and
//! hint, a warning, a poll timeline, an undefined step, a failed hook and a file that does not
//! parse. Fixed numbers throughout, so every writer's output is the same on every run.

use crate::record::{Exchange, ExchangeEnd, Hop, RecordedRequest, RecordedResponse};
use crate::report::model::*;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// An authorization request that redirects to the callback, then a token request.
pub fn exchanges() -> Vec<Exchange> {
    vec![
        Exchange {
            seq: 1,
            label: "authorization request".into(),
            hops: vec![
                Hop {
                    request: RecordedRequest {
                        method: "GET".into(),
                        url: "https://idp.example/authorize?client_id=demo&state=st1".into(),
                        headers: h(&[("accept", "text/html")]),
                        body: None,
                    },
                    response: Some(RecordedResponse {
                        status: 302,
                        headers: h(&[("location", "https://idp.example/login")]),
                        body: String::new(),
                        body_size: 0,
                    }),
                    started_at_ms: 1_700_000_000_000,
                    duration_ms: 12.5,
                },
                Hop {
                    request: RecordedRequest {
                        method: "GET".into(),
                        url: "https://idp.example/login".into(),
                        headers: vec![],
                        body: None,
                    },
                    response: Some(RecordedResponse {
                        status: 302,
                        headers: h(&[("location", "https://rp.example/cb?code=abc&state=st1")]),
                        body: String::new(),
                        body_size: 0,
                    }),
                    started_at_ms: 1_700_000_000_013,
                    duration_ms: 3.25,
                },
            ],
            end: ExchangeEnd::RedirectUri,
            stopped_at: Some("https://rp.example/cb?code=abc&state=st1".into()),
            error: None,
        },
        Exchange {
            seq: 2,
            label: "token request".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "POST".into(),
                    url: "https://idp.example/token".into(),
                    headers: h(&[("content-type", "application/x-www-form-urlencoded")]),
                    body: Some("grant_type=authorization_code&code=abc".into()),
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: h(&[("content-type", "application/json")]),
                    body: r#"{"token_type":"Bearer","expires_in":300}"#.into(),
                    body_size: 40,
                }),
                started_at_ms: 1_700_000_000_020,
                duration_ms: 20.0,
            }],
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        },
    ]
}

fn step(keyword: &str, text: &str, line: usize, status: Option<Status>) -> StepReport {
    let mut step = StepReport {
        keyword: keyword.into(),
        text: text.into(),
        line,
        status,
        duration_ms: 1.5,
        ..Default::default()
    };
    step.record.definition = Some("steps/oidc.rs:10".into());
    step
}

/// Two features: a passing login with exchanges and a token, a failure, an outline with
/// repeated names, a skipped and an undefined scenario; and one unparsable file.
pub fn report() -> RunReport {
    let mut login = ScenarioReport {
        name: "Login with code flow".into(),
        keyword: "Scenario".into(),
        line: 5,
        tags: vec!["@oidc".into(), "@smoke".into()],
        status: Some(Status::Passed),
        duration_ms: 40.0,
        logs: vec!["discovery fetched".into(), "token received".into()],
        ..Default::default()
    };
    let mut background = step("Given ", "the client \"demo\"", 3, Some(Status::Passed));
    background.background = true;
    let mut when = step("When ", "the user logs in", 6, Some(Status::Passed));
    when.record.exchanges = exchanges();
    let mut then = step("Then ", "the token response has", 7, Some(Status::Passed));
    then.table = Some(vec![
        vec!["path".into(), "value".into()],
        vec!["$.token_type".into(), "Bearer".into()],
    ]);
    then.docstring = Some("{\n  \"x\": 1\n}".into());
    then.record.checks = vec![
        Check::passed("JSONPath $.token_type", "equals ignoring case \"Bearer\"")
            .clause("RFC 6749 §5.1"),
        Check::failed("Cache-Control", "the token response may be cached")
            .at(Level::Should)
            .clause("RFC 6749 §5.1")
            .compared("no-store", "(absent)"),
    ];
    when.record.tokens = vec![TokenRecord {
        label: "ID token".into(),
        header: serde_json::json!({"alg": "RS256", "kid": "k1"}),
        claims: serde_json::json!({"iss": "https://idp.example", "sub": "u1", "aud": "demo"}),
        checks: vec![
            Check::passed("signature", "RS256 with k1"),
            Check::not_applicable("c_hash", "no code from the authorization endpoint"),
        ],
        ..Default::default()
    }];
    login.steps = vec![background.clone(), when, then];

    let mut failing = ScenarioReport {
        name: "Wrong audience".into(),
        keyword: "Scenario".into(),
        line: 10,
        rule: Some("Tokens".into()),
        tags: vec!["@oidc".into()],
        status: Some(Status::Failed),
        duration_ms: 8.0,
        retries: 1,
        ..Default::default()
    };
    let mut failed = step(
        "Then ",
        "the ID token's aud is \"other\"",
        12,
        Some(Status::Failed),
    );
    failed.record.error = Some(
        "JSONPath $.aud in the response to GET /userinfo\n  expected: \"other\"\n  actual:   \"demo\"\n  hint: check the client".into(),
    );
    failed.record.checks = vec![{
        let mut aud = Check::failed("JSONPath $.aud", "in the response to GET /userinfo")
            .clause("OpenID Connect Core 1.0 §5.3.2")
            .compared("\"other\"", "\"demo\"");
        aud.hint = Some("check the client".into());
        aud
    }];
    failing.steps = vec![
        background.clone(),
        step("When ", "the user logs in", 11, Some(Status::Passed)),
        failed,
        step("And ", "nothing else", 13, Some(Status::Skipped)),
    ];

    let row = |line: usize, status: Status| ScenarioReport {
        name: "Prompt <prompt>".into(),
        keyword: "Scenario Outline".into(),
        line,
        tags: vec!["@outline".into()],
        status: Some(status),
        duration_ms: 2.0,
        steps: vec![step("When ", "the user logs in", 16, Some(status))],
        ..Default::default()
    };

    let mut polled = row(20, Status::Passed);
    polled.steps[0].record.timelines = vec![PollTimeline {
        label: "CIBA token polling".into(),
        interval_s: 5.0,
        limit_s: 120.0,
        polls: vec![
            PollRecord {
                at_s: 5.0,
                waited_s: 5.0,
                status: 400,
                answer: "authorization_pending".into(),
            },
            PollRecord {
                at_s: 15.5,
                waited_s: 10.5,
                status: 200,
                answer: "tokens".into(),
            },
        ],
        outcome: "tokens".into(),
    }];
    let mut bad_nonce = row(21, Status::Failed);
    bad_nonce.steps[0].record.error =
        Some("the ID token is not valid:\n  nonce: expected \"n-1\", got \"n-2\"".into());
    bad_nonce.steps[0].record.tokens = vec![TokenRecord {
        label: "ID token".into(),
        header: serde_json::json!({"alg": "RS256", "kid": "k1"}),
        claims: serde_json::json!({"iss": "https://idp.example", "nonce": "n-2"}),
        checks: vec![
            Check::passed("signature", "RS256 with k1"),
            Check::failed("nonce", "not the nonce of the authorization request")
                .clause("OpenID Connect Core 1.0 §3.1.3.7")
                .compared("\"n-1\"", "\"n-2\""),
        ],
        ..Default::default()
    }];

    let skipped = ScenarioReport {
        name: "Not yet".into(),
        keyword: "Scenario".into(),
        line: 25,
        tags: vec!["@wip".into()],
        status: Some(Status::Skipped),
        steps: vec![step("Given ", "something", 26, Some(Status::Skipped))],
        ..Default::default()
    };
    let undefined = ScenarioReport {
        name: "Undefined step".into(),
        keyword: "Scenario".into(),
        line: 3,
        status: Some(Status::Undefined),
        steps: vec![StepReport {
            keyword: "Given ".into(),
            text: "a step nobody wrote".into(),
            line: 4,
            status: Some(Status::Undefined),
            ..Default::default()
        }],
        ..Default::default()
    };

    let mut hooked = ScenarioReport {
        name: "Cleanup fails".into(),
        keyword: "Scenario".into(),
        line: 8,
        status: Some(Status::Failed),
        duration_ms: 3.0,
        steps: vec![step("Given ", "something", 9, Some(Status::Passed))],
        ..Default::default()
    };
    let mut hook = StepReport {
        keyword: "After hook".into(),
        status: Some(Status::Failed),
        ..Default::default()
    };
    hook.record.error = Some("panicked: the session could not be closed".into());
    hooked.steps.push(hook);

    RunReport {
        environment: "simulator".into(),
        target: "embedded simulator".into(),
        commit: Some("0a4ca19".into()),
        tags: Some("not @wip".into()),
        started_at_ms: 1_700_000_000_000,
        duration_ms: 1234.5,
        features: vec![
            FeatureReport {
                name: "Code flow".into(),
                path: "features/oidc/code_flow.feature".into(),
                description: Some("As a relying party\nI log users in".into()),
                tags: vec!["@oidc".into()],
                line: 2,
                scenarios: vec![login, failing, polled, bad_nonce, skipped],
            },
            FeatureReport {
                name: "Misc".into(),
                path: "features/misc.feature".into(),
                description: None,
                tags: vec![],
                line: 1,
                scenarios: vec![undefined, hooked],
            },
        ],
        errors: vec![RunError {
            location: "features/broken.feature:3".into(),
            message: "expected a step, found \"Whan\"".into(),
        }],
        history: None,
    }
}

/// [`report`] with a history of three runs (two earlier, then this one): "Login with code
/// flow" failed in the middle run, so it is flaky, and the trend has three bars.
pub fn with_history() -> RunReport {
    use crate::report::history::{History, RunSummary};
    let mut r = report();
    let now = RunSummary::of(&r);
    let mut first = now.clone();
    first.started_at_ms -= 2 * 86_400_000;
    let mut second = now.clone();
    second.started_at_ms -= 86_400_000;
    for s in &mut second.scenarios {
        if s.id.ends_with("Login with code flow") {
            s.status = Status::Failed;
        }
    }
    second.passed -= 1;
    second.failed += 1;
    let mut h = History::default();
    for run in [first, second, now] {
        h.push(run);
    }
    r.history = Some(h);
    r
}
