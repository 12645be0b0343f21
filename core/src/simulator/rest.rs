//! The Authentication REST API (redirect flow, itsme) and its simulated journey.
//!
//! - API token: `client_credentials` with `scope=signicat-api` at the token endpoint; such a
//!   token works only here (and an OIDC access token never does).
//! - `POST /auth/rest/sessions` creates a session, `GET /auth/rest/sessions/{id}` reads it,
//!   `POST /auth/rest/sessions/{id}/cancel` cancels it. Errors are problem-JSON.
//! - The `authenticationUrl` (`/broker/sp/external-service/login?...`) moves the session to
//!   WAITING_FOR_USER and redirects to the itsme page, a form with the buttons `complete`,
//!   `abort` and `error`; posting it sets SUCCESS, ABORT or ERROR and redirects to the matching
//!   callback URL (with `sessionId`).
//! - Who authenticates: the user whose `nin` equals the request's `prefilledInput.nin`, else the
//!   first environment user (by name) with a `nin`, else the first user.
//! - A session not finished within `sessionLifetime` (clock time) reads as status `ERROR` with
//!   `error: {code: "SESSION_EXPIRED", message}`; its journey answers 410.

use super::server::{Request, Response};
use serde_json::{Map, Value, json};
use url::Url;

use super::Defect;
use super::pages;
use super::setup::{SimClient, SimUser};
use super::state::{ApiToken, Shared, TOKEN_LIFETIME, random_token};
use super::web::{
    Params, bearer_token, header, html_response, is_form, is_method, json_response, oauth_error,
    redirect,
};
use crate::clock::format_unix_time;
use crate::protocol::AuthMethod;

/// The scope of API tokens.
pub(crate) const API_SCOPE: &str = "signicat-api";
/// Path of the journey's first page (the `authenticationUrl`).
pub(crate) const LOGIN_PATH: &str = "/broker/sp/external-service/login";
/// Path of the simulated itsme page and its form.
pub(crate) const ITSME_PATH: &str = "/broker/sp/external-service/itsme";
/// `sessionLifetime` when the request names none, in seconds.
pub(crate) const DEFAULT_LIFETIME: i64 = 600;
/// The longest `sessionLifetime` accepted, in seconds.
pub(crate) const MAX_LIFETIME: i64 = 86_400;
/// Providers a session may allow.
pub(crate) const PROVIDERS: &[&str] = &["itsme", "mitid", "nbid", "sbid", "ftn", "idin"];
/// Attributes a session may request.
pub(crate) const ATTRIBUTES: &[&str] = &[
    "id",
    "idpId",
    "name",
    "firstName",
    "lastName",
    "dateOfBirth",
    "nin",
];

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Created,
    WaitingForUser,
    Success,
    Abort,
    Error,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Created => "CREATED",
            Status::WaitingForUser => "WAITING_FOR_USER",
            Status::Success => "SUCCESS",
            Status::Abort => "ABORT",
            Status::Error => "ERROR",
            Status::Cancelled => "CANCELLED",
        }
    }
    fn is_open(self) -> bool {
        matches!(self, Status::Created | Status::WaitingForUser)
    }
}

/// The callback URLs of a session, as answered (with `sessionId` unless a defect says not).
#[derive(Debug, Clone)]
pub(crate) struct Callbacks {
    pub(crate) success: String,
    pub(crate) abort: String,
    pub(crate) error: String,
}

/// One REST API authentication session.
#[derive(Debug, Clone)]
pub(crate) struct RestSession {
    pub(crate) client_id: String,
    pub(crate) message_id: String,
    pub(crate) allowed_providers: Vec<String>,
    pub(crate) requested: Vec<String>,
    pub(crate) callbacks: Callbacks,
    pub(crate) lifetime: i64,
    pub(crate) expires_at: i64,
    pub(crate) status: Status,
    /// The username of who authenticates, if any user is configured.
    pub(crate) username: Option<String>,
}

