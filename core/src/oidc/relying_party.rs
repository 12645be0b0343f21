//! The OpenID Connect relying party: discovery, the authorization request and the client's
//! checks of its response, the token endpoint (code, refresh), UserInfo and the ID token
//! checks, each one or more exchanges recorded under the running step, with the values the
//! client must remember between them ([`OidcState`]).

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::authorize::{AuthorizationRequest, AuthorizationResponse};
use super::checks;
use super::client_assertion::{self, AssertionTamper};
use super::request_object::{self, MEDIA_TYPE, ObjectAlg};
use super::request_uri::RequestUriHost;
use super::token::{TokenSet, token_request};
use crate::checks::Checklist;
use crate::config::{AuthMethod, Client, Deviation, Environment};
use crate::discovery::{ProviderMetadata, discovery_url};
use crate::error::{Error, Result};
use crate::http::{Redirects, RequestSpec};
use crate::jwt::{IdTokenVerifier, Jwks, TokenVerdict};
use crate::record::{Exchange, RecordedResponse, TokenPlace};
use crate::scenario::{Scenario, response_of};

/// What the relying party remembers during a scenario.
#[derive(Debug, Default, Clone)]
pub struct OidcState {
    /// The environment's name of the client in use.
    pub(crate) client: Option<String>,
    pub(crate) metadata: Option<Arc<ProviderMetadata>>,
    pub(crate) request: Option<AuthorizationRequest>,
    pub(crate) response: Option<AuthorizationResponse>,
    /// Tokens from the latest successful token response (or implicit response).
    pub(crate) tokens: Option<TokenSet>,
    /// Earlier token sets, oldest first (refresh keeps the originals here).
    pub(crate) history: Vec<TokenSet>,
    /// The latest UserInfo answer, when it was 200 JSON.
    pub(crate) userinfo: Option<Value>,
    /// The environment's name of the end-user who last logged in.
    pub(crate) user: Option<String>,
    /// The listener that hosts request objects by reference, once one was sent.
    pub(crate) request_uri_host: Option<Arc<RequestUriHost>>,
    /// The latest client assertion sent (`private_key_jwt`), for a replay.
    pub(crate) last_client_assertion: Option<String>,
    /// What the browser login driver last saw of the provider's page: the sequence number of
    /// the last exchange it recorded, and whether the login fields were shown.
    pub(crate) browser_view: Option<(usize, bool)>,
}

/// How the authorization request travels as a request object (RFC 9101), and what a scenario
/// changes in it to see the provider refuse it.
#[derive(Debug, Clone)]
pub struct ObjectOptions {
    pub(crate) alg: ObjectAlg,
    /// By reference (`request_uri`) instead of by value (`request`).
    pub by_reference: bool,
    /// Claims of the object replaced (see [`request_object::claims`]).
    pub claims: Vec<(String, String)>,
    /// Parameters outside the object, replacing the request's own (which may contradict it).
    pub outside: Vec<(String, String)>,
    /// One character of the signature changed.
    pub alter_signature: bool,
    /// Encrypted to the provider's RSA encryption key (RSA-OAEP, A256GCM) after signing.
    pub encrypt: bool,
}

impl ObjectOptions {
    /// An object secured with `alg`, sent by value, nothing changed.
    pub fn new(alg: ObjectAlg) -> Self {
        Self {
            alg,
            by_reference: false,
            claims: Vec::new(),
            outside: Vec::new(),
            alter_signature: false,
            encrypt: false,
        }
    }
}

impl OidcState {
    /// One token of the latest token set and of the one before it (`pick` chooses which).
    pub fn latest_and_previous(
        &self,
        pick: fn(&TokenSet) -> Option<&String>,
    ) -> (Option<&str>, Option<&str>) {
        (
            self.tokens.as_ref().and_then(pick).map(String::as_str),
            self.history.last().and_then(pick).map(String::as_str),
        )
    }

    /// The chosen client, by its environment name, and its configuration in `env`.
    pub fn client_in<'e>(&'e self, env: &'e Environment) -> Result<(&'e str, &'e Client)> {
        let name = self.client.as_deref().ok_or_else(|| {
            Error::step("no client chosen: start with a step like `Given the client \"web\"`")
        })?;
        Ok((name, env.client(name)?))
    }
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
    /// What to change in the client assertion (`private_key_jwt`).
    pub assertion: AssertionTamper,
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

