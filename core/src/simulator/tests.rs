//! End-to-end tests of the simulator over HTTP: a hand-driven browser (forms read with
//! scraper, cookies kept by hand) and a client talking to the token and UserInfo endpoints.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use reqwest::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use super::test_support::{
    Form, POST, Rig, WEB, claims_of, err, error_of, flows_setup, forms, fragment_of, header_of,
    location, query_of,
};
use super::*;
use crate::clock::{Clock, ManualClock};
use crate::protocol::left_half_hash;

const REDIRECT: &str = "https://client.example.org/cb";
const SPA_REDIRECT: &str = "https://spa.example.org/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The browser and the web client of the code flow.
impl Rig {
    async fn authorize(&mut self, params: &[(&str, &str)]) -> Response {
        let req = self
            .http
            .get(self.url("/auth/open/connect/authorize"))
            .query(params);
        self.browse(req).await
    }

    async fn submit(&mut self, form: &Form, extra: &[(&str, &str)]) -> Response {
        assert_eq!(form.method, "post");
        let mut fields: Vec<(String, String)> = form
            .fields
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .cloned()
            .collect();
        fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let req = self.http.post(self.url(&form.action)).form(&fields);
        self.browse(req).await
    }

    /// The login page of the web client's code flow request with `state`.
    async fn login_page(&mut self, state: &str) -> Response {
        let ch = challenge(VERIFIER);
        self.authorize(&code_params(state, "n", &ch)).await
    }

    /// Logs in on a login page and returns the next response.
    async fn login(&mut self, page: Response, user: &str, password: &str) -> Response {
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let form = forms(&html).into_iter().next().expect("a login form");
        assert!(form.has_password, "{html}");
        self.submit(&form, &[("username", user), ("password", password)])
            .await
    }

    /// Answers a consent page.
    async fn decide(&mut self, page: Response, decision: &str) -> Response {
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let form = forms(&html).into_iter().next().expect("a consent form");
        assert!(
            form.buttons.contains(&("decision".into(), decision.into())),
            "{html}"
        );
        self.submit(&form, &[("decision", decision)]).await
    }

    /// Logs in as `user` on a login page, allows, and returns the final redirect's Location.
    async fn login_and_allow(&mut self, page: Response, user: &str, password: &str) -> String {
        let consent = self.login(page, user, password).await;
        let done = self.decide(consent, "allow").await;
        assert_eq!(done.status(), 302);
        location(&done).unwrap()
    }

    /// Login as alice, allow, return the final redirect's Location.
    async fn sign_in(&mut self, params: &[(&str, &str)]) -> String {
        let page = self.authorize(params).await;
        self.login_and_allow(page, "alice", "alice-pw").await
    }

    async fn code(&mut self, state: &str, nonce: &str) -> String {
        let ch = challenge(VERIFIER);
        let loc = self.sign_in(&code_params(state, nonce, &ch)).await;
        let q = query_of(&loc);
        assert_eq!(q.get("state").map(String::as_str), Some(state), "{loc}");
        q["code"].clone()
    }

    /// The web client redeems a code at the token endpoint.
    async fn redeem(&self, code: &str, verifier: &str) -> Response {
        self.redeem_with(code, REDIRECT, Some(verifier)).await
    }

    /// The web client redeems a code with this redirect URI and verifier (if any).
    async fn redeem_with(&self, code: &str, redirect: &str, verifier: Option<&str>) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
        ];
        form.extend(verifier.map(|v| ("code_verifier", v)));
        self.token(Some(WEB), &form).await
    }

    /// Redeems the code in a redirect's Location for its JSON answer.
    async fn tokens_of(&self, location: &str) -> Value {
        let code = query_of(location)["code"].clone();
        self.redeem(&code, VERIFIER).await.json().await.unwrap()
    }

    async fn tokens(&mut self) -> Value {
        let code = self.code("st", "n-1").await;
        let resp = self.redeem(&code, VERIFIER).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn jwks(&self) -> JwkSet {
        self.get("/auth/open/.well-known/openid-configuration/jwks")
            .await
            .json()
            .await
            .unwrap()
    }

    /// Verifies an ID token against the served JWKS, the issuer and the audience.
    async fn verify(&self, id_token: &str, aud: &str) -> Result<Value, String> {
        let header = decode_header(id_token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwks = self.jwks().await;
        let jwk = jwks.find(&kid).ok_or(format!("kid {kid} not in JWKS"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.sim.issuer()]);
        validation.set_audience(&[aud]);
        validation.leeway = 0;
        decode::<Value>(id_token, &key, &validation)
            .map(|d| d.claims)
            .map_err(|e| e.to_string())
    }
}

fn code_params<'a>(state: &'a str, nonce: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "web-client"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email"),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// An authorization request of `client_id` at `redirect` with `scope`, and `extra` parameters.
fn auth_params<'a>(
    response_type: &'a str,
    client_id: &'a str,
    redirect: &'a str,
    scope: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("response_type", response_type),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", scope),
    ];
    params.extend_from_slice(extra);
    params
}

