//! Escaping: everything the page shows from the model goes through one of these two.

use std::borrow::Cow;

use quick_xml::escape::{escape, partial_escape};

/// Escapes text content (`&`, `<`, `>`): quotes need no escaping there, and bodies are full
/// of them.
pub(super) fn e(s: &str) -> Cow<'_, str> {
    partial_escape(s)
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
}
