//! Protocol values both sides of a flow share: what the relying party (`oidc`, `jwt`, `config`)
//! sends and checks, and what the simulator answers with.
//!
//! A bottom module: it imports nothing of this crate, so that the simulator can use it without
//! depending on the runner's side (and the runner's side without depending on the simulator).

pub mod jwe;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The CIBA grant type (CIBA Core 1.0 §10.1).
pub const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

/// How a client authenticates at the token endpoint (OpenID Connect Core 1.0 §9).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// HTTP Basic with client id and secret.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: `client_id` only.
    None,
    /// A JWT signed with the client's private key (RFC 7523 §2.2, OpenID Connect Core §9).
    PrivateKeyJwt,
}

impl std::str::FromStr for AuthMethod {
    type Err = String;
    /// Reads a method by its discovery name (`client_secret_basic`, `client_secret_post`,
    /// `none`).
    fn from_str(name: &str) -> Result<Self, String> {
        [
            Self::ClientSecretBasic,
            Self::ClientSecretPost,
            Self::None,
            Self::PrivateKeyJwt,
        ]
        .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| {
                format!(
                    "unknown client authentication {name:?}: use client_secret_basic, client_secret_post, private_key_jwt or none"
                )
            })
    }
}

impl AuthMethod {
    /// The name used in discovery metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// The `at_hash` / `c_hash` computation of OpenID Connect Core 1.0 §3.1.3.6 and §3.3.2.11:
/// base64url of the left half of the SHA-2 hash of `value`, the hash size taken from the JWS
/// `alg` (RS256/PS256/ES256/HS256 → SHA-256, …384 → SHA-384, …512 → SHA-512).
/// `None` for an algorithm without a defined hash (such as `none`).
pub fn left_half_hash(alg: &str, value: &str) -> Option<String> {
    let digest: Vec<u8> = match alg.get(alg.len().saturating_sub(3)..)? {
        "256" => Sha256::digest(value.as_bytes()).to_vec(),
        "384" => Sha384::digest(value.as_bytes()).to_vec(),
        "512" => Sha512::digest(value.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

/// The standard scopes and the claims each requests (OpenID Connect Core 1.0 §5.4), from the
/// standard claims of §5.1.
pub const SCOPE_CLAIMS: [(&str, &[&str]); 4] = [
    (
        "profile",
        &[
            "name",
            "given_name",
            "family_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// The standard scope that requests `claim`, if any.
pub fn scope_of_claim(claim: &str) -> Option<&'static str> {
    SCOPE_CLAIMS
        .iter()
        .find(|(_, claims)| claims.contains(&claim))
        .map(|(scope, _)| *scope)
}

/// The claims a standard scope requests; empty for any other scope.
pub fn claims_of_scope(scope: &str) -> &'static [&'static str] {
    SCOPE_CLAIMS
        .iter()
        .find(|(s, _)| *s == scope)
        .map_or(&[], |(_, claims)| claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_openid_connect_core_example() {
        // OpenID Connect Core 1.0, Appendix A.3: access token and its at_hash.
        assert_eq!(
            left_half_hash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y").as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
    }

    #[test]
    fn unknown_algorithm_has_no_hash() {
        assert_eq!(left_half_hash("none", "x"), None);
    }

    #[test]
    fn auth_methods_have_their_discovery_names() {
        assert_eq!(
            AuthMethod::ClientSecretBasic.as_str(),
            "client_secret_basic"
        );
        assert_eq!(AuthMethod::ClientSecretPost.as_str(), "client_secret_post");
        assert_eq!(AuthMethod::None.as_str(), "none");
        assert_eq!(AuthMethod::PrivateKeyJwt.as_str(), "private_key_jwt");
        assert_eq!(
            "private_key_jwt".parse::<AuthMethod>(),
            Ok(AuthMethod::PrivateKeyJwt)
        );
    }
}
