//! Contracts across two sign-ins of one end-user: auth_time stays while a session is reused and
//! moves when the end-user authenticates again, and the subject stays the same (OpenID Connect
//! Core §2, §3.1.2.1); and the answer to a request the provider cannot process at all.

use serde_json::Value;

use super::authorize::AuthorizationResponse;
use crate::checks::Checklist;
use crate::record::Level;

const AUTH_TIME: &str =
    "OpenID Connect Core 1.0 §2 (auth_time: when the End-User authentication occurred)";
const MAX_AGE: &str =
    "OpenID Connect Core 1.0 §3.1.2.1 (max_age: the OP MUST actively re-authenticate)";
const PROMPT_LOGIN: &str =
    "OpenID Connect Core 1.0 §3.1.2.1 (prompt=login: the OP SHOULD prompt for reauthentication)";

/// Why the second sign-in had to authenticate the end-user again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reauthentication {
    /// `max_age` was exceeded: a MUST.
    MaxAgeExceeded,
    /// `prompt=login` was sent: a SHOULD.
    PromptLogin,
}

impl Reauthentication {
    /// The reason a request carries, if any: max_age first (the stronger rule).
    pub fn of_request(params: &[(String, String)], seconds_since_sign_in: i64) -> Option<Self> {
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        if get("max_age")
            .and_then(|m| m.parse::<i64>().ok())
            .is_some_and(|m| seconds_since_sign_in > m)
        {
            return Some(Reauthentication::MaxAgeExceeded);
        }
        get("prompt")
            .is_some_and(|p| p.split(' ').any(|v| v == "login"))
            .then_some(Reauthentication::PromptLogin)
    }

    fn level_and_clause(self) -> (Level, &'static str) {
        match self {
            Reauthentication::MaxAgeExceeded => (Level::Must, MAX_AGE),
            Reauthentication::PromptLogin => (Level::Should, PROMPT_LOGIN),
        }
    }
}

fn auth_time(claims: &Value) -> Option<i64> {
    claims.get("auth_time")?.as_i64()
}

fn shown(t: Option<i64>) -> String {
    t.map_or_else(|| "absent".to_string(), |t| t.to_string())
}

/// When the previous sign-in's authentication happened at the latest: its auth_time, or, when
/// its ID token carried none (auth_time is REQUIRED only with max_age or when requested), its
/// iat, with the name of the claim used.
fn previous_authentication(previous: &Value) -> Option<(i64, &'static str)> {
    auth_time(previous)
        .map(|t| (t, "auth_time"))
        .or_else(|| Some((previous.get("iat")?.as_i64()?, "iat")))
}

/// A reused session reports the first sign-in's auth_time (compared when both ID tokens carry
/// it; when only the second does, it must not be later than the first ID token's iat).
pub fn auth_time_kept(previous: &Value, current: &Value) -> Checklist {
    let mut list = Checklist::new("auth_time across a reused session");
    const NAME: &str = "auth_time kept";
    let Some(now) = auth_time(current) else {
        list.not_applicable(
            NAME,
            "the ID token has no auth_time (REQUIRED only with max_age or when requested)",
        );
        return list;
    };
    match previous_authentication(previous) {
        Some((before, "auth_time")) => list.compare(
            NAME,
            AUTH_TIME,
            &before.to_string(),
            &now.to_string(),
            before == now,
        ),
        Some((issued, _)) => list.must(
            NAME,
            AUTH_TIME,
            now <= issued,
            format!(
                "auth_time {now} is after the previous ID token's iat {issued}: the end-user authenticated again although the session was reused"
            ),
        ),
        None => list.must(NAME, AUTH_TIME, false, "the previous ID token has neither auth_time nor iat"),
    }
    list
}

