//! Which of the end-user's claims a provider releases: the claims of the requested scopes
//! (OpenID Connect Core §5.4), claims requested by name (§5.5), and nothing else. The claims
//! the end-user has on a target are the environment's (`users.NAME.claims`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::checks::Checklist;
use crate::protocol::{SCOPE_CLAIMS, claims_of_scope, scope_of_claim};
use crate::record::Level;

const SCOPES: &str = "OpenID Connect Core 1.0 §5.4";
const CLAIMS_PARAMETER: &str = "OpenID Connect Core 1.0 §5.5 and §5.5.1";

/// What the provider released: the UserInfo claims over the ID token's (UserInfo is where
/// §5.4 says scope claims are returned in the code flow).
fn released(userinfo: &Value, id_token: &Value) -> Map<String, Value> {
    let mut out = id_token.as_object().cloned().unwrap_or_default();
    if let Some(info) = userinfo.as_object() {
        out.extend(info.clone());
    }
    out
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// For each requested standard scope: every claim of it the environment declares for the
/// end-user is released with the declared value (a different value fails; an absent one is a
/// SHOULD), and when the environment declares none, at least one claim of the scope is
/// released (SHOULD: a provider may hold none, or the end-user may withhold them). A scope
/// the provider leaves out of a published `scopes_supported` and releases nothing of is not
/// applicable (a provider need not support every standard scope).
pub fn scope_claims(
    scopes: &[String],
    scopes_supported: Option<&[String]>,
    declared: &BTreeMap<String, Value>,
    userinfo: &Value,
    id_token: &Value,
) -> Checklist {
    let mut list = Checklist::new("the claims of the requested scopes");
    let got = released(userinfo, id_token);
    let standard: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !claims_of_scope(s).is_empty())
        .collect();
    if standard.is_empty() {
        list.not_applicable(
            "scope claims",
            "no standard scope (profile, email, address, phone) was requested",
        );
        return list;
    }
    for scope in standard {
        let names = claims_of_scope(scope);
        let unsupported = scopes_supported.is_some_and(|s| !s.iter().any(|x| x == scope));
        if unsupported && !names.iter().any(|n| got.contains_key(*n)) {
            list.not_applicable(
                &format!("scope {scope}"),
                format!("the provider does not list {scope} in scopes_supported (OpenID Connect Discovery 1.0 §3) and released none of its claims"),
            );
            continue;
        }
        let expected: Vec<(&str, &Value)> = names
            .iter()
            .filter_map(|n| declared.get(*n).map(|v| (*n, v)))
            .collect();
        if expected.is_empty() {
            let any = names.iter().any(|n| got.contains_key(*n));
            list.should(
                &format!("scope {scope}"),
                SCOPES,
                any,
                format!(
                    "none of the claims of scope {scope} ({}) was released, and the environment declares none for the end-user",
                    names.join(", ")
                ),
            );
            continue;
        }
        for (name, want) in expected {
            let check = format!("scope {scope}: {name}");
            match got.get(name) {
                None => list.should(
                    &check,
                    SCOPES,
                    false,
                    format!("not released; the environment declares {}", shown(want)),
                ),
                Some(value) => list.compare(
                    &check,
                    "the environment's users.<name>.claims",
                    &shown(want),
                    &shown(value),
                    value == want,
                ),
            }
        }
    }
    list
}

/// No claim of a standard scope that was neither requested by scope nor by name in the
/// `claims` parameter (best practice: data minimisation; §5.4 names what each scope requests).
pub fn no_unrequested_claims(
    scopes: &[String],
    claims_parameter: Option<&Value>,
    userinfo: &Value,
    id_token: &Value,
) -> Checklist {
    let mut list = Checklist::new("no claim that was not requested");
    let by_name = requested_by_name(claims_parameter);
    let got = released(userinfo, id_token);
    let extra: Vec<&str> = got
        .keys()
        .map(String::as_str)
        .filter(|claim| {
            scope_of_claim(claim).is_some_and(|scope| !scopes.iter().any(|s| s == scope))
                && !by_name.iter().any(|n| n == claim)
        })
        .collect();
    let requested: Vec<&str> = SCOPE_CLAIMS
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| scopes.iter().any(|r| r == s))
        .collect();
    list.add(
        "unrequested claims",
        Level::BestPractice,
        SCOPES,
        extra.is_empty(),
        format!(
            "released {} although the request asked only for {}",
            extra.join(", "),
            if requested.is_empty() {
                "openid".to_string()
            } else {
                requested.join(", ")
            }
        ),
    );
    list
}