/// A problem-JSON answer.
fn problem(
    status: u16,
    code: &str,
    title: &str,
    detail: &str,
    invalid: &[(String, String)],
) -> Response {
    let mut body = json!({
        "type": format!("https://api.signicat.com/problems/{}", code.to_lowercase().replace('_', "-")),
        "title": title,
        "detail": detail,
        "code": code,
        "status": status,
        "traceId": random_token(),
    });
    if !invalid.is_empty() {
        body["invalidParams"] = invalid
            .iter()
            .map(|(name, reason)| json!({"name": name, "reason": reason}))
            .collect();
    }
    Response::new(status)
        .set_body_raw(body.to_string().into_bytes(), "application/problem+json")
        .insert_header("cache-control", "no-store")
}

fn unauthorized(detail: &str) -> Response {
    problem(401, "UNAUTHORIZED", "Unauthorized", detail, &[])
        .insert_header("www-authenticate", "Bearer realm=\"signicat-api\"")
}

fn not_found() -> Response {
    problem(
        404,
        "NOT_FOUND",
        "Not found",
        "no session with this id",
        &[],
    )
}

fn bad_request(detail: &str, invalid: &[(String, String)]) -> Response {
    problem(400, "VALIDATION_ERROR", "Bad request", detail, invalid)
}

/// The `client_credentials` grant: an API token for scope `signicat-api`.
pub(crate) fn client_credentials(shared: &Shared, client: &SimClient, params: &Params) -> Response {
    if client.auth_method == AuthMethod::None {
        return oauth_error(
            400,
            "unauthorized_client",
            "a public client cannot use client_credentials",
        );
    }
    let scopes: Vec<&str> = params
        .get("scope")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if scopes != [API_SCOPE] {
        return oauth_error(
            400,
            "invalid_scope",
            "client_credentials is granted for scope signicat-api only",
        );
    }
    let now = shared.now();
    let token = random_token();
    let mut state = shared.state();
    state.api_tokens.retain(|_, t| t.expires_at > now);
    state.api_tokens.insert(
        token.clone(),
        ApiToken {
            client_id: client.id.clone(),
            expires_at: now + TOKEN_LIFETIME,
        },
    );
    json_response(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": API_SCOPE}),
    )
}

/// The client an API token was issued to.
fn api_client(shared: &Shared, req: &Request) -> Result<String, Response> {
    let Some(token) = bearer_token(req) else {
        return Err(unauthorized(
            "no API token: send Authorization: Bearer <token from client_credentials with scope signicat-api>",
        ));
    };
    let now = shared.now();
    let state = shared.state();
    match state.api_tokens.get(&token) {
        Some(t) if t.expires_at > now => Ok(t.client_id.clone()),
        Some(_) => Err(unauthorized("the API token has expired")),
        None => Err(unauthorized(
            "unknown API token (an OIDC access token is not an API token)",
        )),
    }
}

fn with_session_id(url: &str, id: &str, defects: bool) -> String {
    if defects {
        return url.to_string();
    }
    match Url::parse(url) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair("sessionId", id);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

fn absolute_url(value: Option<&Value>) -> Result<String, &'static str> {
    let Some(value) = value else {
        return Err("is required");
    };
    let Some(text) = value.as_str() else {
        return Err("must be a string");
    };
    match Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(text.to_string()),
        _ => Err("must be an absolute http(s) URL"),
    }
}

/// The user a session authenticates.
fn pick_user<'a>(shared: &'a Shared, nin: Option<&str>) -> Option<&'a SimUser> {
    if let Some(nin) = nin {
        return shared.users.iter().find(|u| u.nin.as_deref() == Some(nin));
    }
    shared
        .users
        .iter()
        .find(|u| u.nin.is_some())
        .or_else(|| shared.users.first())
}

/// A validated create request.
struct Create {
    providers: Vec<String>,
    callbacks: Callbacks,
    requested: Vec<String>,
    lifetime: i64,
    nin: Option<String>,
}

