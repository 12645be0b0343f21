//! The ID token checks of OpenID Connect Core 1.0 §3.1.3.7 as the OpenID Foundation
//! conformance suite expresses them, run all at once by an explicit [`IdTokenVerifier`].

use std::str::FromStr;

use jsonwebtoken::Algorithm;
use serde_json::Value;

use super::decode::{DecodedJwt, decode};
use super::jwks::Jwks;
use crate::protocol::left_half_hash;
use crate::record::{Check, Outcome, TokenRecord};

/// Algorithms accepted when none are configured.
pub const DEFAULT_ALLOWED_ALGS: [&str; 8] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
];

/// A time claim this far ahead of now is almost certainly in milliseconds (50 years).
const MILLISECONDS_HINT_SECONDS: f64 = 50.0 * 365.25 * 24.0 * 3600.0;

/// What an ID token must look like, configured from what the flow sent and received.
///
/// Build it with [`IdTokenVerifier::new`] and the `with_*` setters, then call
/// [`verify`](IdTokenVerifier::verify), which runs every check and reports each one.
#[derive(Debug, Clone, PartialEq)]
pub struct IdTokenVerifier {
    /// The provider's issuer identifier; `iss` must equal it exactly.
    pub(crate) issuer: String,
    /// The client id; `aud` must be it or contain it.
    pub(crate) client_id: String,
    /// The nonce sent in the authorization request (`None`: none sent, so none allowed).
    pub(crate) nonce: Option<String>,
    /// `max_age` sent in the authorization request, in seconds.
    pub(crate) max_age: Option<u64>,
    /// The access token issued with the ID token, for `at_hash`.
    pub(crate) access_token: Option<String>,
    /// The authorization code issued with the ID token, for `c_hash`.
    pub(crate) code: Option<String>,
    /// `at_hash` is required (access token from the authorization endpoint).
    pub(crate) require_at_hash: bool,
    /// `c_hash` is required (hybrid flow: code and ID token from the authorization endpoint).
    pub(crate) require_c_hash: bool,
    /// Accepted signing algorithms.
    pub(crate) allowed_algs: Vec<String>,
    /// Accept unsigned `alg: none` tokens.
    pub(crate) allow_none: bool,
    /// The run clock's now, Unix seconds.
    pub(crate) now: i64,
    /// Clock skew allowed on time claims, seconds.
    pub(crate) leeway_seconds: i64,
    /// How old `iat` may be, seconds.
    pub(crate) max_iat_age_seconds: i64,
    /// When the authorization request was sent (Unix seconds); the `max_age` check measures
    /// from it when given, from `now` otherwise.
    pub(crate) auth_request_at: Option<i64>,
}

