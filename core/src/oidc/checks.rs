//! Response contracts of the token endpoint, error responses and protected resources
//! (RFC 6749 §5, RFC 6750 §3, OpenID Connect Core §3.1.3.3), as [`Checklist`]s: each check
//! named, with its level and clause, so a reviewer sees which rule broke and how binding it is.

use serde_json::Value;

use super::authorize::{AuthorizationRequest, AuthorizationResponse};
use super::token_hygiene::{credential_checks, error_field_checks};
use crate::checks::Checklist;
use crate::record::{Exchange, Level, RecordedResponse};

/// Lifetimes above this many seconds are milliseconds whatever else is known (seed 004 says
/// `expires_in` is in milliseconds; every specification says seconds).
const SUSPICIOUS_EXPIRES_IN: i64 = 30 * 24 * 3600;

/// A successful token response: 200, JSON, `token_type` Bearer (case-insensitive),
/// `expires_in` a positive number of seconds, an access token, an ID token when the scope
/// has openid, `Cache-Control: no-store`.
pub fn token_response(resp: &RecordedResponse, expect_id_token: bool) -> Checklist {
    let mut list = Checklist::new("the token response");
    let five_one = "RFC 6749 §5.1";
    list.status(five_one, 200, resp.status);
    let json = resp.json();
    list.must_else(
        "body",
        five_one,
        matches!(json, Some(Value::Object(_))),
        || format!("expected a JSON object, got {}", snippet(&resp.body)),
    );
    list.passed_with("a JSON object");
    let json = json.unwrap_or_default();
    let token_type = json.get("token_type");
    list.compare(
        "token_type",
        "RFC 6749 §5.1, RFC 6750 §4",
        "\"Bearer\" (case-insensitive)",
        &json_or_absent(token_type),
        token_type
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
    );
    match json.get("expires_in") {
        None => list.not_applicable("expires_in", "absent (it is RECOMMENDED, not required)"),
        Some(v) => {
            let (holds, failure) = expires_in_verdict(v, &json);
            list.must("expires_in", five_one, holds, failure);
            list.passed_with(format!("{v} seconds"));
        }
    }
    let access_token = json.get("access_token").and_then(Value::as_str);
    list.must(
        "access_token",
        five_one,
        access_token.is_some_and(|t| !t.is_empty()),
        "missing",
    );
    list.passed_with("present");
    if let Some(token) = access_token.filter(|t| !t.is_empty()) {
        credential_checks(&mut list, "access_token", token, "Appendix A.12");
    }
    if let Some(token) = json.get("refresh_token").and_then(Value::as_str) {
        credential_checks(&mut list, "refresh_token", token, "Appendix A.17");
    }
    if expect_id_token {
        list.must(
            "id_token",
            "OpenID Connect Core §3.1.3.3",
            json.get("id_token").and_then(Value::as_str).is_some(),
            "missing (the scope includes openid)",
        );
        list.passed_with("present");
    }
    let cache = cache_control(resp);
    list.must(
        "Cache-Control",
        five_one,
        directives(&cache).any(|d| d == "no-store"),
        no_store_failure(&cache),
    );
    list.passed_with(cache);
    list
}

/// A JSON field's value as JSON text (`"Bearer"`, `3600`), or `absent`: what a check says it
/// got, never Rust's `Some(…)`.
pub(crate) fn json_or_absent(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), Value::to_string)
}

