//! The relying party's checks that look beyond one response: a second sign-in against the
//! first (auth_time, sub), the claims released for the requested scopes, and the answer to a
//! request without response_type; plus the silent sign-in with the previous ID token as hint.

use serde_json::Value;

use super::claims_release;
use super::reauthentication::{self, Reauthentication};
use super::relying_party::{RelyingParty, id_token_claims_of};
use super::user_agent::UserAgent;
use crate::config::Deviation;
use crate::error::{Error, Result};

impl RelyingParty<'_> {
    /// Starts a silent sign-in (`prompt=none`) naming the end-user of the latest ID token
    /// with `id_token_hint` (OpenID Connect Core §3.1.2.1).
    pub async fn authorize_with_id_token_hint(&mut self) -> Result<()> {
        let hint = self.state.tokens.as_ref().and_then(|t| t.id_token.clone());
        let hint = hint.ok_or_else(|| {
            Error::step("no ID token to send as id_token_hint: sign in and exchange a code first")
        })?;
        let overrides = [("prompt", "none"), ("id_token_hint", hint.as_str())]
            .map(|(k, v)| (k.to_string(), v.to_string()));
        self.authorize(&overrides).await
    }

    /// The claims of the previous and of the latest ID token.
    fn two_sign_ins(&self) -> Result<(Value, Value)> {
        let previous = id_token_claims_of(self.state.history.last(), "previous sign-in's")?;
        Ok((previous, self.id_token_claims()?))
    }

    /// The latest ID token's auth_time is the previous sign-in's (a reused session).
    pub fn expect_auth_time_kept(&mut self) -> Result<()> {
        let (previous, current) = self.two_sign_ins()?;
        let list = reauthentication::auth_time_kept(&previous, &current);
        self.sc.conclude(list)
    }

    /// The latest ID token's auth_time is later than the previous sign-in's, at the level the
    /// request's reason for re-authentication carries (max_age: MUST, prompt=login: SHOULD).
    pub fn expect_auth_time_later(&mut self) -> Result<()> {
        let (previous, current) = self.two_sign_ins()?;
        let request = self.state.request.as_ref();
        let since = request.map_or(0, |r| r.sent_at)
            - previous
                .get("auth_time")
                .and_then(Value::as_i64)
                .unwrap_or(0);
        let reason = request.and_then(|r| Reauthentication::of_request(&r.params, since));
        let list = reauthentication::auth_time_later(&previous, &current, reason);
        self.sc.conclude(list)
    }

    /// The latest ID token names the previous sign-in's end-user.
    pub fn expect_same_subject(&mut self) -> Result<()> {
        let (previous, current) = self.two_sign_ins()?;
        self.sc
            .conclude(reauthentication::same_subject(&previous, &current))
    }

    /// The provider refused a request without response_type, issuing nothing.
    pub fn expect_missing_response_type_refused(&mut self) -> Result<()> {
        let status = self.sc.last_exchange()?.response().map_or(0, |r| r.status);
        let login_form = UserAgent::new(self.sc, self.state).shows_login_form()?;
        let list = reauthentication::missing_response_type(
            (status, login_form),
            self.state.response.as_ref(),
        );
        self.sc.conclude(list)
    }

    /// The provider accepted the authorization request sent by POST: it answered neither 404,
    /// 405 nor 501, and showed its login form or redirected to the client without an error
    /// (OpenID Connect Core §3.1.2.1: the endpoint MUST support GET and POST).
    pub async fn expect_post_accepted(&mut self) -> Result<()> {
        let ex = self.sc.last_exchange()?;
        let first = ex.hops.first().and_then(|h| h.response.as_ref());
        let status = first.map_or(0, |r| r.status);
        let login_form = UserAgent::new(self.sc, self.state)
            .shows_login_page()
            .await?;
        let redirected = self.state.response.as_ref();
        let error = redirected.and_then(|r| r.any_param("error"));
        let mut list =
            reauthentication::post_accepted(status, login_form, redirected.is_some(), error);
        self.apply_deviation(
            &mut list,
            Deviation::AuthorizationPostUnsupported,
            &["POST accepted", "request processed"],
        );
        self.sc.conclude(list)
    }

    /// The scopes the latest authorization request asked for.
    fn requested_scopes(&self) -> Vec<String> {
        self.state
            .request
            .as_ref()
            .and_then(|r| r.params.iter().find(|(k, _)| k == "scope"))
            .map(|(_, v)| v.split(' ').map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// UserInfo and the ID token of the end-user who logged in, with that user's claims as
    /// the environment declares them.
    fn released_claims(&self) -> Result<(Value, Value, std::collections::BTreeMap<String, Value>)> {
        let userinfo =
            self.state.userinfo.clone().ok_or_else(|| {
                Error::step("no UserInfo response: call the userinfo endpoint first")
            })?;
        let user = self.state.user.as_deref().ok_or_else(|| {
            Error::step("no end-user logged in in this scenario: whose claims are these?")
        })?;
        let declared = self.sc.env().user(user)?.claims.clone();
        Ok((userinfo, self.id_token_claims()?, declared))
    }

    /// The claims of the requested standard scopes are released, with the environment's values.
    pub fn expect_scope_claims(&mut self) -> Result<()> {
        let (userinfo, id_token, declared) = self.released_claims()?;
        let scopes = self.requested_scopes();
        let supported: Option<Vec<String>> = self
            .state
            .metadata
            .as_ref()
            .and_then(|m| serde_json::from_value(m.raw.get("scopes_supported")?.clone()).ok());
        let list = claims_release::scope_claims(
            &scopes,
            supported.as_deref(),
            &declared,
            &userinfo,
            &id_token,
        );
        self.sc.conclude(list)
    }

    /// No claim of a standard scope that was not requested is released.
    pub fn expect_no_unrequested_claims(&mut self) -> Result<()> {
        let (userinfo, id_token, _) = self.released_claims()?;
        let scopes = self.requested_scopes();
        let claims_parameter = self.state.request.as_ref().and_then(|r| {
            let raw = r.params.iter().find(|(k, _)| k == "claims")?;
            serde_json::from_str::<Value>(&raw.1).ok()
        });
        let list = claims_release::no_unrequested_claims(
            &scopes,
            claims_parameter.as_ref(),
            &userinfo,
            &id_token,
        );
        self.sc.conclude(list)
    }

    /// A claim requested by name is released from UserInfo, with the environment's value.
    pub fn expect_requested_claim(&mut self, name: &str) -> Result<()> {
        let (userinfo, _, declared) = self.released_claims()?;
        let list = claims_release::requested_claim(name, declared.get(name), &userinfo);
        self.sc.conclude(list)
    }
}