// ---- discovery and keys ----

#[tokio::test]
async fn discovery_names_signicat_endpoints() {
    let rig = Rig::new(&[]).await;
    let issuer = rig.sim.issuer();
    assert_eq!(issuer, format!("{}/auth/open", rig.sim.base_url()));
    assert!(rig.sim.base_url().starts_with("http://127.0.0.1:"));
    let d = rig.discovery().await;
    assert_eq!(d["issuer"], issuer);
    assert_eq!(
        d["authorization_endpoint"],
        format!("{issuer}/connect/authorize")
    );
    assert_eq!(d["token_endpoint"], format!("{issuer}/connect/token"));
    assert_eq!(d["userinfo_endpoint"], format!("{issuer}/connect/userinfo"));
    assert_eq!(
        d["jwks_uri"],
        format!("{issuer}/.well-known/openid-configuration/jwks")
    );
    assert_eq!(
        d["response_types_supported"],
        serde_json::json!(["code", "id_token", "id_token token"])
    );
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        d["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&"email".into())
    );
    let jwks = rig.jwks().await;
    // The signing key, and the key request objects are encrypted to (use enc).
    assert_eq!(jwks.keys.len(), 2);
    assert!(jwks.find(SIGNING_KID).is_some());
    assert!(
        jwks.keys
            .iter()
            .any(|k| k.common.key_id.as_deref() == Some("idflow-sim-rsa-oaep-2026"))
    );
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() {
    let rig = Rig::new(&[]).await;
    let resp = rig.get("/auth/open/nope").await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("/auth/open/nope")
    );
}

#[tokio::test]
async fn a_taken_port_is_named() {
    let rig = Rig::new(&[]).await;
    let err = Simulator::start(
        &flows_setup(),
        Arc::new(ManualClock::new()),
        &[],
        Some(rig.sim.port()),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SimulatorError::PortInUse { .. }), "{text}");
    assert!(text.contains(&rig.sim.port().to_string()), "{text}");
}

// ---- the code flow ----

#[tokio::test]
async fn full_code_flow_with_pkce() {
    let mut rig = Rig::new(&[]).await;
    let state = "s t&a=te/\u{e6}";
    let ch = challenge(VERIFIER);
    let page = rig.authorize(&code_params(state, "nonce-123", &ch)).await;
    let html = page.text().await.unwrap();
    let login = forms(&html).into_iter().next().unwrap();
    assert!(login.action.starts_with("/auth/open/"));
    assert!(login.fields.iter().any(|(k, _)| k == "txn"));
    assert!(login.fields.iter().any(|(k, _)| k == "csrf"));
    let consent = rig
        .submit(&login, &[("username", "alice"), ("password", "alice-pw")])
        .await;
    assert!(rig.cookie.is_some(), "login sets the session cookie");
    let done = rig.decide(consent, "allow").await;
    assert_eq!(done.status(), 302);
    let loc = location(&done).unwrap();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], state);
    assert_eq!(q["iss"], rig.sim.issuer());
    assert!(Url::parse(&loc).unwrap().fragment().is_none());

    let resp = rig.redeem(&q["code"], VERIFIER).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["pragma"], "no-cache");
    assert_eq!(resp.headers()["content-type"], "application/json");
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid profile email");
    assert!(tokens["refresh_token"].is_string());
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims = rig.verify(id_token, "web-client").await.unwrap();
    assert_eq!(header_of(id_token)["typ"], "JWT");
    assert_eq!(claims["nonce"], "nonce-123");
    assert_eq!(claims["azp"], "web-client");
    assert_eq!(claims["sub"], default_sub("alice"));
    assert_eq!(claims["name"], "Alice Example");
    assert_eq!(claims["email_verified"], true);
    let now = rig.clock.unix_seconds();
    assert!((claims["iat"].as_i64().unwrap() - now).abs() <= 2);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert!(claims["auth_time"].is_i64());
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        claims["at_hash"].as_str(),
        left_half_hash("RS256", access).as_deref()
    );

    let info = rig.userinfo(access).await;
    assert_eq!(info.status(), 200);
    assert_eq!(info.headers()["cache-control"], "no-store");
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], claims["sub"]);
    assert_eq!(info["email"], "alice@example.org");
    assert_eq!(info["family_name"], "Example");
}

