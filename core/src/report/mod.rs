//! Report writers. All of them render the one [`model::RunReport`]; each format is a module
//! with a pure `render` function. [`write_all`] redacts a copy of the report and writes every
//! file a run leaves behind. A run does not hold every scenario's evidence until the end:
//! [`stream`] spills it as scenarios finish and writes the files by streaming.

pub mod allure;
pub mod cucumber_json;
pub mod failures;
pub mod history;
pub mod html;
pub mod junit;
pub mod merge;
pub mod model;
pub mod stream;

use std::path::{Path, PathBuf};

use crate::redact::Redactor;
use model::RunReport;

/// Why a report could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The report directory could not be created.
    #[error("cannot create report directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A report file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A Cucumber JSON file is not what `cucumber_json::render` writes.
    #[error("not a Cucumber JSON report: {0}")]
    Parse(String),
    /// The file that holds finished scenarios' evidence until the reports are written could
    /// not be written or read back.
    #[error("cannot spill scenarios to {}: {source}", path.display())]
    Spill {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Redacts a copy of `report` with `redactor`, creates `dir` and writes `index.html`,
/// `junit.xml` and `cucumber.json` into it. Returns the paths written.
pub fn write_all(
    report: &RunReport,
    redactor: &Redactor,
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut report = report.clone();
    redact(&mut report, redactor);
    write_redacted(&report, dir)
}

/// Redacts a report read from elsewhere (merged shards, a run that failed before any
/// scenario): every scenario's step records with a scope of their own, then the run's errors.
/// Feature text (names, steps, tags) holds no secret and is left as written.
pub fn redact(report: &mut RunReport, redactor: &Redactor) {
    for f in &mut report.features {
        for s in &mut f.scenarios {
            let steps = s.steps.iter_mut().map(|st| &mut st.record).collect();
            redactor.scoped().redact_steps(steps, &mut s.logs);
        }
    }
    redact_run_errors(report, redactor);
}

/// Redacts the problems of a run that are not a scenario's (feature files that do not parse,
/// configuration): their messages may quote what the run was given.
pub fn redact_run_errors(report: &mut RunReport, redactor: &Redactor) {
    for e in &mut report.errors {
        redactor.redact_in_place(&mut e.location);
        redactor.redact_in_place(&mut e.message);
    }
}

/// Writes the three reports of a report already passed through
/// [`redact`]: the runner redacts each scenario's record as it finishes. A report held in
/// memory: see [`stream::write`] for one whose scenarios' evidence was spilled.
pub fn write_redacted(report: &RunReport, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    stream::write(report, &stream::Evidence::default(), dir)
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod golden;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Exchange, ExchangeEnd, Hop, RecordedRequest, RecordedResponse};
    use crate::redact::fingerprint;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use url::form_urlencoded::byte_serialize;

    const CLIENT_SECRET: &str = "CS-c4nary+/=&secret";
    const PASSWORD: &str = "PW-c4nary-pass word";
    const BEARER: &str = "AT-c4nary-bearer";
    const COOKIE: &str = "CK-c4nary-cookie";
    const ACCESS: &str = "AT-c4nary-json";
    const REFRESH: &str = "RT-c4nary-json";
    const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c4nary-idt.sig";
    const JSON_CODE: &str = "CODE-c4nary-json1";
    const CODE: &str = "CODE-c4nary-q7";
    const FRAGMENT: &str = "AT-c4nary-frag";
    const NIN: &str = "NIN-c4nary-0101";
    const VERIFIER: &str = "PKCE-c4nary-verifier";
    const CANARIES: &[&str] = &[
        CLIENT_SECRET,
        PASSWORD,
        BEARER,
        COOKIE,
        ACCESS,
        REFRESH,
        ID_TOKEN,
        JSON_CODE,
        CODE,
        FRAGMENT,
        NIN,
        VERIFIER,
    ];

    fn enc(s: &str) -> String {
        byte_serialize(s.as_bytes()).collect()
    }

    /// The canary in clear, URL-encoded and Base64 (at every alignment) forms.
    fn forms(c: &str) -> Vec<String> {
        let mut v = vec![c.to_owned(), enc(c), enc(c).replace('+', "%20")];
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            for k in 0..3usize {
                let mut bytes = vec![b'x'; k];
                bytes.extend_from_slice(c.as_bytes());
                let e = engine.encode(&bytes);
                v.push(e[(8 * k).div_ceil(6)..(8 * bytes.len()) / 6].to_owned());
            }
        }
        v
    }

    fn hdr(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    fn canary_report() -> model::RunReport {
        let mut r = fixtures::report();
        let basic = STANDARD.encode(format!("demo:{}", enc(CLIENT_SECRET)));
        let callback = format!("https://rp.example/cb?state=s&code={CODE}");
        let authorize = Exchange {
            seq: 1,
            label: "authorization request".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "POST".into(),
                    url: "https://idp.example/login".into(),
                    headers: vec![
                        hdr("content-type", "application/x-www-form-urlencoded"),
                        hdr("cookie", &format!("sid={COOKIE}; theme=dark")),
                    ],
                    body: Some(format!("username=kari&password={}", enc(PASSWORD))),
                },
                response: Some(RecordedResponse {
                    status: 302,
                    headers: vec![
                        hdr("location", &callback),
                        hdr("set-cookie", &format!("sid={COOKIE}; Path=/; Secure")),
                    ],
                    body: String::new(),
                    body_size: 0,
                }),
                started_at_ms: 0,
                duration_ms: 1.0,
            }],
            end: ExchangeEnd::RedirectUri,
            stopped_at: Some(callback.clone()),
            error: None,
        };
        let token_body = serde_json::json!({
            "access_token": ACCESS, "refresh_token": REFRESH, "id_token": ID_TOKEN,
            "token_type": "Bearer", "expires_in": 300
        })
        .to_string();
        let token = Exchange {
            seq: 2,
            label: "token request".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "POST".into(),
                    url: "https://idp.example/token".into(),
                    headers: vec![
                        hdr("authorization", &format!("Basic {basic}")),
                        hdr("content-type", "application/x-www-form-urlencoded"),
                    ],
                    body: Some(format!(
                        "grant_type=authorization_code&code={CODE}&client_secret={}&code_verifier={VERIFIER}",
                        enc(CLIENT_SECRET)
                    )),
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: vec![hdr("content-type", "application/json")],
                    body_size: token_body.len(),
                    body: token_body,
                }),
                started_at_ms: 0,
                duration_ms: 1.0,
            }],
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        };
        let userinfo_body =
            serde_json::json!({"sub": "u1", "nin": NIN, "code": JSON_CODE}).to_string();
        let userinfo = Exchange {
            seq: 3,
            label: "userinfo".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "GET".into(),
                    url: format!("https://rp.example/implicit#access_token={FRAGMENT}&x=1"),
                    headers: vec![hdr("authorization", &format!("Bearer {BEARER}"))],
                    body: None,
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: vec![hdr("content-type", "application/json")],
                    body_size: userinfo_body.len(),
                    body: userinfo_body,
                }),
                started_at_ms: 0,
                duration_ms: 1.0,
            }],
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        };
        let s = &mut r.features[0].scenarios[1];
        s.steps[1].record.exchanges = vec![authorize, token, userinfo];
        s.logs.push(format!(
            "logged in as kari with {PASSWORD}; verifier {VERIFIER}; got {ACCESS} and {FRAGMENT}"
        ));
        s.steps[2].record.error = Some(format!(
            "token endpoint rejected client_secret {CLIENT_SECRET}\n  expected: 200\n  actual:   401 for code {CODE}"
        ));
        s.steps[2].record.checks.push(
            model::Check::failed("refresh_token", format!("refresh with {REFRESH}"))
                .compared("a new token", format!("{REFRESH} again")),
        );
        s.steps[2].record.tokens.push(model::TokenRecord {
            label: "ID token".into(),
            header: serde_json::json!({"alg": "RS256"}),
            claims: serde_json::json!({"sub": "u1", "nin": NIN, "name": "Kari"}),
            checks: vec![],
            ..Default::default()
        });
        r.errors.push(model::RunError {
            location: "hook".into(),
            message: format!("login failed: Authorization: Bearer {BEARER}"),
        });
        r
    }

    #[test]
    fn no_canary_survives_any_writer() {
        let report = canary_report();
        let redactor = Redactor::new(vec![CLIENT_SECRET.into(), PASSWORD.into()], vec![]);
        redactor.learn(VERIFIER);
        let dir = std::env::temp_dir().join(format!("idflow-report-test-{}", std::process::id()));
        let paths = write_all(&report, &redactor, &dir).unwrap();
        assert_eq!(paths.len(), 3);
        let mut outputs: Vec<(String, String)> = paths
            .iter()
            .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
            .collect();
        // What the Cucumber JSON embeds, decoded.
        let back = cucumber_json::parse(&outputs[2].1).unwrap();
        outputs.push((
            "embedded model".into(),
            serde_json::to_string(&back).unwrap(),
        ));
        std::fs::remove_dir_all(&dir).unwrap();
        for (name, text) in &outputs {
            for c in CANARIES {
                for form in forms(c) {
                    assert!(!text.contains(&form), "{c} (as {form}) in {name}");
                }
            }
        }
        // The same code has the same fingerprint in the redirect and in the token request.
        let html = &outputs[0].1;
        let marker = format!("‹code#{}›", fingerprint(CODE));
        assert!(html.matches(&marker).count() >= 3, "{marker}");
        assert!(html.contains(&format!("code={marker}")));
        assert!(html.contains("Basic ‹redacted›"));
        assert!(html.contains(&format!("Bearer ‹access_token#{}›", fingerprint(BEARER))));
        assert!(html.contains("sid=‹redacted›"));
        // Readable parts stay readable.
        assert!(html.contains("&quot;name&quot;: &quot;Kari&quot;"));
        assert!(html.contains("username=kari"));
        // The check would see a canary left in clear.
        let unredacted = html::render(&report);
        assert!(forms(PASSWORD).iter().any(|f| unredacted.contains(f)));
        // The original is untouched.
        assert!(report.features[0].scenarios[1].logs[0].contains(PASSWORD));
    }

    #[test]
    fn write_errors_name_the_file() {
        let file = std::env::temp_dir().join(format!("idflow-not-a-dir-{}", std::process::id()));
        std::fs::write(&file, "x").unwrap();
        let err = write_all(&fixtures::report(), &Redactor::default(), &file.join("sub"))
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&file).unwrap();
        assert!(err.contains("idflow-not-a-dir"), "{err}");
    }
    #[test]
    fn feature_text_is_never_redacted_and_evidence_always_is() {
        use crate::report::model::{FeatureReport, ScenarioReport, StepReport};
        // A user whose password is a common word: the word stays in names and step texts,
        // which come from feature files and hold no secret, but not in evidence.
        let run = Redactor::new(vec!["password".into()], Vec::new());
        let mut step = StepReport {
            text: "the end-user types a wrong password".into(),
            ..Default::default()
        };
        step.record.error = Some("the provider echoed password".into());
        let mut report = RunReport {
            features: vec![FeatureReport {
                name: "Login with a password".into(),
                scenarios: vec![ScenarioReport {
                    name: "A wrong password is refused".into(),
                    steps: vec![step],
                    logs: vec!["sent password".into()],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        redact(&mut report, &run);
        let f = &report.features[0];
        assert_eq!(f.name, "Login with a password");
        assert_eq!(f.scenarios[0].name, "A wrong password is refused");
        assert_eq!(
            f.scenarios[0].steps[0].text,
            "the end-user types a wrong password"
        );
        let error = f.scenarios[0].steps[0].record.error.as_deref().unwrap();
        assert!(!error.contains("password"), "{error}");
        assert!(!f.scenarios[0].logs[0].contains("password"));
    }
}