/// A second authentication reports a later auth_time than the first sign-in's; the level
/// follows the reason (`None` when the request gave the provider no reason to ask again).
pub fn auth_time_later(
    previous: &Value,
    current: &Value,
    reason: Option<Reauthentication>,
) -> Checklist {
    let mut list = Checklist::new("auth_time after re-authentication");
    let Some(reason) = reason else {
        list.not_applicable(
            "auth_time later",
            "the request had neither prompt=login nor an exceeded max_age",
        );
        return list;
    };
    let (level, clause) = reason.level_and_clause();
    let before = previous_authentication(previous);
    let now = auth_time(current);
    if now.is_none() && reason == Reauthentication::PromptLogin {
        list.not_applicable(
            "auth_time later",
            "the ID token has no auth_time (REQUIRED only with max_age or when requested)",
        );
        return list;
    }
    list.add(
        "auth_time later",
        level,
        clause,
        matches!((before, now), (Some((b, _)), Some(n)) if n > b),
        format!(
            "auth_time {} is not later than the previous sign-in's {}: the end-user was not authenticated again",
            shown(now),
            before.map_or_else(|| "authentication (no auth_time, no iat)".to_string(), |(t, claim)| format!("{claim} {t}"))
        ),
    );
    list
}

/// The second sign-in names the same end-user (a sub is never reassigned, §2; an
/// id_token_hint names the end-user the OP must answer for, §3.1.2.1).
pub fn same_subject(previous: &Value, current: &Value) -> Checklist {
    let mut list = Checklist::new("the subject across two sign-ins");
    let sub = |c: &Value| super::checks::json_or_absent(c.get("sub"));
    let (before, now) = (sub(previous), sub(current));
    list.compare(
        "same sub",
        "OpenID Connect Core 1.0 §2 and §3.1.2.1 (id_token_hint)",
        &before,
        &now,
        previous.get("sub").is_some() && before == now,
    );
    list
}

/// A request without `response_type` (REQUIRED, RFC 6749 §3.1.1 and §4.1.1): an error page, or
/// a redirect carrying `invalid_request` or `unsupported_response_type`; never a code or token.
/// When the provider did not redirect, `page` is the status of the page it showed and whether
/// that page is a login form (the provider went on with the request instead of refusing it).
pub fn missing_response_type(
    page: (u16, bool),
    response: Option<&AuthorizationResponse>,
) -> Checklist {
    let mut list = Checklist::new("the answer to a request without response_type");
    let Some(response) = response else {
        let (status, login_form) = page;
        list.must(
            "refused",
            "RFC 6749 §3.1.1 and §4.1.1 (response_type is REQUIRED)",
            !login_form,
            "the provider showed its login form: it went on with a request that has no response_type",
        );
        list.should(
            "error page",
            "RFC 9110 §15.5",
            (400..500).contains(&status),
            format!("the provider did not redirect but answered with status {status}, not a 4xx error page"),
        );
        return list;
    };
    let issued: Vec<&str> = ["code", "id_token", "access_token"]
        .into_iter()
        .filter(|p| response.any_param(p).is_some())
        .collect();
    list.must(
        "nothing issued",
        "RFC 6749 §3.1.1 and §4.1.1 (response_type is REQUIRED)",
        issued.is_empty(),
        format!(
            "the provider issued {} to a request without response_type",
            issued.join(", ")
        ),
    );
    let error = response.any_param("error");
    list.must(
        "error",
        "RFC 6749 §4.1.2.1",
        matches!(error, Some("invalid_request" | "unsupported_response_type")),
        format!(
            "expected error invalid_request or unsupported_response_type, got {}",
            error.map_or("none".to_string(), |e| format!("{e:?}"))
        ),
    );
    list
}

