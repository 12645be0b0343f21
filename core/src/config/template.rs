//! Configuration strings that may reference environment variables as `${VAR}`.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// Expands every `${VAR}` in `raw` from `lookup`. `$$` is a literal `$`.
/// Fails with a message naming the first missing variable.
pub fn expand(raw: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| format!("unclosed `${{` in {raw:?}: write `${{NAME}}`"))?;
            let name = &body[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`${{{name}}}` is not a valid environment variable reference: use letters, digits and _"
                ));
            }
            let value = lookup(name).ok_or_else(|| {
                format!("environment variable {name} is not set (referenced as ${{{name}}}): export {name} before the run")
            })?;
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn expand_from_process(raw: &str) -> Result<String, String> {
    expand(raw, |name| std::env::var(name).ok())
}

/// A plain configuration string, `${VAR}` expanded at load time.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Templated(pub String);

impl<'de> Deserialize<'de> for Templated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        expand_from_process(&raw)
            .map(Templated)
            .map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Templated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Templated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Deref for Templated {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A secret configuration string (client secret, password). `${VAR}` is expanded; `Debug`
/// and `Display` never show the value, and the run registers it for redaction.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value in clear, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        expand_from_process(&raw)
            .map(Secret)
            .map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(‹redacted›)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("‹redacted›")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        (name == "HOST").then(|| "example.org".to_string())
    }

    #[test]
    fn expands_known_variables_and_keeps_text() {
        assert_eq!(
            expand("https://${HOST}/x", vars).unwrap(),
            "https://example.org/x"
        );
        assert_eq!(expand("a $$ b $c", vars).unwrap(), "a $ b $c");
    }

    #[test]
    fn missing_variable_is_named() {
        let err = expand("${NOPE}", vars).unwrap_err();
        assert!(err.contains("NOPE is not set"), "{err}");
    }

    #[test]
    fn malformed_reference_is_explained() {
        assert!(expand("${HOST", vars).unwrap_err().contains("unclosed"));
        assert!(expand("${A-B}", vars).unwrap_err().contains("not a valid"));
    }

    #[test]
    fn secret_is_never_printed() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
    }
}
