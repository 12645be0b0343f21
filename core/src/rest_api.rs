//! Signicat's Authentication REST API (seed 002): an API token by client credentials, then
//! sessions created, followed through the identity provider's journey, read and cancelled.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use url::Url;

use crate::checks::Checklist;
use crate::error::{Error, Result};
use crate::http::{Body, Redirects, RequestSpec};
use crate::oidc::AreaClient;
use crate::record::RecordedResponse;
use crate::scenario::response_of;

/// Where the REST API lives, relative to the target's base URL.
pub const SESSIONS_PATH: &str = "/auth/rest/sessions";

/// A created authentication session.
#[derive(Debug, Clone, PartialEq)]
pub struct RestSession {
    pub(crate) id: String,
    pub(crate) authentication_url: Url,
    /// `success`, `abort`, `error` → URL as the API answered it.
    pub(crate) callback_urls: BTreeMap<String, String>,
    pub(crate) session_lifetime: u64,
}

/// How a call to the REST API authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAuth {
    Token,
    None,
    Invalid,
}

/// What the REST API client remembers during a scenario.
#[derive(Debug, Default, Clone)]
pub struct RestState {
    /// The API token (client credentials, scope `signicat-api`).
    api_token: Option<String>,
    /// The authentication session in progress.
    session: Option<RestSession>,
}

/// The Authentication REST API client of one scenario; it gets its API token from the
/// relying party's token endpoint.
pub type RestClient<'a> = AreaClient<'a, RestState>;

