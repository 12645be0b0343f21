//! What a provider publishes about itself, checked as a relying party depends on it: its
//! discovery metadata (OpenID Connect Discovery 1.0 §3) and its signing keys (the JWK Set at
//! `jwks_uri`, RFC 7517, RFC 7518 §6, OpenID Connect Core 1.0 §10.1).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::checks::Checklist;

/// Members that hold private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC
/// 8037 §2 for OKP).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// RSA keys smaller than this cannot be used with RS256 and its kin (RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;

/// The hygiene of a provider's JSON Web Key Set: distinct kids among keys of one type, no
/// private or symmetric key material, and every key usable (known kty, members that decode,
/// `use` sig or absent on a signing key, an `alg` that fits its type), with at least one key to
/// verify signatures.
pub fn signing_keys(jwks: &Value) -> Checklist {
    let mut list = Checklist::new("the provider's signing keys");
    let keys: Vec<&Map<String, Value>> = jwks
        .get("keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    list.must_else(
        "key set",
        "RFC 7517 §5 (a JWK Set is an object with a keys array)",
        !keys.is_empty(),
        || {
            format!(
                "expected an object with a non-empty \"keys\" array, got {}",
                crate::expect::body_preview(&jwks.to_string(), 200)
            )
        },
    );
    list.passed_with(format!("{} key(s)", keys.len()));

    let mut by_kid: BTreeMap<(String, String), usize> = BTreeMap::new();
    for key in &keys {
        if let Some(kid) = key.get("kid").and_then(Value::as_str) {
            let kty = text(key, "kty").unwrap_or("?").to_string();
            *by_kid.entry((kid.to_string(), kty)).or_default() += 1;
        }
    }
    let repeated: Vec<String> = by_kid
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((kid, kty), n)| format!("kid {kid:?} on {n} {kty} keys"))
        .collect();
    list.must(
        "distinct kids",
        "OpenID Connect Core 1.0 §10.1 (the kid chooses the verification key); RFC 7517 §4.5",
        repeated.is_empty(),
        format!(
            "{}: a token's kid cannot choose between them",
            repeated.join(", ")
        ),
    );
    list.passed_with(format!(
        "kids {}",
        by_kid
            .keys()
            .map(|(kid, kty)| format!("{kid:?} ({kty})"))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    let private: Vec<String> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let found: Vec<&str> = PRIVATE_MEMBERS
                .iter()
                .copied()
                .filter(|m| key.contains_key(*m))
                .collect();
            let symmetric = text(key, "kty") == Some("oct");
            (symmetric || !found.is_empty()).then(|| {
                format!(
                    "{} {}",
                    label(key, i),
                    if symmetric {
                        "is a symmetric (oct) key".to_string()
                    } else {
                        format!("carries private member(s) {}", found.join(", "))
                    }
                )
            })
        })
        .collect();
    list.must(
        "no private key material",
        "RFC 7517 §9.2 (private and symmetric keys must not be disclosed); RFC 7518 §6.2.2, §6.3.2, §6.4",
        private.is_empty(),
        format!(
            "{}: anyone who reads jwks_uri can sign as the provider",
            private.join("; ")
        ),
    );
    list.passed_with("public members only, no symmetric key");

    let problems: Vec<String> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, key)| key_problem(key).map(|p| format!("{}: {p}", label(key, i))))
        .collect();
    let signing = keys
        .iter()
        .filter(|k| key_problem(k).is_none() && text(k, "use").is_none_or(|u| u == "sig"))
        .count();
    let failure = if problems.is_empty() {
        "no key can verify a signature (every key is for encryption)".to_string()
    } else {
        problems.join("; ")
    };
    list.must(
        "usable keys",
        "RFC 7517 §4 and §5 (members), RFC 7518 §6 (key parameters, §3.3: RSA keys of 2048 bits or more); OpenID Connect Core 1.0 §10.1",
        problems.is_empty() && signing > 0,
        failure,
    );
    list.passed_with(format!(
        "{} key(s), {signing} usable for signatures",
        keys.len()
    ));
    list
}

fn text<'a>(key: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    key.get(name).and_then(Value::as_str)
}

fn label(key: &Map<String, Value>, index: usize) -> String {
    match text(key, "kid") {
        Some(kid) => format!("key {kid:?}"),
        None => format!("key #{} (no kid)", index + 1),
    }
}

