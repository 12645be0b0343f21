//! The attacker of the security pack: actions a test needs to provoke a provider's (or the
//! client's) defences, such as altering a redirect URI, downgrading PKCE, redeeming one code
//! twice at once or injecting another issuer's response; and the verdicts on what came back
//! ([`super::security`]). Each action is recorded under the running step like any exchange.

use std::str::FromStr;

use url::Url;

use super::pkce::{Pkce, random_value};
use super::relying_party::{ExchangeOptions, OidcState, RelyingParty, TokenChoice};
use super::security;
use super::token::{TokenSet, token_request};
use super::user_agent::UserAgent;
use crate::error::{Error, Result};
use crate::http::{Body, Redirects};
use crate::scenario::{Scenario, response_of};

/// How an attacker alters the client's registered redirect URI (RFC 9700 §4.1: each must be
/// refused under exact string matching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectAlteration {
    /// `/evil` appended to the path.
    PathAppended,
    /// The path in upper case.
    CaseChanged,
    /// A query parameter added.
    QueryAdded,
    /// Another port.
    OtherPort,
    /// The registered host as userinfo in front of the attacker's host (`https://rp@evil/…`).
    UserinfoTrick,
    /// `http` instead of `https`.
    PlainHttp,
}

impl FromStr for RedirectAlteration {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "with a path appended" => Self::PathAppended,
            "in another case" => Self::CaseChanged,
            "with a query added" => Self::QueryAdded,
            "on another port" => Self::OtherPort,
            "behind the userinfo trick" => Self::UserinfoTrick,
            "over plain http" => Self::PlainHttp,
            other => {
                return Err(format!(
                    "unknown redirect URI alteration {other:?}: write one of `with a path appended`, `in another case`, `with a query added`, `on another port`, `behind the userinfo trick`, `over plain http`"
                ));
            }
        })
    }
}

/// A client_id no provider registers.
const UNKNOWN_CLIENT_ID: &str = "idflow-unknown-client";

/// The attacker's host in altered URIs (a reserved test name, RFC 6761).
const ATTACKER_HOST: &str = "attacker.idflow.test";

impl RedirectAlteration {
    /// The altered URI (as a string: some alterations are not what a URL parser would keep).
    pub fn apply(self, registered: &Url) -> String {
        let text = registered.as_str();
        let host = registered.host_str().unwrap_or_default();
        match self {
            Self::PathAppended => {
                let mut u = registered.clone();
                let path = format!("{}/evil", registered.path().trim_end_matches('/'));
                u.set_path(&path);
                u.to_string()
            }
            Self::CaseChanged => {
                let mut u = registered.clone();
                let upper = registered.path().to_ascii_uppercase();
                let path = if upper == registered.path() {
                    format!("{}X", registered.path())
                } else {
                    upper
                };
                u.set_path(&path);
                u.to_string()
            }
            Self::QueryAdded => {
                let mut u = registered.clone();
                u.query_pairs_mut()
                    .append_pair("next", "https://attacker.idflow.test/");
                u.to_string()
            }
            Self::OtherPort => {
                let mut u = registered.clone();
                let port = registered.port_or_known_default().unwrap_or(443);
                let _ = u.set_port(Some(if port == 8443 { 9443 } else { 8443 }));
                u.to_string()
            }
            Self::UserinfoTrick => {
                let after = text
                    .split_once("://")
                    .map_or("", |(_, rest)| rest)
                    .trim_start_matches(host);
                // The path after the host: the port (if any) goes away with the attacker's host.
                let path = after.find('/').map_or("/", |i| &after[i..]);
                format!("{}://{host}@{ATTACKER_HOST}{path}", registered.scheme())
            }
            Self::PlainHttp => {
                let scheme = if registered.scheme() == "http" {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}{}", &text[registered.scheme().len()..])
            }
        }
    }
}

/// The attacker in one scenario, with the relying party's state (it acts on the client's
/// requests and responses, or beside them).
pub struct Attacker<'a> {
    sc: &'a mut Scenario,
    state: &'a mut OidcState,
}

impl<'a> Attacker<'a> {
    /// The attacker of a scenario.
    pub fn new(sc: &'a mut Scenario, state: &'a mut OidcState) -> Self {
        Attacker { sc, state }
    }

