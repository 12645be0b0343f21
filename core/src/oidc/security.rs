//! The security pack's verdicts (RFC 9700, RFC 6749 §10, RFC 6819, RFC 9207), as
//! [`Checklist`]s: each check named, with its level and the clause it comes from, so that a
//! reviewer sees which defence held or broke. The attacker's actions that provoke them are in
//! [`super::attacks`].

use serde_json::Value;

use super::authorize::AuthorizationResponse;
use super::token_hygiene::credential_checks;
use crate::checks::Checklist;
use crate::record::{Exchange, Level, RecordedResponse};

/// The provider's answer to a request it must refuse before any login (an unregistered or
/// altered redirect URI, an unknown client): no redirect anywhere (RFC 6749 §4.1.2.1, RFC
/// 9700 §4.11.2) and no login page, since going on would end in a redirect to where the
/// request says (RFC 9700 §2.1, exact redirect URI matching).
pub fn request_refused(ex: &Exchange, shows_login_form: bool) -> Checklist {
    let mut list = Checklist::new("the provider's answer to a request it must refuse");
    super::checks::no_redirect(&mut list, ex, "RFC 6749 §4.1.2.1; RFC 9700 §4.11.2");
    let resp = ex.response();
    list.must(
        "request refused",
        "RFC 9700 §2.1, §4.1.3 (exact string matching)",
        !shows_login_form,
        "the provider accepted the request and shows its login page: after the login it \
         would redirect to the redirect URI sent",
    );
    let status = resp.map_or(0, |r| r.status);
    list.should(
        "error status",
        "RFC 9110 §15.5",
        (400..500).contains(&status) || ex.stopped_at.is_some(),
        format!("expected a 4xx error page, got status {status}"),
    );
    list
}

/// The answer to an authorization request with PKCE method `plain`: refused, as an error
/// response or an error page, never a login page or a code. RFC 9700 §2.1.1 has clients use
/// S256 (plain exposes the verifier to whoever reads the request); a provider that refuses
/// plain rules the downgrade out (FAPI 2.0 Security Profile §5.3.2.2: S256 only). A best
/// practice: it warns.
pub fn plain_refused(
    response: Option<&AuthorizationResponse>,
    shows_login_form: bool,
) -> Checklist {
    pkce_refused(
        "PKCE plain refused",
        Level::BestPractice,
        "RFC 9700 §2.1.1; RFC 7636 §4.4.1; FAPI 2.0 Security Profile §5.3.2.2",
        "plain",
        response,
        shows_login_form,
    )
}

/// The answer to an authorization request with a malformed code_challenge (RFC 7636 §4.2: 43
/// to 128 characters of the unreserved set): refused as an invalid request (RFC 6749
/// §4.1.2.1), an error response or page, never a login page or a code.
pub fn malformed_challenge_refused(
    response: Option<&AuthorizationResponse>,
    shows_login_form: bool,
) -> Checklist {
    pkce_refused(
        "malformed PKCE challenge refused",
        Level::Must,
        "RFC 7636 §4.2; RFC 6749 §4.1.2.1",
        "malformed",
        response,
        shows_login_form,
    )
}

fn pkce_refused(
    name: &str,
    level: Level,
    clause: &str,
    what: &str,
    response: Option<&AuthorizationResponse>,
    shows_login_form: bool,
) -> Checklist {
    let mut list = Checklist::new(format!("the provider's answer to a {what} PKCE challenge"));
    let (holds, failure) = match response {
        Some(r) if r.any_param("code").is_some() => (
            false,
            format!("the provider issued a code for a {what} challenge"),
        ),
        Some(r) => (
            r.any_param("error").is_some(),
            format!("no error in the redirect {}", r.url),
        ),
        None => (
            !shows_login_form,
            format!("the provider accepted the {what} challenge and shows its login page"),
        ),
    };
    list.add(name, level, clause, holds, failure);
    list
}

/// Two redemptions of one code sent at once: at most one gets tokens (RFC 6749 §4.1.2: the
/// code is single-use, and the provider MUST deny a second request).
pub fn one_redemption_wins(responses: &[&RecordedResponse]) -> Checklist {
    let mut list = Checklist::new("two concurrent redemptions of one authorization code");
    let won: Vec<String> = responses
        .iter()
        .map(|r| {
            let tokens = r
                .json()
                .and_then(|j| j.get("access_token").cloned())
                .is_some();
            format!("{}{}", r.status, if tokens { " with tokens" } else { "" })
        })
        .collect();
    let winners = responses
        .iter()
        .filter(|r| {
            r.status == 200
                && r.json()
                    .and_then(|j| j.get("access_token").cloned())
                    .is_some()
        })
        .count();
    list.must(
        "at most one redemption wins",
        "RFC 6749 §4.1.2",
        winners <= 1,
        format!(
            "{winners} of {} redemptions got tokens ({})",
            responses.len(),
            won.join(", ")
        ),
    );
    list
}