/// Whether `expires_in` is a positive number of seconds. Milliseconds are caught whatever
/// their size by comparing with the ID token's own lifetime (`exp - iat`) and with its `iat`,
/// when there is an ID token (ten minutes written in milliseconds, 600000, is under 30 days
/// but a thousand times the ID token's ten minutes); without one, above 30 days.
fn expires_in_verdict(v: &Value, json: &Value) -> (bool, String) {
    let Some(n) = v.as_i64() else {
        return (
            false,
            format!("expected an integer number of seconds, got {v}"),
        );
    };
    if n <= 0 {
        return (
            false,
            format!("expected a positive number of seconds, got {n}"),
        );
    }
    let claims = json
        .get("id_token")
        .and_then(Value::as_str)
        .and_then(|t| crate::jwt::decode(t).ok())
        .map(|d| d.claims);
    let time = |name: &str| claims.as_ref()?.get(name)?.as_i64();
    let iat = time("iat").filter(|i| *i > 0);
    if let Some(iat) = iat.filter(|i| n >= *i) {
        return (
            false,
            format!(
                "{n} is not a lifetime but a point in time (the ID token was issued at {iat}); \
                 expires_in is the number of seconds the token lives"
            ),
        );
    }
    let lifetime = time("exp")
        .zip(iat)
        .map(|(exp, iat)| exp - iat)
        .filter(|l| *l > 0);
    let milliseconds = n > SUSPICIOUS_EXPIRES_IN || lifetime.is_some_and(|l| n >= 100 * l);
    if milliseconds {
        let against = lifetime
            .map(|l| format!(" (the ID token lives {l} s)"))
            .unwrap_or_else(|| " (more than 30 days)".into());
        return (
            false,
            format!("{n} is probably milliseconds{against}; the value must be in seconds"),
        );
    }
    (true, String::new())
}

/// What came instead of `Cache-Control: no-store`.
fn no_store_failure(cache: &str) -> String {
    if cache.is_empty() {
        "expected no-store, got no Cache-Control header".to_string()
    } else {
        format!("expected no-store, got {cache:?}")
    }
}

fn directives(header: &str) -> impl Iterator<Item = String> + '_ {
    header.split(',').map(|d| d.trim().to_ascii_lowercase())
}

/// An OAuth error response: the expected status class, JSON with `error` equal to `expected`,
/// an error code in the RFC 6749 character set, a description without CR, LF or TAB.
pub fn error_response(resp: &RecordedResponse, expected: &str) -> Checklist {
    let mut list = Checklist::new("the error response");
    let five_two = "RFC 6749 §5.2";
    let expected_status: &[u16] = if expected == "invalid_client" {
        &[400, 401]
    } else {
        &[400]
    };
    list.compare(
        "status",
        five_two,
        &format!("{expected_status:?}"),
        &resp.status.to_string(),
        expected_status.contains(&resp.status),
    );
    let json = resp.json().unwrap_or_default();
    let error = json.get("error").and_then(Value::as_str);
    list.compare(
        "error",
        five_two,
        &format!("{expected:?}"),
        &error
            .map(|e| format!("{e:?}"))
            .unwrap_or_else(|| format!("no error field in {}", snippet(&resp.body))),
        error == Some(expected),
    );
    error_field_checks(
        &mut list,
        five_two,
        error,
        json.get("error_description").and_then(Value::as_str),
        json.get("error_uri").and_then(Value::as_str),
    );
    if resp.status == 401 {
        list.must(
            "WWW-Authenticate",
            "RFC 9110 §15.5.2 (a 401 MUST carry a challenge); RFC 6749 §5.2 (its scheme the one the client used)",
            resp.header("www-authenticate").is_some(),
            "a 401 without WWW-Authenticate",
        );
    }
    list
}

/// A `WWW-Authenticate` header's value quoted, or that there was none.
fn challenge_text(challenge: Option<&str>) -> String {
    challenge.map_or_else(
        || "no WWW-Authenticate header".to_owned(),
        |c| format!("{c:?}"),
    )
}

/// A protected resource's rejection of a bad token (RFC 6750 §3): a `WWW-Authenticate: Bearer`
/// challenge (MUST), with `error="invalid_token"` and status 401 (SHOULD).
pub fn invalid_token(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the rejection of an invalid access token");
    let challenge = resp.header("www-authenticate");
    list.must(
        "WWW-Authenticate",
        "RFC 6750 §3",
        challenge.is_some_and(|h| h.trim_start().to_ascii_lowercase().starts_with("bearer")),
        format!(
            "expected a Bearer challenge, got {}",
            challenge_text(challenge)
        ),
    );
    list.should(
        "invalid_token",
        "RFC 6750 §3.1",
        challenge.is_some_and(|h| h.contains("invalid_token")),
        format!(
            "expected error=\"invalid_token\" in the challenge, got {}",
            challenge_text(challenge)
        ),
    );
    list.should(
        "status",
        "RFC 6750 §3.1",
        resp.status == 401,
        format!("expected 401, got {}", resp.status),
    );
    list
}