#[tokio::test]
async fn configured_sub_and_scope_limited_claims() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let mut params = code_params("s", "n", &ch);
    params[3] = ("scope", "openid");
    let page = rig.authorize(&params).await;
    let loc = rig.login_and_allow(page, "bob", "bob-pw").await;
    let tokens = rig.tokens_of(&loc).await;
    let claims = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["sub"], "bob-sub-42");
    assert!(claims.get("email").is_none() && claims.get("acr").is_none());
}

#[tokio::test]
async fn wrong_password_rerenders_the_form_with_an_error() {
    let mut rig = Rig::new(&[]).await;
    let page = rig.login_page("s").await;
    let again = rig.login(page, "alice", "nope").await;
    assert_eq!(again.status(), 200);
    assert!(rig.cookie.is_none());
    let html = again.text().await.unwrap();
    assert!(html.contains("Wrong username or password"), "{html}");
    let form = forms(&html).into_iter().next().unwrap();
    let consent = rig
        .submit(&form, &[("username", "alice"), ("password", "alice-pw")])
        .await;
    let html = consent.text().await.unwrap();
    assert!(html.contains("name=\"decision\""), "{html}");
}

#[tokio::test]
async fn deny_gives_access_denied_with_state() {
    let mut rig = Rig::new(&[]).await;
    let page = rig.login_page("st-1").await;
    let consent = rig.login(page, "alice", "alice-pw").await;
    let done = rig.decide(consent, "deny").await;
    let q = query_of(&location(&done).unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-1");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn code_reuse_is_refused_and_revokes_the_tokens() {
    let mut rig = Rig::new(&[]).await;
    let code = rig.code("s", "n").await;
    let first: Value = rig.redeem(&code, VERIFIER).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(rig.userinfo(access).await.status(), 200);
    let second = rig.redeem(&code, VERIFIER).await;
    assert_eq!(error_of(second).await, err(400, "invalid_grant"));
    let after = rig.userinfo(access).await;
    assert_eq!(after.status(), 401);
    assert_eq!(
        after.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .split(',')
            .next()
            .unwrap(),
        "Bearer error=\"invalid_token\""
    );
    let refresh = rig
        .refresh(WEB, first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refresh.status(), 400);
}

#[tokio::test]
async fn wrong_or_missing_pkce_verifier_is_invalid_grant() {
    let mut rig = Rig::new(&[]).await;
    let code = rig.code("s", "n").await;
    let resp = rig.redeem(&code, "x".repeat(50).as_str()).await;
    assert_eq!(error_of(resp).await, err(400, "invalid_grant"));
    let resp = rig.redeem_with(&code, REDIRECT, None).await;
    assert_eq!(error_of(resp).await, err(400, "invalid_grant"));
}

#[tokio::test]
async fn codes_expire_after_sixty_seconds_of_clock_time() {
    let mut rig = Rig::new(&[]).await;
    let code = rig.code("s", "n").await;
    rig.clock.advance(Duration::from_secs(61));
    let resp = rig.redeem(&code, VERIFIER).await;
    assert_eq!(error_of(resp).await, err(400, "invalid_grant"));
}

#[tokio::test]
async fn redirect_uri_must_match_at_the_token_endpoint() {
    let mut rig = Rig::new(&[]).await;
    let code = rig.code("s", "n").await;
    let other = "https://client.example.org/other";
    let resp = rig.redeem_with(&code, other, Some(VERIFIER)).await;
    assert_eq!(error_of(resp).await, err(400, "invalid_grant"));
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_client() {
    let mut rig = Rig::new(&[]).await;
    let code = rig.code("s", "n").await;
    let resp = rig
        .token(
            Some(("web-client", "not-the-secret")),
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(error_of(resp).await, err(401, "invalid_client"));
    // The code is still good: authentication failed before it was looked at.
    assert_eq!(rig.redeem(&code, VERIFIER).await.status(), 200);
}

#[tokio::test]
async fn client_secret_post_client_must_use_the_form() {
    let rig = Rig::new(&[]).await;
    assert_eq!(rig.refresh(POST, "x").await.status(), 401);
    let form = rig
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", POST.0),
                ("client_secret", POST.1),
            ],
        )
        .await;
    // Authenticated; the refresh token is unknown.
    assert_eq!(error_of(form).await, err(400, "invalid_grant"));
}

#[tokio::test]
async fn json_token_requests_are_refused() {
    let rig = Rig::new(&[]).await;
    let body = serde_json::json!({"grant_type": "authorization_code", "code": "x"});
    let resp = rig
        .post_json("/auth/open/connect/token", Some(WEB), &body)
        .await;
    assert_eq!(error_of(resp).await, err(400, "invalid_request"));
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn garbage_at_the_token_endpoint_gets_400s_not_panics() {
    let rig = Rig::new(&[]).await;
    let garbage = |authorization: &'static str, body: &'static str| {
        rig.post("/auth/open/connect/token", None)
            .header("content-type", FORM)
            .header("authorization", authorization)
            .body(body)
            .send()
    };
    for body in [
        "%%%",
        "grant_type=authorization_code&grant_type=x",
        "grant_type=password",
        "",
    ] {
        let resp = garbage("Basic d2ViLWNsaWVudDp3ZWItc2VjcmV0", body)
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert!(err["error"].is_string(), "{body}");
    }
    let resp = garbage("Basic !!!", "grant_type=authorization_code")
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn refresh_rotates_and_keeps_identity() {
    let mut rig = Rig::new(&[]).await;
    let first = rig.tokens().await;
    rig.clock.advance(Duration::from_secs(30));
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let resp = rig.refresh(WEB, &old).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let second: Value = resp.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    let a = claims_of(first["id_token"].as_str().unwrap());
    let b = rig
        .verify(second["id_token"].as_str().unwrap(), "web-client")
        .await
        .unwrap();
    for claim in ["iss", "sub", "aud", "azp", "auth_time"] {
        assert_eq!(a[claim], b[claim], "{claim}");
    }
    assert!(b["iat"].as_i64().unwrap() > a["iat"].as_i64().unwrap());
    assert!(b.get("nonce").is_none());
    // Another client cannot use it.
    let stolen = rig
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", second["refresh_token"].as_str().unwrap()),
                ("client_id", POST.0),
                ("client_secret", POST.1),
            ],
        )
        .await;
    assert_eq!(error_of(stolen).await, err(400, "invalid_grant"));
    // The new one still works for its client.
    let third = rig
        .refresh(WEB, second["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(third.status(), 200);
    // The old refresh token is spent (and its reuse revokes the grant: see below).
    let again = rig.refresh(WEB, &old).await;
    assert_eq!(error_of(again).await, err(400, "invalid_grant"));
}

#[tokio::test]
async fn public_client_needs_pkce_and_no_secret() {
    let mut rig = Rig::new(&[]).await;
    let spa = |extra| auth_params("code", "spa-client", SPA_REDIRECT, "openid", extra);
    let no_pkce = rig.authorize(&spa(&[("state", "s")])).await;
    assert_eq!(
        query_of(&location(&no_pkce).unwrap())["error"],
        "invalid_request"
    );
    let ch = challenge(VERIFIER);
    let loc = rig
        .sign_in(&spa(&[
            ("state", "s"),
            ("code_challenge", &ch),
            ("code_challenge_method", "S256"),
        ]))
        .await;
    let code = query_of(&loc)["code"].clone();
    let resp = rig
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", SPA_REDIRECT),
                ("client_id", "spa-client"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
}

// ---- authorization request errors ----

#[tokio::test]
async fn unregistered_redirect_uri_gets_a_page_never_a_redirect() {
    let mut rig = Rig::new(&[]).await;
    let evil = "https://evil.example.org/cb";
    let params = auth_params("code", "web-client", evil, "openid", &[("state", "s")]);
    let resp = rig.authorize(&params).await;
    assert_eq!(resp.status(), 400);
    assert!(location(&resp).is_none());
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("not registered"), "{html}");
}

#[tokio::test]
async fn unknown_client_gets_a_page() {
    let mut rig = Rig::new(&[]).await;
    let resp = rig
        .authorize(&auth_params("code", "who", REDIRECT, "openid", &[]))
        .await;
    assert_eq!(resp.status(), 400);
    assert!(location(&resp).is_none());
    let resp = rig
        .authorize(&[("client_id", "web-client"), ("client_id", "x")])
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn bad_response_type_and_scope_redirect_with_errors() {
    let mut rig = Rig::new(&[]).await;
    let base = [
        ("client_id", "web-client"),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
    ];
    let mut p = base.to_vec();
    p.extend([("response_type", "id token token"), ("scope", "openid")]);
    // A token-ish type answers in the fragment, like the implicit flow it was meant to be.
    let q = fragment_of(&location(&rig.authorize(&p).await).unwrap());
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], "xyz");
    let mut p = base.to_vec();
    p.extend([("response_type", "code"), ("scope", "profile")]);
    let q = query_of(&location(&rig.authorize(&p).await).unwrap());
    assert_eq!(q["error"], "invalid_scope");
    assert_eq!(q["state"], "xyz");
}

/// An implicit request of the web client.
fn implicit<'a>(
    response_type: &'a str,
    scope: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    auth_params(response_type, "web-client", REDIRECT, scope, extra)
}

#[tokio::test]
async fn implicit_without_nonce_errors_in_the_fragment() {
    let mut rig = Rig::new(&[]).await;
    let params = implicit("id_token token", "openid", &[("state", "abc")]);
    let resp = rig.authorize(&params).await;
    assert_eq!(resp.status(), 302);
    let loc = location(&resp).unwrap();
    assert!(Url::parse(&loc).unwrap().query().is_none(), "{loc}");
    let f = fragment_of(&loc);
    assert_eq!(f["error"], "invalid_request");
    assert_eq!(f["state"], "abc");
}

#[tokio::test]
async fn implicit_flow_answers_in_the_fragment() {
    let mut rig = Rig::new(&[]).await;
    let extra = [("state", "abc"), ("nonce", "n-0")];
    let loc = rig
        .sign_in(&implicit("id_token token", "openid email", &extra))
        .await;
    assert!(Url::parse(&loc).unwrap().query().is_none(), "{loc}");
    let f = fragment_of(&loc);
    assert_eq!(f["state"], "abc");
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(f["expires_in"], "3600");
    let claims = rig.verify(&f["id_token"], "web-client").await.unwrap();
    assert_eq!(claims["nonce"], "n-0");
    assert_eq!(
        claims["at_hash"].as_str(),
        left_half_hash("RS256", &f["access_token"]).as_deref()
    );
    assert_eq!(rig.userinfo(&f["access_token"]).await.status(), 200);

    // response_type=id_token: no access token, no at_hash.
    let params = implicit("id_token", "openid", &[("nonce", "n-1")]);
    let resp = rig.authorize(&params).await;
    let f = fragment_of(&location(&resp).unwrap());
    assert!(!f.contains_key("access_token"));
    let claims = rig.verify(&f["id_token"], "web-client").await.unwrap();
    assert!(claims.get("at_hash").is_none());
}

// ---- sessions and prompts ----

#[tokio::test]
async fn prompt_none_without_session_is_login_required() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let mut p = code_params("s-none", "n", &ch);
    p.push(("prompt", "none"));
    let resp = rig.authorize(&p).await;
    assert_eq!(resp.status(), 302);
    let q = query_of(&location(&resp).unwrap());
    assert_eq!(q["error"], "login_required");
    assert_eq!(q["state"], "s-none");
}