impl IdTokenVerifier {
    /// A verifier with the defaults: no nonce, no `max_age`, the [`DEFAULT_ALLOWED_ALGS`],
    /// `none` refused, 60 s leeway, `iat` at most 600 s old.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, now: i64) -> Self {
        IdTokenVerifier {
            issuer: issuer.into(),
            client_id: client_id.into(),
            nonce: None,
            max_age: None,
            access_token: None,
            code: None,
            require_at_hash: false,
            require_c_hash: false,
            allowed_algs: DEFAULT_ALLOWED_ALGS.iter().map(|s| s.to_string()).collect(),
            allow_none: false,
            now,
            leeway_seconds: 60,
            max_iat_age_seconds: 600,
            auth_request_at: None,
        }
    }

    /// The nonce sent in the authorization request.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
    /// The `max_age` sent in the authorization request.
    pub fn with_max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// The access token issued alongside, for `at_hash`.
    pub fn with_access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(token.into());
        self
    }
    /// The authorization code issued alongside, for `c_hash`.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
    /// Whether `at_hash` is required.
    pub fn with_require_at_hash(mut self, required: bool) -> Self {
        self.require_at_hash = required;
        self
    }
    /// Whether `c_hash` is required.
    pub fn with_require_c_hash(mut self, required: bool) -> Self {
        self.require_c_hash = required;
        self
    }
    /// Replaces the accepted algorithms.
    pub fn with_allowed_algs<I, S>(mut self, algs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_algs = algs.into_iter().map(Into::into).collect();
        self
    }
    /// Whether unsigned `alg: none` tokens are accepted.
    pub fn with_allow_none(mut self, allow: bool) -> Self {
        self.allow_none = allow;
        self
    }
    /// Clock skew allowed on time claims.
    pub fn with_leeway(mut self, seconds: i64) -> Self {
        self.leeway_seconds = seconds;
        self
    }
    /// How old `iat` may be.
    pub fn with_max_iat_age(mut self, seconds: i64) -> Self {
        self.max_iat_age_seconds = seconds;
        self
    }
    /// When the authorization request was sent.
    pub fn with_auth_request_at(mut self, unix_seconds: i64) -> Self {
        self.auth_request_at = Some(unix_seconds);
        self
    }

    /// Runs every check on `token`, never stopping at the first failure.
    ///
    /// A token that does not decode yields a single failed `decode` check.
    pub fn verify(&self, token: &str, jwks: &Jwks) -> TokenVerdict {
        let jwt = match decode(token) {
            Ok(jwt) => jwt,
            Err(e) => {
                return TokenVerdict {
                    header: Value::Null,
                    claims: Value::Null,
                    checks: vec![levelled(fail("decode", e.to_string()))],
                };
            }
        };
        let alg = jwt.header.get("alg").and_then(Value::as_str);
        let c = &jwt.claims;
        let checks = vec![
            self.check_alg(&jwt.header),
            self.check_kid(&jwt.header, alg),
            self.check_signature(&jwt, jwks),
            self.check_iss(c),
            self.check_aud(c),
            self.check_azp(c),
            self.check_exp(c),
            self.check_iat(c),
            self.check_iat_not_in_the_future(c),
            self.check_iat_freshness(c),
            self.check_time_units(c),
            self.check_nonce(c),
            check_sub(c),
            check_sub_characters(c),
            self.check_hash(
                "at_hash",
                "access token",
                c,
                alg,
                self.access_token.as_deref(),
                self.require_at_hash,
            ),
            self.check_hash(
                "c_hash",
                "authorization code",
                c,
                alg,
                self.code.as_deref(),
                self.require_c_hash,
            ),
            self.check_auth_time(c),
            check_standard_claims(c),
        ];
        TokenVerdict {
            header: jwt.header,
            claims: jwt.claims,
            checks: checks.into_iter().map(levelled).collect(),
        }
    }

    fn check_alg(&self, header: &Value) -> Check {
        const NAME: &str = "alg";
        let alg = match header.get("alg") {
            None => return fail(NAME, "the header has no alg"),
            Some(Value::String(a)) => a,
            Some(other) => return fail(NAME, format!("alg is not a string: {}", compact(other))),
        };
        if alg.eq_ignore_ascii_case("none") {
            return if self.allow_none {
                pass(
                    NAME,
                    format!("{alg:?} (unsigned tokens explicitly allowed)"),
                )
            } else {
                fail(
                    NAME,
                    format!(
                        "alg is {alg:?}: the token is unsigned; an ID token must be signed \
                         (allowed: {})",
                        self.allowed_algs.join(", ")
                    ),
                )
            };
        }
        if self.allowed_algs.iter().any(|a| a == alg) {
            pass(NAME, format!("{alg:?} is allowed"))
        } else {
            fail(
                NAME,
                format!(
                    "expected one of {}, got {alg:?}",
                    self.allowed_algs.join(", ")
                ),
            )
        }
    }

    fn check_kid(&self, header: &Value, alg: Option<&str>) -> Check {
        const NAME: &str = "kid";
        match header.get("kid") {
            Some(Value::String(k)) if !k.is_empty() => pass(NAME, format!("{k:?}")),
            Some(Value::String(_)) => fail(NAME, "kid is an empty string"),
            Some(other) => fail(NAME, format!("kid is not a string: {}", compact(other))),
            None if self.allow_none && alg.is_some_and(|a| a.eq_ignore_ascii_case("none")) => {
                not_applicable(NAME, "unsigned token: no key to name")
            }
            None => fail(
                NAME,
                "the header has no kid; the verification key must be chosen by kid",
            ),
        }
    }

    fn check_signature(&self, jwt: &DecodedJwt, jwks: &Jwks) -> Check {
        const NAME: &str = "signature";
        let Some(alg) = jwt.alg() else {
            return fail(
                NAME,
                "cannot verify: the header has no alg (or it is not a string)",
            );
        };
        if alg.eq_ignore_ascii_case("none") {
            if !jwt.signature.is_empty() {
                return fail(
                    NAME,
                    format!(
                        "alg is {alg:?} but the token carries a {}-byte signature",
                        jwt.signature.len()
                    ),
                );
            }
            return if self.allow_none {
                not_applicable(NAME, "unsigned token (alg none explicitly allowed)")
            } else {
                fail(
                    NAME,
                    "the token is unsigned (alg none): there is no signature to verify",
                )
            };
        }
        if jwt.signature.is_empty() {
            return fail(
                NAME,
                format!("alg is {alg:?} but the signature segment is empty"),
            );
        }
        let Ok(algorithm) = Algorithm::from_str(alg) else {
            return fail(
                NAME,
                format!("cannot verify alg {alg:?}: not supported by this tester"),
            );
        };
        let key = match jwks.select(jwt.kid(), alg) {
            Ok(key) => key,
            Err(e) => return fail(NAME, e.to_string()),
        };
        let decoding_key = match key.decoding_key() {
            Ok(k) => k,
            Err(e) => return fail(NAME, e.to_string()),
        };
        let kty = key.kty.as_deref().unwrap_or("?");
        match jsonwebtoken::crypto::verify(
            &jwt.signature_b64(),
            jwt.signing_input.as_bytes(),
            decoding_key,
            algorithm,
        ) {
            Ok(true) => pass(
                NAME,
                format!(
                    "{alg} signature verified with the JWKS key {} ({kty})",
                    key.label()
                ),
            ),
            Ok(false) => fail(
                NAME,
                format!(
                    "bad signature: the {alg} signature does not verify with the JWKS key {} \
                     ({kty}); the token was altered or signed with another key",
                    key.label()
                ),
            ),
            Err(e) => fail(
                NAME,
                format!(
                    "could not verify with the JWKS key {} ({kty}): {e}",
                    key.label()
                ),
            ),
        }
    }

    fn check_iss(&self, claims: &Value) -> Check {
        const NAME: &str = "iss";
        let expected = &self.issuer;
        match claims.get("iss") {
            None => fail(NAME, format!("missing; expected {expected:?}")),
            Some(Value::String(iss)) if iss == expected => pass(NAME, format!("{iss:?}")),
            Some(Value::String(iss)) => {
                let mut detail = format!("expected {expected:?} (the issuer), got {iss:?}");
                if iss.trim_end_matches('/') == expected.trim_end_matches('/') {
                    detail.push_str(
                        " (they differ only in a trailing slash; the match must be exact)",
                    );
                } else if iss.eq_ignore_ascii_case(expected) {
                    detail.push_str(" (they differ only in letter case; the match must be exact)");
                }
                fail(NAME, detail)
            }
            Some(other) => fail(
                NAME,
                format!("expected the string {expected:?}, got {}", compact(other)),
            ),
        }
    }

    fn check_aud(&self, claims: &Value) -> Check {
        const NAME: &str = "aud";
        let id = &self.client_id;
        match claims.get("aud") {
            None => fail(NAME, format!("missing; expected the client id {id:?}")),
            Some(Value::String(aud)) if aud == id => pass(NAME, format!("{aud:?}")),
            Some(Value::String(aud)) => {
                fail(NAME, format!("expected the client id {id:?}, got {aud:?}"))
            }
            Some(Value::Array(items)) if items.iter().any(|a| a.as_str() == Some(id)) => pass(
                NAME,
                format!(
                    "{} contains the client id {id:?}",
                    compact(&Value::Array(items.clone()))
                ),
            ),
            Some(v @ Value::Array(_)) => fail(
                NAME,
                format!(
                    "expected the client id {id:?} or an array containing it, got {}",
                    compact(v)
                ),
            ),
            Some(other) => fail(
                NAME,
                format!(
                    "expected the client id {id:?} or an array containing it, got {}",
                    compact(other)
                ),
            ),
        }
    }

    fn check_azp(&self, claims: &Value) -> Check {
        const NAME: &str = "azp";
        let id = &self.client_id;
        let several_audiences = claims
            .get("aud")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > 1);
        match claims.get("azp") {
            None if several_audiences => fail(
                NAME,
                format!("missing; required because aud has several values (expected {id:?})"),
            ),
            None => not_applicable(NAME, "absent, and aud has a single value"),
            Some(Value::String(azp)) if azp == id => pass(NAME, format!("{azp:?}")),
            Some(other) => fail(
                NAME,
                format!("expected the client id {id:?}, got {}", compact(other)),
            ),
        }
    }

    fn check_exp(&self, claims: &Value) -> Check {
        const NAME: &str = "exp";
        let exp = match number_claim(claims, NAME) {
            Ok(v) => v,
            Err(e) => return fail(NAME, e),
        };
        let now = self.now as f64;
        let leeway = self.leeway_seconds as f64;
        if exp - now > MILLISECONDS_HINT_SECONDS {
            return fail(
                NAME,
                format!(
                    "{} is more than 50 years ahead: probably milliseconds (as milliseconds it \
                     would be {}), but NumericDate is seconds since the epoch",
                    num(exp),
                    when(exp / 1000.0)
                ),
            );
        }
        if exp + leeway <= now {
            fail(
                NAME,
                format!(
                    "expired: exp {} ({}) is {} s before now ({}), beyond the {} s leeway",
                    num(exp),
                    when(exp),
                    num(now - exp),
                    when(now),
                    self.leeway_seconds
                ),
            )
        } else {
            pass(
                NAME,
                format!(
                    "{} ({}), {} s from now",
                    num(exp),
                    when(exp),
                    num(exp - now)
                ),
            )
        }
    }

    /// `iat` is present and a NumericDate in seconds (Core §2: REQUIRED).
    fn check_iat(&self, claims: &Value) -> Check {
        const NAME: &str = "iat";
        let iat = match number_claim(claims, NAME) {
            Ok(v) => v,
            Err(e) => return fail(NAME, e),
        };
        if is_milliseconds(iat, self.now) {
            return fail(
                NAME,
                format!(
                    "{} is milliseconds (as milliseconds it would be {}), but NumericDate is \
                     seconds since the epoch",
                    num(iat),
                    when(iat / 1000.0)
                ),
            );
        }
        pass(NAME, format!("{} ({})", num(iat), when(iat)))
    }

    /// `iat` is not in the future, beyond the allowed clock skew.
    fn check_iat_not_in_the_future(&self, claims: &Value) -> Check {
        const NAME: &str = "iat not in the future";
        let Ok(iat) = number_claim(claims, "iat") else {
            return not_applicable(NAME, "no usable iat (see the iat check)");
        };
        let now = self.now as f64;
        if iat > now + self.leeway_seconds as f64 {
            fail(
                NAME,
                format!(
                    "in the future: iat {} ({}) is {} s after now ({}), beyond the {} s leeway{}",
                    num(iat),
                    when(iat),
                    num(iat - now),
                    when(now),
                    self.leeway_seconds,
                    if is_milliseconds(iat, self.now) {
                        " (probably milliseconds)"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            pass(
                NAME,
                format!(
                    "{} ({}), not after now plus the {} s leeway",
                    num(iat),
                    when(iat),
                    self.leeway_seconds
                ),
            )
        }
    }

    /// `iat` is recent: the token was issued at most `max_iat_age_seconds` ago.
    fn check_iat_freshness(&self, claims: &Value) -> Check {
        const NAME: &str = "iat freshness";
        let Ok(iat) = number_claim(claims, "iat") else {
            return not_applicable(NAME, "no usable iat (see the iat check)");
        };
        let now = self.now as f64;
        let age = now - iat;
        if age > self.max_iat_age_seconds as f64 {
            fail(
                NAME,
                format!(
                    "too old: issued {} s ago ({}), more than the {} s allowed",
                    num(age),
                    when(iat),
                    self.max_iat_age_seconds
                ),
            )
        } else {
            pass(
                NAME,
                format!(
                    "issued {} s ago, within the {} s allowed",
                    num(age.max(0.0)),
                    self.max_iat_age_seconds
                ),
            )
        }
    }

    /// The time claims are seconds: none of them is milliseconds, whatever its size (compared
    /// with now, and with each other).
    fn check_time_units(&self, claims: &Value) -> Check {
        const NAME: &str = "time units";
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for name in ["iat", "exp", "auth_time", "nbf"] {
            let Some(v) = claims.get(name).and_then(Value::as_f64) else {
                continue;
            };
            seen.push(name);
            if is_milliseconds(v, self.now) {
                problems.push(format!(
                    "{name} {} is milliseconds (as milliseconds: {}; as seconds: {})",
                    num(v),
                    when(v / 1000.0),
                    when(v)
                ));
            }
        }
        let number = |n: &str| claims.get(n).and_then(Value::as_f64);
        if let (Some(iat), Some(exp)) = (number("iat"), number("exp"))
            && iat > 0.0
            && exp > 0.0
            && (exp / iat >= 100.0 || iat / exp >= 100.0)
        {
            problems.push(format!(
                "exp {} and iat {} differ by a factor of {}: one of them is in other units",
                num(exp),
                num(iat),
                num((exp / iat).max(iat / exp).round())
            ));
        }
        if !problems.is_empty() {
            return fail(NAME, problems.join("; "));
        }
        if seen.is_empty() {
            return not_applicable(NAME, "no time claim (see the exp and iat checks)");
        }
        pass(
            NAME,
            format!(
                "{} in seconds since the epoch{}",
                seen.join(", "),
                if seen.contains(&"exp") && seen.contains(&"iat") {
                    ", exp and iat of one magnitude"
                } else {
                    ""
                }
            ),
        )
    }

    fn check_nonce(&self, claims: &Value) -> Check {
        const NAME: &str = "nonce";
        match (&self.nonce, claims.get("nonce")) {
            (None, None) => pass(NAME, "absent, and none was sent"),
            (None, Some(v)) => fail(
                NAME,
                format!(
                    "expected no nonce (none was sent in the authorization request), got {}",
                    compact(v)
                ),
            ),
            (Some(sent), None) => fail(
                NAME,
                format!("expected {sent:?} (sent in the authorization request), but it is missing"),
            ),
            (Some(sent), Some(Value::String(got))) if got == sent => {
                pass(NAME, format!("{got:?}, as sent"))
            }
            (Some(sent), Some(got)) => fail(
                NAME,
                format!(
                    "expected {sent:?} (sent in the authorization request), got {}",
                    compact(got)
                ),
            ),
        }
    }

    fn check_hash(
        &self,
        name: &'static str,
        what: &str,
        claims: &Value,
        alg: Option<&str>,
        value: Option<&str>,
        required: bool,
    ) -> Check {
        let claim = claims.get(name);
        let Some(value) = value else {
            return match claim {
                None if required => fail(
                    name,
                    format!("missing, but required (and no {what} was given to check it against)"),
                ),
                None => not_applicable(name, format!("absent; no {what} to check")),
                Some(v) => not_applicable(
                    name,
                    format!(
                        "present ({}), but no {what} to check it against",
                        compact(v)
                    ),
                ),
            };
        };
        let expected = alg.and_then(|a| left_half_hash(a, value));
        match (claim, expected) {
            (None, _) if required => fail(
                name,
                format!(
                    "missing; required because the {what} came from the authorization endpoint"
                ),
            ),
            (None, _) => not_applicable(
                name,
                format!(
                    "absent (optional: the {what} did not come from the authorization endpoint)"
                ),
            ),
            (Some(_), None) => fail(
                name,
                format!(
                    "cannot compute: alg {} defines no hash",
                    alg.map(|a| format!("{a:?}"))
                        .unwrap_or_else(|| "(missing)".into())
                ),
            ),
            (Some(Value::String(got)), Some(exp)) if *got == exp => {
                pass(name, format!("{got:?} matches the {what}"))
            }
            (Some(got), Some(exp)) => fail(
                name,
                format!(
                    "expected {exp:?} (base64url of the left half of the {} hash of the {what}), got {}",
                    hash_name(alg.unwrap_or_default()),
                    compact(got)
                ),
            ),
        }
    }

    fn check_auth_time(&self, claims: &Value) -> Check {
        const NAME: &str = "auth_time";
        let present = claims.get(NAME).is_some();
        if !present {
            return match self.max_age {
                Some(max_age) => fail(
                    NAME,
                    format!("missing; required because max_age={max_age} was requested"),
                ),
                None => not_applicable(NAME, "absent (max_age not requested)"),
            };
        }
        let t = match number_claim(claims, NAME) {
            Ok(v) => v,
            Err(e) => return fail(NAME, e),
        };
        let now = self.now as f64;
        let leeway = self.leeway_seconds as f64;
        if t <= 0.0 {
            return fail(
                NAME,
                format!(
                    "{} is not a plausible authentication time (the Unix epoch or before)",
                    num(t)
                ),
            );
        }
        if t > now + leeway {
            return fail(
                NAME,
                format!(
                    "in the future: {} ({}) is {} s after now{}",
                    num(t),
                    when(t),
                    num(t - now),
                    if t - now > MILLISECONDS_HINT_SECONDS {
                        " (probably milliseconds)"
                    } else {
                        ""
                    }
                ),
            );
        }
        let Some(max_age) = self.max_age else {
            return pass(NAME, format!("{} ({})", num(t), when(t)));
        };
        let (reference, from) = match self.auth_request_at {
            Some(at) => (at as f64, "the authorization request"),
            None => (now, "now"),
        };
        let age = reference - t;
        if age > max_age as f64 + leeway {
            fail(
                NAME,
                format!(
                    "too old: the user authenticated at {} ({}), {} s before {from}, \
                     more than max_age={max_age} s (+{} s leeway); the provider should have \
                     re-authenticated the user",
                    num(t),
                    when(t),
                    num(age),
                    self.leeway_seconds
                ),
            )
        } else {
            pass(
                NAME,
                format!(
                    "{} ({}), {} s before {from}, within max_age={max_age}",
                    num(t),
                    when(t),
                    num(age.max(0.0))
                ),
            )
        }
    }
}

fn check_sub(claims: &Value) -> Check {
    const NAME: &str = "sub";
    match claims.get("sub") {
        None => fail(NAME, "missing; every ID token must carry sub"),
        Some(Value::String(s)) if s.is_empty() => fail(NAME, "empty string"),
        Some(Value::String(s)) if s.len() > 255 => fail(
            NAME,
            format!(
                "{} characters long, more than the 255 allowed",
                s.chars().count()
            ),
        ),
        Some(Value::String(s)) if !s.is_ascii() => {
            fail(NAME, format!("{s:?} contains non-ASCII characters"))
        }
        Some(Value::String(s)) => pass(NAME, format!("{s:?}")),
        Some(other) => fail(NAME, format!("expected a string, got {}", compact(other))),
    }
}

/// `sub` is printable ASCII without spaces (%x21-7E): Core §2 allows any ASCII, but a
/// control character or a space in an identifier that clients compare byte for byte and write
/// into logs and databases is a defect waiting to happen.
fn check_sub_characters(claims: &Value) -> Check {
    const NAME: &str = "sub characters";
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if s.is_ascii() => {
            let odd: Vec<String> = s
                .chars()
                .filter(|c| !('!'..='~').contains(c))
                .map(|c| format!("{:?}", c))
                .collect();
            if odd.is_empty() {
                pass(NAME, "printable ASCII without spaces (%x21-7E)")
            } else {
                fail(
                    NAME,
                    format!(
                        "{s:?} holds {} outside printable ASCII %x21-7E",
                        odd.join(", ")
                    ),
                )
            }
        }
        _ => not_applicable(NAME, "no ASCII string sub (see the sub check)"),
    }
}

/// The standard claims present have the types of Core §5.1.
fn check_standard_claims(claims: &Value) -> Check {
    const NAME: &str = "standard claims";
    let (holds, detail) = super::standard_claims::standard_claims_verdict(claims);
    if holds {
        pass(NAME, detail)
    } else {
        fail(NAME, detail)
    }
}

/// Any NumericDate at or above this is milliseconds: in seconds it would be after the year
/// 5138, in milliseconds it is any date after March 1973.
const MILLISECONDS_FLOOR: f64 = 1e11;

/// Whether a time claim is in milliseconds, judged against the floor and against now (a
/// value a hundred times now or more).
fn is_milliseconds(value: f64, now: i64) -> bool {
    value >= MILLISECONDS_FLOOR || (now > 0 && value >= 100.0 * now as f64)
}

/// Where each ID token check comes from, and how binding it is.
const CORE: &str = "OpenID Connect Core 1.0";

/// The check with its level and the clause it comes from (OpenID Connect Core 1.0 §3.1.3.7,
/// ID Token Validation, unless said otherwise).
fn levelled(check: Check) -> Check {
    use crate::record::Level::{BestPractice, Must, Should};
    let (level, clause) = match check.name.as_str() {
        "decode" => (
            Must,
            "RFC 7519 §7.2 (a JWT is three base64url parts)".to_string(),
        ),
        "alg" => (
            Must,
            format!("{CORE} §2 (none only if the client asked for it) and §3.1.3.7 item 7"),
        ),
        // kid is required only when the JWKS holds several keys.
        "kid" => (
            Should,
            format!("{CORE} §10.1 (kid MUST be given when the JWKS has several keys)"),
        ),
        "signature" => (Must, format!("{CORE} §3.1.3.7 item 6")),
        "iss" => (Must, format!("{CORE} §3.1.3.7 item 2")),
        "aud" => (Must, format!("{CORE} §3.1.3.7 item 3")),
        "azp" => (Should, format!("{CORE} §3.1.3.7 items 4 and 5")),
        "exp" => (Must, format!("{CORE} §3.1.3.7 item 9")),
        "iat" => (
            Must,
            format!("{CORE} §2 (REQUIRED, a NumericDate: seconds since the epoch)"),
        ),
        // The acceptable range of iat is the client's choice.
        "iat not in the future" => (
            Should,
            format!("{CORE} §3.1.3.7 item 10 (issued too far away from the current time)"),
        ),
        "iat freshness" => (
            Should,
            format!("{CORE} §3.1.3.7 item 10 (the acceptable range is client specific)"),
        ),
        "time units" => (
            Must,
            format!("RFC 7519 §2 (NumericDate is seconds since the epoch) and {CORE} §2"),
        ),
        "nonce" => (Must, format!("{CORE} §3.1.3.7 item 11")),
        "sub" => (
            Must,
            format!("{CORE} §2 (REQUIRED, at most 255 ASCII characters)"),
        ),
        "sub characters" => (
            BestPractice,
            format!(
                "{CORE} §2 (ASCII; printable %x21-7E without spaces is what clients can compare and log safely)"
            ),
        ),
        "standard claims" => (
            Must,
            super::standard_claims::STANDARD_CLAIMS_CLAUSE.to_string(),
        ),
        "at_hash" => (Must, format!("{CORE} §3.1.3.8 and §3.2.2.9")),
        "c_hash" => (Must, format!("{CORE} §3.3.2.11")),
        "auth_time" => (
            Must,
            format!("{CORE} §2 (REQUIRED with max_age) and §3.1.3.7 item 13"),
        ),
        _ => return check,
    };
    check.at(level).clause(clause)
}

/// The verdict of every check on one token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenVerdict {
    /// The decoded header (`null` if the token did not decode).
    pub(crate) header: Value,
    /// The decoded claims (`null` if the token did not decode).
    pub(crate) claims: Value,
    /// One report per named check, in a fixed order.
    pub(crate) checks: Vec<Check>,
}