/// The client's checks of an authorization response (RFC 6749 §4.1.2, §10.12; RFC 9207;
/// OpenID Connect Core §3.2.2.5): `state` echoed exactly, `iss` (when present) equal to the
/// issuer, and nothing in the query when the response type answers in the fragment. Without
/// a request (a MobileID operation's code) only the issuer can be checked.
pub fn authorization_response(
    request: Option<&AuthorizationRequest>,
    response: &AuthorizationResponse,
    issuer: &str,
) -> Checklist {
    let mut list = Checklist::new("the authorization response");
    let fragment = request.is_some_and(AuthorizationRequest::expects_fragment);
    if let Some(request) = request {
        let sent = request.state.as_deref();
        let got = response.param("state", fragment);
        list.compare(
            "state",
            "RFC 6749 §4.1.2, §10.12",
            &format!(
                "{:?} (sent in the authorization request)",
                sent.unwrap_or("(none)")
            ),
            &format!("{:?}", got.unwrap_or("(absent)")),
            got == sent,
        );
    }
    match response
        .param("iss", fragment)
        .or(response.any_param("iss"))
    {
        Some(iss) => list.compare(
            "iss",
            "RFC 9207 §2.4",
            &format!("{issuer:?}"),
            &format!("{iss:?}"),
            iss == issuer,
        ),
        None => list.not_applicable("iss", "the provider sends no iss parameter"),
    }
    if let Some(code) = response
        .param("code", fragment)
        .filter(|_| response.any_param("error").is_none())
    {
        credential_checks(&mut list, "code", code, "Appendix A.11");
    }
    if let Some(request) = request.filter(|_| fragment) {
        let leaked: Vec<&str> = ["code", "id_token", "access_token", "state"]
            .into_iter()
            .filter(|k| response.param(k, false).is_some())
            .collect();
        list.must(
            "response mode",
            "OpenID Connect Core §3.2.2.5",
            leaked.is_empty(),
            format!(
                "{} in the query, but response_type {} must answer in the fragment",
                leaked.join(", "),
                request.response_type
            ),
        );
    }
    list
}

/// An authorization error response: `error` equal to `expected`, where the response type puts
/// it (RFC 6749 §4.1.2.1), plus the client's checks of any authorization response.
pub fn authorization_error(
    request: Option<&AuthorizationRequest>,
    response: &AuthorizationResponse,
    issuer: &str,
    expected: &str,
) -> Checklist {
    let wanted = WantedError {
        subject: "the authorization error response",
        clause: "RFC 6749 §4.1.2.1",
        described: format!("{expected:?}"),
        accepted: &[expected],
    };
    error_among(request, response, issuer, wanted)
}

/// The errors OpenID Connect Core §3.1.2.6 defines for a request that cannot be completed
/// without showing the end-user a page; for prompt=none without a session the OpenID
/// Foundation's conformance suite (oidcc-prompt-none-not-logged-in,
/// `CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface`) accepts exactly these.
pub const INTERACTION_ERRORS: [&str; 4] = [
    "login_required",
    "interaction_required",
    "account_selection_required",
    "consent_required",
];

/// The answer to a prompt=none request the provider cannot complete silently: an error
/// response whose `error` is one of [`INTERACTION_ERRORS`] (OpenID Connect Core §3.1.2.1:
/// "typically login_required, interaction_required, or another code defined in Section
/// 3.1.2.6"), plus the client's checks of any authorization response.
pub fn interaction_required_error(
    request: Option<&AuthorizationRequest>,
    response: &AuthorizationResponse,
    issuer: &str,
) -> Checklist {
    let wanted = WantedError {
        subject: "the authorization error response to prompt=none",
        clause: "OpenID Connect Core §3.1.2.1 (prompt=none), §3.1.2.6",
        described: format!("one of {}", INTERACTION_ERRORS.join(", ")),
        accepted: &INTERACTION_ERRORS,
    };
    error_among(request, response, issuer, wanted)
}