/// The client of a product area built on the relying party (CIBA, MobileID operations, the
/// REST API): the scenario, the relying party's state it shares, and its own state `S`.
pub struct AreaClient<'a, S> {
    pub(crate) sc: &'a mut Scenario,
    pub(crate) oidc: &'a mut OidcState,
    pub(crate) state: &'a mut S,
}

impl<'a, S> AreaClient<'a, S> {
    /// The area's client in a scenario, with the relying party's state and its own.
    pub fn new(sc: &'a mut Scenario, oidc: &'a mut OidcState, state: &'a mut S) -> Self {
        AreaClient { sc, oidc, state }
    }

    /// The relying party this client builds on.
    pub(crate) fn rp(&mut self) -> RelyingParty<'_> {
        RelyingParty::new(self.sc, self.oidc)
    }
}

/// The relying party of one scenario, over the scenario's HTTP session and record.
pub struct RelyingParty<'a> {
    pub(super) sc: &'a mut Scenario,
    pub(super) state: &'a mut OidcState,
}

impl<'a> RelyingParty<'a> {
    /// The relying party of a scenario, with its state.
    pub fn new(sc: &'a mut Scenario, state: &'a mut OidcState) -> Self {
        RelyingParty { sc, state }
    }

    /// The state the relying party keeps (tokens, the authorization request and response).
    pub fn state(&self) -> &OidcState {
        self.state
    }

    /// Chooses the client (by its environment name), checking the environment has it.
    pub fn choose_client(&mut self, name: &str) -> Result<()> {
        self.sc.env().client(name)?;
        self.state.client = Some(name.to_string());
        Ok(())
    }

    /// The client in use, by its environment name.
    pub fn client(&self) -> Result<(&str, &Client)> {
        self.state.client_in(self.sc.env())
    }

    /// Fetches and checks the discovery document (recorded, and cached for the run).
    pub async fn discover(&mut self) -> Result<Arc<ProviderMetadata>> {
        let ctx = Arc::clone(self.sc.ctx_arc());
        let url = discovery_url(&ctx.issuer)?;
        let spec = RequestSpec::new("GET", url)
            .header("accept", "application/json")
            .backchannel();
        let ex = self.sc.send("discovery", spec, Redirects::Follow).await?;
        let resp = response_of(ex)?;
        if resp.status != 200 {
            return Err(Error::step(format!(
                "discovery answered {} at {}: expected 200 with the provider metadata",
                resp.status,
                ex.request().url
            )));
        }
        let meta = Arc::new(ProviderMetadata::parse(&resp.body, &ctx.issuer)?);
        ctx.cache.set_metadata(Arc::clone(&meta));
        self.state.metadata = Some(meta.clone());
        Ok(meta)
    }

    /// The discovery document has what OpenID Connect Discovery 1.0 §3 requires (the
    /// required members, RS256, https endpoints); fetched now unless this scenario has it.
    pub async fn expect_sound_configuration(&mut self) -> Result<()> {
        let meta = match &self.state.metadata {
            Some(meta) => Arc::clone(meta),
            None => self.discover().await?,
        };
        self.sc
            .conclude(super::provider_keys::configuration(&meta.raw))
    }

    /// The provider's JWK Set, fetched now from `jwks_uri`, is sound: distinct kids, no private
    /// or symmetric key material, every key usable.
    pub async fn expect_sound_signing_keys(&mut self) -> Result<()> {
        let (_, json) = self.fetch_jwks().await?;
        self.sc.conclude(super::provider_keys::signing_keys(&json))
    }

    /// Fetches the provider's JWK Set from `jwks_uri` (recorded as "JWKS"): the URI and the
    /// JSON body.
    async fn fetch_jwks(&mut self) -> Result<(String, Value)> {
        let meta = self.metadata().await?;
        let uri = meta.jwks_uri.to_string();
        let spec = RequestSpec::new("GET", meta.jwks_uri.clone())
            .header("accept", "application/json")
            .backchannel();
        let ex = self.sc.send("JWKS", spec, Redirects::Follow).await?;
        let resp = response_of(ex)?;
        let json = resp.json().ok_or_else(|| {
            Error::step(format!(
                "the JWKS at {uri} is not JSON (status {})",
                resp.status
            ))
        })?;
        Ok((uri, json))
    }

