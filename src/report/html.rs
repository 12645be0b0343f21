//! One self-contained HTML file: inline CSS, no script, nothing from another host, readable
//! without JavaScript (`<details>` does the folding). Failures come first and open; the rest
//! follow per feature, closed. Everything from the model is escaped.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::model::{
    CheckVerdict, FeatureReport, RunReport, ScenarioReport, Status, StepReport, TokenReport,
};
use crate::http::record::{Exchange, ExchangeEnd, Header};

/// Bodies longer than this are cut, with their full size shown.
pub const BODY_LIMIT: usize = 64 * 1024;

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.5em}\
dl.meta{display:grid;grid-template-columns:max-content auto;gap:0 1em}dt{font-weight:bold}dd{margin:0}\
.sum span{display:inline-block;padding:.2em .6em;margin-right:.4em;border-radius:3px;background:#eee}\
.p{color:#17652b}.f,.u{color:#b00020}.s{color:#777}\
.sum .p{background:#d8f0dd}.sum .f{background:#f8d7da}\
details{margin:.2em 0 .2em 1em}summary{cursor:pointer}\
details.sc{border-left:3px solid #ccc;padding-left:.5em}details.sc.f,details.sc.u{border-color:#b00020}\
details.sc.p{border-color:#2e7d32}\
.t{color:#555;font-size:.9em}.d{color:#777;font-size:.9em}\
ol{margin:.2em 0;padding-left:2em}li{margin:.1em 0}\
pre{background:#f6f6f6;padding:.4em;overflow-x:auto;margin:.2em 0;white-space:pre-wrap;word-break:break-all}\
pre.err{background:#fdecee;border-left:3px solid #b00020}\
.exp{background:#dff0d8;font-weight:bold}.act{background:#f8d7da;font-weight:bold}\
table{border-collapse:collapse;margin:.2em 0}td,th{border:1px solid #ddd;padding:.1em .4em;text-align:left;vertical-align:top}\
.hop{border-top:1px dashed #ccc;margin-top:.3em}.bg{color:#777}";

/// Renders the report as one HTML document.
pub fn render(report: &RunReport) -> String {
    let mut o = String::with_capacity(16 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = writeln!(
        o,
        "<title>idflow report: {}</title><style>{CSS}</style></head><body>",
        e(&report.environment)
    );
    header(&mut o, report);
    if !report.errors.is_empty() {
        o.push_str("<h2>Run errors</h2><ul>");
        for err in &report.errors {
            let _ = write!(
                o,
                "<li><b>{}</b><pre class=\"err\">{}</pre></li>",
                e(&err.location),
                e(&err.message)
            );
        }
        o.push_str("</ul>\n");
    }
    let failed: Vec<_> = report
        .scenarios()
        .filter(|(_, s)| s.verdict().is_failure())
        .collect();
    if !failed.is_empty() {
        o.push_str("<h2>Failures</h2>\n");
        for (f, s) in &failed {
            scenario(&mut o, f, s, true);
        }
    }
    if report.scenarios().any(|(_, s)| !s.verdict().is_failure()) {
        o.push_str("<h2>Scenarios</h2>\n");
    }
    for f in &report.features {
        let rest: Vec<_> = f
            .scenarios
            .iter()
            .filter(|s| !s.verdict().is_failure())
            .collect();
        if rest.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<h3>{} <span class=\"t\">{}{}</span></h3>",
            e(&f.name),
            e(&f.path),
            tag_list(&f.tags)
        );
        for s in rest {
            scenario(&mut o, f, s, false);
        }
    }
    o.push_str("</body></html>\n");
    o
}

fn e(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s)
}

fn header(o: &mut String, r: &RunReport) {
    o.push_str("<h1>idflow report</h1><dl class=\"meta\">");
    let mut row = |k: &str, v: &str| {
        let _ = write!(o, "<dt>{k}</dt><dd>{}</dd>", e(v));
    };
    row("Environment", &r.environment);
    row("Target", &r.target);
    if let Some(c) = &r.commit {
        row("Commit", c);
    }
    if let Some(t) = &r.tags {
        row("Tags", t);
    }
    row("Started", &utc(r.started_at_ms));
    row("Duration", &duration(r.duration_ms));
    o.push_str("</dl>\n");
    let c = r.counts();
    let _ = write!(
        o,
        "<p class=\"sum\"><span>{} scenarios</span><span class=\"p\">{} passed</span>\
         <span class=\"f\">{} failed</span><span class=\"s\">{} skipped</span>",
        c.passed + c.failed + c.skipped,
        c.passed,
        c.failed,
        c.skipped
    );
    if !r.errors.is_empty() {
        let _ = write!(o, "<span class=\"f\">{} run errors</span>", r.errors.len());
    }
    o.push_str("</p>\n");
}

fn class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Passed) => "p",
        Some(Status::Failed) => "f",
        Some(Status::Undefined) => "u",
        Some(Status::Skipped) | None => "s",
    }
}

fn tag_list(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    format!(" {}", e(&tags.join(" ")))
}

fn scenario(o: &mut String, f: &FeatureReport, s: &ScenarioReport, failure: bool) {
    let st = s.verdict();
    let _ = write!(
        o,
        "<details class=\"sc {c}\"{open}><summary><b class=\"{c}\">{}</b> {}: {}",
        st.as_str().to_uppercase(),
        e(&s.keyword),
        e(&s.name),
        c = class(Some(st)),
        open = if failure { " open" } else { "" }
    );
    if failure {
        let _ = write!(o, " <span class=\"t\">{}:{}</span>", e(&f.path), s.line);
    }
    let _ = write!(
        o,
        " <span class=\"t\">{}</span> <span class=\"d\">{}</span></summary>",
        tag_list(&s.tags),
        duration(s.duration_ms)
    );
    if let Some(rule) = &s.rule {
        let _ = write!(o, "<div class=\"t\">Rule: {}</div>", e(rule));
    }
    if s.retries > 0 {
        let _ = write!(o, "<div class=\"t\">retried {} time(s)</div>", s.retries);
    }
    o.push_str("<ol>");
    for step in &s.steps {
        step_item(o, f, step);
    }
    o.push_str("</ol>");
    for t in &s.tokens {
        token(o, t);
    }
    if !s.logs.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Logs ({} lines)</summary><pre>{}</pre></details>",
            s.logs.len(),
            e(&s.logs.join("\n"))
        );
    }
    o.push_str("</details>\n");
}

fn step_item(o: &mut String, f: &FeatureReport, st: &StepReport) {
    let _ = write!(
        o,
        "<li class=\"{c}{bg}\"><b class=\"{c}\">{}</b> {}{} <span class=\"d\">{} · line {}</span>",
        st.status.unwrap_or(Status::Skipped).as_str(),
        e(st.keyword.trim_end()),
        if st.text.is_empty() {
            String::new()
        } else {
            format!(" {}", e(&st.text))
        },
        duration(st.duration_ms),
        st.line,
        c = class(st.status),
        bg = if st.background { " bg" } else { "" }
    );
    if let Some(d) = &st.docstring {
        let _ = write!(o, "<pre>{}</pre>", e(d));
    }
    if let Some(rows) = &st.table {
        o.push_str("<table>");
        for row in rows {
            o.push_str("<tr>");
            for c in row {
                let _ = write!(o, "<td>{}</td>", e(c));
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
    }
    if let Some(err) = &st.error {
        let _ = write!(
            o,
            "<div class=\"t\">{}:{}</div><pre class=\"err\">",
            e(&f.path),
            st.line
        );
        error_text(o, err);
        o.push_str("</pre>");
    } else if st.status == Some(Status::Undefined) {
        o.push_str("<pre class=\"err\">undefined step: no step definition matches</pre>");
    }
    for ex in &st.exchanges {
        exchange(o, ex);
    }
    o.push_str("</li>");
}

/// The error with its `expected:` and `actual:` lines highlighted.
fn error_text(o: &mut String, err: &str) {
    for (i, line) in err.lines().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let t = line.trim_start();
        let cls = if t.starts_with("expected:") {
            Some("exp")
        } else if t.starts_with("actual:") {
            Some("act")
        } else {
            None
        };
        match cls {
            Some(c) => {
                let _ = write!(o, "<span class=\"{c}\">{}</span>", e(line));
            }
            None if i == 0 => {
                let _ = write!(o, "<b>{}</b>", e(line));
            }
            None => o.push_str(&e(line)),
        }
    }
}

fn exchange(o: &mut String, ex: &Exchange) {
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
    for (i, hop) in ex.hops.iter().enumerate() {
        let r = &hop.request;
        let _ = write!(
            o,
            "<div class=\"hop\"><div>{}. <b>{}</b> {} <span class=\"d\">{}</span></div>",
            i + 1,
            e(&r.method),
            e(&r.url),
            duration(hop.duration_ms)
        );
        headers(o, &r.headers);
        if let Some(b) = &r.body {
            body(o, b, b.len());
        }
        match &hop.response {
            Some(resp) => {
                let _ = write!(o, "<div>← <b>{}</b></div>", resp.status);
                headers(o, &resp.headers);
                body(o, &resp.body, resp.body_size);
            }
            None => o.push_str("<div>← no response</div>"),
        }
        o.push_str("</div>");
    }
    match ex.end {
        ExchangeEnd::RedirectUri => {
            let _ = write!(
                o,
                "<div class=\"t\">stopped at the redirect URI {}</div>",
                e(ex.stopped_at.as_deref().unwrap_or(""))
            );
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

fn headers(o: &mut String, hs: &[Header]) {
    if hs.is_empty() {
        return;
    }
    o.push_str("<table>");
    for (n, v) in hs {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", e(n), e(v));
    }
    o.push_str("</table>");
}

/// A body, JSON pretty-printed, cut above [`BODY_LIMIT`] bytes.
fn body(o: &mut String, text: &str, size: usize) {
    if text.is_empty() {
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

fn token(o: &mut String, t: &TokenReport) {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let failed = t.checks.iter().any(|c| c.verdict == CheckVerdict::Failed);
    let _ = write!(
        o,
        "<details{}><summary>Token: {}</summary><table><tr><th>header</th><td><pre>{}</pre></td></tr>\
         <tr><th>claims</th><td><pre>{}</pre></td></tr></table>",
        if failed { " open" } else { "" },
        e(&t.label),
        e(&pretty(&t.header)),
        e(&pretty(&t.claims))
    );
    if !t.checks.is_empty() {
        o.push_str("<table><tr><th>check</th><th>verdict</th><th>detail</th></tr>");
        for c in &t.checks {
            let (cls, word) = match c.verdict {
                CheckVerdict::Passed => ("p", "passed"),
                CheckVerdict::Failed => ("f", "failed"),
                CheckVerdict::NotApplicable => ("s", "not applicable"),
            };
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"{cls}\">{word}</td><td>{}</td></tr>",
                e(&c.name),
                e(&c.detail)
            );
        }
        o.push_str("</table>");
    }
    o.push_str("</details>");
}

/// `12 ms`, `1.23 s`.
fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Milliseconds since the epoch as `YYYY-MM-DD hh:mm:ss UTC`.
fn utc(ms: u128) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn header_summary_and_order() {
        let html = render(&fixtures::report());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<dt>Environment</dt><dd>simulator</dd>"));
        assert!(html.contains("<dt>Commit</dt><dd>0a4ca19</dd>"));
        assert!(html.contains("<dd>2023-11-14 22:13:20 UTC</dd>"));
        assert!(html.contains("<dd>1.23 s</dd>"));
        assert!(
            html.contains("2 passed") && html.contains("3 failed") && html.contains("1 skipped")
        );
        assert!(html.contains("features/broken.feature:3"));
        let failures = html.find("<h2>Failures</h2>").unwrap();
        let rest = html.find("<h2>Scenarios</h2>").unwrap();
        assert!(failures < rest);
        // Failed scenarios only once, in the failures section.
        assert_eq!(html.matches("Wrong audience").count(), 1);
        assert!(html.find("Wrong audience").unwrap() < rest);
        assert!(html.find("Login with code flow").unwrap() > rest);
    }

    #[test]
    fn errors_highlight_expected_and_actual() {
        let html = render(&fixtures::report());
        assert!(html.contains("<span class=\"exp\">  expected: &quot;other&quot;</span>"));
        assert!(html.contains("<span class=\"act\">  actual:   &quot;demo&quot;</span>"));
        assert!(html.contains("<b>JSONPath $.aud in the response to GET /userinfo</b>"));
    }

    #[test]
    fn exchanges_tokens_and_logs() {
        let html = render(&fixtures::report());
        assert!(html.contains("#1 authorization request: <b>GET</b>"));
        assert!(html.contains("2 hops"));
        assert!(
            html.contains(
                "stopped at the redirect URI https://rp.example/cb?code=abc&amp;state=st1"
            )
        );
        assert!(html.contains("<th>location</th><td>https://idp.example/login</td>"));
        // JSON pretty-printed.
        assert!(html.contains("&quot;expires_in&quot;: 300"));
        assert!(html.contains("<td class=\"s\">not applicable</td>"));
        assert!(html.contains("<td class=\"p\">passed</td>"));
        assert!(html.contains("<summary>Logs (2 lines)</summary>"));
    }

    #[test]
    fn large_bodies_are_cut_with_their_size() {
        let mut r = fixtures::report();
        let big = "x".repeat(BODY_LIMIT + 10);
        let resp = r.features[0].scenarios[0].steps[1].exchanges[1].hops[0]
            .response
            .as_mut()
            .unwrap();
        resp.body = big;
        resp.body_size = BODY_LIMIT + 10;
        let html = render(&r);
        assert!(html.contains(&format!(
            "showing the first 64 KiB of {} bytes",
            BODY_LIMIT + 10
        )));
        assert!(!html.contains(&"x".repeat(BODY_LIMIT + 1)));
    }

    #[test]
    fn everything_is_escaped_and_self_contained() {
        let mut r = fixtures::report();
        let evil = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'&";
        r.environment = evil.into();
        r.features[0].name = evil.into();
        let s = &mut r.features[0].scenarios[0];
        s.name = evil.into();
        s.tags.push(evil.into());
        s.logs.push(evil.into());
        s.steps[1].text = evil.into();
        s.steps[1].exchanges[0].hops[0].request.url = evil.into();
        s.steps[1].exchanges[0].hops[0].request.headers[0].1 = evil.into();
        s.tokens[0].claims["x"] = evil.into();
        r.errors[0].message = evil.into();
        r.features[0].scenarios[1].steps[2].error = Some(format!("expected: {evil}"));
        let html = render(&r);
        assert!(!html.contains("<script"), "script tag leaked");
        assert!(!html.contains("<img"), "img tag leaked");
        assert!(!html.contains("http://"));
        for external in ["<link", "<script src", "@import", "url(", "https://fonts"] {
            assert!(!html.contains(external), "{external}");
        }
    }

    #[test]
    fn markup_stays_compact() {
        let mut r = fixtures::report();
        let one = r.features[0].scenarios[2].clone();
        r.features[0].scenarios = vec![one; 10_000];
        let html = render(&r);
        // A one-step passing scenario costs well under 1 KB of markup.
        assert!(html.len() < 10_000 * 700, "{} bytes", html.len());
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }
}