/// The authorization error a check wants: the checklist's subject, the clause, how the
/// expectation reads, and the `error` values that meet it.
struct WantedError<'a> {
    subject: &'static str,
    clause: &'static str,
    described: String,
    accepted: &'a [&'a str],
}

/// An authorization error response whose `error`, where the response type puts it, is one of
/// `wanted.accepted`; with the checks of its other error fields and of any authorization
/// response.
fn error_among(
    request: Option<&AuthorizationRequest>,
    response: &AuthorizationResponse,
    issuer: &str,
    wanted: WantedError<'_>,
) -> Checklist {
    let fragment = request.is_some_and(AuthorizationRequest::expects_fragment);
    let got = response.param("error", fragment);
    let mut list = authorization_response(request, response, issuer);
    list.subject = wanted.subject.into();
    let place = if fragment { "fragment" } else { "query" };
    list.compare(
        "error",
        wanted.clause,
        &format!("{} in the {place}", wanted.described),
        &got.map(|g| format!("{g:?}"))
            .unwrap_or_else(|| format!("no error parameter in {}", response.url)),
        got.is_some_and(|g| wanted.accepted.contains(&g)),
    );
    error_field_checks(
        &mut list,
        "RFC 6749 §4.1.2.1",
        got,
        response.param("error_description", fragment),
        response.param("error_uri", fragment),
    );
    list
}

/// Two grants gave two different access tokens (RFC 6749 §10.10): a token handed out again
/// for another grant was predictable, and revoking one grant would revoke both.
pub fn access_tokens_differ(earlier: Option<&str>, latest: Option<&str>) -> Checklist {
    let mut list = Checklist::new("the access tokens of two grants");
    let (Some(earlier), Some(latest)) = (earlier, latest) else {
        list.must(
            "access tokens differ",
            "RFC 6749 §10.10",
            false,
            format!(
                "two access tokens are needed; the scenario has {}",
                if earlier.is_none() && latest.is_none() {
                    "none"
                } else {
                    "one"
                }
            ),
        );
        return list;
    };
    list.must(
        "access tokens differ",
        "RFC 6749 §10.10 (unguessable; a token given to an earlier grant was predictable)",
        earlier != latest,
        "the provider gave the second grant the access token of the first",
    );
    list.passed_with("two grants, two different access tokens");
    list
}

/// The MUST that the provider answered `ex` itself: no redirect, neither followed by the
/// session nor in a `Location` header.
pub(crate) fn no_redirect(list: &mut Checklist, ex: &Exchange, clause: &str) {
    let location = ex.response().and_then(|r| r.header("location"));
    list.must(
        "no redirect",
        clause,
        ex.stopped_at.is_none() && location.is_none(),
        format!(
            "the provider redirected to {}",
            ex.stopped_at.as_deref().or(location).unwrap_or("?")
        ),
    );
}

/// The provider's answer to a request it must not redirect (an unregistered redirect URI):
/// its own error page, never a redirect (RFC 6749 §4.1.2.1, §3.1.2.4).
pub fn error_page(ex: &Exchange) -> Checklist {
    let mut list = Checklist::new("the provider's answer to an unregistered redirect URI");
    no_redirect(&mut list, ex, "RFC 6749 §4.1.2.1");
    let resp = ex.response();
    let status = resp.map_or(0, |r| r.status);
    list.should(
        "error status",
        "RFC 9110 §15.5",
        (400..500).contains(&status),
        format!("expected a 4xx error page, got status {status}"),
    );
    list
}

