//! A provider's JSON Web Key Set and choosing the key that verifies a token.

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use serde_json::Value;

use super::{JwtError, list_or_none, type_phrase};

/// One key of a JWKS, with the members that matter for key selection pulled out.
///
/// Keys that `jsonwebtoken` cannot parse (unknown `kty`, missing members) are kept, so that
/// selection can say *why* a key with the right `kid` is unusable.
#[derive(Debug, Clone)]
pub struct JwksKey {
    /// The key exactly as it appeared in the JWKS.
    pub(crate) raw: Value,
    /// `kid`, when a string.
    pub(crate) kid: Option<String>,
    /// `kty`, when a string.
    pub(crate) kty: Option<String>,
    /// `alg`, when a string.
    pub(crate) alg: Option<String>,
    /// `use`, when a string.
    pub(crate) use_: Option<String>,
    /// 0-based position in the JWKS.
    pub(crate) index: usize,
    /// The verification key, parsed once when the JWKS is read (a JWKS is cached per run, so
    /// each key is parsed once per run), or why it cannot be.
    decoding: Result<DecodingKey, String>,
}

impl JwksKey {
    /// How messages name this key: `kid "x"` or `#2 (no kid)`.
    pub fn label(&self) -> String {
        match &self.kid {
            Some(kid) => format!("kid {kid:?}"),
            None => format!("#{} (no kid)", self.index + 1),
        }
    }

    /// Why this key cannot verify a token signed with `alg`, or `None` when it can.
    pub fn incompatibility(&self, alg: &str) -> Option<String> {
        let needed = kty_for_alg(alg);
        match (&self.kty, needed) {
            (None, _) => return Some("the key has no kty".into()),
            (_, None) => return Some(format!("alg {alg} has no known key type")),
            (Some(kty), Some(needed)) if kty != needed => {
                return Some(format!(
                    "key type mismatch: the key has kty {kty} but alg {alg} needs kty {needed}"
                ));
            }
            _ => {}
        }
        if let Some(key_alg) = &self.alg
            && key_alg != alg
        {
            return Some(format!(
                "the key is for alg {key_alg} but the token is signed with {alg}"
            ));
        }
        if let Some(use_) = &self.use_
            && use_ != "sig"
        {
            return Some(format!(
                "the key has use {use_:?}, not \"sig\" (signature verification)"
            ));
        }
        None
    }

    /// The key as a `jsonwebtoken` verification key.
    pub fn decoding_key(&self) -> Result<&DecodingKey, JwtError> {
        self.decoding
            .as_ref()
            .map_err(|reason| JwtError::UnusableKey {
                key: self.label(),
                reason: reason.clone(),
            })
    }
}

/// The `kty` a JWS algorithm needs.
pub fn kty_for_alg(alg: &str) -> Option<&'static str> {
    match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => Some("RSA"),
        "ES256" | "ES384" | "ES512" | "ES256K" => Some("EC"),
        "EdDSA" | "Ed25519" => Some("OKP"),
        "HS256" | "HS384" | "HS512" => Some("oct"),
        _ => None,
    }
}

/// A JSON Web Key Set (RFC 7517 §5), as served at a provider's `jwks_uri`.
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    /// The keys in document order.
    pub(crate) keys: Vec<JwksKey>,
}

