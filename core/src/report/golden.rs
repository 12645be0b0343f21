//! Golden files: each writer's output for the fixed report of [`super::fixtures`], kept in
//! `golden/` and compared byte for byte. `IDFLOW_BLESS=1 cargo test -p idflow-core --lib golden`
//! rewrites them after an intended change; review the diff before committing it.

use std::path::{Path, PathBuf};

use super::{allure, cucumber_json, fixtures, html, junit};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/report/golden")
        .join(name)
}

/// Where two texts first differ: line number and both lines, shortened around the
/// difference.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    let mut a = actual.split('\n');
    for (n, e) in expected.split('\n').enumerate() {
        let Some(got) = a.next() else {
            return Some(format!(
                "line {}: output ends; expected {}",
                n + 1,
                snip(e, 0)
            ));
        };
        if got != e {
            let at = e
                .char_indices()
                .zip(got.chars())
                .find(|((_, x), y)| x != y)
                .map_or(e.len().min(got.len()), |((i, _), _)| i);
            return Some(format!(
                "line {}, byte {at}:\n  expected: {}\n  actual:   {}",
                n + 1,
                snip(e, at),
                snip(got, at.min(got.len()))
            ));
        }
    }
    a.next()
        .map(|extra| format!("extra output after the last line: {}", snip(extra, 0)))
}

/// Up to 60 bytes either side of `at`.
fn snip(s: &str, at: usize) -> String {
    let mut from = at.saturating_sub(60);
    while !s.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + 60).min(s.len());
    while !s.is_char_boundary(to) {
        to += 1;
    }
    format!("…{}…", &s[from..to])
}

fn check(name: &str, rendered: &str) {
    let path = golden(name);
    if std::env::var_os("IDFLOW_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `IDFLOW_BLESS=1 cargo test -p idflow-core --lib golden`",
            path.display()
        )
    });
    if let Some(diff) = first_difference(&expected, rendered) {
        panic!(
            "{} is not what the writer renders ({diff}); if the change is intended, run \
             `IDFLOW_BLESS=1 cargo test -p idflow-core --lib golden` and review the diff",
            path.display()
        );
    }
}

#[test]
fn golden_html() {
    // The page embeds `style.css` and `script.js` whole; the golden file names them instead,
    // so that it holds what the writer makes, and an edit of either file needs no blessing.
    let page = html::render(&fixtures::with_history());
    let (css, script) = (html::CSS, html::SCRIPT);
    assert!(
        page.contains(css) && page.contains(script),
        "the page embeds both files"
    );
    let page = page
        .replacen(css, "/* style.css, embedded whole */\n", 1)
        .replacen(script, "/* script.js, embedded whole */\n", 1);
    check("index.html", &page);
}

#[test]
fn golden_junit() {
    check("junit.xml", &junit::render(&fixtures::report()));
}

#[test]
fn golden_cucumber_json() {
    check("cucumber.json", &cucumber_json::render(&fixtures::report()));
}

#[test]
fn golden_allure() {
    // Every file of the results, one after another under its name.
    let all: String = allure::render(&fixtures::report())
        .into_iter()
        .map(|(name, text)| format!("=== {name}\n{text}\n"))
        .collect();
    check("allure.txt", &all);
}

#[test]
fn rendering_is_deterministic() {
    // The golden files could not hold otherwise: no clock, no random ids, no hash order.
    for render in [html::render, junit::render, cucumber_json::render] {
        assert_eq!(render(&fixtures::report()), render(&fixtures::report()));
    }
}

#[test]
fn differences_are_located() {
    assert_eq!(first_difference("a\nb", "a\nb"), None);
    let d = first_difference("a\nxyz", "a\nxqz").unwrap();
    assert!(d.starts_with("line 2, byte 1:"), "{d}");
    assert!(
        d.contains("expected: …xyz…") && d.contains("actual:   …xqz…"),
        "{d}"
    );
    assert!(
        first_difference("a\nb", "a")
            .unwrap()
            .contains("output ends")
    );
    assert!(
        first_difference("a", "a\nb")
            .unwrap()
            .contains("extra output")
    );
    assert_eq!(snip("é", 1), "…é…");
}
