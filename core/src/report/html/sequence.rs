//! The sequence diagram of a scenario's exchanges as inline SVG, in the style of Signicat's
//! documentation: three lifelines (user agent, client, provider), a solid arrow per request,
//! a dashed returning arrow per response, redirect hops as returning arrows followed by the
//! next request, and the hand-over to the redirect URI as an arrow from the user agent to the
//! client. Styling comes from the page's CSS and the one arrowhead marker it defines, so a
//! diagram costs little markup.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::record::{Exchange, ExchangeEnd};

/// Labels of exchanges the user agent (browser) makes; all others are the client's.
const USER_AGENT_LABELS: &[&str] = &[
    "authorization request",
    "login form",
    "consent form",
    "complete URL",
    "authentication URL",
    "journey",
];

/// Lifeline x positions: user agent, client, provider.
const X: [u32; 3] = [70, 250, 450];
const UA: usize = 0;
const CLIENT: usize = 1;
const PROVIDER: usize = 2;
const WIDTH: u32 = 640;
const TOP: u32 = 34;
const ROW: u32 = 20;
/// Longest line of a label, in characters: a longer label wraps onto more lines (never cut).
const LINE_MAX: usize = 46;
/// Height of each further line of a label.
const LINE: u32 = 12;

/// The lifelines' named boxes, defined once in the page for every diagram to `<use>`.
pub fn head() -> String {
    let mut o = String::from("<g id=\"sqh\" class=\"sq\">");
    for (x, name) in X.iter().zip(["User agent", "Client (RP)", "Provider"]) {
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"2\" width=\"110\" height=\"20\"/><text class=\"c\" x=\"{x}\" y=\"16\">{name}</text>",
            x - 55
        );
    }
    o.push_str("</g>");
    o
}

/// Whether the user agent makes this exchange.
pub fn from_user_agent(label: &str) -> bool {
    USER_AGENT_LABELS.iter().any(|p| label.starts_with(p))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Request,
    Response,
    Failed,
}

struct Arrow {
    from: usize,
    to: usize,
    kind: Kind,
    label: String,
}

/// The path and query of a URL as written (no percent-decoding games): what follows the host.
fn short(url: &str) -> &str {
    match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |j| &url[i + 3 + j..]),
        None => url,
    }
}

/// A label as lines of at most [`LINE_MAX`] characters, broken before a `&` or `/` or after a
/// `?`, `,` or space near the end of a line when there is one, else at the limit. Nothing is
/// left out.
fn wrap(label: &str) -> Vec<String> {
    let chars: Vec<char> = label.chars().collect();
    let mut lines = Vec::new();
    let mut from = 0;
    while chars.len() - from > LINE_MAX {
        let limit = from + LINE_MAX;
        let brk = (limit - LINE_MAX / 3..limit)
            .rev()
            .find(|&i| matches!(chars[i], '&' | '?' | '/' | ',' | ' '))
            .map_or(limit, |i| {
                if matches!(chars[i], '&' | '/') {
                    i
                } else {
                    i + 1
                }
            });
        let brk = if brk <= from { limit } else { brk };
        lines.push(
            chars[from..brk]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_owned(),
        );
        from = brk;
    }
    lines.push(chars[from..].iter().collect());
    lines
}

fn arrows<'a>(exchanges: impl Iterator<Item = &'a Exchange>) -> Vec<Arrow> {
    let mut v = Vec::new();
    for ex in exchanges {
        let from = if from_user_agent(&ex.label) {
            UA
        } else {
            CLIENT
        };
        for (i, hop) in ex.hops.iter().enumerate() {
            let r = &hop.request;
            let label = if i == 0 {
                format!("#{} {}: {} {}", ex.seq, ex.label, r.method, short(&r.url))
            } else {
                format!("{} {}", r.method, short(&r.url))
            };
            v.push(Arrow {
                from,
                to: PROVIDER,
                kind: Kind::Request,
                label,
            });
            match &hop.response {
                Some(resp) => {
                    let label = match resp.header("location") {
                        Some(loc) if (300..400).contains(&resp.status) => {
                            format!("{} → {}", resp.status, short(loc))
                        }
                        _ => resp.status.to_string(),
                    };
                    v.push(Arrow {
                        from: PROVIDER,
                        to: from,
                        kind: if resp.status >= 400 {
                            Kind::Failed
                        } else {
                            Kind::Response
                        },
                        label,
                    });
                }
                None => v.push(Arrow {
                    from: PROVIDER,
                    to: from,
                    kind: Kind::Failed,
                    label: format!("✕ {}", ex.error.as_deref().unwrap_or("no response")),
                }),
            }
        }
        if ex.end == ExchangeEnd::RedirectUri && from == UA {
            v.push(Arrow {
                from: UA,
                to: CLIENT,
                kind: Kind::Request,
                label: format!(
                    "redirect URI {}",
                    short(ex.stopped_at.as_deref().unwrap_or_default())
                ),
            });
        }
        if ex.end == ExchangeEnd::TooManyRedirects {
            v.push(Arrow {
                from: PROVIDER,
                to: from,
                kind: Kind::Failed,
                label: "✕ too many redirects".into(),
            });
        }
    }
    v
}

