//! Client-Initiated Backchannel Authentication (CIBA Core 1.0) in poll mode, generic and as
//! MobileID uses it (seed 001): the backchannel request, token polling, and the checks of the
//! FAPI-CIBA plan and beyond, each named with its level and clause ([`POLL_MODE_CHECKS`]).

use serde_json::Value;

use super::relying_party::AreaClient;
use super::token::{TokenSet, token_request};
use crate::checks::Checklist;
use crate::device;
use crate::error::{Error, Result};
use crate::http::Redirects;
use crate::poll::{CibaOutcome, CibaPoller, PollAnswer};
use crate::protocol::CIBA_GRANT;
use crate::record::Level;
use crate::record::RecordedResponse;
use crate::scenario::response_of;

/// An accepted backchannel authentication request.
#[derive(Debug, Clone, PartialEq)]
pub struct CibaRequest {
    pub(crate) auth_req_id: String,
    pub(crate) expires_in: u64,
    /// The interval in force: advertised, plus 5 s for every slow_down.
    pub(crate) interval: Option<u64>,
    pub(crate) binding_message: Option<String>,
    /// The `requested_expiry` sent, as sent (form-encoded text).
    pub(crate) requested_expiry: Option<String>,
    /// The environment name of the end-user.
    pub(crate) user: String,
}

/// One token request the client sends on its own, outside a polling loop: what it tests
/// names the check its answer is held to ([`SinglePoll::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinglePoll {
    /// After waiting the interval in force, before the end-user has answered.
    AfterInterval,
    /// At once, without waiting the interval.
    TooEarly,
    /// After the request's lifetime (`expires_in`) has passed.
    AfterExpiry,
    /// Once more, after the tokens were issued.
    Again,
    /// By another client (its environment name).
    By(String),
}

impl SinglePoll {
    /// The name and clause of the check the poll's answer is held to (level MUST).
    pub fn check(&self) -> (&'static str, &'static str) {
        match self {
            SinglePoll::AfterInterval => (
                FIRST_POLL,
                "CIBA Core §11 (authorization_pending, slow_down)",
            ),
            SinglePoll::TooEarly => (SLOW_DOWN, "CIBA Core §7.3 (interval), §11 (slow_down)"),
            SinglePoll::AfterExpiry => {
                (EXPIRED, "CIBA Core §7.3 (expires_in), §11 (expired_token)")
            }
            SinglePoll::Again => (
                SINGLE_USE,
                "CIBA Core §11 (invalid_grant: the auth_req_id is invalid)",
            ),
            SinglePoll::By(_) => (
                OWN_CLIENT,
                "CIBA Core §11 (invalid_grant: issued to another client)",
            ),
        }
    }
}

/// Check names of CIBA poll mode, as the reports and `tests/cli.rs` name them.
pub const FIRST_POLL: &str = "first poll";
pub const SLOW_DOWN: &str = "slow_down when polled early";
pub const EXPIRED: &str = "expired_token after expires_in";
pub const SINGLE_USE: &str = "auth_req_id single use";
pub const OWN_CLIENT: &str = "auth_req_id bound to its client";
pub const INTERVAL_BOUND: &str = "interval upper bound";
pub const LIFETIME: &str = "expires_in against requested_expiry";
pub const EXPIRY_AS_TEXT: &str = "requested_expiry as a string";
pub const ONE_HINT: &str = "one hint only";
pub const OPENID_SCOPE: &str = "openid scope";
pub const BINDING_MESSAGE: &str = "unacceptable binding message";
pub const UNKNOWN_USER: &str = "unknown user";

/// The longest polling interval idflow calls sane, in seconds. CIBA Core §7.3 sets no upper
/// bound; an interval above a minute makes a decoupled login wait longer than users do.
pub const MAX_SANE_INTERVAL_S: i64 = 60;

