//! The page's overview under the counts: the run's status for the title, failures grouped by
//! failed check ("nonce: 11 scenarios", each scenario linked), and a summary per feature.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape::{a, e};
use crate::report::failures;
use crate::report::model::{RunReport, ScenarioReport, Status};

/// The run's status in words, first in the page title: `✘ 3 failed` or `✔ 12 passed`.
pub(super) fn status_title(r: &RunReport) -> String {
    let c = r.counts();
    let errors = match r.errors.len() {
        0 => String::new(),
        1 => ", 1 run error".to_string(),
        n => format!(", {n} run errors"),
    };
    if c.failed > 0 {
        format!("✘ {} failed{errors}", c.failed)
    } else if !errors.is_empty() {
        format!("✘ {}", &errors[2..])
    } else if c.passed == 0 {
        "no scenario passed".to_string()
    } else {
        format!("✔ {} passed", c.passed)
    }
}

/// Each scenario's anchor number (`s{n}`), in report order.
pub(super) fn anchors(r: &RunReport) -> HashMap<*const ScenarioReport, usize> {
    r.scenarios()
        .enumerate()
        .map(|(i, (_, s))| (s as *const ScenarioReport, i))
        .collect()
}

/// Failures grouped by failed check, each scenario linked to its place on the page.
pub(super) fn failure_groups(o: &mut String, r: &RunReport) {
    let groups = failures::group(r);
    if groups.is_empty() {
        return;
    }
    let ids = anchors(r);
    o.push_str("<section id=\"bycheck\"><h2>Failures by check</h2><ul class=\"bycheck\">");
    for g in &groups {
        let _ = write!(
            o,
            "<li><details><summary><b class=\"f\">{}</b>: {}</summary><ul>",
            e(&g.reason),
            failures::scenarios_text(g.scenarios.len())
        );
        for (f, s) in &g.scenarios {
            let id = ids
                .get(&(*s as *const ScenarioReport))
                .copied()
                .unwrap_or(0);
            let _ = write!(
                o,
                "<li><a href=\"#s{id}\">{}</a> <span class=\"t\">{}:{}</span></li>",
                e(&s.name),
                e(&f.path),
                s.line
            );
        }
        o.push_str("</ul></details></li>");
    }
    o.push_str("</ul></section>\n");
}

/// One row per feature: its scenarios passed, failed and skipped, linked to the feature filter.
pub(super) fn feature_summary(o: &mut String, r: &RunReport) {
    if r.features.len() < 2 {
        return;
    }
    o.push_str(
        "<section id=\"byfeature\"><h2>Features</h2><table class=\"feat\"><thead><tr>\
         <th>feature</th><th>scenarios</th><th>passed</th><th>failed</th><th>skipped</th>\
         </tr></thead><tbody>",
    );
    for f in &r.features {
        let count = |want: &dyn Fn(Status) -> bool| {
            f.scenarios.iter().filter(|s| want(s.verdict())).count()
        };
        let failed = count(&|s| s.is_failure());
        let _ = write!(
            o,
            "<tr{}><td><a href=\"#feature={}\">{}</a> <span class=\"t\">{}</span></td>\
             <td>{}</td><td class=\"p\">{}</td><td{}>{}</td><td>{}</td></tr>",
            if failed > 0 { " class=\"hasf\"" } else { "" },
            a(&url_encode(&f.path)),
            e(&f.name),
            e(&f.path),
            f.scenarios.len(),
            count(&|s| s == Status::Passed),
            if failed > 0 { " class=\"f\"" } else { "" },
            failed,
            count(&|s| s == Status::Skipped),
        );
    }
    o.push_str("</tbody></table></section>\n");
}

/// Percent-encodes what URLSearchParams would, so the link reads back as the feature's path.
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn the_title_says_the_status() {
        let r = fixtures::report();
        assert_eq!(status_title(&r), "✘ 4 failed, 1 run error");
        let mut passed = RunReport::default();
        assert_eq!(status_title(&passed), "no scenario passed");
        passed.features.push(crate::report::model::FeatureReport {
            scenarios: vec![ScenarioReport {
                status: Some(Status::Passed),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(status_title(&passed), "✔ 1 passed");
    }

    #[test]
    fn feature_rows_add_up_and_groups_link_to_scenarios() {
        let r = fixtures::report();
        let mut o = String::new();
        feature_summary(&mut o, &r);
        let mut o2 = String::new();
        failure_groups(&mut o2, &r);
        if r.features.len() >= 2 {
            assert_eq!(o.matches("<tr").count(), r.features.len() + 1);
        }
        assert!(o2.contains("href=\"#s"), "{o2}");
        assert_eq!(url_encode("features/a b.feature"), "features/a%20b.feature");
    }
}
