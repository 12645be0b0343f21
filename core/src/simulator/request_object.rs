//! Request objects at the authorization endpoint (RFC 9101, OpenID Connect Core 1.0 §6), as
//! Signicat accepts them (seed 003, `request`): by value (`request`) or by reference
//! (`request_uri`, fetched from the client's host), unsigned (`alg: none`, unless the client is
//! registered for a signing alg), RS256 with the client's registered key, or HS256 with its
//! secret.
//!
//! The object is checked before anything else of the request: `iss` the client id, `aud` the
//! issuer, `exp` not passed, `nbf` reached, the signature, and that `client_id` and
//! `response_type` outside it do not contradict it (Core §6.1; RFC 9101 §6.3). The parameters
//! are then the object's, those outside it used only where the object has none (Core §6.3.3).
//! A refusal is the error `invalid_request_object` (`invalid_request_uri` when the object cannot
//! be fetched), redirected when the client and a registered redirect URI are known, else shown
//! on an error page.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::Defect;
use super::authorize::{Refusal, Target};
use super::client_auth::{audience_matches, decode_parts, rs256_valid};
use super::setup::SimClient;
use super::state::{ResponseType, Shared};
use super::web::Params;
use crate::protocol::jwe;

/// The signing algorithms accepted for request objects (discovery's
/// `request_object_signing_alg_values_supported`).
pub(crate) const SIGNING_ALGS: &[&str] = &["none", "RS256", "HS256"];

/// Key id of the simulator's TEST-ONLY encryption key (published with `use: enc`).
pub(crate) const ENCRYPTION_KID: &str = "idflow-sim-rsa-oaep-2026";
const ENCRYPTION_PEM: &str = include_str!("keys/encryption.pem");
/// JWK `n` of the encryption key (a unit test proves it belongs to the PEM).
const ENCRYPTION_N: &str = "pii3sMna_iZNmTQw99crh6yeoZjIrOrneNQVcFC_grpSuqM9uqRDzbnMGYDbc6HN-VGfkcFBoeQ9zm7WlgSHILHAl_t_XDZnzPhhy6lcdpFy4j8nDGZs3N8qjB5LMcno8K_6cfFMfCzUcYcqxdhYtCHtdKovDV_19cb6vdQtBwrTqSszjmJbUaeS0NInB-7VsiN3Wtq--vbYtkoOnvdatIAuW43qMR5oT3JmkapzRLcoBuepUjFKw5XOgqEWZBEYBXCj4rT5WwKjBLAlaJ-cLDfMCBK_V2AZPB0bz83NeQxUv24GGp4zZyAt5eTTd5yn8mmrP2mMrAuFvnHLv0BLRQ";

/// The encryption key as a public JWK, for the JWKS: clients encrypt request objects to it
/// (RSA-OAEP, A256GCM).
pub(crate) fn encryption_jwk() -> Value {
    serde_json::json!({
        "kty": "RSA", "use": "enc", "alg": jwe::ALG, "kid": ENCRYPTION_KID,
        "n": ENCRYPTION_N, "e": "AQAB",
    })
}

/// Opens a request object encrypted to the simulator's key (RFC 9101 §4, Core §6.1).
fn decrypt(token: &str) -> Result<String, String> {
    use base64::Engine as _;
    let body: String = ENCRYPTION_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pkcs8 = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| "the simulator's encryption key is not base64".to_string())?;
    let (_, plain) = jwe::decrypt(token, &pkcs8).map_err(|e| e.to_string())?;
    String::from_utf8(plain).map_err(|_| "the decrypted request object is not text".to_string())
}

/// Clock skew allowed on `nbf`, in seconds.
const SKEW: i64 = 60;

/// The largest request object fetched by reference, in bytes.
const MAX_FETCH: usize = 64 * 1024;

