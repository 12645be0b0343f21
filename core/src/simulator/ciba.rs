//! CIBA (poll mode): MobileID over CIBA and generic CIBA, the backchannel authentication
//! endpoint, the simulated device the test-only control endpoints drive, and the CIBA grant at
//! the token endpoint.
//!
//! `POST /auth/open/connect/ciba` (form-encoded, client authentication as at the token endpoint)
//! starts a request. With MobileID acr values (`idp:mobileid`, `authLevel:…`) it is a MobileID
//! operation for the configured user whose MobileID `user_id` and `device_id` the `login_hint`
//! names; otherwise it is generic CIBA (CIBA Core 1.0 §7.1): the `login_hint` is the login name
//! of any configured user, and the ID token carries no MobileID claim. Either way exactly one
//! hint (`login_hint`, `id_token_hint`, `login_hint_token`) is accepted, only `login_hint` is
//! understood, and `scope` must hold `openid`. The device never answers by itself: `POST /__simulator/ciba/{id}/approve`,
//! `/deny` or `/approve-after?polls=N` decide; without them the request expires on the clock.
//!
//! The ID token carries MobileID claims by scope. `mobileid`: `mobileid_transaction_id`,
//! `mobileid_user_id`, `mobileid_device_id`, `mobileid_device_name` (if configured),
//! `mobileid_state`, `mobileid_created`, `mobileid_requested_expiry`, `mobileid_auth_level`,
//! `mobileid_auth_method`, `mobileid_binding_message` (if sent). `mobileid-extra` adds
//! `mobileid_push_sent`, `mobileid_risk_attributes`, `mobileid_pre_operation_context_mime_type`
//! and `mobileid_external_ref` (if configured). Values are strings, as in seed 001.

use super::server::{Request, Response};
use serde_json::{Map, Value, json};

use super::Defect;
use super::id_token::{self, Extras};
use super::setup::{SimClient, SimUser};
use super::state::{Grant, Shared, random_token};
use super::token::authenticate;
use super::web::{Params, is_form, is_method, json_response, method_not_allowed, oauth_error};
use crate::clock::format_unix_time;

/// `expires_in` when the request names no `requested_expiry`, in seconds.
pub(crate) const DEFAULT_EXPIRY: i64 = 120;
/// The longest `requested_expiry` accepted (Signicat's default SESSION_EXPIRY), in seconds.
pub(crate) const MAX_EXPIRY: i64 = 187_200;
/// The polling interval announced, in seconds.
pub(crate) const DEFAULT_INTERVAL: i64 = 5;
/// How much the interval grows after a `slow_down` (CIBA Core §11), in seconds.
pub(crate) const SLOW_DOWN_STEP: i64 = 5;
/// The ACR value naming MobileID.
pub(crate) const ACR_MOBILEID: &str = "idp:mobileid";
/// The keys of MobileID's `key:value` acr values: any of them makes a request a MobileID one.
const MOBILEID_ACR_KEYS: &[&str] = &["idp", "authLevel", "authMethod", "sendPush"];
/// The interval announced with the `ciba_interval_too_long` defect, in seconds.
const TOO_LONG_INTERVAL: i64 = 75;
/// The hints of CIBA Core §7.1, of which a request carries exactly one.
const HINTS: &[&str] = &["login_hint", "id_token_hint", "login_hint_token"];
/// The longest binding message accepted, in characters.
pub(crate) const MAX_BINDING_MESSAGE: usize = 255;
/// The risk attributes the simulated device reports.
const RISK_ATTRIBUTES: &str = "isDebuggerConnected=false, isEmulator=false, deviceHash=aWRmbG93LXNpbXVsYXRvci1kZXZpY2U=, operatingSystemVersion=14";

/// Every MobileID claim a CIBA ID token can carry (for discovery's `claims_supported`).
pub(crate) const CLAIM_NAMES: &[&str] = &[
    "mobileid_transaction_id",
    "mobileid_user_id",
    "mobileid_device_id",
    "mobileid_device_name",
    "mobileid_state",
    "mobileid_created",
    "mobileid_requested_expiry",
    "mobileid_auth_level",
    "mobileid_auth_method",
    "mobileid_binding_message",
    "mobileid_push_sent",
    "mobileid_risk_attributes",
    "mobileid_pre_operation_context_mime_type",
    "mobileid_external_ref",
];