/// The code flow's redirect carries no token, in the query or the fragment (OAuth 2.0
/// Multiple Response Type Encoding Practices §2.1 and §5: `code` answers with a code only;
/// RFC 9700 §4.3: tokens in URLs leak through logs, history and Referer).
pub fn no_token_in_redirect(response: &AuthorizationResponse) -> Checklist {
    let mut list = Checklist::new("the code flow's authorization response");
    let leaked: Vec<String> = ["access_token", "id_token", "refresh_token"]
        .into_iter()
        .flat_map(|k| {
            let q = response
                .param(k, false)
                .map(|_| format!("{k} in the query"));
            let f = response
                .param(k, true)
                .map(|_| format!("{k} in the fragment"));
            [q, f]
        })
        .flatten()
        .collect();
    list.must(
        "no token in the redirect",
        "OAuth 2.0 Multiple Response Type Encoding Practices §2.1, §5; RFC 9700 §4.3",
        leaked.is_empty(),
        format!("{} of the redirect to the client", leaked.join(", ")),
    );
    list
}

/// No page the user agent was shown on the way to the client holds the authorization code,
/// in its URL or its content: the code travels in the redirect only. A code in a page leaks
/// through the Referer of the page's links and resources and through the browser history (RFC
/// 9700 §4.2.1 and §4.2.4; RFC 6749 §10.5). Redirects (3xx) and the form_post mode's page are
/// the transport itself and are not counted. A best practice: it warns.
pub fn code_only_in_redirect<'e>(
    exchanges: impl Iterator<Item = &'e Exchange>,
    code: &str,
) -> Checklist {
    let mut list = Checklist::new("the pages before the redirect to the client");
    let pages: Vec<String> = exchanges
        .flat_map(|ex| ex.hops.iter())
        .filter(|hop| {
            hop.response.as_ref().is_some_and(|r| {
                (200..300).contains(&r.status)
                    && (hop.request.url.contains(code) || r.body.contains(code))
            })
        })
        .map(|hop| {
            hop.request
                .url
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    list.add(
        "code only in the redirect",
        Level::BestPractice,
        "RFC 9700 §4.2.1, §4.2.4; RFC 6749 §10.5",
        pages.is_empty(),
        format!(
            "the code is in the page {} (its links and resources leak it through Referer)",
            pages.join(", ")
        ),
    );
    list
}

/// The authorization response names its issuer (RFC 9207 §2; RFC 9700 §4.4.2's mix-up
/// defence): `iss` present, in the response mode's place, equal to the issuer.
/// `in_fragment`: whether the response mode puts the parameters in the fragment.
pub fn issuer_named(
    response: &AuthorizationResponse,
    issuer: &str,
    in_fragment: bool,
) -> Checklist {
    let mut list = Checklist::new("the authorization response's issuer");
    let iss = response.param("iss", in_fragment);
    list.compare(
        "iss",
        "RFC 9207 §2",
        &format!("{issuer:?}"),
        &iss.map_or_else(|| "no iss parameter".to_string(), |i| format!("{i:?}")),
        iss == Some(issuer),
    );
    list
}

/// The client's verdict on a response whose `iss` names another issuer: refused (RFC 9207
/// §2.4: the client MUST compare and reject on a mismatch).
pub fn issuer_rejected(client_checks: &Checklist) -> Checklist {
    let mut list = Checklist::new("the client's check of a response from another issuer");
    list.must(
        "foreign issuer rejected",
        "RFC 9207 §2.4; RFC 9700 §4.4.2",
        client_checks.failed("iss"),
        "the client accepted an authorization response whose iss names another issuer",
    );
    list
}

/// The client's verdict on an ID token replayed from another flow: refused because its nonce
/// is not the one this flow sent (OpenID Connect Core §3.1.3.7 item 11; RFC 9700 §4.5.3).
pub fn replayed_nonce_rejected(nonce_failed: bool, detail: &str) -> Checklist {
    let mut list = Checklist::new("the client's check of an ID token from another flow");
    list.must(
        "replayed nonce rejected",
        "OpenID Connect Core §3.1.3.7 item 11; RFC 9700 §4.5.3",
        nonce_failed,
        format!("the client accepted the other flow's ID token ({detail})"),
    );
    list
}

/// The authorization code is unguessable and made of VSCHAR: the checks every received code
/// gets ([`credential_checks`]: RFC 6749 §10.10 and Appendix A.11; RFC 6819 §5.1.4.2.2), as a
/// verdict of its own.
pub fn code_entropy(code: &str) -> Checklist {
    let mut list = Checklist::new("the authorization code");
    credential_checks(&mut list, "code", code, "Appendix A.11");
    list
}

/// A token request with the client's secret in the request URI's query: refused (RFC 6749
/// §2.3.1: the credentials MUST NOT be included in the request URI), with an OAuth error and
/// no tokens.
pub fn secret_in_query_refused(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the token endpoint's answer to a secret in the query");
    let json = resp.json().unwrap_or(Value::Null);
    let error = json.get("error").and_then(Value::as_str);
    list.must(
        "secret in the request URI refused",
        "RFC 6749 §2.3.1",
        (400..500).contains(&resp.status) && json.get("access_token").is_none(),
        format!(
            "expected a 4xx error (invalid_client or invalid_request), got {} {}",
            resp.status,
            error.unwrap_or("with tokens")
        ),
    );
    list
}

/// A refresh rotated the refresh token: the response has a new one, unlike the one sent (RFC
/// 9700 §4.14.2, one of the two protections of refresh tokens of public clients).
pub fn refresh_rotated(sent: Option<&str>, received: Option<&str>) -> Checklist {
    let mut list = Checklist::new("the refresh response");
    list.must(
        "refresh token rotated",
        "RFC 9700 §4.14.2; RFC 6749 §6",
        received.is_some() && received != sent,
        match received {
            None => "no new refresh token".to_string(),
            Some(_) => "the same refresh token came back".to_string(),
        },
    );
    list
}

/// A refresh with the refresh token issued from a code that was then replayed: the provider
/// SHOULD have revoked it with the code's other tokens (RFC 6749 §4.1.2; RFC 9700 §4.14).
pub fn refresh_revoked_after_code_replay(resp: &RecordedResponse) -> Checklist {
    let mut list = Checklist::new("the refresh token issued from the replayed code");
    let (holds, failure) = super::checks::refused_as_revoked(resp, "revoked");
    list.should(
        "refresh token revoked after code replay",
        "RFC 6749 §4.1.2; RFC 9700 §4.14",
        holds,
        failure,
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ExchangeEnd, Hop, RecordedRequest};

    fn resp(status: u16, body: &str) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: vec![],
            body: body.into(),
            body_size: body.len(),
        }
    }

    fn exchange(status: u16, location: Option<&str>, stopped_at: Option<&str>) -> Exchange {
        let mut response = resp(status, "");
        if let Some(l) = location {
            response.headers.push(("location".into(), l.into()));
        }
        Exchange {
            seq: 1,
            label: "authorization request".into(),
            hops: vec![Hop {
                request: RecordedRequest {
                    method: "GET".into(),
                    url: "https://op.example/authorize".into(),
                    headers: vec![],
                    body: None,
                },
                response: Some(response),
                started_at_ms: 0,
                duration_ms: 1.0,
            }],
            end: ExchangeEnd::Response,
            stopped_at: stopped_at.map(str::to_string),
            error: None,
        }
    }

    #[test]
    fn a_refused_request_neither_redirects_nor_shows_a_login_page() {
        request_refused(&exchange(400, None, None), false)
            .verdict()
            .unwrap();
        let login = request_refused(&exchange(200, None, None), true);
        assert!(login.failed("request refused") && login.verdict().is_err());
        let redirected = request_refused(
            &exchange(302, Some("https://evil.example/cb?error=x"), None),
            false,
        );
        assert!(redirected.failed("no redirect"));
        let err = redirected.failure();
        assert!(err.contains("evil.example"), "{err}");
    }

    #[test]
    fn plain_must_be_refused_but_only_warns() {
        let error =
            AuthorizationResponse::parse("https://rp.example/cb?error=invalid_request").unwrap();
        assert!(!plain_refused(Some(&error), false).failed("PKCE plain refused"));
        let code = AuthorizationResponse::parse("https://rp.example/cb?code=abc").unwrap();
        let list = plain_refused(Some(&code), false);
        assert!(list.failed("PKCE plain refused"));
        assert!(list.verdict().is_ok() && list.verdict_at(true).is_err());
        assert!(plain_refused(None, true).failed("PKCE plain refused"));
        assert!(!plain_refused(None, false).failed("PKCE plain refused"));
        let malformed = malformed_challenge_refused(None, true);
        assert!(malformed.failed("malformed PKCE challenge refused"));
        assert!(malformed.verdict().is_err(), "a MUST");
        malformed_challenge_refused(Some(&error), false)
            .verdict()
            .unwrap();
    }

    #[test]
    fn a_code_in_a_page_warns() {
        let mut clean = exchange(302, Some("https://rp.example/cb?code=c0de"), None);
        clean.hops[0].response.as_mut().unwrap().body = "Redirecting to c0de".into();
        let list = code_only_in_redirect([&clean].into_iter(), "c0de");
        assert!(
            !list.failed("code only in the redirect"),
            "a redirect's body is not a page"
        );
        let mut page = exchange(200, None, None);
        page.hops[0].response.as_mut().unwrap().body =
            "<a href=\"https://rp.example/cb?code=c0de\">Continue</a>".into();
        let list = code_only_in_redirect([&clean, &page].into_iter(), "c0de");
        assert!(list.failed("code only in the redirect"));
        assert!(list.verdict().is_ok() && list.verdict_at(true).is_err());
    }

    #[test]
    fn two_winning_redemptions_fail() {
        let ok = resp(200, r#"{"access_token":"a"}"#);
        let denied = resp(400, r#"{"error":"invalid_grant"}"#);
        one_redemption_wins(&[&ok, &denied]).verdict().unwrap();
        one_redemption_wins(&[&denied, &denied]).verdict().unwrap();
        let err = one_redemption_wins(&[&ok, &ok]).failure();
        assert!(err.contains("2 of 2 redemptions got tokens"), "{err}");
    }

    #[test]
    fn tokens_in_the_code_redirect_are_named() {
        let clean = AuthorizationResponse::parse("https://rp.example/cb?code=c&state=s").unwrap();
        no_token_in_redirect(&clean).verdict().unwrap();
        let leaky =
            AuthorizationResponse::parse("https://rp.example/cb?code=c&access_token=t#id_token=i")
                .unwrap();
        let err = no_token_in_redirect(&leaky).failure();
        assert!(
            err.contains("access_token in the query") && err.contains("id_token in the fragment"),
            "{err}"
        );
    }

    #[test]
    fn the_issuer_must_be_named_and_a_foreign_one_rejected() {
        let named = AuthorizationResponse::parse(
            "https://rp.example/cb?code=c&iss=https%3A%2F%2Fop.example",
        )
        .unwrap();
        issuer_named(&named, "https://op.example", false)
            .verdict()
            .unwrap();
        let missing = AuthorizationResponse::parse("https://rp.example/cb?code=c").unwrap();
        assert!(issuer_named(&missing, "https://op.example", false).failed("iss"));
        let client = super::super::checks::authorization_response(None, &named, "https://other");
        issuer_rejected(&client).verdict().unwrap();
        let client =
            super::super::checks::authorization_response(None, &named, "https://op.example");
        assert!(issuer_rejected(&client).failed("foreign issuer rejected"));
    }

    #[test]
    fn the_code_verdict_is_the_credential_checks() {
        let b64 = super::super::pkce::random_value(32);
        assert!(code_entropy(&b64).verdict().is_ok());
        let err = code_entropy("0a1b2c3d").failure();
        assert!(
            err.contains("code entropy") && err.contains("at most 32 bits"),
            "{err}"
        );
        // 22 lower-case letters: 22 × log2(26) ≈ 103 bits.
        assert!(code_entropy("abcdefghijklmnopqrstuv").failed("code entropy"));
    }

    #[test]
    fn a_secret_in_the_query_must_be_refused() {
        secret_in_query_refused(&resp(401, r#"{"error":"invalid_client"}"#))
            .verdict()
            .unwrap();
        secret_in_query_refused(&resp(400, r#"{"error":"invalid_request"}"#))
            .verdict()
            .unwrap();
        assert!(
            secret_in_query_refused(&resp(200, r#"{"access_token":"a"}"#))
                .failed("secret in the request URI refused")
        );
    }

    #[test]
    fn rotation_and_revocation_verdicts() {
        refresh_rotated(Some("a"), Some("b")).verdict().unwrap();
        assert!(refresh_rotated(Some("a"), Some("a")).failed("refresh token rotated"));
        assert!(refresh_rotated(Some("a"), None).failed("refresh token rotated"));
        let revoked = resp(400, r#"{"error":"invalid_grant"}"#);
        assert!(
            !refresh_revoked_after_code_replay(&revoked)
                .failed("refresh token revoked after code replay")
        );
        let alive = refresh_revoked_after_code_replay(&resp(200, r#"{"access_token":"a"}"#));
        assert!(alive.failed("refresh token revoked after code replay"));
        assert!(alive.verdict().is_ok() && alive.verdict_at(true).is_err());
        assert!(
            replayed_nonce_rejected(false, "nonce passed")
                .verdict()
                .is_err()
        );
        replayed_nonce_rejected(true, "").verdict().unwrap();
    }
}
