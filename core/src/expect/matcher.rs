//! Matchers and the failure message they produce.

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde_json::Value;

use super::ExpectError;
use super::value::{json_eq, render};
use crate::clock::format_unix_time;

/// Slack on the time-window matchers, seconds.
pub const TIME_LEEWAY_SECONDS: i64 = 5;

/// A JSON type, as a Gherkin step names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A string.
    String,
    /// Any number.
    Number,
    /// A number without a fractional part (`42` and `42.0`).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
    /// `null`.
    Null,
}

impl JsonType {
    /// Whether `v` is of this type.
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            JsonType::String => v.is_string(),
            JsonType::Number => v.is_number(),
            JsonType::Integer => match v {
                Value::Number(n) => {
                    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
                }
                _ => false,
            },
            JsonType::Boolean => v.is_boolean(),
            JsonType::Array => v.is_array(),
            JsonType::Object => v.is_object(),
            JsonType::Null => v.is_null(),
        }
    }

    /// The type of `v` (`Integer` for integral numbers).
    pub fn of(v: &Value) -> JsonType {
        match v {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(_) if JsonType::Integer.accepts(v) => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        })
    }
}

impl FromStr for JsonType {
    type Err = ExpectError;
    /// Accepts the type names, case-insensitively, with an optional article ("a string").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let name = lower
            .strip_prefix("an ")
            .or_else(|| lower.strip_prefix("a "))
            .unwrap_or(&lower);
        Ok(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" | "int" => JsonType::Integer,
            "boolean" | "bool" => JsonType::Boolean,
            "array" | "list" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return Err(ExpectError::UnknownType(s.to_string())),
        })
    }
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl CmpOp {
    /// Whether `a <op> b`.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
        }
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        })
    }
}

impl FromStr for CmpOp {
    type Err = ExpectError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            _ => return Err(ExpectError::UnknownOperator(s.to_string())),
        })
    }
}

/// What an actual value must be.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Equal as JSON, numbers by value (`42` equals `42.0`); strings exactly (case-sensitive).
    Equals(Value),
    /// A string equal to this one ignoring letter case (for `token_type`).
    EqualsIgnoringCase(String),
    /// Not equal as JSON.
    NotEquals(Value),
    /// A substring of a string, an element of an array, or a key of an object.
    Contains(Value),
    /// A string the regex matches (somewhere; anchor it with `^...$` for the whole string).
    /// Numbers and booleans are matched against their JSON text.
    Matches(Regex),
    /// Present (even if `null`).
    Exists,
    /// Not present at all (`null` is present).
    Absent,
    /// Of this JSON type.
    HasType(JsonType),
    /// A number satisfying the comparison.
    Compare(CmpOp, f64),
    /// A Unix-seconds time in `[now, now + seconds]` (± [`TIME_LEEWAY_SECONDS`]).
    WithinSecondsFromNow {
        /// Size of the window.
        seconds: i64,
        /// The run clock's now.
        now: i64,
    },
    /// A Unix-seconds time in `[now - seconds, now]` (± [`TIME_LEEWAY_SECONDS`]).
    WithinSecondsAgo {
        /// Size of the window.
        seconds: i64,
        /// The run clock's now.
        now: i64,
    },
    /// A string of this many characters, an array of this many elements, or an object with
    /// this many members.
    HasLength(usize),
    /// An empty string, array or object (`""`, `[]`, `{}`).
    Empty,
    /// A string, array or object with something in it. `null`, numbers and booleans are
    /// neither empty nor not empty: both matchers refuse them (use `is null`, `is a number`).
    NotEmpty,
}

impl Matcher {
    /// A [`Matcher::Matches`] from a pattern, with a readable error when it does not compile.
    pub fn matches(pattern: &str) -> Result<Matcher, ExpectError> {
        Regex::new(pattern)
            .map(Matcher::Matches)
            .map_err(|e| ExpectError::InvalidRegex {
                pattern: pattern.to_string(),
                message: e.to_string(),
            })
    }

