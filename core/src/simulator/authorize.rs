//! The authorization endpoint and the login and consent forms behind it.
//!
//! A request is validated (client and redirect URI first: a bad one gets an error page, never a
//! redirect), then either answered at once (a live session with consent), or parked as a
//! transaction while the browser fills in the login and consent forms.

use std::collections::BTreeSet;

use super::server::{Request, Response};
use url::Url;

use super::Defect;
use super::id_token::{self, Extras};
use super::pages::{self, ConsentPage, LoginPage};
use super::state::{
    AuthRequest, CODE_LIFETIME, CodeRecord, Grant, ResponseType, SESSION_COOKIE, Session, Shared,
    Stage, State, TOKEN_LIFETIME, TRANSACTION_LIFETIME, Transaction, random_token,
};
use super::web::{Params, cookie, html_response, is_form, is_method, method_not_allowed, redirect};
use crate::protocol::AuthMethod;

/// Where an authorization response goes.
pub(super) struct Target {
    pub(crate) redirect_uri: String,
    pub(crate) fragment: bool,
    pub(crate) state: Option<String>,
}

/// Why a request cannot go on.
pub(super) enum Refusal {
    /// Shown as an HTML error page with this status.
    Page(u16, String),
    /// Sent back to the client as an error response.
    Redirect(Target, &'static str, String),
}

fn error_page(status: u16, message: &str) -> Response {
    let title = if status >= 500 {
        "Something went wrong"
    } else {
        "Invalid request"
    };
    html_response(status, pages::error("en", title, message))
}

/// Builds the redirect carrying an authorization response (`params` plus `state` and `iss`).
fn respond_to(shared: &Shared, target: &Target, mut params: Vec<(&str, String)>) -> Response {
    if let Some(state) = &target.state
        && !shared.has(Defect::StateNotEchoed)
    {
        params.push(("state", echoed_state(shared, state)));
    }
    if !shared.has(Defect::IssMissingFromResponse) {
        params.push((
            "iss",
            if shared.has(Defect::WrongAuthorizationResponseIss) {
                super::id_token::WRONG_ISSUER.to_string()
            } else {
                shared.issuer.clone()
            },
        ));
    }
    let Ok(mut url) = Url::parse(&target.redirect_uri) else {
        return error_page(400, "the registered redirect_uri is not a URL");
    };
    let is_error = params.iter().any(|(k, _)| *k == "error");
    let is_code = params.iter().any(|(k, _)| *k == "code");
    if target.fragment && !(is_error && shared.has(Defect::ErrorInQuery)) {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        url.set_fragment(Some(&encoded));
    } else {
        url.query_pairs_mut().extend_pairs(params);
    }
    if is_code && shared.has(Defect::CodeInPage) {
        return interstitial(url.as_str());
    }
    redirect(url.as_str())
}

/// A "you are signed in" page whose Continue link carries the response (the `code_in_page`
/// defect): the code sits in a page, where its links and resources can leak it.
fn interstitial(location: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Signed in</title></head>\n<body>\n<p>You are signed in.</p>\n<p><a href=\"{}\">Continue</a> to the application.</p>\n</body>\n</html>\n",
        pages::escape(location)
    );
    html_response(200, html)
}

fn error_redirect(shared: &Shared, target: &Target, error: &str, description: &str) -> Response {
    respond_to(
        shared,
        target,
        vec![
            ("error", error.to_string()),
            (
                "error_description",
                super::web::clean_description(description),
            ),
        ],
    )
}

fn refuse(shared: &Shared, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(status, message) => error_page(status, &message),
        Refusal::Redirect(target, error, description) => {
            error_redirect(shared, &target, error, &description)
        }
    }
}

fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The claim names a `claims` parameter requests for UserInfo or the ID token (OpenID Connect
/// Core §5.5), or why it is malformed.
fn requested_claim_names(raw: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("the claims parameter is not JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("the claims parameter must be a JSON object")?;
    let mut names = Vec::new();
    for (member, requests) in object {
        if member != "userinfo" && member != "id_token" {
            continue;
        }
        let requests = requests
            .as_object()
            .ok_or_else(|| format!("claims.{member} must be a JSON object"))?;
        names.extend(requests.keys().cloned());
    }
    Ok(names)
}

/// The parameters of an authorization request this provider understands (defect
/// `unknown_parameter_refused` refuses any other).
const KNOWN_PARAMETERS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "ui_locales",
    "login_hint",
    "acr_values",
    "id_token_hint",
    "signicat_profile",
    "response_mode",
    "claims",
    "request",
    "request_uri",
];

/// The state as echoed: whole, or cut at 64 bytes with the `state_truncated` defect.
fn echoed_state(shared: &Shared, state: &str) -> String {
    if !shared.has(Defect::StateTruncated) || state.len() <= 64 {
        return state.to_string();
    }
    let mut end = 64;
    while !state.is_char_boundary(end) {
        end -= 1;
    }
    state[..end].to_string()
}

/// Whether a redirect URI sent matches a registered one: exact string comparison (RFC 9700
/// §2.1), unless a defect loosens it.
fn redirect_uri_matches(shared: &Shared, registered: &str, sent: &str) -> bool {
    registered == sent
        || (shared.has(Defect::RedirectUriPrefixMatch) && sent.starts_with(registered))
        || (shared.has(Defect::RedirectUriCaseInsensitive) && sent.eq_ignore_ascii_case(registered))
        || (shared.has(Defect::RedirectUriLaxMatch)
            && naive_host_path(sent) == naive_host_path(registered))
}

/// A naive parser's host and path (the `redirect_uri_lax_match` defect): the text after
/// `://` up to the first `/`, cut at the first `@` or `:`, and the rest.
fn naive_host_path(uri: &str) -> (&str, &str) {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = authority.split(['@', ':']).next().unwrap_or_default();
    (host, path)
}

/// A request the provider must refuse on its own page; with the `open_redirect_on_error`
/// defect it sends the error to whatever redirect URI came instead.
fn page_or_open_redirect(shared: &Shared, params: &Params, message: String) -> Refusal {
    match params.get("redirect_uri").filter(|u| Url::parse(u).is_ok()) {
        Some(uri) if shared.has(Defect::OpenRedirectOnError) => Refusal::Redirect(
            Target {
                redirect_uri: uri.to_string(),
                fragment: false,
                state: params.get("state").map(str::to_string),
            },
            "invalid_request",
            message,
        ),
        _ => Refusal::Page(400, message),
    }
}

/// Validates an authorization request.
fn parse_request(shared: &Shared, params: &Params) -> Result<AuthRequest, Refusal> {
    let page = |m: String| page_or_open_redirect(shared, params, m);
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("client_id is missing".into()))?;
    let client = shared
        .client(client_id)
        .ok_or_else(|| page(format!("unknown client_id {client_id}")))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| page("redirect_uri is missing".into()))?;
    if !client
        .redirect_uris
        .iter()
        .any(|u| redirect_uri_matches(shared, u, redirect_uri))
    {
        return Err(page(format!(
            "redirect_uri {redirect_uri} is not registered for client {client_id}"
        )));
    }
    let raw_type = match params.get("response_type") {
        None if shared.has(Defect::MissingResponseTypeMeansCode) => "code",
        other => other.unwrap_or_default(),
    };
    let response_type = ResponseType::parse(raw_type);
    let target = Target {
        redirect_uri: redirect_uri.to_string(),
        fragment: response_type.map_or(raw_type.contains("token"), ResponseType::uses_fragment),
        state: params.get("state").map(str::to_string),
    };
    let fail = |target, error, description: &str| {
        Err(Refusal::Redirect(target, error, description.to_string()))
    };
    let invalid = |target, description: &str| fail(target, "invalid_request", description);
    if shared.has(Defect::UnknownParameterRefused)
        && let Some(unknown) = params.names().find(|n| !KNOWN_PARAMETERS.contains(n))
    {
        return invalid(target, &format!("unknown parameter {unknown}"));
    }
    let Some(response_type) = response_type else {
        return if raw_type.is_empty() {
            invalid(target, "response_type is missing")
        } else {
            fail(
                target,
                "unsupported_response_type",
                &format!(
                    "response_type {raw_type} is not supported; use code, id_token or id_token token"
                ),
            )
        };
    };
    let scopes: Vec<String> = params.words("scope");
    if !scopes.iter().any(|s| s == "openid") {
        return fail(target, "invalid_scope", "scope must contain openid");
    }
    let nonce = params.get("nonce").map(str::to_string);
    if nonce.is_none() && shared.has(Defect::NonceRequiredForCode) {
        return invalid(target, "nonce is required");
    }
    if response_type != ResponseType::Code && nonce.is_none() {
        return invalid(target, "nonce is required for the implicit flow");
    }
    let code_challenge = match params.get("code_challenge") {
        None => None,
        Some(challenge) => {
            let method = params.get("code_challenge_method").unwrap_or("plain");
            let plain_ok = shared.has(Defect::PkcePlainAccepted) && method == "plain";
            if method != "S256" && !plain_ok {
                return invalid(
                    target,
                    &format!("code_challenge_method {method} is not supported; use S256"),
                );
            }
            if !is_pkce_value(challenge) && !shared.has(Defect::PkceChallengeUnchecked) {
                return invalid(target, "code_challenge is malformed");
            }
            Some((challenge.to_string(), method.to_string()))
        }
    };
    if response_type == ResponseType::Code
        && client.auth_method == AuthMethod::None
        && code_challenge.is_none()
    {
        return invalid(
            target,
            "public clients must use PKCE (code_challenge with S256)",
        );
    }
    let prompt: BTreeSet<String> = params.words("prompt");
    if let Some(bad) = prompt
        .iter()
        .find(|p| !matches!(p.as_str(), "none" | "login" | "consent" | "select_account"))
    {
        return invalid(target, &format!("unknown prompt value {bad}"));
    }
    if prompt.contains("none") && prompt.len() > 1 {
        return invalid(target, "prompt=none cannot be combined with other values");
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(raw) => match raw.parse::<u32>() {
            Ok(v) => Some(i64::from(v)),
            Err(_) => {
                return invalid(target, "max_age must be a number of seconds");
            }
        },
    };
    let ui_locale = params
        .get("ui_locales")
        .and_then(|l| l.split_whitespace().next())
        .filter(|l| l.len() <= 35 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or("en")
        .to_string();
    let hint_sub = match params.get("id_token_hint") {
        None => None,
        Some(hint) => match id_token::hint_subject(shared, hint) {
            Ok(sub) => Some(sub),
            Err(e) => return invalid(target, &e),
        },
    };
    if shared.has(Defect::UnsupportedAcrRefused)
        && let Some(acr) = params.get("acr_values")
        && !acr
            .split(' ')
            .any(|a| a.starts_with("urn:signicat:") || a.starts_with("idp:"))
    {
        return invalid(target, &format!("acr_values {acr} are not supported"));
    }
    let requested_claims = if shared.has(Defect::ClaimsParameterIgnored) {
        Vec::new()
    } else {
        match params.get("claims").map(requested_claim_names) {
            None => Vec::new(),
            Some(Ok(names)) => names,
            Some(Err(e)) => return invalid(target, &e),
        }
    };
    Ok(AuthRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        response_type,
        scopes,
        state: target.state,
        nonce,
        code_challenge,
        prompt,
        max_age,
        ui_locale,
        login_hint: params.get("login_hint").map(str::to_string),
        acr: params
            .get("acr_values")
            .and_then(|a| a.split_whitespace().next())
            .map(str::to_string),
        hint_sub,
        signicat_profile: params.get("signicat_profile").map(str::to_string),
        requested_claims,
    })
}

