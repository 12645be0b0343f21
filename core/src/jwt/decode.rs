//! Decoding a compact JWS without verifying it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::{JwtError, type_phrase};

/// A JWT split into its parts, nothing verified yet.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header (a JSON object).
    pub(crate) header: Value,
    /// The payload's claims (a JSON object).
    pub(crate) claims: Value,
    /// `base64url(header) "." base64url(payload)`, the bytes the signature covers.
    pub(crate) signing_input: String,
    /// The decoded signature (empty for an unsigned `alg: none` token).
    pub(crate) signature: Vec<u8>,
}

impl DecodedJwt {
    /// The header's `alg`, when it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`, when it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The signature as base64url (as it appeared in the token).
    pub fn signature_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.signature)
    }
}

/// Decodes a compact JWS (`header.payload.signature`) without verifying anything.
///
/// Strict: exactly three base64url segments without padding, and no whitespace anywhere (an
/// ID token with a trailing newline is refused, as a relying party must not accept it). Unsigned
/// tokens (`alg: none`, empty signature) decode fine; rejecting them is the verifier's job.
/// Errors name the segment and what is wrong.
pub fn decode(token: &str) -> Result<DecodedJwt, JwtError> {
    if token.trim().is_empty() {
        return Err(JwtError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::NotThreeParts { parts: parts.len() });
    }
    let header = json_segment(parts[0], 1, "header")?;
    let claims = json_segment(parts[1], 2, "payload")?;
    let signature = b64_segment(parts[2], 3, "signature")?;
    Ok(DecodedJwt {
        header,
        claims,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature,
    })
}

fn b64_segment(text: &str, index: usize, segment: &'static str) -> Result<Vec<u8>, JwtError> {
    let err = |reason: String| JwtError::NotBase64Url {
        index,
        segment,
        reason,
    };
    if text.is_empty() && segment != "signature" {
        return Err(err("it is empty".into()));
    }
    // One pass for the usual case; the passes below only say what is wrong.
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if text.bytes().all(base64url) {
        return URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|e| err(format!("{e} (length {})", text.len())));
    }
    if let Some((pos, c)) = text.char_indices().find(|(_, c)| c.is_whitespace()) {
        let end = pos + c.len_utf8() == text.len();
        return Err(err(format!(
            "it contains whitespace ({c:?}) at offset {pos}{}; a compact JWT has none",
            if end {
                ", at its end (a trailing newline or space)"
            } else if pos == 0 {
                ", at its start"
            } else {
                ""
            }
        )));
    }
    if text.contains('=') {
        return Err(err(
            "it carries '=' padding, which JWS compact serialisation forbids".into(),
        ));
    }
    if let Some(c) = text.chars().find(|c| *c == '+' || *c == '/') {
        return Err(err(format!(
            "it contains '{c}', a character of standard base64; base64url uses '-' and '_'"
        )));
    }
    if let Some((pos, c)) = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(err(format!("invalid character {c:?} at offset {pos}")));
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| err(format!("{e} (length {})", text.len())))
}

fn json_segment(text: &str, index: usize, segment: &'static str) -> Result<Value, JwtError> {
    let bytes = b64_segment(text, index, segment)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| JwtError::NotJson {
        index,
        segment,
        reason: if std::str::from_utf8(&bytes).is_err() {
            format!("the decoded bytes are not UTF-8 text ({e})")
        } else {
            e.to_string()
        },
    })?;
    if !value.is_object() {
        return Err(JwtError::NotObject {
            index,
            segment,
            found: type_phrase(&value).to_string(),
        });
    }
    Ok(value)
}