/// A refreshed ID token keeps the identity of the original (OpenID Connect Core §12.2): the
/// same iss, sub, aud, azp and auth_time, and an iat no older than the original's.
pub fn refreshed_identity(original: &Value, refreshed: &Value) -> Checklist {
    let mut list = Checklist::new("the refreshed ID token");
    for claim in ["iss", "sub", "aud", "azp", "auth_time"] {
        list.compare(
            claim,
            "OpenID Connect Core §12.2",
            &format!("{} (the original's)", json_or_absent(original.get(claim))),
            &json_or_absent(refreshed.get(claim)),
            original.get(claim) == refreshed.get(claim),
        );
    }
    let iat = |c: &Value| c.get("iat").and_then(Value::as_i64);
    list.must(
        "iat",
        "OpenID Connect Core §12.2",
        iat(refreshed) >= iat(original),
        format!(
            "refreshed {} is older than the original {}",
            json_or_absent(refreshed.get("iat")),
            json_or_absent(original.get("iat"))
        ),
    );
    list
}

/// A refresh response without an id_token: OpenID Connect Core §12.2 allows it ("might not
/// contain an id_token"), so the check `name` on the refreshed ID token does not apply; the
/// access token still stands for the end-user (UserInfo's sub against the original ID token).
pub fn refresh_without_id_token(name: &str) -> Checklist {
    let mut list = Checklist::new("the refreshed ID token");
    list.checks.push(
        crate::record::Check::not_applicable(
            name,
            "the refresh response has no id_token, which OpenID Connect Core §12.2 allows; \
             the refreshed access token still identifies the end-user through UserInfo",
        )
        .at(Level::Must)
        .clause("OpenID Connect Core §12.2"),
    );
    list
}

/// A successful UserInfo response (OpenID Connect Core §5.3.2): 200 with a JSON object that
/// has a sub.
pub fn userinfo_response(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the userinfo response");
    list.status("OpenID Connect Core §5.3.2", 200, resp.status);
    let json = resp.json();
    list.must_else(
        "sub",
        "OpenID Connect Core §5.3.2",
        json.as_ref()
            .and_then(|j| j.get("sub"))
            .and_then(Value::as_str)
            .is_some(),
        || format!("no sub in {}", snippet(&resp.body)),
    );
    list.passed_with("present, a string");
    if let Some(claims) = json.as_ref().filter(|j| j.is_object()) {
        let (holds, detail) = crate::jwt::standard_claims_verdict(claims);
        list.must(
            "standard claims",
            crate::jwt::STANDARD_CLAIMS_CLAUSE,
            holds,
            detail.clone(),
        );
        list.passed_with(detail);
    }
    list
}

/// UserInfo's sub equals the ID token's; otherwise the response must not be used (OpenID
/// Connect Core §5.3.2).
pub fn userinfo_sub(userinfo: &Value, id_token_claims: &Value) -> Checklist {
    let mut list = Checklist::new("the userinfo response");
    let info = userinfo.get("sub").cloned().unwrap_or(Value::Null);
    let token = id_token_claims.get("sub").cloned().unwrap_or(Value::Null);
    list.compare(
        "sub",
        "OpenID Connect Core §5.3.2",
        &format!("{token} (the ID token's sub)"),
        &info.to_string(),
        info == token && !info.is_null(),
    );
    list
}

/// The cache directives of a response, joined, for messages.
fn cache_control(resp: &RecordedResponse) -> String {
    resp.header_values("cache-control")
        .collect::<Vec<_>>()
        .join(", ")
}

/// UserInfo's answer carries personal data, so it should not be stored by caches. OpenID
/// Connect Core §5.3 does not require it (unlike the token response, RFC 6749 §5.1): a best
/// practice, which warns.
pub fn userinfo_not_cached(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the userinfo response");
    let cache = cache_control(resp);
    list.add(
        "Cache-Control",
        Level::BestPractice,
        "RFC 9111 §5.2.2.5 (personal data); OpenID Connect Core §5.3 does not require it",
        directives(&cache).any(|d| d == "no-store"),
        no_store_failure(&cache),
    );
    list.passed_with(cache);
    list
}

/// A protected resource called with the access token issued from a code that was then
/// replayed: the provider SHOULD have revoked it (RFC 6749 §4.1.2), so the call is refused.
pub fn revoked_after_code_replay(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the access token issued from the replayed code");
    list.should(
        "revoked after code replay",
        "RFC 6749 §4.1.2",
        resp.status == 401,
        format!(
            "expected 401 (the token revoked), got {}: the token still works",
            resp.status
        ),
    );
    list
}