fn target_of(request: &AuthRequest) -> Target {
    Target {
        redirect_uri: request.redirect_uri.clone(),
        fragment: request.response_type.uses_fragment(),
        state: request.state.clone(),
    }
}

/// `GET`/`POST /auth/open/connect/authorize`.
pub(crate) fn authorize(shared: &Shared, req: &Request) -> Response {
    let params = if is_method(req, "GET") {
        Params::query(req)
    } else if is_method(req, "POST") && !shared.has(Defect::AuthorizationPostRefused) {
        if !is_form(req) {
            return error_page(400, "a POSTed authorization request must be form-encoded");
        }
        Params::form(req)
    } else {
        return method_not_allowed(req, "GET, POST");
    };
    let params = match params {
        Ok(p) => p,
        Err(e) => return error_page(400, &e),
    };
    // A request object (RFC 9101) replaces the parameters it holds.
    let params = match super::request_object::resolve(shared, params) {
        Ok(p) => p,
        Err(refusal) => return refuse(shared, refusal),
    };
    let request = match parse_request(shared, &params) {
        Ok(r) => r,
        Err(refusal) => return refuse(shared, refusal),
    };
    let now = shared.now();
    let mut state = shared.state();
    state.sweep(now);
    let session = cookie(req, SESSION_COOKIE).and_then(|id| {
        let s = state.sessions.get(&id)?.clone();
        shared.user(&s.username)?;
        Some((id, s))
    });
    let needs_login = match &session {
        None => true,
        Some((_, s)) => {
            let stale = request.max_age.is_some_and(|m| now - s.auth_time > m)
                && !shared.has(Defect::MaxAgeIgnored);
            let other_user = request
                .hint_sub
                .as_ref()
                .is_some_and(|h| shared.user(&s.username).is_none_or(|u| &u.sub != h));
            stale
                || other_user
                || (request.prompt.contains("login") && !shared.has(Defect::PromptLoginIgnored))
                || request.prompt.contains("select_account")
        }
    };
    let needs_consent = request.prompt.contains("consent")
        || session
            .as_ref()
            .is_none_or(|(_, s)| !s.consented.contains(&request.client_id));
    if request.prompt.contains("none") && !shared.has(Defect::PromptNoneIgnored) {
        let target = target_of(&request);
        if needs_login {
            let error = if shared.has(Defect::PromptNoneAccessDenied) {
                "access_denied"
            } else {
                "login_required"
            };
            return error_redirect(shared, &target, error, "no live session for prompt=none");
        }
        if needs_consent {
            return error_redirect(
                shared,
                &target,
                "consent_required",
                "the client has no consent for prompt=none",
            );
        }
    }
    match session {
        Some((id, s)) if !needs_login => {
            if needs_consent {
                show_consent(&mut state, request, id, &s.username, now)
            } else {
                let auth_time = if shared.has(Defect::AuthTimeReset) {
                    now
                } else {
                    s.auth_time
                };
                finish(shared, &mut state, &request, &s.username, auth_time)
            }
        }
        _ => show_login(&mut state, request, now, None),
    }
}

