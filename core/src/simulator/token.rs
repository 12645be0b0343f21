//! The token endpoint: client authentication, the authorization code grant (single-use codes,
//! PKCE) and the refresh token grant (with rotation).

use super::server::{Request, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Defect;
use super::id_token::{self, Extras};
use super::setup::SimClient;
use super::state::{Grant, Shared, State, TOKEN_LIFETIME};
use super::web::{
    Params, basic_credentials, is_form, is_method, json_response, method_not_allowed, oauth_error,
};
use crate::protocol::{AuthMethod, CIBA_GRANT};

/// Adds the caching headers token responses must carry (unless the defect says otherwise).
fn no_store(shared: &Shared, response: Response) -> Response {
    if shared.has(Defect::MissingNoStore) {
        response.pragma_no_cache()
    } else {
        response.no_store().pragma_no_cache()
    }
}

fn invalid_client(description: &str) -> Response {
    oauth_error(401, "invalid_client", description)
        .insert_header("www-authenticate", "Basic realm=\"idflow-simulator\"")
}

/// Authenticates the client with the method it is registered for.
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
            _ if shared.has(Defect::ClientSecretPostRefused) => {
                Err(invalid_client("client_secret_post is not accepted"))
            }
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
    let params = if shared.has(Defect::SecretInQueryAccepted) {
        Params::form_and_query(req)
    } else {
        Params::form(req)
    };
    let params = match params {
        Ok(p) => p,
        Err(e) => return oauth_error(400, "invalid_request", &e),
    };
    let client = match authenticate(shared, req, &params) {
        Ok(c) => c,
        Err(r) => match unauthenticated_refresh(shared, req, &params)
            .or_else(|| client_of_code(shared, &params))
        {
            Some(c) => c,
            None => return r,
        },
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

/// With the `refresh_without_client_auth` defect, a refresh names its client without proving
/// it: the client_id (Basic or form) is enough.
fn unauthenticated_refresh<'a>(
    shared: &'a Shared,
    req: &Request,
    params: &Params,
) -> Option<&'a SimClient> {
    if !shared.has(Defect::RefreshWithoutClientAuth)
        || params.get("grant_type") != Some("refresh_token")
    {
        return None;
    }
    let basic = basic_credentials(req).ok().flatten().map(|(id, _)| id);
    let id = basic.or_else(|| params.get("client_id").map(str::to_string))?;
    shared.client(&id)
}

/// With the `client_identified_by_code` defect, a code grant from a client the provider does
/// not know is served as the client the code was issued to.
fn client_of_code<'a>(shared: &'a Shared, params: &Params) -> Option<&'a SimClient> {
    if !shared.has(Defect::ClientIdentifiedByCode)
        || params.get("grant_type") != Some("authorization_code")
    {
        return None;
    }
    let state = shared.state();
    let record = state.codes.get(params.get("code")?)?;
    let client_id = state.grants.get(&record.grant_id)?.client_id.clone();
    drop(state);
    shared.client(&client_id)
}

/// Whether a used code is accepted again: with the `concurrent_code_redemption` defect, within
/// a second of its first redemption (the used mark lands after the check).
fn redeemed_in_race(shared: &Shared, first_redeemed_ms: Option<i64>) -> bool {
    shared.has(Defect::ConcurrentCodeRedemption)
        && first_redeemed_ms.is_some_and(|at| shared.now_millis() - at < 1000)
}

fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

fn invalid_grant(shared: &Shared, description: &str) -> Response {
    let crlf = shared.has(Defect::ErrorDescriptionWithCrlf);
    let bad_uri = shared.has(Defect::ErrorUriMalformed);
    let bad_code = shared.has(Defect::ErrorCodeBadCharacters);
    if !crlf && !bad_uri && !bad_code {
        return oauth_error(400, "invalid_grant", description);
    }
    let clean = super::web::clean_description(description);
    let error = if bad_code {
        "invalid_grant\""
    } else {
        "invalid_grant"
    };
    let mut body = json!({"error": error, "error_description": clean});
    if crlf {
        body["error_description"] = json!(format!("{clean}\r\nsee the server log"));
    }
    if bad_uri {
        body["error_uri"] = json!("/errors/invalid grant");
    }
    json_response(400, &body)
}

