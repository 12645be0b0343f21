//! A client's RSA private key (PEM, PKCS#1 or PKCS#8), for `private_key_jwt` client
//! authentication (RFC 7523 §2.2) and signed request objects (RFC 9101).
//!
//! The key is read once, when the environment loads. Its public half (JWK `n`, `e`) is what a
//! provider registers for the client; every private form of it (the PEM, its Base64 body and
//! lines, the JWK members `d`, `p`, `q`, `dp`, `dq`, `qi`) is a secret that the redactor learns
//! ([`ClientKey::secret_forms`]), so none of them reaches a report.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::Secret;

/// A parsed RSA private key. `Debug` never shows it.
#[derive(Clone)]
pub struct ClientKey {
    pem: Secret,
    /// The Base64 body of the PEM, without line breaks.
    body: String,
    /// JWK `n` and `e` (base64url): the public key.
    pub(crate) n: String,
    pub(crate) e: String,
    /// JWK `d`, `p`, `q`, `dp`, `dq`, `qi` (base64url).
    private_parts: Vec<String>,
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("n", &format_args!("{}…", &self.n[..self.n.len().min(12)]))
            .field("private", &"‹redacted›")
            .finish()
    }
}

impl ClientKey {
    /// Reads an RSA private key from PEM (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let pkcs8 = pem.contains("-----BEGIN PRIVATE KEY-----");
        if !pkcs8 && !pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            return Err(
                "not a PEM private key: expected `-----BEGIN PRIVATE KEY-----` (PKCS#8) or `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1)"
                    .into(),
            );
        }
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(&body)
            .map_err(|e| format!("the PEM body is not Base64 ({e})"))?;
        let rsa = if pkcs8 { pkcs8_inner(&der)? } else { der };
        let ints = rsa_integers(&rsa)?;
        let b64 = |i: &[u8]| URL_SAFE_NO_PAD.encode(i);
        Ok(Self {
            pem: Secret::new(pem.trim().to_string() + "\n"),
            body,
            n: b64(&ints[0]),
            e: b64(&ints[1]),
            private_parts: ints[2..].iter().map(|i| b64(i)).collect(),
        })
    }

    /// The PEM, for the one place that signs with it.
    pub fn pem(&self) -> &str {
        self.pem.expose()
    }

    /// The public key as a JWK (`kty`, `n`, `e`, `use`, `alg`).
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({"kty": "RSA", "use": "sig", "alg": "RS256", "n": self.n, "e": self.e})
    }

    /// Every form in which the private key could be written: the PEM, its Base64 body, each
    /// line of the body, the private JWK members. The redactor learns all of them.
    pub fn secret_forms(&self) -> Vec<String> {
        let mut out = vec![self.pem.expose().to_string(), self.body.clone()];
        out.extend(
            self.pem
                .expose()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("-----"))
                .map(str::to_string),
        );
        out.extend(self.private_parts.iter().cloned());
        out
    }
}

/// A DER element: tag, content, and what follows it.
fn element(der: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let short = || "the key's DER is cut short".to_string();
    let tag = *der.first().ok_or_else(short)?;
    let first = *der.get(1).ok_or_else(short)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err("the key's DER has an unsupported length".into());
        }
        let bytes = der.get(2..2 + count).ok_or_else(short)?;
        (
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
            2 + count,
        )
    };
    let content = der.get(start..start + len).ok_or_else(short)?;
    Ok((tag, content, &der[start + len..]))
}

/// The PKCS#1 key inside a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5).
fn pkcs8_inner(der: &[u8]) -> Result<Vec<u8>, String> {
    let (tag, seq, _) = element(der)?;
    if tag != 0x30 {
        return Err("PKCS#8: not a SEQUENCE".into());
    }
    let (_, _version, rest) = element(seq)?;
    let (_, algorithm, rest) = element(rest)?;
    // rsaEncryption, 1.2.840.113549.1.1.1
    const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (_, oid, _) = element(algorithm)?;
    if oid != RSA_OID {
        return Err("the private key is not an RSA key: use an RSA key for RS256".into());
    }
    let (tag, key, _) = element(rest)?;
    if tag != 0x04 {
        return Err("PKCS#8: the private key is not an OCTET STRING".into());
    }
    Ok(key.to_vec())
}

/// n, e, d, p, q, dp, dq, qi of a PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2), without sign bytes.
fn rsa_integers(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let (tag, mut rest, _) = element(der)?;
    if tag != 0x30 {
        return Err("PKCS#1: not a SEQUENCE".into());
    }
    let mut ints = Vec::with_capacity(9);
    for _ in 0..9 {
        let (tag, content, next) = element(rest)?;
        if tag != 0x02 {
            return Err("PKCS#1: expected an INTEGER".into());
        }
        let trimmed = match content {
            [0, tail @ ..] if !tail.is_empty() => tail,
            other => other,
        };
        ints.push(trimmed.to_vec());
        rest = next;
    }
    Ok(ints.split_off(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_KEY: &str = include_str!("../../../fixtures/keys/client-test.pem");

    #[test]
    fn reads_the_test_key_and_its_public_half_verifies_its_signatures() {
        let key = ClientKey::from_pem(TEST_KEY).unwrap();
        assert_eq!(key.e, "AQAB");
        assert_eq!(key.private_parts.len(), 6);
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).unwrap();
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &serde_json::json!({"sub": "x"}),
            &encoding,
        )
        .unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_components(&key.n, &key.e).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).is_ok());
    }

    #[test]
    fn secret_forms_cover_pem_body_lines_and_jwk_parts() {
        let key = ClientKey::from_pem(TEST_KEY).unwrap();
        let forms = key.secret_forms();
        assert!(forms.iter().any(|f| f.contains("BEGIN PRIVATE KEY")));
        let second_line = TEST_KEY.lines().nth(1).unwrap();
        assert!(forms.iter().any(|f| f == second_line));
        assert!(forms.len() > 6 + 2);
        assert!(!format!("{key:?}").contains(second_line));
    }

    #[test]
    fn the_redactor_hides_the_key_in_every_form_it_could_be_written() {
        let key = ClientKey::from_pem(TEST_KEY).unwrap();
        let redactor = crate::redact::Redactor::new(key.secret_forms(), Vec::new());
        let jwk = serde_json::json!({
            "kty": "RSA", "n": key.n, "e": key.e,
            "d": key.private_parts[0], "p": key.private_parts[1], "qi": key.private_parts[5],
        });
        let one_line_body = key.body.clone();
        let texts = [
            TEST_KEY.to_string(),
            serde_json::to_string(&serde_json::json!({ "key": TEST_KEY })).unwrap(),
            format!("body={one_line_body}&x=1"),
            jwk.to_string(),
        ];
        for text in texts {
            let shown = redactor.redact_text(&text);
            for line in TEST_KEY.lines().filter(|l| !l.starts_with("-----")) {
                assert!(!shown.contains(line), "a PEM line survives in {shown}");
            }
            for part in &key.private_parts {
                assert!(
                    !shown.contains(part.as_str()),
                    "a JWK member survives in {shown}"
                );
            }
        }
        // The public half stays readable: it is no secret.
        assert!(redactor.redact_text(&jwk.to_string()).contains(&key.n));
    }

    #[test]
    fn what_is_not_an_rsa_private_key_is_explained() {
        assert!(
            ClientKey::from_pem("hello")
                .unwrap_err()
                .contains("not a PEM private key")
        );
        let cut = "-----BEGIN PRIVATE KEY-----\nMIIEvg==\n-----END PRIVATE KEY-----\n";
        assert!(ClientKey::from_pem(cut).unwrap_err().contains("DER"));
    }
}
