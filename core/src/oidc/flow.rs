//! The relying party's side of a scenario: every OpenID Connect operation a step can ask for,
//! each one or more recorded exchanges, with the values the client must remember between them.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::authorize::{AuthorizationRequest, AuthorizationResponse};
use super::discovery::{ProviderMetadata, discovery_url};
use super::forms::{HtmlForm, parse_forms};
use super::token::{TokenSet, token_request};
use crate::config::{AuthMethod, Client};
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::http::{Redirects, RequestSpec, Session};
use crate::jwt::{IdTokenVerifier, Jwks, TokenVerdict};
use crate::record::{Exchange, RecordedResponse};

/// What the client remembers during a scenario.
#[derive(Debug, Default, Clone)]
pub struct ClientState {
    /// The environment's name of the client in use.
    pub client: Option<String>,
    pub metadata: Option<Arc<ProviderMetadata>>,
    pub request: Option<AuthorizationRequest>,
    pub response: Option<AuthorizationResponse>,
    /// Tokens from the latest successful token response (or implicit response).
    pub tokens: Option<TokenSet>,
    /// Earlier token sets, oldest first (refresh keeps the originals here).
    pub history: Vec<TokenSet>,
    /// The latest UserInfo answer, when it was 200 JSON.
    pub userinfo: Option<Value>,
    /// The CIBA request in progress.
    pub ciba: Option<super::ciba::CibaRequest>,
    /// How the latest CIBA polling loop ended.
    pub ciba_outcome: Option<crate::poll::CibaOutcome>,
    /// The backend-initiated MobileID operation in progress.
    pub operation: Option<crate::mobileid::Operation>,
    /// The REST API token (client credentials, scope `signicat-api`).
    pub api_token: Option<String>,
    /// The REST API authentication session in progress.
    pub rest_session: Option<crate::rest_api::RestSession>,
}

/// The end-user's answer on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    Allow,
    Deny,
}

/// Overrides for a code exchange, for negative scenarios.
#[derive(Debug, Clone, Default)]
pub struct ExchangeOptions {
    pub auth_method: Option<AuthMethod>,
    pub secret: Option<String>,
    pub code_verifier: Option<String>,
}

/// Which token to present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenChoice {
    /// The latest one.
    Current,
    /// The one before the latest refresh (a rotated-out token).
    Previous,
    /// A token the provider never issued.
    Invalid,
}

/// One scenario's client operations over its HTTP session.
pub struct Flow<'a> {
    pub ctx: &'a RunContext,
    pub session: &'a mut Session,
    /// The scenario's clock.
    pub clock: crate::clock::SharedClock,
    /// The scenario's redactor: what the flow receives as secret is learned here.
    pub redactor: std::sync::Arc<crate::redact::Redactor>,
    pub state: &'a mut ClientState,
}

