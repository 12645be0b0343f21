//! The bare client of benchmark P1: the authorization-code scenario "The end-user signs in and
//! the client verifies every token" written directly on reqwest, without idflow's runner,
//! recording or reports. It sends the same requests as idflow and makes the same checks:
//!
//! - discovery and JWKS once per run (idflow caches both for the run, too);
//! - per sign-in: authorize (state, nonce, PKCE S256), parse and submit the HTML login form,
//!   parse and submit the consent form (session cookie), check the redirect (state, iss), the
//!   token request with HTTP Basic and the code verifier, the ID token's RS256 signature against
//!   the JWKS, iss, aud, nonce, sub, exp, iat and at_hash, and UserInfo (sub, email).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use futures::StreamExt as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngExt as _;
use scraper::{Html, Selector};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

/// The client and user of the scenario (environments/simulator.yaml).
pub const CLIENT_ID: &str = "idflow-web";
pub const CLIENT_SECRET: &str = "sim-web-secret-not-real";
pub const REDIRECT_URI: &str = "https://rp.idflow.test/callback";
pub const SCOPE: &str = "openid profile email";
pub const USERNAME: &str = "alice";
pub const PASSWORD: &str = "alice-sim-password";
pub const SUB: &str = "9a3c6f0e-alice";
pub const EMAIL: &str = "alice@idflow.test";

/// What discovery and the JWKS told the client, shared by every sign-in.
pub struct Provider {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub userinfo_endpoint: Url,
    pub keys: HashMap<String, DecodingKey>,
}

/// `bytes` random bytes, base64url without padding (state, nonce, PKCE verifier).
pub fn random_value(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The run's HTTP client: no redirects followed, one pool (as idflow's engine).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .user_agent("idflow-bench-bare/0")
        .build()
        .expect("reqwest client")
}

/// Discovery and JWKS.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Provider, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let resp = http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    if resp.status() != 200 {
        return Err(format!("discovery answered {}", resp.status()));
    }
    let meta: Value = resp.json().await.map_err(|e| format!("discovery: {e}"))?;
    if meta["issuer"] != issuer {
        return Err(format!(
            "discovery issuer {} is not {issuer}",
            meta["issuer"]
        ));
    }
    let methods = meta["code_challenge_methods_supported"].as_array();
    if !methods.is_some_and(|m| m.iter().any(|v| v == "S256")) {
        return Err("discovery: S256 is not supported".into());
    }
    let endpoint = |name: &str| -> Result<Url, String> {
        meta[name]
            .as_str()
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(|| format!("discovery: no {name}"))
    };
    let jwks_uri = endpoint("jwks_uri")?;
    let jwks: jsonwebtoken::jwk::JwkSet = http
        .get(jwks_uri)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("jwks: {e}"))?
        .json()
        .await
        .map_err(|e| format!("jwks: {e}"))?;
    let keys = jwks
        .keys
        .iter()
        .filter_map(|k| {
            let kid = k.common.key_id.clone()?;
            Some((kid, DecodingKey::from_jwk(k).ok()?))
        })
        .collect();
    Ok(Provider {
        issuer: issuer.to_string(),
        authorization_endpoint: endpoint("authorization_endpoint")?,
        token_endpoint: endpoint("token_endpoint")?,
        userinfo_endpoint: endpoint("userinfo_endpoint")?,
        keys,
    })
}

/// A form as a browser reads it: action, method, fields and submit buttons (name, value, label).
struct Form {
    action: Url,
    method: String,
    fields: Vec<(String, String, String)>,
    buttons: Vec<(String, String, String)>,
}

fn parse_form(html: &str, page: &Url) -> Result<Form, String> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").expect("selector");
    let input_sel = Selector::parse("input, select, textarea").expect("selector");
    let button_sel = Selector::parse("button, input[type=submit]").expect("selector");
    let form = doc
        .select(&form_sel)
        .next()
        .ok_or_else(|| format!("no form on the page at {page}"))?;
    let el = form.value();
    let action = el
        .attr("action")
        .and_then(|a| page.join(a.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let method = el.attr("method").unwrap_or("GET").to_ascii_uppercase();
    let mut fields = Vec::new();
    for input in form.select(&input_sel) {
        let iv = input.value();
        let Some(name) = iv.attr("name") else {
            continue;
        };
        let kind = iv.attr("type").unwrap_or("text").to_ascii_lowercase();
        if matches!(kind.as_str(), "submit" | "button" | "image" | "reset") {
            continue;
        }
        let value = iv.attr("value").unwrap_or_default().to_string();
        fields.push((name.to_string(), value, kind));
    }
    let buttons = form
        .select(&button_sel)
        .map(|b| {
            let bv = b.value();
            (
                bv.attr("name").unwrap_or_default().to_string(),
                bv.attr("value").unwrap_or_default().to_string(),
                b.text().collect::<String>().trim().to_lowercase(),
            )
        })
        .collect();
    Ok(Form {
        action,
        method,
        fields,
        buttons,
    })
}

impl Form {
    /// The fields with the button whose name, value or label contains `word`.
    fn submission(&self, word: &str) -> Result<Vec<(String, String)>, String> {
        let mut out: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|(n, v, _)| (n.clone(), v.clone()))
            .collect();
        let (name, value, _) = self
            .buttons
            .iter()
            .find(|(n, v, l)| format!("{n} {v} {l}").to_lowercase().contains(word))
            .ok_or_else(|| format!("no {word} button in the form at {}", self.action))?;
        if !name.is_empty() {
            out.push((name.clone(), value.clone()));
        }
        Ok(out)
    }
}

/// `name=value` of a response's `set-cookie` headers.
pub fn cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(|c| c.trim().to_string())
        .collect()
}

