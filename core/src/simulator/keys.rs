//! The simulator's fixed TEST signing keys: one published in the JWKS, one never published (for
//! the `unknown_signing_key` defect). The PEMs live in `keys/`; the JWK modulus and exponent are
//! precomputed here (a unit test proves each pair belongs together).
//!
//! Signing an ID token was most of the simulator's CPU (issue 14): jsonwebtoken's pure-Rust
//! backend parses the key again for every signature and its modular arithmetic is slow. The keys
//! are parsed once, at start, into aws-lc-rs's RSA key pairs (its RSA uses the CPU's wide
//! multipliers where there are some: about 1.9× faster than ring here, 6× faster than the
//! pure-Rust backend), and [`SigningKey::sign`] writes the compact JWS itself. RS256 (RSASSA-PKCS1-v1_5)
//! signatures are deterministic, so the tokens are byte for byte what jsonwebtoken's `encode`
//! wrote (a unit test compares them).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde_json::{Value, json};

/// Key id of the published signing key.
pub const SIGNING_KID: &str = "idflow-sim-rs256-2024";
/// Key id of the unpublished key.
pub const UNPUBLISHED_KID: &str = "idflow-sim-unpublished";

const SIGNING_PEM: &str = include_str!("keys/signing.pem");
const UNPUBLISHED_PEM: &str = include_str!("keys/unpublished.pem");

const SIGNING_N: &str = "tQsUwQWOMiAC6656IWAlNIsMsk744-oWHGTALsehxHY-lKy-e_OkXrhkSEBWuwJ9UGpEuOl6lFB7J_b7KUPwvLo4oxuLIgHuuJDj-fy6XgDKlhtaX7G1Lx7zkKcaqovjdevPeUyJnlImMs7t7arVGvuPYtaBN3uMTySpWAt3hVNCDVHNm4HiJoQY_gcdJ3BXbBNdFxp-ivdYEv-_JR-cUb4f38So_llBtRUUreILzyC1_wQorMxnzlYUWZmGLCObN61WXrPlMgfG7iD6HOY5BTKs440lq5rr-zMpbkDtPSRUzTzWcnsGky78NK8sRwMmLuRP3fd_bvqTjLyEChtOcw";
const UNPUBLISHED_N: &str = "2IsOT2w-RFW1vFbcUfQHGp5D8DQsWcgadIsnnK9a_AP-xxpmKpR_xA-3bLuKgh0f44_n7VkppZr3pKf_UFFiowfJFDPyyafxcNplI5xLqWVcSGQd6GKtwLFeGDxSFz5wa6fEaiG9-9T7xhiZ3bdPnMgzhjEkW6LVliHvaP-N2tX6qiHcNYQbSIiepWkAUB5ydh0jQsG3SXeGvQUOGR2tkz7LZ2hCaE8NoyytXh5h2ENJLMb38YQHf_NgPurIvkv4KMfJJGK_w2-apYz08zlz5Ix4H9t_V6ihZR20gE68Gn_Cnvn92cgOfiFPasTItLTUHywaSMp7yqaKm3cFO7m9Aw";
const E: &str = "AQAB";

/// An RS256 signing key, parsed once, with its JWS header already encoded.
pub(crate) struct SigningKey {
    pair: RsaKeyPair,
    /// base64url of `{"typ":"JWT","alg":"RS256","kid":KID}`, the bytes jsonwebtoken's `encode`
    /// wrote for the header the simulator used.
    header: String,
    rng: SystemRandom,
}

impl SigningKey {
    /// Parses a PKCS#8 PEM.
    fn from_pem(pem: &str, kid: &str) -> Result<Self, String> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|e| format!("PEM is not base64: {e}"))?;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("not an RSA key: {e}"))?;
        // In jsonwebtoken's field order (a JSON object would sort its keys).
        let header = format!(r#"{{"typ":"JWT","alg":"RS256","kid":{}}}"#, json!(kid));
        Ok(Self {
            pair,
            header: URL_SAFE_NO_PAD.encode(header),
            rng: SystemRandom::new(),
        })
    }

    /// The compact JWS (RS256) of `claims`; `None` only if signing failed.
    pub fn sign(&self, claims: &Value) -> Option<String> {
        let payload = serde_json::to_vec(claims).ok()?;
        let modulus = self.pair.public_modulus_len();
        let mut jws =
            String::with_capacity(self.header.len() + payload.len() * 4 / 3 + modulus * 2);
        jws.push_str(&self.header);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut jws);
        let mut signature = vec![0; modulus];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, jws.as_bytes(), &mut signature)
            .ok()?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jws);
        Some(jws)
    }
}

