//! JSON values: reading them from Gherkin text, comparing them, showing them in messages.

use serde_json::Value;

/// How many characters of an actual value a message shows.
pub const RENDER_LIMIT: usize = 300;

/// JSON equality where numbers compare by value: `42` equals `42.0`. Arrays and objects
/// compare element by element.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(i), Some(j), _, _) => i == j,
                (_, _, Some(i), Some(j)) => i == j,
                _ => match (x.as_f64(), y.as_f64()) {
                    (Some(f), Some(g)) => f == g,
                    _ => false,
                },
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Compact JSON for messages, cut at [`RENDER_LIMIT`] characters with the full size noted.
pub fn render(v: &Value) -> String {
    let text = v.to_string();
    let total = text.chars().count();
    if total <= RENDER_LIMIT {
        return text;
    }
    let cut: String = text.chars().take(RENDER_LIMIT).collect();
    format!("{cut}… (truncated, {total} characters in all)")
}

/// Text shortened to at most `max` characters for messages, with the full size noted.
pub fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(max).collect();
        format!("{head:?}… ({} bytes in all)", text.len())
    }
}

/// A response body for messages: JSON with token, secret and personal-data fields masked
/// (truncation would otherwise leave a prefix of a token that redaction cannot recognise),
/// then shortened to `max` characters.
pub fn body_preview(body: &str, max: usize) -> String {
    // A redactor of its own per preview: what one preview learns (a token it masked) is no
    // other preview's business, and a shared one would keep every token of the run.
    static MASK: std::sync::OnceLock<crate::redact::Redactor> = std::sync::OnceLock::new();
    let mask = MASK
        .get_or_init(|| crate::redact::Redactor::new(Vec::new(), Vec::new()))
        .scoped();
    match serde_json::from_str::<Value>(body) {
        Ok(mut json) => {
            mask.redact_json(&mut json);
            shorten(&json.to_string(), max)
        }
        Err(_) => shorten(&mask.redact_text(body), max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_remembers_nothing_of_earlier_previews() {
        let token = "opaque-access-token-value-0123456789";
        let first = body_preview(&format!(r#"{{"access_token":"{token}"}}"#), 200);
        assert!(!first.contains(token), "{first}");
        // Text that is not JSON, naming the same value: nothing there says it is a token, and
        // the earlier preview taught nothing (a shared redactor kept every token of the run,
        // growing with it).
        let second = body_preview(&format!("plain {token} text"), 200);
        assert!(second.contains(token), "{second}");
    }
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!(42), &json!(42.0)));
        assert!(json_eq(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(!json_eq(&json!(42), &json!("42")));
        assert!(!json_eq(&json!(u64::MAX), &json!(-1)));
    }

    #[test]
    fn render_truncates_long_values() {
        let long = json!("x".repeat(1000));
        let r = render(&long);
        assert!(r.contains("truncated, 1002 characters in all"), "{r}");
        assert!(r.chars().count() < 400);
        assert_eq!(render(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
        let multibyte = json!("é".repeat(500));
        assert!(render(&multibyte).contains("502 characters"));
    }
}
