//! Report writers at scale: a synthetic run of 10,000 scenarios (a few steps, an authorization
//! request with a redirect hop and a token request with JSON bodies, a decoded ID token with
//! its checks, some failures, retries and poll timelines), timed through `html::render`,
//! `junit::render`, `cucumber_json::render` and `write_all` with redaction; then, when
//! /usr/bin/chromium exists, the time headless Chromium takes to load and paint the HTML file
//! (a screenshot), less the time it takes for an empty page.
//!
//!   cargo bench --bench report_scale            (IDFLOW_BENCH_SCENARIOS to change the count)
//!
//! Targets: generation under 3 s, index.html under 30 MB, opened under 3 s.
//!
//! With `P2_REPORT=/path/index.html` it measures that report instead, a real run's (P1's
//! 10,000 authorization-code scenarios, issue 14 item 5): its size, and the time headless
//! Chromium takes to load and paint it less an empty page, five times interleaved with the
//! empty page, as the median with min–max. Targets: at most 30 MB, open in at most 1.5 s.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use idflow::record::{Exchange, ExchangeEnd, Hop, RecordedRequest, RecordedResponse};
use idflow::redact::Redactor;
use idflow::report::model::*;
use idflow::report::{cucumber_json, html, junit, write_all};

const CHROMIUM: &str = "/usr/bin/chromium";

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn step(keyword: &str, text: &str, line: usize, status: Status) -> StepReport {
    let mut step = StepReport {
        keyword: keyword.into(),
        text: text.into(),
        line,
        status: Some(status),
        duration_ms: 0.8,
        ..Default::default()
    };
    step.record.definition = Some("steps/oidc.rs:42".into());
    step
}

fn exchanges(i: usize, t0: u128) -> Vec<Exchange> {
    let state = format!("st{i:06}");
    let code = format!("code-{i:06}-Qx7yZ");
    let token_body = serde_json::json!({
        "access_token": format!("at-{i:06}-c2VjcmV0LWFjY2Vzcy10b2tlbg"),
        "token_type": "Bearer",
        "expires_in": 600,
        "scope": "openid profile nin",
        "id_token": format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1{i:06}.c2lnbmF0dXJl"),
    })
    .to_string();
    vec![
        Exchange {
            seq: 2,
            label: "authorization request".into(),
            hops: vec![
                Hop {
                    request: RecordedRequest {
                        method: "GET".into(),
                        url: format!(
                            "https://tenant.sandbox.signicat.com/auth/open/connect/authorize?client_id=sandbox-demo&response_type=code&scope=openid%20profile%20nin&redirect_uri=https%3A%2F%2Frp.example%2Fcb&state={state}&nonce=n{i}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
                        ),
                        headers: h(&[("accept", "text/html"), ("user-agent", "idflow/0.1")]),
                        body: None,
                    },
                    response: Some(RecordedResponse {
                        status: 302,
                        headers: h(&[
                            (
                                "location",
                                "https://tenant.sandbox.signicat.com/auth/open/login",
                            ),
                            ("set-cookie", "sid=abc123; Path=/; Secure; HttpOnly"),
                        ]),
                        body: String::new(),
                        body_size: 0,
                    }),
                    started_at_ms: t0,
                    duration_ms: 12.5,
                },
                Hop {
                    request: RecordedRequest {
                        method: "GET".into(),
                        url: "https://tenant.sandbox.signicat.com/auth/open/login".into(),
                        headers: h(&[("cookie", "sid=abc123")]),
                        body: None,
                    },
                    response: Some(RecordedResponse {
                        status: 302,
                        headers: h(&[(
                            "location",
                            &format!("https://rp.example/cb?code={code}&state={state}"),
                        )]),
                        body: String::new(),
                        body_size: 0,
                    }),
                    started_at_ms: t0 + 13,
                    duration_ms: 3.2,
                },
            ],
            end: ExchangeEnd::RedirectUri,
            stopped_at: Some(format!("https://rp.example/cb?code={code}&state={state}")),
            error: None,
        },
        Exchange {
            seq: 3,
            label: "token request (authorization code)".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "POST".into(),
                    url: "https://tenant.sandbox.signicat.com/auth/open/connect/token".into(),
                    headers: h(&[
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("authorization", "Basic c2FuZGJveC1kZW1vOnNlY3JldA=="),
                    ]),
                    body: Some(format!(
                        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Frp.example%2Fcb&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
                    )),
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: h(&[
                        ("content-type", "application/json"),
                        ("cache-control", "no-store"),
                    ]),
                    body_size: token_body.len(),
                    body: token_body,
                }),
                started_at_ms: t0 + 20,
                duration_ms: 18.0,
            }],
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        },
    ]
}

