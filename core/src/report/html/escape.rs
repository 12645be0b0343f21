//! Escaping: everything the page shows from the model goes through one of these two.

use std::borrow::Cow;

use quick_xml::escape::escape;

/// Escapes text content (`&`, `<`, `>`): quotes need no escaping there, and bodies are full
/// of them. The three bytes are found with memchr3 (SIMD): every body the page shows passes
/// here.
pub(super) fn e(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut found = memchr::memchr3_iter(b'&', b'<', b'>', bytes).peekable();
    if found.peek().is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut last = 0;
    for i in found {
        out.push_str(&s[last..i]);
        out.push_str(match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        last = i + 1;
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// Escapes an attribute value (quotes too).
pub(super) fn a(s: &str) -> Cow<'_, str> {
    escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_quotes_attributes_do_not() {
        assert_eq!(e("<a href=\"x\">&'"), "&lt;a href=\"x\"&gt;&amp;'");
        assert_eq!(
            a("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert!(matches!(e("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_is_escaped_as_quick_xml_does() {
        for s in [
            "",
            "&",
            "<<>>",
            "a&b<c>d",
            "<!DOCTYPE html><p class=\"x\">Tom & Jerry's</p>",
            "ü<ø>€&日本",
            "&amp; stays text: &amp;amp;",
            "ends with <",
        ] {
            assert_eq!(e(s), quick_xml::escape::partial_escape(s), "{s:?}");
        }
    }
}