    /// The latest access token differs from the one before it (two grants, two tokens).
    pub fn expect_access_tokens_differ(&mut self) -> Result<()> {
        let (latest, earlier) = self.state.latest_and_previous(|t| t.access_token.as_ref());
        let list = checks::access_tokens_differ(earlier, latest);
        self.sc.conclude(list)
    }

    /// The provider metadata: this scenario's, the run's cached copy, or fetched now.
    pub async fn metadata(&mut self) -> Result<Arc<ProviderMetadata>> {
        if let Some(meta) = &self.state.metadata {
            return Ok(Arc::clone(meta));
        }
        if let Some(meta) = self.sc.ctx().cache.metadata() {
            self.state.metadata = Some(meta.clone());
            return Ok(meta);
        }
        self.discover().await
    }

    /// Sends an authorization request for the chosen client and follows the provider until a
    /// page for the end-user or the client's redirect URI.
    pub async fn authorize(&mut self, overrides: &[(String, String)]) -> Result<()> {
        self.send_authorization(overrides, false).await
    }

    /// Sends the authorization request as a form POST (OpenID Connect Core §3.1.2.1: the
    /// endpoint MUST support GET and POST), then follows the provider as [`Self::authorize`].
    pub async fn authorize_by_post(&mut self, overrides: &[(String, String)]) -> Result<()> {
        self.send_authorization(overrides, true).await
    }

    async fn send_authorization(
        &mut self,
        overrides: &[(String, String)],
        by_post: bool,
    ) -> Result<()> {
        let meta = self.metadata().await?;
        let (_, client) = self.client()?;
        let request = AuthorizationRequest::new(client, overrides, self.sc.clock().unix_seconds())?;
        let spec = if by_post {
            RequestSpec::new("POST", meta.authorization_endpoint.clone())
                .form(request.params.clone())
        } else {
            RequestSpec::new("GET", request.url(&meta.authorization_endpoint))
        };
        self.state.request = Some(request);
        self.state.response = None;
        // The redirect URIs where the user agent stops include the one just sent.
        let stop = self.redirect_uris()?;
        let ex = self
            .sc
            .send("authorization request", spec, Redirects::FollowUntil(stop))
            .await?;
        self.state.response = redirect_response(ex)?;
        Ok(())
    }

