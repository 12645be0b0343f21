//! The planted-secret property test: random secret values in every position where a run
//! receives or sends a secret (environment secrets, passwords, client secrets, tokens and codes
//! in bodies, headers, URLs, fragments and cookies, personal claims, failure messages), through
//! the one redaction a finished scenario goes through, then every writer's output (HTML, JUnit,
//! Cucumber JSON and the model it embeds, the console text) searched for each secret in every
//! encoding: clear, URL-encoded, Base64 and Base64url at every alignment, JSON-escaped and
//! HTML-escaped.
//!
//! 10,000 cases by default (`PROPTEST_CASES` sets another number); each case renders a small
//! report of one scenario.

use aho_corasick::AhoCorasick;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use url::form_urlencoded::byte_serialize;

use crate::context::ScenarioKey;
use crate::expect::{Matcher, check};
use crate::record::{
    Check, Exchange, ExchangeEnd, Hop, PollRecord, PollTimeline, RecordedRequest, RecordedResponse,
    ScenarioRecord, StepRecord, TokenRecord,
};
use crate::redact::Redactor;
use crate::report::model::{
    FeatureReport, RunError, RunReport, ScenarioReport, Status, StepReport,
};
use crate::report::{cucumber_json, html, junit, redact_run_errors};

/// The secrets of one case.
#[derive(Debug, Clone)]
struct Planted {
    client_secret: String,
    password: String,
    access_token: String,
    refresh_token: String,
    code: String,
    verifier: String,
    auth_req_id: String,
    cookie: String,
    nin: String,
    birth: String,
    /// Filler that makes the ID token long enough to be cut in a message.
    padding: String,
}

impl Planted {
    fn all(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("client secret", &self.client_secret),
            ("password", &self.password),
            ("access token", &self.access_token),
            ("refresh token", &self.refresh_token),
            ("code", &self.code),
            ("verifier", &self.verifier),
            ("auth_req_id", &self.auth_req_id),
            ("cookie", &self.cookie),
            ("nin", &self.nin),
            ("date of birth", &self.birth),
        ]
    }
}

