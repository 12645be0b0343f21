//! What every credential a provider hands out must look like, whatever the flow: the
//! characters RFC 6749 Appendix A allows (codes, access and refresh tokens are `1*VSCHAR`), and
//! enough entropy that guessing one is hopeless (RFC 6749 §10.10: the probability MUST be at
//! most 2^-128 and SHOULD be at most 2^-160); and the characters of OAuth error responses
//! (RFC 6749 §5.2, §4.1.2.1).

use crate::checks::Checklist;
use crate::record::Level;

/// Entropy a credential must have (RFC 6749 §10.10, MUST), in bits.
pub const MUST_BITS: f64 = 128.0;
/// Entropy a credential should have (RFC 6749 §10.10, SHOULD), in bits.
pub const SHOULD_BITS: f64 = 160.0;

/// The entropy clause.
const ENTROPY_CLAUSE: &str =
    "RFC 6749 §10.10 (guessing probability MUST be at most 2^-128, SHOULD be at most 2^-160)";

/// The characters outside VSCHAR (%x20-7E) in `value`.
pub fn non_vschar(value: &str) -> Vec<char> {
    value.chars().filter(|c| !(' '..='~').contains(c)).collect()
}

/// An upper bound of a credential's entropy, read from the credential alone.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropyEstimate {
    /// At most this many bits.
    pub(crate) bits: f64,
    /// How the bound was reached, for the check's detail.
    pub(crate) method: String,
}

/// The smallest usual alphabet holding every character of `value`, with its size.
fn alphabet(value: &str) -> (&'static str, u32) {
    let all = |f: fn(char) -> bool| value.chars().all(f);
    if all(|c| c.is_ascii_digit()) {
        ("digits", 10)
    } else if all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        || all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    {
        ("hexadecimal", 16)
    } else if all(|c| c.is_ascii_lowercase()) || all(|c| c.is_ascii_uppercase()) {
        ("letters of one case", 26)
    } else if all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        || all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        ("letters of one case and digits", 36)
    } else if all(|c| c.is_ascii_alphanumeric()) {
        ("letters and digits", 62)
    } else if all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        ("base64url", 64)
    } else if all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) {
        ("base64", 65)
    } else {
        ("printable ASCII (VSCHAR)", 95)
    }
}

/// Whether `value` is a UUID (8-4-4-4-12 hexadecimal): a version 4 UUID holds 122 random
/// bits, whatever its 32 hexadecimal digits suggest.
fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The most entropy `value` can carry: its length times log2 of the size of the smallest
/// usual alphabet holding all its characters (digits, hexadecimal, one-case letters,
/// letters and digits, base64url, base64, VSCHAR); a UUID counts 122 bits. It is an upper
/// bound: a value under 128 bits is certainly guessable; a value above may still be
/// predictable (a counter, a timestamp, a structured token), which the form cannot tell.
pub fn entropy_estimate(value: &str) -> EntropyEstimate {
    if is_uuid(value) {
        return EntropyEstimate {
            bits: 122.0,
            method: "a UUID: at most 122 random bits (version 4)".into(),
        };
    }
    let length = value.chars().count();
    let (name, size) = alphabet(value);
    let bits = length as f64 * f64::from(size).log2();
    EntropyEstimate {
        bits,
        method: format!(
            "at most {bits:.0} bits: {length} characters × log2({size}) ({name}, the smallest \
             usual alphabet holding every character); an upper bound read from the value alone"
        ),
    }
}

