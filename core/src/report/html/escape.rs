//! Escaping: everything the page shows from the model goes through one of these two.

use std::borrow::Cow;

/// Escapes text content (`&`, `<`, `>`): quotes need no escaping there, and bodies are full
/// of them. The three bytes are found with memchr3 (SIMD): every body the page shows passes
/// here.
pub(super) fn e(s: &str) -> Cow<'_, str> {
    replace_at(s, memchr::memchr3_iter(b'&', b'<', b'>', s.as_bytes()))
}

/// Escapes an attribute value (quotes too): the markup bytes and the quotes found by two
/// SIMD searches, merged in order.
pub(super) fn a(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut markup = memchr::memchr3_iter(b'&', b'<', b'>', bytes).peekable();
    let mut quotes = memchr::memchr2_iter(b'"', b'\'', bytes).peekable();
    let in_order = std::iter::from_fn(move || match (markup.peek(), quotes.peek()) {
        (Some(m), Some(q)) if m < q => markup.next(),
        (Some(_), None) => markup.next(),
        _ => quotes.next(),
    });
    replace_at(s, in_order)
}

/// `s` with the byte at each of `positions` (ascending; ASCII bytes of the five below)
/// replaced by its entity; borrowed when there is none.
fn replace_at(s: &str, positions: impl Iterator<Item = usize>) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut positions = positions.peekable();
    if positions.peek().is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut last = 0;
    for i in positions {
        out.push_str(&s[last..i]);
        out.push_str(match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&apos;",
        });
        last = i + 1;
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
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
    fn text_and_attributes_are_escaped_as_quick_xml_does() {
        for s in [
            "",
            "&",
            "<<>>",
            "a&b<c>d",
            "<!DOCTYPE html><p class=\"x\">Tom & Jerry's</p>",
            "ü<ø>€&日本",
            "&amp; stays text: &amp;amp;",
            "ends with <",
            "'\"'\"<'",
            "\"RS256\" is allowed; it's <b>&amp;</b>",
        ] {
            assert_eq!(e(s), quick_xml::escape::partial_escape(s), "{s:?}");
            assert_eq!(a(s), quick_xml::escape::escape(s), "{s:?}");
        }
    }
}