fn discovery(t0: u128) -> Exchange {
    let body = serde_json::json!({
        "issuer": "https://tenant.sandbox.signicat.com/auth/open",
        "authorization_endpoint": "https://tenant.sandbox.signicat.com/auth/open/connect/authorize",
        "token_endpoint": "https://tenant.sandbox.signicat.com/auth/open/connect/token",
        "jwks_uri": "https://tenant.sandbox.signicat.com/auth/open/.well-known/openid-configuration/jwks",
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
    .to_string();
    Exchange {
        seq: 1,
        label: "discovery".into(),
        hops: vec![Hop {
            request: RecordedRequest {
                method: "GET".into(),
                url:
                    "https://tenant.sandbox.signicat.com/auth/open/.well-known/openid-configuration"
                        .into(),
                headers: vec![],
                body: None,
            },
            response: Some(RecordedResponse {
                status: 200,
                headers: h(&[("content-type", "application/json")]),
                body_size: body.len(),
                body,
            }),
            started_at_ms: t0,
            duration_ms: 4.0,
        }],
        end: ExchangeEnd::Response,
        stopped_at: None,
        error: None,
    }
}

fn token(i: usize, failed: bool) -> TokenRecord {
    let check = |name: &str, ok: bool, detail: &str| {
        Check::new(
            name,
            if ok { Outcome::Passed } else { Outcome::Failed },
            detail,
        )
    };
    TokenRecord {
        label: "ID token".into(),
        header: serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
        claims: serde_json::json!({
            "iss": "https://tenant.sandbox.signicat.com/auth/open",
            "sub": format!("u{i:06}"),
            "aud": "sandbox-demo",
            "exp": 1_700_000_600, "iat": 1_700_000_000, "nonce": format!("n{i}"),
            "name": "Kari Nordmann", "nin": "01017012345", "idp": "nbid",
        }),
        checks: vec![
            check("signature", true, "RS256 with k1"),
            check("iss", true, "https://tenant.sandbox.signicat.com/auth/open"),
            check(
                "aud",
                !failed,
                if failed {
                    "expected sandbox-other"
                } else {
                    "sandbox-demo"
                },
            ),
            check("exp", true, "in 600 s"),
            check("nonce", true, "matches the authorization request"),
            Check::not_applicable("c_hash", "no code from the authorization endpoint"),
        ],
        for_reference: false,
        same_as: None,
    }
}

fn scenario(i: usize) -> ScenarioReport {
    let failed = i % 37 == 5; // ~2.7 %
    let skipped = i % 101 == 7;
    let retries = usize::from(i % 53 == 3 || failed && i.is_multiple_of(2));
    let t0 = 1_700_000_000_000 + i as u128 * 50;
    let status = if failed {
        Status::Failed
    } else if skipped {
        Status::Skipped
    } else {
        Status::Passed
    };
    let mut given = step("Given ", "the client \"sandbox-demo\"", 6, Status::Passed);
    given.background = true;
    // One or two exchanges per scenario; discovery in one scenario of four.
    if i.is_multiple_of(4) {
        given.record.exchanges = vec![discovery(t0)];
    }
    let mut when = step(
        "When ",
        "the end-user logs in with BankID as \"kari\"",
        10,
        Status::Passed,
    );
    when.record.exchanges = exchanges(i, t0 + 5);
    let mut then = step(
        "Then ",
        "the ID token is valid",
        11,
        if failed { Status::Failed } else { status },
    );
    if failed {
        then.record.error = Some(
            "ID token check aud failed\n  expected: \"sandbox-other\"\n  actual:   \"sandbox-demo\"\n  hint: the client id of the environment".into(),
        );
    }
    let mut and = step(
        "And ",
        "the ID token claim \"idp\" is \"nbid\"",
        12,
        if failed { Status::Skipped } else { status },
    );
    and.table = i.is_multiple_of(10).then(|| {
        vec![
            vec!["claim".into(), "value".into()],
            vec!["name".into(), "Kari Nordmann".into()],
        ]
    });
    then.record.tokens = vec![token(i, failed)];
    if i.is_multiple_of(20) {
        when.record.timelines.push(PollTimeline {
            label: "CIBA token polling".into(),
            interval_s: 5.0,
            limit_s: 120.0,
            polls: (1..=4)
                .map(|k| PollRecord {
                    at_s: 5.0 * k as f64,
                    waited_s: 5.0,
                    status: if k < 4 { 400 } else { 200 },
                    answer: if k < 4 {
                        "authorization_pending".into()
                    } else {
                        "tokens".into()
                    },
                })
                .collect(),
            outcome: "tokens".into(),
        });
    }
    ScenarioReport {
        name: format!("Login with BankID, case {i}"),
        keyword: "Scenario".into(),
        line: 9,
        rule: None,
        tags: vec!["@oidc".into(), "@bankid".into(), format!("@case{}", i % 7)],
        status: Some(status),
        duration_ms: 45.0 + (i % 13) as f64,
        steps: vec![given, when, then, and],
        logs: vec![
            format!("discovery fetched for case {i}"),
            "tokens received".into(),
        ],
        retries,
        not_applicable: None,
    }
}

fn run_report(n: usize) -> RunReport {
    let per_feature = 100;
    let features = (0..n.div_ceil(per_feature))
        .map(|f| FeatureReport {
            name: format!("Login flows, part {f}"),
            path: format!("features/oidc/login_{f:03}.feature"),
            description: None,
            tags: vec!["@oidc".into()],
            line: 1,
            scenarios: (f * per_feature..((f + 1) * per_feature).min(n))
                .map(scenario)
                .collect(),
        })
        .collect();
    RunReport {
        environment: "signicat-sandbox".into(),
        target: "https://tenant.sandbox.signicat.com/auth/open".into(),
        commit: Some("0a4ca19".into()),
        tags: Some("not @wip".into()),
        started_at_ms: 1_700_000_000_000,
        duration_ms: 512_345.0,
        features,
        errors: vec![],
        history: None,
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Wall time of a headless Chromium screenshot of `file` (start, load, paint, capture, exit).
fn screenshot(file: &Path, out: &Path) -> Option<Duration> {
    let url = format!("file://{}", file.display());
    let (status, d) = time(|| {
        Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1280,900",
            ])
            .arg(format!("--screenshot={}", out.display()))
            .arg(&url)
            .output()
    });
    match status {
        Ok(o) if o.status.success() && out.exists() => Some(d),
        Ok(o) => {
            eprintln!(
                "chromium failed: {}",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            None
        }
        Err(e) => {
            eprintln!("chromium: {e}");
            None
        }
    }
}

/// First contentful paint, DOMContentLoaded and load as the page itself reports them, through
/// tests/browser/open-timing.mjs, when its playwright-core is installed (`npm ci --prefix
/// tests/browser`).
fn open_timing(file: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/open-timing.mjs");
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        println!("(tests/browser/node_modules missing: paint timing not measured)");
        return;
    }
    let out = match Command::new("node").arg(&script).arg(file).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("open-timing: {}", String::from_utf8_lossy(&o.stderr));
            return;
        }
        Err(e) => {
            eprintln!("node: {e}");
            return;
        }
    };
    let v: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("open-timing: {e}");
            return;
        }
    };
    for (key, what) in [
        ("fcp_ms", "page: first contentful paint"),
        ("dcl_ms", "page: DOMContentLoaded"),
        ("load_ms", "page: load"),
    ] {
        if let Some(ms) = v[key].as_u64() {
            println!("{:<34} {:>10}", what, format!("{ms} ms"));
        }
    }
    if let Some(n) = v["elements"].as_u64() {
        println!("{:<34} {:>10}", "page: elements", n);
    }
}

