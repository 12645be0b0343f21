//! The HTML the simulator shows a browser: the login form, the consent form and error pages.
//! Forms are plain HTML (action, method, hidden fields) so that a form driver can submit them.

/// Path the login form posts to.
pub(crate) const LOGIN_PATH: &str = "/auth/open/login";
/// Path the consent form posts to.
pub(crate) const CONSENT_PATH: &str = "/auth/open/consent";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped for HTML content and attribute values.
fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// A whole page: the fixed frame around what `body` appends. Pages are appended piece by piece
/// into one buffer (the login and consent pages are drawn for every sign-in, issue 14).
fn page(lang: &str, title: &str, body: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    escape_into(&mut out, lang);
    out.push_str("\">\n<head><meta charset=\"utf-8\"><title>");
    escape_into(&mut out, title);
    out.push_str("</title></head>\n<body>\n<h1>");
    escape_into(&mut out, title);
    out.push_str("</h1>\n");
    body(&mut out);
    out.push_str("\n</body>\n</html>\n");
    out
}

fn profile_note(out: &mut String, profile: Option<&str>) {
    if let Some(profile) = profile {
        out.push_str("<p class=\"profile\">Profile: ");
        escape_into(out, profile);
        out.push_str("</p>\n");
    }
}

/// The hidden `txn` and `csrf` fields of a sign-in form.
fn transaction_fields(out: &mut String, txn: &str, csrf: &str) {
    out.push_str("<input type=\"hidden\" name=\"txn\" value=\"");
    escape_into(out, txn);
    out.push_str("\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
    escape_into(out, csrf);
    out.push_str("\">\n");
}

/// What the login page shows.
pub(crate) struct LoginPage<'a> {
    pub(crate) lang: &'a str,
    pub(crate) txn: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) username: Option<&'a str>,
    pub(crate) error: Option<&'a str>,
    pub(crate) profile: Option<&'a str>,
}

/// The login form.
pub(crate) fn login(p: &LoginPage<'_>) -> String {
    page(p.lang, "Sign in", |out| {
        out.push_str("<p>Sign in to continue to ");
        escape_into(out, p.client_id);
        out.push_str(".</p>\n");
        profile_note(out, p.profile);
        if let Some(error) = p.error {
            out.push_str("<p class=\"error\" role=\"alert\">");
            escape_into(out, error);
            out.push_str("</p>\n");
        }
        out.push_str("<form method=\"post\" action=\"");
        out.push_str(LOGIN_PATH);
        out.push_str("\">\n");
        transaction_fields(out, p.txn, p.csrf);
        out.push_str("<label>Username <input type=\"text\" name=\"username\" value=\"");
        escape_into(out, p.username.unwrap_or_default());
        out.push_str(
            "\" autocomplete=\"username\"></label>\n\
<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
<button type=\"submit\" name=\"action\" value=\"login\">Sign in</button>\n</form>",
        );
    })
}

/// What the consent page shows.
pub(crate) struct ConsentPage<'a> {
    pub(crate) lang: &'a str,
    pub(crate) txn: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) username: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) profile: Option<&'a str>,
}

