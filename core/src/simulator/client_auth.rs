//! `private_key_jwt` client authentication at the token endpoint (RFC 7523 §2.2 and §3,
//! OpenID Connect Core 1.0 §9), as Signicat accepts it: a JWT signed RS256 with the key the
//! client registered, `iss` and `sub` its client id, `aud` the token endpoint or the issuer, an
//! `exp` not passed, and a `jti` used once. Each refusal is `invalid_client` (RFC 6749 §5.2)
//! with a description naming what was wrong.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::Defect;
use super::server::{Request, Response};
use super::setup::SimClient;
use super::state::Shared;
use super::web::{Params, basic_credentials, oauth_error};
use crate::protocol::AuthMethod;

/// The `client_assertion_type` of a JWT bearer assertion (RFC 7523 §2.2).
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The signing algorithms the token endpoint accepts for assertions (discovery's
/// `token_endpoint_auth_signing_alg_values_supported`).
pub(crate) const SIGNING_ALGS: &[&str] = &["RS256"];

/// How far in the future an `iat` may lie (clock skew), in seconds.
const SKEW: i64 = 60;

fn invalid_client(description: &str) -> Response {
    // A 401 names the schemes the endpoint takes (RFC 9110 §11.6.1, RFC 6749 §5.2).
    oauth_error(401, "invalid_client", description)
        .insert_header("www-authenticate", "Basic realm=\"idflow-simulator\"")
}

/// Whether the token request authenticates with a client assertion.
pub(crate) fn uses_assertion(params: &Params) -> bool {
    params.get("client_assertion").is_some() || params.get("client_assertion_type").is_some()
}

/// The header and claims of a compact JWS (nothing verified).
pub(crate) fn decode_parts(jwt: &str) -> Option<(Value, Value)> {
    let mut parts = jwt.split('.');
    let mut part = || -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()
    };
    let header = part()?;
    let claims = part()?;
    Some((header, claims))
}

/// Whether `jwt` is signed RS256 by the client's registered key.
pub(crate) fn rs256_valid(jwt: &str, client: &SimClient) -> bool {
    let Some((n, e)) = &client.public_key else {
        return false;
    };
    let Ok(key) = jsonwebtoken::DecodingKey::from_rsa_components(n, e) else {
        return false;
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok()
}

/// Whether `aud` (a string or an array) names one of `accepted`.
pub(crate) fn audience_matches(aud: Option<&Value>, accepted: &[String]) -> bool {
    match aud {
        Some(Value::String(a)) => accepted.contains(a),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| accepted.iter().any(|x| x == a)),
        _ => false,
    }
}

/// Authenticates a token request carrying `client_assertion` (RFC 7523 §3).
pub(crate) fn authenticate<'a>(
    shared: &'a Shared,
    req: &Request,
    params: &Params,
) -> Result<&'a SimClient, Response> {
    if basic_credentials(req).ok().flatten().is_some() || params.get("client_secret").is_some() {
        return Err(oauth_error(
            400,
            "invalid_request",
            "use one client authentication method, not a client assertion and a secret",
        ));
    }
    if params.get("client_assertion_type") != Some(ASSERTION_TYPE) {
        return Err(invalid_client(&format!(
            "client_assertion_type must be {ASSERTION_TYPE}"
        )));
    }
    let assertion = params
        .get("client_assertion")
        .ok_or_else(|| invalid_client("client_assertion is missing"))?;
    let (header, claims) =
        decode_parts(assertion).ok_or_else(|| invalid_client("client_assertion is not a JWT"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !SIGNING_ALGS.contains(&alg) {
        return Err(invalid_client(&format!(
            "client_assertion alg {alg} is not accepted; use RS256"
        )));
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let iss = text("iss").ok_or_else(|| invalid_client("client_assertion has no iss"))?;
    let client = shared
        .client(iss)
        .ok_or_else(|| invalid_client(&format!("client_assertion iss {iss} is no client")))?;
    if text("sub") != Some(iss) {
        return Err(invalid_client(
            "client_assertion sub must equal its iss, the client_id (RFC 7523 §3)",
        ));
    }
    if params.get("client_id").is_some_and(|id| id != iss) {
        return Err(invalid_client(
            "client_id differs from the client assertion's iss",
        ));
    }
    if client.auth_method != AuthMethod::PrivateKeyJwt {
        return Err(invalid_client(&format!(
            "client {iss} is registered for {}, not private_key_jwt",
            client.auth_method.as_str()
        )));
    }
    let accepted = [
        format!("{}/connect/token", shared.issuer),
        format!("{}/broker/openidconnect/token", shared.base_url),
        shared.issuer.clone(),
    ];
    if !audience_matches(claims.get("aud"), &accepted)
        && !shared.has(Defect::ClientAssertionAudienceUnchecked)
    {
        return Err(invalid_client(
            "client_assertion aud must be the token endpoint or the issuer",
        ));
    }
    if !rs256_valid(assertion, client) && !shared.has(Defect::ClientAssertionSignatureUnchecked) {
        return Err(invalid_client(
            "client_assertion signature does not verify with the client's registered key",
        ));
    }
    let now = shared.now();
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid_client("client_assertion has no exp"))?;
    if exp <= now && !shared.has(Defect::ExpiredClientAssertionAccepted) {
        return Err(invalid_client("client_assertion has expired"));
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > now + SKEW)
    {
        return Err(invalid_client("client_assertion iat is in the future"));
    }
    let jti = text("jti").ok_or_else(|| invalid_client("client_assertion has no jti"))?;
    let mut state = shared.state();
    let first_use = state.client_assertion_jtis.insert(format!("{iss} {jti}"));
    if !first_use && !shared.has(Defect::ClientAssertionReplayAccepted) {
        return Err(invalid_client(
            "client_assertion jti was already used: an assertion is single-use",
        ));
    }
    Ok(client)
}