impl RestClient<'_> {
    /// Obtains an API token with client credentials and scope `signicat-api`.
    pub async fn api_token(&mut self) -> Result<()> {
        let form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("scope".to_string(), "signicat-api".to_string()),
        ];
        let resp = self
            .rp()
            .post_token(
                "token request (client credentials)",
                None,
                form,
                &Default::default(),
            )
            .await?;
        let token = resp
            .json()
            .and_then(|j| {
                j.get("access_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                Error::step(format!(
                    "no API token: the token endpoint answered {} {}",
                    resp.status,
                    crate::expect::body_preview(&resp.body, 200)
                ))
            })?;
        self.sc.learn_secret(&token);
        self.state.api_token = Some(token);
        Ok(())
    }

    fn api_request(&self, method: &str, path: &str, auth: ApiAuth) -> Result<RequestSpec> {
        let url = self
            .sc
            .ctx()
            .base_url
            .join(path)
            .map_err(|e| Error::step(e.to_string()))?;
        let mut spec = RequestSpec::new(method, url)
            .header("accept", "application/json")
            .backchannel();
        match auth {
            ApiAuth::Token => {
                let token = self.state.api_token.clone().ok_or_else(|| {
                    Error::step(
                        "no API token: start with `Given the client \"rest\" has an API token`",
                    )
                })?;
                spec = spec.header("authorization", format!("Bearer {token}"));
            }
            ApiAuth::Invalid => {
                spec = spec.header("authorization", "Bearer not-an-api-token-of-this-provider")
            }
            ApiAuth::None => {}
        }
        Ok(spec)
    }

    /// The callback URLs of a new session for this client: its first redirect URI with
    /// `status=success|abort|error`.
    pub fn callback_urls(&self) -> Result<Value> {
        let (_, client) = self.oidc.client_in(self.sc.env())?;
        let base = client
            .redirect_uris
            .first()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let with = |status: &str| {
            let mut u = Url::parse(&base).map_err(|e| Error::step(e.to_string()))?;
            u.query_pairs_mut().append_pair("status", status);
            Ok::<String, Error>(u.to_string())
        };
        Ok(json!({"success": with("success")?, "abort": with("abort")?, "error": with("error")?}))
    }

    /// Creates a session with `body` (JSON); remembers it when created.
    pub async fn create_session(&mut self, body: Value) -> Result<()> {
        let mut spec = self.api_request("POST", SESSIONS_PATH, ApiAuth::Token)?;
        spec.body = Some(Body::Json(body));
        let ex = self
            .sc
            .send("create session", spec, Redirects::Stop)
            .await?;
        let resp = response_of(ex)?;
        self.state.session = None;
        if (200..300).contains(&resp.status)
            && let Some(json) = resp.json()
        {
            let id = json
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let auth = json
                .get("authenticationUrl")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let authentication_url = self
                .sc
                .ctx()
                .base_url
                .join(auth)
                .map_err(|e| Error::step(format!("authenticationUrl {auth:?}: {e}")))?;
            let callback_urls = json
                .get("callbackUrls")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            self.state.session = Some(RestSession {
                id,
                authentication_url,
                callback_urls,
                session_lifetime: json
                    .get("sessionLifetime")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            });
        }
        Ok(())
    }

    /// The session in progress.
    pub fn session(&self) -> Result<&RestSession> {
        self.state
            .session
            .as_ref()
            .ok_or_else(|| Error::step("no REST API session was created in this scenario"))
    }

    /// Goes through the identity provider's journey at the authentication URL as the end-user,
    /// choosing `outcome` (`complete`, `abort`, `error`), until the callback.
    pub async fn journey(&mut self, outcome: &str) -> Result<()> {
        let stop = self.open_journey_page().await?;
        let ex = self.sc.last_exchange()?;
        if ex.stopped_at.is_some() {
            return Err(Error::step(
                "the journey went straight to a callback without asking the end-user",
            ));
        }
        let hop = ex.hops.last().expect("a hop");
        let page = Url::parse(&hop.request.url).map_err(|e| Error::step(e.to_string()))?;
        let body = response_of(ex)?.body.clone();
        let form = crate::oidc::forms::parse_forms(&body, &page)
            .into_iter()
            .find(|f| f.button_matching(&[outcome]).is_some())
            .ok_or_else(|| {
                Error::step(format!(
                    "the journey page at {page} offers no `{outcome}` button"
                ))
            })?;
        let button = form.button_matching(&[outcome]).cloned();
        let spec = RequestSpec::new(&form.method, form.action.clone())
            .form(form.submission(button.as_ref()));
        let label = format!("journey ({outcome})");
        self.sc
            .send(&label, spec, Redirects::FollowUntil(stop))
            .await?;
        Ok(())
    }

    /// Opens the authentication URL as the end-user's browser and stays on the page shown.
    pub async fn open_journey(&mut self) -> Result<()> {
        self.open_journey_page().await.map(drop)
    }

    /// Opens the authentication URL, following the provider until a page or a callback;
    /// returns the callback URLs (where a browser would stop).
    async fn open_journey_page(&mut self) -> Result<Vec<Url>> {
        let session = self.session()?.clone();
        let stop: Vec<Url> = session
            .callback_urls
            .values()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let spec = RequestSpec::new("GET", session.authentication_url.clone());
        let redirects = Redirects::FollowUntil(stop.clone());
        self.sc.send("authentication URL", spec, redirects).await?;
        Ok(stop)
    }

    /// Reads the session.
    pub async fn get_session(&mut self, auth: ApiAuth) -> Result<()> {
        let id = self.session()?.id.clone();
        let spec = self.api_request("GET", &format!("{SESSIONS_PATH}/{id}"), auth)?;
        self.sc.send("get session", spec, Redirects::Stop).await?;
        Ok(())
    }

    /// Reads a session that does not exist.
    pub async fn get_unknown_session(&mut self) -> Result<()> {
        let spec = self.api_request(
            "GET",
            &format!("{SESSIONS_PATH}/00000000-0000-0000-0000-000000000000"),
            ApiAuth::Token,
        )?;
        self.sc
            .send("get unknown session", spec, Redirects::Stop)
            .await?;
        Ok(())
    }

    /// Cancels the session.
    pub async fn cancel_session(&mut self) -> Result<()> {
        let id = self.session()?.id.clone();
        let mut spec = self.api_request(
            "POST",
            &format!("{SESSIONS_PATH}/{id}/cancel"),
            ApiAuth::Token,
        )?;
        spec.body = Some(Body::Json(json!({})));
        self.sc
            .send("cancel session", spec, Redirects::Stop)
            .await?;
        Ok(())
    }

    /// Polls the session until its status is `status` (every second, at most 10 times); the
    /// polls are a timeline of the running step.
    pub async fn poll_until_status(&mut self, status: &str) -> Result<()> {
        let clock = self.sc.clock();
        let bounds = crate::poll::PollBounds {
            every: std::time::Duration::from_secs(1),
            attempts: 10,
            within: std::time::Duration::from_secs(11),
        };
        let mut poller = crate::poll::UntilPoller::new(&clock, "REST session status", bounds);
        while poller.wait(&clock).await {
            self.get_session(ApiAuth::Token).await?;
            let resp = self.sc.last_response()?;
            let actual = resp
                .json()
                .and_then(|j| j.get("status").cloned())
                .unwrap_or(Value::Null);
            let word = actual.as_str().unwrap_or("no status").to_string();
            let held = if actual.as_str() == Some(status) {
                Ok(())
            } else {
                Err(format!("{} status {actual}", resp.status))
            };
            poller.record(&clock, resp.status, word, held);
        }
        let (result, timeline) = poller.finish();
        self.sc.record_mut().push_timeline(timeline);
        result.map_err(Error::step)
    }

    /// Lets the session's lifetime pass on the scenario's clock.
    pub async fn let_lifetime_pass(&mut self) -> Result<()> {
        let lifetime = self.session()?.session_lifetime;
        self.sc
            .clock()
            .sleep(std::time::Duration::from_secs(lifetime + 1))
            .await;
        Ok(())
    }

    /// The session was created: 2xx, status CREATED, an id, an authentication URL, and every
    /// callback URL with `sessionId` appended.
    pub fn expect_created(&mut self) -> Result<()> {
        let list = created(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// Creation was refused naming `name` among the invalid parameters.
    pub fn expect_refused(&mut self, name: &str) -> Result<()> {
        let list = refused(self.sc.last_response()?, name);
        self.sc.conclude(list)
    }

    /// The journey ended at the `which` callback with the session id.
    pub fn expect_callback(&mut self, which: &str) -> Result<()> {
        let session = self.session()?.clone();
        let at = self.sc.last_exchange()?.stopped_at.clone();
        self.sc.conclude(callback(&session, which, at.as_deref()))
    }

    /// The session read last has this status.
    pub fn expect_status(&mut self, expected: &str) -> Result<()> {
        let json = self.session_json()?;
        let actual = json.get("status").cloned().unwrap_or(Value::Null);
        let mut list = Checklist::new("the session");
        list.compare(
            "status",
            SEED,
            &format!("{expected:?}"),
            &actual.to_string(),
            actual.as_str() == Some(expected),
        );
        self.sc.conclude(list)
    }

    /// The session's subject holds exactly `attributes`, no other personal data.
    pub fn expect_subject_only(&mut self, attributes: &[String]) -> Result<()> {
        let json = self.session_json()?;
        let mut expected = attributes.to_vec();
        expected.sort();
        let mut actual: Vec<String> = json
            .get("subject")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        actual.sort();
        let mut list = Checklist::new("the session's subject");
        list.compare(
            "attributes",
            SEED,
            &format!("{expected:?}"),
            &format!("{actual:?}"),
            actual == expected,
        );
        self.sc.conclude(list)
    }

    /// The session carries no personal data (no subject) in its current state.
    pub fn expect_no_subject(&mut self) -> Result<()> {
        let json = self.session_json()?;
        let subject = json.get("subject").filter(|s| !s.is_null());
        let mut list = Checklist::new("the session");
        list.must(
            "no subject",
            SEED,
            subject.is_none(),
            format!(
                "the session in status {} carries a subject with {} field(s): personal data must only come with SUCCESS",
                json.get("status").unwrap_or(&Value::Null),
                subject.and_then(Value::as_object).map_or(0, |m| m.len())
            ),
        );
        self.sc.conclude(list)
    }

    /// The API refused the call as unauthenticated: 401 problem-JSON.
    pub fn expect_unauthorized(&mut self) -> Result<()> {
        let resp = self.sc.last_response()?;
        let content_type = resp.header("content-type").unwrap_or("no content type");
        let mut list = Checklist::new("the API's answer");
        list.status(SEED, 401, resp.status);
        list.must(
            "problem JSON",
            "RFC 9457 §3",
            content_type.contains("problem+json"),
            format!("expected application/problem+json, got {content_type}"),
        );
        self.sc.conclude(list)
    }

    fn session_json(&self) -> Result<Value> {
        let resp = self.sc.last_response()?;
        resp.json().ok_or_else(|| {
            Error::step(format!(
                "the session answer is not JSON ({}): {}",
                resp.status,
                crate::expect::body_preview(&resp.body, 200)
            ))
        })
    }
}

/// Where the session contracts come from.
const SEED: &str = "Signicat Authentication REST API (seed 002)";

/// The contract of a created session.
pub fn created(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the session response");
    list.compare(
        "status",
        SEED,
        "201",
        &resp.status.to_string(),
        (200..300).contains(&resp.status),
    );
    let json = resp.json().unwrap_or_default();
    let state = json.get("status");
    list.compare(
        "status field",
        SEED,
        "\"CREATED\"",
        &state.map_or("nothing".into(), Value::to_string),
        state.and_then(Value::as_str) == Some("CREATED"),
    );
    let id = json.get("id").and_then(Value::as_str).unwrap_or_default();
    list.must("id", SEED, !id.is_empty(), "missing");
    list.must(
        "authenticationUrl",
        SEED,
        json.get("authenticationUrl")
            .and_then(Value::as_str)
            .is_some(),
        "missing",
    );
    for (name, url) in json
        .get("callbackUrls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let carries = url
            .as_str()
            .and_then(|u| Url::parse(u).ok())
            .is_some_and(|u| u.query_pairs().any(|(k, v)| k == "sessionId" && v == id));
        list.must(
            &format!("callbackUrls.{name}"),
            SEED,
            carries,
            format!("expected sessionId={id} appended, got {url}"),
        );
    }
    list
}

/// The contract of a refused session: 400 problem-JSON naming `name` in invalidParams.
pub fn refused(resp: &RecordedResponse, name: &str) -> Checklist {
    let json = resp.json().unwrap_or_default();
    let params: Vec<String> = json
        .get("invalidParams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut list = Checklist::new("session creation");
    list.status(SEED, 400, resp.status);
    list.compare(
        "invalidParams",
        SEED,
        &format!("naming {name:?}"),
        &format!("{params:?}"),
        params.iter().any(|p| {
            p == name || p.starts_with(&format!("{name}.")) || p.starts_with(&format!("{name}["))
        }),
    );
    list
}

/// The journey ended at the session's `which` callback URL, with the session id.
pub fn callback(session: &RestSession, which: &str, at: Option<&str>) -> Checklist {
    let mut list = Checklist::new("the callback");
    let expected = session.callback_urls.get(which);
    let has_id = at.and_then(|a| Url::parse(a).ok()).is_some_and(|u| {
        u.query_pairs()
            .any(|(k, v)| k == "sessionId" && v == session.id.as_str())
    });
    list.compare(
        "callback URL",
        SEED,
        &format!(
            "{} (with sessionId={})",
            expected.map_or("(no such callback)", String::as_str),
            session.id
        ),
        at.unwrap_or("no callback reached"),
        expected.is_some_and(|e| Some(e.as_str()) == at) && has_id,
    );
    list
}