impl TokenVerdict {
    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.verdict == Outcome::Failed)
    }

    /// The failed checks that fail the token: MUSTs, and under `strict` every failed check
    /// (a failed SHOULD is otherwise a warning).
    pub fn failures_at(&self, strict: bool) -> impl Iterator<Item = &Check> {
        self.failures()
            .filter(move |c| strict || c.level == crate::record::Level::Must)
    }

    /// True when no check failed.
    pub fn is_valid(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The check with this name.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The report entry for this token.
    pub fn into_record(self, label: &str) -> TokenRecord {
        TokenRecord {
            label: label.to_string(),
            header: self.header,
            claims: self.claims,
            checks: self.checks,
            ..Default::default()
        }
    }

    /// One line per failed check (`name: detail`), or `None` when all passed.
    pub fn failure_message(&self) -> Option<String> {
        let lines: Vec<String> = self
            .failures()
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

fn pass(name: &str, detail: impl Into<String>) -> Check {
    Check::passed(name, detail)
}
fn fail(name: &str, detail: impl Into<String>) -> Check {
    Check::failed(name, detail)
}
fn not_applicable(name: &str, detail: impl Into<String>) -> Check {
    Check::not_applicable(name, detail)
}

/// A required numeric claim, or the message saying what is wrong with it.
fn number_claim(claims: &Value, name: &str) -> Result<f64, String> {
    match claims.get(name) {
        None => Err("missing; a NumericDate (seconds since the epoch) is required".into()),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| format!("{n} is not a usable number")),
        Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => {
            Err(format!("expected a JSON number, got the string {s:?}"))
        }
        Some(other) => Err(format!("expected a number, got {}", compact(other))),
    }
}

fn hash_name(alg: &str) -> &'static str {
    if alg.ends_with("384") {
        "SHA-384"
    } else if alg.ends_with("512") {
        "SHA-512"
    } else {
        "SHA-256"
    }
}

