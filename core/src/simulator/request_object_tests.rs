//! The simulator's request objects and client assertions, request by request. The test client
//! signs with the simulator's own TEST-ONLY signing key, registered as its public key.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use url::Url;

use super::client_auth::ASSERTION_TYPE;
use super::keys;
use super::setup::SimClient;
use super::test_support::{Rig, flows_setup};
use crate::protocol::AuthMethod;

const SIGNING_PEM: &str = include_str!("keys/signing.pem");
const CLIENT: &str = "jwt-client";
const REDIRECT: &str = "https://client.example.org/jwt-cb";

async fn rig() -> Rig {
    let mut setup = flows_setup();
    let n = keys::jwks()["keys"][0]["n"].as_str().unwrap().to_string();
    setup.clients.push(SimClient {
        id: CLIENT.into(),
        secret: None,
        auth_method: AuthMethod::PrivateKeyJwt,
        redirect_uris: vec![REDIRECT.into()],
        scopes: vec!["openid".into()],
        public_key: Some((n, "AQAB".into())),
        request_object_signing_alg: Some("RS256".into()),
    });
    Rig::start(&setup, &[]).await
}

fn sign(claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(SIGNING_PEM.as_bytes()).unwrap();
    encode(&Header::new(Algorithm::RS256), claims, &key).unwrap()
}

fn object(rig: &Rig, now: i64) -> Value {
    json!({
        "iss": CLIENT, "aud": rig.sim.issuer(), "exp": now + 300, "iat": now,
        "client_id": CLIENT, "response_type": "code", "scope": "openid",
        "redirect_uri": REDIRECT, "state": "s-1", "nonce": "n-1",
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn authorize(rig: &Rig, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut url = Url::parse(&rig.url("/auth/open/connect/authorize")).unwrap();
    url.query_pairs_mut()
        .extend_pairs([
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("scope", "openid"),
        ])
        .extend_pairs(extra.iter().copied());
    rig.get(url.as_str()).await
}

/// The error of a redirect to the client, if it is one.
fn redirect_error(resp: &reqwest::Response) -> Option<String> {
    let location = resp.headers().get("location")?.to_str().ok()?;
    let url = Url::parse(location).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_signed_object_leads_to_the_login_page_and_a_clock_in_the_past_refuses_it() {
    let rig = rig().await;
    let ok = authorize(&rig, &[("request", &sign(&object(&rig, now())))]).await;
    assert_eq!(ok.status(), 200, "the login page");
    let stale = authorize(&rig, &[("request", &sign(&object(&rig, now() - 3600)))]).await;
    assert_eq!(
        redirect_error(&stale).as_deref(),
        Some("invalid_request_object")
    );
}

#[tokio::test]
async fn request_and_request_uri_together_or_a_foreign_request_uri_are_refused() {
    let rig = rig().await;
    let jwt = sign(&object(&rig, now()));
    let both = authorize(
        &rig,
        &[
            ("request", jwt.as_str()),
            ("request_uri", "http://127.0.0.1:1/x"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(redirect_error(&both).as_deref(), Some("invalid_request"));
    let foreign = authorize(
        &rig,
        &[
            ("request_uri", "https://evil.example/x"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        redirect_error(&foreign).as_deref(),
        Some("invalid_request_uri")
    );
    // Without a registered redirect URI to send it to, the refusal is a page.
    let nowhere = authorize(&rig, &[("request_uri", "https://evil.example/x")]).await;
    assert_eq!(nowhere.status(), 400);
}

fn assertion(rig: &Rig, jti: &str) -> String {
    let now = now();
    sign(&json!({
        "iss": CLIENT, "sub": CLIENT, "aud": format!("{}/connect/token", rig.sim.issuer()),
        "jti": jti, "iat": now, "exp": now + 60,
    }))
}

async fn refresh_with(
    rig: &Rig,
    basic: Option<(&str, &str)>,
    extra: &[(&str, &str)],
) -> (u16, String) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", "nope")];
    form.extend_from_slice(extra);
    let resp = rig.token(basic, &form).await;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn an_assertion_authenticates_once_and_never_beside_a_secret_or_for_another_method() {
    let rig = rig().await;
    let jwt = assertion(&rig, "jti-1");
    let with = |a: &str| -> Vec<(&str, String)> {
        vec![
            ("client_assertion_type", ASSERTION_TYPE.into()),
            ("client_assertion", a.into()),
        ]
    };
    let pairs = with(&jwt);
    let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Authenticated: the grant itself is what fails.
    assert_eq!(
        refresh_with(&rig, None, &form).await,
        (400, "invalid_grant".into())
    );
    // The same jti again.
    assert_eq!(
        refresh_with(&rig, None, &form).await,
        (401, "invalid_client".into())
    );
    // Beside a client secret.
    let fresh = assertion(&rig, "jti-2");
    let pairs = with(&fresh);
    let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let both = refresh_with(&rig, Some(("web-client", "web-secret")), &form).await;
    assert_eq!(both, (400, "invalid_request".into()));
    // A wrong assertion type.
    let wrong_type = [
        ("client_assertion_type", "urn:x"),
        ("client_assertion", fresh.as_str()),
    ];
    assert_eq!(
        refresh_with(&rig, None, &wrong_type).await,
        (401, "invalid_client".into())
    );
    // The private_key_jwt client with a secret instead.
    let basic = refresh_with(&rig, Some((CLIENT, "guess")), &[]).await;
    assert_eq!(basic, (401, "invalid_client".into()));
}
