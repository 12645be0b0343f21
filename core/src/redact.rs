//! Secret redaction: secrets never appear in clear in anything the run writes.
//!
//! A [`Redactor`] works in two passes:
//!
//! 1. **Structural**: it knows where secrets live in HTTP traffic (the `Authorization` header,
//!    cookies, token/code/secret fields of JSON and form bodies, query and fragment parameters,
//!    password inputs of HTML forms) and replaces them there. Tokens and codes become a
//!    *fingerprint* such as `‹code#9f8e7d›` (a short SHA-256 prefix, so a reviewer can follow
//!    the same value across exchanges); secrets, passwords and personal data become
//!    `‹redacted›`. Every value redacted this way is *learned*.
//! 2. **Literal**: every known or learned secret is replaced wherever it appears in any text, in
//!    plain, percent-encoded (`%20` or `+`), JSON-escaped and Base64/Base64url form (also when
//!    embedded at any alignment inside a longer Base64 blob).
//!
//! Values that are too short or too trivial to be secrets (fewer than 4 characters, `true`,
//! `null`, ...) are replaced structurally but not learned, so they do not blank out unrelated
//! text. Cookie values are learned from 8 characters on.
//!
//! Nothing is guessed from a value's shape: a `code` is an authorization code where one is sent
//! or received (a query, a fragment, a form body, a form input, a JSON object), whatever its
//! characters; only in a JSON error object (beside `error`, `message`, `detail`, `title`,
//! `type`, `status` ...) is a `code` an error code, left as it is (`{"code": "NOT_FOUND",
//! "message": "…"}`), and so is a `"code": "…"` quoted in free text unless it was learned. A token's JWT
//! payload is read when the token is learned, so its personal claims are learned with it.
//!
//! Text is shortened only after it is redacted where possible; where a value was cut before
//! (a message cut at `…`), a cut prefix of a known secret in any of its forms, right before the
//! `…` (or a closing quote and `…`), is replaced as the whole secret would be.

use std::fmt;
use std::sync::{Arc, LazyLock, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use regex::Regex;
use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::form_urlencoded;

use crate::record::{Check, ScenarioRecord, StepRecord};
use crate::record::{Exchange, Header, header_value};

/// What a redacted secret (password, client secret, personal data) is replaced by.
pub const REDACTED: &str = "‹redacted›";

/// Personal fields redacted unless configured otherwise; configured ones are added to these.
pub const DEFAULT_PERSONAL_FIELDS: &[&str] = &["nin", "dateOfBirth"];

/// Field and parameter names whose values are tokens or codes: replaced by a fingerprint.
const TOKEN_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "auth_req_id",
    "device_code",
    "id_token_hint",
    "client_assertion",
];

/// JSON fields of an error object: a `code` beside one of them is an error code.
const ERROR_FIELDS: &[&str] = &[
    "error",
    "error_description",
    "errors",
    "message",
    "detail",
    "title",
    "type",
    "status",
    "invalidParams",
];

/// Field and parameter names whose values are secrets: replaced by [`REDACTED`].
const SECRET_FIELDS: &[&str] = &["client_secret", "password"];

/// Headers whose whole value is a credential.
const SECRET_HEADERS: &[&str] = &["x-api-key", "api-key", "x-auth-token"];

/// Secrets shorter than this (in characters) are not replaced literally.
const MIN_SECRET_CHARS: usize = 4;
/// Cookie values shorter than this are not learned (they are often flags like `lang=en`).
const MIN_COOKIE_CHARS: usize = 8;
/// The mark of a cut: text shortened for a message ends its cut part with it.
pub const CUT: &str = "…";
/// Shortest cut prefix of a secret that is recognised before a [`CUT`].
const MIN_CUT_PREFIX: usize = 4;
/// Shortest Base64 fragment replaced when a secret is embedded in a longer Base64 blob.
const MIN_BASE64_CORE: usize = 8;

/// How a value is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mask {
    /// `‹secret#hash›`: known to be secret, nothing more.
    Generic,
    /// `‹kind#hash›`: a token or code of a known kind.
    Fingerprint(&'static str),
    /// `‹redacted›`.
    Redacted,
}

impl Mask {
    fn rank(self) -> u8 {
        match self {
            Mask::Generic => 0,
            Mask::Fingerprint(_) => 1,
            Mask::Redacted => 2,
        }
    }
    fn render(self, value: &str) -> String {
        match self {
            Mask::Generic => format!("‹secret#{}›", fingerprint(value)),
            Mask::Fingerprint(kind) => format!("‹{kind}#{}›", fingerprint(value)),
            Mask::Redacted => REDACTED.to_owned(),
        }
    }
}