/// The median and the range of `d`.
fn median_range(mut d: Vec<Duration>) -> (Duration, Duration, Duration) {
    d.sort();
    (d[d.len() / 2], d[0], d[d.len() - 1])
}

/// `P2_REPORT`: a real report's size and open time (see the module's doc).
fn real_report(file: &Path) {
    let size = std::fs::metadata(file).map_or(0, |m| m.len() as usize);
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let scenarios = text.matches("<details class=\"sc ").count();
    let chunked = text.matches(" data-z=\"").count();
    drop(text);
    println!(
        "real report: {} ({scenarios} scenarios, {chunked} of them in compressed chunks)",
        file.display()
    );
    println!(
        "{:<34} {:>10} ({} B per scenario)",
        "index.html",
        mb(size),
        size / scenarios.max(1)
    );
    if !Path::new(CHROMIUM).exists() {
        println!("(no {CHROMIUM}: time to first paint not measured)");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_scale_real");
    let _ = std::fs::create_dir_all(&dir);
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><title>blank</title><p>blank").unwrap();
    let (blank_png, page_png) = (dir.join("blank.png"), dir.join("index.png"));
    // Warm up once (disk cache, fontconfig), then five of each, interleaved.
    let _ = screenshot(&blank, &blank_png);
    let _ = screenshot(file, &page_png);
    let (mut empty, mut full) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        empty.extend(screenshot(&blank, &blank_png));
        full.extend(screenshot(file, &page_png));
    }
    if empty.is_empty() || full.is_empty() {
        println!("(chromium failed: open time not measured)");
        return;
    }
    let (base, _, _) = median_range(empty.clone());
    let opens: Vec<Duration> = full.iter().map(|d| d.saturating_sub(base)).collect();
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
    let show = |what: &str, d: Vec<Duration>| {
        let n = d.len();
        let (m, lo, hi) = median_range(d);
        println!(
            "{what:<34} {:>10} (min–max {}–{}, {n} runs)",
            ms(m),
            ms(lo),
            ms(hi)
        );
    };
    show("chromium: empty page screenshot", empty);
    show("chromium: index.html screenshot", full);
    show("  open (load + first paint)", opens.clone());
    open_timing(file);
    let (open, _, _) = median_range(opens);
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!();
    println!(
        "targets: index.html {} ≤ 30 MB {}; open {:.2} s ≤ 1.5 s {}",
        mb(size),
        verdict(size <= 30_000_000),
        open.as_secs_f64(),
        verdict(open <= Duration::from_millis(1500)),
    );
}