/// The answer to an authorization request sent by POST: not refused as a method or path the
/// endpoint lacks (`status` of the first response), and processed: the login form, or a
/// redirect to the client without `error`.
pub fn post_accepted(
    status: u16,
    login_form: bool,
    redirected: bool,
    error: Option<&str>,
) -> Checklist {
    const POST: &str = "OpenID Connect Core 1.0 §3.1.2.1 (the endpoint MUST support GET and POST)";
    let mut list = Checklist::new("the authorization request sent by POST");
    list.must(
        "POST accepted",
        POST,
        !matches!(status, 404 | 405 | 501),
        format!("the authorization endpoint answered POST with status {status}"),
    );
    list.must(
        "request processed",
        POST,
        login_form || (redirected && error.is_none()),
        match error {
            Some(e) => format!("the provider answered the POSTed request with error {e:?}"),
            None => {
                "the provider showed neither its login form nor redirected to the client".into()
            }
        },
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_reason_sets_the_level() {
        let max_age = Reauthentication::of_request(&params(&[("max_age", "1")]), 2);
        assert_eq!(max_age, Some(Reauthentication::MaxAgeExceeded));
        assert_eq!(
            Reauthentication::of_request(&params(&[("max_age", "10")]), 2),
            None
        );
        let login = Reauthentication::of_request(&params(&[("prompt", "login consent")]), 0);
        assert_eq!(login, Some(Reauthentication::PromptLogin));
        let (a, b) = (json!({"auth_time": 100}), json!({"auth_time": 100}));
        let must = auth_time_later(&a, &b, max_age);
        assert!(must.verdict().is_err(), "max_age is a MUST");
        let should = auth_time_later(&a, &b, login);
        assert!(should.verdict().is_ok() && should.verdict_at(true).is_err());
        let later = auth_time_later(&a, &json!({"auth_time": 102}), max_age);
        assert!(later.verdict_at(true).is_ok());
        let none = auth_time_later(&a, &b, None);
        assert_eq!(none.checks[0].verdict, Outcome::NotApplicable);
    }

    #[test]
    fn a_reused_session_keeps_auth_time_and_sub() {
        let first = json!({"sub": "s1", "auth_time": 100});
        assert!(
            auth_time_kept(&first, &json!({"auth_time": 100}))
                .verdict()
                .is_ok()
        );
        assert!(
            auth_time_kept(&first, &json!({"auth_time": 105}))
                .verdict()
                .is_err()
        );
        let absent = auth_time_kept(&first, &json!({}));
        assert_eq!(absent.checks[0].verdict, Outcome::NotApplicable);
        let issued = json!({"sub": "s1", "iat": 110});
        assert!(
            auth_time_kept(&issued, &json!({"auth_time": 100}))
                .verdict()
                .is_ok()
        );
        assert!(
            auth_time_kept(&issued, &json!({"auth_time": 112}))
                .verdict()
                .is_err()
        );
        let max_age = Some(Reauthentication::MaxAgeExceeded);
        let later = auth_time_later(&issued, &json!({"auth_time": 112}), max_age);
        assert!(later.verdict().is_ok());
        assert!(
            auth_time_later(&issued, &json!({}), max_age)
                .verdict()
                .is_err()
        );
        assert!(
            same_subject(&first, &json!({"sub": "s1"}))
                .verdict()
                .is_ok()
        );
        assert!(same_subject(&first, &json!({"sub": "s2"})).failed("same sub"));
    }

    #[test]
    fn a_post_must_reach_the_login_form_or_the_client() {
        assert!(post_accepted(200, true, false, None).verdict().is_ok());
        assert!(post_accepted(302, false, true, None).verdict().is_ok());
        let refused = post_accepted(405, false, false, None);
        assert!(refused.failed("POST accepted") && refused.failed("request processed"));
        assert!(
            post_accepted(302, false, true, Some("invalid_request")).failed("request processed")
        );
    }

    #[test]
    fn a_missing_response_type_must_not_issue_a_code() {
        let redirect =
            |q: &str| AuthorizationResponse::parse(&format!("https://rp.example/cb?{q}")).unwrap();
        let refused = redirect("error=invalid_request&state=x");
        assert!(
            missing_response_type((302, false), Some(&refused))
                .verdict()
                .is_ok()
        );
        let issued = redirect("code=abc&state=x");
        let list = missing_response_type((302, false), Some(&issued));
        assert!(
            missing_response_type((400, false), None)
                .verdict_at(true)
                .is_ok()
        );
        assert!(missing_response_type((200, true), None).failed("refused"));
        assert!(list.failed("nothing issued") && list.failed("error"));
    }
}
