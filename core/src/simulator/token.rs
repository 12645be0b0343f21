//! The token endpoint: client authentication, the authorization code grant (single-use codes,
//! PKCE) and the refresh token grant (with rotation).

use super::server::{Request, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Defect;
use super::id_token::{self, Extras};
use super::setup::SimClient;
use super::state::{Shared, TOKEN_LIFETIME};
use super::web::{
    Params, basic_credentials, is_form, is_method, json_response, method_not_allowed, oauth_error,
};
use crate::protocol::{AuthMethod, CIBA_GRANT};

/// Adds the caching headers token responses must carry (unless the defect says otherwise).
fn no_store(shared: &Shared, response: Response) -> Response {
    if shared.has(Defect::MissingNoStore) {
        response.insert_header("pragma", "no-cache")
    } else {
        response
            .insert_header("cache-control", "no-store")
            .insert_header("pragma", "no-cache")
    }
}

fn invalid_client(description: &str) -> Response {
    oauth_error(401, "invalid_client", description)
        .insert_header("www-authenticate", "Basic realm=\"idflow-simulator\"")
}

/// Authenticates the client with the method it is registered for.
// The early answer is built once per request; boxing it buys nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn authenticate<'a>(
    shared: &'a Shared,
    req: &Request,
    params: &Params,
) -> Result<&'a SimClient, Response> {
    if super::client_auth::uses_assertion(params) {
        return super::client_auth::authenticate(shared, req, params);
    }
    let basic = basic_credentials(req).map_err(|e| invalid_client(&e))?;
    let form_secret = params.get("client_secret");
    if basic.is_some() && form_secret.is_some() {
        return Err(oauth_error(
            400,
            "invalid_request",
            "use one client authentication method, not both Basic and client_secret",
        ));
    }
    let client_id = match (&basic, params.get("client_id")) {
        (Some((id, _)), Some(form_id)) if id != form_id => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "client_id in the form differs from the Basic credentials",
            ));
        }
        (Some((id, _)), _) => id.as_str(),
        (None, Some(id)) => id,
        (None, None) => {
            return Err(invalid_client(
                "no client authentication: send Basic credentials or client_id",
            ));
        }
    };
    let client = shared
        .client(client_id)
        .ok_or_else(|| invalid_client(&format!("unknown client {client_id}")))?;
    let expected = client.secret.as_deref().unwrap_or_default();
    match client.auth_method {
        AuthMethod::ClientSecretBasic => match &basic {
            Some((_, secret)) if secret == expected => Ok(client),
            Some(_) => Err(invalid_client("wrong client secret")),
            None => Err(invalid_client(
                "this client authenticates with client_secret_basic",
            )),
        },
        AuthMethod::ClientSecretPost => match (&basic, form_secret) {
            (None, Some(secret)) if secret == expected => Ok(client),
            (None, Some(_)) => Err(invalid_client("wrong client secret")),
            _ => Err(invalid_client(
                "this client authenticates with client_secret_post",
            )),
        },
        AuthMethod::PrivateKeyJwt => Err(invalid_client(
            "this client authenticates with private_key_jwt (client_assertion)",
        )),
        AuthMethod::None => {
            if basic.is_some() || form_secret.is_some() {
                Err(invalid_client("this public client must not send a secret"))
            } else {
                Ok(client)
            }
        }
    }
}

/// `POST /auth/open/connect/token`.
pub(crate) fn token(shared: &Shared, req: &Request) -> Response {
    let response = handle(shared, req);
    no_store(shared, response)
}

fn handle(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "POST") {
        return method_not_allowed(req, "POST");
    }
    if !is_form(req) {
        return oauth_error(
            400,
            "invalid_request",
            "token requests must be form-encoded (Content-Type: application/x-www-form-urlencoded)",
        );
    }
    let params = match Params::form(req) {
        Ok(p) => p,
        Err(e) => return oauth_error(400, "invalid_request", &e),
    };
    let client = match authenticate(shared, req, &params) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match params.get("grant_type") {
        None => oauth_error(400, "invalid_request", "grant_type is missing"),
        Some("authorization_code") => code_grant(shared, client, &params),
        Some("refresh_token") => refresh_grant(shared, client, &params),
        Some("client_credentials") => super::rest::client_credentials(shared, client, &params),
        Some(CIBA_GRANT) => super::ciba::grant(shared, client, &params),
        Some(other) => oauth_error(
            400,
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        ),
    }
}

fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(400, "invalid_grant", description)
}

fn code_grant(shared: &Shared, client: &SimClient, params: &Params) -> Response {
    let Some(code) = params.get("code") else {
        return oauth_error(400, "invalid_request", "code is missing");
    };
    let now = shared.now();
    let mut state = shared.state();
    let Some(record) = state.codes.get(code).cloned() else {
        return invalid_grant("unknown authorization code");
    };
    let Some(grant) = state.grants.get(&record.grant_id).cloned() else {
        return invalid_grant("unknown authorization code");
    };
    if grant.client_id != client.id {
        return invalid_grant("the code was issued to another client");
    }
    if record.used && !shared.has(Defect::ReusedCodeAccepted) {
        state.revoke_grant(record.grant_id);
        return invalid_grant("the code was already used; the tokens issued from it are revoked");
    }
    if record.expires_at <= now {
        return invalid_grant("the code has expired");
    }
    if params.get("redirect_uri") != Some(record.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    match (&record.code_challenge, params.get("code_verifier")) {
        (Some((challenge, method)), Some(verifier)) => {
            if !pkce_matches(challenge, method, verifier) {
                return invalid_grant("code_verifier does not match the code_challenge");
            }
        }
        (Some(_), None) => return invalid_grant("code_verifier is missing"),
        (None, Some(_)) => {
            return invalid_grant(
                "code_verifier sent but the authorization request had no code_challenge",
            );
        }
        (None, None) => {}
    }
    if let Some(r) = state.codes.get_mut(code) {
        r.used = true;
    }
    let (access, refresh) = state.issue_tokens(record.grant_id, &grant.scopes, now, true);
    drop(state);
    let extras = Extras {
        nonce: record.nonce.as_deref(),
        access_token: Some(&access),
        ..Extras::default()
    };
    let Some(id_token) = id_token::mint(shared, &grant, &extras) else {
        return oauth_error(500, "server_error", "signing failed");
    };
    token_response(&access, refresh.as_deref(), &id_token, &grant.scopes)
}

fn refresh_grant(shared: &Shared, client: &SimClient, params: &Params) -> Response {
    let Some(token) = params.get("refresh_token") else {
        return oauth_error(400, "invalid_request", "refresh_token is missing");
    };
    let now = shared.now();
    let mut state = shared.state();
    if let Some(grant_id) = state.used_refresh_tokens.get(token).copied() {
        state.revoke_grant(grant_id);
        return invalid_grant(
            "the refresh token was already used: every token of its grant is revoked",
        );
    }
    let Some(record) = state.refresh_tokens.get(token).cloned() else {
        return invalid_grant("unknown or revoked refresh token");
    };
    if state.revoked_grants.contains(&record.grant_id) {
        return invalid_grant("the refresh token was revoked");
    }
    let Some(grant) = state.grants.get(&record.grant_id).cloned() else {
        return invalid_grant("unknown refresh token");
    };
    if grant.client_id != client.id {
        return invalid_grant("the refresh token was issued to another client");
    }
    let scopes: Vec<String> = match params.get("scope") {
        None => record.scopes.clone(),
        Some(asked) => {
            let asked: Vec<String> = asked.split_whitespace().map(String::from).collect();
            if let Some(extra) = asked.iter().find(|s| !record.scopes.contains(s)) {
                return oauth_error(
                    400,
                    "invalid_scope",
                    &format!("scope {extra} was not granted"),
                );
            }
            asked
        }
    };
    state.refresh_tokens.remove(token);
    state
        .used_refresh_tokens
        .insert(token.to_string(), record.grant_id);
    let (access, refresh) = state.issue_tokens(record.grant_id, &scopes, now, true);
    drop(state);
    let mut refreshed = grant.clone();
    refreshed.scopes = scopes.clone();
    let extras = Extras {
        access_token: Some(&access),
        ..Extras::default()
    };
    let Some(id_token) = id_token::mint(shared, &refreshed, &extras) else {
        return oauth_error(500, "server_error", "signing failed");
    };
    token_response(&access, refresh.as_deref(), &id_token, &scopes)
}

/// A successful token response.
pub(crate) fn token_response(
    access: &str,
    refresh: Option<&str>,
    id_token: &str,
    scopes: &[String],
) -> Response {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "id_token": id_token,
        "scope": scopes.join(" "),
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    json_response(200, &body)
}