/// Looks up one claim by name; a name with dots walks into nested objects
/// (`address.formatted`), and a numeric part indexes an array (`amr.0`).
///
/// A key that itself contains dots (such as a URL-named claim `https://example.com/roles`) is
/// found too: at each level the whole remaining name is tried first, then every dot-split.
pub fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    fn child<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
        match v {
            Value::Object(map) => map.get(key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }
    if let Some(v) = child(claims, name) {
        return Some(v);
    }
    name.match_indices('.')
        .find_map(|(i, _)| child(claims, &name[..i]).and_then(|inner| claim(inner, &name[i + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn decodes_an_unsigned_token() {
        let t = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(r#"{"sub":"a"}"#));
        let d = decode(&t).unwrap();
        assert_eq!(d.alg(), Some("none"));
        assert_eq!(d.claims, json!({"sub": "a"}));
        assert!(d.signature.is_empty());
        assert_eq!(d.signing_input, t.trim_end_matches('.'));
    }

    #[test]
    fn wrong_number_of_parts() {
        let e = decode("a.b").unwrap_err();
        assert!(e.to_string().contains("three dot-separated parts"), "{e}");
        assert!(e.to_string().contains("this one has 2"), "{e}");
        let e = decode("a.b.c.d.e").unwrap_err();
        assert!(e.to_string().contains("JWE"), "{e}");
        assert_eq!(decode("  ").unwrap_err(), JwtError::Empty);
    }

    #[test]
    fn segment_not_base64url() {
        let t = format!("{}.{}.x", b64(r#"{"alg":"none"}"#), "ab+c");
        let e = decode(&t).unwrap_err().to_string();
        assert!(e.contains("segment 2 (payload) is not base64url"), "{e}");
        assert!(e.contains("standard base64"), "{e}");
        let e = decode("e30=.e30.x").unwrap_err().to_string();
        assert!(
            e.contains("segment 1 (header)") && e.contains("padding"),
            "{e}"
        );
        let e = decode("e30.e30.a*b").unwrap_err().to_string();
        assert!(
            e.contains("segment 3 (signature)") && e.contains("'*'"),
            "{e}"
        );
        // A single trailing symbol can never be valid base64.
        let e = decode("e30.e30.a").unwrap_err().to_string();
        assert!(e.contains("segment 3 (signature)"), "{e}");
    }

    #[test]
    fn header_not_object_or_not_json() {
        let t = format!("{}.{}.", b64("[1]"), b64("{}"));
        let e = decode(&t).unwrap_err().to_string();
        assert_eq!(e, "segment 1 (header) is not a JSON object but an array");
        let t = format!("{}.{}.", b64("{}"), b64("not json"));
        let e = decode(&t).unwrap_err().to_string();
        assert!(e.starts_with("segment 2 (payload) is not JSON"), "{e}");
    }

    #[test]
    fn claim_lookup() {
        let c = json!({
            "sub": "x",
            "address": {"formatted": "Main St 1", "country": "NO"},
            "amr": ["pwd", "otp"],
            "https://example.com/roles": ["admin"],
            "ext": {"a.b": 1}
        });
        assert_eq!(claim(&c, "sub"), Some(&json!("x")));
        assert_eq!(claim(&c, "address.formatted"), Some(&json!("Main St 1")));
        assert_eq!(claim(&c, "amr.1"), Some(&json!("otp")));
        assert_eq!(
            claim(&c, "https://example.com/roles"),
            Some(&json!(["admin"]))
        );
        assert_eq!(claim(&c, "ext.a.b"), Some(&json!(1)));
        assert_eq!(claim(&c, "address.street"), None);
        assert_eq!(claim(&c, "sub.x"), None);
        assert_eq!(claim(&json!(null), "a.b"), None);
    }

    /// A token as a provider issues it: RS256-shaped header, claims, a 256-byte signature.
    fn valid_token() -> String {
        let header = b64(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
        let payload = b64(
            r#"{"iss":"https://op.example","sub":"alice","aud":"web","exp":1700000000,"iat":1699990000,"nonce":"n-0S6_WzA2Mj"}"#,
        );
        let signature = URL_SAFE_NO_PAD.encode((0..=255u8).collect::<Vec<_>>());
        format!("{header}.{payload}.{signature}")
    }

    #[test]
    fn a_trailing_newline_is_refused() {
        let t = valid_token();
        assert!(decode(&t).is_ok());
        for bad in [
            format!("{t}\n"),
            format!("{t}\r\n"),
            format!(" {t}"),
            format!("{t} "),
        ] {
            let e = decode(&bad).unwrap_err().to_string();
            assert!(e.contains("whitespace"), "{bad:?}: {e}");
        }
        let e = decode(&format!("{t}\n")).unwrap_err().to_string();
        assert!(
            e.contains("segment 3 (signature)") && e.contains("trailing newline"),
            "{e}"
        );
    }

    /// Every single-character insertion of whitespace, padding, `+` or `/` at many positions of
    /// a valid token, truncations of each segment, and wrong segment counts: each is refused,
    /// and the message names what is wrong.
    #[test]
    fn a_mutation_corpus_is_refused_with_the_reason() {
        let t = valid_token();
        let dots: Vec<usize> = t.match_indices('.').map(|(i, _)| i).collect();
        // Both ends, each side of each dot, and inside every segment.
        let mut positions = vec![0, 1, t.len() - 1, t.len()];
        for d in &dots {
            positions.extend([*d - 1, *d, *d + 1, *d + 2]);
        }
        let segments = [(0, dots[0]), (dots[0] + 1, dots[1]), (dots[1] + 1, t.len())];
        for (start, end) in segments {
            positions.extend((start..end).step_by(7));
        }
        positions.sort_unstable();
        positions.dedup();
        let mut cases = 0;
        for &pos in &positions {
            for (c, wanted) in [
                (' ', "whitespace"),
                ('\t', "whitespace"),
                ('\n', "whitespace"),
                ('\r', "whitespace"),
                ('\u{a0}', "whitespace"),
                ('=', "padding"),
                ('+', "standard base64"),
                ('/', "standard base64"),
            ] {
                let mut m = t.clone();
                m.insert(pos, c);
                let e = match decode(&m) {
                    Ok(_) => panic!("{c:?} inserted at {pos} was accepted: {m:?}"),
                    Err(e) => e.to_string(),
                };
                assert!(e.contains(wanted), "{c:?} at {pos}: {e}");
                assert!(
                    e.contains("segment "),
                    "{c:?} at {pos}: names no segment: {e}"
                );
                cases += 1;
            }
        }
        assert!(cases > 400, "{cases} cases");

        // Truncations of the header and of the payload (the dots kept): never valid base64url
        // of a JSON object.
        for (index, (start, end)) in segments.iter().take(2).enumerate() {
            for cut in 1..(end - start) {
                let m = format!("{}{}", &t[..end - cut], &t[*end..]);
                let e = decode(&m).map(|_| ()).unwrap_err().to_string();
                assert!(
                    e.contains(&format!("segment {}", index + 1)),
                    "segment {} cut by {cut}: {e}",
                    index + 1
                );
                assert!(
                    e.contains("base64url") || e.contains("JSON"),
                    "segment {} cut by {cut}: {e}",
                    index + 1
                );
            }
        }
        // Truncations of the whole token: fewer than three segments, or a signature that is not
        // base64url, or (a whole number of base64 groups) a shorter signature, which the
        // verifier refuses since it no longer matches.
        for n in 1..t.len() {
            match decode(&t[..n]) {
                Err(e) => {
                    let e = e.to_string();
                    assert!(
                        e.contains("three dot-separated parts")
                            || e.contains("segment 1 (header)")
                            || e.contains("segment 2 (payload)")
                            || e.contains("segment 3 (signature)"),
                        "cut at {n}: {e}"
                    );
                }
                Ok(d) => {
                    assert!(n > dots[1], "cut at {n} accepted");
                    assert!(d.signature.len() < 256, "cut at {n}");
                }
            }
        }
        // Extra, missing and empty segments.
        let (h, rest) = t.split_once('.').unwrap();
        let (p, s) = rest.split_once('.').unwrap();
        for (m, wanted) in [
            (format!("{t}."), "this one has 4"),
            (format!("{t}.{s}"), "this one has 4"),
            (format!(".{t}"), "this one has 4"),
            (format!("{h}.{p}.{s}.{h}.{p}"), "JWE"),
            (format!("{h}.{p}"), "this one has 2"),
            (h.to_string(), "this one has 1"),
            (
                format!("{h}..{s}"),
                "segment 2 (payload) is not base64url: it is empty",
            ),
            (
                format!(".{p}.{s}"),
                "segment 1 (header) is not base64url: it is empty",
            ),
            (format!("{h}.{p}.{s}\u{200b}"), "invalid character"),
        ] {
            let e = decode(&m).unwrap_err().to_string();
            assert!(e.contains(wanted), "{m:?}: {e}");
        }
    }
}
