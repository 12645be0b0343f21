//! ID token minting (RS256, `kid` + `typ: JWT`, signed by [`super::keys::SigningKey`]) and the checks of `id_token_hint`. The ID token
//! defects (nonce, at_hash, key, `alg: none`, issuer, expiry, sub, time units, claim types) are
//! applied here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde_json::{Map, Value, json};

use super::Defect;
use super::claims;
use super::keys::SIGNING_KID;
use super::state::{Grant, Shared, TOKEN_LIFETIME};
use crate::protocol::left_half_hash;

/// The issuer ID tokens claim under the `wrong_issuer` defect.
pub(crate) const WRONG_ISSUER: &str = "https://issuer.invalid/auth/open";

/// What goes into one ID token besides the grant.
#[derive(Debug, Default)]
pub(crate) struct Extras<'a> {
    pub(crate) nonce: Option<&'a str>,
    pub(crate) access_token: Option<&'a str>,
    pub(crate) code: Option<&'a str>,
    /// Claims added as they are (CIBA's `mobileid_*`), after the user's scope claims.
    pub(crate) claims: Map<String, Value>,
}

/// Mints an ID token for a grant; `None` only if signing failed (which the embedded keys never
/// do), so callers answer 500.
pub(crate) fn mint(shared: &Shared, grant: &Grant, extras: &Extras<'_>) -> Option<String> {
    let now = shared.now();
    let (iat, exp) = if shared.has(Defect::ExpiredIdToken) {
        (now - TOKEN_LIFETIME, now - 600)
    } else if shared.has(Defect::IatInTheFuture) {
        (now + 600, now + 600 + TOKEN_LIFETIME)
    } else if shared.has(Defect::StaleIdToken) {
        (now - 1200, now + TOKEN_LIFETIME)
    } else {
        (now, now + TOKEN_LIFETIME)
    };
    let (iat, exp) = (
        if shared.has(Defect::IatInMilliseconds) {
            iat * 1000
        } else {
            iat
        },
        if shared.has(Defect::ExpInMilliseconds) {
            exp * 1000
        } else {
            exp
        },
    );
    let iss = if shared.has(Defect::WrongIssuer) {
        // Clearly another issuer, not a prefix or suffix variant of the real one.
        WRONG_ISSUER.to_string()
    } else {
        shared.issuer.clone()
    };
    let mut body = Map::new();
    if let Some(user) = shared.user(&grant.username) {
        body.extend(claims::released(shared, user, &grant.scopes, grant));
    }
    body.extend(extras.claims.clone());
    if shared.has(Defect::EmailVerifiedAsString)
        && let Some(Value::Bool(verified)) = body.get("email_verified").cloned()
    {
        body.insert("email_verified".into(), json!(verified.to_string()));
    }
    body.insert("iss".into(), json!(iss));
    let sub = if shared.has(Defect::SubTooLong) {
        format!("{:x<256}", grant.sub)
    } else if shared.has(Defect::SubNotPrintable) {
        format!("{} \t", grant.sub)
    } else {
        grant.sub.clone()
    };
    body.insert("sub".into(), json!(sub));
    body.insert("aud".into(), json!(grant.client_id));
    body.insert("azp".into(), json!(grant.client_id));
    body.insert("iat".into(), json!(iat));
    body.insert("exp".into(), json!(exp));
    if !shared.has(Defect::AuthTimeOmitted) {
        body.insert("auth_time".into(), json!(grant.auth_time));
    }
    if let Some(acr) = &grant.acr {
        body.insert("acr".into(), json!(acr));
    }
    let nonce = match (extras.nonce, shared.has(Defect::WrongNonce)) {
        (Some(n), false) => Some(n.to_string()),
        (Some(n), true) => Some(format!("{n}-not-the-one-sent")),
        (None, true) => Some("a-nonce-nobody-sent".to_string()),
        (None, false) => None,
    };
    if let Some(nonce) = nonce {
        body.insert("nonce".into(), json!(nonce));
    }
    if let Some(at) = extras.access_token {
        let hashed = if shared.has(Defect::WrongAtHash) {
            format!("{at}-other")
        } else {
            at.to_string()
        };
        body.insert("at_hash".into(), json!(left_half_hash("RS256", &hashed)));
    }
    if let Some(code) = extras.code {
        body.insert("c_hash".into(), json!(left_half_hash("RS256", code)));
    }
    let claims = Value::Object(body);

    if shared.has(Defect::AlgNone) {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        return Some(format!("{header}.{payload}."));
    }
    let key = if shared.has(Defect::UnknownSigningKey) {
        &shared.keys.unpublished
    } else {
        &shared.keys.signing
    };
    key.sign(&claims)
}

/// The `sub` of an `id_token_hint`, if the hint is an ID token this simulator signed (with its
/// published key). An expired hint is still a good hint.
pub(crate) fn hint_subject(shared: &Shared, hint: &str) -> Result<String, String> {
    let header = decode_header(hint).map_err(|_| "id_token_hint is not a JWT".to_string())?;
    if header.kid.as_deref() != Some(SIGNING_KID) {
        return Err("id_token_hint was not signed by this provider".into());
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let data = decode::<Value>(hint, &shared.keys.verifying, &validation)
        .map_err(|_| "id_token_hint has no valid signature of this provider".to_string())?;
    data.claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "id_token_hint has no sub".to_string())
}