/// What the simulated device has done with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The user has not answered (yet).
    Pending,
    /// The user approved, at this time.
    Approved { at: i64 },
    /// The user denied.
    Denied,
    /// The user approves once the client has polled this many times.
    ApproveAfter(u32),
}

/// One backchannel authentication request and its device.
#[derive(Debug, Clone)]
pub(crate) struct CibaRequest {
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) binding_message: Option<String>,
    pub(crate) auth_level: String,
    pub(crate) auth_method: String,
    pub(crate) send_push: bool,
    pub(crate) transaction_id: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    /// The interval the client must keep between polls, in seconds (grows after slow_down).
    pub(crate) interval: i64,
    /// When the client last polled, in Unix milliseconds.
    pub(crate) last_poll_ms: Option<i64>,
    /// How many times the client has polled.
    pub(crate) polls: u32,
    pub(crate) decision: Decision,
    pub(crate) redeemed: bool,
    /// A MobileID operation (else generic CIBA: no MobileID claims, no acr).
    pub(crate) mobileid: bool,
}

/// The validated parameters of a backchannel request.
struct Parsed<'a> {
    user: &'a SimUser,
    scopes: Vec<String>,
    expiry: i64,
    binding_message: Option<String>,
    auth_level: String,
    auth_method: String,
    send_push: bool,
    mobileid: bool,
}

fn bad(error: &str, description: &str) -> Response {
    oauth_error(400, error, description)
}

/// A binding message may not exceed 255 characters nor carry control characters.
fn binding_message_ok(message: &str) -> bool {
    message.chars().count() <= MAX_BINDING_MESSAGE && !message.chars().any(char::is_control)
}

fn parse<'a>(shared: &'a Shared, params: &Params) -> Result<Parsed<'a>, Response> {
    let scopes: Vec<String> = params.words("scope");
    if !scopes.iter().any(|s| s == "openid") && !shared.has(Defect::CibaOpenidScopeNotRequired) {
        return Err(bad("invalid_scope", "scope must contain openid"));
    }
    let hints = HINTS
        .iter()
        .filter(|h| params.get(h).is_some_and(|v| !v.is_empty()))
        .count();
    if hints > 1 && !shared.has(Defect::CibaSeveralHintsAccepted) {
        return Err(bad(
            "invalid_request",
            "send exactly one of login_hint, id_token_hint and login_hint_token",
        ));
    }
    let acr_values = params.get("acr_values").unwrap_or_default();
    let mobileid = acr_values.split_whitespace().any(|v| {
        v.split_once(':')
            .is_some_and(|(k, _)| MOBILEID_ACR_KEYS.contains(&k))
    });
    let mut acr = std::collections::BTreeMap::new();
    if mobileid {
        for value in acr_values.split_whitespace() {
            match value.split_once(':') {
                Some((k, v)) => {
                    acr.insert(k.to_string(), v.to_string());
                }
                None => {
                    return Err(bad(
                        "invalid_request",
                        &format!("acr value {value} is not key:value"),
                    ));
                }
            }
        }
        if acr.get("idp").map(String::as_str) != Some("mobileid") {
            return Err(bad(
                "invalid_request",
                "acr_values must contain idp:mobileid",
            ));
        }
    }
    let send_push = match acr.get("sendPush").map(String::as_str) {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(bad(
                "invalid_request",
                &format!("sendPush must be true or false, not {other}"),
            ));
        }
    };
    let expiry = match params.get("requested_expiry") {
        None => DEFAULT_EXPIRY,
        Some(_) if shared.has(Defect::CibaRequestedExpiryRefused) => {
            return Err(bad(
                "invalid_request",
                "requested_expiry must be a JSON number",
            ));
        }
        Some(_) if shared.has(Defect::CibaRequestedExpiryIgnored) => DEFAULT_EXPIRY,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_EXPIRY).contains(&n) => n,
            _ => {
                return Err(bad(
                    "invalid_request",
                    &format!("requested_expiry must be a number of seconds from 1 to {MAX_EXPIRY}"),
                ));
            }
        },
    };
    let binding_message = params.get("binding_message").map(str::to_string);
    if let Some(message) = &binding_message
        && !binding_message_ok(message)
        && !shared.has(Defect::CibaBindingMessageUnchecked)
    {
        return Err(bad(
            "invalid_binding_message",
            &format!(
                "binding_message must be at most {MAX_BINDING_MESSAGE} characters without control characters"
            ),
        ));
    }
    let Some(hint) = params.get("login_hint") else {
        let what = if mobileid {
            "login_hint is missing: send userId:<id> deviceId:<id>"
        } else {
            "login_hint is missing: send the user's login name (id_token_hint and login_hint_token are not supported)"
        };
        return Err(bad("invalid_request", what));
    };
    let user = if mobileid {
        mobileid_user(shared, hint)?
    } else {
        generic_user(shared, hint)?
    };
    Ok(Parsed {
        user,
        scopes,
        expiry,
        binding_message,
        auth_level: acr
            .get("authLevel")
            .cloned()
            .unwrap_or_else(|| "TWO_FACTOR".into()),
        auth_method: acr
            .get("authMethod")
            .cloned()
            .unwrap_or_else(|| "DEVICE_PIN".into()),
        send_push,
        mobileid,
    })
}

