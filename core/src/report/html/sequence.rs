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
/// Longest label drawn, in characters; the full URL is in the exchange's details.
const LABEL_MAX: usize = 46;

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

fn cut(mut s: String) -> String {
    if s.chars().count() > LABEL_MAX {
        s = s.chars().take(LABEL_MAX - 1).collect();
        s.push('…');
    }
    s
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
                label: cut(label),
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
                        label: cut(label),
                    });
                }
                None => v.push(Arrow {
                    from: PROVIDER,
                    to: from,
                    kind: Kind::Failed,
                    label: cut(format!(
                        "✕ {}",
                        ex.error.as_deref().unwrap_or("no response")
                    )),
                }),
            }
        }
        if ex.end == ExchangeEnd::RedirectUri && from == UA {
            v.push(Arrow {
                from: UA,
                to: CLIENT,
                kind: Kind::Request,
                label: cut(format!(
                    "redirect URI {}",
                    short(ex.stopped_at.as_deref().unwrap_or_default())
                )),
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
    let height = TOP + ROW * arrows.len() as u32 + 10;
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
    for (i, a) in arrows.iter().enumerate() {
        let y = TOP + ROW * i as u32 + 12;
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
            "<path class=\"{cls}\" d=\"M{x1} {y}H{x2}\"/><text x=\"{left}\" y=\"{}\"{}>{}</text>",
            y - 3,
            if a.kind == Kind::Failed {
                " class=\"x\""
            } else {
                ""
            },
            escape(&a.label)
        );
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
            "<path class=\"q\" d=\"M70 46H450\"/><text x=\"76\" y=\"43\">\
             #1 authorization request: GET /authorize?clie…</text>"
        ));
        assert!(o.contains("<path class=\"r\" d=\"M450 66H70\"/>"));
        assert!(o.contains("302 → /login"));
        assert!(o.contains(">GET /login<"));
        assert!(o.contains(
            "d=\"M70 126H250\"/><text x=\"76\" y=\"123\">redirect URI /cb?code=abc&amp;state=st1"
        ));
        assert!(o.contains(
            "d=\"M250 146H450\"/><text x=\"256\" y=\"143\">#2 token request: POST /token"
        ));
        assert!(o.contains("d=\"M450 166H250\"/><text x=\"256\" y=\"163\">200</text>"));
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
