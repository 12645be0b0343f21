//! The assertion library: one set of [`Matcher`]s for JSONPath results, token claims and HTTP
//! headers alike.
//!
//! A step turns Gherkin words into a `Matcher` (values through [`parse_value`], so `42`, `true`
//! and `null` are JSON while `Bearer` is a string), fetches the actual value (a claim, a
//! header, or the matches of a JSONPath via [`query`]) and calls [`check`] or [`check_all`].
//! A failure is a [`Mismatch`]: the subject in words, what was expected, what came (compact
//! JSON, truncated), and a hint when a likely cause is recognisable (a number sent as a
//! string, a case difference, milliseconds instead of seconds). Its `Display` is what the
//! console and the report show verbatim.
//!
//! Absent and `null` are different: `check(.., None, ..)` means the member is missing, while
//! `Some(&Value::Null)` is a member present with value `null`. Nothing here panics on any
//! input, and nothing reads the system clock (time matchers carry `now`).

mod matcher;
mod value;

pub use matcher::{CmpOp, JsonType, Matcher, Mismatch, check, check_all};
pub use value::{body_preview, render};

use serde_json::Value;

/// Errors building an expectation (as opposed to an expectation that was not met).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectError {
    /// The JSONPath does not parse.
    #[error("invalid JSONPath `{path}`: {message}\n  hint: {hint}")]
    InvalidJsonPath {
        /// The path as written.
        path: String,
        /// The parser's message.
        message: String,
        /// How to write it instead.
        hint: String,
    },
    /// The regular expression does not compile.
    #[error("invalid regular expression /{pattern}/: {message}")]
    InvalidRegex {
        /// The pattern as written.
        pattern: String,
        /// The regex compiler's message.
        message: String,
    },
    /// Not a JSON type name.
    #[error(
        "unknown JSON type {0:?}; expected one of string, number, integer, boolean, array, object, null"
    )]
    UnknownType(String),
    /// Not a comparison operator.
    #[error("unknown comparison {0:?}; expected one of >, >=, <, <=")]
    UnknownOperator(String),
}

/// Evaluates a JSONPath (RFC 9535 syntax, via `jsonpath-rust`) and returns the matched values
/// in document order. No match is an empty vector, not an error.
pub fn query(json: &Value, path: &str) -> Result<Vec<Value>, ExpectError> {
    use jsonpath_rust::JsonPath as _;
    let trimmed = path.trim();
    let invalid = |message: String| {
        let hint = if trimmed.starts_with('$') {
            "a JSONPath starts with `$`, e.g. `$.token_type`, `$.keys[0].kid`, \
             `$.keys[?@.use == 'sig'].kid`; quote member names with special characters: \
             `$['x-custom']`"
                .to_string()
        } else {
            let suggestion = if trimmed.starts_with('[') || trimmed.starts_with('.') {
                format!("${trimmed}")
            } else {
                format!("$.{trimmed}")
            };
            format!("a JSONPath must start with `$`; did you mean `{suggestion}`?")
        };
        ExpectError::InvalidJsonPath {
            path: path.to_string(),
            message,
            hint,
        }
    };
    if !trimmed.starts_with('$') {
        return Err(invalid("it does not start with `$`".into()));
    }
    let result = std::panic::catch_unwind(|| {
        json.query(trimmed)
            .map(|found| found.into_iter().cloned().collect::<Vec<Value>>())
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(Ok(values)) => Ok(values),
        Ok(Err(message)) => Err(invalid(message)),
        Err(_) => Err(invalid("the JSONPath parser failed on this path".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_finds_values() {
        let doc = json!({"token_type": "Bearer", "keys": [{"kid": "a"}, {"kid": "b"}]});
        assert_eq!(query(&doc, "$.token_type").unwrap(), vec![json!("Bearer")]);
        assert_eq!(
            query(&doc, "$.keys[*].kid").unwrap(),
            vec![json!("a"), json!("b")]
        );
        assert!(query(&doc, "$.missing").unwrap().is_empty());
        // The forms the hint recommends work.
        let jwks = json!({"keys": [{"kid": "a", "use": "enc"}, {"kid": "b", "use": "sig"}], "x-custom": 1});
        assert_eq!(
            query(&jwks, "$.keys[?@.use == 'sig'].kid").unwrap(),
            vec![json!("b")]
        );
        assert_eq!(query(&jwks, "$['x-custom']").unwrap(), vec![json!(1)]);
        assert_eq!(query(&jwks, " $.keys[0].kid ").unwrap(), vec![json!("a")]);
    }

    #[test]
    fn invalid_jsonpath_names_path_and_hint() {
        let doc = json!({});
        let e = query(&doc, "token_type").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("`token_type`"), "{text}");
        assert!(text.contains("must start with `$`"), "{text}");
        assert!(text.contains("`$.token_type`"), "{text}");

        let e = query(&doc, "$.keys[").unwrap_err();
        match &e {
            ExpectError::InvalidJsonPath {
                path,
                message,
                hint,
            } => {
                assert_eq!(path, "$.keys[");
                assert!(!message.is_empty());
                assert!(hint.contains("starts with `$`"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn odd_paths_do_not_panic() {
        let doc = json!({"a": [1, 2, {"b": null}]});
        for p in [
            "$",
            "$..",
            "$[",
            "$.a[-1]",
            "$.a[?@.b == null]",
            "$.a[1:0:-1]",
            "$[?(",
            "$.a[999999999999999999999]",
            "$..*",
            "$['\\u00']",
            "$.a[?length(@) > 1]",
        ] {
            let _ = query(&doc, p);
        }
    }
}