/// The first 6 hex digits of the value's SHA-256.
pub fn fingerprint(value: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(value.as_bytes());
    let mut hex = String::with_capacity(6);
    for b in &digest[..3] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// True for text that already is a redaction marker.
fn is_marker(v: &str) -> bool {
    v.starts_with('‹')
}

/// A literal pattern and the index of the secret it stands for.
#[derive(Clone)]
struct Pattern {
    text: String,
    secret: usize,
}

/// What a redactor knows. Every scenario starts from a copy of the run's (see
/// [`Redactor::scoped`]), so its texts and pattern lists are shared (`Arc`) until one changes:
/// a copy costs a few allocations, not one per pattern.
#[derive(Default, Clone)]
struct State {
    /// Secret → (index, mask).
    secrets: HashMap<Arc<str>, (usize, Mask)>,
    /// Replacement text per secret index.
    replacements: Vec<Arc<str>>,
    /// Patterns by their first four bytes, longest first.
    buckets: HashMap<[u8; 4], Arc<Vec<Pattern>>>,
    /// Bit set over the first two bytes of every pattern: a cheap pre-filter.
    first2: Vec<u64>,
    /// The longest pattern, in bytes.
    longest: usize,
}

impl State {
    fn add(&mut self, secret: &str, mask: Mask) -> String {
        if let Some((idx, old)) = self.secrets.get_mut(secret) {
            if mask.rank() > old.rank() {
                *old = mask;
                self.replacements[*idx] = mask.render(secret).into();
            }
            return self.replacements[*idx].to_string();
        }
        let idx = self.replacements.len();
        let replacement = mask.render(secret);
        self.replacements.push(replacement.as_str().into());
        self.secrets.insert(secret.into(), (idx, mask));
        if self.first2.is_empty() {
            self.first2 = vec![0; 1024];
        }
        for text in variants(secret) {
            let b = text.as_bytes();
            let key = [b[0], b[1], b[2], b[3]];
            let k2 = (usize::from(b[0]) << 8) | usize::from(b[1]);
            self.first2[k2 / 64] |= 1 << (k2 % 64);
            let bucket = self.buckets.entry(key).or_default();
            if bucket.iter().any(|p| p.text == text) {
                continue;
            }
            // Copied here only when the run's redactor shares it.
            let bucket = Arc::make_mut(bucket);
            let at = bucket.partition_point(|p| p.text.len() >= text.len());
            self.longest = self.longest.max(text.len());
            bucket.insert(at, Pattern { text, secret: idx });
        }
        replacement
    }

    /// Replaces, right before each cut mark `…` (or a quote and `…`), the longest text that is
    /// a prefix of at least [`MIN_CUT_PREFIX`] bytes of a pattern: a secret cut short by
    /// something that shortened the text before it was redacted. `None` when nothing matched.
    fn cut_prefixes(&self, s: &str) -> Option<String> {
        if self.buckets.is_empty() || CUT_FINDER.find(s.as_bytes()).is_none() {
            return None;
        }
        let b = s.as_bytes();
        let mut out = String::new();
        let mut last = 0;
        for (pos, _) in s.match_indices(CUT) {
            let cut = if pos > 0 && b[pos - 1] == b'"' {
                pos - 1
            } else {
                pos
            };
            let from = cut.saturating_sub(self.longest).max(last);
            let found = (from..cut.saturating_sub(MIN_CUT_PREFIX - 1)).find_map(|j| {
                if !s.is_char_boundary(j) || j + 4 > cut {
                    return None;
                }
                let bucket = self.buckets.get(&[b[j], b[j + 1], b[j + 2], b[j + 3]])?;
                bucket
                    .iter()
                    .find(|p| p.text.as_bytes().starts_with(&b[j..cut]))
                    .map(|p| (j, p.secret))
            });
            if let Some((j, secret)) = found {
                // Sized once, at the first replacement: most texts have none.
                if out.capacity() == 0 {
                    out.reserve(s.len());
                }
                out.push_str(&s[last..j]);
                out.push_str(&self.replacements[secret]);
                last = cut;
            }
        }
        if last == 0 {
            return None;
        }
        out.push_str(&s[last..]);
        Some(out)
    }

    /// Replaces every pattern in `s`; `None` when nothing matched.
    fn scan(&self, s: &str) -> Option<String> {
        let b = s.as_bytes();
        if self.buckets.is_empty() || b.len() < 4 {
            return None;
        }
        let mut out = String::new();
        let mut last = 0;
        let mut i = 0;
        while i + 4 <= b.len() {
            let k2 = (usize::from(b[i]) << 8) | usize::from(b[i + 1]);
            if self.first2[k2 / 64] & (1 << (k2 % 64)) != 0
                && let Some(bucket) = self.buckets.get(&[b[i], b[i + 1], b[i + 2], b[i + 3]])
                && let Some(p) = bucket
                    .iter()
                    .find(|p| b[i..].starts_with(p.text.as_bytes()))
            {
                // Patterns are whole UTF-8 strings, so a match starts and ends on char boundaries.
                // Sized once, at the first replacement: most texts have none.
                if out.capacity() == 0 {
                    out.reserve(s.len());
                }
                out.push_str(&s[last..i]);
                out.push_str(&self.replacements[p.secret]);
                i += p.text.len();
                last = i;
                continue;
            }
            i += 1;
        }
        if last == 0 {
            return None;
        }
        out.push_str(&s[last..]);
        Some(out)
    }
}

/// Every form in which a secret may appear in text.
fn variants(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_owned()];
    // Tokens and codes are mostly of characters that no encoding below changes.
    let plain = secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !plain {
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let pct = form.replace('+', "%20");
        v.push(lower_hex(&form));
        v.push(lower_hex(&pct));
        v.push(form);
        v.push(pct);
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        v.push(json.replace('/', "\\/"));
        v.push(json);
        v.push(quick_xml::escape::escape(secret).into_owned());
    }
    // Each Base64 text once, in the standard alphabet; its URL-safe form by swapping the two
    // characters the alphabets differ in.
    let padded = STANDARD.encode(secret);
    v.extend(url_safe(&padded));
    v.push(padded);
    // The characters that only depend on the secret's bytes, at each of the 3 alignments the
    // secret can have inside a longer Base64 text.
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(secret.as_bytes());
        let enc = STANDARD_NO_PAD.encode(&bytes);
        let start = (8 * k).div_ceil(6);
        let end = (8 * bytes.len()) / 6;
        if end >= start + MIN_BASE64_CORE {
            let core = &enc[start..end];
            v.extend(url_safe(core));
            v.push(core.to_owned());
        }
    }
    v.retain(|t| t.len() >= 4);
    v.sort();
    v.dedup();
    v
}

/// A standard Base64 text in the URL-safe alphabet (RFC 4648 §5: `-` and `_` for `+` and
/// `/`); `None` when it has neither, and so reads the same in both.
fn url_safe(standard: &str) -> Option<String> {
    standard.contains(['+', '/']).then(|| {
        standard
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect()
    })
}

/// `%2F` → `%2f`.
fn lower_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let n = tail.len().min(3);
        out.push_str(&tail[..n].to_ascii_lowercase());
        rest = &tail[n..];
    }
    out.push_str(rest);
    out
}

/// Whether a value is worth replacing literally everywhere.
fn learnable(v: &str, min_chars: usize) -> bool {
    let min = min_chars.max(MIN_SECRET_CHARS);
    // A char is at most 4 bytes: long values (tokens) need no count.
    (v.len() >= 4 * min || v.chars().count() >= min)
        && !is_marker(v)
        && !["true", "false", "null", "none", "undefined"]
            .iter()
            .any(|word| v.eq_ignore_ascii_case(word))
}

/// A field name's characters as compared with the personal fields: lower case, without `_`
/// and `-` (`date_of_birth` and `dateOfBirth` are the same field).
fn normalised(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
}

/// Finds [`CUT`] in a text (most texts have none).
static CUT_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(CUT));