/// Moves a token's record to a new value and returns the new value.
fn rekey<R>(map: &mut std::collections::HashMap<String, R>, old: &str, new: String) -> String {
    if let Some(record) = map.remove(old) {
        map.insert(new.clone(), record);
    }
    new
}

/// Issues the tokens of a grant at the token endpoint, with the token defects applied (each
/// changed token registered under its new value, so it still works).
fn issue(
    shared: &Shared,
    state: &mut State,
    grant: (u64, &Grant),
    scopes: &[String],
    now: i64,
    with_refresh: bool,
) -> (String, Option<String>) {
    let (grant_id, grant) = grant;
    let (mut access, mut refresh) = state.issue_tokens(grant_id, scopes, now, with_refresh);
    if shared.has(Defect::AccessTokenReused) {
        let fixed = format!("{}:{}", grant.client_id, grant.username);
        let fixed = URL_SAFE_NO_PAD.encode(Sha256::digest(fixed.as_bytes()));
        access = rekey(&mut state.access_tokens, &access, fixed);
    }
    if shared.has(Defect::WeakAccessToken) {
        access = rekey(&mut state.access_tokens, &access, access[..16].to_string());
    }
    if shared.has(Defect::AccessTokenNotVschar) {
        access = rekey(&mut state.access_tokens, &access, format!("{access}\u{7f}"));
    }
    if let Some(token) = refresh.clone() {
        let mut token = token;
        if shared.has(Defect::WeakRefreshToken) {
            token = rekey(&mut state.refresh_tokens, &token, token[..16].to_string());
        }
        if shared.has(Defect::RefreshTokenNotVschar) {
            token = rekey(&mut state.refresh_tokens, &token, format!("{token}\u{7f}"));
        }
        refresh = Some(token);
    }
    (access, refresh)
}