/// Writes the diagram of `exchanges`; nothing when there are none.
pub fn render<'a>(o: &mut String, exchanges: impl Iterator<Item = &'a Exchange>) {
    let arrows = arrows(exchanges);
    if arrows.is_empty() {
        return;
    }
    let lines: Vec<Vec<String>> = arrows.iter().map(|a| wrap(&a.label)).collect();
    let extra: u32 = lines.iter().map(|l| l.len() as u32 - 1).sum();
    let height = TOP + ROW * arrows.len() as u32 + LINE * extra + 10;
    let _ = write!(
        o,
        "<svg class=\"sq\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"sequence diagram\">"
    );
    // The three named boxes are drawn once in the page (`HEAD`) and used here.
    o.push_str("<use href=\"#sqh\"/>");
    // The three lifelines in one path.
    let _ = write!(
        o,
        "<path class=\"l\" d=\"M{} 22V{height}M{} 22V{height}M{} 22V{height}\"/>",
        X[0], X[1], X[2]
    );
    let mut below = 0;
    for (i, (a, label)) in arrows.iter().zip(&lines).enumerate() {
        // Each further line of a label pushes its arrow (and all below) down one line.
        below += LINE * (label.len() as u32 - 1);
        let y = TOP + ROW * i as u32 + 12 + below;
        let (x1, x2) = (X[a.from], X[a.to]);
        let cls = match a.kind {
            Kind::Request => "q",
            Kind::Response => "r",
            Kind::Failed => "r x",
        };
        // Labels start just right of the left end and may run past the provider's lifeline.
        let left = x1.min(x2) + 6;
        let _ = write!(
            o,
            "<path class=\"{cls}\" d=\"M{x1} {y}H{x2}\"/><text x=\"{left}\" y=\"{}\"{}>",
            y - 3 - LINE * (label.len() as u32 - 1),
            if a.kind == Kind::Failed {
                " class=\"x\""
            } else {
                ""
            },
        );
        for (n, line) in label.iter().enumerate() {
            if n == 0 {
                o.push_str(&escape(line));
            } else {
                let _ = write!(
                    o,
                    "<tspan x=\"{left}\" dy=\"{LINE}\">{}</tspan>",
                    escape(line)
                );
            }
        }
        o.push_str("</text>");
    }
    o.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn user_agent_and_client_arrows_with_redirect_hops() {
        let mut o = String::new();
        render(&mut o, fixtures::exchanges().iter());
        assert!(o.starts_with("<svg class=\"sq\""));
        // Authorization request: user agent → provider, 302 back, next hop, 302 back, then
        // the redirect URI handed to the client. Token request: client → provider and back.
        assert_eq!(o.matches("<path class=\"").count(), 8, "{o}");
        assert!(o.contains(
            "<path class=\"q\" d=\"M70 58H450\"/><text x=\"76\" y=\"43\">\
             #1 authorization request: GET /authorize?<tspan x=\"76\" dy=\"12\">\
             client_id=demo&amp;state=st1</tspan></text>"
        ));
        assert!(o.contains("<path class=\"r\" d=\"M450 78H70\"/>"));
        assert!(o.contains("302 → /login"));
        assert!(o.contains(">GET /login<"));
        assert!(o.contains(
            "d=\"M70 138H250\"/><text x=\"76\" y=\"135\">redirect URI /cb?code=abc&amp;state=st1"
        ));
        assert!(o.contains(
            "d=\"M250 158H450\"/><text x=\"256\" y=\"155\">#2 token request: POST /token"
        ));
        assert!(o.contains("d=\"M450 178H250\"/><text x=\"256\" y=\"175\">200</text>"));
    }

    #[test]
    fn long_labels_wrap_and_are_never_cut() {
        let url = "/authorize?client_id=demo&redirect_uri=https%3A%2F%2Frp.example%2Fcb&scope=openid%20profile&state=st1&nonce=n-0123456789abcdef";
        let lines = wrap(&format!("#1 authorization request: GET {url}"));
        assert!(lines.len() > 2, "{lines:?}");
        assert!(
            lines.iter().all(|l| l.chars().count() <= LINE_MAX),
            "{lines:?}"
        );
        let label = format!("#1 authorization request: GET {url}");
        assert_eq!(lines.concat().replace(' ', ""), label.replace(' ', ""));
        assert_eq!(wrap("short"), ["short"]);
        let mut o = String::new();
        render(&mut o, fixtures::exchanges().iter());
        assert!(
            o.contains("<tspan x=\"76\" dy=\"12\">client_id=demo&amp;state=st1</tspan>"),
            "{o}"
        );
        assert!(!o.contains('…'));
    }

    #[test]
    fn labels_decide_the_source() {
        assert!(from_user_agent("login form (as kari)"));
        assert!(from_user_agent("journey (approve)"));
        assert!(from_user_agent("complete URL (Accept: application/json)"));
        assert!(!from_user_agent("token request (CIBA poll)"));
        assert!(!from_user_agent("discovery"));
    }

    #[test]
    fn nothing_without_exchanges() {
        let mut o = String::new();
        render(&mut o, std::iter::empty());
        assert!(o.is_empty());
    }
}