/// Compact JSON of a value, shortened for messages.
fn compact(v: &Value) -> String {
    crate::expect::render(v)
}

/// A number for messages: integral values without a fraction.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A Unix time as an ISO 8601 UTC timestamp.
fn when(t: f64) -> String {
    if !t.is_finite() || t.abs() > 253_402_300_799.0 {
        return "out of the calendar range".into();
    }
    crate::clock::format_unix_time(t.floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;
    const ISSUER: &str = "https://idflow.test/auth/open";
    const CLIENT: &str = "client-1";
    const NONCE: &str = "n-123";
    const ACCESS_TOKEN: &str = "access-token-abc";
    const CODE: &str = "code-xyz";

    fn jwks() -> Jwks {
        let v: Value = serde_json::from_str(include_str!("testdata/jwks.json")).unwrap();
        Jwks::from_json(&v).unwrap()
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": "user-42",
            "exp": NOW + 300,
            "iat": NOW - 10,
            "auth_time": NOW - 30,
            "nonce": NONCE,
            "at_hash": left_half_hash("RS256", ACCESS_TOKEN).unwrap(),
            "c_hash": left_half_hash("RS256", CODE).unwrap(),
        })
    }

    fn sign_with(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        let key = match alg {
            Algorithm::ES256 => {
                EncodingKey::from_ec_pem(include_bytes!("testdata/ec-private.pem")).unwrap()
            }
            _ => EncodingKey::from_rsa_pem(include_bytes!("testdata/rsa-private.pem")).unwrap(),
        };
        encode(&header, claims, &key).unwrap()
    }

    fn sign(claims: &Value) -> String {
        sign_with(Algorithm::RS256, Some("test-key-1"), claims)
    }

    fn with(f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
        let mut c = claims();
        f(c.as_object_mut().unwrap());
        c
    }

    fn verifier() -> IdTokenVerifier {
        IdTokenVerifier::new(ISSUER, CLIENT, NOW)
            .with_nonce(NONCE)
            .with_access_token(ACCESS_TOKEN)
            .with_code(CODE)
            .with_require_at_hash(true)
            .with_require_c_hash(true)
            .with_max_age(300)
    }

    fn failed(v: &TokenVerdict) -> Vec<&str> {
        v.failures().map(|c| c.name.as_str()).collect()
    }

    fn detail<'a>(v: &'a TokenVerdict, name: &str) -> &'a str {
        &v.check(name).unwrap().detail
    }

    #[test]
    fn a_good_token_passes_every_check() {
        let v = verifier().verify(&sign(&claims()), &jwks());
        assert!(v.is_valid(), "{:?}", v.failure_message());
        assert_eq!(v.failure_message(), None);
        let names: Vec<&str> = v.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "alg",
                "kid",
                "signature",
                "iss",
                "aud",
                "azp",
                "exp",
                "iat",
                "iat not in the future",
                "iat freshness",
                "time units",
                "nonce",
                "sub",
                "sub characters",
                "at_hash",
                "c_hash",
                "auth_time",
                "standard claims"
            ]
        );
        for name in names.iter().filter(|n| **n != "azp") {
            assert_eq!(v.check(name).unwrap().verdict, Outcome::Passed, "{name}");
        }
        assert_eq!(v.check("azp").unwrap().verdict, Outcome::NotApplicable);
        assert!(detail(&v, "signature").contains("kid \"test-key-1\""));
        assert_eq!(v.claims["sub"], json!("user-42"));
        let report = v.into_record("ID token");
        assert_eq!(report.label, "ID token");
        assert_eq!(report.checks.len(), 18);
    }

    #[test]
    fn an_es256_token_verifies_with_the_ec_key() {
        let c = with(|c| {
            c.remove("at_hash");
            c.remove("c_hash");
        });
        let v = IdTokenVerifier::new(ISSUER, CLIENT, NOW)
            .with_nonce(NONCE)
            .verify(&sign_with(Algorithm::ES256, Some("test-ec-1"), &c), &jwks());
        assert!(v.is_valid(), "{:?}", v.failure_message());
    }

    #[test]
    fn wrong_nonce() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("nonce".into(), json!("xyz"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["nonce"]);
        assert_eq!(
            v.failure_message().unwrap(),
            "nonce: expected \"n-123\" (sent in the authorization request), got \"xyz\""
        );
    }

    #[test]
    fn missing_nonce_and_unexpected_nonce() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.remove("nonce");
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["nonce"]);
        assert!(detail(&v, "nonce").contains("missing"));

        let mut no_nonce = verifier();
        no_nonce.nonce = None;
        let v = no_nonce.verify(&sign(&claims()), &jwks());
        assert_eq!(failed(&v), ["nonce"]);
        assert!(detail(&v, "nonce").contains("none was sent"));
    }

    #[test]
    fn wrong_aud() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("aud".into(), json!("other-client"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["aud"]);
        assert_eq!(
            detail(&v, "aud"),
            "expected the client id \"client-1\", got \"other-client\""
        );
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("aud".into(), json!(["a", "b"]));
                c.insert("azp".into(), json!(CLIENT));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["aud"]);
    }

    #[test]
    fn several_audiences_need_azp() {
        let c = with(|c| {
            c.insert("aud".into(), json!([CLIENT, "other"]));
        });
        let v = verifier().verify(&sign(&c), &jwks());
        assert_eq!(failed(&v), ["azp"]);
        let mut c = c;
        c["azp"] = json!(CLIENT);
        assert!(verifier().verify(&sign(&c), &jwks()).is_valid());
        c["azp"] = json!("other");
        let v = verifier().verify(&sign(&c), &jwks());
        assert_eq!(failed(&v), ["azp"]);
    }

    #[test]
    fn wrong_issuer_with_trailing_slash_hint() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("iss".into(), json!(format!("{ISSUER}/")));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["iss"]);
        assert!(detail(&v, "iss").contains("trailing slash"));
    }

    #[test]
    fn expired() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("exp".into(), json!(NOW - 61));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["exp"]);
        assert!(
            detail(&v, "exp").starts_with("expired"),
            "{}",
            detail(&v, "exp")
        );
        // Within the leeway is fine.
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("exp".into(), json!(NOW - 30));
            })),
            &jwks(),
        );
        assert!(v.is_valid());
    }

    #[test]
    fn exp_in_milliseconds() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("exp".into(), json!((NOW + 300) * 1000));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["exp", "time units"]);
        assert!(detail(&v, "exp").contains("probably milliseconds"));
        assert!(detail(&v, "time units").contains("exp 1700000300000 is milliseconds"));
    }

    #[test]
    fn milliseconds_are_caught_whatever_their_size() {
        // iat in milliseconds: the iat check and the unit check both say so.
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("iat".into(), json!((NOW - 10) * 1000));
            })),
            &jwks(),
        );
        assert!(failed(&v).contains(&"iat") && failed(&v).contains(&"time units"));
        assert!(
            detail(&v, "iat").contains("is milliseconds"),
            "{}",
            detail(&v, "iat")
        );
        // Compared with each other: an iat a thousand times smaller than exp is in other units.
        let v = verifier().with_max_iat_age(i64::MAX).verify(
            &sign(&with(|c| {
                c.insert("iat".into(), json!(1_000_000));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["time units"]);
        assert!(detail(&v, "time units").contains("differ by a factor of 1700"));
        // Compared with now: a clock near the epoch still tells a thousandfold value apart.
        assert!(is_milliseconds(5_000.0 * 1000.0, 5_000));
        assert!(!is_milliseconds(5_000.0 + 3600.0, 5_000));
    }

    #[test]
    fn sub_characters_and_standard_claim_types() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("sub".into(), json!("user 42\t"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["sub characters"]);
        assert_eq!(v.failures_at(false).count(), 0, "a best practice warns");
        assert!(detail(&v, "sub characters").contains("' '"));
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("email_verified".into(), json!("true"));
                c.insert("address".into(), json!({"country": "NO"}));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["standard claims"]);
        assert_eq!(
            detail(&v, "standard claims"),
            "email_verified is \"true\", not a JSON boolean"
        );
    }

    #[test]
    fn exp_as_string_or_missing() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("exp".into(), json!("1700000300"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["exp"]);
        assert!(detail(&v, "exp").contains("the string"));
        let v = verifier().verify(
            &sign(&with(|c| {
                c.remove("exp");
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["exp"]);
    }

    #[test]
    fn iat_in_the_future_or_too_old() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("iat".into(), json!(NOW + 120));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["iat not in the future"]);
        assert!(detail(&v, "iat not in the future").starts_with("in the future"));
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("iat".into(), json!(NOW - 3600));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["iat freshness"]);
        assert!(detail(&v, "iat freshness").starts_with("too old"));
        // Both are SHOULDs (the range is the client's): warnings, failures when strict.
        assert_eq!(v.failures_at(false).count(), 0);
        assert_eq!(v.failures_at(true).count(), 1);
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"test-key-1"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        let token = format!("{header}.{payload}.");
        let v = IdTokenVerifier::new(ISSUER, CLIENT, NOW)
            .with_nonce(NONCE)
            .verify(&token, &jwks());
        assert_eq!(failed(&v), ["alg", "signature"]);
        assert!(detail(&v, "alg").contains("unsigned"));

        let v = IdTokenVerifier::new(ISSUER, CLIENT, NOW)
            .with_nonce(NONCE)
            .with_allow_none(true)
            .verify(&token, &jwks());
        assert!(v.is_valid(), "{:?}", v.failure_message());
        assert_eq!(
            v.check("signature").unwrap().verdict,
            Outcome::NotApplicable
        );
    }

    #[test]
    fn alg_not_in_the_allow_list() {
        let v = verifier()
            .with_allowed_algs(["RS384", "ES256"])
            .verify(&sign(&claims()), &jwks());
        assert_eq!(failed(&v), ["alg"]);
        assert_eq!(
            detail(&v, "alg"),
            "expected one of RS384, ES256, got \"RS256\""
        );
    }

    #[test]
    fn unknown_kid() {
        let token = sign_with(Algorithm::RS256, Some("rotated-away"), &claims());
        let v = verifier().verify(&token, &jwks());
        assert_eq!(failed(&v), ["signature"]);
        assert_eq!(
            detail(&v, "signature"),
            "no key with kid \"rotated-away\" in the JWKS (kids: test-key-1, test-ec-1)"
        );
    }

    #[test]
    fn missing_kid_fails_kid_but_the_single_rsa_key_verifies() {
        let token = sign_with(Algorithm::RS256, None, &claims());
        let v = verifier().verify(&token, &jwks());
        assert_eq!(failed(&v), ["kid"]);
        assert_eq!(v.check("signature").unwrap().verdict, Outcome::Passed);
        // kid is a SHOULD here (a MUST only with several keys): a warning, failing when strict.
        assert_eq!(v.failures_at(false).count(), 0);
        assert_eq!(v.failures_at(true).count(), 1);
    }

    #[test]
    fn every_check_names_its_level_and_clause() {
        use crate::record::Level;
        let v = verifier().verify(&sign(&claims()), &jwks());
        for c in &v.checks {
            let clause = c
                .clause
                .as_deref()
                .unwrap_or_else(|| panic!("{} has no clause", c.name));
            assert!(clause.contains('§'), "{}: {clause}", c.name);
        }
        let level = |n: &str| v.check(n).unwrap().level;
        for must in [
            "alg",
            "signature",
            "iss",
            "aud",
            "exp",
            "nonce",
            "sub",
            "at_hash",
            "auth_time",
            "iat",
            "time units",
            "standard claims",
        ] {
            assert_eq!(level(must), Level::Must, "{must}");
        }
        assert_eq!(level("sub characters"), Level::BestPractice);
        for should in ["kid", "azp", "iat not in the future", "iat freshness"] {
            assert_eq!(level(should), Level::Should, "{should}");
        }
        assert_eq!(
            v.check("iss").unwrap().clause.as_deref(),
            Some("OpenID Connect Core 1.0 §3.1.3.7 item 2")
        );
        let broken = verifier().verify("not.a.jwt", &jwks());
        assert_eq!(broken.checks[0].level, Level::Must);
        assert!(
            broken.checks[0]
                .clause
                .as_deref()
                .unwrap()
                .contains("RFC 7519")
        );
    }

    #[test]
    fn key_type_mismatch() {
        let token = sign_with(Algorithm::RS256, Some("test-ec-1"), &claims());
        let v = verifier().verify(&token, &jwks());
        assert_eq!(failed(&v), ["signature"]);
        assert!(detail(&v, "signature").contains("key type mismatch"));
    }

    #[test]
    fn tampered_payload_breaks_the_signature() {
        let token = sign(&claims());
        let parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(
            with(|c| {
                c.insert("sub".into(), json!("admin"));
            })
            .to_string(),
        );
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        let v = verifier().verify(&tampered, &jwks());
        assert_eq!(failed(&v), ["signature"]);
        assert!(detail(&v, "signature").starts_with("bad signature"));
        assert_eq!(v.claims["sub"], json!("admin"));
    }

    #[test]
    fn wrong_or_missing_at_hash() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("at_hash".into(), json!("AAAAAAAAAAAAAAAAAAAAAA"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["at_hash"]);
        assert!(detail(&v, "at_hash").contains("SHA-256 hash of the access token"));
        let v = verifier().verify(
            &sign(&with(|c| {
                c.remove("at_hash");
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["at_hash"]);
        // Optional when the access token came from the token endpoint.
        let v = verifier().with_require_at_hash(false).verify(
            &sign(&with(|c| {
                c.remove("at_hash");
            })),
            &jwks(),
        );
        assert!(v.is_valid());
        assert_eq!(v.check("at_hash").unwrap().verdict, Outcome::NotApplicable);
    }

    #[test]
    fn wrong_c_hash() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert(
                    "c_hash".into(),
                    left_half_hash("RS256", "another-code").into(),
                );
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["c_hash"]);
        assert!(detail(&v, "c_hash").contains("authorization code"));
    }

    #[test]
    fn missing_or_bad_sub() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.remove("sub");
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["sub"]);
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("sub".into(), json!("x".repeat(256)));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["sub"]);
        assert!(detail(&v, "sub").contains("256 characters"));
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("sub".into(), json!("brukér"));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["sub"]);
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("sub".into(), json!(42));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["sub"]);
    }

    #[test]
    fn auth_time_too_old_with_max_age() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("auth_time".into(), json!(NOW - 3600));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["auth_time"]);
        assert!(detail(&v, "auth_time").contains("max_age=300"));
        // Measured from the authorization request when its time is known.
        let v = verifier().with_auth_request_at(NOW - 3000).verify(
            &sign(&with(|c| {
                c.insert("auth_time".into(), json!(NOW - 3100));
            })),
            &jwks(),
        );
        assert!(v.is_valid(), "{:?}", v.failure_message());
    }

    #[test]
    fn auth_time_required_with_max_age_only() {
        let c = with(|c| {
            c.remove("auth_time");
        });
        let v = verifier().verify(&sign(&c), &jwks());
        assert_eq!(failed(&v), ["auth_time"]);
        assert!(detail(&v, "auth_time").contains("required because max_age=300"));
        let mut no_max_age = verifier();
        no_max_age.max_age = None;
        let v = no_max_age.verify(&sign(&c), &jwks());
        assert!(v.is_valid());
        assert_eq!(
            v.check("auth_time").unwrap().verdict,
            Outcome::NotApplicable
        );
        // glewlwyd's auth_time 0
        let v = no_max_age.verify(
            &sign(&with(|c| {
                c.insert("auth_time".into(), json!(0));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["auth_time"]);
    }

    #[test]
    fn several_failures_are_all_reported() {
        let v = verifier().verify(
            &sign(&with(|c| {
                c.insert("nonce".into(), json!("xyz"));
                c.insert("aud".into(), json!("other"));
                c.insert("exp".into(), json!(NOW - 3600));
            })),
            &jwks(),
        );
        assert_eq!(failed(&v), ["aud", "exp", "nonce"]);
        assert_eq!(v.failure_message().unwrap().lines().count(), 3);
    }

    #[test]
    fn an_undecodable_token_is_one_failed_decode_check() {
        let v = verifier().verify("not-a-jwt", &jwks());
        assert_eq!(v.checks.len(), 1);
        assert_eq!(failed(&v), ["decode"]);
        assert!(detail(&v, "decode").contains("three dot-separated parts"));
        assert_eq!(v.header, Value::Null);
    }
}