#[tokio::test]
async fn a_live_session_skips_the_forms_and_prompts_force_them() {
    let mut rig = Rig::new(&[]).await;
    rig.code("s", "n").await;
    let ch = challenge(VERIFIER);
    // Same client again: straight to the redirect, with or without prompt=none.
    for extra in [None, Some(("prompt", "none"))] {
        let mut p = code_params("s2", "n", &ch);
        p.extend(extra);
        let resp = rig.authorize(&p).await;
        assert_eq!(resp.status(), 302, "{extra:?}");
        assert!(query_of(&location(&resp).unwrap()).contains_key("code"));
    }
    // prompt=consent shows the consent form, prompt=login the login form.
    let mut p = code_params("s3", "n", &ch);
    p.push(("prompt", "consent"));
    let html = rig.authorize(&p).await.text().await.unwrap();
    assert!(
        html.contains("name=\"decision\"") && !html.contains("type=\"password\""),
        "{html}"
    );
    let mut p = code_params("s4", "n", &ch);
    p.push(("prompt", "login"));
    let html = rig.authorize(&p).await.text().await.unwrap();
    assert!(html.contains("type=\"password\""), "{html}");
}

#[tokio::test]
async fn max_age_forces_a_new_login_and_auth_time_moves() {
    let mut rig = Rig::new(&[]).await;
    let first = rig.tokens().await;
    let auth_time = claims_of(first["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .unwrap();
    rig.clock.advance(Duration::from_secs(120));
    let ch = challenge(VERIFIER);
    let mut p = code_params("s", "n", &ch);
    p.push(("max_age", "60"));
    let page = rig.authorize(&p).await;
    let done = rig.login(page, "alice", "alice-pw").await;
    // Consent is remembered for the session, so login leads straight to the redirect.
    assert_eq!(done.status(), 302);
    let tokens = rig.tokens_of(&location(&done).unwrap()).await;
    let later = claims_of(tokens["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .unwrap();
    assert!(later >= auth_time + 120);
    // A generous max_age reuses the session.
    let mut p = code_params("s", "n", &ch);
    p.push(("max_age", "3600"));
    assert_eq!(rig.authorize(&p).await.status(), 302);
}

#[tokio::test]
async fn ui_locales_login_hint_acr_and_profile_are_honoured() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let mut p = code_params("s", "n", &ch);
    p.extend([
        ("ui_locales", "nb en"),
        ("login_hint", "alice"),
        ("acr_values", "urn:signicat:oidc:method:nbid urn:other"),
        ("signicat_profile", "blue"),
    ]);
    let page = rig.authorize(&p).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"nb\""), "{html}");
    assert!(html.contains("blue"), "{html}");
    let form = forms(&html).into_iter().next().unwrap();
    assert!(form.fields.contains(&("username".into(), "alice".into())));
    let consent = rig.submit(&form, &[("password", "alice-pw")]).await;
    let done = rig.decide(consent, "allow").await;
    let tokens = rig.tokens_of(&location(&done).unwrap()).await;
    assert_eq!(
        claims_of(tokens["id_token"].as_str().unwrap())["acr"],
        "urn:signicat:oidc:method:nbid"
    );
}

#[tokio::test]
async fn id_token_hint_must_be_ours() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let mut p = code_params("s", "n", &ch);
    p.push(("id_token_hint", "not.a.jwt"));
    let q = query_of(&location(&rig.authorize(&p).await).unwrap());
    assert_eq!(q["error"], "invalid_request");
    let tokens = rig.tokens().await;
    let hint = tokens["id_token"].as_str().unwrap().to_string();
    let mut p = code_params("s", "n", &ch);
    p.extend([("id_token_hint", hint.as_str()), ("prompt", "none")]);
    let q = query_of(&location(&rig.authorize(&p).await).unwrap());
    assert!(q.contains_key("code"), "{q:?}");
    // Tampered hint: change the payload, keep the signature.
    let mut parts: Vec<String> = hint.split('.').map(String::from).collect();
    let mut claims = claims_of(&hint);
    claims["sub"] = "someone".into();
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = parts.join(".");
    let mut p = code_params("s", "n", &ch);
    p.extend([("id_token_hint", forged.as_str()), ("prompt", "none")]);
    let q = query_of(&location(&rig.authorize(&p).await).unwrap());
    assert_eq!(q["error"], "invalid_request");
}