/// Validates a create request; every problem becomes one `invalidParams` entry.
fn validate(shared: &Shared, body: &Map<String, Value>) -> Result<Create, Vec<(String, String)>> {
    let mut invalid: Vec<(String, String)> = Vec::new();
    let mut bad = |name: &str, reason: String| invalid.push((name.to_string(), reason));
    let mut providers = Vec::new();
    match body.get("allowedProviders").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            for (i, p) in list.iter().enumerate() {
                match p.as_str() {
                    Some(p) if PROVIDERS.contains(&p) => providers.push(p.to_string()),
                    _ => bad(
                        &format!("allowedProviders[{i}]"),
                        format!(
                            "unknown provider {p}; known providers are {}",
                            PROVIDERS.join(", ")
                        ),
                    ),
                }
            }
        }
        _ => bad(
            "allowedProviders",
            "must be a non-empty list of providers".into(),
        ),
    }
    match body.get("flow").and_then(Value::as_str) {
        Some("redirect") => {}
        Some(other) => bad(
            "flow",
            format!("flow {other} is not supported; use redirect"),
        ),
        None => bad("flow", "is required (redirect)".into()),
    }
    let mut callbacks = Callbacks {
        success: String::new(),
        abort: String::new(),
        error: String::new(),
    };
    match body.get("callbackUrls") {
        Some(Value::Object(urls)) => {
            for (name, slot) in [
                ("success", &mut callbacks.success),
                ("abort", &mut callbacks.abort),
                ("error", &mut callbacks.error),
            ] {
                match absolute_url(urls.get(name)) {
                    Ok(u) => *slot = u,
                    Err(reason) => bad(&format!("callbackUrls.{name}"), reason.into()),
                }
            }
        }
        Some(_) => bad(
            "callbackUrls",
            "must be an object {success, abort, error}".into(),
        ),
        None => bad(
            "callbackUrls",
            "is required: {success, abort, error}".into(),
        ),
    }
    let mut requested = Vec::new();
    match body.get("requestedAttributes") {
        None => {}
        Some(Value::Array(list)) => {
            for (i, a) in list.iter().enumerate() {
                match a.as_str() {
                    Some(a) if ATTRIBUTES.contains(&a) => {
                        if !requested.iter().any(|r| r == a) {
                            requested.push(a.to_string());
                        }
                    }
                    _ => bad(
                        &format!("requestedAttributes[{i}]"),
                        format!(
                            "unknown attribute {a}; known attributes are {}",
                            ATTRIBUTES.join(", ")
                        ),
                    ),
                }
            }
        }
        Some(_) => bad(
            "requestedAttributes",
            "must be a list of attribute names".into(),
        ),
    }
    let lifetime = match body.get("sessionLifetime") {
        None => DEFAULT_LIFETIME,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=MAX_LIFETIME).contains(&n) => n,
            _ => {
                bad(
                    "sessionLifetime",
                    format!("must be a number of seconds from 1 to {MAX_LIFETIME}"),
                );
                DEFAULT_LIFETIME
            }
        },
    };
    let nin = match body.get("prefilledInput").map(|p| p.get("nin")) {
        None | Some(None) => None,
        Some(Some(Value::String(nin))) => {
            if pick_user(shared, Some(nin)).is_none() {
                bad("prefilledInput.nin", "no test user has this nin".into());
            }
            Some(nin.clone())
        }
        Some(Some(_)) => {
            bad("prefilledInput.nin", "must be a string".into());
            None
        }
    };
    if invalid.is_empty() {
        Ok(Create {
            providers,
            callbacks,
            requested,
            lifetime,
            nin,
        })
    } else {
        Err(invalid)
    }
}

/// The subject of a session: only the requested attributes the user has.
fn subject(user: &SimUser, requested: &[String]) -> Map<String, Value> {
    let claim = |names: &[&str]| names.iter().find_map(|n| user.claims.get(*n).cloned());
    let mut out = Map::new();
    for attribute in requested {
        let value = match attribute.as_str() {
            "id" => Some(json!(user.sub)),
            "idpId" => Some(claim(&["idpId"]).unwrap_or_else(|| {
                json!(super::state::default_sub(&format!("idp:{}", user.username)))
            })),
            "name" => claim(&["name"]),
            "firstName" => claim(&["firstName", "given_name"]),
            "lastName" => claim(&["lastName", "family_name"]),
            "dateOfBirth" => claim(&["dateOfBirth", "birthdate"]),
            "nin" => user.nin.as_ref().map(|nin| {
                json!({
                    "value": nin,
                    "issuingCountry": claim(&["ninIssuingCountry"]).unwrap_or_else(|| json!("BE")),
                    "type": claim(&["ninType"]).unwrap_or_else(|| json!("PERSON")),
                })
            }),
            _ => None,
        };
        if let Some(value) = value {
            out.insert(attribute.clone(), value);
        }
    }
    out
}