fn code_grant(shared: &Shared, client: &SimClient, params: &Params) -> Response {
    let Some(code) = params.get("code") else {
        return oauth_error(400, "invalid_request", "code is missing");
    };
    let now = shared.now();
    let mut state = shared.state();
    let Some(record) = state.codes.get(code).cloned() else {
        return invalid_grant(shared, "unknown authorization code");
    };
    let Some(grant) = state.grants.get(&record.grant_id).cloned() else {
        return invalid_grant(shared, "unknown authorization code");
    };
    if grant.client_id != client.id {
        return invalid_grant(shared, "the code was issued to another client");
    }
    let race = redeemed_in_race(shared, state.code_redemptions.get(code).copied());
    if record.used && !shared.has(Defect::ReusedCodeAccepted) && !race {
        if shared.has(Defect::RefreshSurvivesCodeReplay) {
            state
                .access_tokens
                .retain(|_, t| t.grant_id != record.grant_id);
        } else {
            state.revoke_grant(record.grant_id);
        }
        return invalid_grant(
            shared,
            "the code was already used; the tokens issued from it are revoked",
        );
    }
    if record.expires_at <= now {
        return invalid_grant(shared, "the code has expired");
    }
    if params.get("redirect_uri") != Some(record.redirect_uri.as_str()) {
        return invalid_grant(
            shared,
            "redirect_uri differs from the authorization request's",
        );
    }
    match (&record.code_challenge, params.get("code_verifier")) {
        (Some((challenge, method)), Some(verifier)) => {
            if !pkce_matches(challenge, method, verifier) {
                return invalid_grant(shared, "code_verifier does not match the code_challenge");
            }
        }
        (Some(_), None) if shared.has(Defect::PkceVerifierOptional) => {}
        (Some(_), None) => return invalid_grant(shared, "code_verifier is missing"),
        (None, Some(_)) if shared.has(Defect::PkceVerifierWithoutChallenge) => {}
        (None, Some(_)) => {
            return invalid_grant(
                shared,
                "code_verifier sent but the authorization request had no code_challenge",
            );
        }
        (None, None) => {}
    }
    if let Some(r) = state.codes.get_mut(code) {
        r.used = true;
    }
    if shared.has(Defect::ConcurrentCodeRedemption) {
        let redeemed_ms = shared.now_millis();
        state
            .code_redemptions
            .entry(code.to_string())
            .or_insert(redeemed_ms);
    }
    let (access, refresh) = issue(
        shared,
        &mut state,
        (record.grant_id, &grant),
        &grant.scopes,
        now,
        true,
    );
    drop(state);
    let extras = Extras {
        nonce: record.nonce.as_deref(),
        access_token: Some(&access),
        ..Extras::default()
    };
    let Some(id_token) = id_token::mint(shared, &grant, &extras) else {
        return oauth_error(500, "server_error", "signing failed");
    };
    answer(
        shared,
        &access,
        refresh.as_deref(),
        &id_token,
        &grant.scopes,
    )
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
            shared,
            "the refresh token was already used: every token of its grant is revoked",
        );
    }
    let Some(record) = state.refresh_tokens.get(token).cloned() else {
        return invalid_grant(shared, "unknown or revoked refresh token");
    };
    if state.revoked_grants.contains(&record.grant_id) {
        return invalid_grant(shared, "the refresh token was revoked");
    }
    let Some(grant) = state.grants.get(&record.grant_id).cloned() else {
        return invalid_grant(shared, "unknown refresh token");
    };
    if grant.client_id != client.id && !shared.has(Defect::RefreshTokenNotClientBound) {
        return invalid_grant(shared, "the refresh token was issued to another client");
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
    let rotate = !shared.has(Defect::RefreshTokenNotRotated);
    if rotate {
        state.refresh_tokens.remove(token);
        state
            .used_refresh_tokens
            .insert(token.to_string(), record.grant_id);
    }
    let (access, refresh) = issue(
        shared,
        &mut state,
        (record.grant_id, &grant),
        &scopes,
        now,
        rotate,
    );
    let refresh = refresh.or_else(|| Some(token.to_string()));
    drop(state);
    let mut refreshed = grant.clone();
    refreshed.scopes = scopes.clone();
    if shared.has(Defect::RefreshedIdentityChanged) {
        refreshed.sub = format!("{}-someone-else", grant.sub);
    }
    let extras = Extras {
        access_token: Some(&access),
        ..Extras::default()
    };
    let Some(id_token) = id_token::mint(shared, &refreshed, &extras) else {
        return oauth_error(500, "server_error", "signing failed");
    };
    answer(shared, &access, refresh.as_deref(), &id_token, &scopes)
}

/// A successful token response of the code and refresh grants, with the response defects
/// applied.
fn answer(
    shared: &Shared,
    access: &str,
    refresh: Option<&str>,
    id_token: &str,
    scopes: &[String],
) -> Response {
    let mut body = token_body(access, refresh, id_token, scopes);
    if shared.has(Defect::ExpiresInMilliseconds) {
        // Ten minutes, written in milliseconds: under the 30-day bound.
        body["expires_in"] = json!(600_000);
    }
    if shared.has(Defect::TokenTypeMissing)
        && let Some(members) = body.as_object_mut()
    {
        members.remove("token_type");
    }
    json_response(200, &body)
}

/// A successful token response.
pub(crate) fn token_response(
    access: &str,
    refresh: Option<&str>,
    id_token: &str,
    scopes: &[String],
) -> Response {
    json_response(200, &token_body(access, refresh, id_token, scopes))
}

fn token_body(access: &str, refresh: Option<&str>, id_token: &str, scopes: &[String]) -> Value {
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
    body
}