    /// What the matcher expects, in words (the `expected:` line).
    pub fn describe(&self) -> String {
        match self {
            Matcher::Equals(v) => render(v),
            Matcher::EqualsIgnoringCase(s) => {
                format!("{} (ignoring case)", render(&Value::String(s.clone())))
            }
            Matcher::NotEquals(v) => format!("anything but {}", render(v)),
            Matcher::Contains(v) => format!("something containing {}", render(v)),
            Matcher::Matches(re) => format!("a string matching /{}/", re.as_str()),
            Matcher::Exists => "present".into(),
            Matcher::Absent => "absent".into(),
            Matcher::HasType(t) => format!("a value of type {t}"),
            Matcher::Compare(op, n) => format!("a number {op} {}", fmt_num(*n)),
            Matcher::WithinSecondsFromNow { seconds, now } => format!(
                "a Unix time within {seconds} s from now: {} .. {} ({} .. {})",
                now,
                now.saturating_add(*seconds),
                format_unix_time(*now),
                format_unix_time(now.saturating_add(*seconds))
            ),
            Matcher::WithinSecondsAgo { seconds, now } => format!(
                "a Unix time within the last {seconds} s: {} .. {} ({} .. {})",
                now.saturating_sub(*seconds),
                now,
                format_unix_time(now.saturating_sub(*seconds)),
                format_unix_time(*now)
            ),
            Matcher::HasLength(n) => format!("length {n}"),
            Matcher::Empty => "empty: \"\", [] or {}".into(),
            Matcher::NotEmpty => "a string, array or object that is not empty".into(),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// An expectation that was not met: the subject, what was expected, what came, and maybe why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What was looked at, in words: "JSONPath $.token_type in the response to POST /token",
    /// "claim nonce of the ID token", "header Cache-Control".
    pub(crate) subject: String,
    /// What was expected.
    pub(crate) expected: String,
    /// What came (compact JSON, truncated), or "absent".
    pub(crate) actual: String,
    /// A likely cause, when one is recognisable.
    pub(crate) hint: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n  expected: {}\n  actual:   {}",
            self.subject, self.expected, self.actual
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

impl Mismatch {
    /// The mismatch as a failed check named `name`, with what was expected and what came.
    pub fn to_check(&self, name: &str) -> crate::record::Check {
        let mut check = crate::record::Check::failed(name, self.subject.clone())
            .compared(self.expected.clone(), self.actual.clone());
        check.hint = self.hint.clone();
        check
    }
}

const ABSENT: &str = "absent (no such member)";

/// Checks one value; `None` means the value is absent (which is not the same as `null`).
pub fn check(subject: &str, actual: Option<&Value>, matcher: &Matcher) -> Result<(), Mismatch> {
    let mismatch = |actual: String, hint: Option<String>| Mismatch {
        subject: subject.to_string(),
        expected: matcher.describe(),
        actual,
        hint,
    };
    let v = match (actual, matcher) {
        (None, Matcher::Absent) => return Ok(()),
        (None, _) => return Err(mismatch(ABSENT.into(), None)),
        (Some(v), Matcher::Absent) => {
            let hint = v.is_null().then(|| {
                "the member is present with value null; \"absent\" means it is missing altogether"
                    .to_string()
            });
            return Err(mismatch(format!("present: {}", render(v)), hint));
        }
        (Some(_), Matcher::Exists) => return Ok(()),
        (Some(v), _) => v,
    };
    let ok = |cond: bool, hint: Option<String>| {
        if cond {
            Ok(())
        } else {
            Err(mismatch(render(v), hint))
        }
    };
    match matcher {
        Matcher::Exists | Matcher::Absent => Ok(()),
        Matcher::Equals(expected) => ok(json_eq(v, expected), equality_hint(v, expected)),
        Matcher::NotEquals(unexpected) => ok(!json_eq(v, unexpected), None),
        Matcher::EqualsIgnoringCase(expected) => match v {
            Value::String(s) => ok(s.to_lowercase() == expected.to_lowercase(), None),
            other => ok(
                false,
                Some(format!("the value is {}, not a string", type_words(other))),
            ),
        },
        Matcher::Contains(needle) => contains(v, needle).map_or_else(
            |why| ok(false, Some(why)),
            |found| {
                let hint = (!found).then(|| contains_hint(v, needle)).flatten();
                ok(found, hint)
            },
        ),
        Matcher::Matches(re) => match v {
            Value::String(s) => ok(re.is_match(s), None),
            Value::Number(_) | Value::Bool(_) => ok(re.is_match(&v.to_string()), None),
            other => ok(
                false,
                Some(format!("the value is {}, not a string", type_words(other))),
            ),
        },
        Matcher::HasType(t) => ok(
            t.accepts(v),
            Some(format!("the value is of type {}", JsonType::of(v)))
                .filter(|_| !t.accepts(v))
                .map(|h| match (t, v) {
                    (JsonType::Number | JsonType::Integer, Value::String(s))
                        if s.trim().parse::<f64>().is_ok() =>
                    {
                        format!("{h}: a number sent as a string")
                    }
                    (JsonType::Boolean, Value::String(s)) if s == "true" || s == "false" => {
                        format!("{h}: a boolean sent as a string")
                    }
                    _ => h,
                }),
        ),
        Matcher::Compare(op, n) => match number(v) {
            Some(x) => ok(op.holds(x, *n), None),
            None => ok(false, not_a_number_hint(v)),
        },
        Matcher::WithinSecondsFromNow { seconds, now } => {
            let (lo, hi) = (*now, now.saturating_add(*seconds));
            within(v, lo, hi, *now).map_or_else(|h| ok(false, Some(h)), |_| Ok(()))
        }
        Matcher::WithinSecondsAgo { seconds, now } => {
            let (lo, hi) = (now.saturating_sub(*seconds), *now);
            within(v, lo, hi, *now).map_or_else(|h| ok(false, Some(h)), |_| Ok(()))
        }
        Matcher::Empty | Matcher::NotEmpty => {
            let len = match v {
                Value::String(s) => Some(s.len()),
                Value::Array(a) => Some(a.len()),
                Value::Object(o) => Some(o.len()),
                _ => None,
            };
            match len {
                Some(len) => ok((len == 0) == matches!(matcher, Matcher::Empty), None),
                None => ok(
                    false,
                    Some(format!(
                        "the value is {}, which is neither empty nor not empty: `is empty` and `is not empty` apply to strings, arrays and objects",
                        type_words(v)
                    )),
                ),
            }
        }
        Matcher::HasLength(n) => {
            let len = match v {
                Value::String(s) => Some(s.chars().count()),
                Value::Array(a) => Some(a.len()),
                Value::Object(o) => Some(o.len()),
                _ => None,
            };
            match len {
                Some(len) => ok(
                    len == *n,
                    Some(format!("the length is {len}")).filter(|_| len != *n),
                ),
                None => ok(
                    false,
                    Some(format!(
                        "the value is {}, which has no length",
                        type_words(v)
                    )),
                ),
            }
        }
    }
}

/// Checks the matches of a JSONPath.
///
/// `Exists` wants at least one match, `Absent` none. With exactly one match the matcher
/// applies to it. With several: `Equals`/`NotEquals` compare against the array of matches,
/// `Contains` looks for an element among the matches, `HasLength` counts them, and every
/// other matcher must hold for each match.
pub fn check_all(subject: &str, actual: &[Value], matcher: &Matcher) -> Result<(), Mismatch> {
    let several = |what: &str| Mismatch {
        subject: subject.to_string(),
        expected: matcher.describe(),
        actual: format!(
            "{} matches: {}",
            actual.len(),
            render(&Value::Array(actual.to_vec()))
        ),
        hint: Some(what.to_string()),
    };
    match (matcher, actual) {
        (Matcher::Exists, []) => Err(Mismatch {
            subject: subject.to_string(),
            expected: "at least one match".into(),
            actual: "no match".into(),
            hint: Some(
                "check the path against the document; member names are case-sensitive".into(),
            ),
        }),
        (Matcher::Exists, _) => Ok(()),
        (Matcher::Absent, []) => Ok(()),
        (Matcher::Absent, [one]) => check(subject, Some(one), matcher),
        (Matcher::Absent, _) => Err(several("expected no match")),
        (_, []) => check(subject, None, matcher).map_err(|mut m| {
            m.actual = "no match (the path selects nothing)".into();
            m
        }),
        (_, [one]) => check(subject, Some(one), matcher),
        (Matcher::Equals(_) | Matcher::NotEquals(_) | Matcher::Contains(_), many) => {
            check(subject, Some(&Value::Array(many.to_vec())), matcher).map_err(|mut m| {
                m.actual = format!("{} matches: {}", many.len(), m.actual);
                m
            })
        }
        (Matcher::HasLength(n), many) if many.len() == *n => Ok(()),
        (Matcher::HasLength(_), _) => Err(several(
            "the path selects several values; their count was compared",
        )),
        (_, many) => {
            for (i, v) in many.iter().enumerate() {
                check(
                    &format!("{subject} (match {} of {})", i + 1, many.len()),
                    Some(v),
                    matcher,
                )?;
            }
            Ok(())
        }
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn type_words(v: &Value) -> String {
    match JsonType::of(v) {
        JsonType::Null => "null".into(),
        t @ (JsonType::Array | JsonType::Object | JsonType::Integer) => format!("an {t}"),
        t => format!("a {t}"),
    }
}

fn not_a_number_hint(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.trim().parse::<f64>().is_ok() => {
            Some("the value is a number sent as a string; a JSON number was expected".into())
        }
        other => Some(format!("the value is {}, not a number", type_words(other))),
    }
}

fn equality_hint(actual: &Value, expected: &Value) -> Option<String> {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            if a.to_lowercase() == e.to_lowercase() {
                Some("the values differ only in letter case; the comparison is case-sensitive (use \"equals ignoring case\" where the spec allows it, as for token_type)".into())
            } else if a.trim() == e.trim() {
                Some("the values differ in leading or trailing whitespace".into())
            } else {
                None
            }
        }
        (Value::String(a), Value::Number(_))
            if a.trim().parse::<f64>().ok() == expected.as_f64() =>
        {
            Some(format!(
                "the value is the string {a:?}, not the number {expected}"
            ))
        }
        (Value::Number(_), Value::String(e)) if e.trim().parse::<f64>().ok() == actual.as_f64() => {
            Some(format!(
                "the value is the number {actual}, not the string {e:?}; write {e} without quotes to expect a number"
            ))
        }
        (Value::String(a), Value::Bool(b)) if a == &b.to_string() => Some(format!(
            "the value is the string {a:?}, not the boolean {b}"
        )),
        (Value::Null, _) => Some("the member is present with value null".into()),
        _ => None,
    }
}

fn contains(haystack: &Value, needle: &Value) -> Result<bool, String> {
    match haystack {
        Value::String(s) => match needle {
            Value::String(n) => Ok(s.contains(n.as_str())),
            Value::Number(_) | Value::Bool(_) => Ok(s.contains(&needle.to_string())),
            other => Err(format!("a string cannot contain {}", type_words(other))),
        },
        Value::Array(items) => Ok(items.iter().any(|i| json_eq(i, needle))),
        Value::Object(map) => match needle {
            Value::String(k) => Ok(map.contains_key(k)),
            other => Err(format!(
                "an object contains keys (strings), not {}",
                type_words(other)
            )),
        },
        other => Err(format!(
            "the value is {}, which cannot contain anything",
            type_words(other)
        )),
    }
}

fn contains_hint(haystack: &Value, needle: &Value) -> Option<String> {
    match (haystack, needle) {
        (Value::String(s), Value::String(n)) if s.to_lowercase().contains(&n.to_lowercase()) => {
            Some("it is there in a different letter case; the comparison is case-sensitive".into())
        }
        (Value::Array(items), _)
            if items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.split(' ').any(|w| Value::String(w.into()) == *needle))) =>
        {
            Some("an element contains it as a space-separated word; the check looks for a whole element".into())
        }
        _ => None,
    }
}

