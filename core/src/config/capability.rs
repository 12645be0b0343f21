//! Optional capabilities of a provider, and the deviations from a specification that an
//! environment declares for it.
//!
//! A scenario that needs a capability the specifications leave optional says so with a tag,
//! `@needs:<capability>`; an environment lists the capabilities its provider has. A scenario
//! whose capability the target lacks is not applicable there: reported with the reason, never
//! run, never failed.

use serde::Deserialize;

/// A capability the specifications leave optional, so that a conforming provider may lack it.
/// Each names the clause that makes it optional ([`Capability::clause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// prompt=none succeeds with a live session; prompt=login asks a signed-in user again.
    Sessions,
    /// The consent page lets the end-user deny, which answers `access_denied`.
    ConsentDeny,
    /// The login page checks a password (and shows the form again on a wrong one).
    PasswordCheck,
    /// The tokens issued from a code are revoked when the code is replayed.
    CodeReplayRevocation,
    /// The provider issues refresh tokens to the code flow's clients.
    RefreshTokens,
    /// Each refresh token works once: a refresh returns a new one.
    RefreshRotation,
    /// A reused refresh token revokes the tokens that replaced it.
    RefreshFamilyRevocation,
    /// CIBA for any user (login_hint: the user's login name), poll mode.
    Ciba,
    /// The implicit flow (`response_type=id_token token`).
    Implicit,
    /// acr_values asked for is reported in acr.
    AcrValues,
    /// Signicat MobileID (CIBA with idp:mobileid, backend-initiated operations).
    Mobileid,
    /// Signicat's Authentication REST API.
    RestApi,
    /// UserInfo accepts the access token as a form parameter in a POST body.
    UserinfoTokenInBody,
    /// The `claims` request parameter (claims requested by name).
    ClaimsParameter,
    // Security pack:
    /// The authorization response carries `iss` (RFC 9207).
    AuthorizationResponseIss,
    // Request objects and private_key_jwt (issue 12, item 3).
    /// Request objects by value (`request`), signed RS256 or HS256.
    RequestObjects,
    /// Unsigned request objects (`alg: none`).
    UnsignedRequestObjects,
    /// Request objects by reference (`request_uri`) fetched from the client.
    RequestUri,
    /// `private_key_jwt` client authentication.
    PrivateKeyJwt,
    /// Request objects encrypted to the provider's key (RSA-OAEP, A256GCM).
    EncryptedRequestObjects,
    // CIBA poll mode (issue 12, item 4).
    /// The provider enforces the CIBA polling interval: a poll that comes early gets `slow_down`.
    CibaSlowDown,
    /// The provider still knows an expired auth_req_id and answers `expired_token` for it.
    CibaExpiredToken,
}

impl Capability {
    /// Every capability, in the order the README documents them.
    pub const ALL: [Capability; 22] = [
        Capability::Sessions,
        Capability::ConsentDeny,
        Capability::PasswordCheck,
        Capability::CodeReplayRevocation,
        Capability::RefreshTokens,
        Capability::RefreshRotation,
        Capability::RefreshFamilyRevocation,
        Capability::Ciba,
        Capability::Implicit,
        Capability::AcrValues,
        Capability::Mobileid,
        Capability::RestApi,
        Capability::UserinfoTokenInBody,
        Capability::ClaimsParameter,
        // Security pack:
        Capability::AuthorizationResponseIss,
        Capability::RequestObjects,
        Capability::UnsignedRequestObjects,
        Capability::RequestUri,
        Capability::PrivateKeyJwt,
        Capability::EncryptedRequestObjects,
        // CIBA poll mode (issue 12, item 4).
        Capability::CibaSlowDown,
        Capability::CibaExpiredToken,
    ];

