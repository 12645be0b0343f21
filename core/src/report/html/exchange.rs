//! HTTP exchanges: each hop's request and response with headers and bodies (JSON
//! pretty-printed, long bodies cut), and bodies repeated across the run kept once, in the
//! "Shared bodies" section, and shown where they are used when opened there.

use std::fmt::Write as _;

use super::escape::{a, e};
use super::format::duration;
use crate::record::{Exchange, ExchangeEnd, Header, RecordedRequest};
use crate::report::model::ScenarioReport;

/// Bodies longer than this are cut, with their full size shown.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Bodies at least this long that occur more than once (discovery documents, key sets) are
/// shown once, under "Shared bodies", and linked to where they occur.
pub const SHARED_BODY_MIN: usize = 256;

/// Shared bodies, with their number, in order of first occurrence. Looked up by each body the
/// page shows, whole: FxHash, not SipHash, over kilobytes of text.
pub(crate) type Seen = rustc_hash::FxHashMap<String, usize>;

/// The bodies of a scenario that may be shared (at least [`SHARED_BODY_MIN`] long), in the
/// order the page shows them: requests before responses, hop by hop, exchange by exchange.
/// Which of them are shared is [`Evidence::shared_bodies`](crate::report::stream::Evidence::shared_bodies).
pub(crate) fn big_bodies(s: &ScenarioReport) -> impl Iterator<Item = &str> {
    s.exchanges()
        .flat_map(|ex| ex.hops.iter())
        .flat_map(|hop| {
            let req = hop.request.body.as_deref();
            let resp = hop.response.as_ref().map(|r| r.body.as_str());
            [req, resp].into_iter().flatten()
        })
        .filter(|b| b.len() >= SHARED_BODY_MIN)
}

/// The "Shared bodies" section: each shared body once, with the id its links point to.
pub(super) fn shared_section(o: &mut String, shared: &[String]) {
    if shared.is_empty() {
        return;
    }
    o.push_str("<section id=\"shared\"><h2>Shared bodies</h2>\n");
    let none = Seen::default();
    for (id, b) in shared.iter().enumerate() {
        let _ = write!(
            o,
            "<details id=\"b{id}\"><summary>#b{id} · {} bytes · <code>{}</code></summary>",
            b.len(),
            e(&preview(b))
        );
        body(o, &none, b, b.len());
        o.push_str("</details>\n");
    }
    o.push_str("</section>\n");
}

/// One exchange, closed: the first request and final status in the summary, every hop inside.
pub(super) fn exchange(o: &mut String, seen: &Seen, ex: &Exchange) {
    let req = ex.request();
    let status = ex
        .response()
        .map_or_else(|| "no response".to_owned(), |r| r.status.to_string());
    let _ = write!(
        o,
        "<details><summary>#{} {}: <b>{}</b> {} → {} <span class=\"d\">{}{}</span></summary>",
        ex.seq,
        e(&ex.label),
        e(&req.method),
        e(&req.url),
        status,
        duration(ex.duration_ms()),
        if ex.hops.len() > 1 {
            format!(" · {} hops", ex.hops.len())
        } else {
            String::new()
        }
    );
    // The script shows the button; the command is built from the record, which the report
    // holds redacted, so a secret is copied as its fingerprint, never in clear.
    let _ = write!(
        o,
        "<button type=\"button\" class=\"curl\" data-curl=\"{}\">copy as curl</button>",
        a(&curl(req))
    );
    for (i, hop) in ex.hops.iter().enumerate() {
        let r = &hop.request;
        // The first request's method and URL are in the summary already.
        let _ = write!(
            o,
            "<div class=\"hop\"><div>{}. <b>{}</b> {} <span class=\"d\">{}</span></div>",
            i + 1,
            e(&r.method),
            if i == 0 { "…".into() } else { e(&r.url) },
            duration(hop.duration_ms)
        );
        headers(o, &r.headers);
        if let Some(b) = &r.body {
            body(o, seen, b, b.len());
        }
        match &hop.response {
            Some(resp) => {
                let _ = write!(
                    o,
                    "<div>← <b class=\"{}\">{}</b></div>",
                    if resp.status >= 400 { "f" } else { "p" },
                    resp.status
                );
                headers(o, &resp.headers);
                body(o, seen, &resp.body, resp.body_size);
            }
            None => o.push_str("<div>← no response</div>"),
        }
        o.push_str("</div>");
    }
    match ex.end {
        ExchangeEnd::RedirectUri => {
            // The URL is the last hop's location.
            o.push_str("<div class=\"t\">stopped at the redirect URI (not requested)</div>");
        }
        ExchangeEnd::TooManyRedirects => o.push_str("<div class=\"f\">too many redirects</div>"),
        ExchangeEnd::TransportError => {
            let _ = write!(
                o,
                "<pre class=\"err\">{}</pre>",
                e(ex.error.as_deref().unwrap_or("transport error"))
            );
        }
        ExchangeEnd::Response => {}
    }
    o.push_str("</details>");
}

