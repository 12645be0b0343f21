//! The types OpenID Connect Core 1.0 §5.1 gives the standard claims, checked on whatever
//! standard claims a set holds (an ID token's payload, a UserInfo answer): `email_verified`
//! and `phone_number_verified` booleans, `updated_at` a number, `address` a JSON object whose
//! members (§5.1.1) are strings, every other standard claim a string.

use serde_json::Value;

/// The clause the types come from.
pub const STANDARD_CLAIMS_CLAUSE: &str =
    "OpenID Connect Core 1.0 §5.1 (standard claim types) and §5.1.1 (address)";

/// The JSON type a standard claim must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Boolean,
    Number,
    Address,
}

const STANDARD: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("given_name", Kind::Text),
    ("family_name", Kind::Text),
    ("middle_name", Kind::Text),
    ("nickname", Kind::Text),
    ("preferred_username", Kind::Text),
    ("profile", Kind::Text),
    ("picture", Kind::Text),
    ("website", Kind::Text),
    ("email", Kind::Text),
    ("email_verified", Kind::Boolean),
    ("gender", Kind::Text),
    ("birthdate", Kind::Text),
    ("zoneinfo", Kind::Text),
    ("locale", Kind::Text),
    ("phone_number", Kind::Text),
    ("phone_number_verified", Kind::Boolean),
    ("address", Kind::Address),
    ("updated_at", Kind::Number),
];

const ADDRESS_MEMBERS: &[&str] = &[
    "formatted",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
];

/// What is wrong with the standard claims of `claims`, one line per claim; empty when every
/// standard claim present has its type. The second value names the claims that were checked.
pub fn standard_claim_problems(claims: &Value) -> (Vec<String>, Vec<&'static str>) {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for (name, kind) in STANDARD {
        let Some(value) = claims.get(name) else {
            continue;
        };
        checked.push(*name);
        let shown = crate::expect::render(value);
        match kind {
            Kind::Text if !value.is_string() => {
                problems.push(format!("{name} is {shown}, not a string"));
            }
            Kind::Boolean if !value.is_boolean() => {
                problems.push(format!("{name} is {shown}, not a JSON boolean"));
            }
            Kind::Number if !value.is_number() => problems.push(format!(
                "{name} is {shown}, not a JSON number (seconds since the epoch)"
            )),
            Kind::Address => match value.as_object() {
                None => problems.push(format!("address is {shown}, not a JSON object")),
                Some(members) => {
                    for (member, v) in members {
                        if ADDRESS_MEMBERS.contains(&member.as_str()) && !v.is_string() {
                            problems.push(format!(
                                "address.{member} is {}, not a string",
                                crate::expect::render(v)
                            ));
                        }
                    }
                }
            },
            _ => {}
        }
    }
    (problems, checked)
}

/// The verdict of the standard claim types, as `(holds, detail)`.
pub fn standard_claims_verdict(claims: &Value) -> (bool, String) {
    let (problems, checked) = standard_claim_problems(claims);
    if !problems.is_empty() {
        return (false, problems.join("; "));
    }
    if checked.is_empty() {
        (true, "no standard claim present".into())
    } else {
        (true, format!("{} have their types", checked.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_standard_claim_has_its_type() {
        let good = json!({
            "sub": "s", "email": "a@b", "email_verified": true, "phone_number_verified": false,
            "updated_at": 1_700_000_000, "address": {"country": "NO", "postal_code": "0150"},
            "mobileid_device_id": 42
        });
        let (holds, detail) = standard_claims_verdict(&good);
        assert!(holds, "{detail}");
        assert!(detail.contains("email_verified"), "{detail}");
        let bad = json!({
            "email_verified": "true", "updated_at": "2024-01-01", "address": "Storgata 1",
            "phone_number_verified": 1, "given_name": ["A"]
        });
        let (problems, _) = standard_claim_problems(&bad);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("email_verified is \"true\""))
        );
        assert!(problems.iter().any(|p| p.contains("updated_at")));
        assert!(problems.iter().any(|p| p.contains("address is")));
        let (_, detail) = standard_claims_verdict(&json!({"address": {"country": 47}}));
        assert_eq!(detail, "address.country is 47, not a string");
        assert!(standard_claims_verdict(&json!({"sub": "x"})).0);
    }
}