#[tokio::test]
async fn broker_aliases_serve_the_same_flow() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let resp = rig
        .http
        .get(rig.url("/broker/openidconnect/authorize"))
        .query(&code_params("s", "n", &ch))
        .send()
        .await
        .unwrap();
    let loc = rig.login_and_allow(resp, "alice", "alice-pw").await;
    let code = query_of(&loc)["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let tokens: Value = rig
        .post_form("/broker/openidconnect/token", Some(WEB), &form)
        .await
        .json()
        .await
        .unwrap();
    let info = rig
        .post("/broker/openidconnect/userinfo", None)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
}

#[tokio::test]
async fn userinfo_without_a_good_token_is_401() {
    let rig = Rig::new(&[]).await;
    let none = rig.get("/auth/open/connect/userinfo").await;
    assert_eq!(none.status(), 401);
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\"")
    );
    assert_eq!(rig.userinfo("made-up").await.status(), 401);
}

#[tokio::test]
async fn access_tokens_expire_on_the_clock() {
    let mut rig = Rig::new(&[]).await;
    let tokens = rig.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    rig.clock.advance(Duration::from_secs(3601));
    assert_eq!(rig.userinfo(access).await.status(), 401);
}

// ---- defects: each knob changes its behaviour ----

async fn id_token_with(defects: &[Defect]) -> (Rig, Value) {
    let mut rig = Rig::new(defects).await;
    let tokens = rig.tokens().await;
    (rig, tokens)
}

