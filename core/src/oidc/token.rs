//! Token endpoint requests with client authentication (RFC 6749 §2.3, §4.1.3, §6).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use crate::config::{AuthMethod, Client};
use crate::http::{Body, RequestSpec};

/// A token request for `client` at `endpoint` with the grant's form fields, authenticated with
/// `method` (the client's own unless overridden) and `secret` (the client's unless overridden).
pub fn token_request(
    endpoint: &Url,
    client: &Client,
    method: AuthMethod,
    secret_override: Option<&str>,
    mut form: Vec<(String, String)>,
) -> RequestSpec {
    let secret = secret_override
        .map(str::to_string)
        .or_else(|| client.secret.as_ref().map(|s| s.expose().to_string()))
        .unwrap_or_default();
    let mut spec = RequestSpec::new("POST", endpoint.clone())
        .header("accept", "application/json")
        .backchannel();
    match method {
        AuthMethod::ClientSecretBasic => {
            spec = spec.header("authorization", basic_auth(&client.id, &secret));
        }
        AuthMethod::ClientSecretPost => {
            form.push(("client_id".into(), client.id.to_string()));
            form.push(("client_secret".into(), secret));
        }
        AuthMethod::None => form.push(("client_id".into(), client.id.to_string())),
        // The assertion itself is signed at the run's time and added by the relying party
        // (`client_assertion::attach`); its sub names the client, so client_id (OPTIONAL
        // beside it, RFC 7523 §3) is left out.
        AuthMethod::PrivateKeyJwt => {}
    }
    spec.body = Some(Body::Form(form));
    spec
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 requires.
pub fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// The fields of a successful token response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenSet {
    pub(crate) access_token: Option<String>,
    pub(crate) token_type: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) id_token: Option<String>,
    pub(crate) expires_in: Option<serde_json::Value>,
    pub(crate) raw: serde_json::Value,
    /// `id_token` decoded, once: several steps of a scenario read its claims.
    decoded_id_token: std::sync::OnceLock<Result<crate::jwt::DecodedJwt, crate::jwt::JwtError>>,
}

impl TokenSet {
    /// Reads the token fields of a JSON token response.
    pub fn from_json(raw: serde_json::Value) -> Self {
        let s = |k: &str| raw.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Self {
            access_token: s("access_token"),
            token_type: s("token_type"),
            refresh_token: s("refresh_token"),
            id_token: s("id_token"),
            expires_in: raw.get("expires_in").cloned(),
            raw,
            decoded_id_token: std::sync::OnceLock::new(),
        }
    }

    /// The ID token split into header and claims (decoded on first use, nothing verified);
    /// `None` when the response had no `id_token`.
    pub fn id_token_jwt(&self) -> Option<Result<&crate::jwt::DecodedJwt, crate::jwt::JwtError>> {
        let token = self.id_token.as_deref()?;
        Some(
            self.decoded_id_token
                .get_or_init(|| crate::jwt::decode(token))
                .as_ref()
                .map_err(Clone::clone),
        )
    }

    /// Reads tokens from the parameters of an implicit authorization response.
    pub fn from_params(params: &[(String, String)]) -> Self {
        let mut map = serde_json::Map::new();
        for (k, v) in params {
            let value = if k == "expires_in" {
                v.parse::<i64>()
                    .map(serde_json::Value::from)
                    .unwrap_or_else(|_| v.clone().into())
            } else {
                v.clone().into()
            };
            map.insert(k.clone(), value);
        }
        Self::from_json(serde_json::Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_url_encodes_before_base64() {
        // RFC 6749 §2.3.1: "s3cr+t/=" is form-encoded to "s3cr%2Bt%2F%3D" first.
        let header = basic_auth("client 1", "s3cr+t/=");
        let decoded = String::from_utf8(
            STANDARD
                .decode(header.trim_start_matches("Basic "))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(decoded, "client+1:s3cr%2Bt%2F%3D");
    }

    #[test]
    fn implicit_params_become_a_token_set() {
        let set = TokenSet::from_params(&[
            ("access_token".into(), "at".into()),
            ("expires_in".into(), "3600".into()),
        ]);
        assert_eq!(set.access_token.as_deref(), Some("at"));
        assert_eq!(set.expires_in, Some(serde_json::json!(3600)));
    }

    #[test]
    fn the_id_token_decodes_once_and_a_bad_one_says_why() {
        let none = TokenSet::from_json(serde_json::json!({"access_token": "at"}));
        assert!(none.id_token_jwt().is_none());
        let bad = TokenSet::from_json(serde_json::json!({"id_token": "not-a-jwt"}));
        assert!(bad.id_token_jwt().unwrap().is_err());
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let jwt = format!(
            "{}.{}.c2ln",
            b64(serde_json::json!({"alg": "RS256", "kid": "k1"})),
            b64(serde_json::json!({"sub": "alice"}))
        );
        let good = TokenSet::from_json(serde_json::json!({ "id_token": jwt }));
        let first = good.id_token_jwt().unwrap().unwrap();
        assert_eq!(first.claims["sub"], "alice");
        let again = good.id_token_jwt().unwrap().unwrap();
        assert!(std::ptr::eq(first, again), "decoded once, then reused");
    }
}
