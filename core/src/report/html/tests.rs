//! Tests of the whole page: layout, sections, escaping, size.

use super::*;
use crate::report::fixtures;

/// The page as the script leaves it once every chunked scenario has been opened: each
/// `data-z` scenario's note replaced by its body from its chunk, the chunks and `data-z`
/// attributes gone. Lets the tests below read passed scenarios' bodies where they are drawn.
fn drawn(r: &RunReport) -> String {
    let page = render(r);
    let bodies: HashMap<usize, Vec<String>> = compact::tests::chunks(&page)
        .into_iter()
        .map(|(n, ends, text)| {
            let mut start = 0;
            let parts = ends
                .iter()
                .map(|&end| {
                    let b = text[start..end].to_owned();
                    start = end;
                    b
                })
                .collect();
            (n, parts)
        })
        .collect();
    let mut out = String::with_capacity(page.len() * 2);
    let mut rest = page.as_str();
    let open = "<script type=\"application/octet-stream\"";
    loop {
        let z = rest.find(" data-z=\"");
        let c = rest.find(open);
        match (z, c) {
            (Some(z), c) if c.is_none_or(|c| z < c) => {
                out.push_str(&rest[..z]);
                let after = &rest[z + " data-z=\"".len()..];
                let (at, after) = after.split_once('"').unwrap();
                let (n, i) = at.split_once(':').unwrap();
                let body = &bodies[&n.parse::<usize>().unwrap()][i.parse::<usize>().unwrap()];
                let note = format!("<noscript>{}", compact::WITHOUT_SCRIPT);
                let k = after.find(&note).unwrap();
                out.push_str(&after[..k]);
                out.push_str("<noscript>");
                out.push_str(body);
                rest = &after[k + note.len()..];
            }
            (_, Some(c)) => {
                out.push_str(&rest[..c]);
                let end = rest[c..].find("</script>\n").unwrap() + "</script>\n".len();
                rest = &rest[c + end..];
            }
            (None, None) => break,
            (Some(_), None) => unreachable!(),
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn header_summary_and_order() {
    let html = drawn(&fixtures::report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<dt>Environment</dt><dd>simulator</dd>"));
    assert!(html.contains("<dt>Commit</dt><dd>0a4ca19</dd>"));
    assert!(html.contains("<dd>2023-11-14 22:13:20 UTC</dd>"));
    assert!(html.contains("<dd>1.23 s</dd>"));
    assert!(html.contains("2 passed") && html.contains("4 failed") && html.contains("1 skipped"));
    // The counts add up: the undefined scenario is told inside the failed ones.
    assert!(html.contains("<span id=\"n-all\">7 scenarios</span>"));
    assert!(html.contains(">4 failed (1 undefined)</span>"));
    assert!(html.contains("<title>✘ 4 failed, 1 run error · idflow report: simulator</title>"));
    assert!(html.contains("features/broken.feature:3"));
    let failures = html.find("<h2>Failures</h2>").unwrap();
    let rest = html.find("<h2>Scenarios</h2>").unwrap();
    assert!(failures < rest);
    // Failed scenarios only once in the failures section (and linked from the failures by
    // check above it).
    let by_check = html.find("<h2>Failures by check</h2>").unwrap();
    assert!(by_check < failures);
    assert_eq!(html[failures..].matches("Wrong audience").count(), 1);
    assert_eq!(
        html[by_check..failures].matches("Wrong audience").count(),
        1
    );
    assert!(html.find("Wrong audience").unwrap() < rest);
    assert!(html.find("Login with code flow").unwrap() > rest);
}

#[test]
fn failed_checks_are_rendered_from_their_fields_not_parsed_from_the_error() {
    let html = drawn(&fixtures::report());
    // The aud check of "Wrong audience", from its fields, ahead of the step's evidence.
    assert!(html.contains(
        "<li class=\"f\"><b>JSONPath $.aud</b> failed: in the response to GET /userinfo \
         <span class=\"d\">MUST · OpenID Connect Core 1.0 §5.3.2</span><pre class=\"err\">\
         <span class=\"exp\">expected: &quot;other&quot;</span>\n\
         <span class=\"act\">actual:   &quot;demo&quot;</span></pre>\
         <div class=\"t\">hint: check the client</div></li>"
    ));
    // Its flattened error text is not shown a second time.
    assert!(!html.contains("  expected: \"other\""));
    assert!(!html.contains("hint: check the client\n"));
    // A failed token check tells the failure of "the ID token is valid" the same way.
    assert!(html.contains("<b>nonce</b> failed: not the nonce of the authorization request"));
    assert!(!html.contains("the ID token is not valid:"));
}

#[test]
fn an_error_without_checks_is_shown_as_written() {
    let mut r = fixtures::report();
    let step = &mut r.features[0].scenarios[1].steps[2];
    step.record.checks.clear();
    step.record.error = Some("status of GET /userinfo\n  expected: 200\n  actual:   <401>".into());
    let html = drawn(&r);
    assert!(html.contains(
        "<div class=\"t\">features/oidc/code_flow.feature:12</div><pre class=\"err\">\
         status of GET /userinfo\n  expected: 200\n  actual:   &lt;401&gt;</pre>"
    ));
    assert!(!html.contains("<span class=\"exp\">  expected"));
}

#[test]
fn a_warning_is_amber_and_does_not_fail_the_scenario() {
    let html = drawn(&fixtures::report());
    let s0 = html.find("id=\"s0\"").unwrap();
    let summary = &html[s0..s0 + html[s0..].find("</summary>").unwrap()];
    assert!(summary.contains("data-s=\"passed\""), "{summary}");
    assert!(
        summary.contains("<span class=\"b w\">1 warning</span>"),
        "{summary}"
    );
    assert!(html.contains(
        "<li class=\"w\"><b>Cache-Control</b> warning: the token response may be cached \
         <span class=\"d\">SHOULD · RFC 6749 §5.1</span><pre class=\"warn\">"
    ));
    assert!(CSS.contains("pre.warn{background:#fff8e1"));
    assert!(CSS.contains("pre.warn .act{background:#ffe0b2}"));
}

#[test]
fn a_failed_hook_has_no_line() {
    let html = drawn(&fixtures::report());
    assert!(html.contains(
        "<li class=\"f\"><b class=\"f\">failed</b> After hook <span class=\"d\">0 ms</span>\
         <div class=\"t\">features/misc.feature</div>\
         <pre class=\"err\">panicked: the session could not be closed</pre></li>"
    ));
    assert!(!html.contains("line 0"));
}

#[test]
fn an_undefined_step_says_so() {
    let html = drawn(&fixtures::report());
    assert!(html.contains(
        "<b class=\"u\">undefined</b> Given a step nobody wrote <span class=\"d\">0 ms · line 4</span>\
         <pre class=\"err\">undefined step: no step definition matches</pre>"
    ));
}

#[test]
fn exchanges_tokens_and_logs() {
    let html = drawn(&fixtures::report());
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
    let html = drawn(&r);
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
    let html = drawn(&r);
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
    let mut one = r.features[0].scenarios[2].clone();
    one.steps[0].record.timelines.clear();
    r.features[0].scenarios = vec![one; 10_000];
    let html = drawn(&r);
    // A one-step passing scenario costs well under 1 KB of markup.
    assert!(html.len() < 10_000 * 700, "{} bytes", html.len());
}

#[test]
fn filters_data_and_badges() {
    let mut r = fixtures::report();
    r.features[0].scenarios[0].retries = 2;
    let html = drawn(&r);
    assert!(html.contains("<form id=\"flt\" hidden>"));
    assert!(html.contains("data-st=\"failed\" aria-pressed=\"false\">failed (4)</button>"));
    assert!(html.contains("data-st=\"undefined\" aria-pressed=\"false\">undefined (1)"));
    assert!(html.contains("data-st=\"flaky\" aria-pressed=\"false\">flaky (1)"));
    assert!(html.contains("<option>@smoke</option>"));
    assert!(html.contains("<option value=\"1\" data-p=\"features/misc.feature\">Misc</option>"));
    // Ids follow report order whichever section the scenario is in.
    assert!(html.contains(
        "<details class=\"sc p\" id=\"s0\" data-s=\"passed\" data-f=\"0\" \
         data-t=\"@oidc @smoke\" data-r data-fl data-q=\"login with code flow"
    ));
    assert!(html.contains(
        "<details class=\"sc f\" id=\"s1\" data-s=\"failed\" data-f=\"0\" data-t=\"@oidc\" data-r \
         data-q=\"wrong audience"
    ));
    assert!(html.contains("id=\"s5\" data-s=\"undefined\" data-f=\"1\""));
    assert!(html.contains("<span class=\"b\">retried ×2</span> <span class=\"b fl\">flaky</span>"));
    assert!(html.contains("<span class=\"b\">retried ×1</span> <span class=\"t\">"));
    assert!(html.contains("<span>2 retried</span><span>1 flaky</span>"));
    assert_eq!(html.matches("class=\"grp\"").count(), 3);
}

#[test]
fn closed_scenarios_wait_in_noscript() {
    let html = drawn(&fixtures::report());
    // Open failures are rendered as they are; closed scenarios' bodies sit in <noscript>.
    let s1_open = html.find("id=\"s1\"").unwrap();
    assert!(
        html[s1_open..]
            .split_once('>')
            .unwrap()
            .0
            .ends_with("\" open")
    );
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
    let html = drawn(&r);
    assert!(!html.contains(" open><summary>"));
}

#[test]
fn sequence_diagram_inside_the_scenario() {
    let html = drawn(&fixtures::report());
    let sc = html.find("id=\"s0\"").unwrap();
    let end = sc + html[sc..].find("</details>\n").unwrap();
    let svg = html.find("<svg class=\"sq\"").unwrap();
    assert!(sc < svg && svg < end);
    assert_eq!(html.matches("<svg class=\"sq\"").count(), 1);
    assert!(html.contains("<marker id=\"ah\""));
}

#[test]
fn poll_timelines_sit_under_their_step() {
    let html = drawn(&fixtures::report());
    // Row 20 of the outline (s2) polled in its one step.
    let s2 = html.find("id=\"s2\"").unwrap();
    let s2 = &html[s2..s2 + html[s2..].find("</details>\n").unwrap()];
    let step = s2
        .find("<li class=\"p\"><b class=\"p\">passed</b> When the user logs in")
        .unwrap();
    let polls = s2
        .find("<details open><summary>Polls: CIBA token polling · 2 polls · tokens</summary>")
        .unwrap();
    assert!(step < polls && polls < s2.find("</li>").unwrap(), "{s2}");
    assert!(s2.contains("interval 5 s, limit 120 s"));
    assert!(s2.contains(
        "<tr><td>1</td><td>5 s</td><td>5 s</td><td class=\"d\">400</td><td>authorization_pending</td></tr>"
    ));
    assert!(s2.contains("<td>15.5 s</td><td>10.5 s</td>"));
    assert!(s2.contains("outcome: <b>tokens</b>"));
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
    let html = drawn(&r);
    assert_eq!(html.matches(&"y".repeat(300)).count(), 1);
    let summary = format!(
        "<details id=\"b0\"><summary>#b0 · {} bytes · <code>{{\"issuer\":",
        doc.len()
    );
    assert!(html.contains(&summary), "{html}");
    assert!(html.contains("</code></summary><pre>{\n  \"issuer\""));
    assert!(html.find("<h2>Shared bodies</h2>").unwrap() > html.find("id=\"s2\"").unwrap());
    // Where it is used: its size and start, opened in place by the script, linked without it.
    let used = format!(
        "<details class=\"shb\" data-b=\"0\"><summary>body · {} bytes · <code>{{\"issuer\":",
        doc.len()
    );
    assert_eq!(html.matches(&used).count(), 2);
    assert_eq!(
        html.matches("<a href=\"#b0\">shared body #b0</a></summary>")
            .count(),
        2
    );
}

#[test]
fn search_text_holds_names_steps_and_urls_but_no_body() {
    let r = fixtures::report();
    let f = &r.features[0];
    let s = f
        .scenarios
        .iter()
        .find(|s| s.exchanges().next().is_some())
        .unwrap();
    let q = scenario::search_text(f, s);
    assert!(q.contains(&s.name.to_lowercase()));
    assert!(q.contains("https://idp.example/authorize?client_id=demo&state=st1"));
    assert!(
        q.contains("https://rp.example/cb?code=abc&state=st1"),
        "{q}"
    );
    assert!(
        !q.contains("grant_type"),
        "a body is searched only on request: {q}"
    );
    let html = drawn(&r);
    assert!(html.contains("<input id=\"fqb\" type=\"checkbox\" name=\"bodies\">search bodies"));
    assert!(html.contains(" data-q=\""));
}

#[test]
fn in_a_failed_scenario_only_what_failed_is_red() {
    let html = drawn(&fixtures::report());
    let at = html.find("Wrong audience").unwrap();
    let end = at + html[at..].find("</details>\n").unwrap();
    let s = &html[at..end];
    // Its passed steps stay green, its passed checks carry no failure class.
    assert!(
        s.contains("<li class=\"p\"><b class=\"p\">passed</b>"),
        "{s}"
    );
    assert!(
        s.contains("<li class=\"f\"><b class=\"f\">failed</b>"),
        "{s}"
    );
}

#[test]
fn a_token_shown_for_reference_is_shown_and_counted_nowhere() {
    use crate::report::model::{Check, Level, TokenRecord};
    let mut r = fixtures::report();
    let before = drawn(&r);
    let s = &mut r.features[0].scenarios[1];
    let reasons = crate::report::failures::reasons(s);
    let warnings = s.warnings();
    s.steps[0].record.tokens.push(TokenRecord {
        label: "ID token".into(),
        claims: serde_json::json!({"sub": "u1"}),
        checks: vec![
            Check::failed("nonce", "differs"),
            Check::failed("kid", "absent").at(Level::Should),
        ],
        for_reference: true,
        ..Default::default()
    });
    let s = &r.features[0].scenarios[1];
    assert_eq!(crate::report::failures::reasons(s), reasons);
    assert_eq!(s.warnings(), warnings);
    let html = drawn(&r);
    assert!(html.contains("for reference"));
    assert!(html.contains("&quot;sub&quot;: &quot;u1&quot;"));
    // The header counts are those of the report without it.
    let counts = |h: &str| {
        h[h.find("<p class=\"sum\">").unwrap()..]
            .split_once("</p>")
            .unwrap()
            .0
            .to_owned()
    };
    assert_eq!(counts(&html), counts(&before));
}

#[test]
fn a_token_repeated_for_reference_links_to_its_first_showing_instead_of_a_copy() {
    use crate::report::model::{TokenPlace, TokenRecord};
    let mut r = fixtures::report();
    let s = &mut r.features[0].scenarios[1];
    s.steps[0].record.tokens.push(TokenRecord {
        label: "ID token".into(),
        claims: serde_json::json!({"sub": "only-once-u1"}),
        ..Default::default()
    });
    let first = TokenPlace { step: 0, token: 0 };
    for step in 1..s.steps.len() {
        s.steps[step].record.tokens.push(TokenRecord {
            label: "ID token".into(),
            for_reference: true,
            same_as: Some(first),
            ..Default::default()
        });
    }
    let repeats = s.steps.len() - 1;
    assert!(repeats >= 1, "the fixture's scenario has several steps");
    let html = drawn(&r);
    // The claims are on the page once; each repetition names the first showing's anchor,
    // which the page's script copies in on opening.
    assert_eq!(html.matches("only-once-u1").count(), 1, "{html}");
    let anchor = html
        .split("only-once-u1")
        .next()
        .and_then(|before| before.rsplit("<details id=\"").next())
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(anchor.ends_with("k0_0"), "{anchor}");
    assert_eq!(
        html.matches(&format!("data-tok=\"{anchor}\"")).count(),
        repeats
    );
    assert_eq!(
        html.matches(&format!("href=\"#{anchor}\"")).count(),
        repeats
    );
    assert!(SCRIPT.contains("data-tok"));
}

#[test]
fn passed_scenarios_are_chunked_failures_never() {
    let mut r = fixtures::report();
    // Many passed scenarios, two chunks' worth, and the failures of the fixture.
    let passed = r.features[0].scenarios[0].clone();
    assert_eq!(passed.verdict(), crate::report::model::Status::Passed);
    for _ in 0..CHUNK_SCENARIOS + 10 {
        r.features[0].scenarios.push(passed.clone());
    }
    let html = render(&r);
    let chunks = compact::tests::chunks(&html);
    assert_eq!(
        chunks.len(),
        2,
        "{CHUNK_SCENARIOS} scenarios a chunk at most"
    );
    assert_eq!(chunks[0].1.len(), CHUNK_SCENARIOS);
    let chunked = chunks.iter().map(|c| c.1.len()).sum::<usize>();
    // Every scenario's details: a failed (or undefined) one holds its body and no data-z;
    // a passed one names its chunk and index, in page order, and holds only the note.
    let mut next = (0, 0);
    let (mut seen, mut copies) = (0, 0);
    for part in html.split("<details class=\"sc ").skip(1) {
        let head = part.split_once("</summary>").unwrap().0;
        let is_passed = head.contains("data-s=\"passed\"");
        let z = head
            .split_once(" data-z=\"")
            .map(|(_, z)| z.split_once('"').unwrap().0);
        if !is_passed {
            assert_eq!(
                z, None,
                "a scenario that did not pass is never chunked: {head}"
            );
            assert!(!part.contains(compact::WITHOUT_SCRIPT));
            assert!(part.contains("<ol>"), "a failure stays complete: {head}");
            continue;
        }
        let z = z.expect("a passed scenario names its chunk");
        let (n, i) = z.split_once(':').unwrap();
        let at: (usize, usize) = (n.parse().unwrap(), i.parse().unwrap());
        if at != next {
            assert_eq!(at, (next.0 + 1, 0), "indices follow page order");
        }
        next = (at.0, at.1 + 1);
        let body = part.split_once("</summary>").unwrap().1;
        assert!(body.starts_with(&format!(
            "<noscript>{}</noscript></details>",
            compact::WITHOUT_SCRIPT
        )));
        // Its body, drawn from the chunk, is the scenario's steps and diagram.
        let (_, ends, text) = chunks.iter().find(|c| c.0 == at.0).unwrap();
        let start = if at.1 == 0 { 0 } else { ends[at.1 - 1] };
        let drawn = &text[start..ends[at.1]];
        assert!(drawn.contains("<ol><li class=\"p"), "{drawn}");
        if head.contains(&*super::escape::e(&passed.name)) {
            assert!(drawn.starts_with("<ol><li class=\"p bg\">"), "{drawn}");
            assert!(drawn.contains("<svg class=\"sq\""));
            copies += 1;
        }
        seen += 1;
    }
    assert_eq!(seen, chunked);
    assert_eq!(copies, CHUNK_SCENARIOS + 11);
    // The chunks come after their scenarios, inert (not run), and the page is the same each time.
    let last = html.rfind(" data-z=\"").unwrap();
    assert!(html.rfind("id=\"z1\"").unwrap() > last);
    assert_eq!(html, render(&r));
    // Without chunks the page would be much larger.
    assert!(
        drawn(&r).len() > html.len() * 3,
        "{} vs {}",
        drawn(&r).len(),
        html.len()
    );
}

#[test]
fn search_texts_repeat_lines_by_number_and_the_script_knows_the_bound() {
    let mut r = fixtures::report();
    let passed = r.features[0].scenarios[0].clone();
    r.features[0].scenarios.push(passed.clone());
    let html = render(&r);
    let texts: Vec<String> = html
        .split(" data-q=\"")
        .skip(1)
        .map(|p| {
            p.split_once('"')
                .unwrap()
                .0
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect();
    // In page order: failures first, then the rest; each expands to its scenario's search text.
    let decoded = compact::decode(&texts);
    let wanted: std::collections::HashSet<String> = r
        .features
        .iter()
        .flat_map(|f| f.scenarios.iter().map(move |s| scenario::search_text(f, s)))
        .collect();
    assert_eq!(decoded.len(), r.scenarios().count());
    for (encoded, full) in texts.iter().zip(&decoded) {
        assert!(wanted.contains(full), "{full}");
        assert!(encoded.len() <= full.len());
    }
    // The copy repeats every line of the scenario it copies.
    let last = texts.last().unwrap();
    assert!(last.lines().all(|l| l.starts_with('#')), "{last}");
    assert!(SCRIPT.contains(&format!("dict.length<{SEARCH_LINES_MAX}")));
}
