//! MobileID backend-initiated operations: the finalise part (seed 000).
//!
//! A test starts an operation with `POST /__simulator/mobileid/operations` (JSON `{type, user,
//! client_id, redirect_uri, state?, scope?}`, answered 201 `{id, statusUrl, completeUrl}`) and
//! plays the user with `POST /__simulator/mobileid/operations/{id}/complete` or `.../fail`.
//!
//! The client then polls `GET statusUrl` (`{"status":"PENDING"}` until the user finished, then
//! `{"status":"COMPLETED"}`, also after a failure) and `GET completeUrl`, which redirects through
//! two hops on the simulator to the client's redirect URI with `code` (and `state`), or answers
//! 200 `{"status":"ERROR","data":...}` when the user did not complete. A GET of the complete URL
//! or a hop with `Accept: application/json` gets `{"status":"COMPLETED"}` and no redirect (the
//! documented pitfall). The code is redeemed at the token endpoint as usual; UserInfo then adds
//! the operation's MobileID payload (see [`userinfo_claims`]).

use super::server::{Request, Response};
use serde_json::{Map, Value, json};
use url::Url;

use super::Defect;
use super::setup::SimUser;
use super::state::{CODE_LIFETIME, CodeRecord, Grant, Shared, random_token};
use super::web::{header, is_method, json_response, method_not_allowed, redirect};

/// Prefix of the operations' public URLs.
const PUBLIC_PREFIX: &str = "/auth/mobileid/operations";
/// The error text of an operation the user did not complete.
pub(crate) const NOT_COMPLETED: &str =
    "The Resource Owner did not complete the login. urn:signicat:error; Unspecified error";

/// The kind of a MobileID operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperationType {
    Registration,
    Authentication,
    Authorisation,
    ConsentSignature,
}

impl OperationType {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "registration" => Some(Self::Registration),
            "authentication" => Some(Self::Authentication),
            "authorisation" | "authorization" => Some(Self::Authorisation),
            "consent_signature" => Some(Self::ConsentSignature),
            _ => None,
        }
    }
}

/// What the user did on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pending,
    Completed { at: i64 },
    Failed,
}

/// One operation.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) kind: OperationType,
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) outcome: Outcome,
    /// Whether the complete URL already handed out a code.
    pub(crate) finalised: bool,
}

fn bad(description: &str) -> Response {
    json_response(
        400,
        &json!({"error": "invalid_request", "error_description": super::web::clean_description(description)}),
    )
}

fn unknown() -> Response {
    json_response(
        404,
        &json!({"error": "not_found", "error_description": "unknown operation id"}),
    )
}

fn error_json(data: &str) -> Response {
    json_response(200, &json!({"status": "ERROR", "data": data}))
        .insert_header("cache-control", "no-store")
}

/// `POST /__simulator/mobileid/operations` (test only): starts an operation.
pub(crate) fn start(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return method_not_allowed(req, "POST");
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
        return bad("the body must be a JSON object {type, user, client_id, redirect_uri}");
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let Some(kind) = text("type").and_then(OperationType::parse) else {
        return bad(
            "type must be registration, authentication, authorisation or consent_signature",
        );
    };
    let Some(user) = text("user").and_then(|u| shared.user_named(u)) else {
        return bad("user must name a user of the environment");
    };
    if user.mobileid.is_none() {
        return bad("this user has no mobileid registration in the environment");
    }
    let Some(client) = text("client_id").and_then(|c| shared.client(c)) else {
        return bad("client_id must name a registered client");
    };
    let Some(redirect_uri) = text("redirect_uri") else {
        return bad("redirect_uri is missing");
    };
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return bad("redirect_uri is not registered for this client");
    }
    let scopes = text("scope")
        .unwrap_or("openid")
        .split_whitespace()
        .map(String::from)
        .collect();
    let operation = Operation {
        kind,
        username: user.username.clone(),
        sub: user.sub.clone(),
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_string(),
        state: text("state").map(str::to_string),
        scopes,
        outcome: Outcome::Pending,
        finalised: false,
    };
    let id = random_token();
    shared.state().operations.insert(id.clone(), operation);
    let base = format!("{}{PUBLIC_PREFIX}/{id}", shared.base_url);
    json_response(
        201,
        &json!({"id": id, "statusUrl": format!("{base}/status"), "completeUrl": format!("{base}/complete")}),
    )
}