/// The MobileID user a `login_hint` of `userId:<id> deviceId:<id>` names.
fn mobileid_user<'a>(shared: &'a Shared, hint: &str) -> Result<&'a SimUser, Response> {
    let mut user_id = None;
    let mut device_id = None;
    for part in hint.split_whitespace() {
        match part.split_once(':') {
            Some(("userId", v)) => user_id = Some(v),
            Some(("deviceId", v)) => device_id = Some(v),
            _ => {}
        }
    }
    let (Some(user_id), Some(device_id)) = (user_id, device_id) else {
        return Err(bad(
            "invalid_request",
            "login_hint must name userId:<id> and deviceId:<id>, space separated",
        ));
    };
    shared
        .users
        .iter()
        .find(|u| {
            u.mobileid
                .as_ref()
                .is_some_and(|m| m.user_id == user_id && m.device_id == device_id)
        })
        .ok_or_else(|| {
            bad(
                "unknown_user_id",
                "no MobileID user with this userId and deviceId",
            )
        })
}

/// The user a generic `login_hint` names by login name (CIBA Core §7.1); with the
/// `ciba_unknown_user_accepted` defect an unknown name falls back to the first user.
fn generic_user<'a>(shared: &'a Shared, hint: &str) -> Result<&'a SimUser, Response> {
    let found = shared.user(hint).or_else(|| {
        shared
            .has(Defect::CibaUnknownUserAccepted)
            .then(|| shared.users.first())
            .flatten()
    });
    found.ok_or_else(|| bad("unknown_user_id", "no user with this login name"))
}

/// `POST /auth/open/connect/ciba`: starts a MobileID operation.
pub(crate) fn backchannel(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return method_not_allowed(req, "POST");
    }
    if !is_form(req) {
        return bad(
            "invalid_request",
            "backchannel authentication requests must be form-encoded (Content-Type: application/x-www-form-urlencoded)",
        );
    }
    let params = match Params::form(req) {
        Ok(p) => p,
        Err(e) => return bad("invalid_request", &e),
    };
    let client = match authenticate(shared, req, &params) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let parsed = match parse(shared, &params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let now = shared.now();
    let id = random_token();
    let announced = if shared.has(Defect::CibaIntervalTooLong) {
        TOO_LONG_INTERVAL
    } else if shared.has(Defect::CibaIntervalZero) {
        0
    } else {
        DEFAULT_INTERVAL
    };
    let request = CibaRequest {
        client_id: client.id.clone(),
        username: parsed.user.username.clone(),
        sub: parsed.user.sub.clone(),
        scopes: parsed.scopes,
        binding_message: parsed.binding_message,
        auth_level: parsed.auth_level,
        auth_method: parsed.auth_method,
        send_push: parsed.send_push,
        transaction_id: random_token(),
        created_at: now,
        expires_at: now + parsed.expiry,
        interval: if announced > 0 {
            announced
        } else {
            DEFAULT_INTERVAL
        },
        // The interval counts from the backchannel response too: CIBA Core §7.3 asks the
        // client to wait `interval` before its first poll.
        last_poll_ms: Some(shared.now_millis()),
        polls: 0,
        decision: Decision::Pending,
        redeemed: false,
        mobileid: parsed.mobileid,
    };
    let mut state = shared.state();
    state
        .ciba
        .retain(|_, r| r.expires_at + DEFAULT_EXPIRY > now);
    state.ciba.insert(id.clone(), request);
    let mut body = json!({"auth_req_id": id, "expires_in": parsed.expiry, "interval": announced});
    if shared.has(Defect::CibaExpiresInMissing)
        && let Some(fields) = body.as_object_mut()
    {
        fields.remove("expires_in");
    }
    json_response(200, &body).insert_header("cache-control", "no-store")
}

