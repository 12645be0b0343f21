//! One self-contained HTML file: inline CSS and one small inline script, nothing from another
//! host. Without JavaScript everything is shown and `<details>` does the folding; with it, a
//! filter bar (status, tag, feature, free text, kept in the URL's hash so a view can be shared)
//! toggles `hidden` on scenarios. Failures come first; the rest follow per feature, closed.
//! Closed sections cost little to render, so the sequence diagram of a scenario lives inside
//! its `<details>`. Everything from the model is escaped.
//!
//! This module lays out the page; each part has its own module: [`summary`] (metadata, counts,
//! filter bar), `scenario` (scenarios and steps), `exchange` (HTTP exchanges and bodies),
//! `verdicts` (tokens and checks), `timeline` (polls), `trend` (history and flaky scenarios), [`sequence`] (the diagram),
//! `compact` (passed scenarios' bodies in gzipped chunks, search texts with repeated lines by
//! number: the page of a large run stays small), `escape`
//! and `format` (helpers). The page's CSS and script are `style.css` and `script.js`, included
//! at compile time.

mod compact;
mod escape;
mod exchange;
mod format;
mod overview;
mod scenario;
pub mod sequence;
mod summary;
mod timeline;
mod trend;
mod verdicts;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

pub use compact::{CHUNK_BYTES, CHUNK_SCENARIOS, SEARCH_LINES_MAX, chunks};
use escape::e;
pub use exchange::{BODY_LIMIT, SHARED_BODY_MIN};
pub(crate) use exchange::{Seen, big_bodies};
use scenario::{Placement, scenario, tag_list};

use super::ReportError;
use super::history::scenario_ids;
use super::model::{FeatureReport, RunReport};
use super::stream::{At, Evidence, Sink};

/// Failed scenarios are open on load when there are at most this many; beyond, they are
/// closed so that a bad run still opens quickly.
pub const OPEN_FAILURES_MAX: usize = 50;

/// The page's styles.
pub(super) const CSS: &str = include_str!("style.css");

/// The filter script: reads the view from the hash, toggles `hidden`, writes the hash back.
pub(super) const SCRIPT: &str = include_str!("script.js");

/// Renders the report as one HTML document. A pure function of the report: no clock, no
/// random ids, so the same report gives the same page.
pub fn render(report: &RunReport) -> String {
    super::stream::render(report, &mut Page::default())
}

/// The page as a [`Sink`]: the head (title, counts, overview, history, filters, run errors,
/// the failures), then the scenarios that did not fail, per feature, then the shared bodies.
#[derive(Default)]
pub(crate) struct Page {
    seen: Seen,
    shared: Vec<String>,
    flaky: HashMap<String, String>,
    /// The flaky scenarios by feature and index in it.
    flaky_at: HashSet<(usize, usize)>,
    /// Each feature's first anchor number: ids follow report order, so a scenario keeps its
    /// anchor whichever section it is in.
    ids: Vec<usize>,
    /// The "Scenarios" section is open.
    rest: bool,
    /// The current feature's section is open.
    feature: bool,
    /// Passed scenarios' bodies being gathered (see [`compact`]).
    chunk: compact::Chunk,
    /// The scenarios' search texts, lines seen before by number.
    lines: compact::SearchLines,
}

impl Sink for Page {
    fn head(
        &mut self,
        report: &RunReport,
        ev: &Evidence,
        o: &mut String,
    ) -> Result<(), ReportError> {
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        o.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        let _ = writeln!(
            o,
            "<title>{} · idflow report: {}</title><style>{CSS}</style></head><body>",
            e(&overview::status_title(report)),
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
        self.flaky = trend::flaky(report);
        self.flaky_at = flaky_places(report, &self.flaky);
        let flaky = &self.flaky;
        summary::header(o, report, flaky.len());
        overview::failure_groups(o, report);
        overview::feature_summary(o, report);
        // After what failed now: the trend and flaky scenarios put it in the light of earlier runs.
        trend::section(o, report, flaky);
        summary::filters(o, report, flaky.len());
        run_errors(o, report);
        (self.seen, self.shared) = ev.shared_bodies(report);
        let mut next = 0usize;
        for f in &report.features {
            self.ids.push(next);
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
            for (fi, si, f, s) in failed {
                let at = Placement {
                    feature: fi,
                    id: self.ids[fi] + si,
                    failure: true,
                    open,
                    flaky: self.flaky_at.contains(&(fi, si)),
                };
                let full = ev.full(fi, s)?;
                scenario(o, &self.seen, at, f, &full, &mut self.lines, None);
            }
            o.push_str("</section>\n");
        }
        if report.scenarios().any(|(_, s)| !s.verdict().is_failure()) {
            o.push_str("<section class=\"grp\" id=\"scenarios\"><h2>Scenarios</h2>\n");
            self.rest = true;
        }
        Ok(())
    }

    fn feature(&mut self, _: usize, f: &FeatureReport, o: &mut String) {
        self.feature = self.rest && !f.scenarios.iter().all(|s| s.verdict().is_failure());
        if self.feature {
            let _ = writeln!(
                o,
                "<section class=\"grp\"><h3>{} <span class=\"t\">{}{}</span></h3>",
                e(&f.name),
                e(&f.path),
                tag_list(&f.tags)
            );
        }
    }

    fn scenario(&mut self, at: &At<'_>, o: &mut String) {
        if !self.feature || at.id.verdict().is_failure() {
            return;
        }
        let place = Placement {
            feature: at.feature,
            id: self.ids[at.feature] + at.index,
            failure: false,
            open: false,
            flaky: self.flaky_at.contains(&(at.feature, at.index)),
        };
        scenario(
            o,
            &self.seen,
            place,
            at.f,
            at.s,
            &mut self.lines,
            Some(&mut self.chunk),
        );
        if self.chunk.is_full() {
            self.chunk.flush(o);
        }
    }

    fn feature_end(&mut self, _: usize, _: &FeatureReport, o: &mut String) {
        if self.feature {
            o.push_str("</section>\n");
        }
    }

    fn tail(&mut self, _: &RunReport, o: &mut String) {
        if self.rest {
            self.chunk.flush(o);
            o.push_str("</section>\n");
        }
        exchange::shared_section(o, &self.shared);
        let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body></html>");
    }
}

/// Where the scenarios named in `flaky` (by history id) are: feature and index in it.
fn flaky_places(report: &RunReport, flaky: &HashMap<String, String>) -> HashSet<(usize, usize)> {
    if flaky.is_empty() {
        return HashSet::new();
    }
    report
        .features
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            scenario_ids(f)
                .into_iter()
                .enumerate()
                .filter(|(_, id)| flaky.contains_key(id))
                .map(move |(si, _)| (fi, si))
        })
        .collect()
}

/// Problems outside any scenario (unparsable feature files, a report directory that cannot
/// be written), before the scenarios.
fn run_errors(o: &mut String, report: &RunReport) {
    if report.errors.is_empty() {
        return;
    }
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

#[cfg(test)]
mod tests;
