//! What a run prints while it runs, fed by the report writer.
//!
//! - On a terminal, a live progress line (`[12/55] 1 failed · 34 s`) redrawn every second and
//!   after each scenario; elsewhere (CI), a plain line every `IDFLOW_PROGRESS_SECONDS` (30 by
//!   default), so that a long run against a real-time target shows it is alive.
//! - Each scenario as it finishes (passes only without `--quiet`); each failure always, with
//!   `file:line`, the failed step and its reason; retries with their attempt number.
//! - At the end, a recap of the failures grouped by failed check, each scenario with the command
//!   that reruns it, and where the report is.
//!
//! Colour only on a terminal and never with `NO_COLOR` set.

use std::io::{IsTerminal as _, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::report::failures;
use crate::report::model::{RunError, RunReport, ScenarioReport, Status};

/// Where the console writes (standard output, or a buffer in tests).
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// How the console prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours.
    pub(crate) colour: bool,
    /// A live progress line redrawn in place (a terminal), or plain periodic lines.
    pub(crate) live: bool,
    /// No line per passed scenario.
    pub(crate) quiet: bool,
}

impl Style {
    /// From standard output and the environment: live and coloured on a terminal, colourless
    /// with `NO_COLOR` set (to anything but the empty string).
    pub fn detect(quiet: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: terminal && !no_colour,
            live: terminal,
            quiet,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Where the run is.
#[derive(Debug, Clone)]
struct Progress {
    total: Option<usize>,
    done: usize,
    failed: usize,
    started: Instant,
    /// A live line is on screen (to be cleared before anything else is printed).
    shown: bool,
}

/// The run's console.
pub struct Console {
    style: Style,
    sink: Sink,
    progress: Arc<Mutex<Progress>>,
    ticker: Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

/// Which attempt a scenario's result is, when the run retries failed scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1-based.
    pub(crate) number: usize,
    /// Attempts the scenario may have in all.
    pub(crate) of: usize,
}

impl Attempt {
    /// Whether another attempt follows this result.
    pub fn retried(&self, status: Status) -> bool {
        status.is_failure() && self.number < self.of
    }
}

impl Console {
    /// A console on standard output, as [`Style::detect`] says, for `total` scenarios (when
    /// known); it starts the progress ticker.
    pub fn stdout(total: Option<usize>, quiet: bool) -> Self {
        let style = Style::detect(quiet);
        let interval = if style.live {
            Duration::from_secs(1)
        } else {
            std::env::var("IDFLOW_PROGRESS_SECONDS")
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| *s > 0.0)
                .map_or(Duration::from_secs(30), Duration::from_secs_f64)
        };
        Self::new(
            style,
            Arc::new(Mutex::new(std::io::stdout())),
            total,
            interval,
        )
    }

    /// A console writing to `sink`, with a progress line every `interval`.
    pub fn new(style: Style, sink: Sink, total: Option<usize>, interval: Duration) -> Self {
        let progress = Arc::new(Mutex::new(Progress {
            total,
            done: 0,
            failed: 0,
            started: Instant::now(),
            shown: false,
        }));
        let (stop, stopped) = mpsc::channel::<()>();
        let ticker = {
            let progress = progress.clone();
            let sink = sink.clone();
            std::thread::Builder::new()
                .name("idflow-progress".into())
                .spawn(move || {
                    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
                        let mut out = sink.lock().unwrap_or_else(|e| e.into_inner());
                        if style.live {
                            let _ = write!(out, "\r\x1b[2K{}", progress_text(&p, &style));
                            p.shown = true;
                        } else {
                            let _ = writeln!(out, "{}", progress_text(&p, &style));
                        }
                        let _ = out.flush();
                    }
                })
                .ok()
                .map(|handle| (stop, handle))
        };
        Console {
            style,
            sink,
            progress,
            ticker,
        }
    }

