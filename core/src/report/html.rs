//! One self-contained HTML file: inline CSS and one small inline script, nothing from another
//! host. Without JavaScript everything is shown and `<details>` does the folding; with it, a
//! filter bar (status, tag, feature, free text, kept in the URL's hash so a view can be shared)
//! toggles `hidden` on scenarios. Failures come first; the rest follow per feature, closed.
//! Closed sections cost little to render, so the sequence diagram of a scenario lives inside
//! its `<details>`. Everything from the model is escaped.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use quick_xml::escape::{escape, partial_escape};

use super::model::{
    Check, FeatureReport, Level, Outcome, PollTimeline, RunReport, ScenarioReport, Status,
    StepReport, TokenRecord,
};
use crate::record::{Exchange, ExchangeEnd, Header};

#[path = "sequence.rs"]
pub mod sequence;

/// Bodies longer than this are cut, with their full size shown.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Bodies at least this long that occur more than once (discovery documents, key sets) are
/// shown once, under "Shared bodies", and linked to where they occur.
pub const SHARED_BODY_MIN: usize = 256;

/// Shared bodies, with their number, in order of first occurrence.
type Seen = HashMap<String, usize>;

/// Bodies at least [`SHARED_BODY_MIN`] long that occur more than once.
fn shared_bodies(r: &RunReport) -> (Seen, Vec<String>) {
    let mut count: HashMap<&str, usize> = HashMap::new();
    let mut order = Vec::new();
    for (_, s) in r.scenarios() {
        for ex in s.exchanges() {
            for hop in &ex.hops {
                let req = hop.request.body.as_deref();
                let resp = hop.response.as_ref().map(|r| r.body.as_str());
                for b in [req, resp].into_iter().flatten() {
                    if b.len() >= SHARED_BODY_MIN {
                        let n = count.entry(b).or_default();
                        *n += 1;
                        if *n == 2 {
                            order.push(b);
                        }
                    }
                }
            }
        }
    }
    let list: Vec<String> = order.into_iter().map(str::to_owned).collect();
    let seen = list
        .iter()
        .enumerate()
        .map(|(i, b)| (b.clone(), i))
        .collect();
    (seen, list)
}