/// One sign-in with every check of the scenario.
pub async fn sign_in(http: &reqwest::Client, op: &Provider) -> Result<(), String> {
    let state = random_value(16);
    let nonce = random_value(16);
    let verifier = random_value(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = op.authorization_endpoint.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", SCOPE)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let resp = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("authorize answered {}", resp.status()));
    }
    let mut jar = cookies(&resp);
    let html = resp.text().await.map_err(|e| e.to_string())?;

    // The login form, then the consent form.
    let login = parse_form(&html, &url)?;
    if !login.fields.iter().any(|(_, _, k)| k == "password") {
        return Err("the first page is not a login form".into());
    }
    let mut fields = login.submission("login")?;
    let user_field = login
        .fields
        .iter()
        .find(|(_, _, k)| matches!(k.as_str(), "text" | "email"))
        .map(|(n, _, _)| n.clone())
        .ok_or("no username field")?;
    for (name, value) in fields.iter_mut() {
        if *name == user_field {
            *value = USERNAME.into();
        } else if login
            .fields
            .iter()
            .any(|(n, _, k)| n == name && k == "password")
        {
            *value = PASSWORD.into();
        }
    }
    if login.method != "POST" {
        return Err("the login form is not POSTed".into());
    }
    let resp = http
        .post(login.action.clone())
        .header("cookie", jar.join("; "))
        .form(&fields)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("login answered {}", resp.status()));
    }
    jar.extend(cookies(&resp));
    let page = login.action.clone();
    let html = resp.text().await.map_err(|e| e.to_string())?;
    let consent = parse_form(&html, &page)?;
    let fields = consent.submission("allow")?;
    let resp = http
        .post(consent.action.clone())
        .header("cookie", jar.join("; "))
        .form(&fields)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_redirection() {
        return Err(format!(
            "consent answered {}, not a redirect",
            resp.status()
        ));
    }
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("a redirect without Location")?;
    let callback = Url::parse(location).map_err(|e| e.to_string())?;
    if !callback.as_str().starts_with(REDIRECT_URI) {
        return Err(format!("redirected to {callback}, not the redirect URI"));
    }
    let params: HashMap<String, String> = callback.query_pairs().into_owned().collect();
    if params.get("state") != Some(&state) {
        return Err("the state does not match".into());
    }
    if params.get("iss").is_some_and(|i| *i != op.issuer) {
        return Err("the iss of the authorization response does not match".into());
    }
    let code = params.get("code").ok_or("no code in the redirect")?;

    // The token request (client_secret_basic, PKCE).
    let tokens = redeem_code(http, op.token_endpoint.as_str(), code, &verifier).await?;
    let access = tokens["access_token"].as_str().ok_or("no access_token")?;
    let id_token = tokens["id_token"].as_str().ok_or("no id_token")?;
    if !tokens["token_type"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        return Err("token_type is not Bearer".into());
    }

    // The ID token: header, signature, claims, at_hash.
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| e.to_string())?;
    if header.alg != Algorithm::RS256 {
        return Err(format!("ID token alg {:?}", header.alg));
    }
    let kid = header.kid.ok_or("ID token without kid")?;
    let key = op.keys.get(&kid).ok_or("ID token kid not in the JWKS")?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[op.issuer.as_str()]);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Value>(id_token, key, &validation)
        .map_err(|e| format!("ID token: {e}"))?
        .claims;
    let t = now();
    if claims["nonce"] != nonce.as_str() {
        return Err("nonce does not match".into());
    }
    if claims["sub"] != SUB {
        return Err("sub is not alice's".into());
    }
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= t || exp > t + 3600 {
        return Err("exp is not within 3600 seconds".into());
    }
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    if iat < t - 60 || iat > t + 60 {
        return Err("iat is not recent".into());
    }
    if let Some(at_hash) = claims["at_hash"].as_str() {
        let digest = Sha256::digest(access.as_bytes());
        if URL_SAFE_NO_PAD.encode(&digest[..16]) != at_hash {
            return Err("at_hash does not match the access token".into());
        }
    }

    // UserInfo.
    let resp = http
        .get(op.userinfo_endpoint.clone())
        .header("authorization", format!("Bearer {access}"))
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("userinfo answered {}", resp.status()));
    }
    let info: Value = resp.json().await.map_err(|e| e.to_string())?;
    if info["sub"] != claims["sub"] {
        return Err("userinfo sub differs from the ID token's".into());
    }
    if info["email"] != EMAIL {
        return Err("userinfo email is not alice's".into());
    }
    Ok(())
}

/// The token request of a sign-in (client_secret_basic, PKCE code_verifier): the token
/// response's JSON, or why there is none.
pub async fn redeem_code(
    http: &reqwest::Client,
    token_endpoint: &str,
    code: &str,
    verifier: &str,
) -> Result<Value, String> {
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let resp = http
        .post(token_endpoint)
        .header("authorization", format!("Basic {basic}"))
        .header("accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("token answered {}", resp.status()));
    }
    resp.json().await.map_err(|e| e.to_string())
}

/// Runs `n` sign-ins, at most `concurrency` at once; the number that failed (the first error).
pub async fn run(issuer: &str, n: usize, concurrency: usize) -> Result<usize, String> {
    let http = http_client();
    let op = Arc::new(discover(&http, issuer).await?);
    let mut failed = 0;
    let mut first: Option<String> = None;
    let mut results = futures::stream::iter(0..n)
        .map(|_| {
            let http = http.clone();
            let op = op.clone();
            async move { sign_in(&http, &op).await }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(r) = results.next().await {
        if let Err(e) = r {
            failed += 1;
            first.get_or_insert(e);
        }
    }
    if let Some(e) = first {
        eprintln!("bare client: {failed} of {n} sign-ins failed; first: {e}");
    }
    Ok(failed)
}
