//! Client-Initiated Backchannel Authentication (CIBA Core 1.0) in poll mode, as MobileID uses
//! it (seed 001): the backchannel request, token polling, and redemption checks.

use serde_json::Value;

use super::flow::{Flow, response_of};
use super::token::{TokenSet, token_request};
use crate::error::{Error, Result};
use crate::http::Redirects;
use crate::poll::{CibaOutcome, CibaPoller, PollAnswer};
use crate::protocol::CIBA_GRANT;
use crate::report::model::PollTimeline;

/// An accepted backchannel authentication request.
#[derive(Debug, Clone, PartialEq)]
pub struct CibaRequest {
    pub auth_req_id: String,
    pub expires_in: u64,
    /// The interval in force: advertised, plus 5 s for every slow_down.
    pub interval: Option<u64>,
    pub binding_message: Option<String>,
    /// The environment name of the end-user.
    pub user: String,
}

impl Flow<'_> {
    /// Sends a backchannel authentication request for `user` (their MobileID user and device
    /// from the environment in `login_hint`, `acr_values=idp:mobileid`, the client's scopes),
    /// with `overrides` for any parameter. Remembers the request when it is accepted.
    pub async fn backchannel(&mut self, user: &str, overrides: &[(String, String)]) -> Result<()> {
        let meta = self.metadata().await?;
        let endpoint = meta.backchannel_authentication_endpoint.clone().ok_or_else(|| {
            Error::step("the provider's discovery document has no backchannel_authentication_endpoint: it does not support CIBA")
        })?;
        let user_cfg = self.ctx.env.user(user)?;
        let (_, client) = self.client()?;
        // A MobileID user is named by user and device id with `idp:mobileid` (seed 001); any
        // other user by their login name (CIBA Core §7.1 login_hint).
        let mut form: Vec<(String, String)> = vec![("scope".into(), client.scopes.join(" "))];
        match user_cfg.mobileid.as_ref() {
            Some(m) => {
                form.push(("acr_values".into(), "idp:mobileid".into()));
                form.push((
                    "login_hint".into(),
                    format!("userId:{} deviceId:{}", &*m.user_id, &*m.device_id),
                ));
            }
            None => form.push(("login_hint".into(), user_cfg.username.to_string())),
        }
        for (k, v) in overrides {
            match form.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = v.clone(),
                None => form.push((k.clone(), v.clone())),
            }
        }
        form.retain(|(_, v)| v != super::OMITTED);
        let binding_message = form
            .iter()
            .find(|(k, _)| k == "binding_message")
            .map(|(_, v)| v.clone());
        let client = client.clone();
        let spec = token_request(&endpoint, &client, client.auth_method, None, form);
        let ex = self
            .session
            .send("CIBA request", spec, Redirects::Stop)
            .await?;
        let resp = response_of(ex)?;
        self.state.ciba = None;
        self.state.ciba_outcome = None;
        if resp.status == 200
            && let Some(json) = resp.json()
            && let Some(id) = json.get("auth_req_id").and_then(Value::as_str)
        {
            self.redactor.learn(id);
            self.state.ciba = Some(CibaRequest {
                auth_req_id: id.to_string(),
                expires_in: json.get("expires_in").and_then(Value::as_u64).unwrap_or(0),
                interval: json.get("interval").and_then(Value::as_u64),
                binding_message,
                user: user.to_string(),
            });
        }
        Ok(())
    }

    /// The CIBA request in progress.
    pub fn ciba(&self) -> Result<&CibaRequest> {
        self.state
            .ciba
            .as_ref()
            .ok_or_else(|| Error::step("no CIBA request was accepted in this scenario"))
    }

    /// One token request for the CIBA request, as `as_client` (default: the chosen client).
    /// Returns the answer; tokens are kept on success.
    pub async fn redeem_ciba(&mut self, as_client: Option<&str>) -> Result<(u16, PollAnswer)> {
        let auth_req_id = self.ciba()?.auth_req_id.clone();
        let form = vec![
            ("grant_type".to_string(), CIBA_GRANT.to_string()),
            ("auth_req_id".to_string(), auth_req_id),
        ];
        let resp = self
            .post_token(
                "token request (CIBA poll)",
                as_client,
                form,
                &Default::default(),
            )
            .await?;
        let status = resp.status;
        let json = resp.json();
        let answer = match (status, &json) {
            (200, Some(j)) => {
                self.keep_tokens(TokenSet::from_json(j.clone()));
                PollAnswer::Tokens
            }
            (_, Some(j)) if j.get("error").and_then(Value::as_str).is_some() => {
                PollAnswer::Error(j["error"].as_str().unwrap_or_default().to_string())
            }
            _ => PollAnswer::Unexpected(status, crate::expect::body_preview(&resp.body, 120)),
        };
        if answer == PollAnswer::Error("slow_down".into())
            && let Some(c) = self.state.ciba.as_mut()
        {
            c.interval = Some(
                c.interval.unwrap_or(crate::poll::DEFAULT_INTERVAL_S)
                    + crate::poll::SLOW_DOWN_STEP_S,
            );
        }
        Ok((status, answer))
    }

    /// Polls the token endpoint until the request is answered (see [`CibaPoller`]).
    pub async fn poll_until_answered(&mut self) -> Result<PollTimeline> {
        let request = self.ciba()?.clone();
        let clock = self.clock.clone();
        let mut poller = CibaPoller::new(&clock, request.interval, request.expires_in);
        let mut outcome = None;
        while outcome.is_none() && poller.wait(&clock).await {
            let (status, answer) = self.redeem_ciba(None).await?;
            outcome = poller.record(&clock, status, &answer);
        }
        let (outcome, timeline) = poller.finish(outcome);
        self.state.ciba_outcome = Some(outcome);
        Ok(timeline)
    }

    /// Lets the clock run past the request's expiry and polls once.
    pub async fn poll_after_expiry(&mut self) -> Result<()> {
        let expires_in = self.ciba()?.expires_in;
        self.clock
            .sleep(std::time::Duration::from_secs(expires_in + 1))
            .await;
        self.redeem_ciba(None).await?;
        Ok(())
    }

    /// How the latest polling loop ended.
    pub fn ciba_outcome(&self) -> Result<&CibaOutcome> {
        self.state
            .ciba_outcome
            .as_ref()
            .ok_or_else(|| Error::step("the client has not polled: use `When the client polls the token endpoint until the request is answered`"))
    }
}