fn authentication_url(shared: &Shared, id: &str, session: &RestSession) -> String {
    format!(
        "{}{LOGIN_PATH}?messageId={}&transactionId={id}",
        shared.base_url, session.message_id
    )
}

/// The session as the API shows it at `now`.
fn render(shared: &Shared, id: &str, session: &RestSession, now: i64) -> Value {
    let expired = session.status.is_open() && session.expires_at <= now;
    let mut shown = if expired {
        Status::Error
    } else {
        session.status
    };
    if shared.has(Defect::StatusNeverCompletes)
        && matches!(shown, Status::Success | Status::Abort | Status::Error)
        && !expired
    {
        shown = Status::WaitingForUser;
    }
    let mut body = json!({
        "id": id,
        "accountId": format!("a-sim-{}", session.client_id),
        "authenticationUrl": authentication_url(shared, id, session),
        "status": shown.as_str(),
        "callbackUrls": {
            "success": session.callbacks.success,
            "abort": session.callbacks.abort,
            "error": session.callbacks.error,
        },
        "allowedProviders": session.allowed_providers,
        "flow": "redirect",
        "requestedAttributes": session.requested,
        "sessionLifetime": session.lifetime,
        "expiresAt": format_unix_time(session.expires_at),
    });
    let user = session.username.as_deref().and_then(|u| shared.user(u));
    let with_subject = shown == Status::Success
        || (shown == Status::WaitingForUser && shared.has(Defect::SubjectBeforeSuccess));
    if let (true, Some(user)) = (with_subject, user) {
        body["subject"] = Value::Object(subject(user, &session.requested));
    }
    if shown == Status::Success {
        body["provider"] = json!(
            session
                .allowed_providers
                .first()
                .cloned()
                .unwrap_or_default()
        );
    }
    if expired {
        body["error"] = json!({
            "code": "SESSION_EXPIRED",
            "message": "the session was not completed within its sessionLifetime",
        });
    }
    body
}