/// A claim requested by name in the `claims` parameter is released, with the environment's
/// value when it declares one. Releasing it is a SHOULD: an OP may lack the claim or the
/// end-user may refuse it, and "MUST NOT generate an error" either way (§5.5.1).
pub fn requested_claim(name: &str, declared: Option<&Value>, userinfo: &Value) -> Checklist {
    let mut list = Checklist::new(format!("the requested claim {name}"));
    match (userinfo.get(name), declared) {
        (None, _) => list.should(
            name,
            CLAIMS_PARAMETER,
            false,
            "not released although requested as essential",
        ),
        (Some(value), Some(want)) => list.compare(
            name,
            "the environment's users.<name>.claims",
            &shown(want),
            &shown(value),
            value == want,
        ),
        (Some(value), None) => list.add(name, Level::Should, CLAIMS_PARAMETER, true, shown(value)),
    }
    list
}

/// The claim names a `claims` parameter requests for UserInfo or the ID token.
fn requested_by_name(claims_parameter: Option<&Value>) -> Vec<String> {
    let Some(object) = claims_parameter.and_then(Value::as_object) else {
        return Vec::new();
    };
    ["userinfo", "id_token"]
        .iter()
        .filter_map(|member| object.get(*member)?.as_object())
        .flat_map(|requests| requests.keys().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;
    use serde_json::json;

    fn scopes(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    fn declared() -> BTreeMap<String, Value> {
        [
            ("name".to_string(), json!("Alice Andersen")),
            ("email".to_string(), json!("alice@example.org")),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn declared_claims_must_match_and_absent_ones_warn() {
        let ok = scope_claims(
            &scopes("openid profile"),
            None,
            &declared(),
            &json!({"sub": "s", "name": "Alice Andersen"}),
            &json!({}),
        );
        assert!(ok.verdict_at(true).is_ok(), "{ok:?}");
        let wrong = scope_claims(
            &scopes("openid profile"),
            None,
            &declared(),
            &json!({"name": "Mallory"}),
            &json!({}),
        );
        assert!(wrong.failed("scope profile: name"));
        assert!(wrong.verdict().is_err(), "a different value is a failure");
        let absent = scope_claims(
            &scopes("openid email"),
            None,
            &declared(),
            &json!({}),
            &json!({}),
        );
        assert!(absent.verdict().is_ok(), "an absent claim only warns");
        assert!(absent.verdict_at(true).is_err());
    }

    #[test]
    fn a_scope_without_declared_claims_needs_one_of_its_claims() {
        let none = scope_claims(
            &scopes("openid phone"),
            None,
            &declared(),
            &json!({}),
            &json!({}),
        );
        assert!(none.failed("scope phone"));
        let one = scope_claims(
            &scopes("openid phone"),
            None,
            &declared(),
            &json!({"phone_number": "+4712345678"}),
            &json!({}),
        );
        assert!(one.verdict_at(true).is_ok());
        let other = scope_claims(&scopes("openid"), None, &declared(), &json!({}), &json!({}));
        assert_eq!(other.checks[0].verdict, Outcome::NotApplicable);
        let listed = ["openid".to_string(), "profile".to_string()];
        let unsupported = scope_claims(
            &scopes("openid phone"),
            Some(&listed),
            &declared(),
            &json!({}),
            &json!({}),
        );
        assert_eq!(unsupported.checks[0].verdict, Outcome::NotApplicable);
    }

    #[test]
    fn unrequested_claims_are_a_best_practice_failure() {
        let extra = no_unrequested_claims(
            &scopes("openid email"),
            None,
            &json!({"email": "a@example.org", "name": "Alice"}),
            &json!({"sub": "s", "iss": "i"}),
        );
        assert!(extra.failed("unrequested claims"));
        assert!(extra.verdict().is_ok() && extra.verdict_at(true).is_err());
        assert!(
            extra.checks[0].detail.contains("name"),
            "{:?}",
            extra.checks
        );
        let asked = no_unrequested_claims(
            &scopes("openid"),
            Some(&json!({"userinfo": {"name": {"essential": true}}})),
            &json!({"name": "Alice"}),
            &json!({}),
        );
        assert!(asked.verdict_at(true).is_ok(), "requested by name");
    }

    #[test]
    fn an_essential_claim_should_be_released() {
        let missing = requested_claim("name", None, &json!({"sub": "s"}));
        assert!(missing.verdict().is_ok() && missing.verdict_at(true).is_err());
        let wrong = requested_claim("name", Some(&json!("Alice")), &json!({"name": "Bob"}));
        assert!(wrong.verdict().is_err());
        let right = requested_claim("name", Some(&json!("Alice")), &json!({"name": "Alice"}));
        assert!(right.verdict_at(true).is_ok());
    }
}
