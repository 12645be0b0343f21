//! How features spell expectations: the words after a subject ("the JSON value at \"$.x\"",
//! "the ID token claim \"nonce\"", "the response header \"Cache-Control\"") turned into a
//! [`Matcher`]. One grammar serves JSONPath values, claims and headers.
//!
//! | words | matcher |
//! |---|---|
//! | `is "x"`, `equals 42`, `is true`, `is null` | equal (a JSON value) |
//! | `is not "x"` | not equal |
//! | `equals ignoring case "bearer"` | equal, case-insensitive |
//! | `contains "x"` | substring, array element or object key |
//! | `matches "^[a-z]+$"` | regular expression |
//! | `exists`, `is present` / `is absent` | presence |
//! | `is a string` (number, integer, boolean, array, object, null) | JSON type |
//! | `is greater than 1`, `is at least 1`, `is less than 9`, `is at most 9` | number comparison |
//! | `is within 3600 seconds from now`, `is at most 600 seconds ago` | Unix time relative to the run's clock |
//! | `has 3 elements` | array or string length |
//! | `is empty`, `is not empty` | `""`, `[]` or `{}` / a string, array or object with content |
//!
//! A value is a quoted string (`"x"`), a number, `true`, `false` or `null` (or a JSON array or
//! object): an unquoted word (`is foo`, `is equal to "x"`) is an error listing the forms, never
//! the literal text it spells. `null`, numbers and booleans are neither empty nor not empty: both
//! `is empty` and `is not empty` fail on them (write `is null`). Numbers out of range name the
//! range.

use crate::expect::{CmpOp, JsonType, Matcher};

/// Every phrase form, for error messages and the README.
pub const PHRASES: &[&str] = &[
    "is <value>",
    "equals <value>",
    "is not <value>",
    "equals ignoring case <value>",
    "contains <value>",
    "matches \"<regex>\"",
    "exists",
    "is present",
    "is absent",
    "is a <string|number|integer|boolean|array|object|null>",
    "is greater than <n>",
    "is at least <n>",
    "is less than <n>",
    "is at most <n>",
    "is within <n> seconds from now",
    "is at most <n> seconds ago",
    "has <n> elements",
    "is empty",
    "is not empty",
];

/// What a value may be, for error messages.
const VALUES: &str =
    "a quoted string (\"x\"), a number (42), true, false or null (or a JSON array or object)";

/// A value of an expectation: JSON (a quoted string, a number, a boolean, null, an array or an
/// object), never a bare word.
fn value(text: &str, phrase: &str) -> Result<serde_json::Value, String> {
    let t = text.trim();
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::Number(n)) if n.as_f64().is_none_or(|f| !f.is_finite()) => Err(
            format!("{t} is out of range in {phrase:?}: numbers go up to about ±1.8e308"),
        ),
        Ok(v) => Ok(v),
        Err(e) if e.to_string().contains("number out of range") => Err(format!(
            "{t} is out of range in {phrase:?}: numbers go up to about ±1.8e308"
        )),
        Err(_) => Err(format!(
            "{t:?} is not a value in the expectation {phrase:?}: write {VALUES}; the expectation forms are: {}",
            PHRASES.join(", ")
        )),
    }
}

/// An HTTP status from a step's text: a number from 100 to 599.
pub fn parse_status(text: &str) -> Result<u16, String> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{t:?} is not an HTTP status: write a number from 100 to 599"
        ));
    }
    match t.parse::<u16>() {
        Ok(n) if (100..=599).contains(&n) => Ok(n),
        _ => Err(format!(
            "{t} is outside the range of HTTP statuses, 100 to 599"
        )),
    }
}

