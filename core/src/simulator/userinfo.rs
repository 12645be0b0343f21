//! The UserInfo endpoint.

use super::server::{Request, Response};
use serde_json::{Value, json};

use super::Defect;
use super::claims;
use super::state::Shared;
use super::web::{Params, bearer_token, is_form, is_method, json_response, method_not_allowed};

fn invalid_token(description: &str) -> Response {
    let description = super::web::clean_description(description);
    json_response(
        401,
        &json!({"error": "invalid_token", "error_description": description}),
    )
    .insert_header(
        "www-authenticate",
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\"").as_str(),
    )
    .insert_header("cache-control", "no-store")
}

/// `GET`/`POST /auth/open/connect/userinfo` with a Bearer access token.
pub(crate) fn userinfo(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "GET") && !is_method(req, "POST") {
        return method_not_allowed(req, "GET, POST");
    }
    let from_form =
        (is_method(req, "POST") && is_form(req) && !shared.has(Defect::UserinfoFormTokenRefused))
            .then(|| Params::form(req).ok())
            .flatten()
            .and_then(|p| p.get("access_token").map(str::to_string));
    let Some(token) = bearer_token(req).or(from_form) else {
        return invalid_token("no access token: send Authorization: Bearer <access_token>");
    };
    let now = shared.now();
    let state = shared.state();
    let Some(record) = state.access_tokens.get(&token) else {
        return invalid_token("unknown or revoked access token");
    };
    if record.expires_at <= now {
        return invalid_token("the access token has expired");
    }
    if state.revoked_grants.contains(&record.grant_id) {
        return invalid_token("the access token was revoked");
    }
    let Some(grant) = state.grants.get(&record.grant_id) else {
        return invalid_token("unknown access token");
    };
    let user = shared.user(&grant.username);
    let mut body = user
        .map(|u| claims::released(shared, u, &record.scopes, grant))
        .unwrap_or_default();
    if let (Some(kind), Some(user)) = (state.finalise_grants.get(&record.grant_id), user) {
        body.extend(super::mobileid::userinfo_claims(*kind, user));
    }
    let sub = if shared.has(Defect::UserinfoSubDiffers) {
        format!("{}-someone-else", grant.sub)
    } else {
        grant.sub.clone()
    };
    body.insert("sub".into(), json!(sub));
    if shared.has(Defect::UserinfoUpdatedAtAsString) {
        body.insert("updated_at".into(), json!("2024-01-01T00:00:00Z"));
    }
    let response = json_response(200, &Value::Object(body));
    if shared.has(Defect::UserinfoCacheable) {
        response
    } else {
        response.no_store()
    }
}
