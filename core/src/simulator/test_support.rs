//! What every simulator test module starts with: the registrations of the two test set-ups
//! (browser flows; MobileID, CIBA and the REST API), a [`Rig`] (a simulator on a manual clock,
//! an HTTP client that follows no redirect, a browser cookie) with one request helper per
//! endpoint, and the readers of what comes back (errors, JWT parts, redirects, HTML forms).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use url::Url;

use super::{Defect, SimClient, SimMobileId, SimUser, Simulator, SimulatorSetup, default_sub};
use crate::clock::{ManualClock, SharedClock};
use crate::protocol::{AuthMethod, CIBA_GRANT};

/// The browser-flow set-up's confidential client (HTTP Basic).
pub const WEB: (&str, &str) = ("web-client", "web-secret");
/// The browser-flow set-up's client that authenticates in the form.
pub const POST: (&str, &str) = ("post-client", "post-secret");
/// The MobileID set-up's CIBA client (HTTP Basic).
pub const CIBA: (&str, &str) = ("ciba-client", "ciba-secret");
/// The MobileID set-up's other client (authenticates in the form).
pub const OTHER: (&str, &str) = ("other-client", "other-secret");
/// maxence's MobileID user and device, as a CIBA `login_hint`.
pub const HINT: &str =
    "userId:0e99b25c-abde-4553-973b-8d94d49cd87e deviceId:20874199-f4d1-4e9d-86ee-dd4a46030acb";

fn client(
    id: &str,
    secret: Option<&str>,
    auth_method: AuthMethod,
    redirect_uri: &str,
    scopes: &[&str],
) -> SimClient {
    SimClient {
        id: id.into(),
        secret: secret.map(Into::into),
        auth_method,
        redirect_uris: vec![redirect_uri.into()],
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        public_key: None,
        request_object_signing_alg: None,
    }
}