static INPUT_TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?is)<input\b[^>]*>").unwrap());
static INPUT_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\btype\s*=\s*["']?([a-z-]+)"#).unwrap());
static INPUT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bname\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#).unwrap()
});
static INPUT_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bvalue\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#).unwrap()
});
static AUTH_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:proxy-)?authorization:\s*)([A-Za-z]+)\s+([A-Za-z0-9._~+/=-]+)").unwrap()
});

/// Finds and masks secrets in HTTP exchanges, reports and free text; learns as it goes.
///
/// Shared by the whole run (`Send + Sync`): the engine [`learn`](Redactor::learn)s tokens as
/// it receives them, writers redact with what is known by then.
pub struct Redactor {
    /// What never changes, shared by every scope (one regex cache pool for the whole run).
    fixed: Arc<Fixed>,
    state: RwLock<State>,
}

/// The personal fields and the regexes built from the field names.
struct Fixed {
    personal: Vec<String>,
    /// `personal`, normalised for comparison (see `normalised`).
    personal_keys: Vec<String>,
    /// `?name=value` / `&name=value` / `#name=value` in free text.
    param_in_text: Regex,
    /// `"name": "value"` in free text (logged JSON).
    json_in_text: Regex,
    /// The literal part each of the regexes above and [`AUTH_IN_TEXT`] needs, in any case:
    /// text with none of them skips the regexes (most text: claims, headers, labels).
    literals: aho_corasick::AhoCorasick,
    /// How many names `literals` was built from: ids `0..n` are `name=`, `n..2n` are
    /// `"name"`, and `2n` is `authorization:`.
    names: usize,
}

/// Which of the free-text regexes a text may match (see [`Fixed::literals`]).
#[derive(Default)]
struct MayMatch {
    param: bool,
    json: bool,
    authorization: bool,
}

impl Fixed {
    fn may_match(&self, s: &str) -> MayMatch {
        let mut may = MayMatch::default();
        // Every literal ends in `=` or `"` or `:`: a text with none of them (a header name,
        // a label, most values) needs no search.
        if memchr::memchr3(b'=', b'"', b':', s.as_bytes()).is_none() {
            return may;
        }
        // Non-overlapping matches are enough: a `name=` and a `"name"` cannot overlap (names
        // hold neither `=` nor `"`), and overlapping names are of the same kind.
        for m in self.literals.find_iter(s) {
            let id = m.pattern().as_usize();
            match id / self.names {
                0 => may.param = true,
                1 => may.json = true,
                _ => may.authorization = true,
            }
            if may.param && may.json && may.authorization {
                break;
            }
        }
        may
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.read().secrets.len();
        f.debug_struct("Redactor")
            .field("personal_fields", &self.fixed.personal)
            .field("secrets", &format_args!("{n} secrets"))
            .finish()
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(Vec::new(), Vec::new())
    }
}