/// Answers with a page of the sign-in (login, consent) under a new transaction at `stage`:
/// `render` draws the page for the request with the transaction's txn and csrf values.
fn show_page(
    state: &mut State,
    request: AuthRequest,
    stage: Stage,
    now: i64,
    render: impl FnOnce(&AuthRequest, &str, &str) -> String,
) -> Response {
    let txn = random_token();
    let csrf = random_token();
    let html = render(&request, &txn, &csrf);
    let transaction = Transaction {
        request,
        csrf,
        stage,
        expires_at: now + TRANSACTION_LIFETIME,
    };
    state.transactions.insert(txn, transaction);
    html_response(200, html)
}

fn show_login(
    state: &mut State,
    request: AuthRequest,
    now: i64,
    error: Option<(&str, &str)>,
) -> Response {
    show_page(state, request, Stage::Login, now, |request, txn, csrf| {
        pages::login(&LoginPage {
            lang: &request.ui_locale,
            txn,
            csrf,
            client_id: &request.client_id,
            username: error.map(|(u, _)| u).or(request.login_hint.as_deref()),
            error: error.map(|(_, e)| e),
            profile: request.signicat_profile.as_deref(),
        })
    })
}

fn show_consent(
    state: &mut State,
    request: AuthRequest,
    session: String,
    username: &str,
    now: i64,
) -> Response {
    let stage = Stage::Consent { session };
    show_page(state, request, stage, now, |request, txn, csrf| {
        pages::consent(&ConsentPage {
            lang: &request.ui_locale,
            txn,
            csrf,
            client_id: &request.client_id,
            username,
            scopes: &request.scopes,
            profile: request.signicat_profile.as_deref(),
        })
    })
}