/// The request's parameters with its request object applied; the same parameters when it has
/// none.
pub(crate) fn resolve(shared: &Shared, params: Params) -> Result<Params, Refusal> {
    let by_value = params.get("request").map(str::to_string);
    let by_reference = params.get("request_uri").map(str::to_string);
    if by_value.is_none() && by_reference.is_none() {
        return Ok(params);
    }
    let page = |m: &str| Refusal::Page(400, m.to_string());
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("client_id is missing beside the request object (RFC 9101 §5)"))?;
    let client = shared
        .client(client_id)
        .ok_or_else(|| page(&format!("unknown client_id {client_id}")))?;
    let refuse = |error: &'static str, description: &str, object: Option<&Value>| {
        refusal(client, &params, object, error, description)
    };
    let jwt = match (by_value, by_reference) {
        (Some(_), Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "request and request_uri cannot be used together",
                None,
            ));
        }
        (Some(jwt), None) => jwt,
        (None, uri) => fetch(uri.as_deref().unwrap_or_default())
            .map_err(|e| refuse("invalid_request_uri", &e, None))?,
    };
    let jwt = if jwe::is_jwe(&jwt) {
        decrypt(&jwt).map_err(|e| {
            refuse(
                "invalid_request_object",
                &format!("the encrypted request object cannot be opened: {e}"),
                None,
            )
        })?
    } else {
        jwt
    };
    let (header, object) = decode_parts(&jwt).ok_or_else(|| {
        refuse(
            "invalid_request_object",
            "the request object is not a JWT",
            None,
        )
    })?;
    let Value::Object(claims) = &object else {
        return Err(refuse(
            "invalid_request_object",
            "the request object's payload is not a JSON object",
            None,
        ));
    };
    let code = if shared.has(Defect::RequestObjectRefusedAsServerError) {
        "server_error"
    } else {
        "invalid_request_object"
    };
    let fail = |description: &str| refuse(code, description, Some(&object));
    check_object(shared, client, &params, &jwt, &header, &object).map_err(|e| fail(&e))?;
    // The object's parameters win; those outside it stay only where it has none (Core §6.3.3).
    let mut merged: BTreeMap<String, String> = params.pairs().collect();
    merged.remove("request");
    merged.remove("request_uri");
    for (name, value) in claims {
        if matches!(name.as_str(), "iss" | "aud" | "exp" | "iat" | "nbf" | "jti") {
            continue;
        }
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if shared.has(Defect::RequestObjectQueryWins) && merged.contains_key(name) {
            continue;
        }
        merged.insert(name.clone(), value);
    }
    Ok(Params::from_map(merged))
}

/// The checks of RFC 9101 §6 and Core §6.3 on a decoded object.
fn check_object(
    shared: &Shared,
    client: &SimClient,
    params: &Params,
    jwt: &str,
    header: &Value,
    object: &Value,
) -> Result<(), String> {
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !SIGNING_ALGS.contains(&alg) {
        return Err(format!("request object alg {alg} is not supported"));
    }
    if let Some(registered) = &client.request_object_signing_alg
        && registered != alg
    {
        return Err(format!(
            "client {} is registered for request objects signed {registered}, not {alg}",
            client.id
        ));
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str);
    if object.get("request").is_some() || object.get("request_uri").is_some() {
        return Err("a request object must not contain request or request_uri".into());
    }
    if text("client_id").is_some_and(|id| id != client.id) {
        return Err("client_id outside the request object contradicts the one inside it".into());
    }
    if let (Some(inside), Some(outside)) = (text("response_type"), params.get("response_type"))
        && ResponseType::parse(inside) != ResponseType::parse(outside)
    {
        return Err(
            "response_type outside the request object contradicts the one inside it".into(),
        );
    }
    let signed = alg != "none";
    if signed {
        if text("iss") != Some(client.id.as_str()) {
            return Err("the request object's iss must be the client_id".into());
        }
        if !audience_matches(object.get("aud"), std::slice::from_ref(&shared.issuer))
            && !shared.has(Defect::RequestObjectAudienceUnchecked)
        {
            return Err("the request object's aud must be the issuer".into());
        }
        let valid = match alg {
            "RS256" => rs256_valid(jwt, client),
            _ => hs256_valid(jwt, client),
        };
        if !valid && !shared.has(Defect::RequestObjectSignatureUnchecked) {
            return Err("the request object's signature does not verify".into());
        }
    }
    let now = shared.now();
    let number = |name: &str| object.get(name).and_then(Value::as_i64);
    if number("exp").is_some_and(|exp| exp <= now)
        && !shared.has(Defect::RequestObjectExpiryUnchecked)
    {
        return Err("the request object has expired".into());
    }
    if number("nbf").is_some_and(|nbf| nbf > now + SKEW) {
        return Err("the request object is not valid yet (nbf)".into());
    }
    Ok(())
}

