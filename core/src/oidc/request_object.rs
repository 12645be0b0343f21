//! Request objects (RFC 9101, OpenID Connect Core 1.0 §6): the authorization request as a JWT,
//! unsigned (`alg: none`), signed RS256 with the client's private key, or HS256 with its secret,
//! sent by value (`request`) or by reference (`request_uri`, see [`super::request_uri`]).
//!
//! The object holds every parameter of the [`AuthorizationRequest`] (with `max_age` as a
//! number) and the JWT claims RFC 9101 §4 and Core §6.1 name: `iss` (the client id), `aud` (the
//! issuer), `iat`, `nbf`, `exp` and `jti`. Outside it, the query keeps what makes it a valid OAuth
//! 2.0 request (Core §6.1: `client_id`, `response_type`, `scope`) plus `redirect_uri` and `state`
//! (the same values: a provider that refuses the object can redirect the error), and whatever a
//! scenario sets there to contradict the object.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::authorize::{AuthorizationRequest, OMITTED};
use super::pkce::random_value;
use crate::config::Client;

/// How long a request object is valid, in seconds.
pub const LIFETIME: i64 = 300;

/// The media type of a request object (RFC 9101 §10.2), also its `typ`.
pub const MEDIA_TYPE: &str = "oauth-authz-req+jwt";

/// Why a request object could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestObjectError {
    #[error("unknown request object algorithm {0:?}: use none, RS256 or HS256")]
    UnknownAlg(String),
    #[error(
        "client `{0}` has no private key to sign RS256 with: add `private_key_file:` to it in the environment"
    )]
    NoKey(String),
    #[error("client `{0}` has no secret to sign HS256 with")]
    NoSecret(String),
    #[error("cannot sign the request object: {0}")]
    Sign(String),
    #[error("{0} of a request object must be a number of seconds (relative as -60 or +600)")]
    NotSeconds(String),
    #[error("an unsigned request object has no signature to alter")]
    NothingToAlter,
}

/// How a request object is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAlg {
    /// Unsigned (`alg: none`, Core §6.1).
    None,
    /// RSASSA-PKCS1-v1_5 with SHA-256 and the client's private key.
    Rs256,
    /// HMAC SHA-256 with the client secret (Core §10.1).
    Hs256,
}

impl std::str::FromStr for ObjectAlg {
    type Err = RequestObjectError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "RS256" => Ok(Self::Rs256),
            "HS256" => Ok(Self::Hs256),
            other => Err(RequestObjectError::UnknownAlg(other.to_string())),
        }
    }
}

impl ObjectAlg {
    /// The JWS `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Rs256 => "RS256",
            Self::Hs256 => "HS256",
        }
    }
}

/// The claims of the object for `request`, audience `issuer`, at `now`; `overrides` change a
/// claim (`(omitted)` removes it; `exp`, `iat` and `nbf` take seconds, relative to now when
/// written `-60` or `+600`).
pub fn claims(
    request: &AuthorizationRequest,
    issuer: &str,
    now: i64,
    overrides: &[(String, String)],
) -> Result<Value, RequestObjectError> {
    let mut map = Map::new();
    for (name, value) in &request.params {
        let value = match (name.as_str(), value.parse::<i64>()) {
            ("max_age", Ok(n)) => json!(n),
            _ => json!(value),
        };
        map.insert(name.clone(), value);
    }
    map.insert("iss".into(), json!(request.client_id));
    map.insert("aud".into(), json!(issuer));
    map.insert("iat".into(), json!(now));
    map.insert("nbf".into(), json!(now));
    map.insert("exp".into(), json!(now + LIFETIME));
    map.insert("jti".into(), json!(random_value(16)));
    for (name, value) in overrides {
        let name = name.trim();
        if value == OMITTED {
            map.remove(name);
            continue;
        }
        let value = if matches!(name, "exp" | "iat" | "nbf") {
            json!(seconds(name, value, now)?)
        } else {
            json!(value)
        };
        map.insert(name.to_string(), value);
    }
    Ok(Value::Object(map))
}

fn seconds(name: &str, value: &str, now: i64) -> Result<i64, RequestObjectError> {
    let bad = || RequestObjectError::NotSeconds(name.to_string());
    let value = value.trim();
    if value.starts_with(['-', '+']) {
        Ok(now + value.parse::<i64>().map_err(|_| bad())?)
    } else {
        value.parse::<i64>().map_err(|_| bad())
    }
}