    fn rp(&mut self) -> RelyingParty<'_> {
        RelyingParty::new(self.sc, self.state)
    }

    /// Starts the client's authorization request with its redirect URI altered.
    pub async fn authorize_with_redirect_uri(&mut self, how: RedirectAlteration) -> Result<()> {
        let (_, client) = self.state.client_in(self.sc.env())?;
        let first = client
            .redirect_uris
            .first()
            .map(|u| u.to_string())
            .ok_or_else(|| Error::step("the client has no registered redirect URI"))?;
        let registered = Url::parse(&first).map_err(|e| {
            Error::step(format!(
                "the registered redirect URI {first:?} is not a URL: {e}"
            ))
        })?;
        let altered = how.apply(&registered);
        self.rp()
            .authorize(&[("redirect_uri".into(), altered)])
            .await
    }

    /// Starts the authorization request with PKCE method `plain` (the challenge is the
    /// verifier itself).
    pub async fn authorize_with_plain_pkce(&mut self) -> Result<()> {
        let verifier = Pkce::generate().verifier;
        self.sc.learn_secret(&verifier);
        self.rp()
            .authorize(&[
                ("code_challenge".into(), verifier),
                ("code_challenge_method".into(), "plain".into()),
            ])
            .await
    }

    /// The provider refused the latest request: no redirect and no login page.
    pub fn expect_request_refused(&mut self) -> Result<()> {
        let login = UserAgent::new(self.sc, self.state).shows_login_form()?;
        let list = security::request_refused(self.sc.last_exchange()?, login);
        self.sc.conclude(list)
    }

    /// The provider refused PKCE method plain (a best practice).
    pub fn expect_plain_refused(&mut self) -> Result<()> {
        let login = UserAgent::new(self.sc, self.state).shows_login_form()?;
        let list = security::plain_refused(self.state.response.as_ref(), login);
        self.sc.conclude(list)
    }

    /// The provider refused a malformed PKCE challenge.
    pub fn expect_malformed_challenge_refused(&mut self) -> Result<()> {
        let login = UserAgent::new(self.sc, self.state).shows_login_form()?;
        let list = security::malformed_challenge_refused(self.state.response.as_ref(), login);
        self.sc.conclude(list)
    }

    /// Exchanges the code with `verifier` as the code_verifier, or none at all (the token
    /// request is otherwise the client's own).
    pub async fn exchange_code_with_verifier(&mut self, verifier: Option<String>) -> Result<()> {
        let mut form = self.code_form()?;
        if let Some(v) = verifier {
            self.sc.learn_secret(&v);
            form.push(("code_verifier".into(), v));
        }
        let resp = self
            .rp()
            .post_token(
                "token request (code, attacker's verifier)",
                None,
                form,
                &ExchangeOptions::default(),
            )
            .await?;
        self.keep_if_success(&resp);
        Ok(())
    }

    /// Exchanges the code without the PKCE verifier of the request's challenge.
    pub async fn exchange_code_without_verifier(&mut self) -> Result<()> {
        self.exchange_code_with_verifier(None).await
    }

    /// Exchanges the code with a fresh verifier, though the request sent no challenge.
    pub async fn exchange_code_with_unchallenged_verifier(&mut self) -> Result<()> {
        if self
            .state
            .request
            .as_ref()
            .is_some_and(|r| r.pkce.is_some())
        {
            return Err(Error::step(
                "this authorization request sent a PKCE challenge: leave it out with `| code_challenge | (omitted) |`",
            ));
        }
        self.exchange_code_with_verifier(Some(Pkce::generate().verifier))
            .await
    }

    /// The authorization code grant's form (code, redirect URI), without code_verifier.
    fn code_form(&mut self) -> Result<Vec<(String, String)>> {
        let code = self.rp().code()?;
        let request = self
            .state
            .request
            .as_ref()
            .ok_or_else(|| Error::step("no authorization request was sent in this scenario"))?;
        Ok(vec![
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), code),
            ("redirect_uri".into(), request.redirect_uri.to_string()),
        ])
    }

    fn keep_if_success(&mut self, resp: &crate::record::RecordedResponse) {
        if resp.status == 200
            && let Some(json) = resp.json()
        {
            self.rp().keep_tokens(TokenSet::from_json(json));
        }
    }

    /// Sends two redemptions of the code at the same time (the client's own token request,
    /// twice, with `tokio::join!`).
    pub async fn redeem_code_twice_at_once(&mut self) -> Result<()> {
        let mut form = self.code_form()?;
        if let Some(pkce) = self.state.request.as_ref().and_then(|r| r.pkce.clone()) {
            form.push(("code_verifier".into(), pkce.verifier));
        }
        let meta = self.rp().metadata().await?;
        let (_, client) = self.state.client_in(self.sc.env())?;
        let spec = token_request(&meta.token_endpoint, client, client.auth_method, None, form);
        let [a, b] = self
            .sc
            .send_pair(
                (
                    "token request (redemption 1 of 2, concurrent)",
                    spec.clone(),
                ),
                ("token request (redemption 2 of 2, concurrent)", spec),
            )
            .await?;
        let responses = [response_of(&a)?.clone(), response_of(&b)?.clone()];
        for resp in &responses {
            self.keep_if_success(resp);
        }
        Ok(())
    }

    /// At most one of the two concurrent redemptions got tokens.
    pub fn expect_one_redemption_wins(&mut self) -> Result<()> {
        let concurrent: Vec<_> = self
            .sc
            .record()
            .exchanges()
            .rev()
            .filter(|ex| ex.label.ends_with(", concurrent)"))
            .take(2)
            .filter_map(|ex| ex.response())
            .collect();
        if concurrent.len() != 2 {
            return Err(Error::step(
                "no two concurrent redemptions in this scenario: start with `When an attacker redeems the authorization code twice at once`",
            ));
        }
        let list = security::one_redemption_wins(&concurrent);
        self.sc.conclude(list)
    }

    /// The code flow's redirect carries no token.
    pub fn expect_no_token_in_redirect(&mut self) -> Result<()> {
        let list = security::no_token_in_redirect(self.rp().response()?);
        self.sc.conclude(list)
    }

    /// No page before the redirect held the authorization code (a best practice). The
    /// form_post response mode's page carries the code by design and is not judged.
    pub fn expect_code_only_in_redirect(&mut self) -> Result<()> {
        let code = self.rp().code()?;
        let form_post = self.state.request.as_ref().is_some_and(|r| {
            r.params
                .iter()
                .any(|(k, v)| k == "response_mode" && v == "form_post")
        });
        if form_post {
            return Err(Error::step(
                "response_mode=form_post carries the code in a page by design: leave it out for this check",
            ));
        }
        let list = security::code_only_in_redirect(self.sc.record().exchanges(), &code);
        self.sc.conclude(list)
    }

    /// The authorization response names the issuer in `iss`.
    pub fn expect_issuer_named(&mut self) -> Result<()> {
        let issuer = self.sc.ctx().issuer.clone();
        let response = self.rp().response()?.clone();
        let in_fragment = (self.state.request.as_ref())
            .is_some_and(super::AuthorizationRequest::expects_fragment);
        let list = security::issuer_named(&response, &issuer, in_fragment);
        self.sc.conclude(list)
    }

    /// Replaces (or adds) the `iss` of the received authorization response, as a mix-up
    /// attacker's provider would answer.
    pub fn replace_issuer(&mut self, issuer: &str) -> Result<()> {
        RelyingParty::new(self.sc, self.state).tamper_response("iss", issuer)
    }

    /// The client's checks refuse the response because its `iss` names another issuer.
    pub fn expect_issuer_rejected(&mut self) -> Result<()> {
        let issuer = self.sc.ctx().issuer.clone();
        let response = self.rp().response()?.clone();
        let checks =
            super::checks::authorization_response(self.state.request.as_ref(), &response, &issuer);
        self.sc.conclude(security::issuer_rejected(&checks))
    }

    /// Puts the ID token of an earlier flow of this scenario in place of this flow's tokens,
    /// as an attacker replaying it would.
    pub fn replay_earlier_id_token(&mut self) -> Result<()> {
        let earlier = self
            .state
            .tokens
            .as_ref()
            .and_then(|t| t.id_token.clone())
            .ok_or_else(|| Error::step("no ID token from an earlier flow to replay"))?;
        let set = TokenSet::from_json(serde_json::json!({ "id_token": earlier }));
        self.rp().keep_tokens(set);
        Ok(())
    }

    /// The client's ID token checks refuse the replayed token for its nonce.
    pub async fn expect_replayed_nonce_rejected(&mut self) -> Result<()> {
        let verdict = self.rp().verify_id_token().await?;
        let nonce = verdict.check("nonce");
        let failed = nonce.is_some_and(|c| c.is_failure());
        let detail = nonce.map_or("no nonce check ran".to_string(), |c| c.detail.clone());
        self.sc
            .conclude(security::replayed_nonce_rejected(failed, &detail))
    }

    /// The authorization code carries enough entropy.
    pub fn expect_code_entropy(&mut self) -> Result<()> {
        let code = self.rp().code()?;
        self.sc.conclude(security::code_entropy(&code))
    }

    /// Exchanges the code with the client's id and secret in the token endpoint's query
    /// string instead of the body or the Authorization header.
    pub async fn exchange_code_with_secret_in_query(&mut self) -> Result<()> {
        let mut form = self.code_form()?;
        if let Some(pkce) = self.state.request.as_ref().and_then(|r| r.pkce.clone()) {
            form.push(("code_verifier".into(), pkce.verifier));
        }
        let meta = self.rp().metadata().await?;
        let (_, client) = self.state.client_in(self.sc.env())?;
        let secret = client
            .secret
            .as_ref()
            .map(|s| s.expose().to_string())
            .ok_or_else(|| Error::step("this client has no secret to misplace"))?;
        let mut url = meta.token_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &client.id.to_string())
            .append_pair("client_secret", &secret);
        let mut spec = crate::http::RequestSpec::new("POST", url)
            .header("accept", "application/json")
            .backchannel();
        spec.body = Some(Body::Form(form));
        let ex = self
            .sc
            .send(
                "token request (secret in the query string)",
                spec,
                Redirects::Stop,
            )
            .await?;
        let resp = response_of(ex)?.clone();
        self.keep_if_success(&resp);
        Ok(())
    }

    /// Exchanges the code authenticating as a client the provider does not know (the chosen
    /// client's secret and method, another client_id).
    pub async fn exchange_code_as_unknown_client(&mut self) -> Result<()> {
        let mut form = self.code_form()?;
        if let Some(pkce) = self.state.request.as_ref().and_then(|r| r.pkce.clone()) {
            form.push(("code_verifier".into(), pkce.verifier));
        }
        let meta = self.rp().metadata().await?;
        let (_, client) = self.state.client_in(self.sc.env())?;
        let mut unknown = client.clone();
        unknown.id = crate::config::Templated(UNKNOWN_CLIENT_ID.into());
        let spec = token_request(
            &meta.token_endpoint,
            &unknown,
            unknown.auth_method,
            None,
            form,
        );
        let ex = self
            .sc
            .send("token request (unknown client)", spec, Redirects::Stop)
            .await?;
        let resp = response_of(ex)?.clone();
        self.keep_if_success(&resp);
        Ok(())
    }

    /// The token endpoint refused the secret in the query string.
    pub fn expect_secret_in_query_refused(&mut self) -> Result<()> {
        let list = security::secret_in_query_refused(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// Refreshes with the client's id and a wrong secret.
    pub async fn refresh_with_wrong_secret(&mut self) -> Result<()> {
        let form = RelyingParty::new(self.sc, self.state).refresh_form(TokenChoice::Current)?;
        let options = ExchangeOptions {
            secret: Some(format!("wrong-{}", random_value(8))),
            ..Default::default()
        };
        let resp = self
            .rp()
            .post_token(
                "token request (refresh, wrong client secret)",
                None,
                form,
                &options,
            )
            .await?;
        self.keep_if_success(&resp);
        Ok(())
    }

    /// The latest refresh returned a new refresh token, not the one sent.
    pub fn expect_refresh_rotated(&mut self) -> Result<()> {
        let (received, sent) = self.state.latest_and_previous(|t| t.refresh_token.as_ref());
        if self.state.history.is_empty() {
            return Err(Error::step(
                "no refresh succeeded in this scenario: refresh the tokens first",
            ));
        }
        let list = security::refresh_rotated(sent, received);
        self.sc.conclude(list)
    }

    /// The latest refresh, with the refresh token from a replayed code, was refused (SHOULD).
    pub fn expect_refresh_revoked_after_code_replay(&mut self) -> Result<()> {
        let list = security::refresh_revoked_after_code_replay(self.sc.last_response()?);
        self.sc.conclude(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alteration_differs_from_the_registered_uri() {
        let registered = Url::parse("https://rp.idflow.test/callback").unwrap();
        let cases = [
            (
                "with a path appended",
                "https://rp.idflow.test/callback/evil",
            ),
            ("in another case", "https://rp.idflow.test/CALLBACK"),
            (
                "with a query added",
                "https://rp.idflow.test/callback?next=https%3A%2F%2Fattacker.idflow.test%2F",
            ),
            ("on another port", "https://rp.idflow.test:8443/callback"),
            (
                "behind the userinfo trick",
                "https://rp.idflow.test@attacker.idflow.test/callback",
            ),
            ("over plain http", "http://rp.idflow.test/callback"),
        ];
        for (words, expected) in cases {
            let how: RedirectAlteration = words.parse().unwrap();
            assert_eq!(how.apply(&registered), expected, "{words}");
        }
        let with_port = Url::parse("http://127.0.0.1:8443/cb").unwrap();
        assert_eq!(
            RedirectAlteration::OtherPort.apply(&with_port),
            "http://127.0.0.1:9443/cb"
        );
        assert_eq!(
            RedirectAlteration::UserinfoTrick.apply(&with_port),
            "http://127.0.0.1@attacker.idflow.test/cb"
        );
        assert_eq!(
            RedirectAlteration::PlainHttp.apply(&with_port),
            "https://127.0.0.1:8443/cb"
        );
        assert!(
            "sideways"
                .parse::<RedirectAlteration>()
                .unwrap_err()
                .contains("with a path appended")
        );
    }
}