/// Decodes a base64url member, or says why it does not.
fn member(key: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let value = text(key, name).ok_or_else(|| format!("{name} is missing"))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| format!("{name} is not unpadded base64url"))
}

/// Why a key cannot be used, or `None`.
fn key_problem(key: &Map<String, Value>) -> Option<String> {
    let kty = match text(key, "kty") {
        None => return Some("no kty".into()),
        Some(k) => k,
    };
    let result = match kty {
        "RSA" => member(key, "n").and_then(|n| {
            member(key, "e")?;
            let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < MIN_RSA_BITS {
                Err(format!(
                    "an RSA modulus of about {bits} bits, under the {MIN_RSA_BITS} RS256 needs"
                ))
            } else {
                Ok(())
            }
        }),
        "EC" => match text(key, "crv") {
            Some("P-256" | "P-384" | "P-521" | "secp256k1") => {
                member(key, "x").and_then(|_| member(key, "y").map(|_| ()))
            }
            other => Err(format!("unknown curve {other:?}")),
        },
        "OKP" => member(key, "x").map(|_| ()),
        // A symmetric key is reported by the private-material check.
        "oct" => Ok(()),
        other => Err(format!("unknown kty {other:?}")),
    };
    if let Err(e) = result {
        return Some(e);
    }
    if let Some(alg) = text(key, "alg") {
        let fits = match kty {
            "RSA" => alg.starts_with("RS") || alg.starts_with("PS") || alg.starts_with("RSA"),
            "EC" => alg.starts_with("ES") || alg.starts_with("ECDH"),
            "OKP" => alg == "EdDSA" || alg.starts_with("ECDH"),
            _ => true,
        };
        if !fits {
            return Some(format!("alg {alg} does not fit kty {kty}"));
        }
    }
    if let Some(u) = text(key, "use")
        && u != "sig"
        && u != "enc"
    {
        return Some(format!("use {u:?} is neither \"sig\" nor \"enc\""));
    }
    None
}

/// The metadata OpenID Connect Discovery 1.0 §3 requires, read from the document `meta`
/// fetched for `issuer`: the required members, RS256 among the ID token algorithms, and every
/// endpoint on https (plain http only on a loopback host, said so in the detail).
pub fn configuration(meta: &Value) -> Checklist {
    let mut list = Checklist::new("the provider's configuration");
    let response_types: Vec<&str> = meta
        .get("response_types_supported")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let implicit_only = !response_types.is_empty()
        && response_types
            .iter()
            .all(|t| !t.split(' ').any(|p| p == "code"));
    let mut required = vec![
        "issuer",
        "authorization_endpoint",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ];
    if !implicit_only {
        required.insert(2, "token_endpoint");
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|m| match meta.get(*m) {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        })
        .collect();
    list.must(
        "required metadata",
        "OpenID Connect Discovery 1.0 §3 (REQUIRED members; token_endpoint unless only the implicit flow is offered)",
        missing.is_empty(),
        format!("missing or empty: {}", missing.join(", ")),
    );
    list.passed_with(format!("{} present", required.join(", ")));
    let algs: Vec<&str> = meta
        .get("id_token_signing_alg_values_supported")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    list.must(
        "RS256 supported",
        "OpenID Connect Discovery 1.0 §3 (id_token_signing_alg_values_supported: RS256 MUST be included)",
        algs.contains(&"RS256"),
        format!(
            "id_token_signing_alg_values_supported is [{}], without RS256",
            algs.join(", ")
        ),
    );
    list.passed_with(format!("[{}]", algs.join(", ")));
    let mut plain = Vec::new();
    let mut loopback = Vec::new();
    if let Some(members) = meta.as_object() {
        for (name, value) in members {
            let is_url_member =
                name == "issuer" || name == "jwks_uri" || name.ends_with("_endpoint");
            let Some(s) = value.as_str().filter(|_| is_url_member) else {
                continue;
            };
            match url::Url::parse(s) {
                Ok(u) if u.scheme() == "https" => {}
                Ok(u) if u.scheme() == "http" && is_loopback(&u) => loopback.push(name.as_str()),
                _ => plain.push(format!("{name} {s:?}")),
            }
        }
    }
    let https = "OpenID Connect Discovery 1.0 §3 (issuer and endpoints use the https scheme) and §7; OpenID Connect Core 1.0 §16.17 (TLS)";
    list.must(
        "https endpoints",
        https,
        plain.is_empty(),
        format!("not https: {}", plain.join(", ")),
    );
    list.passed_with(if loopback.is_empty() {
        "issuer, jwks_uri and every endpoint on https".to_string()
    } else {
        format!(
            "http allowed on a loopback host only (a local test provider): {}",
            loopback.join(", ")
        )
    });
    list
}