    /// The name as environments and tags write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Sessions => "sessions",
            Capability::ConsentDeny => "consent_deny",
            Capability::PasswordCheck => "password_check",
            Capability::CodeReplayRevocation => "code_replay_revocation",
            Capability::RefreshTokens => "refresh_tokens",
            Capability::RefreshRotation => "refresh_rotation",
            Capability::RefreshFamilyRevocation => "refresh_family_revocation",
            Capability::Ciba => "ciba",
            Capability::Implicit => "implicit",
            Capability::AcrValues => "acr_values",
            Capability::Mobileid => "mobileid",
            Capability::RestApi => "rest_api",
            Capability::UserinfoTokenInBody => "userinfo_token_in_body",
            Capability::ClaimsParameter => "claims_parameter",
            Capability::AuthorizationResponseIss => "authorization_response_iss",
            Capability::RequestObjects => "request_objects",
            Capability::UnsignedRequestObjects => "unsigned_request_objects",
            Capability::RequestUri => "request_uri",
            Capability::PrivateKeyJwt => "private_key_jwt",
            Capability::EncryptedRequestObjects => "encrypted_request_objects",
            // CIBA poll mode (issue 12, item 4).
            Capability::CibaSlowDown => "ciba_slow_down",
            Capability::CibaExpiredToken => "ciba_expired_token",
        }
    }

    /// The clause that makes the capability optional.
    pub fn clause(self) -> &'static str {
        match self {
            Capability::Sessions => {
                "OpenID Connect Core 1.0 §3.1.2.1 (prompt=none succeeds only if the OP keeps a session)"
            }
            Capability::ConsentDeny => {
                "OpenID Connect Core 1.0 §3.1.2.4 (how consent is obtained is out of scope; an OP may ask none)"
            }
            Capability::PasswordCheck => {
                "OpenID Connect Core 1.0 §3.1.2.3 (the authentication method is the OP's choice)"
            }
            Capability::CodeReplayRevocation => {
                "RFC 6749 §4.1.2 (SHOULD revoke tokens issued from a replayed code)"
            }
            Capability::RefreshTokens => "RFC 6749 §1.5 and §5.1 (refresh_token is OPTIONAL)",
            Capability::RefreshRotation => {
                "RFC 6749 §6 (MAY issue a new refresh token); RFC 9700 §4.14.2 (rotation is one of two protections)"
            }
            Capability::RefreshFamilyRevocation => "RFC 9700 §4.14.2 (best current practice)",
            Capability::Ciba => {
                "CIBA Core 1.0 (an extension; OpenID Connect Core does not require it)"
            }
            Capability::Implicit => {
                "OpenID Connect Core 1.0 §15.1-15.2 (required of dynamic OPs only); RFC 9700 §2.1.2 (SHOULD NOT be used)"
            }
            Capability::AcrValues => {
                "OpenID Connect Core 1.0 §3.1.2.1 (acr_values is a voluntary request)"
            }
            Capability::Mobileid => "Signicat MobileID (a product, not a specification)",
            Capability::RestApi => {
                "Signicat Authentication REST API (a product, not a specification)"
            }
            Capability::UserinfoTokenInBody => {
                "RFC 6750 §2.2 (resource servers MAY accept the form-encoded body parameter)"
            }
            Capability::ClaimsParameter => {
                "OpenID Connect Core 1.0 §5.5 (OPTIONAL; discovery's claims_parameter_supported defaults to false)"
            }
            Capability::AuthorizationResponseIss => {
                "RFC 9207 (an extension); RFC 9700 §4.4.2 (distinct redirect URIs per issuer are the other mix-up defence)"
            }
            Capability::RequestObjects => {
                "OpenID Connect Core 1.0 §6.1 (support for the request parameter is OPTIONAL)"
            }
            Capability::UnsignedRequestObjects => {
                "OpenID Connect Core 1.0 §6.1 and Discovery 1.0 §3 (an OP lists the algorithms it accepts in request_object_signing_alg_values_supported; none may be absent)"
            }
            Capability::RequestUri => {
                "OpenID Connect Core 1.0 §6.2 and §15.2 (OPTIONAL; required of dynamic OPs only)"
            }
            Capability::PrivateKeyJwt => {
                "OpenID Connect Core 1.0 §9 and Discovery 1.0 §3 (the OP chooses its token_endpoint_auth_methods_supported; client_secret_basic is the default)"
            }
            Capability::EncryptedRequestObjects => {
                "OpenID Connect Core 1.0 §6.1 (a request object MAY be encrypted) and Discovery 1.0 §3 (request_object_encryption_alg_values_supported is OPTIONAL)"
            }
            // CIBA poll mode (issue 12, item 4).
            Capability::CibaSlowDown => {
                "CIBA Core 1.0 §7.3 (the client MUST wait the interval) and §11 (slow_down is defined, but nothing obliges the OP to send it)"
            }
            Capability::CibaExpiredToken => {
                "CIBA Core 1.0 §11 (expired_token is defined, but no clause says how long the OP remembers an expired auth_req_id; one it has forgotten is invalid: invalid_grant)"
            }
        }
    }

    /// The capability a tag names (`needs:sessions`, with or without `@`): `None` for a tag
    /// that is not a `needs:` tag, an error naming the known capabilities for an unknown one.
    pub fn from_tag(tag: &str) -> Option<Result<Capability, String>> {
        let name = tag.trim_start_matches('@').strip_prefix("needs:")?;
        Some(
            Capability::ALL
                .into_iter()
                .find(|c| c.as_str() == name)
                .ok_or_else(|| {
                    format!(
                        "unknown capability `{name}` in the tag @needs:{name}: known capabilities are {}",
                        Capability::ALL.map(Capability::as_str).join(", ")
                    )
                }),
        )
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deviation from a specification that the provider documents, declared by the
/// environment: the check it breaks reports a declared deviation (a warning naming this
/// declaration) instead of failing, and never passes silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deviation {
    /// `expires_in` in milliseconds instead of seconds (seed 004: Signicat's Identity Broker
    /// documents it so).
    ExpiresInMilliseconds,
    /// The authorization endpoint refuses POST (node oidc-provider without
    /// `enableHttpPostMethods`), against OpenID Connect Core §3.1.2.1.
    AuthorizationPostUnsupported,
}

impl Deviation {
    /// The name as environments write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Deviation::ExpiresInMilliseconds => "expires_in_milliseconds",
            Deviation::AuthorizationPostUnsupported => "authorization_post_unsupported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_capabilities() {
        assert_eq!(
            Capability::from_tag("@needs:sessions"),
            Some(Ok(Capability::Sessions))
        );
        assert_eq!(
            Capability::from_tag("needs:refresh_family_revocation"),
            Some(Ok(Capability::RefreshFamilyRevocation))
        );
        assert_eq!(Capability::from_tag("@oidc"), None);
        let err = Capability::from_tag("@needs:sesions").unwrap().unwrap_err();
        assert!(
            err.contains("`sesions`") && err.contains("sessions"),
            "{err}"
        );
    }

    #[test]
    fn every_capability_has_its_name_and_clause() {
        for c in Capability::ALL {
            assert_eq!(Capability::from_tag(&format!("needs:{c}")), Some(Ok(c)));
            assert!(!c.clause().is_empty());
        }
    }
}