fn within(v: &Value, lo: i64, hi: i64, now: i64) -> Result<(), String> {
    let Some(t) = number(v) else {
        return Err(not_a_number_hint(v).unwrap_or_default());
    };
    let leeway = TIME_LEEWAY_SECONDS as f64;
    if t >= lo as f64 - leeway && t <= hi as f64 + leeway {
        return Ok(());
    }
    let now_f = now as f64;
    if t > now_f * 100.0 && now > 0 {
        return Err("the value looks like milliseconds; Unix times here are seconds".into());
    }
    if t.is_finite() && t.abs() < 253_402_300_799.0 {
        let when = format_unix_time(t.floor() as i64);
        let delta = t - now_f;
        let rel = if delta >= 0.0 {
            format!("{} s from now", fmt_num(delta))
        } else {
            format!("{} s ago", fmt_num(-delta))
        };
        Err(format!("that is {when}, {rel}"))
    } else {
        Err("the value is not a plausible Unix time".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SUBJECT: &str = "JSONPath $.x in the response to POST /token";
    const NOW: i64 = 1_700_000_000;

    fn fails(actual: Option<&Value>, m: &Matcher) -> Mismatch {
        let e = check(SUBJECT, actual, m).expect_err("expected a mismatch");
        assert_eq!(e.subject, SUBJECT);
        e
    }

    #[test]
    fn mismatch_display_is_multi_line() {
        let m = Mismatch {
            subject: "claim nonce of the ID token".into(),
            expected: "\"abc\"".into(),
            actual: "\"xyz\"".into(),
            hint: Some("a hint".into()),
        };
        assert_eq!(
            m.to_string(),
            "claim nonce of the ID token\n  expected: \"abc\"\n  actual:   \"xyz\"\n  hint: a hint"
        );
        let m = Mismatch { hint: None, ..m };
        assert!(!m.to_string().contains("hint"));
    }

    #[test]
    fn equals() {
        let m = Matcher::Equals(json!("Bearer"));
        assert!(check(SUBJECT, Some(&json!("Bearer")), &m).is_ok());
        let e = fails(Some(&json!("bearer")), &m);
        assert_eq!(e.expected, "\"Bearer\"");
        assert_eq!(e.actual, "\"bearer\"");
        assert!(e.hint.unwrap().contains("letter case"));
    }

    #[test]
    fn equals_numbers_by_value_and_gherkin_numbers() {
        let m = Matcher::Equals(serde_json::json!(42));
        assert!(check(SUBJECT, Some(&json!(42.0)), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!(42)), &m).is_ok());
        let e = fails(Some(&json!("42")), &m);
        assert!(
            e.hint
                .unwrap()
                .contains("the string \"42\", not the number 42")
        );
        let e = fails(Some(&json!(42)), &Matcher::Equals(json!("42")));
        assert!(e.hint.unwrap().contains("without quotes"));
    }

    #[test]
    fn equals_ignoring_case() {
        let m = Matcher::EqualsIgnoringCase("Bearer".into());
        assert!(check(SUBJECT, Some(&json!("bearer")), &m).is_ok());
        let e = fails(Some(&json!("MAC")), &m);
        assert_eq!(e.expected, "\"Bearer\" (ignoring case)");
        assert_eq!(e.actual, "\"MAC\"");
        let e = fails(Some(&json!(1)), &m);
        assert!(e.hint.unwrap().contains("not a string"));
    }

    #[test]
    fn not_equals() {
        let m = Matcher::NotEquals(json!(0));
        assert!(check(SUBJECT, Some(&json!(1)), &m).is_ok());
        let e = fails(Some(&json!(0.0)), &m);
        assert_eq!(e.expected, "anything but 0");
        assert_eq!(e.actual, "0.0");
    }

    #[test]
    fn contains() {
        let m = Matcher::Contains(json!("openid"));
        assert!(check(SUBJECT, Some(&json!("openid profile")), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!(["openid", "email"])), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!({"openid": true})), &m).is_ok());
        let e = fails(Some(&json!("profile email")), &m);
        assert_eq!(e.expected, "something containing \"openid\"");
        assert_eq!(e.actual, "\"profile email\"");
        let e = fails(Some(&json!(["openid profile"])), &m);
        assert!(e.hint.unwrap().contains("space-separated"));
        let e = fails(Some(&json!(7)), &m);
        assert!(e.hint.unwrap().contains("cannot contain"));
        // Numbers in arrays compare by value.
        assert!(
            check(
                SUBJECT,
                Some(&json!([1.0, 2])),
                &Matcher::Contains(json!(1))
            )
            .is_ok()
        );
    }

    #[test]
    fn matches_regex() {
        let m = Matcher::matches("^[A-Za-z0-9_-]{22}$").unwrap();
        assert!(check(SUBJECT, Some(&json!("77QmUPtjPfzWtF2AnpK9RQ")), &m).is_ok());
        let e = fails(Some(&json!("short")), &m);
        assert_eq!(e.expected, "a string matching /^[A-Za-z0-9_-]{22}$/");
        assert_eq!(e.actual, "\"short\"");
        assert!(
            check(
                SUBJECT,
                Some(&json!(3600)),
                &Matcher::matches(r"^\d+$").unwrap()
            )
            .is_ok()
        );
        let e = fails(Some(&json!(["x"])), &m);
        assert!(e.hint.unwrap().contains("an array, not a string"));
        let err = Matcher::matches("(unclosed").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid regular expression /(unclosed/"),
            "{err}"
        );
    }

    #[test]
    fn exists_and_absent_distinguish_null() {
        assert!(check(SUBJECT, Some(&Value::Null), &Matcher::Exists).is_ok());
        let e = fails(None, &Matcher::Exists);
        assert_eq!(e.expected, "present");
        assert_eq!(e.actual, "absent (no such member)");

        assert!(check(SUBJECT, None, &Matcher::Absent).is_ok());
        let e = fails(Some(&Value::Null), &Matcher::Absent);
        assert_eq!(e.expected, "absent");
        assert_eq!(e.actual, "present: null");
        assert!(e.hint.unwrap().contains("present with value null"));

        let e = fails(None, &Matcher::Equals(Value::Null));
        assert_eq!(e.actual, "absent (no such member)");
    }

    #[test]
    fn has_type() {
        let m = Matcher::HasType(JsonType::Integer);
        assert!(check(SUBJECT, Some(&json!(3600)), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!(3600.0)), &m).is_ok());
        let e = fails(Some(&json!("3600")), &m);
        assert_eq!(e.expected, "a value of type integer");
        assert_eq!(
            e.hint.unwrap(),
            "the value is of type string: a number sent as a string"
        );
        let e = fails(Some(&json!(1.5)), &m);
        assert_eq!(e.hint.unwrap(), "the value is of type number");
        assert!(
            check(
                SUBJECT,
                Some(&Value::Null),
                &Matcher::HasType(JsonType::Null)
            )
            .is_ok()
        );
        assert_eq!("an array".parse::<JsonType>().unwrap(), JsonType::Array);
        assert!("thing".parse::<JsonType>().is_err());
    }

    #[test]
    fn compare() {
        let m = Matcher::Compare(CmpOp::Gt, 0.0);
        assert!(check(SUBJECT, Some(&json!(3600)), &m).is_ok());
        let e = fails(Some(&json!(0)), &m);
        assert_eq!(e.expected, "a number > 0");
        assert_eq!(e.actual, "0");
        let e = fails(Some(&json!("3600")), &m);
        assert!(e.hint.unwrap().contains("number sent as a string"));
        assert!(check(SUBJECT, Some(&json!(5)), &Matcher::Compare(CmpOp::Le, 5.0)).is_ok());
        assert!(
            check(
                SUBJECT,
                Some(&json!(4.9)),
                &Matcher::Compare(CmpOp::Lt, 5.0)
            )
            .is_ok()
        );
        assert!(check(SUBJECT, Some(&json!(5)), &Matcher::Compare(CmpOp::Ge, 5.0)).is_ok());
        assert_eq!(">=".parse::<CmpOp>().unwrap(), CmpOp::Ge);
        assert!("=>".parse::<CmpOp>().is_err());
    }

    #[test]
    fn within_seconds_from_now() {
        let m = Matcher::WithinSecondsFromNow {
            seconds: 300,
            now: NOW,
        };
        assert!(check(SUBJECT, Some(&json!(NOW + 300)), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!(NOW - 3)), &m).is_ok());
        let e = fails(Some(&json!(NOW + 3600)), &m);
        assert!(
            e.expected.contains("within 300 s from now"),
            "{}",
            e.expected
        );
        assert!(e.hint.unwrap().contains("3600 s from now"));
        let e = fails(Some(&json!((NOW + 60) * 1000)), &m);
        assert!(e.hint.unwrap().contains("milliseconds"));
    }

    #[test]
    fn within_seconds_ago() {
        let m = Matcher::WithinSecondsAgo {
            seconds: 60,
            now: NOW,
        };
        assert!(check(SUBJECT, Some(&json!(NOW - 60)), &m).is_ok());
        let e = fails(Some(&json!(NOW - 600)), &m);
        assert!(e.expected.contains("within the last 60 s"));
        assert_eq!(e.actual, "1699999400");
        assert!(e.hint.unwrap().contains("600 s ago"));
        let e = fails(Some(&json!("now")), &m);
        assert!(e.hint.unwrap().contains("not a number"));
    }

    #[test]
    fn has_length() {
        let m = Matcher::HasLength(2);
        assert!(check(SUBJECT, Some(&json!([1, 2])), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!("ab")), &m).is_ok());
        assert!(check(SUBJECT, Some(&json!({"a": 1, "b": 2})), &m).is_ok());
        let e = fails(Some(&json!([1, 2, 3])), &m);
        assert_eq!(e.expected, "length 2");
        assert_eq!(e.hint.unwrap(), "the length is 3");
        let e = fails(Some(&json!(12)), &m);
        assert!(e.hint.unwrap().contains("no length"));
    }

    #[test]
    fn long_actual_values_are_truncated() {
        let big = json!({"data": "x".repeat(2000)});
        let e = fails(Some(&big), &Matcher::Equals(json!({})));
        assert!(
            e.actual.contains("truncated, 2011 characters in all"),
            "{}",
            e.actual
        );
        assert!(e.actual.chars().count() < 360);
    }

    #[test]
    fn check_all_exists_absent() {
        assert!(check_all(SUBJECT, &[json!(1)], &Matcher::Exists).is_ok());
        let e = check_all(SUBJECT, &[], &Matcher::Exists).unwrap_err();
        assert_eq!(e.actual, "no match");
        assert!(check_all(SUBJECT, &[], &Matcher::Absent).is_ok());
        let e = check_all(SUBJECT, &[json!(1), json!(2)], &Matcher::Absent).unwrap_err();
        assert_eq!(e.actual, "2 matches: [1,2]");
        // A single null match is present, not absent.
        assert!(check_all(SUBJECT, &[Value::Null], &Matcher::Absent).is_err());
    }

    #[test]
    fn check_all_single_and_several_matches() {
        let eq = Matcher::Equals(json!("a"));
        assert!(check_all(SUBJECT, &[json!("a")], &eq).is_ok());
        let e = check_all(SUBJECT, &[], &eq).unwrap_err();
        assert_eq!(e.actual, "no match (the path selects nothing)");
        let many = [json!("a"), json!("b")];
        assert!(check_all(SUBJECT, &many, &Matcher::Equals(json!(["a", "b"]))).is_ok());
        let e = check_all(SUBJECT, &many, &eq).unwrap_err();
        assert_eq!(e.actual, "2 matches: [\"a\",\"b\"]");
        assert!(check_all(SUBJECT, &many, &Matcher::Contains(json!("b"))).is_ok());
        assert!(check_all(SUBJECT, &many, &Matcher::HasLength(2)).is_ok());
        assert!(check_all(SUBJECT, &many, &Matcher::HasType(JsonType::String)).is_ok());
        let mixed = [json!("a"), json!(1)];
        let e = check_all(SUBJECT, &mixed, &Matcher::HasType(JsonType::String)).unwrap_err();
        assert_eq!(e.subject, format!("{SUBJECT} (match 2 of 2)"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let values = [
            Value::Null,
            json!(f64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(""),
            json!([]),
            json!({}),
        ];
        let matchers = [
            Matcher::WithinSecondsFromNow {
                seconds: i64::MAX,
                now: i64::MAX,
            },
            Matcher::WithinSecondsAgo {
                seconds: i64::MAX,
                now: i64::MIN,
            },
            Matcher::Compare(CmpOp::Lt, f64::NAN),
            Matcher::HasLength(usize::MAX),
            Matcher::Contains(Value::Null),
            Matcher::Equals(json!(-0.0)),
        ];
        for v in &values {
            for m in &matchers {
                let _ = check(SUBJECT, Some(v), m).map_err(|e| e.to_string());
                let _ = check_all(SUBJECT, std::slice::from_ref(v), m);
            }
        }
    }
}
