//! End-to-end tests of the login drivers against a tiny provider served by the test: a
//! two-page HTML login whose consent page denies by a link (the HTML driver), and a login page
//! drawn by JavaScript (the browser driver, a real headless Chromium), each through the
//! `idflow` command, with the exchanges in the report.

#[path = "support/scratch.rs"]
mod scratch;

use std::path::PathBuf;
use std::process::{Command, Output};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REDIRECT: &str = "https://rp.idflow.test/callback";

fn query(req: &Request, name: &str) -> String {
    let form: Vec<(String, String)> = if req.method.as_str() == "POST" {
        url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect()
    } else {
        vec![]
    };
    req.url
        .query_pairs()
        .into_owned()
        .chain(form)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

fn html(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "text/html; charset=utf-8")
}

fn redirect_to_client(state: &str, outcome: &str) -> ResponseTemplate {
    ResponseTemplate::new(302).insert_header(
        "Location",
        format!("{REDIRECT}?{outcome}&state={}", urlencode(state)).as_str(),
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A provider with discovery, and two login front-ends on its authorization endpoint: an HTML
/// one (`/authorize`: username page, password page, consent with a deny link) and a JavaScript
/// one (`/js/authorize`: an empty page whose script draws the form).
async fn provider() -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    for (prefix, authorize) in [("", "/authorize"), ("/js", "/js/authorize")] {
        let issuer = format!("{base}{prefix}");
        Mock::given(method("GET"))
            .and(path(format!("{prefix}/.well-known/openid-configuration")))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{base}{authorize}"),
                "token_endpoint": format!("{base}/token"),
                "jwks_uri": format!("{base}/jwks"),
            })))
            .mount(&server)
            .await;
    }
    // The HTML login: the username page (a search box first; the real field is named only by
    // its label), then the password page, then consent with Allow (a button) and Cancel (a
    // link). State travels in hidden fields and the link.
    Mock::given(method("GET"))
        .and(path("/authorize"))
        .respond_with(|req: &Request| {
            html(format!(
                r#"<html><body>
                <form action="/help"><input name="q" placeholder="Search"></form>
                <form method="post" action="/login/password">
                  <input type="hidden" name="state" value="{}">
                  <label for="f1">E-mail address</label><input id="f1" name="f_1">
                  <button type="submit">Next</button>
                </form></body></html>"#,
                query(req, "state")
            ))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/password"))
        .respond_with(|req: &Request| {
            if query(req, "f_1") != "alice@example.org" {
                return html("<p>Unknown user</p>".into());
            }
            html(format!(
                r#"<form method="post" action="/login/check">
                  <input type="hidden" name="state" value="{}"><input type="hidden" name="who" value="{}">
                  <label>Your secret <input type="password" name="f_2"></label>
                  <button name="op" value="go">Sign in</button></form>"#,
                query(req, "state"),
                query(req, "f_1")
            ))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/check"))
        .respond_with(|req: &Request| {
            let state = urlencode(&query(req, "state"));
            if query(req, "f_2") != "alice-pw-1" {
                return html("<p>Wrong password</p>".into());
            }
            html(format!(
                r#"<h1>Authorize</h1>
                <form method="post" action="/consent/allow"><input type="hidden" name="state" value="{}">
                  <button type="submit">Continue</button></form>
                <div><a href="/consent/abort?state={state}">[ Cancel ]</a> <a href="/help">Nothing here?</a></div>"#,
                query(req, "state")
            ))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/consent/allow"))
        .respond_with(|req: &Request| {
            redirect_to_client(
                &query(req, "state"),
                "code=Hq3Zt8Lr0Vw5Ny2Kd7Bx4Mc9Pf1Sj6Gh_html-1",
            )
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/consent/abort"))
        .respond_with(|req: &Request| {
            redirect_to_client(&query(req, "state"), "error=access_denied")
        })
        .mount(&server)
        .await;
    // The JavaScript login: nothing but a script, which draws the form after a moment and posts
    // it; the provider then redirects to the client with a code, or shows the form again.
    Mock::given(method("GET"))
        .and(path("/js/authorize"))
        .respond_with(|req: &Request| {
            html(format!(
                r#"<html><body><div id="app">Loading…</div><script>
                setTimeout(() => {{
                  document.getElementById('app').innerHTML =
                    '<form method="post" action="/js/login"><input type="hidden" name="state">' +
                    '<label for="u">Who are you?</label><input id="u" name="x1" autocomplete="username">' +
                    '<input id="p" type="password" name="x2"><button type="button" id="go">Enter</button></form>';
                  document.querySelector('input[name=state]').value = {state};
                  document.getElementById('go').onclick = () => document.querySelector('form').submit();
                }}, 300);
                </script></body></html>"#,
                state = serde_json::Value::String(query(req, "state"))
            ))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/js/login"))
        .respond_with(|req: &Request| {
            if query(req, "x1") == "alice@example.org" && query(req, "x2") == "alice-pw-1" {
                redirect_to_client(
                    &query(req, "state"),
                    "code=Rk5Wm2Yt9Qa4Lz7Cv0Xn3Bp8Ds6Fe1Hu_js-1",
                )
            } else {
                html("<p>Try again</p>".into())
            }
        })
        .mount(&server)
        .await;
    server
}

fn env_file(name: &str, yaml: &str) -> PathBuf {
    let dir = scratch::fresh(&format!("login-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    path
}

fn feature(name: &str, text: &str) -> PathBuf {
    let dir = scratch::fresh(&format!("login-{name}-features"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.feature"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run(feature: &PathBuf, env: &PathBuf, report: &str) -> (Output, PathBuf) {
    let report = scratch::fresh(&format!("login-{report}-report"));
    let out = Command::new(env!("CARGO_BIN_EXE_idflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .arg(feature)
        .arg("--env")
        .arg(env)
        .arg("--report-dir")
        .arg(&report)
        .output()
        .expect("idflow runs");
    (out, report)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn env_yaml(issuer: &str, login: &str) -> String {
    format!(
        "target:\n  kind: remote\n  issuer: {issuer}\n{login}clients:\n  web:\n    id: web\n    auth_method: none\n    redirect_uris: [{REDIRECT}]\nusers:\n  alice:\n    username: alice@example.org\n    password: alice-pw-1\n"
    )
}

const HTML_FEATURE: &str = "Feature: HTML login driver\n\n  Background:\n    Given the client \"web\"\n\n  Scenario: Two login pages then consent allowed by its button\n    When the client starts an authorization request\n    And the end-user logs in as \"alice\"\n    Then the client receives an authorization code\n\n  Scenario: Consent denied by a link\n    When the client starts an authorization request\n    And the end-user logs in as \"alice\" and denies consent\n    Then the authorization response is the error \"access_denied\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn the_html_driver_logs_in_over_two_pages_and_denies_consent_by_a_link() {
    let server = provider().await;
    let env = env_file("html", &env_yaml(&server.uri(), ""));
    let feature = feature("html", HTML_FEATURE);
    let (out, report) = tokio::task::spawn_blocking(move || run(&feature, &env, "html"))
        .await
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("2 passed, 0 failed"), "{all}");
    // The deny link was followed, and the password never reached the report.
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        html.contains("/consent/abort"),
        "the deny link's request is in the report"
    );
    assert!(!html.contains("alice-pw-1"), "the password is redacted");
}

#[cfg(feature = "browser")]
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_driver_logs_in_on_a_javascript_page_with_a_script_or_without() {
    let server = provider().await;
    let issuer = format!("{}/js", server.uri());
    let feature_text = "Feature: Browser login driver\n\n  Scenario: A page drawn by JavaScript\n    Given the client \"web\"\n    When the client starts an authorization request\n    And the end-user logs in as \"alice\"\n    Then the client receives an authorization code\n";
    let feature = feature("js", feature_text);
    // With a login script, and without one (the driver finds the fields by autocomplete and
    // type, and the button by the form it is in).
    let scripted = env_file(
        "js-script",
        &env_yaml(
            &issuer,
            "login:\n  driver: browser\n  timeout_seconds: 20\n  script:\n    - wait_for: \"#u\"\n    - fill: \"#u\"\n      with: \"{{username}}\"\n    - fill: \"#p\"\n      with: \"{{password}}\"\n    - click: \"#go\"\n",
        ),
    );
    let found = env_file(
        "js-found",
        &env_yaml(
            &issuer,
            "login:\n  driver: browser\n  timeout_seconds: 20\n  submit: Enter\n",
        ),
    );
    for (name, env) in [("scripted", scripted), ("found", found)] {
        let f = feature.clone();
        let (out, report) = tokio::task::spawn_blocking(move || run(&f, &env, name))
            .await
            .unwrap();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(0), "{name}: {all}");
        let html = std::fs::read_to_string(report.join("index.html")).unwrap();
        assert!(
            html.contains("browser login (as alice)"),
            "{name}: the browser's navigations are exchanges of the step"
        );
        assert!(
            html.contains("/js/login"),
            "{name}: the form post is recorded"
        );
        assert!(
            !html.contains("alice-pw-1"),
            "{name}: the password is redacted"
        );
    }
    // A script step whose selector matches nothing names the step, the selector and the page.
    let broken = env_file(
        "js-broken",
        &env_yaml(
            &issuer,
            "login:\n  driver: browser\n  timeout_seconds: 3\n  script:\n    - wait_for: \"#u\"\n    - fill: \"#nope\"\n      with: \"{{username}}\"\n",
        ),
    );
    let (out, _) = tokio::task::spawn_blocking(move || run(&feature, &broken, "broken"))
        .await
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("step 2 (fill \"#nope\")")
            && all.contains("no visible element matches \"#nope\"")
            && all.contains("/js/authorize"),
        "{all}"
    );
}
