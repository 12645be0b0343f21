//! Checks on token endpoint and error responses (RFC 6749 §5, RFC 6750 §3, OpenID Connect
//! Core §3.1.3.3), each failure named so a reviewer sees which rule broke.

use crate::record::RecordedResponse;

/// Lifetimes above this many seconds are flagged as "probably milliseconds" (seed 004 says
/// `expires_in` is in milliseconds; every specification says seconds).
const SUSPICIOUS_EXPIRES_IN: i64 = 30 * 24 * 3600;

/// A successful token response: 200, JSON, `token_type` Bearer (case-insensitive),
/// `expires_in` a positive number of seconds, an access token, `Cache-Control: no-store`.
pub fn check_token_response(resp: &RecordedResponse, expect_id_token: bool) -> Result<(), String> {
    let mut problems = Vec::new();
    if resp.status != 200 {
        problems.push(format!("status: expected 200, got {}", resp.status));
    }
    let json = resp.json();
    match &json {
        Some(serde_json::Value::Object(_)) => {}
        _ => problems.push(format!(
            "body: expected a JSON object, got {}",
            snippet(&resp.body)
        )),
    }
    let json = json.unwrap_or_default();
    match json.get("token_type").and_then(|v| v.as_str()) {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        other => problems.push(format!(
            "token_type: expected \"Bearer\" (case-insensitive), got {other:?}"
        )),
    }
    match json.get("expires_in") {
        None => {}
        Some(v) => match v.as_i64() {
            Some(n) if n <= 0 => problems.push(format!("expires_in: expected a positive number of seconds, got {n}")),
            Some(n) if n > SUSPICIOUS_EXPIRES_IN => problems.push(format!(
                "expires_in: {n} seconds is more than 30 days: probably milliseconds (seed 004's mistake); the value must be in seconds"
            )),
            Some(_) => {}
            None => problems.push(format!("expires_in: expected an integer number of seconds, got {v}")),
        },
    }
    if json
        .get("access_token")
        .and_then(|v| v.as_str())
        .is_none_or(str::is_empty)
    {
        problems.push("access_token: missing".into());
    }
    if expect_id_token && json.get("id_token").and_then(|v| v.as_str()).is_none() {
        problems.push("id_token: missing (the scope includes openid)".into());
    }
    let cache = resp
        .header_values("cache-control")
        .collect::<Vec<_>>()
        .join(", ");
    if !cache
        .to_ascii_lowercase()
        .split(',')
        .any(|d| d.trim() == "no-store")
    {
        problems.push(format!(
            "Cache-Control: expected no-store (RFC 6749 §5.1), got {}",
            if cache.is_empty() {
                "no Cache-Control header".to_string()
            } else {
                format!("{cache:?}")
            }
        ));
    }
    finish("the token response", problems)
}

/// An OAuth error response: the expected status class, JSON with `error` equal to `expected`,
/// an error code in the RFC 6749 character set, a description without CR, LF or TAB.
pub fn check_error_response(resp: &RecordedResponse, expected: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    let expected_status: &[u16] = if expected == "invalid_client" {
        &[400, 401]
    } else {
        &[400]
    };
    if !expected_status.contains(&resp.status) {
        problems.push(format!(
            "status: expected {expected_status:?}, got {}",
            resp.status
        ));
    }
    let json = resp.json().unwrap_or_default();
    match json.get("error").and_then(|v| v.as_str()) {
        Some(e) if e == expected => {
            if !e
                .chars()
                .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\')
            {
                problems.push(format!(
                    "error: {e:?} has characters outside RFC 6749's set"
                ));
            }
        }
        other => problems.push(format!(
            "error: expected {expected:?}, got {}",
            other
                .map(|o| format!("{o:?}"))
                .unwrap_or_else(|| format!("no error field in {}", snippet(&resp.body)))
        )),
    }
    if let Some(d) = json.get("error_description").and_then(|v| v.as_str())
        && d.contains(['\r', '\n', '\t'])
    {
        problems.push("error_description: contains CR, LF or TAB".into());
    }
    if resp.status == 401 && resp.header("www-authenticate").is_none() {
        problems.push("WWW-Authenticate: a 401 must carry it (RFC 6749 §5.2)".into());
    }
    finish("the error response", problems)
}

/// A protected resource's rejection of a bad token: 401 with
/// `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
pub fn check_invalid_token(resp: &RecordedResponse) -> Result<(), String> {
    let mut problems = Vec::new();
    if resp.status != 401 {
        problems.push(format!("status: expected 401, got {}", resp.status));
    }
    match resp.header("www-authenticate") {
        Some(h)
            if h.trim_start().to_ascii_lowercase().starts_with("bearer")
                && h.contains("invalid_token") => {}
        Some(h) => problems.push(format!(
            "WWW-Authenticate: expected Bearer error=\"invalid_token\", got {h:?}"
        )),
        None => problems.push("WWW-Authenticate: missing".into()),
    }
    finish("the userinfo response", problems)
}

fn finish(what: &str, problems: Vec<String>) -> Result<(), String> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what} fails {} check(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

fn snippet(body: &str) -> String {
    crate::expect::body_preview(body, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn good_token_response_passes() {
        let r = resp(
            200,
            &[("cache-control", "no-store")],
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"id_token":"x"}"#,
        );
        check_token_response(&r, true).unwrap();
    }

    #[test]
    fn each_token_rule_is_named() {
        let r = resp(
            200,
            &[],
            r#"{"access_token":"a","token_type":"mac","expires_in":3600000}"#,
        );
        let err = check_token_response(&r, true).unwrap_err();
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
        check_error_response(
            &resp(400, &[], r#"{"error":"invalid_grant"}"#),
            "invalid_grant",
        )
        .unwrap();
        let err = check_error_response(&resp(200, &[], r#"{"access_token":"a"}"#), "invalid_grant")
            .unwrap_err();
        assert!(
            err.contains("status") && err.contains("no error field"),
            "{err}"
        );
    }

    #[test]
    fn invalid_token_needs_bearer_challenge() {
        check_invalid_token(&resp(
            401,
            &[("www-authenticate", "Bearer error=\"invalid_token\"")],
            "",
        ))
        .unwrap();
        assert!(
            check_invalid_token(&resp(401, &[], ""))
                .unwrap_err()
                .contains("missing")
        );
        assert!(check_invalid_token(&resp(200, &[], "{}")).is_err());
    }
}