impl Redactor {
    /// A redactor that knows the environment's secrets (client secrets, passwords) and redacts
    /// the personal fields [`DEFAULT_PERSONAL_FIELDS`] plus `personal_fields`. Secrets shorter
    /// than 4 characters are ignored.
    pub fn new(known_secrets: Vec<String>, personal_fields: Vec<String>) -> Redactor {
        let mut personal: Vec<String> = DEFAULT_PERSONAL_FIELDS
            .iter()
            .map(|s| s.to_string())
            .chain(personal_fields)
            .collect();
        personal.sort();
        personal.dedup();
        let plain_names: Vec<String> = TOKEN_FIELDS
            .iter()
            .chain(SECRET_FIELDS)
            .map(|s| s.to_string())
            .chain(personal.iter().cloned())
            .collect();
        let literal_patterns: Vec<String> = plain_names
            .iter()
            .map(|n| format!("{n}="))
            .chain(plain_names.iter().map(|n| format!("\"{n}\"")))
            .chain(["authorization:".to_string()])
            .collect();
        let literals = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&literal_patterns)
            .expect("literal patterns");
        let names: Vec<String> = plain_names.iter().map(|n| regex::escape(n)).collect();
        let names = names.join("|");
        let param_in_text =
            Regex::new(&format!(r#"([?&#;](?i-u:{names})=)([^&\s#"'<>]+)"#)).expect("param regex");
        let json_in_text = Regex::new(&format!(r#"("(?i-u:{names})"\s*:\s*")((?:[^"\\]|\\.)*)""#))
            .expect("json regex");
        let r = Redactor {
            fixed: Arc::new(Fixed {
                personal_keys: personal.iter().map(|p| normalised(p).collect()).collect(),
                personal,
                param_in_text,
                json_in_text,
                literals,
                names: plain_names.len(),
            }),
            state: RwLock::new(State::default()),
        };
        for s in &known_secrets {
            r.note(s, Mask::Redacted, MIN_SECRET_CHARS);
        }
        r
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a secret and returns what it is to be replaced by.
    fn note(&self, value: &str, mask: Mask, min_chars: usize) -> String {
        if !learnable(value, min_chars) {
            return mask.render(value);
        }
        if let Some((idx, old)) = self.read().secrets.get(value)
            && old.rank() >= mask.rank()
        {
            return self.read().replacements[*idx].to_string();
        }
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        st.add(value, mask)
    }

    /// Learns a value the engine knows to be secret (a token it received, the PKCE verifier):
    /// from now on it is replaced by `‹secret#hash›` (or a more specific fingerprint once the
    /// structural pass has seen where it was used).
    pub fn learn(&self, secret: &str) {
        self.note(secret, Mask::Generic, MIN_SECRET_CHARS);
    }

    /// Learns a secret of the environment (a client secret, a password), as
    /// [`Redactor::new`] does for those it is given: from now on it is replaced by `‹redacted›`.
    pub fn learn_known(&self, secret: &str) {
        self.note(secret, Mask::Redacted, MIN_SECRET_CHARS);
    }

    /// How many distinct secrets are known.
    pub fn known(&self) -> usize {
        self.read().secrets.len()
    }

    /// The mask for values of a JSON field, if they are secret: as
    /// [`field_mask`](Self::field_mask), except that `code` is an error code (in a JSON error
    /// object, or quoted in free text).
    fn json_field_mask(&self, name: &str) -> Option<Mask> {
        if name.eq_ignore_ascii_case("code") {
            return None;
        }
        self.field_mask(name)
    }

    /// Learns the personal claims of a JWT (a token whose payload is JSON), so that they are
    /// redacted wherever they appear, also when the token is never decoded in the record.
    fn learn_jwt_personal_claims(&self, token: &str) {
        let mut parts = token.split('.');
        let (Some(_), Some(payload), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        if payload.len() > 64 * 1024 {
            return;
        }
        if let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
            && let Ok(mut claims) = serde_json::from_slice::<Value>(&bytes)
            && claims.is_object()
        {
            self.redact_json(&mut claims);
        }
    }

    /// The mask for values of a field or parameter, if they are secret.
    fn field_mask(&self, name: &str) -> Option<Mask> {
        if let Some(kind) = TOKEN_FIELDS.iter().find(|t| t.eq_ignore_ascii_case(name)) {
            return Some(Mask::Fingerprint(kind));
        }
        if SECRET_FIELDS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            return Some(Mask::Redacted);
        }
        // Compared character by character, not written into a new string: this runs for
        // every field of every JSON body.
        self.fixed
            .personal_keys
            .iter()
            .any(|key| normalised(name).eq(key.chars()))
            .then_some(Mask::Redacted)
    }

    /// Masks a string value of a secret field; `None` to leave it as it is.
    fn mask_value(&self, value: &str, mask: Mask) -> Option<String> {
        if is_marker(value) || value.is_empty() {
            return None;
        }
        if matches!(mask, Mask::Fingerprint(_)) {
            self.learn_jwt_personal_claims(value);
        }
        Some(self.note(value, mask, MIN_SECRET_CHARS))
    }

    /// Redacts an exchange: structurally (learning what it redacts), then literally.
    pub fn redact_exchange(&self, ex: &mut Exchange) {
        self.redact_exchange_structure(ex);
        self.redact_exchange_text(ex);
    }

    fn redact_exchange_structure(&self, ex: &mut Exchange) {
        for hop in &mut ex.hops {
            let req = &mut hop.request;
            req.url = self.redact_url(&req.url);
            self.redact_headers(&mut req.headers);
            let ct = header_value(&req.headers, "content-type").map(str::to_owned);
            if let Some(body) = &mut req.body
                && let Some(new) = self.redact_body(body, ct.as_deref())
            {
                *body = new;
            }
            if let Some(resp) = &mut hop.response {
                self.redact_headers(&mut resp.headers);
                let ct = header_value(&resp.headers, "content-type").map(str::to_owned);
                if let Some(new) = self.redact_body(&resp.body, ct.as_deref()) {
                    resp.body = new;
                }
            }
        }
        if let Some(s) = &mut ex.stopped_at {
            *s = self.redact_url(s);
        }
    }

    fn redact_exchange_text(&self, ex: &mut Exchange) {
        self.redact_in_place(&mut ex.label);
        for hop in &mut ex.hops {
            let req = &mut hop.request;
            self.redact_in_place(&mut req.method);
            self.redact_in_place(&mut req.url);
            for (n, v) in &mut req.headers {
                self.redact_in_place(n);
                self.redact_in_place(v);
            }
            if let Some(b) = &mut req.body {
                self.redact_in_place(b);
            }
            if let Some(resp) = &mut hop.response {
                for (n, v) in &mut resp.headers {
                    self.redact_in_place(n);
                    self.redact_in_place(v);
                }
                self.redact_in_place(&mut resp.body);
            }
        }
        for s in [&mut ex.stopped_at, &mut ex.error].into_iter().flatten() {
            self.redact_in_place(s);
        }
    }

    fn redact_headers(&self, headers: &mut [Header]) {
        for (name, value) in headers.iter_mut() {
            let lower = name.to_ascii_lowercase();
            let new = match lower.as_str() {
                "authorization" | "proxy-authorization" => self.redact_authorization(value),
                "cookie" => value
                    .split(';')
                    .map(|c| self.redact_cookie_pair(c))
                    .collect::<Vec<_>>()
                    .join(";"),
                "set-cookie" => match value.split_once(';') {
                    Some((pair, attrs)) => format!("{};{attrs}", self.redact_cookie_pair(pair)),
                    None => self.redact_cookie_pair(value),
                },
                "location" | "content-location" | "referer" => self.redact_url(value),
                h if SECRET_HEADERS.contains(&h) => self
                    .mask_value(value, Mask::Redacted)
                    .unwrap_or_else(|| value.clone()),
                _ => continue,
            };
            *value = new;
        }
    }

    fn redact_authorization(&self, value: &str) -> String {
        let Some((scheme, cred)) = value.trim().split_once(' ') else {
            return self
                .mask_value(value.trim(), Mask::Redacted)
                .unwrap_or_else(|| value.to_owned());
        };
        let cred = cred.trim();
        if is_marker(cred) {
            return value.to_owned();
        }
        if scheme.eq_ignore_ascii_case("basic") {
            self.note(cred, Mask::Redacted, MIN_SECRET_CHARS);
            if let Ok(bytes) = STANDARD.decode(cred)
                && let Ok(pair) = String::from_utf8(bytes)
                && let Some((_, secret)) = pair.split_once(':')
            {
                self.note(secret, Mask::Redacted, MIN_SECRET_CHARS);
                let decoded: String = form_urlencoded::parse(format!("s={secret}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                self.note(&decoded, Mask::Redacted, MIN_SECRET_CHARS);
            }
            format!("{scheme} {REDACTED}")
        } else if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop") {
            let m = self.note(cred, Mask::Fingerprint("access_token"), MIN_SECRET_CHARS);
            format!("{scheme} {m}")
        } else {
            let m = self.note(cred, Mask::Redacted, MIN_SECRET_CHARS);
            format!("{scheme} {m}")
        }
    }

    fn redact_cookie_pair(&self, pair: &str) -> String {
        match pair.split_once('=') {
            Some((name, value)) => {
                let v = value.trim().trim_matches('"');
                if v.is_empty() || is_marker(v) {
                    return pair.to_owned();
                }
                self.note(v, Mask::Redacted, MIN_COOKIE_CHARS);
                format!("{name}={REDACTED}")
            }
            None => pair.to_owned(),
        }
    }

    /// Redacts secret query and fragment parameters of a URL (absolute or relative).
    pub fn redact_url(&self, url: &str) -> String {
        // A '#' inside a marker (`‹code#…›`) does not start the fragment.
        let mut in_marker = false;
        let hash = url.char_indices().find_map(|(i, c)| {
            match c {
                '‹' => in_marker = true,
                '›' => in_marker = false,
                '#' if !in_marker => return Some(i),
                _ => {}
            }
            None
        });
        let (before, fragment) = match hash {
            Some(i) => (&url[..i], Some(&url[i + 1..])),
            None => (url, None),
        };
        let (base, query) = match before.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before, None),
        };
        let mut out = base.to_owned();
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.redact_pairs(q));
        }
        if let Some(f) = fragment {
            out.push('#');
            if f.contains('=') {
                out.push_str(&self.redact_pairs(f));
            } else {
                out.push_str(f);
            }
        }
        out
    }

    /// Redacts `name=value&...` pairs (form bodies, queries, fragments).
    fn redact_pairs(&self, s: &str) -> String {
        s.split('&')
            .map(|piece| {
                let Some((name, value)) = piece.split_once('=') else {
                    return piece.to_owned();
                };
                let Some((dname, dvalue)) = form_urlencoded::parse(piece.as_bytes()).next() else {
                    return piece.to_owned();
                };
                match self.field_mask(&dname) {
                    Some(mask) if !is_marker(value) => match self.mask_value(&dvalue, mask) {
                        Some(m) => format!("{name}={m}"),
                        None => piece.to_owned(),
                    },
                    _ => piece.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The redacted body, or `None` when nothing changed.
    fn redact_body(&self, body: &str, content_type: Option<&str>) -> Option<String> {
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let trimmed = body.trim_start();
        if (ct.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(mut v) = serde_json::from_str::<Value>(body)
        {
            if !self.redact_json(&mut v) {
                return None;
            }
            let text = if body.contains('\n') {
                serde_json::to_string_pretty(&v)
            } else {
                serde_json::to_string(&v)
            };
            return text.ok();
        }
        if ct.contains("x-www-form-urlencoded") {
            let new = self.redact_pairs(body);
            return (new != body).then_some(new);
        }
        if ct.contains("html") || body.contains("<input") || body.contains("<INPUT") {
            return self.redact_html_inputs(body);
        }
        None
    }

    /// Redacts secret fields of a JSON value in place (learning them); true if anything changed.
    pub fn redact_json(&self, v: &mut Value) -> bool {
        match v {
            Value::Object(map) => {
                let mut changed = false;
                // `code` beside an error's fields is an error code; anywhere else in JSON it
                // is an authorization code.
                let error_object = map.keys().any(|k| ERROR_FIELDS.contains(&k.as_str()));
                for (k, val) in map.iter_mut() {
                    let mask = if error_object {
                        self.json_field_mask(k)
                    } else {
                        self.field_mask(k)
                    };
                    match mask {
                        Some(mask) => changed |= self.mask_json_value(val, mask),
                        None => changed |= self.redact_json(val),
                    }
                }
                changed
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |c, item| self.redact_json(item) | c),
            Value::String(s) if s.contains('?') || s.contains('#') => {
                let new = self.redact_url(s);
                let changed = new != *s;
                *s = new;
                changed
            }
            _ => false,
        }
    }

    fn mask_json_value(&self, val: &mut Value, mask: Mask) -> bool {
        match val {
            Value::String(s) => match self.mask_value(s, mask) {
                Some(m) => {
                    *val = Value::String(m);
                    true
                }
                None => false,
            },
            // Numeric error codes are no secret; numeric personal data is.
            Value::Number(n) if mask == Mask::Redacted => {
                self.note(&n.to_string(), Mask::Redacted, MIN_SECRET_CHARS);
                *val = Value::String(REDACTED.to_owned());
                true
            }
            Value::Object(_) | Value::Array(_) if mask == Mask::Redacted => {
                self.learn_leaves(val);
                *val = Value::String(REDACTED.to_owned());
                true
            }
            Value::Object(_) | Value::Array(_) => self.redact_json(val),
            _ => false,
        }
    }

    fn learn_leaves(&self, v: &Value) {
        match v {
            Value::String(s) => {
                self.note(s, Mask::Redacted, MIN_SECRET_CHARS);
            }
            Value::Number(n) => {
                self.note(&n.to_string(), Mask::Redacted, MIN_SECRET_CHARS);
            }
            Value::Array(a) => a.iter().for_each(|x| self.learn_leaves(x)),
            Value::Object(m) => m.values().for_each(|x| self.learn_leaves(x)),
            _ => {}
        }
    }

    /// Redacts the values of password inputs and of inputs named like a secret field (the
    /// auto-submitting form of `response_mode=form_post`).
    fn redact_html_inputs(&self, body: &str) -> Option<String> {
        let mut changed = false;
        let out = INPUT_TAG.replace_all(body, |c: &regex::Captures<'_>| {
            let tag = &c[0];
            let is_password = INPUT_TYPE
                .captures(tag)
                .is_some_and(|t| t[1].eq_ignore_ascii_case("password"));
            let name_mask = INPUT_NAME.captures(tag).and_then(|n| {
                let name = n
                    .get(1)
                    .or(n.get(2))
                    .or(n.get(3))
                    .map_or("", |m| m.as_str());
                self.field_mask(name)
            });
            let mask = if is_password {
                Some(Mask::Redacted)
            } else {
                name_mask
            };
            let (Some(mask), Some(val)) = (mask, INPUT_VALUE.captures(tag)) else {
                return tag.to_owned();
            };
            let whole = val.get(0).expect("match");
            let raw = val
                .get(1)
                .or(val.get(2))
                .or(val.get(3))
                .map_or("", |m| m.as_str());
            let value = quick_xml::escape::unescape(raw)
                .map_or_else(|_| raw.to_owned(), |v| v.into_owned());
            let Some(m) = self.mask_value(&value, mask) else {
                return tag.to_owned();
            };
            if value != raw {
                self.note(raw, mask, MIN_SECRET_CHARS);
            }
            changed = true;
            format!(
                "{}value=\"{m}\"{}",
                &tag[..whole.start()],
                &tag[whole.end()..]
            )
        });
        changed.then(|| out.into_owned())
    }

    /// Replaces every known or learned secret in `s`, in any of its encoded forms; also masks
    /// secret parameters (`?code=…`), JSON fields (`"password": "…"`) and `Authorization:`
    /// headers found in free text, learning them.
    pub fn redact_text(&self, s: &str) -> String {
        let mut s = s.to_owned();
        self.redact_in_place(&mut s);
        s
    }

    /// [`redact_text`](Redactor::redact_text) in place; only writes when something changed.
    pub fn redact_in_place(&self, s: &mut String) {
        if s.len() < 4 {
            return;
        }
        let may = self.fixed.may_match(s);
        if may.param {
            let new = self
                .fixed
                .param_in_text
                .replace_all(s, |c: &regex::Captures<'_>| {
                    let prefix = &c[1];
                    let raw = &c[2];
                    let name = prefix[1..prefix.len() - 1].to_owned();
                    let value = form_urlencoded::parse(format!("v={raw}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    match self
                        .field_mask(&name)
                        .and_then(|m| self.mask_value(&value, m))
                    {
                        Some(m) => format!("{prefix}{m}"),
                        None => c[0].to_owned(),
                    }
                });
            if let std::borrow::Cow::Owned(n) = new {
                *s = n;
            }
        }
        if may.json {
            let new = self
                .fixed
                .json_in_text
                .replace_all(s, |c: &regex::Captures<'_>| {
                    let prefix = &c[1];
                    let raw = &c[2];
                    let name = prefix[1..].split('"').next().unwrap_or("").to_owned();
                    let value: String = serde_json::from_str(&format!("\"{raw}\""))
                        .unwrap_or_else(|_| raw.to_owned());
                    match self
                        .json_field_mask(&name)
                        .and_then(|m| self.mask_value(&value, m))
                    {
                        Some(m) => format!("{prefix}{m}\""),
                        None => c[0].to_owned(),
                    }
                });
            if let std::borrow::Cow::Owned(n) = new {
                *s = n;
            }
        }
        if may.authorization {
            let new = AUTH_IN_TEXT.replace_all(s, |c: &regex::Captures<'_>| {
                format!(
                    "{}{}",
                    &c[1],
                    self.redact_authorization(&format!("{} {}", &c[2], &c[3]))
                )
            });
            if let std::borrow::Cow::Owned(n) = new {
                *s = n;
            }
        }
        let state = self.read();
        if let Some(new) = state.cut_prefixes(s) {
            *s = new;
        }
        if let Some(new) = state.scan(s) {
            *s = new;
        }
    }

    fn redact_json_strings(&self, v: &mut Value) {
        match v {
            Value::String(s) => self.redact_in_place(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json_strings(x)),
            Value::Object(m) => m.values_mut().for_each(|x| self.redact_json_strings(x)),
            _ => {}
        }
    }

    /// Redacts a finished scenario's record: first the structural pass over every exchange
    /// and decoded token (learning what is secret from where it stands), then the literal pass
    /// over every string of the record. Decoded token claims stay readable, except personal
    /// fields. This is the one redaction a scenario's evidence goes through.
    pub fn redact_record(&self, record: &mut ScenarioRecord) {
        self.redact_steps(record.steps.iter_mut().collect(), &mut record.logs);
    }

    /// A redactor for one scenario: it knows everything this one knows, and what it learns
    /// stays with the scenario (its codes and tokens), so that a run's redaction work grows
    /// with the run, not with its square.
    pub fn scoped(&self) -> Redactor {
        Redactor {
            fixed: Arc::clone(&self.fixed),
            state: RwLock::new(self.read().clone()),
        }
    }

    /// Redacts the records of a scenario's steps and its log lines (what
    /// [`Redactor::redact_record`] does for a record that is still whole).
    pub fn redact_steps(&self, mut steps: Vec<&mut StepRecord>, logs: &mut [String]) {
        for step in steps.iter_mut() {
            for ex in &mut step.exchanges {
                self.redact_exchange_structure(ex);
            }
            for t in &mut step.tokens {
                self.redact_json(&mut t.header);
                self.redact_json(&mut t.claims);
            }
        }
        logs.iter_mut().for_each(|t| self.redact_in_place(t));
        for step in steps {
            for t in &mut step.tokens {
                self.redact_in_place(&mut t.label);
                self.redact_json_strings(&mut t.header);
                self.redact_json_strings(&mut t.claims);
                step_checks(self, &mut t.checks);
            }
            step_checks(self, &mut step.checks);
            for timeline in &mut step.timelines {
                self.redact_in_place(&mut timeline.label);
                self.redact_in_place(&mut timeline.outcome);
                for p in &mut timeline.polls {
                    self.redact_in_place(&mut p.answer);
                }
            }
            if let Some(error) = &mut step.error {
                self.redact_in_place(error);
            }
            for ex in &mut step.exchanges {
                self.redact_exchange_text(ex);
            }
        }
    }
}

fn step_checks(redactor: &Redactor, checks: &mut [Check]) {
    for c in checks {
        for text in [&mut c.name, &mut c.detail] {
            redactor.redact_in_place(text);
        }
        for text in [&mut c.expected, &mut c.actual, &mut c.hint]
            .into_iter()
            .flatten()
        {
            redactor.redact_in_place(text);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::{ExchangeEnd, Hop, RecordedRequest, RecordedResponse};
    use base64::engine::general_purpose::URL_SAFE;

    #[test]
    fn a_scope_knows_the_run_secrets_and_keeps_its_own() {
        let run = Redactor::new(vec!["client-secret-1".into()], Vec::new());
        let scenario = run.scoped();
        scenario.learn("scenario-token-1234");
        let text = "client-secret-1 and scenario-token-1234";
        let in_scope = scenario.redact_text(text);
        assert!(
            !in_scope.contains("client-secret-1") && !in_scope.contains("scenario-token-1234"),
            "{in_scope}"
        );
        let in_run = run.redact_text(text);
        assert!(!in_run.contains("client-secret-1"), "{in_run}");
        assert!(
            in_run.contains("scenario-token-1234"),
            "the scenario's learning stays in its scope"
        );
        // A secret that starts as one of the run's does (the same pattern list, shared until
        // a scope adds to it), learned by one scope: neither the run nor another scope knows it.
        let other = run.scoped();
        scenario.learn("client-secret-2");
        assert!(
            !scenario
                .redact_text("client-secret-2")
                .contains("client-secret-2")
        );
        for (who, r) in [("the run", &run), ("another scope", &other)] {
            assert_eq!(r.redact_text("client-secret-2"), "client-secret-2", "{who}");
            assert!(!r.redact_text("client-secret-1").contains("client-secret-1"));
        }
    }

    fn hop(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Hop {
        Hop {
            request: RecordedRequest {
                method: method.into(),
                url: url.into(),
                headers: headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                body: body.map(str::to_owned),
            },
            response: None,
            started_at_ms: 0,
            duration_ms: 1.0,
        }
    }

    fn respond(mut h: Hop, status: u16, headers: &[(&str, &str)], body: &str) -> Hop {
        h.response = Some(RecordedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            body_size: body.len(),
        });
        h
    }

    fn exchange(hops: Vec<Hop>) -> Exchange {
        Exchange {
            seq: 1,
            label: "test".into(),
            hops,
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        }
    }

    #[test]
    fn redactor_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Redactor>();
    }

    #[test]
    fn fingerprint_is_six_hex_digits() {
        let f = fingerprint("abc");
        assert_eq!(f, "ba7816");
    }

    #[test]
    fn authorization_headers_keep_the_scheme() {
        let r = Redactor::default();
        let basic = STANDARD.encode("client:s3cret%2Bx");
        let mut ex = exchange(vec![hop(
            "POST",
            "https://idp/token",
            &[
                ("authorization", &format!("Basic {basic}")),
                ("proxy-authorization", "Bearer tok-ABCDEFGH"),
            ],
            None,
        )]);
        r.redact_exchange(&mut ex);
        let h = &ex.hops[0].request.headers;
        assert_eq!(h[0].1, "Basic ‹redacted›");
        assert_eq!(
            h[1].1,
            format!("Bearer ‹access_token#{}›", fingerprint("tok-ABCDEFGH"))
        );
        // The secret inside the Basic credentials is learned, decoded.
        assert_eq!(r.redact_text("said s3cret+x"), "said ‹redacted›");
    }

    #[test]
    fn cookies_keep_names() {
        let r = Redactor::default();
        let mut ex = exchange(vec![respond(
            hop("GET", "/", &[("cookie", "sid=abcdefgh1234; lang=en")], None),
            200,
            &[("set-cookie", "sid=zyxwvuts9876; Path=/; HttpOnly")],
            "",
        )]);
        r.redact_exchange(&mut ex);
        assert_eq!(
            ex.hops[0].request.headers[0].1,
            "sid=‹redacted›; lang=‹redacted›"
        );
        assert_eq!(
            ex.hops[0].response.as_ref().unwrap().headers[0].1,
            "sid=‹redacted›; Path=/; HttpOnly"
        );
        // Short values are not learned: "en" stays readable elsewhere.
        assert_eq!(
            r.redact_text("lang en, zyxwvuts9876"),
            "lang en, ‹redacted›"
        );
    }

    #[test]
    fn query_fragment_and_form_are_rebuilt() {
        let r = Redactor::default();
        let u = r.redact_url("https://rp/cb?state=s1&code=C0de-12345#access_token=AT-123456&x=1");
        let fp = fingerprint("C0de-12345");
        assert_eq!(
            u,
            format!(
                "https://rp/cb?state=s1&code=‹code#{fp}›#access_token=‹access_token#{}›&x=1",
                fingerprint("AT-123456")
            )
        );
        // Idempotent: redacting again changes nothing.
        assert_eq!(r.redact_url(&u), u);
        let mut ex = exchange(vec![hop(
            "POST",
            "/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some("grant_type=authorization_code&client_secret=a%2Bb%2Fc%3Dd%26e&code=C0de-12345"),
        )]);
        r.redact_exchange(&mut ex);
        assert_eq!(
            ex.hops[0].request.body.as_deref(),
            Some(
                format!("grant_type=authorization_code&client_secret=‹redacted›&code=‹code#{fp}›")
                    .as_str()
            )
        );
        assert_eq!(r.redact_text("x a+b/c=d&e y"), "x ‹redacted› y");
    }

    #[test]
    fn json_bodies_fingerprint_tokens_and_redact_personal_data() {
        let r = Redactor::new(vec![], vec!["phone".into()]);
        let body = r#"{"access_token":"AT-abcdef","token_type":"Bearer","user":{"nin":"01017012345","date_of_birth":"1970-01-01","phone":4712345678,"name":"Kari"},"problem":{"code":"invalid_request","message":"m"}}"#;
        let mut ex = exchange(vec![respond(
            hop("POST", "/token", &[], None),
            200,
            &[("content-type", "application/json")],
            body,
        )]);
        r.redact_exchange(&mut ex);
        let v: Value = serde_json::from_str(&ex.hops[0].response.as_ref().unwrap().body).unwrap();
        assert_eq!(
            v["access_token"],
            format!("‹access_token#{}›", fingerprint("AT-abcdef"))
        );
        assert_eq!(v["user"]["nin"], REDACTED);
        assert_eq!(v["user"]["date_of_birth"], REDACTED);
        assert_eq!(v["user"]["phone"], REDACTED);
        assert_eq!(v["user"]["name"], "Kari");
        assert_eq!(
            v["problem"]["code"], "invalid_request",
            "error codes stay readable"
        );
        assert_eq!(r.redact_text("nin 01017012345"), "nin ‹redacted›");
    }

    #[test]
    fn html_password_and_form_post_inputs() {
        let r = Redactor::default();
        let html = r#"<form><input type="password" name="pw" value="hunter2!x"><input type=hidden name=id_token value='eyJhbGc.eyJzdWIi.sig'><input name="state" value="abc"></form>"#;
        let mut ex = exchange(vec![respond(
            hop("GET", "/login", &[], None),
            200,
            &[("content-type", "text/html")],
            html,
        )]);
        r.redact_exchange(&mut ex);
        let out = &ex.hops[0].response.as_ref().unwrap().body;
        assert!(out.contains(r#"value="‹redacted›""#), "{out}");
        assert!(out.contains("‹id_token#"), "{out}");
        assert!(out.contains(r#"value="abc""#), "{out}");
        assert!(!out.contains("hunter2!x"));
    }

    #[test]
    fn literal_forms_are_replaced() {
        let secret = "p@ss w+rd/=&€xyz";
        let r = Redactor::new(vec![secret.into(), "abc".into()], vec![]);
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for text in [
            secret.to_owned(),
            form.clone(),
            form.replace('+', "%20"),
            lower_hex(&form),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
            URL_SAFE_NO_PAD.encode(format!("x{secret}yy")),
            STANDARD.encode(format!("id:{secret}")),
            serde_json::to_string(secret).unwrap(),
        ] {
            let out = r.redact_text(&format!("before {text} after"));
            assert!(!out.contains(&text), "{text} in {out}");
            assert!(out.contains("‹redacted›"), "{out}");
        }
        // Shorter than 4 characters: ignored.
        assert_eq!(r.redact_text("abc"), "abc");
    }

    /// A secret whose Base64 has `+` and `/` (`-` and `_` in the URL-safe alphabet) is found
    /// in both alphabets, padded or not, at each alignment inside a longer Base64 text.
    #[test]
    fn base64_forms_are_replaced_in_both_alphabets() {
        let secret = "k3y??>>>~~~??>>>~~~";
        let r = Redactor::new(vec![secret.into()], vec![]);
        for prefix in ["", "x", "xy"] {
            let standard = STANDARD.encode(format!("{prefix}{secret}"));
            let url_safe = URL_SAFE.encode(format!("{prefix}{secret}"));
            assert!(
                standard.contains('+') && standard.contains('/'),
                "{standard}"
            );
            for text in [
                standard.clone(),
                url_safe.clone(),
                STANDARD_NO_PAD.encode(format!("{prefix}{secret}")),
                URL_SAFE_NO_PAD.encode(format!("{prefix}{secret}")),
            ] {
                // The characters that depend on the prefix or on what follows may stay.
                let out = r.redact_text(&format!("before {text} after"));
                assert!(out.contains("‹redacted›"), "{text}: {out}");
                assert!(!out.contains(&text[4..text.len() - 4]), "{text}: {out}");
            }
        }
    }

    #[test]
    fn learned_values_get_more_specific_labels() {
        let r = Redactor::default();
        r.learn("tok-1234567");
        let fp = fingerprint("tok-1234567");
        assert_eq!(r.redact_text("x tok-1234567"), format!("x ‹secret#{fp}›"));
        let mut ex = exchange(vec![hop(
            "GET",
            "/userinfo",
            &[("authorization", "Bearer tok-1234567")],
            None,
        )]);
        r.redact_exchange(&mut ex);
        assert_eq!(
            r.redact_text("x tok-1234567"),
            format!("x ‹access_token#{fp}›")
        );
        assert_eq!(r.known(), 1);
    }

    #[test]
    fn free_text_parameters_and_headers_are_masked() {
        let r = Redactor::default();
        let out = r.redact_text(
            "GET /cb?code=Zq9-code-77&state=1 failed; body {\"refresh_token\": \"RT-99999\"}; Authorization: Bearer AT-fromlog",
        );
        assert!(!out.contains("Zq9-code-77"), "{out}");
        assert!(!out.contains("RT-99999"), "{out}");
        assert!(!out.contains("AT-fromlog"), "{out}");
        assert!(out.contains("state=1"));
        // Learned: the same code elsewhere is masked with the same fingerprint.
        assert_eq!(
            r.redact_text("Zq9-code-77"),
            format!("‹code#{}›", fingerprint("Zq9-code-77"))
        );
    }

    #[test]
    fn free_text_names_are_found_in_any_case_and_only_where_they_name_a_value() {
        let r = Redactor::new(Vec::new(), vec!["Fødselsnummer".into()]);
        let out = r.redact_text(
            "POST /t?CLIENT_SECRET=cs-upper-1 said {\"Password\" : \"pw-mixed-2\"} \
             proxy-AUTHORIZATION: Basic YWxhZGRpbjpvcGVu {\"fødselsnummer\": \"01019912345\"}",
        );
        for secret in [
            "cs-upper-1",
            "pw-mixed-2",
            "YWxhZGRpbjpvcGVu",
            "01019912345",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        // A name that is not followed by `=` or quoted as a key names nothing.
        let plain = "the code of the password page was access_token-free";
        assert_eq!(r.redact_text(plain), plain);
    }

    #[test]
    fn a_token_cut_before_redaction_is_still_masked() {
        let r = Redactor::default();
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let mut body = serde_json::json!({ "id_token": token });
        r.redact_json(&mut body);
        // A message that cut the token at 30 characters, before any redaction.
        let message = format!(
            "actual: {{\"id_token\":\"{}… (truncated, 99 characters in all)",
            &token[..30]
        );
        let out = r.redact_text(&message);
        assert!(!out.contains(&token[..12]), "{out}");
        assert!(out.contains("‹id_token#"), "{out}");
        // Debug-quoted (`shorten`): the cut is followed by a quote.
        let quoted = r.redact_text(&format!("{:?}… (80 bytes in all)", &token[..25]));
        assert!(!quoted.contains(&token[..12]), "{quoted}");
        // Text that is no prefix of a secret before a cut stays as it is.
        assert_eq!(
            r.redact_text("plain words… (truncated)"),
            "plain words… (truncated)"
        );
    }

    #[test]
    fn authorization_codes_of_letters_only_are_codes_where_codes_are_sent() {
        let r = Redactor::default();
        let u = r.redact_url("https://rp/cb?code=abcdefghijKLMNOP&state=s1");
        assert!(!u.contains("abcdefghijKLMNOP"), "{u}");
        assert!(
            !r.redact_text("token request with abcdefghijKLMNOP")
                .contains("abcdefghijKLMNOP")
        );
        // A JSON error code is no secret.
        let mut v = serde_json::json!({"code": "NOT_FOUND", "detail": "x"});
        assert!(!r.redact_json(&mut v));
        assert_eq!(v["code"], "NOT_FOUND");
    }

    #[test]
    fn personal_claims_inside_a_token_are_learned_with_it() {
        let r = Redactor::default();
        let payload = URL_SAFE_NO_PAD
            .encode(r#"{"sub":"u1","nin":"85073003328","dateOfBirth":"1985-07-30"}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl");
        r.redact_url(&format!("https://rp/cb#id_token={token}"));
        let out = r.redact_text(
            "claim nin of the ID token: expected \"1\", actual \"85073003328\" (1985-07-30)",
        );
        assert!(!out.contains("85073003328"), "{out}");
        assert!(!out.contains("1985-07-30"), "{out}");
    }

    #[test]
    fn the_secret_fields_of_the_protocols_are_known() {
        let r = Redactor::default();
        let mut v = serde_json::json!({"auth_req_id": "f81d4fae-7dec-11d0", "expires_in": 120});
        assert!(r.redact_json(&mut v));
        assert!(
            r.redact_text("polling f81d4fae-7dec-11d0")
                .contains("‹auth_req_id#")
        );
    }

    #[test]
    fn debug_does_not_print_secrets() {
        let r = Redactor::new(vec!["topsecret".into()], vec![]);
        assert!(!format!("{r:?}").contains("topsecret"));
    }
}