/// Issues the authorization response for an authenticated, consenting user.
fn finish(
    shared: &Shared,
    state: &mut State,
    request: &AuthRequest,
    username: &str,
    auth_time: i64,
) -> Response {
    let target = target_of(request);
    let Some(user) = shared.user(username) else {
        return error_redirect(
            shared,
            &target,
            "login_required",
            "the session's user is gone",
        );
    };
    let now = shared.now();
    let grant = Grant {
        client_id: request.client_id.clone(),
        username: user.username.clone(),
        sub: if shared.has(Defect::SilentSignInOtherSub) && request.prompt.contains("none") {
            format!("{}-someone-else", user.sub)
        } else {
            user.sub.clone()
        },
        scopes: request.scopes.clone(),
        auth_time,
        acr: request.acr.clone(),
        requested_claims: request.requested_claims.clone(),
    };
    let grant_id = state.add_grant(grant.clone());
    let params = match request.response_type {
        ResponseType::Code => {
            let code = if shared.has(Defect::WeakAuthorizationCode) {
                random_token()[..12].to_string()
            } else if shared.has(Defect::AuthorizationCodeNotVschar) {
                format!("{}\u{7f}", random_token())
            } else {
                random_token()
            };
            state.codes.insert(
                code.clone(),
                CodeRecord {
                    grant_id,
                    redirect_uri: request.redirect_uri.clone(),
                    nonce: request.nonce.clone(),
                    code_challenge: request.code_challenge.clone(),
                    expires_at: now + CODE_LIFETIME,
                    used: false,
                },
            );
            let mut params = vec![("code", code)];
            if shared.has(Defect::TokenInQuery) {
                let (access, _) = state.issue_tokens(grant_id, &request.scopes, now, false);
                params.push(("access_token", access));
            }
            params
        }
        ResponseType::IdToken => {
            let extras = Extras {
                nonce: request.nonce.as_deref(),
                ..Extras::default()
            };
            let Some(id_token) = id_token::mint(shared, &grant, &extras) else {
                return error_redirect(shared, &target, "server_error", "signing failed");
            };
            vec![("id_token", id_token)]
        }
        ResponseType::IdTokenToken => {
            let (access, _) = state.issue_tokens(grant_id, &request.scopes, now, false);
            let extras = Extras {
                nonce: request.nonce.as_deref(),
                access_token: Some(&access),
                ..Extras::default()
            };
            let Some(id_token) = id_token::mint(shared, &grant, &extras) else {
                return error_redirect(shared, &target, "server_error", "signing failed");
            };
            vec![
                ("access_token", access),
                ("token_type", "Bearer".to_string()),
                ("expires_in", TOKEN_LIFETIME.to_string()),
                ("id_token", id_token),
            ]
        }
    };
    respond_to(shared, &target, params)
}

/// Finds the form's transaction, checking its CSRF field and stage.
fn take_transaction(
    state: &mut State,
    params: &Params,
    now: i64,
) -> Result<(String, Transaction), Response> {
    let txn = params
        .get("txn")
        .ok_or_else(|| error_page(400, "the form lacks its txn field"))?;
    let found = state
        .transactions
        .get(txn)
        .filter(|t| t.expires_at > now)
        .cloned()
        .ok_or_else(|| {
            error_page(
                400,
                "this sign-in is unknown or has expired; start again from the application",
            )
        })?;
    if params.get("csrf") != Some(found.csrf.as_str()) {
        return Err(error_page(400, "the form's csrf field does not match"));
    }
    Ok((txn.to_string(), found))
}

/// What a posted sign-in page (login, consent) continues: its form, the time, the simulator's
/// state (locked) and the sign-in's transaction, already taken out of the state.
struct PostedPage<'a> {
    params: Params,
    now: i64,
    state: std::sync::MutexGuard<'a, State>,
    txn: String,
    transaction: Transaction,
}

