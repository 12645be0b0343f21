//! Signicat's Authentication REST API (seed 002): an API token by client credentials, then
//! sessions created, followed through the identity provider's journey, read and cancelled.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, Redirects, RequestSpec};
use crate::oidc::flow::{Flow, response_of};

/// Where the REST API lives, relative to the target's base URL.
pub const SESSIONS_PATH: &str = "/auth/rest/sessions";

/// A created authentication session.
#[derive(Debug, Clone, PartialEq)]
pub struct RestSession {
    pub id: String,
    pub authentication_url: Url,
    /// `success`, `abort`, `error` → URL as the API answered it.
    pub callback_urls: BTreeMap<String, String>,
    pub session_lifetime: u64,
}

/// How a call to the REST API authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAuth {
    Token,
    None,
    Invalid,
}

impl Flow<'_> {
    /// Obtains an API token with client credentials and scope `signicat-api`.
    pub async fn api_token(&mut self) -> Result<()> {
        let form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("scope".to_string(), "signicat-api".to_string()),
        ];
        let resp = self
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
        self.redactor.learn(&token);
        self.state.api_token = Some(token);
        Ok(())
    }

    fn api_request(&self, method: &str, path: &str, auth: ApiAuth) -> Result<RequestSpec> {
        let url = self
            .ctx
            .base_url
            .join(path)
            .map_err(|e| Error::step(e.to_string()))?;
        let mut spec = RequestSpec::new(method, url).header("accept", "application/json");
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
        let (_, client) = self.client()?;
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
            .session
            .send("create session", spec, Redirects::Stop)
            .await?;
        let resp = response_of(ex)?;
        self.state.rest_session = None;
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
                .ctx
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
            self.state.rest_session = Some(RestSession {
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
    pub fn rest_session(&self) -> Result<&RestSession> {
        self.state
            .rest_session
            .as_ref()
            .ok_or_else(|| Error::step("no REST API session was created in this scenario"))
    }

    /// Goes through the identity provider's journey at the authentication URL as the end-user,
    /// choosing `outcome` (`complete`, `abort`, `error`), until the callback.
    pub async fn journey(&mut self, outcome: &str) -> Result<()> {
        let session = self.rest_session()?.clone();
        let stop: Vec<Url> = session
            .callback_urls
            .values()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let spec = RequestSpec::new("GET", session.authentication_url.clone());
        let ex = self
            .session
            .send(
                "authentication URL",
                spec,
                Redirects::FollowUntil(stop.clone()),
            )
            .await?;
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
        self.session
            .send(
                &format!("journey ({outcome})"),
                spec,
                Redirects::FollowUntil(stop),
            )
            .await?;
        Ok(())
    }

    /// Opens the authentication URL as the end-user's browser and stays on the page shown.
    pub async fn open_journey(&mut self) -> Result<()> {
        let session = self.rest_session()?.clone();
        let stop: Vec<Url> = session
            .callback_urls
            .values()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let spec = RequestSpec::new("GET", session.authentication_url.clone());
        self.session
            .send("authentication URL", spec, Redirects::FollowUntil(stop))
            .await?;
        Ok(())
    }

    /// Reads the session.
    pub async fn get_session(&mut self, auth: ApiAuth) -> Result<()> {
        let id = self.rest_session()?.id.clone();
        let spec = self.api_request("GET", &format!("{SESSIONS_PATH}/{id}"), auth)?;
        self.session
            .send("get session", spec, Redirects::Stop)
            .await?;
        Ok(())
    }

    /// Reads a session that does not exist.
    pub async fn get_unknown_session(&mut self) -> Result<()> {
        let spec = self.api_request(
            "GET",
            &format!("{SESSIONS_PATH}/00000000-0000-0000-0000-000000000000"),
            ApiAuth::Token,
        )?;
        self.session
            .send("get unknown session", spec, Redirects::Stop)
            .await?;
        Ok(())
    }

    /// Cancels the session.
    pub async fn cancel_session(&mut self) -> Result<()> {
        let id = self.rest_session()?.id.clone();
        let mut spec = self.api_request(
            "POST",
            &format!("{SESSIONS_PATH}/{id}/cancel"),
            ApiAuth::Token,
        )?;
        spec.body = Some(Body::Json(json!({})));
        self.session
            .send("cancel session", spec, Redirects::Stop)
            .await?;
        Ok(())
    }
}
