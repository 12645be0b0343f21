//! The authorization request (OpenID Connect Core §3.1.2.1) and its response.

use url::Url;

use super::pkce::{Pkce, random_value};
use crate::config::Client;

pub use crate::error::AuthorizationError;

/// Written in a parameter table to leave a generated parameter out of the request.
pub const OMITTED: &str = "(omitted)";

/// An authorization request as sent, with the values the client must remember.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Url,
    pub(crate) response_type: String,
    /// Every parameter in the order sent.
    pub(crate) params: Vec<(String, String)>,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) pkce: Option<Pkce>,
    pub(crate) max_age: Option<u64>,
    /// When it was sent (the run clock's Unix seconds).
    pub(crate) sent_at: i64,
}

impl AuthorizationRequest {
    /// A request for `client` with generated state, nonce and PKCE S256; `overrides` set any
    /// parameter of seed 003 (prompt, max_age, ui_locales, login_hint, acr_values,
    /// id_token_hint, signicat_profile, response_type, scope, redirect_uri ...), and the value
    /// [`OMITTED`] removes a parameter.
    pub fn new(
        client: &Client,
        overrides: &[(String, String)],
        now: i64,
    ) -> Result<Self, AuthorizationError> {
        let redirect = client
            .redirect_uris
            .first()
            .ok_or(AuthorizationError::NoRedirectUri)?
            .to_string();
        let pkce = Pkce::generate();
        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), client.id.to_string()),
            ("redirect_uri".into(), redirect),
            ("scope".into(), client.scopes.join(" ")),
            ("state".into(), random_value(16)),
            ("nonce".into(), random_value(16)),
            ("code_challenge".into(), pkce.challenge.clone()),
            ("code_challenge_method".into(), "S256".into()),
        ];
        for (name, value) in overrides {
            let name = name.trim();
            if name == "respose_type" {
                return Err(AuthorizationError::MisspeltResponseType);
            }
            match params.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.clone(),
                None => params.push((name.to_string(), value.clone())),
            }
        }
        params.retain(|(_, v)| v != OMITTED);
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let response_type = get("response_type").unwrap_or_default();
        if response_type == "id token token" {
            return Err(AuthorizationError::SpacedResponseType);
        }
        let redirect_uri = Url::parse(&get("redirect_uri").unwrap_or_default()).map_err(|e| {
            AuthorizationError::NotAUrl {
                what: "redirect_uri",
                reason: e.to_string(),
            }
        })?;
        let max_age = match get("max_age") {
            Some(v) => Some(
                v.parse()
                    .map_err(|_| AuthorizationError::MaxAge(v.clone()))?,
            ),
            None => None,
        };
        let uses_pkce = get("code_challenge").as_deref() == Some(pkce.challenge.as_str());
        Ok(Self {
            client_id: get("client_id").unwrap_or_default(),
            redirect_uri,
            response_type,
            state: get("state"),
            nonce: get("nonce"),
            pkce: uses_pkce.then_some(pkce),
            max_age,
            params,
            sent_at: now,
        })
    }

    /// The full URL at `authorization_endpoint`.
    pub fn url(&self, authorization_endpoint: &Url) -> Url {
        let mut url = authorization_endpoint.clone();
        url.query_pairs_mut()
            .extend_pairs(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        url
    }

    /// Whether the response must come in the fragment (implicit and hybrid flows).
    pub fn expects_fragment(&self) -> bool {
        let mode = self
            .params
            .iter()
            .find(|(k, _)| k == "response_mode")
            .map(|(_, v)| v.as_str());
        match mode {
            Some("query") => false,
            Some("fragment") => true,
            _ => self.response_type != "code" && self.response_type != "none",
        }
    }
}

/// The redirect to the client's redirect URI, split into query and fragment parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationResponse {
    pub(crate) url: Url,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) fragment: Vec<(String, String)>,
}

impl AuthorizationResponse {
    /// Parses the URL the provider redirected to.
    pub fn parse(url: &str) -> Result<Self, AuthorizationError> {
        let url = Url::parse(url).map_err(|e| AuthorizationError::NotAUrl {
            what: "the redirect Location",
            reason: format!("{url:?}: {e}"),
        })?;
        let query = url.query_pairs().into_owned().collect();
        let fragment = url
            .fragment()
            .map(|f| {
                url::form_urlencoded::parse(f.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            url,
            query,
            fragment,
        })
    }

    /// A parameter from where the response mode puts it.
    pub fn param(&self, name: &str, in_fragment: bool) -> Option<&str> {
        let list = if in_fragment {
            &self.fragment
        } else {
            &self.query
        };
        list.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter from the query or else the fragment.
    pub fn any_param(&self, name: &str) -> Option<&str> {
        self.param(name, false).or_else(|| self.param(name, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AuthMethod, Templated};

    fn client() -> Client {
        Client {
            id: Templated("web".into()),
            secret: None,
            auth_method: AuthMethod::None,
            redirect_uris: vec![Templated("https://rp.example/cb".into())],
            scopes: vec!["openid".into(), "profile".into()],
            private_key: None,
            private_key_file: None,
            request_object_signing_alg: None,
            key: None,
        }
    }

    #[test]
    fn generates_state_nonce_and_pkce_and_applies_overrides() {
        let req = AuthorizationRequest::new(
            &client(),
            &[
                ("prompt".into(), "login".into()),
                ("nonce".into(), OMITTED.into()),
                ("max_age".into(), "60".into()),
            ],
            0,
        )
        .unwrap();
        assert!(req.state.as_ref().unwrap().len() >= 20);
        assert_eq!(req.nonce, None);
        assert_eq!(req.max_age, Some(60));
        let url = req.url(&Url::parse("https://op.example/authorize").unwrap());
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(q.contains(&("prompt".into(), "login".into())));
        assert!(q.contains(&("scope".into(), "openid profile".into())));
        assert!(q.contains(&("code_challenge_method".into(), "S256".into())));
        assert!(!q.iter().any(|(k, _)| k == "nonce"));
    }

    #[test]
    fn seed_typos_are_explained() {
        assert!(
            AuthorizationRequest::new(&client(), &[("respose_type".into(), "code".into())], 0)
                .unwrap_err()
                .to_string()
                .contains("typo")
        );
        let err = AuthorizationRequest::new(
            &client(),
            &[("response_type".into(), "id token token".into())],
            0,
        )
        .unwrap_err();
        assert!(err.to_string().contains("id_token token"));
    }

    #[test]
    fn implicit_expects_the_fragment() {
        let req = AuthorizationRequest::new(
            &client(),
            &[("response_type".into(), "id_token token".into())],
            0,
        )
        .unwrap();
        assert!(req.expects_fragment());
        let resp =
            AuthorizationResponse::parse("https://rp.example/cb?x=1#id_token=a&state=s").unwrap();
        assert_eq!(resp.param("state", true), Some("s"));
        assert_eq!(resp.param("state", false), None);
        assert_eq!(resp.any_param("x"), Some("1"));
    }
}