/// Adds the character check (`<what> characters`, MUST, `1*VSCHAR` of `appendix`) and the
/// entropy check (`<what> entropy`: MUST under 128 bits, SHOULD under 160) of a credential.
pub fn credential_checks(list: &mut Checklist, what: &str, value: &str, appendix: &str) {
    let bad = non_vschar(value);
    list.must(
        &format!("{what} characters"),
        &format!("RFC 6749 {appendix} ({what} = 1*VSCHAR, %x20-7E)"),
        !value.is_empty() && bad.is_empty(),
        if value.is_empty() {
            "empty".to_string()
        } else {
            format!(
                "{} character(s) outside VSCHAR (%x20-7E): {}",
                bad.len(),
                bad.iter()
                    .take(5)
                    .map(|c| format!("{:?}", c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    );
    list.passed_with(format!("{} characters, all VSCHAR", value.chars().count()));
    let estimate = entropy_estimate(value);
    let name = format!("{what} entropy");
    let (holds, level) = if estimate.bits < MUST_BITS {
        (false, Level::Must)
    } else if estimate.bits < SHOULD_BITS {
        (false, Level::Should)
    } else {
        (true, Level::Must)
    };
    list.add(
        &name,
        level,
        ENTROPY_CLAUSE,
        holds,
        format!(
            "{}; needs {} bits ({})",
            estimate.method,
            if level == Level::Must {
                MUST_BITS
            } else {
                SHOULD_BITS
            },
            if level == Level::Must {
                "MUST"
            } else {
                "SHOULD"
            }
        ),
    );
    list.passed_with(estimate.method);
}

/// The characters RFC 6749 allows in `error` and `error_description` (%x20-21 / %x23-5B /
/// %x5D-7E: printable ASCII without `"` and `\`).
pub fn error_text_allowed(c: char) -> bool {
    (' '..='~').contains(&c) && c != '"' && c != '\\'
}

/// Adds the checks of an OAuth error's fields, wherever it came from (`clause`: RFC 6749 §5.2
/// for the token endpoint, §4.1.2.1 for the authorization endpoint): `error characters`,
/// `error_description` (allowed characters, no CR or LF) and `error_uri` (an absolute URI of
/// %x21 / %x23-5B / %x5D-7E).
pub fn error_field_checks(
    list: &mut Checklist,
    clause: &str,
    error: Option<&str>,
    description: Option<&str>,
    uri: Option<&str>,
) {
    if let Some(e) = error {
        list.must(
            "error characters",
            clause,
            !e.is_empty() && e.chars().all(error_text_allowed),
            format!("{e:?} has characters outside %x20-21 / %x23-5B / %x5D-7E"),
        );
    }
    if let Some(d) = description {
        let bad: Vec<char> = d.chars().filter(|c| !error_text_allowed(*c)).collect();
        let crlf = d.contains(['\r', '\n']);
        list.must(
            "error_description",
            clause,
            bad.is_empty(),
            format!(
                "{}{:?} outside %x20-21 / %x23-5B / %x5D-7E",
                if crlf { "contains CR or LF: " } else { "" },
                bad.iter().take(5).collect::<String>()
            ),
        );
    }
    if let Some(u) = uri {
        let bad: Vec<char> = u
            .chars()
            .filter(|c| !(*c == '!' || ('#'..='[').contains(c) || (']'..='~').contains(c)))
            .collect();
        let absolute = url::Url::parse(u).is_ok_and(|url| !url.cannot_be_a_base());
        let failure = if !bad.is_empty() {
            format!(
                "{u:?} holds {:?}, outside %x21 / %x23-5B / %x5D-7E",
                bad.iter().take(5).collect::<String>()
            )
        } else {
            format!("{u:?} is not an absolute URI of a web page")
        };
        list.must(
            "error_uri",
            &format!("{clause} (error_uri: a URI of a web page, %x21 / %x23-5B / %x5D-7E)"),
            bad.is_empty() && absolute,
            failure,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_is_bounded_by_length_and_alphabet() {
        // 43 base64url characters: 32 random bytes, 258 bits at most.
        let good = entropy_estimate("Vd3k2m1xQz7Yp0aLr9TgHs4WcEoUi8BnKfJq6MvNb_-");
        assert!(good.bits > 250.0, "{good:?}");
        assert!(good.method.contains("base64url"));
        let digits = entropy_estimate("123456789012");
        assert!((digits.bits - 12.0 * 10f64.log2()).abs() < 1e-9);
        assert!(digits.method.contains("digits"));
        assert_eq!(
            entropy_estimate("123e4567-e89b-42d3-a456-426614174000").bits,
            122.0
        );
        assert_eq!(alphabet("deadbeef").1, 16);
        assert_eq!(alphabet("abc xyz").1, 95);
    }

    #[test]
    fn credential_checks_fail_must_under_128_and_warn_under_160() {
        let mut list = Checklist::new("t");
        credential_checks(&mut list, "code", "abcDEF123456", "Appendix A.11");
        assert!(list.failed("code entropy"));
        assert!(list.verdict().is_err(), "under 128 bits is a MUST failure");
        let mut list = Checklist::new("t");
        // 24 base64url characters: 144 bits, between the MUST and the SHOULD.
        credential_checks(
            &mut list,
            "access_token",
            "abcdefghijklmnopqrstuv-_",
            "Appendix A.12",
        );
        assert!(list.failed("access_token entropy"));
        assert!(list.verdict().is_ok() && list.verdict_at(true).is_err());
        let mut list = Checklist::new("t");
        credential_checks(&mut list, "refresh_token", "tok\u{e9}n\n", "Appendix A.17");
        let err = list.failure();
        assert!(err.contains("refresh_token characters"), "{err}");
    }

    #[test]
    fn error_fields_follow_rfc_6749() {
        let mut list = Checklist::new("t");
        error_field_checks(
            &mut list,
            "RFC 6749 §5.2",
            Some("invalid_grant"),
            Some("the code\r\nwas used"),
            Some("/errors/invalid grant"),
        );
        assert!(!list.failed("error characters"));
        assert!(list.failed("error_description") && list.failed("error_uri"));
        let mut list = Checklist::new("t");
        error_field_checks(
            &mut list,
            "RFC 6749 §5.2",
            Some("invalid_grant"),
            Some("The code was used."),
            Some("https://op.example/errors/invalid_grant"),
        );
        list.verdict().unwrap();
        let mut list = Checklist::new("t");
        error_field_checks(&mut list, "c", None, None, Some("errors/invalid_grant"));
        assert!(list.failed("error_uri"));
    }
}