/// Signs `claims` as a JWT with `alg` for `client` (`client_name` names it in errors).
pub fn sign(
    claims: &Value,
    alg: ObjectAlg,
    client: &Client,
    client_name: &str,
    typ: &str,
) -> Result<String, RequestObjectError> {
    let key = match alg {
        ObjectAlg::None => {
            let header = json!({"alg": "none", "typ": typ});
            let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
            return Ok(format!("{}.{}.", b64(&header), b64(claims)));
        }
        ObjectAlg::Rs256 => {
            let key = client
                .key
                .as_ref()
                .ok_or_else(|| RequestObjectError::NoKey(client_name.to_string()))?;
            jsonwebtoken::EncodingKey::from_rsa_pem(key.pem().as_bytes())
                .map_err(|e| RequestObjectError::Sign(e.to_string()))?
        }
        ObjectAlg::Hs256 => {
            let secret = client
                .secret
                .as_ref()
                .ok_or_else(|| RequestObjectError::NoSecret(client_name.to_string()))?;
            jsonwebtoken::EncodingKey::from_secret(secret.expose().as_bytes())
                .map_err(|e| RequestObjectError::Sign(e.to_string()))?
        }
    };
    let mut header = jsonwebtoken::Header::new(match alg {
        ObjectAlg::Hs256 => jsonwebtoken::Algorithm::HS256,
        _ => jsonwebtoken::Algorithm::RS256,
    });
    header.typ = Some(typ.to_string());
    jsonwebtoken::encode(&header, claims, &key).map_err(|e| RequestObjectError::Sign(e.to_string()))
}

/// The JWT with one character of its signature changed, as a tampering party would leave it.
pub fn alter_signature(jwt: &str) -> Result<String, RequestObjectError> {
    let (signed, signature) = jwt
        .rsplit_once('.')
        .filter(|(_, s)| !s.is_empty())
        .ok_or(RequestObjectError::NothingToAlter)?;
    let mut chars: Vec<char> = signature.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    Ok(format!(
        "{signed}.{}",
        chars.into_iter().collect::<String>()
    ))
}

/// The parameters sent outside the object: `client_id`, `response_type`, `scope`,
/// `redirect_uri` and `state` of the request, then `outside` (which may contradict the object;
/// `(omitted)` leaves one out), then `by` (`request` or `request_uri`) with `value`.
pub fn outer_params(
    request: &AuthorizationRequest,
    outside: &[(String, String)],
    by: &str,
    value: String,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = request
        .params
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "client_id" | "response_type" | "scope" | "redirect_uri" | "state"
            )
        })
        .cloned()
        .collect();
    for (name, value) in outside {
        let name = name.trim();
        match params.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => params.push((name.to_string(), value.clone())),
        }
    }
    params.retain(|(_, v)| v != OMITTED);
    params.push((by.to_string(), value));
    params
}

/// The errors a provider may answer a refused request object with (RFC 9101 §6.3 and §7,
/// OpenID Connect Core 1.0 §6.3.2, RFC 6749 §4.1.2.1).
const REFUSALS: &[&str] = &[
    "invalid_request_object",
    "invalid_request_uri",
    "invalid_request",
    "unauthorized_client",
    "invalid_client",
];