fn hs256_valid(jwt: &str, client: &SimClient) -> bool {
    let Some(secret) = &client.secret else {
        return false;
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let Ok(key) = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()) else {
        return false;
    };
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok()
}

/// Where a refusal goes: redirected to a redirect URI registered for the client (the object's,
/// else the one outside it), with the state it carries; else an error page.
fn refusal(
    client: &SimClient,
    params: &Params,
    object: Option<&Value>,
    error: &'static str,
    description: &str,
) -> Refusal {
    let inside = |name: &str| object.and_then(|o| o.get(name)).and_then(Value::as_str);
    let registered = |uri: &&str| client.redirect_uris.iter().any(|u| u == uri);
    let redirect_uri = inside("redirect_uri")
        .filter(registered)
        .or_else(|| params.get("redirect_uri").filter(registered));
    let Some(redirect_uri) = redirect_uri else {
        return Refusal::Page(400, format!("{error}: {description}"));
    };
    let response_type = inside("response_type")
        .or_else(|| params.get("response_type"))
        .and_then(ResponseType::parse);
    Refusal::Redirect(
        Target {
            redirect_uri: redirect_uri.to_string(),
            fragment: response_type.is_some_and(ResponseType::uses_fragment),
            state: inside("state")
                .or_else(|| params.get("state"))
                .map(str::to_string),
        },
        error,
        description.to_string(),
    )
}

/// Fetches a request object by reference: `http://` on this machine only (the simulator never
/// reaches out), one GET, 5 seconds at most, 64 KiB at most.
fn fetch(uri: &str) -> Result<String, String> {
    let url = Url::parse(uri).map_err(|_| format!("request_uri {uri} is not a URL"))?;
    let host = url.host_str().unwrap_or_default();
    if url.scheme() != "http" || !matches!(host, "127.0.0.1" | "localhost") {
        return Err("request_uri must be an http URL on 127.0.0.1 for the simulator".into());
    }
    let port = url.port().unwrap_or(80);
    let failed = |e: std::io::Error| format!("request_uri could not be fetched: {e}");
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        std::net::TcpStream::connect_timeout(&address, Duration::from_secs(5)).map_err(failed)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(failed)?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/oauth-authz-req+jwt\r\nConnection: close\r\n\r\n"
    )
    .map_err(failed)?;
    let mut answer = Vec::new();
    stream
        .take(MAX_FETCH as u64)
        .read_to_end(&mut answer)
        .map_err(failed)?;
    let text = String::from_utf8(answer).map_err(|_| "request_uri answered no text".to_string())?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "request_uri answered no HTTP response".to_string())?;
    let status = head.split(' ').nth(1).unwrap_or_default();
    if status != "200" {
        return Err(format!("request_uri answered {status}, not 200"));
    }
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok(body.trim().to_string())
}

/// The body of a chunked transfer encoding.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_encrypted_to_the_published_key_decrypts_and_nothing_else_does() {
        let token = jwe::encrypt(
            b"a.b.c",
            ENCRYPTION_N,
            "AQAB",
            Some(ENCRYPTION_KID),
            Some("JWT"),
        )
        .unwrap();
        assert_eq!(decrypt(&token).unwrap(), "a.b.c");
        assert_ne!(
            token,
            jwe::encrypt(b"a.b.c", ENCRYPTION_N, "AQAB", None, None).unwrap(),
            "a fresh content key and IV each time"
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[3] = "dGFtcGVyZWQ";
        assert!(
            decrypt(&parts.join("."))
                .unwrap_err()
                .contains("does not decrypt")
        );
        // Encrypted to another key (the signing key's modulus): the content key cannot be unwrapped.
        let other = super::super::keys::jwks()["keys"][0]["n"]
            .as_str()
            .unwrap()
            .to_string();
        let foreign = jwe::encrypt(b"a.b.c", &other, "AQAB", None, None).unwrap();
        assert!(decrypt(&foreign).is_err());
        assert_eq!(encryption_jwk()["use"], "enc");
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), "abcde");
    }

    #[test]
    fn only_local_http_request_uris_are_fetched() {
        assert!(
            fetch("https://evil.example/x")
                .unwrap_err()
                .contains("127.0.0.1")
        );
        assert!(fetch("not a url").unwrap_err().contains("not a URL"));
    }
}