impl Flow<'_> {
    /// The client in use, by its environment name.
    pub fn client(&self) -> Result<(&str, &Client)> {
        let name = self.state.client.as_deref().ok_or_else(|| {
            Error::step("no client chosen: start with a step like `Given the client \"web\"`")
        })?;
        Ok((name, self.ctx.env.client(name)?))
    }

    /// Fetches and checks the discovery document (recorded, and cached for the run).
    pub async fn discover(&mut self) -> Result<Arc<ProviderMetadata>> {
        let url = discovery_url(&self.ctx.issuer)?;
        let spec = RequestSpec::new("GET", url).header("accept", "application/json");
        let ex = self
            .session
            .send("discovery", spec, Redirects::Follow)
            .await?;
        let resp = response_of(ex)?;
        if resp.status != 200 {
            return Err(Error::step(format!(
                "discovery answered {} at {}: expected 200 with the provider metadata",
                resp.status,
                ex.request().url
            )));
        }
        let meta = Arc::new(ProviderMetadata::parse(&resp.body, &self.ctx.issuer)?);
        self.ctx.cache.set_metadata(Arc::clone(&meta));
        self.state.metadata = Some(meta.clone());
        Ok(meta)
    }

    /// The provider metadata: this scenario's, the run's cached copy, or fetched now.
    pub async fn metadata(&mut self) -> Result<Arc<ProviderMetadata>> {
        if let Some(meta) = &self.state.metadata {
            return Ok(Arc::clone(meta));
        }
        if let Some(meta) = self.ctx.cache.metadata() {
            self.state.metadata = Some(meta.clone());
            return Ok(meta);
        }
        self.discover().await
    }

    /// Sends an authorization request for the chosen client and follows the provider until a
    /// page for the end-user or the client's redirect URI.
    pub async fn authorize(&mut self, overrides: &[(String, String)]) -> Result<()> {
        let meta = self.metadata().await?;
        let (_, client) = self.client()?;
        let request = AuthorizationRequest::new(client, overrides, self.clock.unix_seconds())?;
        let url = request.url(&meta.authorization_endpoint);
        let stop = self.redirect_uris()?;
        self.state.request = Some(request);
        self.state.response = None;
        let spec = RequestSpec::new("GET", url);
        let ex = self
            .session
            .send("authorization request", spec, Redirects::FollowUntil(stop))
            .await?;
        self.state.response = redirect_response(ex)?;
        Ok(())
    }

    fn redirect_uris(&self) -> Result<Vec<Url>> {
        let (_, client) = self.client()?;
        let mut uris: Vec<Url> = client
            .redirect_uris
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        if let Some(sent) = self.state.request.as_ref().map(|r| r.redirect_uri.clone()) {
            uris.push(sent);
        }
        Ok(uris)
    }

    /// Drives the provider's login and consent pages as a browser would, reading each form's
    /// fields and action, until the provider redirects to the client.
    pub async fn log_in(&mut self, user: &str, consent: Consent) -> Result<()> {
        let user_cfg = self.ctx.env.user(user)?;
        let username = user_cfg.username.to_string();
        let password = user_cfg
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        let stop = self.redirect_uris()?;
        let mut logged_in = false;
        for _ in 0..6 {
            if self.state.response.is_some() {
                return Ok(());
            }
            let (page_url, status, body) = {
                let ex = self.session.last().ok_or_else(|| {
                    Error::step("no authorization request was sent: start with `When the client starts an authorization request`")
                })?;
                let hop = ex.hops.last().expect("an exchange has a hop");
                let resp = response_of(ex)?;
                (
                    Url::parse(&hop.request.url).map_err(|e| e.to_string())?,
                    resp.status,
                    resp.body.clone(),
                )
            };
            let forms = parse_forms(&body, &page_url);
            let Some(form) = forms
                .into_iter()
                .find(|f| !f.fields.is_empty() || !f.buttons.is_empty())
            else {
                return Err(Error::step(format!(
                    "the provider showed a page without a form at {page_url} (status {status}) instead of redirecting to the client\n  page: {}",
                    text_snippet(&body)
                )));
            };
            let (label, fields) = if is_login(&form) {
                if logged_in {
                    return Err(Error::step(format!(
                        "login as `{user}` failed: the provider showed the login form again\n  page: {}\n  hint: check the user's username and password in the environment file",
                        text_snippet(&body)
                    )));
                }
                logged_in = true;
                (
                    format!("login form (as {user})"),
                    fill_login(&form, &username, &password)?,
                )
            } else {
                let words: &[&str] = match consent {
                    Consent::Allow => &[
                        "allow",
                        "accept",
                        "approve",
                        "consent",
                        "continue",
                        "yes",
                        "authorize",
                    ],
                    Consent::Deny => &["deny", "reject", "decline", "cancel", "abort", "no"],
                };
                let button = form.button_matching(words).or(match consent {
                    Consent::Allow => form.buttons.first(),
                    Consent::Deny => None,
                });
                if consent == Consent::Deny && button.is_none() {
                    return Err(Error::step(format!(
                        "the consent page at {page_url} has no button to deny"
                    )));
                }
                ("consent form".to_string(), form.submission(button))
            };
            let spec = if form.method == "POST" {
                RequestSpec::new("POST", form.action.clone()).form(fields)
            } else {
                let mut url = form.action.clone();
                url.query_pairs_mut()
                    .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                RequestSpec::new("GET", url)
            };
            let ex = self
                .session
                .send(&label, spec, Redirects::FollowUntil(stop.clone()))
                .await?;
            self.state.response = redirect_response(ex)?;
        }
        Err(Error::step(
            "the provider did not redirect to the client after six pages of login and consent",
        ))
    }

    /// Submits the login form with the user's name and a wrong password, once; the provider
    /// must answer with its login form again (or an error page), never with a redirect.
    pub async fn log_in_with_wrong_password(&mut self, user: &str) -> Result<()> {
        let username = self.ctx.env.user(user)?.username.to_string();
        let stop = self.redirect_uris()?;
        let (page_url, body) = self.current_page()?;
        let form = parse_forms(&body, &page_url)
            .into_iter()
            .find(is_login)
            .ok_or_else(|| Error::step(format!("no login form at {page_url}")))?;
        let fields = fill_login(&form, &username, "definitely-not-the-password")?;
        let spec = RequestSpec::new(&form.method, form.action.clone()).form(fields);
        let ex = self
            .session
            .send(
                "login form (wrong password)",
                spec,
                Redirects::FollowUntil(stop),
            )
            .await?;
        self.state.response = redirect_response(ex)?;
        Ok(())
    }

    /// Whether the page the user agent is on shows a login form.
    pub fn shows_login_form(&self) -> Result<bool> {
        let (page_url, body) = self.current_page()?;
        Ok(self.state.response.is_none() && parse_forms(&body, &page_url).iter().any(is_login))
    }

    fn current_page(&self) -> Result<(Url, String)> {
        let ex = self.session.last().ok_or_else(|| {
            Error::step(
                "no page was loaded: start with `When the client starts an authorization request`",
            )
        })?;
        let hop = ex.hops.last().expect("an exchange has a hop");
        let resp = response_of(ex)?;
        Ok((
            Url::parse(&hop.request.url).map_err(|e| e.to_string())?,
            resp.body.clone(),
        ))
    }

    /// The authorization response, or an error saying why there is none.
    pub fn response(&self) -> Result<&AuthorizationResponse> {
        self.state.response.as_ref().ok_or_else(|| {
            let at = self
                .session
                .last()
                .and_then(|ex| ex.hops.last())
                .map(|h| format!("{} (status {})", h.request.url, h.response.as_ref().map_or(0, |r| r.status)))
                .unwrap_or_else(|| "nowhere".into());
            Error::step(format!(
                "the provider has not redirected to the client's redirect URI; the user agent is at {at}"
            ))
        })
    }

    fn request(&self) -> Result<&AuthorizationRequest> {
        self.state
            .request
            .as_ref()
            .ok_or_else(|| Error::step("no authorization request was sent in this scenario"))
    }

    /// The client's checks of an authorization response: `state` echoed exactly, `iss` (when
    /// present) equal to the issuer, parameters where the response type puts them.
    pub fn check_response(&self) -> Result<()> {
        let Some(request) = self.state.request.as_ref() else {
            // A response the client did not ask for with an authorization request (MobileID
            // finalise): only the issuer can be checked.
            let response = self.response()?;
            return match response.any_param("iss") {
                Some(iss) if iss != self.ctx.issuer => Err(Error::step(format!(
                    "the authorization response fails the client's checks:\n  iss: expected {:?}, got {iss:?}",
                    self.ctx.issuer
                ))),
                _ => Ok(()),
            };
        };
        let response = self.response()?;
        let fragment = request.expects_fragment();
        let mut problems = Vec::new();
        let got_state = response.param("state", fragment);
        if got_state != request.state.as_deref() {
            problems.push(format!(
                "state: expected {:?} (sent in the authorization request), got {:?}",
                request.state.as_deref().unwrap_or("(none)"),
                got_state.unwrap_or("(absent)")
            ));
        }
        if let Some(iss) = response.param("iss", fragment)
            && iss != self.ctx.issuer
        {
            problems.push(format!("iss: expected {:?}, got {iss:?}", self.ctx.issuer));
        }
        if fragment {
            for key in ["code", "id_token", "access_token", "state"] {
                if response.param(key, false).is_some() {
                    problems.push(format!(
                        "{key} is in the query, but response_type {} must answer in the fragment",
                        request.response_type
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::step(format!(
                "the authorization response fails the client's checks:\n  {}",
                problems.join("\n  ")
            )))
        }
    }

    /// Replaces the state of the received authorization response, as an attacker would.
    pub fn tamper_state(&mut self) -> Result<()> {
        let fragment = self.request()?.expects_fragment();
        let response = self
            .state
            .response
            .as_mut()
            .ok_or_else(|| Error::step("no authorization response to tamper with"))?;
        let list = if fragment {
            &mut response.fragment
        } else {
            &mut response.query
        };
        list.retain(|(k, _)| k != "state");
        list.push(("state".into(), "forged-by-attacker".into()));
        Ok(())
    }

    /// The authorization code of the response.
    pub fn code(&self) -> Result<String> {
        let response = self.response()?;
        if let Some(err) = response.any_param("error") {
            return Err(Error::step(format!(
                "the provider answered error {err:?} ({}) instead of an authorization code",
                response
                    .any_param("error_description")
                    .unwrap_or("no description")
            )));
        }
        response
            .any_param("code")
            .map(str::to_string)
            .ok_or_else(|| {
                Error::step(format!(
                    "no code in the authorization response {}",
                    response.url
                ))
            })
    }

    /// Exchanges the authorization code at the token endpoint.
    pub async fn exchange_code(&mut self, options: &ExchangeOptions) -> Result<()> {
        let code = self.code()?;
        let request = self.state.request.clone();
        let redirect_uri = match &request {
            Some(r) => r.redirect_uri.to_string(),
            None => self.operation_redirect_uri()?,
        };
        let mut form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), code),
            ("redirect_uri".to_string(), redirect_uri),
        ];
        let verifier = options
            .code_verifier
            .clone()
            .or(request.and_then(|r| r.pkce).map(|p| p.verifier));
        if let Some(v) = verifier {
            self.redactor.learn(&v);
            form.push(("code_verifier".into(), v));
        }
        self.token_call("token request (authorization code)", form, options)
            .await
    }

    /// The redirect URI of a code the client did not request itself (the client's first).
    fn operation_redirect_uri(&self) -> Result<String> {
        let (_, client) = self.client()?;
        Ok(client
            .redirect_uris
            .first()
            .map(|u| u.to_string())
            .unwrap_or_default())
    }

    /// Uses a refresh token.
    pub async fn refresh(&mut self, which: TokenChoice) -> Result<()> {
        let token = match which {
            TokenChoice::Current => self.state.tokens.as_ref().and_then(|t| t.refresh_token.clone()),
            TokenChoice::Previous => self.state.history.last().and_then(|t| t.refresh_token.clone()),
            TokenChoice::Invalid => Some("not-a-refresh-token-issued-by-the-provider".into()),
        }
        .ok_or_else(|| Error::step("no refresh token: the token response had none (is offline access allowed for this client?)"))?;
        let form = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), token),
        ];
        self.token_call("token request (refresh)", form, &ExchangeOptions::default())
            .await
    }

    /// Presents this client's latest refresh token with another client's credentials.
    pub async fn refresh_as(&mut self, other_client: &str) -> Result<()> {
        let token = self
            .state
            .tokens
            .as_ref()
            .and_then(|t| t.refresh_token.clone())
            .ok_or_else(|| Error::step("no refresh token was received in this scenario"))?;
        let form = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), token),
        ];
        let label = format!("token request (refresh as {other_client})");
        self.post_token(
            &label,
            Some(other_client),
            form,
            &ExchangeOptions::default(),
        )
        .await?;
        Ok(())
    }

    /// Sends a token endpoint request authenticated as `as_client` (default: the chosen
    /// client, with `options`' overrides) and returns the response.
    pub(crate) async fn post_token(
        &mut self,
        label: &str,
        as_client: Option<&str>,
        form: Vec<(String, String)>,
        options: &ExchangeOptions,
    ) -> Result<RecordedResponse> {
        let meta = self.metadata().await?;
        let client = match as_client {
            Some(name) => self.ctx.env.client(name)?,
            None => self.client()?.1,
        };
        let method = options.auth_method.unwrap_or(client.auth_method);
        let spec = token_request(
            &meta.token_endpoint,
            client,
            method,
            options.secret.as_deref(),
            form,
        );
        let ex = self.session.send(label, spec, Redirects::Stop).await?;
        Ok(response_of(ex)?.clone())
    }

    /// Keeps a new token set (the previous one goes to the history) and learns its tokens as
    /// secrets.
    pub(crate) fn keep_tokens(&mut self, set: TokenSet) {
        for t in [&set.access_token, &set.refresh_token, &set.id_token]
            .into_iter()
            .flatten()
        {
            self.redactor.learn(t);
        }
        if let Some(old) = self.state.tokens.replace(set) {
            self.state.history.push(old);
        }
    }

    async fn token_call(
        &mut self,
        label: &str,
        form: Vec<(String, String)>,
        options: &ExchangeOptions,
    ) -> Result<()> {
        let resp = self.post_token(label, None, form, options).await?;
        if resp.status == 200
            && let Some(json) = resp.json()
        {
            self.keep_tokens(TokenSet::from_json(json));
        }
        Ok(())
    }

    /// Takes the tokens of an implicit authorization response (from the fragment).
    pub fn take_implicit_tokens(&mut self) -> Result<()> {
        let response = self.response()?;
        let set = TokenSet::from_params(&response.fragment);
        if set.id_token.is_none() && set.access_token.is_none() {
            return Err(Error::step(format!(
                "no id_token or access_token in the fragment of {}{}",
                response.url,
                response
                    .any_param("error")
                    .map(|e| format!(" (error {e:?})"))
                    .unwrap_or_default()
            )));
        }
        self.keep_tokens(set);
        Ok(())
    }

    /// Calls UserInfo with a Bearer token, by GET or POST.
    pub async fn userinfo(&mut self, method: &str, which: TokenChoice) -> Result<()> {
        let meta = self.metadata().await?;
        let endpoint = meta.userinfo_endpoint.clone().ok_or_else(|| {
            Error::step("the provider's discovery document has no userinfo_endpoint")
        })?;
        let token = match which {
            TokenChoice::Current => self
                .state
                .tokens
                .as_ref()
                .and_then(|t| t.access_token.clone()),
            TokenChoice::Previous => self
                .state
                .history
                .last()
                .and_then(|t| t.access_token.clone()),
            TokenChoice::Invalid => Some("not-an-access-token-issued-by-the-provider".into()),
        }
        .ok_or_else(|| Error::step("no access token: obtain tokens before calling UserInfo"))?;
        let mut spec = RequestSpec::new(method, endpoint)
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "application/json");
        if spec.method == "POST" {
            spec = spec.form(Vec::new());
        }
        let ex = self
            .session
            .send(&format!("userinfo ({method})"), spec, Redirects::Stop)
            .await?;
        let resp = response_of(ex)?;
        self.state.userinfo = (resp.status == 200).then(|| resp.json()).flatten();
        Ok(())
    }

    /// Runs every ID token check on the latest ID token (`refreshed` for one from a refresh,
    /// whose nonce is optional but must then match).
    pub async fn verify_id_token(&mut self) -> Result<TokenVerdict> {
        let tokens = self
            .state
            .tokens
            .clone()
            .ok_or_else(|| Error::step("no tokens were received in this scenario"))?;
        let id_token = tokens
            .id_token
            .clone()
            .ok_or_else(|| Error::step("the latest token response has no id_token"))?;
        let (_, client) = self.client()?;
        let client_id = client.id.to_string();
        let request = self.state.request.clone();
        let implicit = request
            .as_ref()
            .is_some_and(|r| r.response_type.split(' ').any(|t| t == "token"));
        let refreshed = !self.state.history.is_empty()
            && request.as_ref().is_some_and(|r| !r.expects_fragment());
        let decoded = tokens.id_token_jwt().and_then(Result::ok);
        let kid = decoded.and_then(|d| d.header.get("kid")?.as_str().map(str::to_string));
        let jwks = self.jwks(kid.as_deref()).await?;
        let mut verifier = IdTokenVerifier::new(
            self.ctx.issuer.clone(),
            client_id,
            self.clock.unix_seconds(),
        );
        verifier.nonce = request.as_ref().and_then(|r| r.nonce.clone());
        verifier.max_age = request.as_ref().and_then(|r| r.max_age);
        verifier.access_token = tokens.access_token.clone();
        verifier.require_at_hash = implicit;
        verifier.auth_request_at = request.as_ref().map(|r| r.sent_at);
        if refreshed && decoded.is_some_and(|d| d.claims.get("nonce").is_none()) {
            verifier.nonce = None;
        }
        Ok(verifier.verify(&id_token, &jwks))
    }

    /// Runs every ID token check on the latest ID token and records the token with each
    /// check's verdict under the running step; fails naming every check that failed.
    pub async fn check_id_token(&mut self, label: &str) -> Result<()> {
        let verdict = self.verify_id_token().await?;
        let failed: Vec<_> = verdict.failures().cloned().collect();
        self.session
            .record_mut()
            .push_token(verdict.into_record(label));
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::Checks {
                subject: format!("the {label} is not valid"),
                failed,
            })
        }
    }

    /// The provider's keys, from the run's cache; fetched again when the token's kid is unknown
    /// (key rotation).
    async fn jwks(&mut self, kid: Option<&str>) -> Result<std::sync::Arc<Jwks>> {
        let meta = self.metadata().await?;
        let uri = meta.jwks_uri.to_string();
        if let Some(cached) = self.ctx.cache.jwks(&uri)
            && kid.is_none_or(|k| cached.kids().iter().any(|c| c == k))
        {
            return Ok(cached);
        }
        let spec =
            RequestSpec::new("GET", meta.jwks_uri.clone()).header("accept", "application/json");
        let ex = self.session.send("JWKS", spec, Redirects::Follow).await?;
        let resp = response_of(ex)?;
        let json = resp.json().ok_or_else(|| {
            Error::step(format!(
                "the JWKS at {uri} is not JSON (status {})",
                resp.status
            ))
        })?;
        let jwks = std::sync::Arc::new(
            Jwks::from_json(&json).map_err(|e| Error::step(format!("the JWKS at {uri}: {e}")))?,
        );
        self.ctx.cache.set_jwks(&uri, jwks.clone());
        Ok(jwks)
    }
}