    /// Sends the authorization request as a request object (RFC 9101, OpenID Connect Core §6)
    /// by value or by reference, and follows the provider like [`RelyingParty::authorize`].
    /// The provider's fetches of a `request_uri` are recorded before the request's exchange.
    pub async fn authorize_with_object(
        &mut self,
        overrides: &[(String, String)],
        object: &ObjectOptions,
    ) -> Result<()> {
        let meta = self.metadata().await?;
        let (name, client) = self.client()?;
        let (name, client) = (name.to_string(), client.clone());
        let now = self.sc.clock().unix_seconds();
        let request = AuthorizationRequest::new(&client, overrides, now)?;
        let step = |e: request_object::RequestObjectError| Error::step(e.to_string());
        let claims =
            request_object::claims(&request, &meta.issuer, now, &object.claims).map_err(step)?;
        let mut jwt =
            request_object::sign(&claims, object.alg, &client, &name, MEDIA_TYPE).map_err(step)?;
        if object.alter_signature {
            jwt = request_object::alter_signature(&jwt).map_err(step)?;
        }
        let how = if object.by_reference {
            "by reference"
        } else {
            "by value"
        };
        let sealed = if object.encrypt { ", encrypted" } else { "" };
        self.record_jwt(
            &jwt,
            &format!("request object ({}{sealed}, {how})", object.alg.as_str()),
        );
        if object.encrypt {
            jwt = self.encrypt_to_provider(&jwt).await?;
            self.sc.learn_secret(&jwt);
        }
        let host = match (&self.state.request_uri_host, object.by_reference) {
            (_, false) => None,
            (Some(host), true) => Some(host.clone()),
            (None, true) => {
                let host = Arc::new(RequestUriHost::start().await.map_err(|e| {
                    Error::step(format!(
                        "cannot start the listener that hosts request objects on 127.0.0.1: {e}"
                    ))
                })?);
                self.state.request_uri_host = Some(host.clone());
                Some(host)
            }
        };
        let (by, value) = match &host {
            Some(host) => ("request_uri", host.host(jwt)),
            None => ("request", jwt),
        };
        let mut url = meta.authorization_endpoint.clone();
        url.query_pairs_mut().extend_pairs(
            request_object::outer_params(&request, &object.outside, by, value)
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        self.state.request = Some(request);
        self.state.response = None;
        let stop = self.redirect_uris()?;
        let ex = self
            .sc
            .send(
                "authorization request (request object)",
                RequestSpec::new("GET", url),
                Redirects::FollowUntil(stop),
            )
            .await?;
        self.state.response = redirect_response(ex)?;
        if let Some(host) = host {
            for fetch in host.take_fetches("the provider fetches the request_uri") {
                self.record_before_last(fetch);
            }
        }
        Ok(())
    }

    /// The token endpoint refused the latest client assertion with `invalid_client`.
    pub fn expect_client_assertion_refused(&mut self) -> Result<()> {
        let list = client_assertion::refused(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// The provider refused the latest request object (`clause`: the rule it broke).
    pub fn expect_request_object_refused(&mut self, clause: &str) -> Result<()> {
        let list = request_object::refused(
            self.state.response.as_ref(),
            self.sc.last_exchange()?,
            clause,
        );
        self.sc.conclude(list)
    }

    /// `jwt` encrypted to the provider's RSA encryption key from its JWKS (`use: enc`), with
    /// RSA-OAEP and A256GCM (RFC 7516, RFC 7518 §4.3, §5.3).
    async fn encrypt_to_provider(&mut self, jwt: &str) -> Result<String> {
        let jwks = self.jwks(None).await?;
        let key = jwks
            .keys
            .iter()
            .find(|k| k.use_.as_deref() == Some("enc") && k.kty.as_deref() == Some("RSA"))
            .ok_or_else(|| {
                Error::step(
                    "the provider's JWKS has no RSA key with use \"enc\" to encrypt the request object to",
                )
            })?;
        let part = |name: &str| {
            key.raw
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        crate::protocol::jwe::encrypt(
            jwt.as_bytes(),
            part("n"),
            part("e"),
            key.kid.as_deref(),
            Some("JWT"),
        )
        .map_err(|e| Error::step(format!("cannot encrypt the request object: {e}")))
    }

    /// Records a JWT the client made (a request object, a client assertion) under the running
    /// step, decoded, and learns it as a secret: the report shows its header and claims, never
    /// the token itself (a signed object or assertion is a credential while it lives).
    fn record_jwt(&mut self, jwt: &str, label: &str) {
        self.sc.learn_secret(jwt);
        if let Ok(decoded) = crate::jwt::decode(jwt) {
            self.sc.record_mut().push_token(crate::record::TokenRecord {
                label: label.to_string(),
                header: decoded.header,
                claims: decoded.claims,
                ..Default::default()
            });
        }
    }

    /// Records an exchange made while the latest one ran (the provider's fetch of a
    /// request_uri), just before it, so that the latest stays the latest.
    fn record_before_last(&mut self, exchange: Exchange) {
        let record = self.sc.record_mut();
        record.push_exchange(exchange);
        let step = record.current();
        let n = step.exchanges.len();
        if n >= 2 {
            step.exchanges.swap(n - 1, n - 2);
            let (a, b) = (step.exchanges[n - 2].seq, step.exchanges[n - 1].seq);
            step.exchanges[n - 2].seq = b;
            step.exchanges[n - 1].seq = a;
        }
    }

    pub(crate) fn redirect_uris(&self) -> Result<Vec<Url>> {
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

    /// The authorization response, or an error saying why there is none.
    pub fn response(&self) -> Result<&AuthorizationResponse> {
        self.state.response.as_ref().ok_or_else(|| {
            let at = self
                .sc
                .last_exchange()
                .ok()
                .and_then(|ex| ex.hops.last())
                .map(|h| format!("{} (status {})", h.request.url, h.response.as_ref().map_or(0, |r| r.status)))
                .unwrap_or_else(|| "nowhere".into());
            Error::step(format!(
                "the provider has not redirected to the client's redirect URI; the user agent is at {at}"
            ))
        })
    }

    /// The client's checks of the authorization response (state, iss, response mode).
    fn response_checks(&self) -> Result<Checklist> {
        Ok(checks::authorization_response(
            self.state.request.as_ref(),
            self.response()?,
            &self.sc.ctx().issuer,
        ))
    }

    /// The provider redirected to the client with a code that passes the client's checks;
    /// the code is learned as a secret.
    pub fn receive_code(&mut self) -> Result<()> {
        let list = self.response_checks()?;
        self.sc.conclude(list)?;
        let code = self.code()?;
        self.sc.learn_secret(&code);
        Ok(())
    }

    /// The provider redirected to the client with an ID token and access token in the
    /// fragment (implicit flow), passing the client's checks; the client keeps them.
    pub fn receive_implicit_tokens(&mut self) -> Result<()> {
        let list = self.response_checks()?;
        self.sc.conclude(list)?;
        self.take_implicit_tokens()
    }

    /// The provider redirected to the client with the OAuth error `expected`.
    pub fn expect_authorization_error(&mut self, expected: &str) -> Result<()> {
        let list = checks::authorization_error(
            self.state.request.as_ref(),
            self.response()?,
            &self.sc.ctx().issuer,
            expected,
        );
        self.sc.conclude(list)
    }

    /// The provider answered a prompt=none request it cannot complete silently with an error
    /// that requires the end-user's interaction (OpenID Connect Core §3.1.2.6).
    pub fn expect_interaction_required(&mut self) -> Result<()> {
        let list = checks::interaction_required_error(
            self.state.request.as_ref(),
            self.response()?,
            &self.sc.ctx().issuer,
        );
        self.sc.conclude(list)
    }

    /// The client's check refuses the authorization response because its state is not the
    /// one the client sent.
    pub fn expect_state_rejected(&mut self) -> Result<()> {
        let rejected = self.response_checks()?.failed("state");
        let mut list = Checklist::new("the client's check of a forged state");
        list.must(
            "state rejected",
            "RFC 6749 §10.12",
            rejected,
            "the client accepted an authorization response whose state it never sent",
        );
        self.sc.conclude(list)
    }

    /// The provider showed its own error page instead of redirecting.
    pub fn expect_error_page(&mut self) -> Result<()> {
        let list = checks::error_page(self.sc.last_exchange()?);
        self.sc.conclude(list)
    }

    /// The latest token response is a success (with an ID token when the original request's
    /// scope had openid).
    pub fn expect_token_success(&mut self) -> Result<()> {
        let expect_id = self.state.history.is_empty()
            && self.state.request.as_ref().is_some_and(|r| {
                r.params
                    .iter()
                    .any(|(k, v)| k == "scope" && v.split(' ').any(|s| s == "openid"))
            });
        let mut list = checks::token_response(self.sc.last_response()?, expect_id);
        self.apply_deviation(&mut list, Deviation::ExpiresInMilliseconds, &["expires_in"]);
        self.sc.conclude(list)
    }

    /// When the environment declares `deviation`, the failed checks named `checks` become
    /// declared deviations: warnings naming the declaration and its file.
    pub(super) fn apply_deviation(
        &self,
        list: &mut Checklist,
        deviation: Deviation,
        checks: &[&str],
    ) {
        let env = self.sc.env();
        if let Some(why) = env.deviation(deviation) {
            let declaration = format!(
                "declared deviation `{}` of {} ({why})",
                deviation.as_str(),
                env.path.display()
            );
            for name in checks {
                list.declare_deviation(name, &declaration);
            }
        }
    }

    /// The latest response is an OAuth error response with this code.
    pub fn expect_error(&mut self, expected: &str) -> Result<()> {
        let list = checks::error_response(self.sc.last_response()?, expected);
        self.sc.conclude(list)
    }

    /// The refreshed ID token keeps the identity of the original. A refresh response without
    /// an id_token (OpenID Connect Core §12.2 allows it) is said so in the check, not failed.
    pub fn expect_refreshed_identity(&mut self) -> Result<()> {
        let original = id_token_claims_of(self.state.history.first(), "original")?;
        let list = if self.refresh_has_id_token() {
            let refreshed = id_token_claims_of(self.state.tokens.as_ref(), "refreshed")?;
            checks::refreshed_identity(&original, &refreshed)
        } else {
            checks::refresh_without_id_token("identity kept")
        };
        self.sc.conclude(list)
    }

    /// Every ID token check on the ID token of the latest refresh, when its response has one
    /// (OpenID Connect Core §12.2: it might not); without one, the check says so.
    pub async fn check_refreshed_id_token(&mut self) -> Result<()> {
        if self.refresh_has_id_token() {
            return self.check_id_token("refreshed ID token").await;
        }
        self.sc
            .conclude(checks::refresh_without_id_token("refreshed ID token valid"))
    }

    fn refresh_has_id_token(&self) -> bool {
        self.state
            .tokens
            .as_ref()
            .is_some_and(|t| t.id_token.is_some())
    }

    /// UserInfo answered 200 JSON with a sub.
    pub fn expect_userinfo_success(&mut self) -> Result<()> {
        let list = checks::userinfo_response(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// UserInfo's sub equals the ID token's: the latest one the client holds (after a refresh
    /// without an id_token, the client keeps the one it had).
    pub fn expect_userinfo_sub(&mut self) -> Result<()> {
        let userinfo = self
            .state
            .userinfo
            .clone()
            .ok_or_else(|| Error::step("no userinfo response with a sub in this scenario"))?;
        let held = std::iter::once(self.state.tokens.as_ref())
            .chain(self.state.history.iter().rev().map(Some))
            .find(|t| t.is_some_and(|t| t.id_token.is_some()))
            .flatten();
        let claims = match held {
            Some(tokens) => id_token_claims_of(Some(tokens), "latest")?,
            None => self.id_token_claims()?,
        };
        self.sc.conclude(checks::userinfo_sub(&userinfo, &claims))
    }

    /// The latest UserInfo response forbids caching (a best practice: it warns).
    pub fn expect_userinfo_not_cached(&mut self) -> Result<()> {
        let list = checks::userinfo_not_cached(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// The latest call with the access token from a replayed code was refused (SHOULD).
    pub fn expect_revoked_after_code_replay(&mut self) -> Result<()> {
        let list = checks::revoked_after_code_replay(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// The latest refresh, with the token that replaced a reused one, was refused (best
    /// practice).
    pub fn expect_refresh_family_revoked(&mut self) -> Result<()> {
        let list = checks::refresh_family_revoked(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// UserInfo refused the token as a protected resource must (RFC 6750 §3).
    pub fn expect_invalid_token(&mut self) -> Result<()> {
        let list = checks::invalid_token(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// One claim (or header parameter, with `header`) of the latest ID token meets `matcher`.
    pub async fn expect_id_token_part(
        &mut self,
        name: &str,
        header: bool,
        matcher: &crate::expect::Matcher,
    ) -> Result<()> {
        self.show_id_token_for_reference().await;
        let (part, what) = if header {
            (self.id_token_header()?, "header parameter")
        } else {
            (self.id_token_claims()?, "claim")
        };
        let value = if header {
            part.get(name)
        } else {
            crate::jwt::claim(&part, name)
        };
        let outcome =
            crate::expect::check(&format!("{what} {name} of the ID token"), value, matcher);
        self.sc.expect(&format!("ID token {what} {name}"), outcome)
    }

    /// Records the latest ID token under the running step for reference, with each check's
    /// verdict, so that an expectation on one of its claims is read beside the whole token:
    /// a pointer to an earlier step that verified this token (the reports show that one here),
    /// else the verdicts of a verification made now, else (no keys, no client) the decoded
    /// token alone. Best effort: a token that does
    /// not decode is left to the expectation to report.
    async fn show_id_token_for_reference(&mut self) {
        let Ok(decoded) = self
            .decoded_id_token()
            .map(|d| (d.header.clone(), d.claims.clone()))
        else {
            return;
        };
        let steps = &self.sc.record().steps;
        let earlier = (steps.iter().enumerate().rev())
            .flat_map(|(step, s)| {
                let tokens = s.tokens.iter().enumerate().rev();
                tokens.map(move |(token, t)| (TokenPlace { step, token }, t))
            })
            .find(|(_, t)| !t.for_reference && t.header == decoded.0 && t.claims == decoded.1)
            .map(|(place, t)| crate::record::TokenRecord {
                label: t.label.clone(),
                same_as: Some(place),
                ..Default::default()
            });
        let mut token = match earlier {
            Some(t) => t,
            None => match self.verify_id_token().await {
                Ok(verdict) => verdict.into_record("ID token"),
                Err(_) => crate::record::TokenRecord {
                    label: "ID token".into(),
                    header: decoded.0,
                    claims: decoded.1,
                    ..Default::default()
                },
            },
        };
        token.for_reference = true;
        self.sc.record_mut().push_token(token);
    }

    /// The claims of the latest ID token.
    pub fn id_token_claims(&self) -> Result<Value> {
        Ok(self.decoded_id_token()?.claims.clone())
    }

    /// The header of the latest ID token.
    pub fn id_token_header(&self) -> Result<Value> {
        Ok(self.decoded_id_token()?.header.clone())
    }

    fn decoded_id_token(&self) -> Result<&crate::jwt::DecodedJwt> {
        self.state
            .tokens
            .as_ref()
            .and_then(TokenSet::id_token_jwt)
            .ok_or_else(|| Error::step("no ID token was received in this scenario"))?
            .map_err(|e| Error::step(format!("the ID token does not decode: {e}")))
    }

    /// Replaces the state of the received authorization response, as an attacker would.
    pub fn tamper_state(&mut self) -> Result<()> {
        self.tamper_response("state", "forged-by-attacker")
    }

    /// Replaces (or adds) one parameter of the received authorization response, where the
    /// response mode puts it, as an attacker between provider and client would.
    pub(crate) fn tamper_response(&mut self, name: &str, value: &str) -> Result<()> {
        let fragment = self
            .state
            .request
            .as_ref()
            .is_some_and(AuthorizationRequest::expects_fragment);
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
        list.retain(|(k, _)| k != name);
        list.push((name.into(), value.to_string()));
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
            None => self.default_redirect_uri()?,
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
            self.sc.learn_secret(&v);
            form.push(("code_verifier".into(), v));
        }
        self.token_call("token request (authorization code)", form, options)
            .await
    }

    /// The redirect URI of a code the client did not request itself (the client's first
    /// registered one).
    fn default_redirect_uri(&self) -> Result<String> {
        let (_, client) = self.client()?;
        Ok(client
            .redirect_uris
            .first()
            .map(|u| u.to_string())
            .unwrap_or_default())
    }

    /// The form of a refresh with one of the client's refresh tokens (RFC 6749 §6).
    pub(crate) fn refresh_form(&self, which: TokenChoice) -> Result<Vec<(String, String)>> {
        let token = match which {
            TokenChoice::Current => self.state.tokens.as_ref().and_then(|t| t.refresh_token.clone()),
            TokenChoice::Previous => self.state.history.last().and_then(|t| t.refresh_token.clone()),
            TokenChoice::Invalid => Some("not-a-refresh-token-issued-by-the-provider".into()),
        }
        .ok_or_else(|| Error::step("no refresh token: the token response had none (is offline access allowed for this client?)"))?;
        Ok(vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), token),
        ])
    }

    /// Uses a refresh token.
    pub async fn refresh(&mut self, which: TokenChoice) -> Result<()> {
        let form = self.refresh_form(which)?;
        self.token_call("token request (refresh)", form, &ExchangeOptions::default())
            .await
    }

    /// Presents this client's latest refresh token with another client's credentials.
    pub async fn refresh_as(&mut self, other_client: &str) -> Result<()> {
        let form = self.refresh_form(TokenChoice::Current)?;
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
        let (name, client) = match as_client {
            Some(name) => (name, self.sc.env().client(name)?),
            None => self.client()?,
        };
        let (name, client) = (name.to_string(), client.clone());
        let method = options.auth_method.unwrap_or(client.auth_method);
        let mut spec = token_request(
            &meta.token_endpoint,
            &client,
            method,
            options.secret.as_deref(),
            form,
        );
        if method == AuthMethod::PrivateKeyJwt {
            let mut tamper = options.assertion.clone();
            if tamper.replay.is_some() {
                tamper.replay = self.state.last_client_assertion.clone();
                if tamper.replay.is_none() {
                    return Err(Error::step(
                        "no client assertion was sent yet in this scenario: nothing to replay",
                    ));
                }
            }
            let now = self.sc.clock().unix_seconds();
            let assertion = client_assertion::client_assertion(
                &client,
                &name,
                meta.token_endpoint.as_str(),
                now,
                &tamper,
            )
            .map_err(|e| Error::step(e.to_string()))?;
            self.state.last_client_assertion = Some(assertion.clone());
            self.record_jwt(&assertion, "client assertion (private_key_jwt)");
            client_assertion::attach(&mut spec, assertion);
        }
        let ex = self.sc.send(label, spec, Redirects::Stop).await?;
        Ok(response_of(ex)?.clone())
    }

    /// Keeps a new token set (the previous one goes to the history) and learns its tokens as
    /// secrets.
    pub(crate) fn keep_tokens(&mut self, set: TokenSet) {
        for t in [&set.access_token, &set.refresh_token, &set.id_token]
            .into_iter()
            .flatten()
        {
            self.sc.learn_secret(t);
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

    /// Calls UserInfo with the access token: `GET` or `POST` with a Bearer header (RFC 6750
    /// §2.1), or `POST BODY` with the token as a form parameter (§2.2).
    pub async fn userinfo(&mut self, method: &str, which: TokenChoice) -> Result<()> {
        let method = method.to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "POST" | "POST BODY") {
            return Err(Error::step(format!(
                "UserInfo is called with GET, POST or POST BODY, not {method}"
            )));
        }
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
        let spec = if method == "POST BODY" {
            RequestSpec::new("POST", endpoint).form(vec![("access_token".into(), token)])
        } else {
            let spec = RequestSpec::new(&method, endpoint)
                .header("authorization", format!("Bearer {token}"));
            if method == "POST" {
                spec.form(Vec::new())
            } else {
                spec
            }
        }
        .header("accept", "application/json")
        .backchannel();
        let label = match method.as_str() {
            "POST BODY" => "userinfo (POST, token in the body)".to_string(),
            other => format!("userinfo ({other})"),
        };
        let ex = self.sc.send(&label, spec, Redirects::Stop).await?;
        let resp = response_of(ex)?;
        self.state.userinfo = (resp.status == 200).then(|| resp.json()).flatten();
        Ok(())
    }

    /// Runs every ID token check on the latest ID token (`refreshed` for one from a refresh,
    /// whose nonce is optional but must then match).
    pub async fn verify_id_token(&mut self) -> Result<TokenVerdict> {
        // Decoded on the kept token set, before it is copied: the steps that read its claims
        // afterwards find it decoded.
        let _ = self.state.tokens.as_ref().map(TokenSet::id_token_jwt);
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
            self.sc.ctx().issuer.clone(),
            client_id,
            self.sc.clock().unix_seconds(),
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
        let strict = self.sc.ctx().strict;
        let failed: Vec<_> = verdict.failures_at(strict).cloned().collect();
        self.sc.record_mut().push_token(verdict.into_record(label));
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
        if let Some(cached) = self.sc.ctx().cache.jwks(&uri)
            && kid.is_none_or(|k| cached.kids().iter().any(|c| c == k))
        {
            return Ok(cached);
        }
        let (uri, json) = self.fetch_jwks().await?;
        let jwks = std::sync::Arc::new(
            Jwks::from_json(&json).map_err(|e| Error::step(format!("the JWKS at {uri}: {e}")))?,
        );
        self.sc.ctx().cache.set_jwks(&uri, jwks.clone());
        Ok(jwks)
    }
}

/// The claims of a token set's ID token, or an error naming `what` token was wanted.
pub(crate) fn id_token_claims_of(tokens: Option<&TokenSet>, what: &str) -> Result<Value> {
    Ok(tokens
        .and_then(TokenSet::id_token_jwt)
        .ok_or_else(|| Error::step(format!("no {what} ID token")))?
        .map_err(|e| Error::step(format!("the {what} ID token does not decode: {e}")))?
        .claims
        .clone())
}

pub(crate) fn redirect_response(ex: &Exchange) -> Result<Option<AuthorizationResponse>> {
    match &ex.stopped_at {
        Some(url) => Ok(Some(AuthorizationResponse::parse(url)?)),
        None => Ok(None),
    }
}