#[tokio::test]
async fn defect_wrong_nonce() {
    let (_, t) = id_token_with(&[Defect::WrongNonce]).await;
    let nonce = claims_of(t["id_token"].as_str().unwrap())["nonce"].clone();
    assert!(nonce.is_string());
    assert_ne!(nonce, "n-1");
}

#[tokio::test]
async fn defect_wrong_at_hash() {
    let (_, t) = id_token_with(&[Defect::WrongAtHash]).await;
    let claims = claims_of(t["id_token"].as_str().unwrap());
    let right = left_half_hash("RS256", t["access_token"].as_str().unwrap());
    assert!(claims["at_hash"].is_string());
    assert_ne!(claims["at_hash"].as_str(), right.as_deref());
}

#[tokio::test]
async fn defect_unknown_signing_key() {
    let (rig, t) = id_token_with(&[Defect::UnknownSigningKey]).await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(header_of(id_token)["kid"], UNPUBLISHED_KID);
    let err = rig.verify(id_token, "web-client").await.unwrap_err();
    assert!(err.contains("not in JWKS"), "{err}");
}

#[tokio::test]
async fn defect_alg_none() {
    let (rig, t) = id_token_with(&[Defect::AlgNone]).await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(header_of(id_token)["alg"], "none");
    assert!(id_token.ends_with('.'));
    assert!(rig.verify(id_token, "web-client").await.is_err());
}