/// `POST /__simulator/ciba/{auth_req_id}/{approve|deny|approve-after?polls=N}` (test only).
pub(crate) fn control(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return method_not_allowed(req, "POST");
    }
    let segments: Vec<&str> = req.path().split('/').collect();
    // ["", "__simulator", "ciba", id, action]
    let (Some(id), Some(action)) = (segments.get(3), segments.get(4)) else {
        return super::web::not_found(req);
    };
    let decision = match *action {
        "approve" => Decision::Approved { at: shared.now() },
        "deny" => Decision::Denied,
        "approve-after" => {
            let polls = Params::query(req)
                .ok()
                .and_then(|p| p.get("polls").and_then(|n| n.parse::<u32>().ok()));
            match polls {
                Some(n) => Decision::ApproveAfter(n),
                None => {
                    return bad(
                        "invalid_request",
                        "approve-after needs ?polls=N (a whole number)",
                    );
                }
            }
        }
        _ => return super::web::not_found(req),
    };
    let mut state = shared.state();
    let Some(request) = state.ciba.get_mut(*id) else {
        return json_response(
            404,
            &json!({"error": "not_found", "error_description": "unknown auth_req_id"}),
        );
    };
    if request.redeemed {
        return json_response(
            409,
            &json!({"error": "already_redeemed", "error_description": "the tokens of this request were already issued"}),
        );
    }
    request.decision = match decision {
        Decision::ApproveAfter(n) if request.polls >= n => Decision::Approved { at: shared.now() },
        other => other,
    };
    Response::new(204)
}

fn invalid_grant(description: &str) -> Response {
    bad("invalid_grant", description)
}

/// The MobileID claims of a request, by scope, with the defects applied.
fn mobileid_claims(shared: &Shared, request: &CibaRequest) -> Map<String, Value> {
    let mut out = Map::new();
    let has = |s: &str| request.scopes.iter().any(|x| x == s);
    let registration = shared
        .user(&request.username)
        .and_then(|u| u.mobileid.clone())
        .unwrap_or_default();
    if has("mobileid") {
        out.insert(
            "mobileid_transaction_id".into(),
            json!(request.transaction_id),
        );
        out.insert("mobileid_user_id".into(), json!(registration.user_id));
        if !shared.has(Defect::MobileidClaimMissing) {
            out.insert("mobileid_device_id".into(), json!(registration.device_id));
        }
        if let Some(name) = &registration.device_name {
            out.insert("mobileid_device_name".into(), json!(name));
        }
        out.insert("mobileid_state".into(), json!("COMPLETED"));
        out.insert(
            "mobileid_created".into(),
            json!(format_unix_time(request.created_at)),
        );
        out.insert(
            "mobileid_requested_expiry".into(),
            json!(format_unix_time(request.expires_at)),
        );
        out.insert("mobileid_auth_level".into(), json!(request.auth_level));
        out.insert("mobileid_auth_method".into(), json!(request.auth_method));
        if let Some(message) = &request.binding_message {
            let message = if shared.has(Defect::BindingMessageAltered) {
                format!("{message} (altered)")
            } else {
                message.clone()
            };
            out.insert("mobileid_binding_message".into(), json!(message));
        }
    }
    if has("mobileid-extra") {
        out.insert(
            "mobileid_push_sent".into(),
            json!(request.send_push.to_string()),
        );
        out.insert("mobileid_risk_attributes".into(), json!(RISK_ATTRIBUTES));
        if request.binding_message.is_some() {
            out.insert(
                "mobileid_pre_operation_context_mime_type".into(),
                json!("text/plain"),
            );
        }
        if let Some(external_ref) = &registration.external_ref {
            out.insert("mobileid_external_ref".into(), json!(external_ref));
        }
    }
    out
}

