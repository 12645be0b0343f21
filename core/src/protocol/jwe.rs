//! JWE compact serialization with RSA-OAEP key wrapping and A256GCM content encryption
//! (RFC 7516 §7.1, RFC 7518 §4.3 and §5.3), on aws-lc-rs's primitives: what a client needs to
//! encrypt a request object to a provider's key (OpenID Connect Core 1.0 §6.1, RFC 9101 §4),
//! and what the simulator needs to decrypt it. Nothing else of JWE (other algorithms, JSON
//! serialization, compression) is supported; anything else is refused by name.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The key management algorithm (RFC 7518 §4.3: RSAES OAEP with SHA-1 and MGF1 with SHA-1).
pub const ALG: &str = "RSA-OAEP";
/// The content encryption algorithm (RFC 7518 §5.3: AES GCM with a 256-bit key).
pub const ENC: &str = "A256GCM";

/// Why a JWE could not be made or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum JweError {
    #[error("the RSA key is not usable for RSA-OAEP: {0}")]
    Key(String),
    #[error("a JWE has five parts separated by dots; this has {0}")]
    Parts(usize),
    #[error("the JWE's {0} is not base64url")]
    Encoding(&'static str),
    #[error(
        "the JWE header says alg {alg:?}, enc {enc:?}: only RSA-OAEP with A256GCM is supported"
    )]
    Unsupported { alg: String, enc: String },
    #[error("the JWE does not decrypt with this key")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
}

/// Encrypts `plaintext` to the RSA public key `n`, `e` (JWK base64url), with `kid` and `cty`
/// in the protected header when given.
pub fn encrypt(
    plaintext: &[u8],
    n: &str,
    e: &str,
    kid: Option<&str>,
    cty: Option<&str>,
) -> Result<String, JweError> {
    let decode = |v: &str| {
        URL_SAFE_NO_PAD
            .decode(v)
            .map_err(|_| JweError::Key("n or e is not base64url".into()))
    };
    let spki = spki_der(&decode(n)?, &decode(e)?);
    let public = PublicEncryptingKey::from_der(&spki).map_err(|e| JweError::Key(e.to_string()))?;
    let oaep =
        OaepPublicEncryptingKey::new(public).map_err(|_| JweError::Key("not an RSA key".into()))?;
    let mut header = json!({"alg": ALG, "enc": ENC});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    if let Some(cty) = cty {
        header["cty"] = json!(cty);
    }
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let mut cek = [0u8; 32];
    let mut iv = [0u8; 12];
    aws_lc_rs::rand::fill(&mut cek).map_err(|_| JweError::Encrypt)?;
    aws_lc_rs::rand::fill(&mut iv).map_err(|_| JweError::Encrypt)?;
    let mut wrapped = vec![0u8; oaep.ciphertext_size()];
    let wrapped = oaep
        .encrypt(&OAEP_SHA1_MGF1SHA1, &cek, &mut wrapped, None)
        .map_err(|_| JweError::Encrypt)?
        .to_vec();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| JweError::Encrypt)?);
    let mut ciphertext = plaintext.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut ciphertext,
        )
        .map_err(|_| JweError::Encrypt)?;
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    Ok(format!(
        "{header}.{}.{}.{}.{}",
        b64(&wrapped),
        b64(&iv),
        b64(&ciphertext),
        b64(tag.as_ref())
    ))
}

/// Whether `token` has the five parts of a compact JWE.
pub fn is_jwe(token: &str) -> bool {
    token.split('.').count() == 5
}

/// Decrypts a compact JWE with the RSA private key `pkcs8` (DER); returns its protected header
/// and the plaintext.
pub fn decrypt(token: &str, pkcs8: &[u8]) -> Result<(Value, Vec<u8>), JweError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, wrapped, iv, ciphertext, tag] = parts[..] else {
        return Err(JweError::Parts(parts.len()));
    };
    let decode = |v: &str, what| {
        URL_SAFE_NO_PAD
            .decode(v)
            .map_err(|_| JweError::Encoding(what))
    };
    let header: Value = serde_json::from_slice(&decode(header_b64, "header")?)
        .map_err(|_| JweError::Encoding("header"))?;
    let field = |n: &str| {
        header
            .get(n)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if field("alg") != ALG || field("enc") != ENC {
        return Err(JweError::Unsupported {
            alg: field("alg"),
            enc: field("enc"),
        });
    }
    let private =
        PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(|e| JweError::Key(e.to_string()))?;
    let oaep = OaepPrivateDecryptingKey::new(private)
        .map_err(|_| JweError::Key("not an RSA key".into()))?;
    let wrapped = decode(wrapped, "encrypted key")?;
    let mut cek = vec![0u8; oaep.min_output_size()];
    let cek = oaep
        .decrypt(&OAEP_SHA1_MGF1SHA1, &wrapped, &mut cek, None)
        .map_err(|_| JweError::Decrypt)?;
    let iv: [u8; 12] = decode(iv, "initialization vector")?
        .try_into()
        .map_err(|_| JweError::Encoding("initialization vector"))?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, cek).map_err(|_| JweError::Decrypt)?);
    let mut in_out = decode(ciphertext, "ciphertext")?;
    in_out.extend(decode(tag, "authentication tag")?);
    let plaintext = key
        .open_in_place(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header_b64.as_bytes()),
            &mut in_out,
        )
        .map_err(|_| JweError::Decrypt)?
        .to_vec();
    Ok((header, plaintext))
}

/// DER of an X.509 `SubjectPublicKeyInfo` for the RSA key `n`, `e` (RFC 5280 §4.1, RFC 8017 §A.1.1).
fn spki_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let integer = |v: &[u8]| {
        let mut body = v.to_vec();
        if body.first().is_some_and(|b| b & 0x80 != 0) {
            body.insert(0, 0);
        }
        tlv(0x02, &body)
    };
    let rsa_key = tlv(0x30, &[integer(n), integer(e)].concat());
    let mut bits = vec![0u8];
    bits.extend(rsa_key);
    const RSA_ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    tlv(0x30, &[RSA_ALGORITHM.to_vec(), tlv(0x03, &bits)].concat())
}

/// A DER tag, length and value.
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The round trip with the simulator's encryption key is tested in
    // `simulator::request_object` (this bottom module imports nothing of the crate).

    #[test]
    fn other_algorithms_and_shapes_are_refused_by_name() {
        assert_eq!(decrypt("a.b.c", &[]), Err(JweError::Parts(3)));
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RSA-OAEP-256","enc":"A128GCM"}"#);
        let err = decrypt(&format!("{header}.a.b.c.d"), &[]).unwrap_err();
        assert!(err.to_string().contains("RSA-OAEP-256"), "{err}");
        assert!(encrypt(b"x", "not base64!", "AQAB", None, None).is_err());
        assert!(is_jwe("a.b.c.d.e") && !is_jwe("a.b.c"));
    }

    #[test]
    fn long_lengths_are_encoded_in_long_form() {
        assert_eq!(tlv(0x04, &[0; 3]), vec![0x04, 3, 0, 0, 0]);
        let long = tlv(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