#[tokio::test]
async fn defect_wrong_issuer() {
    let (rig, t) = id_token_with(&[Defect::WrongIssuer]).await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(
        claims_of(id_token)["iss"],
        "https://issuer.invalid/auth/open"
    );
    assert!(rig.verify(id_token, "web-client").await.is_err());
}

#[tokio::test]
async fn defect_expired_id_token() {
    let (rig, t) = id_token_with(&[Defect::ExpiredIdToken]).await;
    let claims = claims_of(t["id_token"].as_str().unwrap());
    assert!(claims["exp"].as_i64().unwrap() < rig.clock.unix_seconds());
    let err = rig
        .verify(t["id_token"].as_str().unwrap(), "web-client")
        .await
        .unwrap_err();
    assert!(err.contains("Expired"), "{err}");
}

#[tokio::test]
async fn defect_reused_code_accepted() {
    let mut rig = Rig::new(&[Defect::ReusedCodeAccepted]).await;
    let code = rig.code("s", "n").await;
    assert_eq!(rig.redeem(&code, VERIFIER).await.status(), 200);
    assert_eq!(rig.redeem(&code, VERIFIER).await.status(), 200);
}

#[tokio::test]
async fn defect_missing_no_store() {
    let mut rig = Rig::new(&[Defect::MissingNoStore]).await;
    let code = rig.code("s", "n").await;
    let resp = rig.redeem(&code, VERIFIER).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("cache-control").is_none());
}

#[tokio::test]
async fn defect_state_not_echoed() {
    let mut rig = Rig::new(&[Defect::StateNotEchoed]).await;
    let ch = challenge(VERIFIER);
    let loc = rig.sign_in(&code_params("my-state", "n", &ch)).await;
    let q = query_of(&loc);
    assert!(q.contains_key("code"));
    assert!(!q.contains_key("state"), "{loc}");
}