fn main() {
    // `cargo bench` passes --bench; there are no options to parse.
    if let Some(file) = std::env::var_os("P2_REPORT") {
        real_report(Path::new(&file));
        return;
    }
    let n: usize = std::env::var("IDFLOW_BENCH_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let (report, build) = time(|| run_report(n));
    let c = report.counts();
    println!(
        "synthetic run: {n} scenarios ({} passed, {} failed, {} skipped), built in {:.2?}",
        c.passed, c.failed, c.skipped, build
    );

    let (html_text, t_html) = time(|| html::render(&report));
    let (junit_text, t_junit) = time(|| junit::render(&report));
    let (json_text, t_json) = time(|| cucumber_json::render(&report));

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_scale");
    let _ = std::fs::remove_dir_all(&dir);
    let redactor = Redactor::new(vec!["secret".into()], vec!["nin".into()]);
    let (written, t_all) = time(|| write_all(&report, &redactor, &dir).expect("write_all"));
    let size = |name: &str| {
        written
            .iter()
            .find(|p| p.ends_with(name))
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len() as usize)
    };

    println!();
    println!("{:<34} {:>10} {:>10}", "step", "time", "size");
    println!("{:-<56}", "");
    let row = |what: &str, d: Duration, bytes: Option<usize>| {
        println!(
            "{:<34} {:>10} {:>10}",
            what,
            format!("{:.0} ms", d.as_secs_f64() * 1e3),
            bytes.map(mb).unwrap_or_default()
        );
    };
    row("html::render", t_html, Some(html_text.len()));
    row("junit::render", t_junit, Some(junit_text.len()));
    row("cucumber_json::render", t_json, Some(json_text.len()));
    row(
        "generation (the three renders)",
        t_html + t_junit + t_json,
        None,
    );
    row("write_all (redact + render + write)", t_all, None);
    println!(
        "{:<34} {:>10} {:>10}",
        "  written: index.html",
        "",
        mb(size("index.html"))
    );
    println!(
        "{:<34} {:>10} {:>10}",
        "  junit.xml",
        "",
        mb(size("junit.xml"))
    );
    println!(
        "{:<34} {:>10} {:>10}",
        "  cucumber.json",
        "",
        mb(size("cucumber.json"))
    );
    println!(
        "{:<34} {:>10} {:>10}",
        "  per scenario (index.html)",
        "",
        format!("{} B", size("index.html") / n.max(1))
    );

    let mut open = None;
    if Path::new(CHROMIUM).exists() {
        let blank = dir.join("blank.html");
        std::fs::write(&blank, "<!DOCTYPE html><title>blank</title><p>blank").unwrap();
        // Warm up once (disk cache, fontconfig), then take the best of two for each.
        let _ = screenshot(&blank, &dir.join("blank.png"));
        let best = |file: &Path, out: &Path| (0..2).filter_map(|_| screenshot(file, out)).min();
        let base = best(&blank, &dir.join("blank.png"));
        let full = best(&dir.join("index.html"), &dir.join("index.png"));
        if let (Some(base), Some(full)) = (base, full) {
            row("chromium: empty page screenshot", base, None);
            row("chromium: index.html screenshot", full, None);
            let d = full.saturating_sub(base);
            row("  open (load + first paint)", d, None);
            open = Some(d);
        }
        open_timing(&dir.join("index.html"));
    } else {
        println!("(no {CHROMIUM}: time to first paint not measured)");
    }

    println!();
    let generation = t_html + t_junit + t_json;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "targets: generation {:.2} s < 3 s {}; index.html {} < 30 MB {}; open {} < 3 s {}",
        generation.as_secs_f64(),
        verdict(generation < Duration::from_secs(3)),
        mb(size("index.html")),
        verdict(size("index.html") < 30_000_000),
        open.map_or("not measured".into(), |d| format!(
            "{:.2} s",
            d.as_secs_f64()
        )),
        open.map_or("", |d| verdict(d < Duration::from_secs(3))),
    );
    println!("files in {}", dir.display());
}