fn is_json(req: &Request) -> bool {
    header(req, "content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        })
}

/// The problem answer to a request with a method other than `method` (405, with `Allow`).
fn only_method(method: &str) -> Response {
    problem(
        405,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
        &format!("use {method}"),
        &[],
    )
    .insert_header("allow", method)
}

/// `POST /auth/rest/sessions`.
pub(crate) fn create(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return only_method("POST");
    }
    let client_id = match api_client(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !is_json(req) {
        return bad_request(
            "the body must be JSON (Content-Type: application/json)",
            &[],
        );
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
        return bad_request("the body is not a JSON object", &[]);
    };
    let Create {
        providers,
        callbacks,
        requested,
        lifetime,
        nin,
    } = match validate(shared, &body) {
        Ok(v) => v,
        Err(invalid) => return bad_request("the session request has invalid parameters", &invalid),
    };
    let now = shared.now();
    let id = random_token();
    let plain = shared.has(Defect::CallbackWithoutSessionId);
    let session = RestSession {
        client_id,
        message_id: random_token(),
        allowed_providers: providers,
        requested,
        callbacks: Callbacks {
            success: with_session_id(&callbacks.success, &id, plain),
            abort: with_session_id(&callbacks.abort, &id, plain),
            error: with_session_id(&callbacks.error, &id, plain),
        },
        lifetime,
        expires_at: now + lifetime,
        status: Status::Created,
        username: pick_user(shared, nin.as_deref()).map(|u| u.username.clone()),
    };
    let rendered = render(shared, &id, &session, now);
    shared.state().rest_sessions.insert(id, session);
    json_response(201, &rendered)
}

/// `GET /auth/rest/sessions/{id}` and `POST /auth/rest/sessions/{id}/cancel`.
pub(crate) fn session(shared: &Shared, req: &Request) -> Response {
    let segments: Vec<&str> = req.path().split('/').collect();
    // ["", "auth", "rest", "sessions", id, ("cancel")]
    let id = segments.get(4).copied().unwrap_or_default();
    let cancel = segments.get(5) == Some(&"cancel");
    match (cancel, is_method(req, "GET"), is_method(req, "POST")) {
        (false, true, _) | (true, _, true) => {}
        (false, _, _) => {
            return only_method("GET");
        }
        (true, _, _) => {
            return only_method("POST");
        }
    }
    let client_id = match api_client(shared, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = shared.now();
    let mut state = shared.state();
    let Some(session) = state
        .rest_sessions
        .get_mut(id)
        .filter(|s| s.client_id == client_id)
    else {
        return not_found();
    };
    if cancel {
        if !session.status.is_open() || session.expires_at <= now {
            return problem(
                409,
                "CONFLICT",
                "Conflict",
                "the session is already finished and cannot be cancelled",
                &[],
            );
        }
        session.status = Status::Cancelled;
    }
    json_response(200, &render(shared, id, session, now)).insert_header("cache-control", "no-store")
}

fn journey_error(status: u16, message: &str) -> Response {
    html_response(status, pages::error("en", "itsme", message))
}

/// `GET /broker/sp/external-service/login?transactionId=...`: the session's authentication URL.
pub(crate) fn journey_start(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "GET") {
        return super::web::method_not_allowed(req, "GET");
    }
    let params = Params::query(req).unwrap_or_default();
    let id = params.get("transactionId").unwrap_or_default().to_string();
    let now = shared.now();
    let mut state = shared.state();
    let Some(session) = state.rest_sessions.get_mut(&id) else {
        return journey_error(404, "unknown session");
    };
    if params.get("messageId") != Some(session.message_id.as_str()) {
        return journey_error(400, "the messageId does not belong to this session");
    }
    if let Some(response) = closed(session, now) {
        return response;
    }
    session.status = Status::WaitingForUser;
    redirect(&format!("{ITSME_PATH}?transactionId={id}"))
}

/// The answer for a journey step on a session that is not open.
fn closed(session: &RestSession, now: i64) -> Option<Response> {
    if session.status.is_open() && session.expires_at <= now {
        return Some(journey_error(410, "the session has expired"));
    }
    if !session.status.is_open() {
        return Some(journey_error(
            409,
            &format!("the session is already {}", session.status.as_str()),
        ));
    }
    None
}

/// `GET`/`POST /broker/sp/external-service/itsme`: the itsme page and its outcome.
pub(crate) fn journey_page(shared: &Shared, req: &Request) -> Response {
    let now = shared.now();
    if is_method(req, "GET") {
        let id = Params::query(req)
            .unwrap_or_default()
            .get("transactionId")
            .unwrap_or_default()
            .to_string();
        let state = shared.state();
        let Some(session) = state.rest_sessions.get(&id) else {
            return journey_error(404, "unknown session");
        };
        if let Some(response) = closed(session, now) {
            return response;
        }
        let provider = session
            .allowed_providers
            .first()
            .cloned()
            .unwrap_or_default();
        return html_response(200, pages::itsme(ITSME_PATH, &id, &provider));
    }
    if !is_method(req, "POST") {
        return super::web::method_not_allowed(req, "GET, POST");
    }
    if !is_form(req) {
        return journey_error(400, "the form must be form-encoded");
    }
    let Ok(form) = Params::form(req) else {
        return journey_error(400, "the form is malformed");
    };
    let id = form.get("transactionId").unwrap_or_default();
    let mut state = shared.state();
    let Some(session) = state.rest_sessions.get_mut(id) else {
        return journey_error(404, "unknown session");
    };
    if let Some(response) = closed(session, now) {
        return response;
    }
    let (status, target) = match form.get("outcome") {
        Some("complete") => (Status::Success, session.callbacks.success.clone()),
        Some("abort") => (Status::Abort, session.callbacks.abort.clone()),
        Some("error") => (Status::Error, session.callbacks.error.clone()),
        _ => return journey_error(400, "outcome must be complete, abort or error"),
    };
    session.status = status;
    redirect(&target)
}