/// The UserInfo answer to an access token of a token response.
async fn userinfo_of(rig: &Rig, tokens: &Value) -> Value {
    rig.userinfo(tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn defect_userinfo_cacheable() {
    let (rig, t) = id_token_with(&[Defect::UserinfoCacheable]).await;
    let resp = rig.userinfo(t["access_token"].as_str().unwrap()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("cache-control").is_none());
    let (rig, t) = id_token_with(&[]).await;
    let resp = rig.userinfo(t["access_token"].as_str().unwrap()).await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn defect_userinfo_sub_differs() {
    let (rig, t) = id_token_with(&[Defect::UserinfoSubDiffers]).await;
    let sub = claims_of(t["id_token"].as_str().unwrap())["sub"].clone();
    let info = userinfo_of(&rig, &t).await;
    assert!(info["sub"].is_string());
    assert_ne!(info["sub"], sub);
}

#[tokio::test]
async fn no_defect_means_no_misbehaviour() {
    let (rig, t) = id_token_with(&[]).await;
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(header_of(id_token)["kid"], SIGNING_KID);
    let claims = rig.verify(id_token, "web-client").await.unwrap();
    assert_eq!(claims["nonce"], "n-1");
    let info = userinfo_of(&rig, &t).await;
    assert_eq!(info["sub"], claims["sub"]);
}

#[tokio::test]
async fn malformed_requests_get_400s_not_panics() {
    let mut rig = Rig::new(&[]).await;
    let cases = [
        (
            "GET",
            "/auth/open/connect/authorize?client_id=%ff%fe&redirect_uri=%00",
            "",
        ),
        (
            "GET",
            "/auth/open/connect/authorize?client_id=web-client&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&response_type=code&scope=openid&max_age=-1",
            "",
        ),
        (
            "POST",
            "/auth/open/connect/authorize",
            "client_id=web-client&client_id=web-client",
        ),
        (
            "POST",
            "/auth/open/login",
            "txn=nope&csrf=x&username=alice&password=alice-pw",
        ),
        ("POST", "/auth/open/login", ""),
        ("POST", "/auth/open/consent", "txn=nope&decision=allow"),
        ("POST", "/auth/open/connect/userinfo", "access_token=%zz"),
    ];
    for (method, path, body) in cases {
        let url = rig.url(path);
        let resp = if method == "GET" {
            rig.get(path).await
        } else {
            rig.post_raw(path, None, FORM, body).await
        };
        let status = resp.status().as_u16();
        assert!(
            (400..500).contains(&status) || status == 302,
            "{url} {body}: {status}"
        );
        if status == 302 {
            let q = query_of(&location(&resp).unwrap());
            assert_eq!(q["error"], "invalid_request", "{url}");
        }
    }
    // A consent form with a bad decision, and a login form replayed after use.
    let page = rig.login_page("s").await;
    let html = page.text().await.unwrap();
    let login = forms(&html).into_iter().next().unwrap();
    let alice = [("username", "alice"), ("password", "alice-pw")];
    let consent = rig.submit(&login, &alice).await;
    let consent_html = consent.text().await.unwrap();
    let consent_form = forms(&consent_html).into_iter().next().unwrap();
    let forged = [("decision", "allow"), ("csrf", "forged")];
    for (form, fields, status) in [
        (&consent_form, &[("decision", "maybe")][..], 400),
        (&consent_form, &forged[..], 400),
        (&login, &alice[..], 400),
        (&consent_form, &[("decision", "allow")][..], 302),
    ] {
        assert_eq!(
            rig.submit(form, fields).await.status(),
            status,
            "{fields:?}"
        );
    }
}

#[tokio::test]
async fn authorization_requests_may_be_posted() {
    let mut rig = Rig::new(&[]).await;
    let ch = challenge(VERIFIER);
    let resp = rig
        .post("/auth/open/connect/authorize", None)
        .form(&code_params("posted", "n", &ch))
        .send()
        .await
        .unwrap();
    let loc = rig.login_and_allow(resp, "alice", "alice-pw").await;
    assert_eq!(query_of(&loc)["state"], "posted");
}

#[tokio::test]
async fn consent_is_bound_to_the_browser_session() {
    let mut rig = Rig::new(&[]).await;
    let page = rig.login_page("s").await;
    let consent = rig.login(page, "alice", "alice-pw").await;
    let html = consent.text().await.unwrap();
    let form = forms(&html).into_iter().next().unwrap();
    let own = rig.cookie.clone();
    rig.cookie = Some(format!("{}=someone-elses", "idflow_sim_session"));
    assert_eq!(
        rig.submit(&form, &[("decision", "allow")]).await.status(),
        400
    );
    rig.cookie = own;
    assert_eq!(
        rig.submit(&form, &[("decision", "allow")]).await.status(),
        302
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_grant() {
    // RFC 9700 §4.14.2 (and node oidc-provider): refresh token reuse means theft.
    let mut rig = Rig::new(&[]).await;
    let first = rig.tokens().await;
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let second: Value = rig.refresh(WEB, &old).await.json().await.unwrap();
    assert_eq!(rig.refresh(WEB, &old).await.status(), 400);
    let newer = rig
        .refresh(WEB, second["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        newer.status(),
        400,
        "the replacement refresh token is revoked too"
    );
    let info = rig.userinfo(second["access_token"].as_str().unwrap()).await;
    assert_eq!(
        info.status(),
        401,
        "the replacement access token is revoked too"
    );
}
