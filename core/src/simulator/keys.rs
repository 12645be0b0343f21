//! The simulator's fixed TEST signing keys: one published in the JWKS, one never published (for
//! the `unknown_signing_key` defect). The PEMs live in `keys/`; the JWK modulus and exponent are
//! precomputed here (a unit test proves each pair belongs together).

use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Value, json};

/// Key id of the published signing key.
pub const SIGNING_KID: &str = "idflow-sim-rs256-2024";
/// Key id of the unpublished key.
pub const UNPUBLISHED_KID: &str = "idflow-sim-unpublished";

const SIGNING_PEM: &str = include_str!("keys/signing.pem");
const UNPUBLISHED_PEM: &str = include_str!("keys/unpublished.pem");

const SIGNING_N: &str = "tQsUwQWOMiAC6656IWAlNIsMsk744-oWHGTALsehxHY-lKy-e_OkXrhkSEBWuwJ9UGpEuOl6lFB7J_b7KUPwvLo4oxuLIgHuuJDj-fy6XgDKlhtaX7G1Lx7zkKcaqovjdevPeUyJnlImMs7t7arVGvuPYtaBN3uMTySpWAt3hVNCDVHNm4HiJoQY_gcdJ3BXbBNdFxp-ivdYEv-_JR-cUb4f38So_llBtRUUreILzyC1_wQorMxnzlYUWZmGLCObN61WXrPlMgfG7iD6HOY5BTKs440lq5rr-zMpbkDtPSRUzTzWcnsGky78NK8sRwMmLuRP3fd_bvqTjLyEChtOcw";
#[cfg(test)]
const UNPUBLISHED_N: &str = "2IsOT2w-RFW1vFbcUfQHGp5D8DQsWcgadIsnnK9a_AP-xxpmKpR_xA-3bLuKgh0f44_n7VkppZr3pKf_UFFiowfJFDPyyafxcNplI5xLqWVcSGQd6GKtwLFeGDxSFz5wa6fEaiG9-9T7xhiZ3bdPnMgzhjEkW6LVliHvaP-N2tX6qiHcNYQbSIiepWkAUB5ydh0jQsG3SXeGvQUOGR2tkz7LZ2hCaE8NoyytXh5h2ENJLMb38YQHf_NgPurIvkv4KMfJJGK_w2-apYz08zlz5Ix4H9t_V6ihZR20gE68Gn_Cnvn92cgOfiFPasTItLTUHywaSMp7yqaKm3cFO7m9Aw";
const E: &str = "AQAB";

/// The loaded keys.
pub(crate) struct Keys {
    pub signing: EncodingKey,
    pub unpublished: EncodingKey,
    /// The published key's public half, for verifying `id_token_hint`.
    pub verifying: DecodingKey,
}

impl Keys {
    /// Parses the embedded PEMs.
    pub fn load() -> Result<Self, String> {
        let signing = EncodingKey::from_rsa_pem(SIGNING_PEM.as_bytes())
            .map_err(|e| format!("embedded signing key: {e}"))?;
        let unpublished = EncodingKey::from_rsa_pem(UNPUBLISHED_PEM.as_bytes())
            .map_err(|e| format!("embedded unpublished key: {e}"))?;
        let verifying = DecodingKey::from_rsa_components(SIGNING_N, E)
            .map_err(|e| format!("embedded signing JWK: {e}"))?;
        Ok(Self {
            signing,
            unpublished,
            verifying,
        })
    }
}

fn jwk(kid: &str, n: &str) -> Value {
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": E})
}

/// The published JWK Set.
pub(crate) fn jwks() -> Value {
    json!({"keys": [jwk(SIGNING_KID, SIGNING_N)]})
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{Algorithm, Header, Validation, decode, encode};

    fn round_trip(pem: &str, n: &str) -> bool {
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        let token = encode(&Header::new(Algorithm::RS256), &json!({"sub": "x"}), &key).unwrap();
        let jwk: Jwk = serde_json::from_value(jwk("k", n)).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &validation).is_ok()
    }

    #[test]
    fn published_jwk_matches_signing_pem() {
        assert!(round_trip(SIGNING_PEM, SIGNING_N));
    }

    #[test]
    fn unpublished_jwk_matches_its_pem_and_not_the_other() {
        assert!(round_trip(UNPUBLISHED_PEM, UNPUBLISHED_N));
        assert!(!round_trip(UNPUBLISHED_PEM, SIGNING_N));
    }

    #[test]
    fn jwks_holds_only_the_published_key() {
        let set = jwks();
        let keys = set["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kid"], SIGNING_KID);
        assert_ne!(SIGNING_KID, UNPUBLISHED_KID);
    }
}
