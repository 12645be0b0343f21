//! The HTML the simulator shows a browser: the login form, the consent form and error pages.
//! Forms are plain HTML (action, method, hidden fields) so that a form driver can submit them.

/// Path the login form posts to.
pub(crate) const LOGIN_PATH: &str = "/auth/open/login";
/// Path the consent form posts to.
pub(crate) const CONSENT_PATH: &str = "/auth/open/consent";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(lang: &str, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body}\n</body>\n</html>\n",
        escape(lang),
        escape(title),
        escape(title)
    )
}

fn profile_note(profile: Option<&str>) -> String {
    profile
        .map(|p| format!("<p class=\"profile\">Profile: {}</p>\n", escape(p)))
        .unwrap_or_default()
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
        profile = profile_note(p.profile),
        txn = escape(p.txn),
        csrf = escape(p.csrf),
        user = escape(p.username.unwrap_or_default()),
    );
    page(p.lang, "Sign in", &body)
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
        profile = profile_note(p.profile),
        txn = escape(p.txn),
        csrf = escape(p.csrf),
    );
    page(p.lang, "Allow access", &body)
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
    page("en", "itsme", &body)
}

/// An error page (never a redirect).
pub(crate) fn error(lang: &str, title: &str, message: &str) -> String {
    page(
        lang,
        title,
        &format!("<p class=\"error\" role=\"alert\">{}</p>", escape(message)),
    )
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
}
