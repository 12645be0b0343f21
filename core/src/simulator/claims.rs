//! Which user claims a scope releases (OpenID Connect Core §5.4), shared by the ID token and
//! UserInfo.

use serde_json::{Map, Value};

use super::Defect;
use super::setup::SimUser;
use super::state::{Grant, Shared};
use crate::protocol::{SCOPE_CLAIMS, claims_of_scope};

/// Claim names the standard scopes release.
pub(crate) fn standard_claim_names() -> impl Iterator<Item = &'static str> {
    SCOPE_CLAIMS
        .iter()
        .flat_map(|(_, claims)| claims.iter().copied())
}

/// The user's claims a grant releases: those of its scopes and those requested by name, or
/// (defects) none or all of them.
pub(crate) fn released(
    shared: &Shared,
    user: &SimUser,
    scopes: &[String],
    grant: &Grant,
) -> Map<String, Value> {
    if shared.has(Defect::ScopeClaimsWithheld) {
        return Map::new();
    }
    let mut out = for_scopes(user, scopes);
    for (name, value) in &user.claims {
        let requested =
            grant.requested_claims.contains(name) || shared.has(Defect::UnrequestedClaimsReleased);
        if requested && !matches!(name.as_str(), "sub" | "iss" | "aud") {
            out.insert(name.clone(), value.clone());
        }
    }
    out
}

/// The user's claims the scopes allow. Standard scopes release their claims; any other scope
/// `x` releases the user's claims named `x` or starting with `x_` (for example `mobileid_*`).
pub(crate) fn for_scopes(user: &SimUser, scopes: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in &user.claims {
        let allowed = scopes.iter().any(|scope| match scope.as_str() {
            "openid" | "offline_access" => false,
            "profile" | "email" | "phone" | "address" => {
                claims_of_scope(scope).contains(&name.as_str())
            }
            other => name == other || name.starts_with(&format!("{other}_")),
        });
        if allowed && !matches!(name.as_str(), "sub" | "iss" | "aud") {
            out.insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_release_their_claims_only() {
        let user = SimUser {
            username: "a".into(),
            sub: "s".into(),
            claims: [
                ("name".to_string(), json!("Alice")),
                ("email".to_string(), json!("a@example.org")),
                ("mobileid_device".to_string(), json!("d1")),
            ]
            .into_iter()
            .collect(),
            ..SimUser::default()
        };
        let profile = for_scopes(&user, &["openid".into(), "profile".into()]);
        assert_eq!(profile.len(), 1);
        assert_eq!(profile["name"], "Alice");
        let mobile = for_scopes(&user, &["openid".into(), "mobileid".into()]);
        assert_eq!(mobile.keys().collect::<Vec<_>>(), vec!["mobileid_device"]);
    }
}