/// Any printable text: ASCII punctuation that encodings change, and non-ASCII letters.
const WIDE: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -._~+/=&%#?!@$*,;:'\"\\<>(){}[]|^`éøß日本";
/// What OAuth puts in tokens (RFC 6750 token68).
const TOKEN68: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/";
/// What a cookie value may hold (RFC 6265 cookie-octet).
const COOKIE: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()*+-./:<=>?@[]^_`{|}~";
/// Letters only: authorization codes that look like words.
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn text(alphabet: &'static str, len: std::ops::Range<usize>) -> BoxedStrategy<String> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), len)
        .prop_map(|v| v.into_iter().collect::<String>())
        .prop_filter("no space at either end", |s: &String| {
            !s.starts_with(' ') && !s.ends_with(' ')
        })
        .boxed()
}

fn planted() -> impl Strategy<Value = Planted> {
    let code = prop_oneof![text(LETTERS, 8..20), text(WIDE, 8..24)];
    (
        (
            text(WIDE, 8..24),
            text(WIDE, 8..24),
            text(TOKEN68, 8..40),
            text(WIDE, 8..24),
            code,
        ),
        (
            text(TOKEN68, 8..50),
            text(WIDE, 8..24),
            text(COOKIE, 8..24),
            text(WIDE, 8..16),
            text(WIDE, 8..16),
            0..400usize,
        ),
    )
        .prop_map(
            |(
                (client_secret, password, access_token, refresh_token, code),
                (verifier, auth_req_id, cookie, nin, birth, pad),
            )| Planted {
                client_secret,
                password,
                access_token,
                refresh_token,
                code,
                verifier,
                auth_req_id,
                cookie,
                nin,
                birth,
                padding: "p".repeat(pad),
            },
        )
}

fn enc(s: &str) -> String {
    byte_serialize(s.as_bytes()).collect()
}

fn b64url(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

fn h(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect()
}

fn hop(method: &str, url: String, headers: Vec<(String, String)>, body: Option<String>) -> Hop {
    Hop {
        request: RecordedRequest {
            method: method.into(),
            url,
            headers,
            body,
        },
        response: None,
        started_at_ms: 0,
        duration_ms: 1.0,
    }
}

fn answered(mut hop: Hop, status: u16, headers: Vec<(String, String)>, body: String) -> Hop {
    hop.response = Some(RecordedResponse {
        status,
        headers,
        body_size: body.len(),
        body,
    });
    hop
}

fn exchange(label: &str, hops: Vec<Hop>, stopped_at: Option<String>) -> Exchange {
    Exchange {
        seq: 0,
        label: label.into(),
        end: if stopped_at.is_some() {
            ExchangeEnd::RedirectUri
        } else {
            ExchangeEnd::Response
        },
        hops,
        stopped_at,
        error: None,
    }
}

/// The ID token: a JWT whose payload carries the personal claims (and filler, so that a
/// message quoting it cuts it).
fn id_token(p: &Planted) -> String {
    let header = b64url(r#"{"alg":"RS256","kid":"k1"}"#);
    let claims = json!({"sub": "u1", "nin": p.nin, "dateOfBirth": p.birth, "x": p.padding});
    format!(
        "{header}.{}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg",
        b64url(&claims.to_string())
    )
}

/// A scenario's record with every secret where a run meets it.
fn record(p: &Planted) -> ScenarioRecord {
    let json_ct = || ("content-type", "application/json".to_string());
    let form_ct = || {
        (
            "content-type",
            "application/x-www-form-urlencoded".to_string(),
        )
    };
    let callback = format!("https://rp.example/cb?state=s1&code={}", enc(&p.code));
    let id_token = id_token(p);

    // Login: the password in a form, the session cookie set, the code in the redirect.
    let login = exchange(
        "login",
        vec![answered(
            hop(
                "POST",
                "https://idp.example/login".into(),
                h(&[form_ct()]),
                Some(format!("username=kari&password={}", enc(&p.password))),
            ),
            302,
            h(&[
                ("location", callback.clone()),
                ("set-cookie", format!("sid={}; Path=/; HttpOnly", p.cookie)),
            ]),
            String::new(),
        )],
        Some(callback.clone()),
    );
    // The login page again, with the cookie sent and a password input filled in.
    let page = exchange(
        "login page",
        vec![answered(
            hop(
                "GET",
                "https://idp.example/login".into(),
                h(&[("cookie", format!("sid={}; lang=en", p.cookie))]),
                None,
            ),
            200,
            h(&[("content-type", "text/html".into())]),
            format!(
                "<form><input type=\"password\" name=\"pw\" value=\"{}\"></form>",
                quick_xml::escape::escape(p.password.as_str())
            ),
        )],
        None,
    );
    // The token request: Basic credentials, the code and the verifier in the form.
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("web:{}", enc(&p.client_secret)));
    let token_body = json!({
        "access_token": p.access_token, "refresh_token": p.refresh_token,
        "id_token": id_token, "token_type": "Bearer", "expires_in": 300
    });
    let token = exchange(
        "token request",
        vec![answered(
            hop(
                "POST",
                "https://idp.example/token".into(),
                h(&[("authorization", format!("Basic {basic}")), form_ct()]),
                Some(format!(
                    "grant_type=authorization_code&code={}&code_verifier={}&client_secret={}",
                    enc(&p.code),
                    enc(&p.verifier),
                    enc(&p.client_secret)
                )),
            ),
            200,
            h(&[json_ct()]),
            token_body.to_string(),
        )],
        None,
    );
    // Refresh, with the refresh token in the form.
    let refresh = exchange(
        "refresh",
        vec![answered(
            hop(
                "POST",
                "https://idp.example/token".into(),
                h(&[form_ct()]),
                Some(format!(
                    "grant_type=refresh_token&refresh_token={}",
                    enc(&p.refresh_token)
                )),
            ),
            400,
            h(&[json_ct()]),
            r#"{"error":"invalid_grant"}"#.into(),
        )],
        None,
    );
    // UserInfo with the bearer token; personal data in the answer.
    let userinfo = exchange(
        "userinfo",
        vec![answered(
            hop(
                "GET",
                "https://idp.example/userinfo".into(),
                h(&[("authorization", format!("Bearer {}", p.access_token))]),
                None,
            ),
            200,
            h(&[json_ct()]),
            json!({"sub": "u1", "nin": p.nin, "dateOfBirth": p.birth}).to_string(),
        )],
        None,
    );
    // Implicit: the access token in a fragment.
    let implicit = exchange(
        "implicit",
        vec![hop(
            "GET",
            format!(
                "https://rp.example/cb#access_token={}&token_type=Bearer",
                enc(&p.access_token)
            ),
            Vec::new(),
            None,
        )],
        None,
    );
    // CIBA: the auth_req_id received, then polled with.
    let ciba = exchange(
        "ciba",
        vec![
            answered(
                hop(
                    "POST",
                    "https://idp.example/bc-authorize".into(),
                    h(&[form_ct()]),
                    Some("login_hint=carol".into()),
                ),
                200,
                h(&[json_ct()]),
                json!({"auth_req_id": p.auth_req_id, "expires_in": 120}).to_string(),
            ),
            answered(
                hop(
                    "POST",
                    "https://idp.example/token".into(),
                    h(&[form_ct()]),
                    Some(format!("auth_req_id={}", enc(&p.auth_req_id))),
                ),
                400,
                h(&[json_ct()]),
                r#"{"error":"authorization_pending"}"#.into(),
            ),
        ],
        None,
    );

    // Failures: a JSON expectation on the whole token response (cut by the message), a
    // claim expectation on a personal claim, a free-text error quoting secrets.
    let whole = check(
        "JSONPath $ in the response to POST /token",
        Some(&token_body),
        &Matcher::Equals(json!("x")),
    )
    .expect_err("differs");
    let claims: Value = json!({"sub": "u1", "nin": p.nin, "dateOfBirth": p.birth, "x": p.padding});
    let claim = check(
        "claim nin of the ID token",
        claims.get("nin"),
        &Matcher::Equals(json!("01017012345")),
    )
    .expect_err("differs");

    let mut steps = vec![StepRecord::default(); 4];
    steps[0].exchanges = vec![login, page];
    steps[1].exchanges = vec![token, refresh, userinfo, implicit];
    steps[1].tokens = vec![TokenRecord {
        label: "ID token".into(),
        header: json!({"alg": "RS256"}),
        claims,
        checks: vec![Check::failed("nonce", "differs").compared("n1", p.nin.clone())],
        ..Default::default()
    }];
    steps[2].exchanges = vec![ciba];
    steps[2].timelines = vec![PollTimeline {
        label: format!("polling {}", p.auth_req_id),
        interval_s: 5.0,
        limit_s: 120.0,
        polls: vec![PollRecord {
            at_s: 5.0,
            waited_s: 5.0,
            status: 400,
            answer: format!("authorization_pending for {}", p.auth_req_id),
        }],
        outcome: format!("gave up on {}", p.auth_req_id),
    }];
    steps[3].checks = vec![
        whole.to_check("JSON value at $"),
        claim.to_check("ID token claim nin"),
        Check::failed("cookie", format!("session {}", p.cookie))
            .compared(p.verifier.clone(), p.refresh_token.clone()),
    ];
    steps[3].error = Some(format!(
        "{whole}\n{claim}\nthe token endpoint refused client_secret {} for code {} (verifier {}, cookie sid={}, password {})",
        p.client_secret, p.code, p.verifier, p.cookie, p.password
    ));
    let mut record = ScenarioRecord::default();
    record.steps = steps;
    record.logs = vec![format!(
        "logged in with {} and got {} then {}; auth_req_id {}",
        p.password, p.access_token, id_token, p.auth_req_id
    )];
    record
}

/// The report of one scenario with `record`, redacted as the runner does, and every text the
/// run writes of it.
fn outputs(p: &Planted) -> Vec<(&'static str, String)> {
    // One run's redactor (its regexes built once), a scope per case as per scenario.
    static RUN: std::sync::LazyLock<Redactor> = std::sync::LazyLock::new(Redactor::default);
    let run = RUN.scoped();
    run.learn_known(&p.client_secret);
    run.learn_known(&p.password);
    let scope = run.scoped();
    let mut record = record(p);
    scope.redact_record(&mut record);
    let mut scenario = ScenarioReport {
        name: "The end-user signs in".into(),
        keyword: "Scenario".into(),
        line: 3,
        status: Some(Status::Failed),
        logs: record.logs,
        ..Default::default()
    };
    for (i, rec) in record.steps.into_iter().enumerate() {
        scenario.steps.push(StepReport {
            keyword: "When ".into(),
            text: format!("step {i}"),
            line: 4 + i,
            status: Some(if i == 3 {
                Status::Failed
            } else {
                Status::Passed
            }),
            record: rec,
            ..Default::default()
        });
    }
    let mut report = RunReport {
        environment: "simulator".into(),
        target: "https://idp.example".into(),
        features: vec![FeatureReport {
            name: "Sign-in".into(),
            path: "features/sign_in.feature".into(),
            line: 1,
            scenarios: vec![scenario],
            ..Default::default()
        }],
        errors: vec![RunError {
            location: "environments/x.yaml".into(),
            message: format!("users.alice.password {} is refused", p.password),
        }],
        ..Default::default()
    };
    redact_run_errors(&mut report, &run);
    let key = ScenarioKey {
        path: "features/sign_in.feature".into(),
        line: 3,
    };
    let location = format!("{}:{}", key.path, key.line);
    let console =
        crate::runner::console::plain_scenario_text(&location, &report.features[0].scenarios[0]);
    let cucumber = cucumber_json::render(&report);
    let embedded = serde_json::to_string(&cucumber_json::parse(&cucumber).expect("parses"))
        .expect("serialises");
    vec![
        ("index.html", html::render(&report)),
        ("junit.xml", junit::render(&report)),
        ("cucumber.json", cucumber),
        ("cucumber.json's embedded model", embedded),
        ("console", console),
    ]
}

/// Base64 (standard and URL-safe) of `text` at each of the three alignments it can have
/// inside a longer Base64 text: the characters that depend on its bytes only.
fn base64_cores(text: &str, out: &mut Vec<String>) {
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for k in 0..3usize {
            let mut bytes = vec![0u8; k];
            bytes.extend_from_slice(text.as_bytes());
            let e = engine.encode(&bytes);
            let (start, end) = ((8 * k).div_ceil(6), (8 * bytes.len()) / 6);
            if end > start {
                out.push(e[start..end].to_owned());
            }
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Every form of `secret` that would be a leak.
fn forms(secret: &str) -> Vec<String> {
    let form = enc(secret);
    let json = serde_json::to_string(secret).expect("string");
    let json = json[1..json.len() - 1].to_owned();
    let mut v = vec![
        secret.to_owned(),
        form.clone(),
        form.replace('+', "%20"),
        form.to_ascii_lowercase(),
        json.clone(),
        json.replace('/', "\\/"),
        format!("{secret:?}").trim_matches('"').to_owned(),
        html_escape(secret),
        quick_xml::escape::escape(secret).into_owned(),
        html_escape(&json),
    ];
    for t in [secret, json.as_str()] {
        base64_cores(t, &mut v);
    }
    v.retain(|f| f.len() >= 8);
    v.sort();
    v.dedup();
    v
}

fn no_leak(p: &Planted) -> Result<(), TestCaseError> {
    let mut patterns = Vec::new();
    let mut names = Vec::new();
    for (name, secret) in p.all() {
        for f in forms(secret) {
            patterns.push(f.clone());
            names.push((name, secret.to_owned(), f));
        }
    }
    let ac = AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
        .build(&patterns)
        .expect("patterns");
    for (file, text) in outputs(p) {
        if let Some(m) = ac.find(&text) {
            let (name, secret, form) = &names[m.pattern().as_usize()];
            let at = m.start();
            let from = text.floor_char_boundary(at.saturating_sub(80));
            let to = text.ceil_char_boundary((m.end() + 80).min(text.len()));
            return Err(TestCaseError::fail(format!(
                "the {name} {secret:?} is in {file} as {form:?}: …{}…",
                &text[from..to]
            )));
        }
    }
    Ok(())
}

#[test]
fn no_planted_secret_survives_any_writer_in_any_encoding() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&planted(), |p| no_leak(&p)) {
        panic!("{e}");
    }
}

#[test]
fn the_search_finds_a_secret_left_in_clear() {
    // The search itself can fail: without redaction every planted secret is found.
    let p = Planted {
        client_secret: "cs-0123456789".into(),
        password: "pw 0123456789".into(),
        access_token: "at-0123456789".into(),
        refresh_token: "rt-0123456789".into(),
        code: "abcdefghijkl".into(),
        verifier: "ver-0123456789".into(),
        auth_req_id: "ari-0123456789".into(),
        cookie: "ck-0123456789".into(),
        nin: "nin-0123456789".into(),
        birth: "dob-0123456789".into(),
        padding: String::new(),
    };
    let mut report = RunReport::default();
    let mut scenario = ScenarioReport::default();
    for rec in record(&p).steps {
        scenario.steps.push(StepReport {
            record: rec,
            ..Default::default()
        });
    }
    report.features.push(FeatureReport {
        scenarios: vec![scenario],
        ..Default::default()
    });
    let html = html::render(&report);
    for (name, secret) in p.all() {
        assert!(
            forms(secret).iter().any(|f| html.contains(f.as_str())),
            "the unredacted report shows the {name}"
        );
    }
}
