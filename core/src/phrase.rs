//! How features spell expectations: the words after a subject ("the JSON value at \"$.x\"",
//! "the ID token claim \"nonce\"", "the response header \"Cache-Control\"") turned into a
//! [`Matcher`]. One grammar serves JSONPath values, claims and headers.
//!
//! | words | matcher |
//! |---|---|
//! | `is "x"`, `equals 42`, `is true` | equal (JSON literal, or text) |
//! | `is not "x"` | not equal |
//! | `equals ignoring case "bearer"` | equal, case-insensitive |
//! | `contains "x"` | substring, array element or object key |
//! | `matches "^[a-z]+$"` | regular expression |
//! | `exists`, `is present` / `is absent` | presence |
//! | `is a string` (number, integer, boolean, array, object, null) | JSON type |
//! | `is greater than 1`, `is at least 1`, `is less than 9`, `is at most 9` | number comparison |
//! | `is within 3600 seconds from now`, `is at most 600 seconds ago` | Unix time relative to the run's clock |
//! | `has 3 elements` | array or string length |

use crate::expect::{CmpOp, JsonType, Matcher, parse_value};

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
];

/// Parses an expectation phrase; `now` (Unix seconds from the run's clock) anchors the time
/// phrases.
pub fn parse_matcher(words: &str, now: i64) -> Result<Matcher, String> {
    let w = words.trim();
    let number = |s: &str| -> Result<f64, String> {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number in the expectation {w:?}"))
    };
    let seconds = |s: &str| -> Result<i64, String> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("{s:?} is not a whole number of seconds in {w:?}"))
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
        let n = rest
            .trim()
            .parse()
            .map_err(|_| format!("{rest:?} is not a count in {w:?}"))?;
        return Ok(Matcher::HasLength(n));
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
    if let Some(rest) = w.strip_prefix("equals ignoring case ") {
        let value = parse_value(rest);
        let text = value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string());
        return Ok(Matcher::EqualsIgnoringCase(text));
    }
    if let Some(rest) = w.strip_prefix("matches ") {
        let pattern = parse_value(rest);
        let pattern = pattern.as_str().ok_or_else(|| {
            format!("write the regular expression in quotes: matches \"...\" (in {w:?})")
        })?;
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))?;
        return Ok(Matcher::Matches(re));
    }
    if let Some(rest) = w.strip_prefix("contains ") {
        return Ok(Matcher::Contains(parse_value(rest)));
    }
    if let Some(rest) = w.strip_prefix("is not ") {
        return Ok(Matcher::NotEquals(parse_value(rest)));
    }
    if let Some(rest) = w.strip_prefix("equals ").or_else(|| w.strip_prefix("is ")) {
        return Ok(Matcher::Equals(parse_value(rest)));
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
        assert!(
            parse_matcher("is roughly 3", 0).is_ok(),
            "falls back to equality with text"
        );
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
}
