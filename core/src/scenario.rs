//! One scenario's means, shared by every area client (the OpenID Connect relying party, the
//! user agent, CIBA, MobileID, the REST API): the run's context, the scenario's HTTP session
//! and record, its clock, and the redaction scope that learns its secrets.

use std::sync::Arc;

use crate::checks::Checklist;
use crate::clock::SharedClock;
use crate::config::Environment;
use crate::context::{RunContext, ScenarioCapture};
use crate::error::{Error, Result};
use crate::expect::Mismatch;
use crate::http::{Redirects, RequestSpec, Session};
use crate::record::{Check, Exchange, PollTimeline, RecordedResponse, ScenarioRecord};
use crate::redact::Redactor;

/// A scenario's HTTP session, record, clock and secrets, bound to its run.
#[derive(Debug)]
pub struct Scenario {
    ctx: Arc<RunContext>,
    http: Session,
    clock: SharedClock,
    redactor: Arc<Redactor>,
    log_id: u64,
}

impl Scenario {
    /// A scenario of the run `ctx`: a fresh cookie jar, its own clock offset when the target
    /// runs on the run's clock, its own redaction scope and log span.
    pub fn new(ctx: Arc<RunContext>) -> Self {
        let redactor = Arc::new(ctx.redactor.scoped());
        let (log_id, span) = crate::logs::scenario_span();
        let (http, clock) = if ctx.virtual_time {
            let clock = crate::clock::ScenarioClock::new(ctx.clock.clone());
            let http = ctx.engine.session_with_clock(clock.clone()).in_span(span);
            (http, Arc::new(clock) as SharedClock)
        } else {
            (ctx.engine.session().in_span(span), ctx.clock.clone())
        };
        Scenario {
            ctx,
            http,
            clock,
            redactor,
            log_id,
        }
    }

    /// The run's shared state.
    pub fn ctx(&self) -> &RunContext {
        &self.ctx
    }

    /// The run's shared state, to keep.
    pub fn ctx_arc(&self) -> &Arc<RunContext> {
        &self.ctx
    }

    /// The environment the run targets.
    pub fn env(&self) -> &Environment {
        &self.ctx.env
    }

    /// This scenario's clock.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// Learns a value the scenario received or sent as secret (a code, a token, a verifier):
    /// the scenario's record is redacted of it wherever it appears.
    pub fn learn_secret(&self, secret: &str) {
        self.redactor.learn(secret);
    }

    /// Sends a request and records the exchange under the running step.
    pub async fn send(
        &mut self,
        label: &str,
        spec: RequestSpec,
        redirects: Redirects,
    ) -> Result<&Exchange> {
        Ok(self.http.send(label, spec, redirects).await?)
    }

    /// Sends two requests at the same time and records both exchanges under the running step
    /// (an attacker's race).
    pub async fn send_pair(
        &mut self,
        first: (&str, RequestSpec),
        second: (&str, RequestSpec),
    ) -> Result<[Exchange; 2]> {
        Ok(self.http.send_pair(first, second).await?)
    }

    /// Forgets every cookie (a new user agent).
    pub fn clear_cookies(&mut self) {
        self.http.clear_cookies();
    }

    /// The latest exchange, whichever step made it.
    pub fn last_exchange(&self) -> Result<&Exchange> {
        self.http
            .last()
            .ok_or_else(|| Error::step("no HTTP request was made yet in this scenario"))
    }

    /// The latest response received.
    pub fn last_response(&self) -> Result<&RecordedResponse> {
        response_of(self.last_exchange()?)
    }

    /// The scenario's record so far.
    pub fn record(&self) -> &ScenarioRecord {
        self.http.record()
    }

    /// The cookies the end-user's user agent holds, for the browser login driver to open a
    /// page the relying party's requests reached with the same session.
    pub fn held_cookies(&self) -> Vec<crate::http::HeldCookie> {
        self.http.held_cookies()
    }

    /// Takes a cookie the end-user's other user agent (the browser login driver) holds, so
    /// that the relying party's later requests carry the same session.
    pub fn adopt_cookie(&mut self, set_cookie: &str, url: &url::Url) {
        self.http.adopt_cookie(set_cookie, url);
    }

    /// The scenario's record, to append evidence made outside HTTP.
    pub fn record_mut(&mut self) -> &mut ScenarioRecord {
        self.http.record_mut()
    }

    /// Records every check of `list` under the running step, then fails naming each failed
    /// MUST (a failed SHOULD stays a warning in the record, unless the run is strict).
    pub fn conclude(&mut self, list: Checklist) -> Result<()> {
        let verdict = list.verdict_at(self.ctx.strict);
        for check in list.checks {
            self.record_mut().push_check(check);
        }
        verdict
    }

    /// Records the outcome of one expectation under the running step, as a check named `name`
    /// (passed, or failed with what was expected and what came), and fails on a mismatch.
    pub fn expect(&mut self, name: &str, outcome: std::result::Result<(), Mismatch>) -> Result<()> {
        match outcome {
            Ok(()) => {
                self.record_mut()
                    .push_check(Check::passed(name, "as expected"));
                Ok(())
            }
            Err(mismatch) => {
                self.record_mut().push_check(mismatch.to_check(name));
                Err(Error::Mismatch(mismatch))
            }
        }
    }

    /// The latest polling loop of the scenario, whichever step ran it.
    pub fn last_timeline(&self) -> Result<&PollTimeline> {
        self.record()
            .steps
            .iter()
            .rev()
            .find_map(|s| s.timelines.last())
            .ok_or_else(|| Error::step("the client has not polled in this scenario"))
    }

    /// The latest polling loop sent exactly `n` polls.
    pub fn expect_polls(&mut self, n: usize) -> Result<()> {
        let list = crate::poll::poll_count(self.last_timeline()?, n);
        self.conclude(list)
    }

    /// Every poll of the latest loop came at least `seconds` after the previous one.
    pub fn expect_poll_spacing(&mut self, seconds: u64) -> Result<()> {
        let list = crate::poll::poll_spacing(self.last_timeline()?, seconds);
        self.conclude(list)
    }

    /// Opens the record of the next step (the runner's step dispatcher calls it).
    pub fn begin_step(&mut self, definition: Option<String>) {
        self.http.record_mut().begin_step(definition);
    }

    /// The finished scenario's record, with its log lines and its redaction scope.
    pub fn finish(mut self) -> ScenarioCapture {
        let mut record = self.http.take_record();
        record.logs = crate::logs::take(self.log_id);
        ScenarioCapture {
            record,
            redactor: Some(self.redactor),
        }
    }
}

/// The response of an exchange, or an error saying it got none.
pub fn response_of(ex: &Exchange) -> Result<&RecordedResponse> {
    ex.response().ok_or_else(|| {
        Error::step(format!(
            "{} {} got no response: {}",
            ex.request().method,
            ex.request().url,
            ex.error.as_deref().unwrap_or("unknown error")
        ))
    })
}
