//! Provider metadata from `.well-known/openid-configuration`.

use serde::Deserialize;
use url::Url;

/// The parts of the discovery document the flows use; the whole document is kept in `raw`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: Url,
    pub(crate) token_endpoint: Url,
    #[serde(default)]
    pub(crate) userinfo_endpoint: Option<Url>,
    pub(crate) jwks_uri: Url,
    #[serde(default)]
    pub(crate) backchannel_authentication_endpoint: Option<Url>,
    #[serde(skip)]
    pub(crate) raw: serde_json::Value,
}

/// Why a discovery document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The environment's issuer is not a URL.
    #[error("issuer {issuer:?} is not a URL: {reason}")]
    BadIssuer { issuer: String, reason: String },
    /// The document is not JSON.
    #[error("the discovery document is not JSON ({0})")]
    NotJson(String),
    /// A required member is missing or malformed.
    #[error("the discovery document lacks a required field or has a malformed one: {0}")]
    Malformed(String),
    /// The document names another issuer (OpenID Connect Discovery 1.0 §4.3).
    #[error(
        "discovery issuer mismatch\n  expected: {expected:?} (the environment's issuer)\n  actual:   {actual:?}\n  hint: the issuer must match exactly, including scheme, port and trailing slash"
    )]
    IssuerMismatch { expected: String, actual: String },
}

/// Where the discovery document of `issuer` lives (OpenID Connect Discovery 1.0 §4).
pub fn discovery_url(issuer: &str) -> Result<Url, DiscoveryError> {
    let base = issuer.trim_end_matches('/');
    Url::parse(&format!("{base}/.well-known/openid-configuration")).map_err(|e| {
        DiscoveryError::BadIssuer {
            issuer: issuer.to_string(),
            reason: e.to_string(),
        }
    })
}

impl ProviderMetadata {
    /// Parses a discovery document and checks that its `issuer` is exactly the expected one.
    pub fn parse(body: &str, expected_issuer: &str) -> Result<Self, DiscoveryError> {
        let raw: serde_json::Value =
            serde_json::from_str(body).map_err(|e| DiscoveryError::NotJson(e.to_string()))?;
        let mut meta: ProviderMetadata = serde_json::from_value(raw.clone())
            .map_err(|e| DiscoveryError::Malformed(e.to_string()))?;
        meta.raw = raw;
        if meta.issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: expected_issuer.to_string(),
                actual: meta.issuer,
            });
        }
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"issuer":"https://op.example/auth/open","authorization_endpoint":"https://op.example/auth/open/connect/authorize","token_endpoint":"https://op.example/auth/open/connect/token","jwks_uri":"https://op.example/jwks"}"#;

    #[test]
    fn parses_and_checks_issuer() {
        let meta = ProviderMetadata::parse(DOC, "https://op.example/auth/open").unwrap();
        assert_eq!(meta.token_endpoint.path(), "/auth/open/connect/token");
        let err = ProviderMetadata::parse(DOC, "https://op.example/auth/open/").unwrap_err();
        assert!(err.to_string().contains("issuer mismatch"), "{err}");
    }

    #[test]
    fn discovery_url_handles_trailing_slash() {
        assert_eq!(
            discovery_url("https://op.example/auth/open/")
                .unwrap()
                .as_str(),
            "https://op.example/auth/open/.well-known/openid-configuration"
        );
    }
}
