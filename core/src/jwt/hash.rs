//! The `at_hash` / `c_hash` computation of OpenID Connect Core 1.0 §3.1.3.6 and §3.3.2.11.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Base64url of the left half of the SHA-2 hash of `value`, the hash size taken from the JWS
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
}