/// The consent form.
pub(crate) fn consent(p: &ConsentPage<'_>) -> String {
    page(p.lang, "Allow access", |out| {
        out.push_str("<p>");
        escape_into(out, p.client_id);
        out.push_str(" asks ");
        escape_into(out, p.username);
        out.push_str(" for access to:</p>\n<ul>");
        for scope in p.scopes {
            out.push_str("<li>");
            escape_into(out, scope);
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
        profile_note(out, p.profile);
        out.push_str("<form method=\"post\" action=\"");
        out.push_str(CONSENT_PATH);
        out.push_str("\">\n");
        transaction_fields(out, p.txn, p.csrf);
        out.push_str(
            "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>",
        );
    })
}

/// The simulated itsme journey of a REST API session: one form, one button per outcome.
pub(crate) fn itsme(action: &str, transaction_id: &str, provider: &str) -> String {
    let body = format!(
        "<p>Confirm your identity with {provider} (simulated).</p>\n<form method=\"post\" action=\"{action}\">\n\
<input type=\"hidden\" name=\"transactionId\" value=\"{txn}\">\n\
<button type=\"submit\" name=\"outcome\" value=\"complete\">Confirm</button>\n\
<button type=\"submit\" name=\"outcome\" value=\"abort\">Cancel</button>\n\
<button type=\"submit\" name=\"outcome\" value=\"error\">Simulate an error</button>\n</form>",
        provider = escape(provider),
        action = escape(action),
        txn = escape(transaction_id),
    );
    page("en", "itsme", |out| out.push_str(&body))
}

/// An error page (never a redirect).
pub(crate) fn error(lang: &str, title: &str, message: &str) -> String {
    page(lang, title, |out| {
        out.push_str("<p class=\"error\" role=\"alert\">");
        escape_into(out, message);
        out.push_str("</p>");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let html = error("en", "Oops", "<script>\"x\"</script>");
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;&quot;x&quot;"));
    }

    /// The pages as they were drawn with `format!` before they were appended piece by piece.
    fn reference_page(lang: &str, title: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body}\n</body>\n</html>\n",
            escape(lang),
            escape(title),
            escape(title)
        )
    }

    fn reference_profile(profile: Option<&str>) -> String {
        profile
            .map(|p| format!("<p class=\"profile\">Profile: {}</p>\n", escape(p)))
            .unwrap_or_default()
    }

    fn reference_login(p: &LoginPage<'_>) -> String {
        let error = p
            .error
            .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
            .unwrap_or_default();
        let body = format!(
            "<p>Sign in to continue to {client}.</p>\n{profile}{error}<form method=\"post\" action=\"{LOGIN_PATH}\">\n\
<input type=\"hidden\" name=\"txn\" value=\"{txn}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
<label>Username <input type=\"text\" name=\"username\" value=\"{user}\" autocomplete=\"username\"></label>\n\
<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
<button type=\"submit\" name=\"action\" value=\"login\">Sign in</button>\n</form>",
            client = escape(p.client_id),
            profile = reference_profile(p.profile),
            txn = escape(p.txn),
            csrf = escape(p.csrf),
            user = escape(p.username.unwrap_or_default()),
        );
        reference_page(p.lang, "Sign in", &body)
    }

    fn reference_consent(p: &ConsentPage<'_>) -> String {
        let scopes: String = p
            .scopes
            .iter()
            .map(|s| format!("<li>{}</li>", escape(s)))
            .collect();
        let body = format!(
            "<p>{client} asks {user} for access to:</p>\n<ul>{scopes}</ul>\n{profile}<form method=\"post\" action=\"{CONSENT_PATH}\">\n\
<input type=\"hidden\" name=\"txn\" value=\"{txn}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>",
            client = escape(p.client_id),
            user = escape(p.username),
            profile = reference_profile(p.profile),
            txn = escape(p.txn),
            csrf = escape(p.csrf),
        );
        reference_page(p.lang, "Allow access", &body)
    }

    #[test]
    fn pages_are_byte_for_byte_what_format_drew() {
        for (profile, error, username) in [
            (None, None, None),
            (Some("nbid <x>"), Some("Wrong & \"bad\""), Some("o'brien")),
        ] {
            let login = LoginPage {
                lang: "nb",
                txn: "t-1_x",
                csrf: "c<1>",
                client_id: "client&co",
                username,
                error,
                profile,
            };
            assert_eq!(super::login(&login), reference_login(&login));
            let scopes = ["openid".to_string(), "profile <all>".to_string()];
            let consent = ConsentPage {
                lang: "en",
                txn: "t",
                csrf: "c",
                client_id: "client",
                username: "\u{e5}se",
                scopes: &scopes,
                profile,
            };
            assert_eq!(super::consent(&consent), reference_consent(&consent));
        }
        assert_eq!(
            error("en", "Oops", "a < b"),
            reference_page(
                "en",
                "Oops",
                "<p class=\"error\" role=\"alert\">a &lt; b</p>"
            )
        );
    }
}