/// Whether a URL's host is the loopback interface (localhost, 127.0.0.0/8, ::1).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa_n() -> String {
        URL_SAFE_NO_PAD.encode([0xC5u8; 256])
    }

    fn good_key(kid: &str) -> Value {
        json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": rsa_n(), "e": "AQAB"})
    }

    #[test]
    fn a_sound_key_set_passes() {
        let list = signing_keys(&json!({"keys": [good_key("a"), good_key("b")]}));
        list.verdict().unwrap();
        assert_eq!(list.checks.len(), 4);
    }

    #[test]
    fn each_key_problem_is_named() {
        let mut private = good_key("a");
        private["d"] = json!("AQAB");
        let list = signing_keys(&json!({"keys": [private, good_key("a")]}));
        assert!(list.failed("distinct kids") && list.failed("no private key material"));
        let list = signing_keys(&json!({"keys": [good_key("a"), {"kty": "oct", "k": "c2VjcmV0"}]}));
        assert!(list.failed("no private key material"));
        let small = json!({"kty": "RSA", "kid": "s", "n": "AQAB", "e": "AQAB"});
        let list = signing_keys(&json!({"keys": [small]}));
        let err = list.failure();
        assert!(
            err.contains("usable keys: key \"s\": an RSA modulus of about 24 bits"),
            "{err}"
        );
        let mut misfit = good_key("m");
        misfit["alg"] = json!("ES256");
        assert!(signing_keys(&json!({"keys": [misfit]})).failed("usable keys"));
        let mut enc = good_key("e");
        enc["use"] = json!("enc");
        enc["alg"] = json!("RSA-OAEP");
        assert!(signing_keys(&json!({"keys": [enc]})).failed("usable keys"));
        assert!(signing_keys(&json!({"keys": []})).failed("key set"));
        // The same kid on keys of different types is allowed (RFC 7517 §4.5).
        let ec = json!({"kty": "EC", "crv": "P-256", "kid": "a", "x": "AQAB", "y": "AQAB"});
        assert!(!signing_keys(&json!({"keys": [good_key("a"), ec]})).failed("distinct kids"));
    }

    fn metadata() -> Value {
        json!({
            "issuer": "https://op.example",
            "authorization_endpoint": "https://op.example/authorize",
            "token_endpoint": "https://op.example/token",
            "jwks_uri": "https://op.example/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        })
    }

    #[test]
    fn discovery_metadata_is_checked() {
        configuration(&metadata()).verdict().unwrap();
        let mut m = metadata();
        m.as_object_mut().unwrap().remove("subject_types_supported");
        m["id_token_signing_alg_values_supported"] = json!(["ES256"]);
        m["userinfo_endpoint"] = json!("http://op.example/userinfo");
        let list = configuration(&m);
        let err = list.failure();
        for name in [
            "required metadata: missing or empty: subject_types_supported",
            "RS256 supported",
            "https endpoints: not https: userinfo_endpoint",
        ] {
            assert!(err.contains(name), "{name}: {err}");
        }
        // Implicit only: no token endpoint needed.
        let mut m = metadata();
        m.as_object_mut().unwrap().remove("token_endpoint");
        m["response_types_supported"] = json!(["id_token", "id_token token"]);
        configuration(&m).verdict().unwrap();
        // A loopback provider may use http, and the check says so.
        let mut m = metadata();
        m["issuer"] = json!("http://127.0.0.1:3000");
        m["token_endpoint"] = json!("http://localhost:3000/token");
        let list = configuration(&m);
        list.verdict().unwrap();
        let https = list
            .checks
            .iter()
            .find(|c| c.name == "https endpoints")
            .unwrap();
        assert!(https.detail.contains("loopback"), "{}", https.detail);
    }
}
