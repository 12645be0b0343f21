//! Small HTTP helpers shared by the endpoint modules: request parameters, cookies, client
//! credentials, and the shapes of answers (JSON, OAuth errors, HTML, redirects).

use std::collections::BTreeMap;

use super::server::{Request, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Request parameters by name; a parameter given twice is an error (RFC 6749 §3.1).
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    /// The names of every parameter.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    fn from_pairs<'a>(
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            match map.entry(k.into_owned()) {
                std::collections::btree_map::Entry::Occupied(taken) => {
                    return Err(format!(
                        "parameter {} was given more than once",
                        taken.key()
                    ));
                }
                std::collections::btree_map::Entry::Vacant(free) => {
                    free.insert(v.into_owned());
                }
            }
        }
        Ok(Self(map))
    }

    /// The query string's parameters.
    pub fn query(req: &Request) -> Result<Self, String> {
        Self::from_pairs(req.query_pairs())
    }

    /// The form body's parameters.
    pub fn form(req: &Request) -> Result<Self, String> {
        Self::from_pairs(url::form_urlencoded::parse(&req.body))
    }

    /// The form body's parameters and the query string's together (a lax provider's view,
    /// for the `secret_in_query_accepted` defect).
    pub fn form_and_query(req: &Request) -> Result<Self, String> {
        Self::from_pairs(url::form_urlencoded::parse(&req.body).chain(req.query_pairs()))
    }

    /// A parameter; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Parameters from a map (a request object's, merged with the query's).
    pub fn from_map(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }

    /// Every parameter, by name.
    pub fn pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone()))
    }

    /// The space-separated values of a parameter (`scope`, `prompt`); none when it is absent.
    pub fn words<T: FromIterator<String>>(&self, name: &str) -> T {
        self.get(name)
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect()
    }
}

/// Whether the request's method is `name` (upper case).
pub(crate) fn is_method(req: &Request, name: &str) -> bool {
    req.method.as_str().eq_ignore_ascii_case(name)
}

/// A header's value as text.
pub(crate) fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the body is declared form-encoded.
pub(crate) fn is_form(req: &Request) -> bool {
    header(req, "content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A cookie's value.
pub(crate) fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The credentials of an `Authorization: Basic` header: `Ok(None)` when there is none,
/// `Err` when it is malformed. Id and secret are form-urldecoded (RFC 6749 §2.3.1).
pub(crate) fn basic_credentials(req: &Request) -> Result<Option<(String, String)>, String> {
    let Some(value) = header(req, "authorization") else {
        return Ok(None);
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Err("malformed Authorization header".into());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(format!("unsupported Authorization scheme {scheme}"));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| "Basic credentials are not base64".to_string())?;
    let text =
        String::from_utf8(decoded).map_err(|_| "Basic credentials are not UTF-8".to_string())?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| "Basic credentials lack a colon".to_string())?;
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// The token of an `Authorization: Bearer` header.
pub(crate) fn bearer_token(req: &Request) -> Option<String> {
    let value = header(req, "authorization")?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Removes characters an error description must not carry (RFC 6749: no CR/LF/TAB, no quotes
/// or backslashes, printable ASCII only).
pub(crate) fn clean_description(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// A JSON answer.
pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    Response::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

/// An RFC 6749 error `{error, error_description}`.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": clean_description(description)}),
    )
}

/// An HTML page.
pub(crate) fn html_response(status: u16, body: String) -> Response {
    Response::new(status)
        .no_store()
        .set_body_raw(body.into_bytes(), "text/html; charset=utf-8")
}

/// A 302 to `location`.
pub(crate) fn redirect(location: &str) -> Response {
    Response::new(302)
        .insert_header(http::header::LOCATION, location)
        .no_store()
}

/// 405 for a method a path does not serve.
pub(crate) fn method_not_allowed(req: &Request, allowed: &str) -> Response {
    json_response(
        405,
        &json!({
            "error": "invalid_request",
            "error_description": format!("{} is not allowed on {}; use {allowed}", req.method, req.path()),
        }),
    )
    .insert_header("allow", allowed)
}

/// 404 for a path the simulator does not know.
pub(crate) fn not_found(req: &Request) -> Response {
    json_response(
        404,
        &json!({
            "error": "not_found",
            "error_description": clean_description(&format!(
                "{} {} is not a path of the idflow simulator; it serves /auth/open/.well-known/openid-configuration, /auth/open/connect/{{authorize,token,userinfo,ciba}}, /broker/openidconnect/{{authorize,token,userinfo}}, /auth/rest/sessions and the test-only /__simulator/{{ciba,mobileid}} endpoints",
                req.method,
                req.path()
            )),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_lose_control_characters() {
        assert_eq!(clean_description("a\r\nb\tc\"d"), "a  b c d");
    }
}