/// The checks of CIBA poll mode beyond the response contracts: name, level, clause.
pub const POLL_MODE_CHECKS: &[(&str, Level, &str)] = &[
    (FIRST_POLL, Level::Must, "CIBA Core §11"),
    (
        "interval",
        Level::Must,
        "CIBA Core §7.3 (a positive integer)",
    ),
    (
        INTERVAL_BOUND,
        Level::BestPractice,
        "CIBA Core §7.3 (no upper bound in the spec; idflow's 60 s)",
    ),
    (
        "expires_in",
        Level::Must,
        "CIBA Core §7.3 (REQUIRED, a positive integer)",
    ),
    (
        LIFETIME,
        Level::BestPractice,
        "CIBA Core §7.1 (the OP MAY use requested_expiry, and is encouraged to)",
    ),
    (EXPIRED, Level::Must, "CIBA Core §7.3, §11"),
    (OWN_CLIENT, Level::Must, "CIBA Core §11"),
    (SINGLE_USE, Level::Must, "CIBA Core §11"),
    (
        EXPIRY_AS_TEXT,
        Level::Must,
        "CIBA Core §7.1 (form-encoded: every value is text)",
    ),
    (
        ONE_HINT,
        Level::Must,
        "CIBA Core §7.1 (one and only one hint), §13 (invalid_request)",
    ),
    (
        BINDING_MESSAGE,
        Level::Must,
        "CIBA Core §13 (invalid_binding_message)",
    ),
    (
        SLOW_DOWN,
        Level::Must,
        "CIBA Core §7.3, §11 (with capability ciba_slow_down)",
    ),
    (UNKNOWN_USER, Level::Must, "CIBA Core §13 (unknown_user_id)"),
    (
        OPENID_SCOPE,
        Level::Must,
        "CIBA Core §7.1 (scope MUST contain openid), §13",
    ),
];

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
    /// The form of the latest backchannel request (it names the check of a refusal).
    sent: Vec<(String, String)>,
    /// The latest token request sent outside a polling loop.
    single: Option<SinglePoll>,
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
        let value_of = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let binding_message = value_of("binding_message");
        let requested_expiry = value_of("requested_expiry");
        self.state.sent = form.clone();
        let spec = token_request(&endpoint, &client, client.auth_method, None, form);
        let ex = self.sc.send("CIBA request", spec, Redirects::Stop).await?;
        let resp = response_of(ex)?;
        self.state.request = None;
        self.state.outcome = None;
        self.state.single = None;
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
                requested_expiry,
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
                c.interval
                    .filter(|&n| n > 0)
                    .unwrap_or(crate::poll::DEFAULT_INTERVAL_S)
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

    /// One token request outside a polling loop: waits as `kind` says (the interval in force,
    /// or past the request's expiry), then polls, as another client for [`SinglePoll::By`].
    pub async fn poll_single(&mut self, kind: SinglePoll) -> Result<()> {
        let request = self.request()?.clone();
        let wait = match kind {
            SinglePoll::AfterInterval => request
                .interval
                .filter(|&n| n > 0)
                .unwrap_or(crate::poll::DEFAULT_INTERVAL_S),
            SinglePoll::AfterExpiry => request.expires_in + 1,
            _ => 0,
        };
        self.sc
            .clock()
            .sleep(std::time::Duration::from_secs(wait))
            .await;
        let as_client = match &kind {
            SinglePoll::By(name) => Some(name.clone()),
            _ => None,
        };
        self.redeem_ciba(as_client.as_deref()).await?;
        self.state.single = Some(kind);
        Ok(())
    }

    /// The answer to the latest single poll is one of `expected` (`"a or b"`), held to the
    /// check its kind names (CIBA Core §11).
    pub fn expect_poll_answer(&mut self, expected: &str) -> Result<()> {
        let kind = self.state.single.clone().ok_or_else(|| {
            Error::step("the client has sent no single poll: use `When the client polls the token endpoint once`")
        })?;
        let (name, clause) = kind.check();
        let codes: Vec<&str> = expected.split(" or ").map(str::trim).collect();
        let mut list = refusal(self.sc.last_response()?, name, clause, &codes);
        list.subject = "the CIBA token response".into();
        self.sc.conclude(list)
    }

    /// The provider chose a lifetime no longer than the client asked for (CIBA Core §7.1:
    /// the OP MAY use requested_expiry and is encouraged to; a best practice).
    pub fn expect_lifetime_within_requested(&mut self) -> Result<()> {
        let request = self.request()?.clone();
        let requested = request
            .requested_expiry
            .as_deref()
            .ok_or_else(|| Error::step("the CIBA request sent no requested_expiry"))?;
        let requested: u64 = requested.parse().map_err(|_| {
            Error::step(format!(
                "requested_expiry {requested:?} is not a number of seconds"
            ))
        })?;
        let mut list = Checklist::new("the CIBA response");
        list.add(
            LIFETIME,
            Level::BestPractice,
            "CIBA Core §7.1 (requested_expiry: the OP MAY use it and is encouraged to)",
            request.expires_in <= requested,
            format!(
                "expires_in {} s is longer than the requested {requested} s",
                request.expires_in
            ),
        );
        self.sc.conclude(list)
    }

    /// The provider accepted the CIBA request (CIBA Core §7.3): 200, an auth_req_id, a
    /// positive expires_in, and a positive interval when given.
    pub fn expect_accepted(&mut self) -> Result<()> {
        let resp = self.sc.last_response()?;
        let mut list = accepted(resp);
        if let Some((_, value)) = self
            .state
            .sent
            .iter()
            .find(|(k, _)| k == "requested_expiry")
        {
            list.must(
                EXPIRY_AS_TEXT,
                "CIBA Core §7.1 (form-encoded: every value is text)",
                resp.status == 200,
                format!("requested_expiry={value} was refused with {}", resp.status),
            );
        }
        self.sc.conclude(list)
    }

    /// The provider refused the CIBA request with this OAuth error, or one of `"a or b"`
    /// (CIBA Core §13), held to the check the request names ([`refusal_check`]).
    pub fn expect_refused(&mut self, error: &str) -> Result<()> {
        let codes: Vec<&str> = error.split(" or ").map(str::trim).collect();
        let (name, clause) = refusal_check(&self.state.sent, &codes);
        let mut list = refusal(self.sc.last_response()?, name, clause, &codes);
        list.subject = "the CIBA response".into();
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
            format!("polling ended without tokens: {outcome}"),
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
            &format!("to stop with error {error:?}"),
            &outcome.to_string(),
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
            &outcome.to_string(),
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

/// The check a refused backchannel request is held to, from what it sent and the errors
/// expected: its name and clause.
pub fn refusal_check(sent: &[(String, String)], expected: &[&str]) -> (&'static str, &'static str) {
    let has = |name: &str| sent.iter().any(|(k, v)| k == name && !v.is_empty());
    let hints = ["login_hint", "id_token_hint", "login_hint_token"]
        .into_iter()
        .filter(|h| has(h))
        .count();
    let scope_has_openid = sent
        .iter()
        .any(|(k, v)| k == "scope" && v.split_whitespace().any(|s| s == "openid"));
    if expected.contains(&"invalid_binding_message") {
        (BINDING_MESSAGE, "CIBA Core §13 (invalid_binding_message)")
    } else if expected.contains(&"unknown_user_id") {
        (UNKNOWN_USER, "CIBA Core §13 (unknown_user_id)")
    } else if hints > 1 {
        (
            ONE_HINT,
            "CIBA Core §7.1 (one and only one hint), §13 (invalid_request)",
        )
    } else if !scope_has_openid {
        (
            OPENID_SCOPE,
            "CIBA Core §7.1 (scope MUST contain openid), §13",
        )
    } else {
        ("error", "CIBA Core §13")
    }
}

/// An OAuth error answer (RFC 6749 §5.2's shape and hygiene) whose `error` is one of
/// `expected`, held to the check `name` (level MUST) with `clause`.
pub fn refusal(resp: &RecordedResponse, name: &str, clause: &str, expected: &[&str]) -> Checklist {
    let first = expected.first().copied().unwrap_or_default();
    let mut list = super::checks::error_response(resp, first);
    let json = resp.json().unwrap_or_default();
    let error = json.get("error").and_then(Value::as_str);
    let wanted = expected
        .iter()
        .map(|e| format!("{e:?}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let got = match (resp.status, error) {
        (200, _) => "200 with tokens or an acknowledgement".to_string(),
        (status, Some(e)) => format!("{status} {e:?}"),
        (status, None) => format!("{status} without an error"),
    };
    // The named check replaces the generic `error` comparison.
    list.checks.retain(|c| c.name != "error");
    let holds = error.is_some_and(|e| expected.contains(&e));
    list.compare(name, clause, &wanted, &got, holds);
    list
}

/// The contract of an accepted backchannel authentication request (CIBA Core §7.3).
pub fn accepted(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the CIBA response");
    let seven_three = "CIBA Core §7.3";
    list.status(seven_three, 200, resp.status);
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
        format!(
            "expected a positive number of seconds, got {}",
            super::checks::json_or_absent(expires_in)
        ),
    );
    match json.get("interval") {
        None => {
            list.not_applicable("interval", "absent: the client waits 5 seconds");
            list.not_applicable(INTERVAL_BOUND, "absent: the client waits 5 seconds");
        }
        Some(i) => {
            list.must(
                "interval",
                seven_three,
                i.as_i64().is_some_and(|n| n > 0),
                format!("expected a positive number of seconds, got {i}"),
            );
            list.add(
                INTERVAL_BOUND,
                Level::BestPractice,
                "CIBA Core §7.3 (no upper bound in the spec; idflow's 60 s)",
                i.as_i64().is_some_and(|n| n <= MAX_SANE_INTERVAL_S),
                format!("{i} s between polls keeps the end-user waiting; at most {MAX_SANE_INTERVAL_S} s is sane"),
            );
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn response(status: u16, body: &str) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            body_size: body.len(),
        }
    }

    fn verdict_of(list: &Checklist, name: &str) -> Option<(Outcome, Level)> {
        list.checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.verdict, c.level))
    }

    /// Before: a missing expires_in read `got None`, a string one `got Some(String("60"))`,
    /// and a polling outcome `Error("access_denied")`.
    #[test]
    fn the_ciba_checks_say_what_came_in_words_not_in_rust() {
        let missing = accepted(&response(200, r#"{"auth_req_id":"r1"}"#)).failure();
        assert!(missing.contains("got absent"), "{missing}");
        let text = accepted(&response(200, r#"{"auth_req_id":"r1","expires_in":"60"}"#)).failure();
        assert!(text.contains(r#"got "60""#), "{text}");
        for failure in [missing, text] {
            assert!(
                !failure.contains("None") && !failure.contains("Some("),
                "{failure}"
            );
        }
        let denied = CibaOutcome::Error("access_denied".into());
        assert_eq!(denied.to_string(), r#"error "access_denied""#);
        assert_eq!(CibaOutcome::Tokens.to_string(), "tokens");
        assert_eq!(
            CibaOutcome::GaveUp.to_string(),
            "no answer before the request expired"
        );
    }

    #[test]
    fn a_refusal_is_named_by_what_the_request_did_wrong() {
        let ok = [("scope", "openid"), ("login_hint", "alice")];
        assert_eq!(
            refusal_check(&form(&ok), &["invalid_binding_message"]).0,
            BINDING_MESSAGE
        );
        assert_eq!(
            refusal_check(&form(&ok), &["unknown_user_id"]).0,
            UNKNOWN_USER
        );
        let two = [
            ("scope", "openid"),
            ("login_hint", "a"),
            ("id_token_hint", "b"),
        ];
        assert_eq!(refusal_check(&form(&two), &["invalid_request"]).0, ONE_HINT);
        let profile = [("scope", "profile"), ("login_hint", "alice")];
        let codes = ["invalid_scope", "invalid_request"];
        assert_eq!(refusal_check(&form(&profile), &codes).0, OPENID_SCOPE);
        assert_eq!(refusal_check(&form(&ok), &["invalid_request"]).0, "error");
    }

    #[test]
    fn a_refusal_accepts_any_of_the_expected_errors_and_fails_on_tokens() {
        let pending = response(400, r#"{"error":"slow_down"}"#);
        let codes = ["authorization_pending", "slow_down"];
        let list = refusal(&pending, FIRST_POLL, "CIBA Core §11", &codes);
        assert!(list.verdict().is_ok());
        assert!(list.checks.iter().all(|c| c.name != "error"));
        let tokens = response(200, r#"{"access_token":"x"}"#);
        let list = refusal(&tokens, SINGLE_USE, "CIBA Core §11", &["invalid_grant"]);
        assert_eq!(verdict_of(&list, SINGLE_USE).unwrap().0, Outcome::Failed);
        let err = list.failure();
        assert!(err.contains(SINGLE_USE), "{err}");
    }

    #[test]
    fn the_acknowledgement_bounds_the_interval_as_a_best_practice() {
        let sane = response(200, r#"{"auth_req_id":"r","expires_in":120,"interval":5}"#);
        assert_eq!(
            verdict_of(&accepted(&sane), INTERVAL_BOUND),
            Some((Outcome::Passed, Level::BestPractice))
        );
        let slow = response(200, r#"{"auth_req_id":"r","expires_in":120,"interval":75}"#);
        let list = accepted(&slow);
        assert_eq!(
            verdict_of(&list, INTERVAL_BOUND),
            Some((Outcome::Failed, Level::BestPractice))
        );
        assert!(list.verdict().is_ok(), "a best practice only warns");
        let zero = response(200, r#"{"auth_req_id":"r","expires_in":120,"interval":0}"#);
        assert!(accepted(&zero).verdict().is_err());
        let no_lifetime = response(200, r#"{"auth_req_id":"r"}"#);
        assert!(accepted(&no_lifetime).failed("expires_in"));
    }

    #[test]
    fn every_single_poll_names_a_listed_check() {
        let kinds = [
            SinglePoll::AfterInterval,
            SinglePoll::TooEarly,
            SinglePoll::AfterExpiry,
            SinglePoll::Again,
            SinglePoll::By("web".into()),
        ];
        for kind in kinds {
            let (name, _) = kind.check();
            assert!(
                POLL_MODE_CHECKS.iter().any(|(n, _, _)| *n == name),
                "{name}"
            );
        }
    }
}