/// Failed scenarios are open on load when there are at most this many; beyond, they are
/// closed so that a bad run still opens quickly.
pub const OPEN_FAILURES_MAX: usize = 50;

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.5em}\
dl.meta{display:grid;grid-template-columns:max-content auto;gap:0 1em}dt{font-weight:bold}dd{margin:0}\
.sum span{display:inline-block;padding:.2em .6em;margin-right:.4em;border-radius:3px;background:#eee}\
.p{color:#17652b}.f,.u,.x{color:#b00020}.s{color:#777}.w{color:#8a5a00}\
.sum .p{background:#d8f0dd}.sum .f{background:#f8d7da}\
.b{font-size:.8em;padding:0 .4em;border-radius:3px;background:#fff3cd;color:#664d03}.b.fl{background:#ffe0b2}\
details{margin:.2em 0 .2em 1em}summary{cursor:pointer}\
details.sc{border-left:3px solid #ccc;padding-left:.5em}details.sc.f,details.sc.u{border-color:#b00020}\
details.sc.p{border-color:#2e7d32}\
.t{color:#555;font-size:.9em}.d{color:#777;font-size:.9em}\
ol{margin:.2em 0;padding-left:2em}li{margin:.1em 0}ul.ck{margin:.2em 0;padding-left:1.2em}\
pre{background:#f6f6f6;padding:.4em;overflow-x:auto;margin:.2em 0;white-space:pre-wrap;word-break:break-all}\
pre.h{background:#fafafa;color:#444}\
pre.err{background:#fdecee;border-left:3px solid #b00020}\
.exp{background:#dff0d8;font-weight:bold}.act{background:#f8d7da;font-weight:bold}\
table{border-collapse:collapse;margin:.2em 0}td,th{border:1px solid #ddd;padding:.1em .4em;text-align:left;vertical-align:top}\
.hop{border-top:1px dashed #ccc;margin-top:.3em}.bg{color:#777}\
#flt{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:1}\
#flt button{font:inherit;margin-right:.2em;border:1px solid #bbb;background:#f6f6f6;border-radius:3px;cursor:pointer}\
#flt button[aria-pressed=true]{background:#333;color:#fff}#flt input,#flt select{font:inherit;margin-left:.3em}#flt label{margin-left:.8em}\
svg.sq{display:block;margin:.3em 0;font:11px system-ui,sans-serif}\
#sqh rect{fill:#eef;stroke:#446}#sqh text{font:11px system-ui,sans-serif;fill:#222}.sq text{fill:#222}.sq text.c{text-anchor:middle}\
.sq path{stroke:#333;fill:none;marker-end:url(#ah)}.sq path.r{stroke-dasharray:5 3}\
.sq path.x{stroke:#b00020}.sq path.l{stroke:#aab;stroke-dasharray:2 3;marker-end:none}.sq text.x{fill:#b00020}#ah path{fill:#333;stroke:none}";

/// The filter script: reads the view from the hash, toggles `hidden`, writes the hash back.
const SCRIPT: &str = r#"(function(){
var d=document,f=d.getElementById('flt');if(!f)return;
var all=[].slice.call(d.querySelectorAll('details.sc')),grps=[].slice.call(d.querySelectorAll('.grp')),
bs=[].slice.call(f.querySelectorAll('button[data-st]')),tg=d.getElementById('ftag'),fe=d.getElementById('ffeat'),
q=d.getElementById('fq'),n=d.getElementById('fn'),txt=null,st='',timer=0;
function read(){var h=location.hash.slice(1),p=new URLSearchParams(h.indexOf('=')<0?'':h);
st=p.get('status')||'';tg.value=p.get('tag')||'';if(tg.selectedIndex<0)tg.value='';
var fp=p.get('feature')||'';fe.selectedIndex=0;if(fp)for(var i=1;i<fe.options.length;i++)if(fe.options[i].getAttribute('data-p')===fp)fe.selectedIndex=i;
q.value=p.get('q')||''}
function save(){var p=new URLSearchParams();if(st)p.set('status',st);if(tg.value)p.set('tag',tg.value);
if(fe.value)p.set('feature',fe.options[fe.selectedIndex].getAttribute('data-p'));if(q.value)p.set('q',q.value);
var s=p.toString();history.replaceState(null,'',s?'#'+s:location.pathname+location.search)}
function match(el,i){var s=el.getAttribute('data-s');
if(st&&!(st===s||st==='failed'&&s==='undefined'||st==='retried'&&el.hasAttribute('data-r')||st==='flaky'&&el.hasAttribute('data-fl')))return false;
if(tg.value&&(' '+el.getAttribute('data-t')+' ').indexOf(' '+tg.value+' ')<0)return false;
if(fe.value&&el.getAttribute('data-f')!==fe.value)return false;
var t=q.value.trim().toLowerCase();if(t){if(!txt)txt=all.map(function(e){return e.textContent.replace(/<[^>]*>/g,' ').toLowerCase()});if(txt[i].indexOf(t)<0)return false}
return true}
function apply(){var k=0;all.forEach(function(el,i){var m=match(el,i);if(el.hidden===m)el.hidden=!m;if(m)k++});
grps.forEach(function(g){g.hidden=!g.querySelector('details.sc:not([hidden])')});
bs.forEach(function(b){b.setAttribute('aria-pressed',String(b.getAttribute('data-st')===st))});
n.textContent=k===all.length?'all '+k+' scenarios shown':k+' of '+all.length+' scenarios shown'}
bs.forEach(function(b){b.addEventListener('click',function(){var v=b.getAttribute('data-st');st=st===v?'':v;save();apply()})});
tg.addEventListener('change',function(){save();apply()});fe.addEventListener('change',function(){save();apply()});
q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(function(){save();apply()},150)});
f.addEventListener('submit',function(ev){ev.preventDefault()});
d.addEventListener('toggle',function(ev){var el=ev.target;if(!el.open||!el.classList||!el.classList.contains('sc'))return;
var ns=el.querySelector(':scope>noscript');if(ns){ns.insertAdjacentHTML('afterend',ns.textContent);ns.remove()}},true);
function shared(){var h=location.hash.slice(1),el=/^b[0-9]+$/.test(h)&&d.getElementById(h);if(el)el.open=true}
window.addEventListener('hashchange',function(){shared();read();apply()});shared();
read();apply();f.hidden=false})();"#;

/// Renders the report as one HTML document.
pub fn render(report: &RunReport) -> String {
    let mut o = String::with_capacity(16 * 1024 + report.features.len() * 4096);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = writeln!(
        o,
        "<title>idflow report: {}</title><style>{CSS}</style></head><body>",
        e(&report.environment)
    );
    // The one arrowhead every sequence diagram refers to.
    let _ = writeln!(
        o,
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\
         <marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\"/></marker>{}</defs></svg>",
        sequence::head()
    );
    header(&mut o, report);
    filters(&mut o, report);
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
    // Ids follow report order, so a scenario keeps its anchor whichever section it is in.
    let (seen, shared) = shared_bodies(report);
    let mut ids = Vec::with_capacity(report.features.len());
    let mut next = 0usize;
    for f in &report.features {
        ids.push(next);
        next += f.scenarios.len();
    }
    let failed: Vec<_> = report
        .features
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            f.scenarios
                .iter()
                .enumerate()
                .filter(|(_, s)| s.verdict().is_failure())
                .map(move |(si, s)| (fi, si, f, s))
        })
        .collect();
    if !failed.is_empty() {
        let open = failed.len() <= OPEN_FAILURES_MAX;
        o.push_str("<section class=\"grp\" id=\"failures\"><h2>Failures</h2>\n");
        for (fi, si, f, s) in &failed {
            scenario(&mut o, &seen, *fi, ids[*fi] + si, f, s, true, open);
        }
        o.push_str("</section>\n");
    }
    if report.scenarios().any(|(_, s)| !s.verdict().is_failure()) {
        o.push_str("<section class=\"grp\" id=\"scenarios\"><h2>Scenarios</h2>\n");
        for (fi, f) in report.features.iter().enumerate() {
            if f.scenarios.iter().all(|s| s.verdict().is_failure()) {
                continue;
            }
            let _ = writeln!(
                o,
                "<section class=\"grp\"><h3>{} <span class=\"t\">{}{}</span></h3>",
                e(&f.name),
                e(&f.path),
                tag_list(&f.tags)
            );
            for (si, s) in f.scenarios.iter().enumerate() {
                if !s.verdict().is_failure() {
                    scenario(&mut o, &seen, fi, ids[fi] + si, f, s, false, false);
                }
            }
            o.push_str("</section>\n");
        }
        o.push_str("</section>\n");
    }
    if !shared.is_empty() {
        o.push_str("<section id=\"shared\"><h2>Shared bodies</h2>\n");
        let none = Seen::new();
        for (id, b) in shared.iter().enumerate() {
            let _ = write!(
                o,
                "<details id=\"b{id}\"><summary>#b{id} · {} bytes</summary>",
                b.len()
            );
            body(&mut o, &none, b, b.len());
            o.push_str("</details>\n");
        }
        o.push_str("</section>\n");
    }
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body></html>");
    o
}

/// Escapes text content (`&`, `<`, `>`): quotes need no escaping there, and bodies are full
/// of them.
fn e(s: &str) -> std::borrow::Cow<'_, str> {
    partial_escape(s)
}

/// Escapes an attribute value (quotes too).
fn a(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s)
}

/// Scenario counts by verdict, with retried and flaky ones.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    undefined: usize,
    skipped: usize,
    retried: usize,
    flaky: usize,
}

fn tally(r: &RunReport) -> Tally {
    let mut t = Tally::default();
    for (_, s) in r.scenarios() {
        match s.verdict() {
            Status::Passed => t.passed += 1,
            Status::Failed => t.failed += 1,
            Status::Undefined => t.undefined += 1,
            Status::Skipped => t.skipped += 1,
        }
        if s.retries > 0 {
            t.retried += 1;
            if s.verdict() == Status::Passed {
                t.flaky += 1;
            }
        }
    }
    t
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
    let t = tally(r);
    let _ = write!(
        o,
        "<p class=\"sum\"><span>{} scenarios</span><span class=\"p\">{} passed</span>\
         <span class=\"f\">{} failed</span>",
        t.passed + t.failed + t.undefined + t.skipped,
        t.passed,
        t.failed + t.undefined,
    );
    if t.undefined > 0 {
        let _ = write!(o, "<span class=\"u\">{} undefined</span>", t.undefined);
    }
    let _ = write!(o, "<span class=\"s\">{} skipped</span>", t.skipped);
    if t.retried > 0 {
        let _ = write!(o, "<span>{} retried</span>", t.retried);
    }
    if t.flaky > 0 {
        let _ = write!(o, "<span>{} flaky</span>", t.flaky);
    }
    if !r.errors.is_empty() {
        let _ = write!(o, "<span class=\"f\">{} run errors</span>", r.errors.len());
    }
    o.push_str("</p>\n");
}

/// The filter bar, hidden until the script shows it (it does nothing without the script).
fn filters(o: &mut String, r: &RunReport) {
    let t = tally(r);
    o.push_str("<form id=\"flt\" hidden><button type=\"button\" data-st=\"\">all</button>");
    for (key, n) in [
        ("failed", t.failed + t.undefined),
        ("undefined", t.undefined),
        ("passed", t.passed),
        ("skipped", t.skipped),
        ("retried", t.retried),
        ("flaky", t.flaky),
    ] {
        if n > 0 {
            let _ = write!(
                o,
                "<button type=\"button\" data-st=\"{key}\" aria-pressed=\"false\">{key} ({n})</button>"
            );
        }
    }
    let tags: BTreeSet<&str> = r
        .scenarios()
        .flat_map(|(_, s)| s.tags.iter().map(String::as_str))
        .collect();
    o.push_str("<label>tag<select id=\"ftag\" name=\"tag\"><option value=\"\">all tags</option>");
    for tag in tags {
        let _ = write!(o, "<option>{}</option>", e(tag));
    }
    o.push_str(
        "</select></label><label>feature<select id=\"ffeat\" name=\"feature\">\
         <option value=\"\">all features</option>",
    );
    for (i, f) in r.features.iter().enumerate() {
        let _ = write!(
            o,
            "<option value=\"{i}\" data-p=\"{}\">{}</option>",
            a(&f.path),
            e(&f.name)
        );
    }
    o.push_str(
        "</select></label><label>text<input id=\"fq\" type=\"search\" name=\"q\" \
         placeholder=\"name, step, URL…\"></label> <span id=\"fn\" class=\"t\"></span></form>\n",
    );
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

#[allow(clippy::too_many_arguments)]
fn scenario(
    o: &mut String,
    seen: &Seen,
    fi: usize,
    id: usize,
    f: &FeatureReport,
    s: &ScenarioReport,
    failure: bool,
    open: bool,
) {
    let st = s.verdict();
    let flaky = s.retries > 0 && st == Status::Passed;
    let _ = write!(
        o,
        "<details class=\"sc {c}\" id=\"s{id}\" data-s=\"{}\" data-f=\"{fi}\" data-t=\"{}\"{}{}{open}>\
         <summary><b class=\"{c}\">{}</b> {}: {}",
        st.as_str(),
        a(&s.tags.join(" ")),
        if s.retries > 0 { " data-r" } else { "" },
        if flaky { " data-fl" } else { "" },
        st.as_str().to_uppercase(),
        e(&s.keyword),
        e(&s.name),
        c = class(Some(st)),
        open = if open { " open" } else { "" }
    );
    if s.retries > 0 {
        let _ = write!(o, " <span class=\"b\">retried ×{}</span>", s.retries);
    }
    if flaky {
        o.push_str(" <span class=\"b fl\">flaky</span>");
    }
    if failure {
        let _ = write!(o, " <span class=\"t\">{}:{}</span>", e(&f.path), s.line);
    }
    let _ = write!(
        o,
        " <span class=\"t\">{}</span> <span class=\"d\">{}</span></summary>",
        tag_list(&s.tags),
        duration(s.duration_ms)
    );
    // A closed scenario's body waits in <noscript>: shown as usual without JavaScript, one
    // text node with it until the script renders it on opening.
    if !open {
        o.push_str("<noscript>");
    }
    if let Some(rule) = &s.rule {
        let _ = write!(o, "<div class=\"t\">Rule: {}</div>", e(rule));
    }
    if s.retries > 0 {
        let _ = write!(
            o,
            "<div class=\"t\">retried {} time(s){}</div>",
            s.retries,
            if flaky { ", then passed: flaky" } else { "" }
        );
    }
    o.push_str("<ol>");
    for step in &s.steps {
        step_item(o, seen, f, step);
    }
    o.push_str("</ol>");
    sequence::render(o, s.exchanges());
    if !s.logs.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Logs ({} lines)</summary><pre>{}</pre></details>",
            s.logs.len(),
            e(&s.logs.join("\n"))
        );
    }
    if !open {
        o.push_str("</noscript>");
    }
    o.push_str("</details>\n");
}

fn step_item(o: &mut String, seen: &Seen, f: &FeatureReport, st: &StepReport) {
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
    if let Some(err) = &st.record.error {
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
    for ex in &st.record.exchanges {
        exchange(o, seen, ex);
    }
    for t in &st.record.timelines {
        timeline(o, t);
    }
    for t in &st.record.tokens {
        token(o, t);
    }
    if !st.record.checks.is_empty() {
        checks(o, &st.record.checks);
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

fn exchange(o: &mut String, seen: &Seen, ex: &Exchange) {
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

/// A body, JSON pretty-printed, cut above [`BODY_LIMIT`] bytes.
fn body(o: &mut String, seen: &Seen, text: &str, size: usize) {
    if text.is_empty() {
        return;
    }
    if let Some(id) = seen.get(text) {
        let _ = write!(
            o,
            "<div class=\"t\">body: <a href=\"#b{id}\">shared body #b{id}</a> ({} bytes)</div>",
            size.max(text.len())
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

/// A polling loop: one row per poll, then how it ended.
fn timeline(o: &mut String, t: &PollTimeline) {
    let _ = write!(
        o,
        "<details open><summary>Polls: {} · {} polls · {}</summary>\
         <div class=\"t\">interval {} s, limit {} s</div>\
         <table><tr><th>#</th><th>at</th><th>waited</th><th>status</th><th>answer</th></tr>",
        e(&t.label),
        t.polls.len(),
        e(&t.outcome),
        secs(t.interval_s),
        secs(t.limit_s)
    );
    for (i, p) in t.polls.iter().enumerate() {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{} s</td><td>{} s</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            i + 1,
            secs(p.at_s),
            secs(p.waited_s),
            if p.status >= 400 && p.answer != "authorization_pending" && p.answer != "slow_down" {
                "f"
            } else {
                "d"
            },
            p.status,
            e(&p.answer)
        );
    }
    let _ = write!(
        o,
        "</table><div>outcome: <b>{}</b></div></details>",
        e(&t.outcome)
    );
}

/// Seconds without trailing zeros: `5`, `2.5`, `0.25`.
fn secs(s: f64) -> String {
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn token(o: &mut String, t: &TokenRecord) {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let failed = t.checks.iter().any(|c| c.verdict == Outcome::Failed);
    let _ = write!(
        o,
        "<details{}><summary>Token: {}</summary><div class=\"t\">header</div><pre>{}</pre>\
         <div class=\"t\">claims</div><pre>{}</pre>",
        if failed { " open" } else { "" },
        a(&t.label),
        a(&pretty(&t.header)),
        a(&pretty(&t.claims))
    );
    if !t.checks.is_empty() {
        checks(o, &t.checks);
    }
    o.push_str("</details>");
}

/// Named checks with their verdict, level and clause; a failed one with what was expected
/// and what came.
fn checks(o: &mut String, checks: &[Check]) {
    o.push_str("<ul class=\"ck\">");
    for c in checks {
        let (cls, word) = match (c.verdict, c.level) {
            (Outcome::Passed, _) => ("p", "passed"),
            (Outcome::Failed, Level::Must) => ("f", "failed"),
            (Outcome::Failed, _) => ("w", "warning"),
            (Outcome::NotApplicable, _) => ("s", "not applicable"),
        };
        let _ = write!(
            o,
            "<li class=\"{cls}\"><b>{}</b> {word}: {}",
            a(&c.name),
            a(&c.detail)
        );
        if c.level != Level::Must || c.clause.is_some() {
            let _ = write!(
                o,
                " <span class=\"d\">{}{}</span>",
                c.level.as_str(),
                c.clause
                    .as_deref()
                    .map(|cl| format!(" · {}", a(cl)))
                    .unwrap_or_default()
            );
        }
        if let (Some(expected), Some(actual)) = (&c.expected, &c.actual) {
            let _ = write!(
                o,
                "<pre class=\"err\"><span class=\"exp\">expected: {}</span>\n<span class=\"act\">actual:   {}</span></pre>",
                a(expected),
                a(actual)
            );
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
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
        assert!(html.contains("<span class=\"exp\">  expected: \"other\"</span>"));
        assert!(html.contains("<span class=\"act\">  actual:   \"demo\"</span>"));
        assert!(html.contains("<b>JSONPath $.aud in the response to GET /userinfo</b>"));
    }

    #[test]
    fn exchanges_tokens_and_logs() {
        let html = render(&fixtures::report());
        assert!(html.contains("#1 authorization request: <b>GET</b>"));
        assert!(html.contains("2 hops"));
        assert!(html.contains(
            "location: https://rp.example/cb?code=abc&amp;state=st1</pre></div>\
                 <div class=\"t\">stopped at the redirect URI (not requested)</div>"
        ));
        assert!(html.contains("<pre class=\"h\">location: https://idp.example/login</pre>"));
        // JSON pretty-printed.
        assert!(html.contains("\"expires_in\": 300"));
        assert!(html.contains("<div>1. <b>GET</b> … <span class=\"d\">12 ms</span></div>"));
        assert!(html.contains("<div>2. <b>GET</b> https://idp.example/login <span"));
        assert!(html.contains(
            "<li class=\"s\"><b>c_hash</b> not applicable: no code from the authorization endpoint</li>"
        ));
        assert!(html.contains("<li class=\"p\"><b>signature</b> passed: RS256 with k1</li>"));
        assert!(html.contains("<summary>Logs (2 lines)</summary>"));
    }

    #[test]
    fn large_bodies_are_cut_with_their_size() {
        let mut r = fixtures::report();
        let big = "x".repeat(BODY_LIMIT + 10);
        let resp = r.features[0].scenarios[0].steps[1].record.exchanges[1].hops[0]
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
        s.steps[1].record.exchanges[0].hops[0].request.url = evil.into();
        s.steps[1].record.exchanges[0].hops[0].request.headers[0].1 = evil.into();
        s.steps[1].record.tokens[0].claims["x"] = evil.into();
        r.errors[0].message = evil.into();
        r.features[0].scenarios[1].steps[2].record.error = Some(format!("expected: {evil}"));
        let html = render(&r);
        // The one script is ours; nothing from the model became markup.
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(!html.contains("<img"), "img tag leaked");
        assert_eq!(
            html.matches("<noscript").count(),
            html.matches("</noscript").count()
        );
        assert!(!html.contains("http://"));
        for external in [
            "<link",
            "<script src",
            "@import",
            "https://fonts",
            "<iframe",
        ] {
            assert!(!html.contains(external), "{external}");
        }
        // CSS refers only to the page's own arrowhead.
        assert_eq!(
            html.matches("url(").count(),
            html.matches("url(#ah)").count()
        );
        for word in ["fetch(", "XMLHttpRequest", "import(", "src="] {
            assert!(!SCRIPT.contains(word), "{word}");
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
    fn filters_data_and_badges() {
        let mut r = fixtures::report();
        r.features[0].scenarios[0].retries = 2;
        let html = render(&r);
        assert!(html.contains("<form id=\"flt\" hidden>"));
        assert!(html.contains("data-st=\"failed\" aria-pressed=\"false\">failed (3)</button>"));
        assert!(html.contains("data-st=\"undefined\" aria-pressed=\"false\">undefined (1)"));
        assert!(html.contains("data-st=\"flaky\" aria-pressed=\"false\">flaky (1)"));
        assert!(html.contains("<option>@smoke</option>"));
        assert!(
            html.contains("<option value=\"1\" data-p=\"features/misc.feature\">Misc</option>")
        );
        // Ids follow report order whichever section the scenario is in.
        assert!(html.contains(
            "<details class=\"sc p\" id=\"s0\" data-s=\"passed\" data-f=\"0\" \
             data-t=\"@oidc @smoke\" data-r data-fl>"
        ));
        assert!(html.contains(
            "<details class=\"sc f\" id=\"s1\" data-s=\"failed\" data-f=\"0\" data-t=\"@oidc\" data-r open>"
        ));
        assert!(html.contains("id=\"s5\" data-s=\"undefined\" data-f=\"1\""));
        assert!(
            html.contains("<span class=\"b\">retried ×2</span> <span class=\"b fl\">flaky</span>")
        );
        assert!(html.contains("<span class=\"b\">retried ×1</span> <span class=\"t\">"));
        assert!(html.contains("<span>2 retried</span><span>1 flaky</span>"));
        assert_eq!(html.matches("class=\"grp\"").count(), 3);
    }

    #[test]
    fn closed_scenarios_wait_in_noscript() {
        let html = render(&fixtures::report());
        // Open failures are rendered as they are; closed scenarios' bodies sit in <noscript>.
        assert!(html.contains("data-r open><summary>"));
        let s1 = html.find("id=\"s1\"").unwrap();
        let s1_end = s1 + html[s1..].find("</details>\n").unwrap();
        assert!(!html[s1..s1_end].contains("<noscript>"));
        let s0 = html.find("id=\"s0\"").unwrap();
        let rest = &html[s0..];
        let body = rest.find("</summary>").unwrap() + "</summary>".len();
        assert!(rest[body..].starts_with("<noscript><ol>"));
        assert!(rest.contains("</noscript></details>\n"));
        assert_eq!(
            html.matches("<noscript>").count(),
            html.matches("</noscript>").count()
        );
        assert!(SCRIPT.contains("ns.insertAdjacentHTML('afterend',ns.textContent)"));
    }

    #[test]
    fn many_failures_start_closed() {
        let mut r = fixtures::report();
        let one = r.features[0].scenarios[1].clone();
        r.features[0].scenarios = vec![one; OPEN_FAILURES_MAX + 1];
        let html = render(&r);
        assert!(!html.contains(" open><summary>"));
    }

    #[test]
    fn sequence_diagram_inside_the_scenario() {
        let html = render(&fixtures::report());
        let sc = html.find("id=\"s0\"").unwrap();
        let end = sc + html[sc..].find("</details>\n").unwrap();
        let svg = html.find("<svg class=\"sq\"").unwrap();
        assert!(sc < svg && svg < end);
        assert_eq!(html.matches("<svg class=\"sq\"").count(), 1);
        assert!(html.contains("<marker id=\"ah\""));
    }

    #[test]
    fn poll_timelines() {
        let mut r = fixtures::report();
        r.features[0].scenarios[0].steps[0]
            .record
            .timelines
            .push(PollTimeline {
                label: "CIBA token polling".into(),
                interval_s: 5.0,
                limit_s: 120.0,
                polls: vec![
                    crate::report::model::PollRecord {
                        at_s: 5.0,
                        waited_s: 5.0,
                        status: 400,
                        answer: "authorization_pending".into(),
                    },
                    crate::report::model::PollRecord {
                        at_s: 15.5,
                        waited_s: 10.5,
                        status: 200,
                        answer: "tokens".into(),
                    },
                ],
                outcome: "tokens".into(),
            });
        let html = render(&r);
        assert!(html.contains("<summary>Polls: CIBA token polling · 2 polls · tokens</summary>"));
        assert!(html.contains("interval 5 s, limit 120 s"));
        assert!(html.contains(
            "<tr><td>1</td><td>5 s</td><td>5 s</td><td class=\"d\">400</td><td>authorization_pending</td></tr>"
        ));
        assert!(html.contains("<td>15.5 s</td><td>10.5 s</td>"));
        assert!(html.contains("outcome: <b>tokens</b>"));
    }

    #[test]
    fn repeated_bodies_are_linked() {
        let mut r = fixtures::report();
        let doc = format!(
            "{{\"issuer\":\"https://idp.example\",\"x\":\"{}\"}}",
            "y".repeat(300)
        );
        for s in [0, 2] {
            let resp = r.features[0].scenarios[s].steps[0]
                .record
                .exchanges
                .get_mut(0);
            if resp.is_none() {
                r.features[0].scenarios[s].steps[0].record.exchanges = fixtures::exchanges();
            }
            let resp = r.features[0].scenarios[s].steps[0].record.exchanges[1].hops[0]
                .response
                .as_mut()
                .unwrap();
            resp.body = doc.clone();
            resp.body_size = doc.len();
        }
        let html = render(&r);
        assert_eq!(html.matches(&"y".repeat(300)).count(), 1);
        let summary = format!(
            "<details id=\"b0\"><summary>#b0 · {} bytes</summary>",
            doc.len()
        );
        assert!(html.contains(&format!("{summary}<pre>{{\n  \"issuer\"")));
        assert!(html.find("<h2>Shared bodies</h2>").unwrap() > html.find("id=\"s2\"").unwrap());
        let link = format!("<a href=\"#b0\">shared body #b0</a> ({} bytes)", doc.len());
        assert_eq!(html.matches(&link).count(), 2);
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }
}