/// `POST /__simulator/mobileid/operations/{id}/{complete|fail}` (test only).
pub(crate) fn control(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return method_not_allowed(req, "POST");
    }
    let segments: Vec<&str> = req.path().split('/').collect();
    // ["", "__simulator", "mobileid", "operations", id, action]
    let id = segments.get(4).copied().unwrap_or_default();
    let outcome = match segments.get(5).copied() {
        Some("complete") => Outcome::Completed { at: shared.now() },
        Some("fail") => Outcome::Failed,
        _ => return super::web::not_found(req),
    };
    let mut state = shared.state();
    let Some(operation) = state.operations.get_mut(id) else {
        return unknown();
    };
    operation.outcome = outcome;
    Response::new(204)
}

fn wants_json(req: &Request) -> bool {
    header(req, "accept").is_some_and(|a| a.to_ascii_lowercase().contains("application/json"))
}

/// `GET /auth/mobileid/operations/{id}/{status|complete|hop/1|hop/2}`.
pub(crate) fn operation(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "GET") {
        return method_not_allowed(req, "GET");
    }
    let segments: Vec<&str> = req.path().split('/').collect();
    // ["", "auth", "mobileid", "operations", id, step, (n)]
    let id = segments.get(4).copied().unwrap_or_default();
    let step = segments.get(5..).map(|s| s.join("/")).unwrap_or_default();
    let now = shared.now();
    let mut state = shared.state();
    let Some(operation) = state.operations.get(id).cloned() else {
        return unknown();
    };
    if step == "status" {
        let status = match operation.outcome {
            Outcome::Pending => "PENDING",
            _ if shared.has(Defect::StatusNeverCompletes) => "PENDING",
            _ => "COMPLETED",
        };
        return json_response(200, &json!({"status": status}))
            .insert_header("cache-control", "no-store");
    }
    let auth_time = match operation.outcome {
        Outcome::Failed => return error_json(NOT_COMPLETED),
        Outcome::Pending => {
            return json_response(409, &json!({"status": "PENDING"}))
                .insert_header("cache-control", "no-store");
        }
        Outcome::Completed { at } => at,
    };
    if operation.finalised {
        return error_json(
            "The operation was already finalised. urn:signicat:error; Operation finalised",
        );
    }
    if wants_json(req) {
        return json_response(200, &json!({"status": "COMPLETED"}))
            .insert_header("cache-control", "no-store");
    }
    let here = format!("{PUBLIC_PREFIX}/{id}");
    match step.as_str() {
        "complete" => redirect(&format!("{here}/hop/1")),
        "hop/1" => redirect(&format!("{here}/hop/2")),
        "hop/2" => {
            let Ok(mut target) = Url::parse(&operation.redirect_uri) else {
                return error_json("the redirect_uri is not a URL");
            };
            let grant_id = state.add_grant(Grant {
                client_id: operation.client_id.clone(),
                username: operation.username.clone(),
                sub: operation.sub.clone(),
                scopes: operation.scopes.clone(),
                auth_time,
                acr: Some(super::ciba::ACR_MOBILEID.to_string()),
                requested_claims: Vec::new(),
            });
            state.finalise_grants.insert(grant_id, operation.kind);
            let code = random_token();
            state.codes.insert(
                code.clone(),
                CodeRecord {
                    grant_id,
                    redirect_uri: operation.redirect_uri.clone(),
                    nonce: None,
                    code_challenge: None,
                    expires_at: now + CODE_LIFETIME,
                    used: false,
                },
            );
            if let Some(op) = state.operations.get_mut(id) {
                op.finalised = true;
            }
            target.query_pairs_mut().append_pair("code", &code);
            if let Some(s) = &operation.state {
                target.query_pairs_mut().append_pair("state", s);
            }
            redirect(target.as_str())
        }
        _ => super::web::not_found(req),
    }
}

/// The MobileID payload UserInfo adds for a finalised operation: `name` (the external
/// reference) for a registration, `externalRef` and `deviceName` otherwise.
pub(crate) fn userinfo_claims(kind: OperationType, user: &SimUser) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(m) = &user.mobileid else {
        return out;
    };
    match kind {
        OperationType::Registration => {
            if let Some(r) = &m.external_ref {
                out.insert("name".into(), json!(r));
            }
        }
        _ => {
            if let Some(r) = &m.external_ref {
                out.insert("externalRef".into(), json!(r));
            }
            if let Some(d) = &m.device_name {
                out.insert("deviceName".into(), json!(d));
            }
        }
    }
    out
}