impl Jwks {
    /// Parses a JWKS document: an object with a `keys` array of objects.
    pub fn from_json(json: &Value) -> Result<Self, JwtError> {
        let obj = json.as_object().ok_or_else(|| {
            JwtError::InvalidJwks(format!(
                "expected a JSON object with a \"keys\" array, got {}",
                type_phrase(json)
            ))
        })?;
        let keys = obj
            .get("keys")
            .ok_or_else(|| JwtError::InvalidJwks("the object has no \"keys\" member".into()))?
            .as_array()
            .ok_or_else(|| JwtError::InvalidJwks("\"keys\" is not an array".into()))?;
        let keys = keys
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                if !raw.is_object() {
                    return Err(JwtError::InvalidJwks(format!(
                        "key #{} is {}, not an object",
                        index + 1,
                        type_phrase(raw)
                    )));
                }
                let text = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_string);
                Ok(JwksKey {
                    kid: text("kid"),
                    kty: text("kty"),
                    alg: text("alg"),
                    use_: text("use"),
                    index,
                    decoding: serde_json::from_value::<Jwk>(raw.clone())
                        .map_err(|e| e.to_string())
                        .and_then(|jwk| DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())),
                    raw: raw.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Jwks { keys })
    }

    /// The kids of all keys that have one, in document order.
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().filter_map(|k| k.kid.clone()).collect()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Chooses the key for a token signed with `alg` and carrying `kid`.
    ///
    /// With a kid: the key with that kid whose `kty`/`alg`/`use` fit; errors list the known
    /// kids or say why the key does not fit. Without a kid: the one suitable key, if there is
    /// exactly one.
    pub fn select(&self, kid: Option<&str>, alg: &str) -> Result<&JwksKey, JwtError> {
        match kid {
            Some(kid) => {
                let same_kid: Vec<&JwksKey> = self
                    .keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .collect();
                if same_kid.is_empty() {
                    return Err(JwtError::UnknownKid {
                        kid: kid.to_string(),
                        kids: self.kids(),
                    });
                }
                if let Some(key) = same_kid.iter().find(|k| k.incompatibility(alg).is_none()) {
                    return Ok(key);
                }
                let reason = same_kid
                    .iter()
                    .filter_map(|k| k.incompatibility(alg))
                    .collect::<Vec<_>>()
                    .join("; ");
                Err(JwtError::KeyMismatch {
                    kid: kid.to_string(),
                    reason,
                })
            }
            None => {
                let suitable: Vec<&JwksKey> = self
                    .keys
                    .iter()
                    .filter(|k| k.incompatibility(alg).is_none())
                    .collect();
                match suitable.as_slice() {
                    [one] => Ok(one),
                    [] => Err(JwtError::NoSuitableKey(format!(
                        "the token has no kid and no key in the JWKS fits alg {alg} ({} keys, kids: {})",
                        self.len(),
                        list_or_none(&self.kids())
                    ))),
                    many => Err(JwtError::NoSuitableKey(format!(
                        "the token has no kid and {} keys in the JWKS fit alg {alg} ({}); a kid is needed to choose",
                        many.len(),
                        many.iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn test_jwks() -> Jwks {
        let v: Value = serde_json::from_str(include_str!("testdata/jwks.json")).unwrap();
        Jwks::from_json(&v).unwrap()
    }

    #[test]
    fn parses_and_lists_kids() {
        let jwks = test_jwks();
        assert_eq!(jwks.kids(), vec!["test-key-1", "test-ec-1"]);
        assert!(jwks.keys[0].decoding_key().is_ok());
        assert!(jwks.keys[1].decoding_key().is_ok());
    }

    #[test]
    fn selects_by_kid() {
        let jwks = test_jwks();
        assert_eq!(jwks.select(Some("test-key-1"), "RS256").unwrap().index, 0);
        assert_eq!(jwks.select(Some("test-ec-1"), "ES256").unwrap().index, 1);
    }

    #[test]
    fn unknown_kid_lists_the_kids() {
        let e = test_jwks().select(Some("nope"), "RS256").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no key with kid \"nope\" in the JWKS (kids: test-key-1, test-ec-1)"
        );
    }

    #[test]
    fn key_type_mismatch() {
        let e = test_jwks()
            .select(Some("test-ec-1"), "RS256")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key type mismatch"), "{e}");
        let e = test_jwks()
            .select(Some("test-key-1"), "PS256")
            .unwrap_err()
            .to_string();
        assert!(e.contains("for alg RS256"), "{e}");
    }

    #[test]
    fn without_kid_the_single_suitable_key() {
        let jwks = test_jwks();
        assert_eq!(jwks.select(None, "RS256").unwrap().index, 0);
        let e = jwks.select(None, "PS512").unwrap_err().to_string();
        assert!(e.contains("no key in the JWKS fits alg PS512"), "{e}");
        let mut two = jwks.clone();
        two.keys[1] = two.keys[0].clone();
        two.keys[1].alg = None;
        let e = two.select(None, "RS256").unwrap_err().to_string();
        assert!(e.contains("2 keys in the JWKS fit"), "{e}");
    }

    #[test]
    fn malformed_jwks() {
        assert!(Jwks::from_json(&json!([])).is_err());
        assert!(Jwks::from_json(&json!({})).is_err());
        let e = Jwks::from_json(&json!({"keys": [1]}))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "invalid JWKS: key #1 is a number, not an object");
        let jwks = Jwks::from_json(&json!({"keys": [{"kty": "RSA", "kid": "k"}]})).unwrap();
        let e = jwks.keys[0].decoding_key().unwrap_err().to_string();
        assert!(
            e.starts_with("the key kid \"k\" in the JWKS is unusable"),
            "{e}"
        );
    }
}