/// Parses an expectation phrase; `now` (Unix seconds from the run's clock) anchors the time
/// phrases.
pub fn parse_matcher(words: &str, now: i64) -> Result<Matcher, String> {
    let w = words.trim();
    let number = |s: &str| -> Result<f64, String> {
        match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            Ok(_) => Err(format!(
                "{} is out of range in {w:?}: numbers go up to about ±1.8e308",
                s.trim()
            )),
            Err(_) => Err(format!("{s:?} is not a number in the expectation {w:?}")),
        }
    };
    let whole = |s: &str, what: &str, max: u128| -> Result<u128, String> {
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{s:?} is not a whole number of {what} in {w:?}: write a number from 0 to {max}"
            ));
        }
        match t.parse::<u128>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(format!(
                "{t} is out of range in {w:?}: {what} go from 0 to {max}"
            )),
        }
    };
    let seconds = |s: &str| -> Result<i64, String> {
        whole(s, "seconds", i64::MAX as u128).map(|n| n as i64)
    };
    if w == "exists" || w == "is present" {
        return Ok(Matcher::Exists);
    }
    if w == "is absent" || w == "is not present" || w == "does not exist" {
        return Ok(Matcher::Absent);
    }
    if let Some(rest) = w
        .strip_prefix("is within ")
        .and_then(|r| r.strip_suffix(" seconds from now"))
    {
        return Ok(Matcher::WithinSecondsFromNow {
            seconds: seconds(rest)?,
            now,
        });
    }
    if let Some(rest) = w
        .strip_prefix("is at most ")
        .and_then(|r| r.strip_suffix(" seconds ago"))
    {
        return Ok(Matcher::WithinSecondsAgo {
            seconds: seconds(rest)?,
            now,
        });
    }
    for (prefix, op) in [
        ("is greater than ", CmpOp::Gt),
        ("is at least ", CmpOp::Ge),
        ("is less than ", CmpOp::Lt),
        ("is at most ", CmpOp::Le),
    ] {
        if let Some(rest) = w.strip_prefix(prefix) {
            return Ok(Matcher::Compare(op, number(rest)?));
        }
    }
    if let Some(rest) = w.strip_prefix("has ").and_then(|r| {
        r.strip_suffix(" elements")
            .or_else(|| r.strip_suffix(" element"))
    }) {
        let n = whole(rest, "elements", u32::MAX as u128)?;
        return Ok(Matcher::HasLength(n as usize));
    }
    if let Some(rest) = w.strip_prefix("is an ").or_else(|| w.strip_prefix("is a ")) {
        let ty = match rest.trim() {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            other => {
                return Err(format!(
                    "unknown JSON type {other:?}: use string, number, integer, boolean, array, object or null"
                ));
            }
        };
        return Ok(Matcher::HasType(ty));
    }
    if w == "is empty" {
        return Ok(Matcher::Empty);
    }
    if w == "is not empty" {
        return Ok(Matcher::NotEmpty);
    }
    if let Some(rest) = w.strip_prefix("equals ignoring case ") {
        let value = value(rest, w)?;
        let text = value.as_str().map(str::to_string).ok_or_else(|| {
            format!("write the text in quotes: equals ignoring case \"...\" (in {w:?})")
        })?;
        return Ok(Matcher::EqualsIgnoringCase(text));
    }
    if let Some(rest) = w.strip_prefix("matches ") {
        let pattern = value(rest, w).ok();
        let pattern = pattern.as_ref().and_then(|p| p.as_str()).ok_or_else(|| {
            format!("write the regular expression in quotes: matches \"...\" (in {w:?})")
        })?;
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))?;
        return Ok(Matcher::Matches(re));
    }
    if let Some(rest) = w.strip_prefix("contains ") {
        return Ok(Matcher::Contains(value(rest, w)?));
    }
    if let Some(rest) = w.strip_prefix("is not ") {
        return Ok(Matcher::NotEquals(value(rest, w)?));
    }
    if let Some(rest) = w.strip_prefix("equals ").or_else(|| w.strip_prefix("is ")) {
        return Ok(Matcher::Equals(value(rest, w)?));
    }
    Err(format!(
        "cannot read the expectation {w:?}; write one of: {}",
        PHRASES.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_form() {
        assert!(
            matches!(parse_matcher("is \"Bearer\"", 0).unwrap(), Matcher::Equals(v) if v == json!("Bearer"))
        );
        assert!(
            matches!(parse_matcher("equals 3600", 0).unwrap(), Matcher::Equals(v) if v == json!(3600))
        );
        assert!(matches!(
            parse_matcher("is not \"x\"", 0).unwrap(),
            Matcher::NotEquals(_)
        ));
        assert!(
            matches!(parse_matcher("equals ignoring case \"bearer\"", 0).unwrap(), Matcher::EqualsIgnoringCase(s) if s == "bearer")
        );
        assert!(matches!(
            parse_matcher("contains \"openid\"", 0).unwrap(),
            Matcher::Contains(_)
        ));
        assert!(matches!(
            parse_matcher("matches \"^a+$\"", 0).unwrap(),
            Matcher::Matches(_)
        ));
        assert!(matches!(
            parse_matcher("exists", 0).unwrap(),
            Matcher::Exists
        ));
        assert!(matches!(
            parse_matcher("is absent", 0).unwrap(),
            Matcher::Absent
        ));
        assert!(matches!(
            parse_matcher("is an array", 0).unwrap(),
            Matcher::HasType(JsonType::Array)
        ));
        assert!(
            matches!(parse_matcher("is at least 1", 0).unwrap(), Matcher::Compare(CmpOp::Ge, n) if n == 1.0)
        );
        assert!(matches!(
            parse_matcher("is within 3600 seconds from now", 7).unwrap(),
            Matcher::WithinSecondsFromNow {
                seconds: 3600,
                now: 7
            }
        ));
        assert!(matches!(
            parse_matcher("is at most 600 seconds ago", 7).unwrap(),
            Matcher::WithinSecondsAgo {
                seconds: 600,
                now: 7
            }
        ));
        assert!(matches!(
            parse_matcher("has 2 elements", 0).unwrap(),
            Matcher::HasLength(2)
        ));
    }

    #[test]
    fn bad_phrases_are_explained() {
        let err = parse_matcher("is roughly 3", 0).unwrap_err();
        assert!(err.contains("\"roughly 3\" is not a value"), "{err}");
        assert!(
            parse_matcher("frobnicates", 0)
                .unwrap_err()
                .contains("write one of")
        );
        assert!(
            parse_matcher("matches \"(\"", 0)
                .unwrap_err()
                .contains("invalid regular expression")
        );
        assert!(
            parse_matcher("is a colour", 0)
                .unwrap_err()
                .contains("unknown JSON type")
        );
        assert!(
            parse_matcher("is greater than ten", 0)
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn an_unquoted_word_is_an_error_listing_the_forms_not_a_literal() {
        for phrase in [
            "is foo",
            "is equal to \"x\"",
            "is not emptyish",
            "equals Bearer",
            "contains openid",
            "is not foo",
        ] {
            let err = parse_matcher(phrase, 0).unwrap_err();
            assert!(err.contains("is not a value"), "{phrase}: {err}");
            assert!(err.contains("a quoted string"), "{phrase}: {err}");
            assert!(err.contains("is empty"), "{phrase}: lists the forms: {err}");
        }
        for (phrase, value) in [
            ("is \"x\"", json!("x")),
            ("is 4.5", json!(4.5)),
            ("is -3", json!(-3)),
            ("is false", json!(false)),
            ("is null", json!(null)),
            ("equals [1, 2]", json!([1, 2])),
        ] {
            assert!(
                matches!(parse_matcher(phrase, 0).unwrap(), Matcher::Equals(v) if v == value),
                "{phrase}"
            );
        }
        let err = parse_matcher("equals ignoring case bearer", 0).unwrap_err();
        assert!(err.contains("not a value"), "{err}");
    }

    #[test]
    fn empty_and_not_empty_are_phrases() {
        use crate::expect::check;
        let empty = parse_matcher("is empty", 0).unwrap();
        let not_empty = parse_matcher("is not empty", 0).unwrap();
        for v in [json!(""), json!([]), json!({})] {
            assert!(check("v", Some(&v), &empty).is_ok(), "{v}");
            assert!(check("v", Some(&v), &not_empty).is_err(), "{v}");
        }
        for v in [json!("x"), json!([null]), json!({"a": 1})] {
            assert!(check("v", Some(&v), &empty).is_err(), "{v}");
            assert!(check("v", Some(&v), &not_empty).is_ok(), "{v}");
        }
        // null, numbers, booleans and absent values are neither.
        for v in [Some(json!(null)), Some(json!(0)), Some(json!(false)), None] {
            assert!(check("v", v.as_ref(), &empty).is_err(), "{v:?}");
            let err = check("v", v.as_ref(), &not_empty).unwrap_err();
            if v.is_some() {
                assert!(
                    err.hint
                        .as_deref()
                        .unwrap_or_default()
                        .contains("neither empty nor not empty"),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn numbers_out_of_range_name_the_range() {
        let err = parse_matcher("has 99999999999999999999 elements", 0).unwrap_err();
        assert!(
            err.contains("out of range") && err.contains("from 0 to 4294967295"),
            "{err}"
        );
        let err = parse_matcher("is within 99999999999999999999 seconds from now", 0).unwrap_err();
        assert!(err.contains("from 0 to 9223372036854775807"), "{err}");
        let err = parse_matcher("is greater than 1e999", 0).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        let err = parse_matcher("is 1e999", 0).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        assert!(!err.contains("ParseIntError"));
        let err = parse_matcher("has -1 elements", 0).unwrap_err();
        assert!(err.contains("not a whole number"), "{err}");
        let big = parse_matcher("is 99999999999999999999", 0).unwrap();
        assert!(
            matches!(big, Matcher::Equals(_)),
            "a large number is still a number"
        );
    }

    #[test]
    fn statuses_are_numbers_from_100_to_599() {
        assert_eq!(parse_status("200"), Ok(200));
        assert_eq!(parse_status(" 599 "), Ok(599));
        for bad in ["99999999999999999999", "99", "600", "-1", "0"] {
            let err = parse_status(bad).unwrap_err();
            assert!(err.contains("100 to 599"), "{bad}: {err}");
            assert!(!err.contains("ParseIntError"), "{bad}: {err}");
        }
        assert!(
            parse_status("ok")
                .unwrap_err()
                .contains("not an HTTP status")
        );
    }
}