    /// Prints `text` (whole lines), clearing the live line first and drawing it again after.
    fn print(&self, text: &str, count: Option<bool>) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(failed) = count {
            p.done += 1;
            p.failed += usize::from(failed);
        }
        let mut out = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        if p.shown {
            let _ = write!(out, "\r\x1b[2K");
            p.shown = false;
        }
        let _ = write!(out, "{text}");
        if self.style.live && self.ticker.is_some() {
            let _ = write!(out, "{}", progress_text(&p, &self.style));
            p.shown = true;
        }
        let _ = out.flush();
    }

    /// A scenario finished (one attempt of it, with retries).
    pub fn scenario(&self, location: &str, s: &ScenarioReport, attempt: Option<Attempt>) {
        let status = s.verdict();
        let retried = attempt.is_some_and(|a| a.retried(status));
        let text = scenario_text(location, s, attempt, &self.style);
        let counted = (!retried).then_some(status.is_failure());
        self.print(&text, counted);
    }

    /// A feature file that does not parse.
    pub fn file_error(&self, error: &RunError) {
        let text = format!(
            "{} {}: {}\n",
            self.style.paint("31", "✘"),
            error.location,
            error.message
        );
        self.print(&text, None);
    }

    /// Ends the progress line and prints the recap of failures and where the report is.
    pub fn finish(mut self, report: &RunReport, report_path: Option<&std::path::Path>) {
        if let Some((stop, handle)) = self.ticker.take() {
            let _ = stop.send(());
            let _ = handle.join();
        }
        let text = recap(report, report_path, &self.style);
        self.print(&text, None);
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.ticker.take() {
            let _ = stop.send(());
            let _ = handle.join();
        }
    }
}

fn progress_text(p: &Progress, style: &Style) -> String {
    let done = match p.total {
        Some(t) => format!("{}/{t}", p.done),
        None => p.done.to_string(),
    };
    let failed = if p.failed > 0 {
        style.paint("31", &format!("{} failed", p.failed))
    } else {
        "0 failed".to_string()
    };
    let secs = p.started.elapsed().as_secs();
    if style.live {
        format!("[{done}] {failed} · {secs} s")
    } else {
        format!("… {done} scenarios done, {failed}, {secs} s elapsed")
    }
}