pub(crate) fn response_of(ex: &Exchange) -> Result<&crate::record::RecordedResponse> {
    ex.response().ok_or_else(|| {
        Error::step(format!(
            "{} {} got no response",
            ex.request().method,
            ex.request().url
        ))
    })
}

fn redirect_response(ex: &Exchange) -> Result<Option<AuthorizationResponse>> {
    match &ex.stopped_at {
        Some(url) => Ok(Some(AuthorizationResponse::parse(url)?)),
        None => Ok(None),
    }
}

/// A login form asks for a password, or says so in a hidden `prompt` field (node oidc-provider).
fn is_login(form: &HtmlForm) -> bool {
    form.has_password() || form.value("prompt") == Some("login")
}

fn fill_login(form: &HtmlForm, username: &str, password: &str) -> Result<Vec<(String, String)>> {
    let mut form = form.clone();
    let user_field = form
        .username_field()
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            Error::step(format!(
                "the login form at {} has no text field for the username",
                form.action
            ))
        })?;
    form.set(&user_field, username);
    let password_fields: Vec<String> = form
        .fields
        .iter()
        .filter(|f| f.kind == "password")
        .map(|f| f.name.clone())
        .collect();
    for name in password_fields {
        form.set(&name, password);
    }
    let button = form
        .button_matching(&["login", "log in", "sign in", "submit", "continue"])
        .cloned();
    Ok(form.submission(button.as_ref()))
}

/// The visible text of a page, shortened, for error messages.
fn text_snippet(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let text: Vec<&str> = doc
        .root_element()
        .text()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let joined = text.join(" ");
    if joined.chars().count() > 240 {
        format!("{}…", joined.chars().take(240).collect::<String>())
    } else {
        joined
    }
}
