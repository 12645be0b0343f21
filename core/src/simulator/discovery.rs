//! Discovery metadata (`/.well-known/openid-configuration`) and the JWK Set, with their
//! defects (missing metadata, no RS256, a plain-http endpoint; private, duplicate or weak keys).
//!
//! Both documents depend only on the simulator's setup and defects, so they are rendered once,
//! when it starts ([`Documents`]), and every answer shares those bytes.

use std::collections::BTreeSet;

use bytes::Bytes;
use serde_json::{Value, json};

use super::server::{Request, Response};

use super::Defect;
use super::claims;
use super::keys;
use super::state::Shared;
use super::web::{is_method, method_not_allowed};
use crate::protocol::CIBA_GRANT;

/// The discovery document and the JWK Set as JSON, rendered once.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    configuration: Bytes,
    jwks: Bytes,
}

impl Documents {
    /// Renders both documents for `shared`'s setup and defects.
    pub(crate) fn render(shared: &Shared) -> Self {
        let bytes = |document: Value| Bytes::from(document.to_string());
        Self {
            configuration: bytes(configuration_document(shared)),
            jwks: bytes(jwks_document(shared)),
        }
    }
}

/// A 200 with a rendered JSON document.
fn json_document(document: &Bytes) -> Response {
    Response::new(200).set_body_raw(document.clone(), "application/json")
}

/// `GET /auth/open/.well-known/openid-configuration`.
pub(crate) fn configuration(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "GET") {
        return method_not_allowed(req, "GET");
    }
    json_document(&shared.documents.configuration)
}

/// `GET /auth/open/.well-known/openid-configuration/jwks`.
pub(crate) fn jwks(shared: &Shared, req: &Request) -> Response {
    if !is_method(req, "GET") {
        return method_not_allowed(req, "GET");
    }
    json_document(&shared.documents.jwks)
}

/// The discovery document, with the discovery defects applied.
fn configuration_document(shared: &Shared) -> Value {
    let issuer = &shared.issuer;
    let mut scopes: BTreeSet<String> = [
        "openid",
        "profile",
        "email",
        "phone",
        "address",
        "offline_access",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    scopes.extend(shared.clients.iter().flat_map(|c| c.scopes.iter().cloned()));
    let mut claim_names: BTreeSet<String> = [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "azp",
        "at_hash",
        "c_hash",
    ]
    .into_iter()
    .chain(super::ciba::CLAIM_NAMES.iter().copied())
    .chain(claims::standard_claim_names())
    .map(String::from)
    .collect();
    claim_names.extend(shared.users.iter().flat_map(|u| u.claims.keys().cloned()));
    let mut document = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/connect/authorize"),
            "token_endpoint": format!("{issuer}/connect/token"),
            "userinfo_endpoint": format!("{issuer}/connect/userinfo"),
            "jwks_uri": format!("{issuer}/.well-known/openid-configuration/jwks"),
            "response_types_supported": ["code", "id_token", "id_token token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": ["authorization_code", "refresh_token", "implicit", "client_credentials", CIBA_GRANT],
            "backchannel_authentication_endpoint": format!("{issuer}/connect/ciba"),
            "backchannel_token_delivery_modes_supported": ["poll"],
            "backchannel_user_code_parameter_supported": false,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": super::client_auth::SIGNING_ALGS,
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": scopes,
            "claims_supported": claim_names,
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "ui_locales_supported": ["en", "nb", "sv", "da", "fi"],
            "claims_parameter_supported": true,
            "request_parameter_supported": true,
            "request_uri_parameter_supported": true,
            "require_request_uri_registration": false,
            "request_object_signing_alg_values_supported": super::request_object::SIGNING_ALGS,
            "request_object_encryption_alg_values_supported": [crate::protocol::jwe::ALG],
            "request_object_encryption_enc_values_supported": [crate::protocol::jwe::ENC],
            "authorization_response_iss_parameter_supported": true,
    });
    if shared.has(Defect::DiscoveryMissingSubjectTypes)
        && let Some(members) = document.as_object_mut()
    {
        members.remove("subject_types_supported");
    }
    if shared.has(Defect::DiscoveryWithoutRs256) {
        document["id_token_signing_alg_values_supported"] = json!(["PS256"]);
    }
    if shared.has(Defect::DiscoveryPlainHttpEndpoint) {
        document["end_session_endpoint"] =
            json!("http://op.idflow-simulator.test/auth/open/connect/logout");
    }
    document
}

/// The JWK Set, with the JWKS defects applied.
fn jwks_document(shared: &Shared) -> Value {
    if shared.has(Defect::JwksEmpty) {
        return json!({"keys": []});
    }
    let private = shared.has(Defect::JwksPrivateKey);
    let duplicate = shared.has(Defect::JwksDuplicateKid);
    let weak = shared.has(Defect::JwksWeakKey);
    if private || duplicate || weak {
        return keys::defective_jwks(private, duplicate, weak);
    }
    let mut set = keys::jwks();
    // The key clients encrypt request objects to (issue 12, item 3).
    if let Some(list) = set["keys"].as_array_mut() {
        list.push(super::request_object::encryption_jwk());
    }
    set
}