fn user(name: &str, password: Option<&str>, sub: Option<&str>, claims: Value) -> SimUser {
    let claims: BTreeMap<String, Value> = match claims {
        Value::Object(map) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    SimUser {
        name: name.into(),
        username: name.into(),
        password: password.map(Into::into),
        sub: sub.map_or_else(|| default_sub(name), Into::into),
        claims,
        ..SimUser::default()
    }
}

/// The browser-flow set-up: a Basic, a form-posting and a public client; alice (claims, derived
/// sub) and bob (configured sub).
pub fn flows_setup() -> SimulatorSetup {
    SimulatorSetup {
        clients: vec![
            client(
                "post-client",
                Some("post-secret"),
                AuthMethod::ClientSecretPost,
                "https://client.example.org/post-cb",
                &["openid"],
            ),
            client(
                "spa-client",
                None,
                AuthMethod::None,
                "https://spa.example.org/cb",
                &["openid"],
            ),
            client(
                "web-client",
                Some("web-secret"),
                AuthMethod::ClientSecretBasic,
                "https://client.example.org/cb",
                &["openid", "profile", "email"],
            ),
        ],
        users: vec![
            user(
                "alice",
                Some("alice-pw"),
                None,
                json!({
                    "name": "Alice Example", "given_name": "Alice", "family_name": "Example",
                    "email": "alice@example.org", "email_verified": true,
                }),
            ),
            user("bob", Some("bob-pw"), Some("bob-sub-42"), json!({})),
        ],
    }
}

/// The MobileID set-up: a CIBA client (Basic) and another (form post); maxence with a device
/// and a national number, and nodevice without either.
pub fn mobileid_setup() -> SimulatorSetup {
    let mut maxence = user(
        "maxence",
        None,
        Some("maxence-sub"),
        json!({
            "name": "Maxence Legrand", "firstName": "Maxence", "lastName": "Legrand",
            "dateOfBirth": "1981-04-24",
        }),
    );
    maxence.nin = Some("81042419835".into());
    maxence.mobileid = Some(SimMobileId {
        user_id: "0e99b25c-abde-4553-973b-8d94d49cd87e".into(),
        device_id: "20874199-f4d1-4e9d-86ee-dd4a46030acb".into(),
        device_name: Some("sampleDevice".into()),
        external_ref: Some("ca389fae-153d-11ec-82a8-0242ac130003".into()),
    });
    SimulatorSetup {
        clients: vec![
            client(
                "ciba-client",
                Some("ciba-secret"),
                AuthMethod::ClientSecretBasic,
                "https://client.example.org/cb",
                &["openid", "mobileid", "mobileid-extra"],
            ),
            client(
                "other-client",
                Some("other-secret"),
                AuthMethod::ClientSecretPost,
                "https://other.example.org/cb",
                &["openid"],
            ),
        ],
        users: vec![maxence, user("nodevice", None, None, json!({}))],
    }
}

/// A simulator, its clock, an HTTP client that follows no redirect, and a browser cookie.
pub struct Rig {
    pub(crate) sim: Simulator,
    pub(crate) clock: ManualClock,
    pub(crate) http: reqwest::Client,
    /// The simulator's session cookie, kept by [`Rig::browse`].
    pub(crate) cookie: Option<String>,
}

impl Rig {
    /// A simulator with the browser-flow set-up.
    pub async fn new(defects: &[Defect]) -> Rig {
        Rig::start(&flows_setup(), defects).await
    }

    /// A simulator with the MobileID set-up.
    pub async fn mobileid(defects: &[Defect]) -> Rig {
        Rig::start(&mobileid_setup(), defects).await
    }

    /// Starts a simulator for `setup` with `defects`.
    pub async fn start(setup: &SimulatorSetup, defects: &[Defect]) -> Rig {
        let clock = ManualClock::new();
        let shared: SharedClock = Arc::new(clock.clone());
        let sim = Simulator::start(setup, shared, defects, None)
            .await
            .unwrap();
        // reqwest is built without a default TLS provider; plain http still needs one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Rig {
            sim,
            clock,
            http,
            cookie: None,
        }
    }

    /// A path on the simulator as a URL; an absolute URL stays as it is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.sim.base_url())
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// `GET` a path or URL.
    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// `GET` a path or URL and read the JSON answer.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    /// The discovery document.
    pub async fn discovery(&self) -> Value {
        self.get_json("/auth/open/.well-known/openid-configuration")
            .await
    }

    /// `POST` a path, with HTTP Basic as `basic` when given.
    pub fn post(&self, path: &str, basic: Option<(&str, &str)>) -> RequestBuilder {
        let req = self.http.post(self.url(path));
        match basic {
            Some((id, secret)) => req.basic_auth(id, Some(secret)),
            None => req,
        }
    }

    /// `POST` a form.
    pub async fn post_form(
        &self,
        path: &str,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> Response {
        self.post(path, basic).form(form).send().await.unwrap()
    }

    /// `POST` a body as it is, with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        basic: Option<(&str, &str)>,
        content_type: &str,
        body: &str,
    ) -> Response {
        self.post(path, basic)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// `POST` a JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        basic: Option<(&str, &str)>,
        body: &Value,
    ) -> Response {
        self.post(path, basic).json(body).send().await.unwrap()
    }

    /// A token request; a client without `basic` authenticates in the form.
    pub async fn token(&self, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> Response {
        self.post_form("/auth/open/connect/token", basic, form)
            .await
    }

    /// A refresh token grant.
    pub async fn refresh(&self, basic: (&str, &str), refresh_token: &str) -> Response {
        self.token(
            Some(basic),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// UserInfo with a Bearer token.
    pub async fn userinfo(&self, token: &str) -> Response {
        self.http
            .get(self.url("/auth/open/connect/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A backchannel authentication request of the CIBA client.
    pub async fn ciba(&self, form: &[(&str, &str)]) -> Response {
        self.post_form("/auth/open/connect/ciba", Some(CIBA), form)
            .await
    }

    /// A CIBA token poll by `client` (HTTP Basic).
    pub async fn ciba_poll(&self, client: (&str, &str), auth_req_id: &str) -> Response {
        self.token(
            Some(client),
            &[("grant_type", CIBA_GRANT), ("auth_req_id", auth_req_id)],
        )
        .await
    }

    /// The end-user's device acts on a CIBA request (`approve`, `deny`, ...).
    pub async fn device(&self, auth_req_id: &str, action: &str) -> StatusCode {
        self.post(&format!("/__simulator/ciba/{auth_req_id}/{action}"), None)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// A REST API token of the CIBA client (client credentials, scope `signicat-api`).
    pub async fn api_token(&self) -> String {
        let resp = self
            .token(
                Some(CIBA),
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "signicat-api"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// Creates a REST API session.
    pub async fn session_create(&self, token: &str, body: &Value) -> Response {
        self.post("/auth/rest/sessions", None)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Reads a REST API session (any status).
    pub async fn session_get(&self, token: &str, id: &str) -> Response {
        self.http
            .get(self.url(&format!("/auth/rest/sessions/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Reads a REST API session that exists.
    pub async fn session(&self, token: &str, id: &str) -> Value {
        let resp = self.session_get(token, id).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Cancels a REST API session.
    pub async fn session_cancel(&self, token: &str, id: &str) -> Response {
        self.post(&format!("/auth/rest/sessions/{id}/cancel"), None)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Starts a MobileID operation on the simulated device.
    pub async fn operation_start(&self, body: &Value) -> Response {
        self.post_json("/__simulator/mobileid/operations", None, body)
            .await
    }

    /// Sends a browser request with the session cookie and keeps the cookie it sets.
    pub async fn browse(&mut self, req: RequestBuilder) -> Response {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let resp = req.send().await.unwrap();
        if let Some(c) = resp.headers().get("set-cookie") {
            let c = c.to_str().unwrap();
            assert!(c.contains("HttpOnly") && c.contains("Path=/"), "{c}");
            self.cookie = Some(c.split(';').next().unwrap().to_string());
        }
        resp
    }
}

/// The status and the OAuth `error` of an answer (`""` without one).
pub async fn error_of(resp: Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

/// `(status, error)` as [`error_of`] answers it.
pub fn err(status: u16, error: &str) -> (u16, String) {
    (status, error.to_string())
}

/// A JWT's payload, unverified.
pub fn claims_of(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

/// A JWT's header.
pub fn header_of(jwt: &str) -> Value {
    jwt_part(jwt, 0)
}

fn jwt_part(jwt: &str, index: usize) -> Value {
    let part = jwt.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The query parameters of a URL.
pub fn query_of(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The parameters in a URL's fragment.
pub fn fragment_of(url: &str) -> HashMap<String, String> {
    let url = Url::parse(url).unwrap();
    url::form_urlencoded::parse(url.fragment().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The Location header, if any.
pub fn location(resp: &Response) -> Option<String> {
    resp.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

/// A form read from a page.
#[derive(Debug)]
pub struct Form {
    pub(crate) action: String,
    pub(crate) method: String,
    /// The inputs (every one has a name) and their values.
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) has_password: bool,
    /// The named buttons and their values.
    pub(crate) buttons: Vec<(String, String)>,
}

/// The forms of a page.
pub fn forms(html: &str) -> Vec<Form> {
    let doc = scraper::Html::parse_document(html);
    let form_sel = scraper::Selector::parse("form").unwrap();
    let input_sel = scraper::Selector::parse("input").unwrap();
    let button_sel = scraper::Selector::parse("button").unwrap();
    doc.select(&form_sel)
        .map(|form| {
            let inputs: Vec<_> = form.select(&input_sel).collect();
            Form {
                action: form.attr("action").expect("a form action").to_string(),
                method: form.attr("method").unwrap_or("get").to_lowercase(),
                has_password: inputs.iter().any(|i| i.attr("type") == Some("password")),
                fields: inputs
                    .iter()
                    .map(|i| {
                        (
                            i.attr("name").expect("a named input").to_string(),
                            i.attr("value").unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
                buttons: form
                    .select(&button_sel)
                    .filter_map(|b| {
                        Some((b.attr("name")?.to_string(), b.attr("value")?.to_string()))
                    })
                    .collect(),
            }
        })
        .collect()
}