/// Seeds aws-lc's random generator on a thread of its own. Its first use in a process (RSA
/// blinding draws from it) gathers CPU jitter entropy: about 35 ms of CPU here, which would
/// otherwise delay the run's first ID token. Later uses, on any thread, cost microseconds.
///
/// The simulator holds the returned guard, which waits for the thread when it is dropped: a
/// run shorter than the seeding exited while the thread was still in aws-lc, whose exit
/// handlers then tore its lock down under it, and the process aborted after printing its
/// summary (4% of the runs of a one-feature debug build).
pub(crate) fn warm_up_random() -> JoinOnDrop {
    JoinOnDrop(
        std::thread::Builder::new()
            .name("idflow-simulator-seed".into())
            .spawn(|| {
                let mut buf = [0u8; 16];
                let _ = aws_lc_rs::rand::fill(&mut buf);
            })
            .ok(),
    )
}

/// A thread that is waited for when this is dropped.
#[derive(Debug)]
pub(crate) struct JoinOnDrop(Option<std::thread::JoinHandle<()>>);

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// The loaded keys.
pub(crate) struct Keys {
    pub(crate) signing: SigningKey,
    pub(crate) unpublished: SigningKey,
    /// The published key's public half, for verifying `id_token_hint`.
    pub(crate) verifying: DecodingKey,
}

impl Keys {
    /// Parses the embedded PEMs.
    pub fn load() -> Result<Self, String> {
        let signing = SigningKey::from_pem(SIGNING_PEM, SIGNING_KID)
            .map_err(|e| format!("embedded signing key: {e}"))?;
        let unpublished = SigningKey::from_pem(UNPUBLISHED_PEM, UNPUBLISHED_KID)
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

/// The JWK Set as a defective provider publishes it: with private members on the signing key
/// (placeholders, never the real private key), a second key under the signing key's kid (the
/// unpublished key's public half), or a second key with a 1024-bit modulus.
pub(crate) fn defective_jwks(private: bool, duplicate_kid: bool, weak: bool) -> Value {
    let mut keys = vec![jwk(SIGNING_KID, SIGNING_N)];
    if private {
        for member in ["d", "p", "q", "dp", "dq", "qi"] {
            keys[0][member] = json!("cHJpdmF0ZS1wbGFjZWhvbGRlcg");
        }
    }
    if duplicate_kid {
        keys.push(jwk(SIGNING_KID, UNPUBLISHED_N));
    }
    if weak {
        let n = URL_SAFE_NO_PAD.encode([0xC5u8; 128]);
        keys.push(jwk("idflow-sim-rs256-weak", &n));
    }
    json!({ "keys": keys })
}

#[cfg(test)]
mod tests {
    /// Dropping the guard waits for its thread: nothing of it runs on after.
    #[test]
    fn a_join_on_drop_guard_waits_for_its_thread() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let guard = super::JoinOnDrop(Some(std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            flag.store(true, Ordering::SeqCst);
        })));
        drop(guard);
        assert!(done.load(Ordering::SeqCst));
    }

    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation, decode, encode};

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

    #[test]
    fn tokens_are_byte_for_byte_jsonwebtokens() {
        let keys = Keys::load().unwrap();
        let claims = json!({
            "iss": "http://127.0.0.1:1/auth/open", "sub": "s", "aud": "c", "nonce": "n\u{e9}\"<>/",
            "iat": 1_700_000_000, "exp": 1_700_003_600, "name": "Ålice", "email_verified": true,
        });
        for (key, pem, kid) in [
            (&keys.signing, SIGNING_PEM, SIGNING_KID),
            (&keys.unpublished, UNPUBLISHED_PEM, UNPUBLISHED_KID),
        ] {
            let mut header = Header::new(Algorithm::RS256);
            header.typ = Some("JWT".into());
            header.kid = Some(kid.into());
            let expected = encode(
                &header,
                &claims,
                &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            )
            .unwrap();
            assert_eq!(key.sign(&claims).unwrap(), expected);
        }
    }
}