/// Headers as they would appear on the wire, one per line.
fn headers(o: &mut String, hs: &[Header]) {
    if hs.is_empty() {
        return;
    }
    o.push_str("<pre class=\"h\">");
    for (i, (n, v)) in hs.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let _ = write!(o, "{}: {}", e(n), e(v));
    }
    o.push_str("</pre>");
}

/// The start of a body on one line, to tell shared bodies apart before opening them.
fn preview(text: &str) -> String {
    const MAX: usize = 60;
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX - 1).collect();
    cut.push('…');
    cut
}

/// A body, JSON pretty-printed, cut above [`BODY_LIMIT`] bytes; a shared body as a link.
fn body(o: &mut String, seen: &Seen, text: &str, size: usize) {
    if text.is_empty() {
        return;
    }
    if let Some(id) = seen.get(text) {
        // Shown here on opening (the script copies it from the shared section); without
        // JavaScript the link leads there.
        let _ = write!(
            o,
            "<details class=\"shb\" data-b=\"{id}\"><summary>body · {} bytes · <code>{}</code> \
             <a href=\"#b{id}\">shared body #b{id}</a></summary></details>",
            size.max(text.len()),
            e(&preview(text))
        );
        return;
    }
    let pretty = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if text.len() <= BODY_LIMIT => serde_json::to_string_pretty(&v).ok(),
        _ => None,
    };
    let size = size.max(text.len());
    let text = pretty.as_deref().unwrap_or(text);
    if text.len() > BODY_LIMIT {
        let mut cut = BODY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let _ = write!(
            o,
            "<pre>{}</pre><div class=\"t\">… showing the first {} KiB of {} bytes</div>",
            e(&text[..cut]),
            BODY_LIMIT / 1024,
            size
        );
    } else {
        let _ = write!(o, "<pre>{}</pre>", e(text));
    }
}

/// The request as a curl command line (POSIX shell quoting).
pub(super) fn curl(req: &RecordedRequest) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut out = format!("curl -X {} {}", req.method, quote(&req.url));
    for (name, value) in &req.headers {
        out.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = &req.body {
        out.push_str(&format!(" --data-raw {}", quote(body)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_are_pretty_printed_and_others_kept() {
        let mut o = String::new();
        body(&mut o, &Seen::default(), r#"{"a":"<b>"}"#, 11);
        assert_eq!(o, "<pre>{\n  \"a\": \"&lt;b&gt;\"\n}</pre>");
        o.clear();
        body(&mut o, &Seen::default(), "a=1&b=2", 7);
        assert_eq!(o, "<pre>a=1&amp;b=2</pre>");
        o.clear();
        body(&mut o, &Seen::default(), "", 0);
        assert_eq!(o, "");
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        let text = format!("{}é", "x".repeat(BODY_LIMIT - 1));
        let mut o = String::new();
        body(&mut o, &Seen::default(), &text, text.len());
        assert!(o.starts_with(&format!("<pre>{}</pre>", "x".repeat(BODY_LIMIT - 1))));
        assert!(o.ends_with(&format!("of {} bytes</div>", BODY_LIMIT + 1)));
    }

    #[test]
    fn curl_quotes_for_the_shell_and_keeps_what_the_record_holds() {
        let req = RecordedRequest {
            method: "POST".into(),
            url: "https://op/token?x=1&y=it's".into(),
            headers: vec![(
                "Authorization".into(),
                "Basic ‹client_secret#1a2b3c›".into(),
            )],
            body: Some("grant_type=authorization_code&code=‹code#9f›".into()),
        };
        assert_eq!(
            curl(&req),
            "curl -X POST 'https://op/token?x=1&y=it'\\''s' -H 'Authorization: Basic ‹client_secret#1a2b3c›' --data-raw 'grant_type=authorization_code&code=‹code#9f›'"
        );
    }

    #[test]
    fn headers_one_per_line() {
        let mut o = String::new();
        headers(
            &mut o,
            &[("a".into(), "1".into()), ("b".into(), "<2>".into())],
        );
        assert_eq!(o, "<pre class=\"h\">a: 1\nb: &lt;2&gt;</pre>");
        o.clear();
        headers(&mut o, &[]);
        assert_eq!(o, "");
    }
}
