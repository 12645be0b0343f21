//! Client-Initiated Backchannel Authentication (CIBA Core 1.0) in poll mode, as MobileID uses
//! it (seed 001): the backchannel request, token polling, and redemption checks.

use serde_json::Value;

use super::relying_party::AreaClient;
use super::token::{TokenSet, token_request};
use crate::checks::Checklist;
use crate::device;
use crate::error::{Error, Result};
use crate::http::Redirects;
use crate::poll::{CibaOutcome, CibaPoller, PollAnswer};
use crate::protocol::CIBA_GRANT;
use crate::record::RecordedResponse;
use crate::scenario::response_of;

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

/// The end-user's answer on their device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceAnswer {
    Approve,
    Deny,
    /// Approves only after the client has polled this many times.
    ApproveAfterPolls(u32),
}

/// What the CIBA client remembers during a scenario.
#[derive(Debug, Default, Clone)]
pub struct CibaState {
    /// The CIBA request in progress.
    request: Option<CibaRequest>,
    /// How the latest polling loop ended.
    outcome: Option<CibaOutcome>,
}

/// The CIBA client of one scenario: the relying party's backchannel side, sharing its client,
/// metadata and tokens.
pub type CibaClient<'a> = AreaClient<'a, CibaState>;

impl CibaClient<'_> {
    /// Sends a backchannel authentication request for `user` (their MobileID user and device
    /// from the environment in `login_hint`, `acr_values=idp:mobileid`, the client's scopes),
    /// with `overrides` for any parameter. Remembers the request when it is accepted.
    pub async fn backchannel(&mut self, user: &str, overrides: &[(String, String)]) -> Result<()> {
        let meta = self.rp().metadata().await?;
        let endpoint = meta.backchannel_authentication_endpoint.clone().ok_or_else(|| {
            Error::step("the provider's discovery document has no backchannel_authentication_endpoint: it does not support CIBA")
        })?;
        let client = self.oidc.client_in(self.sc.env())?.1.clone();
        let user_cfg = self.sc.env().user(user)?;
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
        let spec = token_request(&endpoint, &client, client.auth_method, None, form);
        let ex = self.sc.send("CIBA request", spec, Redirects::Stop).await?;
        let resp = response_of(ex)?;
        self.state.request = None;
        self.state.outcome = None;
        if resp.status == 200
            && let Some(json) = resp.json()
            && let Some(id) = json.get("auth_req_id").and_then(Value::as_str)
        {
            self.sc.learn_secret(id);
            self.state.request = Some(CibaRequest {
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
    pub fn request(&self) -> Result<&CibaRequest> {
        self.state
            .request
            .as_ref()
            .ok_or_else(|| Error::step("no CIBA request was accepted in this scenario"))
    }

    /// One token request for the CIBA request, as `as_client` (default: the chosen client).
    /// Returns the answer; tokens are kept on success.
    pub async fn redeem_ciba(&mut self, as_client: Option<&str>) -> Result<(u16, PollAnswer)> {
        let auth_req_id = self.request()?.auth_req_id.clone();
        let form = vec![
            ("grant_type".to_string(), CIBA_GRANT.to_string()),
            ("auth_req_id".to_string(), auth_req_id),
        ];
        let resp = self
            .rp()
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
                self.rp().keep_tokens(TokenSet::from_json(j.clone()));
                PollAnswer::Tokens
            }
            (_, Some(j)) if j.get("error").and_then(Value::as_str).is_some() => {
                PollAnswer::Error(j["error"].as_str().unwrap_or_default().to_string())
            }
            _ => PollAnswer::Unexpected(status, crate::expect::body_preview(&resp.body, 120)),
        };
        if answer == PollAnswer::Error("slow_down".into())
            && let Some(c) = self.state.request.as_mut()
        {
            c.interval = Some(
                c.interval.unwrap_or(crate::poll::DEFAULT_INTERVAL_S)
                    + crate::poll::SLOW_DOWN_STEP_S,
            );
        }
        Ok((status, answer))
    }

    /// Polls the token endpoint until the request is answered (see [`CibaPoller`]).
    pub async fn poll_until_answered(&mut self) -> Result<()> {
        let request = self.request()?.clone();
        let clock = self.sc.clock();
        let mut poller = CibaPoller::new(&clock, request.interval, request.expires_in);
        let mut outcome = None;
        while outcome.is_none() && poller.wait(&clock).await {
            let (status, answer) = self.redeem_ciba(None).await?;
            outcome = poller.record(&clock, status, &answer);
        }
        let (outcome, timeline) = poller.finish(outcome);
        self.state.outcome = Some(outcome);
        self.sc.record_mut().push_timeline(timeline);
        Ok(())
    }

    /// Lets the clock run past the request's expiry and polls once.
    pub async fn poll_after_expiry(&mut self) -> Result<()> {
        let expires_in = self.request()?.expires_in;
        self.sc
            .clock()
            .sleep(std::time::Duration::from_secs(expires_in + 1))
            .await;
        self.redeem_ciba(None).await?;
        Ok(())
    }

    /// The provider accepted the CIBA request (CIBA Core §7.3): 200, an auth_req_id, a
    /// positive expires_in, and a positive interval when given.
    pub fn expect_accepted(&mut self) -> Result<()> {
        let list = accepted(self.sc.last_response()?);
        self.sc.conclude(list)
    }

    /// The provider refused the CIBA request with this OAuth error (CIBA Core §13).
    pub fn expect_refused(&mut self, error: &str) -> Result<()> {
        let list = super::checks::error_response(self.sc.last_response()?, error);
        self.sc.conclude(list)
    }

    /// Polling ended with tokens, and the token response passes the token checks.
    pub fn expect_tokens(&mut self) -> Result<()> {
        let outcome = self.outcome()?.clone();
        let mut list = super::checks::token_response(self.sc.last_response()?, true);
        list.subject = "the CIBA token response".into();
        list.must(
            "polling outcome",
            "CIBA Core §11",
            outcome == CibaOutcome::Tokens,
            format!("polling ended without tokens: {outcome:?}"),
        );
        self.sc.conclude(list)
    }

    /// Polling stopped at once on this error (CIBA Core §11).
    pub fn expect_stopped_with(&mut self, error: &str) -> Result<()> {
        let outcome = self.outcome()?.clone();
        let mut list = Checklist::new("CIBA polling");
        list.compare(
            "polling outcome",
            "CIBA Core §11",
            &format!("to stop with {error:?}"),
            &format!("{outcome:?}"),
            outcome == CibaOutcome::Error(error.to_string()),
        );
        self.sc.conclude(list)
    }

    /// Polling ended without tokens because the request's lifetime ran out (the client never
    /// polls past expires_in), or the provider said expired_token.
    pub fn expect_expired(&mut self) -> Result<()> {
        let outcome = self.outcome()?.clone();
        let mut list = Checklist::new("CIBA polling");
        list.compare(
            "polling outcome",
            "CIBA Core §7.3, §11",
            "to end when the request expires",
            &format!("{outcome:?}"),
            matches!(outcome, CibaOutcome::GaveUp)
                || outcome == CibaOutcome::Error("expired_token".into()),
        );
        self.sc.conclude(list)
    }

    /// The end-user answers the pending request on their device, through the environment's
    /// `device` controls.
    pub async fn answer_on_device(&mut self, answer: DeviceAnswer) -> Result<()> {
        let id = self.request()?.auth_req_id.clone();
        let env = self.sc.env();
        let (name, call) = match answer {
            DeviceAnswer::Approve => (
                "approve",
                device::control(env, "approve", |d| Some(&d.approve))?,
            ),
            DeviceAnswer::Deny => ("deny", device::control(env, "deny", |d| Some(&d.deny))?),
            DeviceAnswer::ApproveAfterPolls(_) => (
                "approve_after_polls",
                device::control(env, "approve_after_polls", |d| {
                    d.approve_after_polls.as_ref()
                })?,
            ),
        };
        let call = call.clone();
        let polls = match answer {
            DeviceAnswer::ApproveAfterPolls(n) => n.to_string(),
            _ => String::new(),
        };
        let values = [("auth_req_id", id.as_str()), ("polls", polls.as_str())];
        device::call(self.sc, &format!("device: {name}"), &call, &values).await?;
        Ok(())
    }

    /// How the latest polling loop ended.
    pub fn outcome(&self) -> Result<&CibaOutcome> {
        self.state
            .outcome
            .as_ref()
            .ok_or_else(|| Error::step("the client has not polled: use `When the client polls the token endpoint until the request is answered`"))
    }
}

/// The contract of an accepted backchannel authentication request (CIBA Core §7.3).
pub fn accepted(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the CIBA response");
    let seven_three = "CIBA Core §7.3";
    list.compare(
        "status",
        seven_three,
        "200",
        &resp.status.to_string(),
        resp.status == 200,
    );
    let json = resp.json().unwrap_or_default();
    list.must(
        "auth_req_id",
        seven_three,
        json.get("auth_req_id")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()),
        "missing",
    );
    let expires_in = json.get("expires_in");
    list.must(
        "expires_in",
        seven_three,
        expires_in.and_then(Value::as_i64).is_some_and(|n| n > 0),
        format!("expected a positive number of seconds, got {expires_in:?}"),
    );
    match json.get("interval") {
        None => list.not_applicable("interval", "absent: the client waits 5 seconds"),
        Some(i) => list.must(
            "interval",
            seven_three,
            i.as_i64().is_some_and(|n| n > 0),
            format!("expected a positive number of seconds, got {i}"),
        ),
    }
    list
}