/// The provider refused the request object: an error redirected to the client (no code, no
/// token), or its own error page, never a login page or an authorization response. `clause`
/// names the rule the scenario broke.
pub fn refused(
    response: Option<&super::AuthorizationResponse>,
    last: &crate::record::Exchange,
    clause: &str,
) -> crate::checks::Checklist {
    let mut list =
        crate::checks::Checklist::new("the provider's answer to a malformed request object");
    let error = response.and_then(|r| r.any_param("error"));
    let issued = response.is_some_and(|r| {
        ["code", "access_token", "id_token"]
            .iter()
            .any(|p| r.any_param(p).is_some())
    });
    let status = last.response().map_or(0, |r| r.status);
    let page = response.is_none() && (400..500).contains(&status);
    let what = match (response, error) {
        (Some(r), None) => format!(
            "the provider redirected to the client without an error: {}",
            r.url
        ),
        (None, _) if !page => format!(
            "the provider answered {status} at {} (a page for the end-user?) instead of refusing",
            last.request().url.split('?').next().unwrap_or_default()
        ),
        _ => String::new(),
    };
    list.must(
        "request object refused",
        clause,
        !issued && (error.is_some() || page),
        what,
    );
    if let Some(error) = error {
        list.should(
            "request object error code",
            "RFC 9101 §6.3; OpenID Connect Core 1.0 §6.3.2",
            REFUSALS.contains(&error),
            format!(
                "expected invalid_request_object (or {}), got {error}",
                REFUSALS[1..].join(", ")
            ),
        );
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthMethod;

    fn client() -> Client {
        Client::with_test_key(
            "rp",
            Some("a-long-enough-client-secret-for-hs256"),
            AuthMethod::ClientSecretBasic,
        )
    }

    fn request() -> AuthorizationRequest {
        AuthorizationRequest::new(&client(), &[("max_age".into(), "60".into())], 1000).unwrap()
    }

    fn decode(jwt: &str) -> (Value, Value) {
        let mut parts = jwt.split('.');
        let mut part = || {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap()
        };
        (part(), part())
    }

    #[test]
    fn the_object_holds_every_parameter_and_the_jwt_claims() {
        let req = request();
        let claims = claims(&req, "https://op.example", 1000, &[]).unwrap();
        assert_eq!(claims["iss"], "rp");
        assert_eq!(claims["client_id"], "rp");
        assert_eq!(claims["aud"], "https://op.example");
        assert_eq!(claims["exp"], 1000 + LIFETIME);
        assert_eq!(claims["max_age"], 60, "max_age is a number (Core §6.1)");
        assert_eq!(claims["nonce"], json!(req.nonce.clone().unwrap()));
        assert_eq!(claims["code_challenge_method"], "S256");
        let changed = super::claims(
            &req,
            "https://op.example",
            1000,
            &[
                ("exp".into(), "-60".into()),
                ("aud".into(), "https://other.example".into()),
                ("jti".into(), OMITTED.into()),
            ],
        )
        .unwrap();
        assert_eq!(changed["exp"], 940);
        assert_eq!(changed["aud"], "https://other.example");
        assert!(changed.get("jti").is_none());
        assert_eq!(
            super::claims(&req, "x", 0, &[("exp".into(), "soon".into())]).unwrap_err(),
            RequestObjectError::NotSeconds("exp".into())
        );
    }

    #[test]
    fn signed_objects_verify_with_the_clients_keys_and_an_altered_one_does_not() {
        let c = client();
        let claims = claims(&request(), "https://op.example", 1000, &[]).unwrap();
        let key = c.key.as_ref().unwrap();
        let rs = sign(&claims, ObjectAlg::Rs256, &c, "web", MEDIA_TYPE).unwrap();
        let (header, payload) = decode(&rs);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], MEDIA_TYPE);
        assert_eq!(payload, claims);
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        let public = jsonwebtoken::DecodingKey::from_rsa_components(&key.n, &key.e).unwrap();
        assert!(jsonwebtoken::decode::<Value>(&rs, &public, &v).is_ok());
        let altered = alter_signature(&rs).unwrap();
        assert_ne!(altered, rs);
        assert!(jsonwebtoken::decode::<Value>(&altered, &public, &v).is_err());

        let hs = sign(&claims, ObjectAlg::Hs256, &c, "web", MEDIA_TYPE).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_exp = false;
        v.validate_aud = false;
        let secret =
            jsonwebtoken::DecodingKey::from_secret(b"a-long-enough-client-secret-for-hs256")
                .unwrap();
        assert!(jsonwebtoken::decode::<Value>(&hs, &secret, &v).is_ok());

        let none = sign(&claims, ObjectAlg::None, &c, "web", MEDIA_TYPE).unwrap();
        assert!(none.ends_with('.'));
        assert_eq!(decode(&none).0["alg"], "none");
        assert_eq!(
            alter_signature(&none).unwrap_err(),
            RequestObjectError::NothingToAlter
        );
        let mut keyless = c.clone();
        keyless.key = None;
        assert_eq!(
            sign(&claims, ObjectAlg::Rs256, &keyless, "web", MEDIA_TYPE).unwrap_err(),
            RequestObjectError::NoKey("web".into())
        );
        assert!("ES256".parse::<ObjectAlg>().is_err());
    }

    #[test]
    fn outside_the_object_go_the_oauth_parameters_and_the_contradictions() {
        let req = request();
        let outer = outer_params(
            &req,
            &[
                ("client_id".into(), "someone-else".into()),
                ("nonce".into(), "outside".into()),
                ("state".into(), OMITTED.into()),
            ],
            "request",
            "jwt".into(),
        );
        let get = |n: &str| outer.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("client_id"), Some("someone-else"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("scope"), Some("openid"));
        assert_eq!(get("nonce"), Some("outside"));
        assert_eq!(get("state"), None);
        assert_eq!(get("code_challenge"), None, "only inside the object");
        assert_eq!(
            outer.last().unwrap(),
            &("request".to_string(), "jwt".to_string())
        );
    }
}