/// Reads a posted sign-in page: a form-encoded POST whose `txn` and `csrf` fields name a live
/// transaction; else the error page to answer with.
fn posted_page<'a>(shared: &'a Shared, req: &Request) -> Result<PostedPage<'a>, Response> {
    if !is_method(req, "POST") {
        return Err(method_not_allowed(req, "POST"));
    }
    if !is_form(req) {
        return Err(error_page(400, "the form must be posted form-encoded"));
    }
    let params = Params::form(req).map_err(|e| error_page(400, &e))?;
    let now = shared.now();
    let mut state = shared.state();
    let (txn, transaction) = take_transaction(&mut state, &params, now)?;
    Ok(PostedPage {
        params,
        now,
        state,
        txn,
        transaction,
    })
}

/// `POST /auth/open/login`: the login form.
pub(crate) fn login(shared: &Shared, req: &Request) -> Response {
    let PostedPage {
        params,
        now,
        mut state,
        txn,
        transaction,
    } = match posted_page(shared, req) {
        Ok(page) => page,
        Err(r) => return r,
    };
    if transaction.stage != Stage::Login {
        return error_page(400, "this sign-in is past the login step");
    }
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let user = shared.user(username).filter(|u| {
        shared.has(Defect::WrongPasswordAccepted)
            || u.password.as_deref().is_none_or(|p| p == password)
    });
    let Some(user) = user else {
        state.transactions.remove(&txn);
        if shared.has(Defect::WrongPasswordEndsSignIn) {
            return error_page(401, "Wrong username or password. Start the sign-in again.");
        }
        return show_login(
            &mut state,
            transaction.request,
            now,
            Some((username, "Wrong username or password.")),
        );
    };
    state.transactions.remove(&txn);
    let existing = cookie(req, SESSION_COOKIE).filter(|id| {
        state
            .sessions
            .get(id)
            .is_some_and(|s| s.username == user.username)
    });
    let session_id = match existing {
        Some(id) => {
            if let Some(s) = state.sessions.get_mut(&id) {
                s.auth_time = now;
            }
            id
        }
        None => {
            let id = random_token();
            state.sessions.insert(
                id.clone(),
                Session {
                    username: user.username.clone(),
                    auth_time: now,
                    consented: Default::default(),
                },
            );
            id
        }
    };
    let set_cookie = format!("{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax");
    let request = transaction.request;
    let consented = state
        .sessions
        .get(&session_id)
        .is_some_and(|s| s.consented.contains(&request.client_id));
    let response = if consented && !request.prompt.contains("consent") {
        finish(shared, &mut state, &request, &user.username, now)
    } else {
        show_consent(&mut state, request, session_id, &user.username, now)
    };
    response.append_header("set-cookie", set_cookie.as_str())
}

/// `POST /auth/open/consent`: the consent form.
pub(crate) fn consent(shared: &Shared, req: &Request) -> Response {
    let page = match posted_page(shared, req) {
        Ok(page) => page,
        Err(r) => return r,
    };
    let (params, mut state, txn, transaction) =
        (page.params, page.state, page.txn, page.transaction);
    let Stage::Consent { session } = &transaction.stage else {
        return error_page(400, "this sign-in has not passed the login step");
    };
    if cookie(req, SESSION_COOKIE).is_some_and(|c| &c != session) {
        return error_page(400, "this consent belongs to another browser session");
    }
    let Some(s) = state.sessions.get(session).cloned() else {
        return error_page(400, "the session of this sign-in has ended; start again");
    };
    let request = &transaction.request;
    match params.get("decision") {
        Some("allow") => {
            state.transactions.remove(&txn);
            if let Some(s) = state.sessions.get_mut(session) {
                s.consented.insert(request.client_id.clone());
            }
            finish(shared, &mut state, request, &s.username, s.auth_time)
        }
        Some("deny") => {
            state.transactions.remove(&txn);
            error_redirect(
                shared,
                &target_of(request),
                "access_denied",
                "the user denied access",
            )
        }
        _ => error_page(400, "decision must be allow or deny"),
    }
}
