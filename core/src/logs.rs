//! Structured logs through `tracing`, level from `RUST_LOG` (default `warn`), attached to the
//! scenario that emitted them.
//!
//! Each scenario's world opens a span `idflow.scenario` with a numeric id; its HTTP session runs
//! every exchange inside that span, so that idflow's events and those of the HTTP stack beneath
//! are captured for that scenario and land in the reports. Events outside any scenario (target
//! start-up, for instance) go to standard error.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::span;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer};

/// The name of the span that marks a scenario.
pub const SCENARIO_SPAN: &str = "idflow.scenario";

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static CAPTURED: Mutex<Option<HashMap<u64, Vec<String>>>> = Mutex::new(None);

/// A new scenario span; its events are captured under its id.
pub fn scenario_span() -> (u64, tracing::Span) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    (
        id,
        tracing::error_span!(target: "idflow", SCENARIO_SPAN, scenario = id),
    )
}

/// Takes the log lines captured for a scenario.
pub fn take(id: u64) -> Vec<String> {
    CAPTURED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
        .and_then(|m| m.remove(&id))
        .unwrap_or_default()
}

/// Installs the process's subscriber once: scenario capture plus standard error for the rest,
/// both at the level of `RUST_LOG` (default `warn`; the browser driver's DevTools client only
/// from `error`, as it warns of every protocol event it does not know). Does nothing if a
/// subscriber is set.
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = || {
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("warn,chromiumoxide=error"))
        };
        // With RUST_LOG set, a scenario's events reach standard error too (as well as its
        // report); without it, only those outside any scenario do.
        let everything = std::env::var_os("RUST_LOG").is_some();
        let stderr = tracing_subscriber::fmt::layer()
            .with_writer(|| Stderr)
            .with_ansi(stderr_colour())
            .with_filter(tracing_subscriber::filter::DynFilterFn::new(
                move |_, cx| {
                    everything || cx.lookup_current().is_none_or(|s| scope_id(&s).is_none())
                },
            ))
            .with_filter(filter());
        let _ = tracing_subscriber::registry()
            .with(Capture.with_filter(filter()))
            .with(stderr)
            .try_init();
    });
}

/// Colour on standard error only when it is a terminal and `NO_COLOR` is not set.
fn stderr_colour() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Standard error through `eprint!`, which a test harness captures: `cargo test` shows a
/// test's log lines only when that test fails, never as stray output.
struct Stderr;

impl std::io::Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The scenario id of a span or of one of its parents.
fn scope_id<S: for<'a> LookupSpan<'a>>(
    span: &tracing_subscriber::registry::SpanRef<'_, S>,
) -> Option<u64> {
    span.scope()
        .find_map(|s| s.extensions().get::<ScenarioId>().map(|i| i.0))
}

struct ScenarioId(u64);

struct IdVisitor(Option<u64>);

impl Visit for IdVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "scenario" {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// Formats an event's message and fields on one line.
struct LineVisitor(String);

impl Visit for LineVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

/// The layer that files events under their scenario.
struct Capture;

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != SCENARIO_SPAN {
            return;
        }
        let mut visitor = IdVisitor(None);
        attrs.record(&mut visitor);
        if let (Some(scenario), Some(span)) = (visitor.0, ctx.span(id)) {
            span.extensions_mut().insert(ScenarioId(scenario));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let Some(scenario) = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|s| s.extensions().get::<ScenarioId>().map(|i| i.0))
        }) else {
            return;
        };
        let meta = event.metadata();
        let mut line = LineVisitor(format!("{} {}:", meta.level(), meta.target()));
        event.record(&mut line);
        let mut captured = CAPTURED.lock().unwrap_or_else(|e| e.into_inner());
        captured
            .get_or_insert_with(HashMap::new)
            .entry(scenario)
            .or_default()
            .push(line.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_inside_a_scenario_span_are_captured_for_it() {
        init();
        let (a, span_a) = scenario_span();
        let (b, span_b) = scenario_span();
        span_a.in_scope(|| tracing::warn!(target: "idflow", exchange = 1, "first"));
        span_b.in_scope(|| tracing::warn!(target: "idflow", "second"));
        tracing::warn!(target: "idflow", "outside any scenario");
        let lines = take(a);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("first") && lines[0].contains("exchange=1"),
            "{lines:?}"
        );
        assert_eq!(take(b).len(), 1);
        assert!(take(a).is_empty(), "taken once");
    }
}
