//! Provider metadata from `.well-known/openid-configuration`.

use serde::Deserialize;
use url::Url;

/// The parts of the discovery document the flows use; the whole document is kept in `raw`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    pub jwks_uri: Url,
    #[serde(default)]
    pub backchannel_authentication_endpoint: Option<Url>,
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// Where the discovery document of `issuer` lives (OpenID Connect Discovery 1.0 §4).
pub fn discovery_url(issuer: &str) -> Result<Url, String> {
    let base = issuer.trim_end_matches('/');
    Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| format!("issuer {issuer:?} is not a URL: {e}"))
}

impl ProviderMetadata {
    /// Parses a discovery document and checks that its `issuer` is exactly the expected one.
    pub fn parse(body: &str, expected_issuer: &str) -> Result<Self, String> {
        let raw: serde_json::Value = serde_json::from_str(body)
            .map_err(|e| format!("the discovery document is not JSON ({e})"))?;
        let mut meta: ProviderMetadata = serde_json::from_value(raw.clone()).map_err(|e| {
            format!("the discovery document lacks a required field or has a malformed one: {e}")
        })?;
        meta.raw = raw;
        if meta.issuer != expected_issuer {
            return Err(format!(
                "discovery issuer mismatch\n  expected: {expected_issuer:?} (the environment's issuer)\n  actual:   {:?}\n  hint: the issuer must match exactly, including scheme, port and trailing slash",
                meta.issuer
            ));
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
        assert!(err.contains("issuer mismatch"), "{err}");
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