/// A finished scenario: `✔ path:line name (12 ms)`, passes only when not quiet; a failure with
/// every failed step and its reason, indented.
fn scenario_text(
    location: &str,
    s: &ScenarioReport,
    attempt: Option<Attempt>,
    style: &Style,
) -> String {
    let status = s.verdict();
    let attempt_note = match attempt {
        Some(a) if a.retried(status) => format!(", attempt {} of {}, retrying", a.number, a.of),
        Some(a) if a.number > 1 && status == Status::Passed => {
            format!(", attempt {} of {}, flaky", a.number, a.of)
        }
        Some(a) if a.number > 1 => format!(", attempt {} of {}", a.number, a.of),
        _ => String::new(),
    };
    let mark = match status {
        Status::Passed => style.paint("32", "✔"),
        Status::Failed | Status::Undefined => style.paint("31", "✘"),
        Status::Skipped => "-".to_string(),
    };
    if status == Status::Passed && style.quiet && attempt_note.is_empty() {
        return String::new();
    }
    let mut out = match &s.not_applicable {
        Some(reason) => format!("{mark} {location} {} (not applicable: {reason})\n", s.name),
        None => format!(
            "{mark} {location} {} ({:.0} ms{attempt_note})\n",
            s.name, s.duration_ms
        ),
    };
    for step in &s.steps {
        if let Some(err) = &step.record.error {
            out.push_str(&format!(
                "    {}{} (line {})\n",
                step.keyword, step.text, step.line
            ));
            for line in err.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out
}

/// What the console shows of a finished scenario, without colour or progress (for the
/// planted-secret test).
#[cfg(test)]
pub(crate) fn plain_scenario_text(location: &str, s: &ScenarioReport) -> String {
    let style = Style {
        colour: false,
        live: false,
        quiet: false,
    };
    scenario_text(location, s, None, &style)
}

/// The end of a run: failures grouped by failed check, each scenario with the command that
/// reruns it; feature files that do not parse; where the report is.
pub fn recap(report: &RunReport, report_path: Option<&std::path::Path>, style: &Style) -> String {
    let mut out = String::new();
    let groups = failures::group(report);
    if !groups.is_empty() || !report.errors.is_empty() {
        out.push_str(&format!("\n{}\n", style.paint("1", "Failures")));
    }
    for g in &groups {
        out.push_str(&format!(
            "  {}: {}\n",
            style.paint("31", &g.reason),
            failures::scenarios_text(g.scenarios.len())
        ));
        for (f, s) in &g.scenarios {
            out.push_str(&format!(
                "    idflow run {}:{}   # {}\n",
                f.path, s.line, s.name
            ));
        }
    }
    for e in &report.errors {
        let first = e.message.lines().next().unwrap_or_default();
        out.push_str(&format!("  {}: {first}\n", style.paint("31", &e.location)));
    }
    if let Some(path) = report_path {
        out.push_str(&format!("report: {}\n", path.display()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{FeatureReport, StepReport};

    const PLAIN: Style = Style {
        colour: false,
        live: false,
        quiet: false,
    };

    fn failed_scenario() -> ScenarioReport {
        let mut step = StepReport {
            keyword: "Then ".into(),
            text: "the response status is 201".into(),
            line: 4,
            status: Some(Status::Failed),
            ..Default::default()
        };
        step.record.error = Some("the response status is not 201:\n  actual: 200".into());
        ScenarioReport {
            name: "Wrong status".into(),
            line: 2,
            status: Some(Status::Failed),
            steps: vec![step],
            ..Default::default()
        }
    }

    #[test]
    fn a_failure_is_printed_with_its_location_step_and_reason_and_attempt() {
        let text = scenario_text("f.feature:2", &failed_scenario(), None, &PLAIN);
        assert_eq!(
            text,
            "✘ f.feature:2 Wrong status (0 ms)\n    Then the response status is 201 (line 4)\n      the response status is not 201:\n        actual: 200\n"
        );
        let first = Attempt { number: 1, of: 3 };
        let text = scenario_text("f.feature:2", &failed_scenario(), Some(first), &PLAIN);
        assert!(text.contains("(0 ms, attempt 1 of 3, retrying)"), "{text}");
        let passed = ScenarioReport {
            name: "Ok".into(),
            status: Some(Status::Passed),
            ..Default::default()
        };
        let quiet = Style {
            quiet: true,
            ..PLAIN
        };
        assert_eq!(scenario_text("f:1", &passed, None, &quiet), "");
        let flaky = scenario_text("f:1", &passed, Some(Attempt { number: 2, of: 3 }), &quiet);
        assert!(flaky.contains("attempt 2 of 3, flaky"), "{flaky}");
        assert!(!text.contains('\x1b'));
        let coloured = Style {
            colour: true,
            ..PLAIN
        };
        assert!(scenario_text("f:1", &passed, None, &coloured).starts_with("\x1b[32m✔\x1b[0m"));
    }

    #[test]
    fn the_recap_groups_failures_with_rerun_commands_and_the_report_path() {
        let report = RunReport {
            features: vec![FeatureReport {
                path: "features/x.feature".into(),
                scenarios: vec![failed_scenario()],
                ..Default::default()
            }],
            errors: vec![RunError {
                location: "features/broken.feature".into(),
                message: "the feature file does not parse\n  hint".into(),
            }],
            ..Default::default()
        };
        let text = recap(
            &report,
            Some(std::path::Path::new("reports/index.html")),
            &PLAIN,
        );
        assert_eq!(
            text,
            "\nFailures\n  the response status is not 201: 1 scenario\n    idflow run features/x.feature:2   # Wrong status\n  features/broken.feature: the feature file does not parse\nreport: reports/index.html\n"
        );
        let clean = recap(&RunReport::default(), None, &PLAIN);
        assert_eq!(clean, "");
    }

    #[test]
    fn plain_progress_lines_come_periodically_and_count_only_final_attempts() {
        let buffer: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
        let console = Console::new(PLAIN, buffer.clone(), Some(3), Duration::from_millis(10));
        let retried = Attempt { number: 1, of: 2 };
        console.scenario("f:2", &failed_scenario(), Some(retried));
        console.scenario(
            "f:2",
            &failed_scenario(),
            Some(Attempt { number: 2, of: 2 }),
        );
        // Wait for a progress line: the ticker writes one every 10 ms.
        let deadline = Instant::now() + Duration::from_secs(20);
        let text = loop {
            let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
            if text.contains("1/3 scenarios done") || Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        console.finish(&RunReport::default(), None);
        // The retried attempt is not counted, the final one is.
        assert!(text.contains("… 1/3 scenarios done, 1 failed"), "{text}");
        assert!(!text.contains("2/3"), "{text}");
        assert!(text.contains("attempt 1 of 2, retrying"), "{text}");
        assert!(!text.contains('\x1b'), "{text:?}");
    }
}