/// A refresh with the refresh token that replaced a reused one: after the reuse the provider
/// should have revoked the whole family (RFC 9700 §4.14.2, best current practice), so the
/// refresh is refused with invalid_grant.
pub fn refresh_family_revoked(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the refresh token that replaced the reused one");
    let (holds, failure) = refused_as_revoked(resp, "the family revoked");
    list.add(
        "family revoked after reuse",
        Level::BestPractice,
        "RFC 9700 §4.14.2",
        holds,
        failure,
    );
    list
}

/// Whether a refresh was refused as a revoked grant must be (400 `invalid_grant`, RFC 6749
/// §5.2), and the failure's words when not (`why`: what the refusal would have meant).
pub(crate) fn refused_as_revoked(resp: &RecordedResponse, why: &str) -> (bool, String) {
    let error = resp
        .json()
        .and_then(|j| j.get("error")?.as_str().map(str::to_string));
    (
        resp.status == 400 && error.as_deref() == Some("invalid_grant"),
        format!(
            "expected 400 invalid_grant ({why}), got {} {}",
            resp.status,
            error.unwrap_or_else(|| "with new tokens".into())
        ),
    )
}

fn snippet(body: &str) -> String {
    crate::expect::body_preview(body, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_protections_warn_and_fail_only_when_strict() {
        let cached = resp(
            200,
            &[("content-type", "application/json")],
            r#"{"sub":"x"}"#,
        );
        let stored = resp(200, &[("cache-control", "no-cache, no-store")], "{}");
        assert!(!userinfo_not_cached(&stored).failed("Cache-Control"));
        let list = userinfo_not_cached(&cached);
        assert!(list.failed("Cache-Control"));
        assert!(list.verdict().is_ok(), "a best practice warns");
        let err = list.verdict_at(true).unwrap_err().to_string();
        assert!(
            err.contains("Cache-Control") && err.contains("no Cache-Control header"),
            "{err}"
        );
        assert_eq!(list.checks[0].level, Level::BestPractice);

        let still_works = revoked_after_code_replay(&cached);
        assert!(still_works.failed("revoked after code replay"));
        assert!(still_works.verdict().is_ok() && still_works.verdict_at(true).is_err());
        assert_eq!(
            still_works.checks[0].clause.as_deref(),
            Some("RFC 6749 §4.1.2")
        );
        let refused = resp(
            401,
            &[("www-authenticate", "Bearer error=\"invalid_token\"")],
            "",
        );
        assert!(!revoked_after_code_replay(&refused).failed("revoked after code replay"));

        let new_tokens = resp(200, &[], r#"{"access_token":"a"}"#);
        let family = refresh_family_revoked(&new_tokens);
        assert!(family.failed("family revoked after reuse"));
        assert!(family.verdict().is_ok() && family.verdict_at(true).is_err());
        let invalid = resp(400, &[], r#"{"error":"invalid_grant"}"#);
        assert!(!refresh_family_revoked(&invalid).failed("family revoked after reuse"));
    }

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: body.into(),
            body_size: body.len(),
        }
    }

    /// An access token as providers issue them: 32 random bytes, base64url.
    const TOKEN: &str = "Vd3k2m1xQz7Yp0aLr9TgHs4WcEoUi8BnKfJq6MvNb_-";

    #[test]
    fn good_token_response_passes() {
        let body = format!(
            r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600,"id_token":"x","refresh_token":"{TOKEN}"}}"#
        );
        let r = resp(200, &[("cache-control", "no-store")], &body);
        let list = token_response(&r, true);
        list.verdict().unwrap();
        for name in [
            "access_token characters",
            "access_token entropy",
            "refresh_token characters",
            "refresh_token entropy",
        ] {
            assert!(list.checks.iter().any(|c| c.name == name), "{name}");
        }
    }

    #[test]
    fn weak_or_odd_tokens_are_named() {
        let body = format!(
            r#"{{"access_token":"1234","token_type":"Bearer","expires_in":3600,"refresh_token":"{TOKEN}\u0007"}}"#
        );
        let r = resp(200, &[("cache-control", "no-store")], &body);
        let err = token_response(&r, false).failure();
        assert!(
            err.contains("access_token entropy: at most 13 bits"),
            "{err}"
        );
        assert!(err.contains("refresh_token characters"), "{err}");
    }

    #[test]
    fn an_expires_in_at_or_after_iat_is_a_point_in_time() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let id_token = format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"iat":1700000000,"exp":1700003600}"#)
        );
        let body = format!(
            r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":1700003600,"id_token":"{id_token}"}}"#
        );
        let r = resp(200, &[("cache-control", "no-store")], &body);
        let err = token_response(&r, true).failure();
        assert!(err.contains("not a lifetime but a point in time"), "{err}");
    }

    #[test]
    fn two_grants_need_two_access_tokens() {
        assert!(access_tokens_differ(Some("a"), Some("b")).verdict().is_ok());
        let err = access_tokens_differ(Some("a"), Some("a")).failure();
        assert!(err.contains("access tokens differ"), "{err}");
        assert!(access_tokens_differ(None, Some("a")).verdict().is_err());
    }

    #[test]
    fn userinfo_standard_claims_have_their_types() {
        let r = resp(200, &[], r#"{"sub":"s","updated_at":"2024-01-01"}"#);
        let err = userinfo_response(&r).failure();
        assert!(err.contains("standard claims: updated_at"), "{err}");
        let r = resp(200, &[], r#"{"sub":"s","updated_at":1700000000}"#);
        userinfo_response(&r).verdict().unwrap();
    }

    #[test]
    fn authorization_errors_and_codes_are_checked() {
        let request = None;
        let response = AuthorizationResponse::parse(
            "https://rp.example/cb?error=login_required&error_description=a%0D%0Ab&iss=https%3A%2F%2Fop",
        )
        .unwrap();
        let err = authorization_error(request, &response, "https://op", "login_required").failure();
        assert!(
            err.contains("error_description: contains CR or LF"),
            "{err}"
        );
        let response =
            AuthorizationResponse::parse("https://rp.example/cb?code=12345&iss=https%3A%2F%2Fop")
                .unwrap();
        let err = authorization_response(None, &response, "https://op").failure();
        assert!(err.contains("code entropy"), "{err}");
    }

    #[test]
    fn a_refresh_without_id_token_is_not_applicable_and_one_with_another_sub_fails() {
        let list = refresh_without_id_token("identity kept");
        list.verdict().unwrap();
        let check = &list.checks[0];
        assert_eq!(check.verdict, crate::record::Outcome::NotApplicable);
        assert_eq!(check.clause.as_deref(), Some("OpenID Connect Core §12.2"));
        assert!(check.detail.contains("no id_token"), "{}", check.detail);
        let original = serde_json::json!({"iss": "i", "sub": "a", "aud": "c", "iat": 1});
        let other = serde_json::json!({"iss": "i", "sub": "b", "aud": "c", "iat": 2});
        let err = refreshed_identity(&original, &other).verdict().unwrap_err();
        assert!(err.to_string().contains("sub: expected"), "{err}");
    }

    #[test]
    fn prompt_none_accepts_any_error_that_requires_interaction() {
        let answer = |error: &str| {
            let url = format!("https://rp.example/cb?error={error}&iss=https%3A%2F%2Fop");
            let response = AuthorizationResponse::parse(&url).unwrap();
            interaction_required_error(None, &response, "https://op").verdict()
        };
        for error in INTERACTION_ERRORS {
            answer(error).unwrap();
        }
        let err = answer("access_denied").unwrap_err().to_string();
        assert!(
            err.contains("error: expected one of login_required, interaction_required"),
            "{err}"
        );
        let response =
            AuthorizationResponse::parse("https://rp.example/cb?iss=https%3A%2F%2Fop").unwrap();
        let err = interaction_required_error(None, &response, "https://op")
            .verdict()
            .unwrap_err()
            .to_string();
        assert!(err.contains("no error parameter"), "{err}");
    }

    #[test]
    fn each_token_rule_is_named() {
        let r = resp(
            200,
            &[],
            r#"{"access_token":"a","token_type":"mac","expires_in":3600000}"#,
        );
        let err = token_response(&r, true).failure();
        for word in [
            "token_type",
            "probably milliseconds",
            "Cache-Control",
            "id_token",
        ] {
            assert!(err.contains(word), "{word} missing in {err}");
        }
    }

    #[test]
    fn error_response_checks_code_and_status() {
        error_response(
            &resp(400, &[], r#"{"error":"invalid_grant"}"#),
            "invalid_grant",
        )
        .verdict()
        .unwrap();
        let err =
            error_response(&resp(200, &[], r#"{"access_token":"a"}"#), "invalid_grant").failure();
        assert!(
            err.contains("status") && err.contains("no error field"),
            "{err}"
        );
    }

    #[test]
    fn invalid_token_needs_bearer_challenge() {
        invalid_token(&resp(
            401,
            &[("www-authenticate", "Bearer error=\"invalid_token\"")],
            "",
        ))
        .verdict()
        .unwrap();
        assert!(
            invalid_token(&resp(401, &[], ""))
                .failure()
                .contains("WWW-Authenticate")
        );
        // A 400 with a Bearer challenge lacks only SHOULDs: a warning, not a failure.
        let lax = invalid_token(&resp(400, &[("www-authenticate", "Bearer")], ""));
        assert!(lax.verdict().is_ok());
        assert!(lax.failed("status") && lax.failed("invalid_token"));
    }

    /// Before: the token_type check read `Some("Bearer")`, a missing one `None`, a missing
    /// challenge `got None`; the other passed checks of a token response said nothing.
    #[test]
    fn checks_say_what_they_saw_in_words_not_in_rust() {
        let body = format!(
            r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":3600,"id_token":"x"}}"#
        );
        let ok = token_response(&resp(200, &[("cache-control", "no-store")], &body), true);
        let detail = |name: &str| {
            ok.checks
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.detail.clone())
                .unwrap_or_default()
        };
        assert_eq!(detail("body"), "a JSON object");
        assert_eq!(detail("token_type"), "\"Bearer\"");
        assert_eq!(detail("expires_in"), "3600 seconds");
        assert_eq!(detail("access_token"), "present");
        assert_eq!(detail("id_token"), "present");
        assert_eq!(detail("Cache-Control"), "no-store");
        let userinfo = userinfo_response(&resp(200, &[], r#"{"sub":"s-1"}"#));
        assert_eq!(userinfo.checks[1].name, "sub");
        assert_eq!(userinfo.checks[1].detail, "present, a string");
        let failures = [
            token_response(&resp(200, &[], r#"{"access_token":"a"}"#), false).failure(),
            token_response(&resp(200, &[], r#"{"token_type":5}"#), false).failure(),
            invalid_token(&resp(401, &[], "")).failure(),
        ];
        assert!(failures[0].contains("got absent"), "{}", failures[0]);
        assert!(failures[1].contains("got 5"), "{}", failures[1]);
        assert!(
            failures[2].contains("got no WWW-Authenticate header"),
            "{}",
            failures[2]
        );
        for text in failures {
            assert!(!text.contains("None") && !text.contains("Some("), "{text}");
        }
    }

    #[test]
    fn milliseconds_are_caught_whatever_their_size() {
        // Ten minutes in milliseconds, beside an ID token that lives ten minutes.
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let header = b64(r#"{"alg":"RS256"}"#);
        let claims = b64(r#"{"iat":1700000000,"exp":1700000600}"#);
        let body = format!(
            r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":600000,"id_token":"{header}.{claims}.c2ln"}}"#
        );
        let r = resp(200, &[("cache-control", "no-store")], &body);
        let err = token_response(&r, true).failure();
        assert!(
            err.contains("probably milliseconds (the ID token lives 600 s)"),
            "{err}"
        );
        let seconds = body.replace("600000", "600");
        let r = resp(200, &[("cache-control", "no-store")], &seconds);
        token_response(&r, true).verdict().unwrap();
    }
}