/// The CIBA grant at the token endpoint: one poll of `auth_req_id`.
pub(crate) fn grant(shared: &Shared, client: &SimClient, params: &Params) -> Response {
    let Some(id) = params.get("auth_req_id") else {
        return bad("invalid_request", "auth_req_id is missing");
    };
    let now = shared.now();
    let now_ms = shared.now_millis();
    let mut state = shared.state();
    let Some(request) = state.ciba.get_mut(id) else {
        return invalid_grant("unknown auth_req_id");
    };
    if request.client_id != client.id && !shared.has(Defect::CibaOtherClientAccepted) {
        return invalid_grant("the auth_req_id was issued to another client");
    }
    if request.redeemed && !shared.has(Defect::CibaAuthReqIdReusable) {
        return invalid_grant("the tokens of this auth_req_id were already issued");
    }
    let expired = request.expires_at <= now;
    if expired && !shared.has(Defect::CibaNeverExpires) {
        return bad("expired_token", "the authentication request has expired");
    }
    request.polls += 1;
    let previous = request.last_poll_ms.replace(now_ms);
    if let Decision::ApproveAfter(n) = request.decision
        && request.polls >= n
    {
        request.decision = Decision::Approved { at: now };
    }
    let decision = match request.decision {
        Decision::Denied if shared.has(Defect::CibaDenialNotReported) => Decision::Pending,
        _ if expired => Decision::Pending,
        other => other,
    };
    let auth_time = match decision {
        Decision::Denied => return bad("access_denied", "the user denied the request"),
        Decision::Pending | Decision::ApproveAfter(_) => {
            if request.polls == 1 && shared.has(Defect::CibaFirstPollNotPending) {
                return bad("invalid_request", "the request is not ready");
            }
            let too_soon = previous.is_some_and(|p| now_ms - p < request.interval * 1000);
            if too_soon && !shared.has(Defect::SlowDownNotEnforced) {
                request.interval += SLOW_DOWN_STEP;
                return bad(
                    "slow_down",
                    &format!(
                        "polled too soon; poll at most every {} seconds from now on",
                        request.interval
                    ),
                );
            }
            return bad(
                "authorization_pending",
                "the user has not answered on the device yet",
            );
        }
        Decision::Approved { at } => at,
    };
    request.redeemed = true;
    let request = request.clone();
    let grant = Grant {
        client_id: request.client_id.clone(),
        username: request.username.clone(),
        sub: request.sub.clone(),
        scopes: request.scopes.clone(),
        auth_time,
        acr: request.mobileid.then(|| ACR_MOBILEID.to_string()),
        requested_claims: Vec::new(),
    };
    let grant_id = state.add_grant(grant.clone());
    let (access, refresh) = state.issue_tokens(grant_id, &grant.scopes, now, true);
    drop(state);
    let extras = Extras {
        access_token: Some(&access),
        claims: if request.mobileid {
            mobileid_claims(shared, &request)
        } else {
            Map::new()
        },
        ..Extras::default()
    };
    let Some(id_token) = id_token::mint(shared, &grant, &extras) else {
        return oauth_error(500, "server_error", "signing failed");
    };
    super::token::token_response(&access, refresh.as_deref(), &id_token, &grant.scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_messages_are_checked() {
        assert!(binding_message_ok("Do you want to transfer $300 to Jane?"));
        assert!(binding_message_ok(&"x".repeat(255)));
        assert!(!binding_message_ok(&"x".repeat(256)));
        assert!(!binding_message_ok("line\r\nbreak"));
        assert!(!binding_message_ok("tab\there"));
    }
}
