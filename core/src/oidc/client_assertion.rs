//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID Connect Core 1.0 §9):
//! a JWT with `iss` = `sub` = the client id, `aud` = the token endpoint, a fresh `jti`, `iat` and
//! a short `exp`, signed RS256 with the client's private key, sent as `client_assertion` with
//! `client_assertion_type` in the token request's form.

use serde_json::{Map, Value, json};

use super::authorize::OMITTED;
use super::pkce::random_value;
use super::request_object::{ObjectAlg, RequestObjectError, sign};
use crate::config::Client;
use crate::http::{Body, RequestSpec};

/// The `client_assertion_type` of a JWT bearer assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid, in seconds.
pub const LIFETIME: i64 = 60;

/// What a scenario changes in an assertion to see the provider refuse it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssertionTamper {
    /// Claims replaced (`(omitted)` removes one; `exp`/`iat` in seconds, relative as `-60`).
    pub claims: Vec<(String, String)>,
    /// One character of the signature changed.
    pub alter_signature: bool,
    /// The assertion to send instead of a new one (a replay).
    pub replay: Option<String>,
}

/// A fresh client assertion for `client` at `audience` (the token endpoint), at `now`.
pub fn client_assertion(
    client: &Client,
    client_name: &str,
    audience: &str,
    now: i64,
    tamper: &AssertionTamper,
) -> Result<String, RequestObjectError> {
    if let Some(replayed) = &tamper.replay {
        return Ok(replayed.clone());
    }
    let mut map = Map::new();
    map.insert("iss".into(), json!(client.id.to_string()));
    map.insert("sub".into(), json!(client.id.to_string()));
    map.insert("aud".into(), json!(audience));
    map.insert("jti".into(), json!(random_value(16)));
    map.insert("iat".into(), json!(now));
    map.insert("exp".into(), json!(now + LIFETIME));
    for (name, value) in &tamper.claims {
        if value == OMITTED {
            map.remove(name);
        } else if matches!(name.as_str(), "exp" | "iat" | "nbf") {
            let relative = value.starts_with(['-', '+']);
            let n: i64 = value
                .parse()
                .map_err(|_| RequestObjectError::NotSeconds(name.clone()))?;
            map.insert(name.clone(), json!(if relative { now + n } else { n }));
        } else {
            map.insert(name.clone(), json!(value));
        }
    }
    let jwt = sign(
        &Value::Object(map),
        ObjectAlg::Rs256,
        client,
        client_name,
        "JWT",
    )?;
    if tamper.alter_signature {
        super::request_object::alter_signature(&jwt)
    } else {
        Ok(jwt)
    }
}

/// Adds `client_assertion_type` and `client_assertion` to a token request's form.
pub fn attach(spec: &mut RequestSpec, assertion: String) {
    if let Some(Body::Form(form)) = spec.body.as_mut() {
        form.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
        form.push(("client_assertion".into(), assertion));
    }
}

/// The token endpoint refused a client assertion as RFC 7523 §3.2 says: 400 or 401 with the
/// error `invalid_client` (RFC 6749 §5.2). `WWW-Authenticate` is not asked for: RFC 6749 §5.2
/// requires it when the client used the `Authorization` header, which an assertion does not.
pub fn refused(resp: &crate::record::RecordedResponse) -> crate::checks::Checklist {
    let mut list =
        crate::checks::Checklist::new("the token endpoint's answer to a bad client assertion");
    let error = resp
        .json()
        .and_then(|j| j.get("error").and_then(Value::as_str).map(str::to_string));
    let actual = match &error {
        Some(e) => format!("status {}, error {e}", resp.status),
        None => format!("status {}, no error", resp.status),
    };
    list.compare(
        "client assertion refused",
        "RFC 7523 §3.2; RFC 6749 §5.2",
        "status 400 or 401, error invalid_client",
        &actual,
        matches!(resp.status, 400 | 401) && error.as_deref() == Some("invalid_client"),
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthMethod;
    use base64::Engine as _;

    fn client() -> Client {
        Client::with_test_key("rp-jwt", None, AuthMethod::PrivateKeyJwt)
    }

    /// An assertion for `https://op/token` at time 100, as the client makes it.
    fn untampered(c: &Client) -> String {
        let tamper = AssertionTamper::default();
        client_assertion(c, "jwt", "https://op/token", 100, &tamper).unwrap()
    }

    fn payload(jwt: &str) -> Value {
        let part = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn an_assertion_names_the_client_and_the_token_endpoint_and_verifies() {
        let c = client();
        let jwt = untampered(&c);
        let claims = payload(&jwt);
        assert_eq!(claims["iss"], "rp-jwt");
        assert_eq!(claims["sub"], "rp-jwt");
        assert_eq!(claims["aud"], "https://op/token");
        assert_eq!(claims["exp"], 100 + LIFETIME);
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
        let key = c.key.as_ref().unwrap();
        let public = jsonwebtoken::DecodingKey::from_rsa_components(&key.n, &key.e).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_exp = false;
        v.set_audience(&["https://op/token"]);
        assert!(jsonwebtoken::decode::<Value>(&jwt, &public, &v).is_ok());
        let other = untampered(&c);
        assert_ne!(
            payload(&other)["jti"],
            claims["jti"],
            "a fresh jti each time"
        );
    }

    #[test]
    fn a_refusal_is_invalid_client_with_400_or_401() {
        let resp = |status: u16, body: &str| crate::record::RecordedResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            body_size: body.len(),
        };
        assert!(
            refused(&resp(401, r#"{"error":"invalid_client"}"#))
                .verdict()
                .is_ok()
        );
        assert!(
            refused(&resp(400, r#"{"error":"invalid_client"}"#))
                .verdict()
                .is_ok()
        );
        let grant = refused(&resp(400, r#"{"error":"invalid_grant"}"#));
        assert!(grant.failed("client assertion refused"));
        let accepted = refused(&resp(200, r#"{"access_token":"x"}"#));
        let err = accepted.failure();
        assert!(err.contains("status 200, no error"), "{err}");
    }

    #[test]
    fn tampering_changes_what_it_says_and_a_replay_sends_the_old_one() {
        let c = client();
        let tamper = AssertionTamper {
            claims: vec![
                ("exp".into(), "-30".into()),
                ("aud".into(), "https://elsewhere".into()),
            ],
            ..AssertionTamper::default()
        };
        let claims =
            payload(&client_assertion(&c, "jwt", "https://op/token", 100, &tamper).unwrap());
        assert_eq!(claims["exp"], 70);
        assert_eq!(claims["aud"], "https://elsewhere");
        let replay = AssertionTamper {
            replay: Some("old.jwt.value".into()),
            ..AssertionTamper::default()
        };
        assert_eq!(
            client_assertion(&c, "jwt", "x", 0, &replay).unwrap(),
            "old.jwt.value"
        );
        let mut spec = RequestSpec::new("POST", url::Url::parse("https://op/token").unwrap());
        spec.body = Some(Body::Form(vec![]));
        attach(&mut spec, "a.b.c".into());
        let Some(Body::Form(form)) = spec.body else {
            panic!("a form")
        };
        assert_eq!(
            form[0],
            ("client_assertion_type".into(), ASSERTION_TYPE.into())
        );
        assert_eq!(form[1], ("client_assertion".into(), "a.b.c".into()));
    }
}
