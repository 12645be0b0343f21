//! The scenario's world: its HTTP session, variables, client state and records. Steps are
//! thin glue over the methods here and in [`crate::oidc::flow`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::{RunContext, ScenarioCapture, ScenarioKey};
use crate::error::{Error, Result};
use crate::http::{Redirects, RequestSpec, Session};
use crate::oidc::flow::{ClientState, Flow};
use crate::record::{Exchange, RecordedResponse};

/// A request being put together by several steps before it is sent.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    pub spec: RequestSpec,
    pub query: Vec<(String, String)>,
}

/// One scenario's state.
#[derive(Debug, Default, cucumber::World)]
pub struct IdflowWorld {
    ctx: Option<Arc<RunContext>>,
    key: Option<ScenarioKey>,
    session: Option<Session>,
    clock: Option<crate::clock::SharedClock>,
    redactor: Option<Arc<crate::redact::Redactor>>,
    log_id: Option<u64>,
    /// `{{name}}` variables.
    pub vars: BTreeMap<String, String>,
    /// The relying party's state.
    pub client: ClientState,
    /// The request the generic HTTP steps are building.
    pub pending: Option<PendingRequest>,
}

impl IdflowWorld {
    /// Binds the world to its run and scenario (the runner's before hook).
    pub fn attach(&mut self, ctx: Arc<RunContext>, key: ScenarioKey) {
        self.redactor = Some(Arc::new(ctx.redactor.scoped()));
        let (log_id, span) = crate::logs::scenario_span();
        self.log_id = Some(log_id);
        if ctx.virtual_time {
            let clock = crate::clock::ScenarioClock::new(ctx.clock.clone());
            self.session = Some(ctx.engine.session_with_clock(clock.clone()).in_span(span));
            self.clock = Some(Arc::new(clock));
        } else {
            self.session = Some(ctx.engine.session().in_span(span));
            self.clock = Some(ctx.clock.clone());
        }
        self.vars.insert("issuer".into(), ctx.issuer.clone());
        self.vars.insert(
            "base_url".into(),
            ctx.base_url.as_str().trim_end_matches('/').to_string(),
        );
        self.ctx = Some(ctx);
        self.key = Some(key);
    }

    /// Starts the record of the next step: the evidence made from now on is this step's.
    /// The runner's step dispatcher calls it before each step, with where the step is defined.
    pub fn enter_step(&mut self, definition: Option<String>) {
        if let Some(session) = self.session.as_mut() {
            session.record_mut().begin_step(definition);
        }
    }

    /// Hands the scenario's record to the collector (the runner's after hook).
    pub fn detach(&mut self) {
        if let (Some(ctx), Some(key)) = (&self.ctx, self.key.take()) {
            let mut record = self
                .session
                .as_mut()
                .map(Session::take_record)
                .unwrap_or_default();
            record.logs = self
                .log_id
                .take()
                .map(crate::logs::take)
                .unwrap_or_default();
            let capture = ScenarioCapture {
                record,
                redactor: self.redactor.take(),
            };
            ctx.collector.put(key, capture);
        }
    }

    /// The run context.
    pub fn ctx(&self) -> Result<&Arc<RunContext>> {
        self.ctx.as_ref().ok_or_else(|| {
            Error::step("this world is not attached to a run: run features through idflow::runner")
        })
    }

    /// This scenario's clock.
    pub fn clock(&self) -> Result<crate::clock::SharedClock> {
        self.clock
            .clone()
            .ok_or_else(|| Error::step("this world is not attached to a run"))
    }

    /// The HTTP session.
    pub fn session(&mut self) -> Result<&mut Session> {
        self.session.as_mut().ok_or_else(|| {
            Error::step("this world is not attached to a run: run features through idflow::runner")
        })
    }

    /// The scenario's record so far.
    pub fn session_record(&self) -> Result<&crate::record::ScenarioRecord> {
        self.session
            .as_ref()
            .map(Session::record)
            .ok_or_else(|| Error::step("this world is not attached to a run"))
    }

    /// The client flow over this scenario's session.
    pub fn flow(&mut self) -> Result<Flow<'_>> {
        let ctx = self
            .ctx
            .as_deref()
            .ok_or_else(|| Error::step("this world is not attached to a run"))?;
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Error::step("this world has no session"))?;
        let clock = self
            .clock
            .clone()
            .ok_or_else(|| Error::step("this world has no clock"))?;
        let redactor = self
            .redactor
            .clone()
            .ok_or_else(|| Error::step("this world has no redactor"))?;
        Ok(Flow {
            ctx,
            session,
            clock,
            redactor,
            state: &mut self.client,
        })
    }

    /// Replaces `{{name}}` with variables; an unknown name is an error listing the known ones.
    pub fn interpolate(&self, text: &str) -> Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| {
                Error::step(format!("unclosed `{{{{` in {text:?}: write {{{{name}}}}"))
            })?;
            let name = after[..end].trim();
            let value = self.vars.get(name).ok_or_else(|| {
                let known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
                Error::step(format!(
                    "unknown variable {{{{{name}}}}}: known variables are {}; save one first, for example `And the client saves the JSON value at \"$.id\" as \"{name}\"`",
                    known.join(", ")
                ))
            })?;
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Sets a variable.
    pub fn set_var(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_string(), value.into());
    }

    /// Resolves a URL written in a feature: absolute, or relative to the target's base URL.
    pub fn resolve_url(&self, text: &str) -> Result<url::Url> {
        let text = self.interpolate(text)?;
        let ctx = self.ctx()?;
        ctx.base_url
            .join(&text)
            .map_err(|e| Error::step(format!("{text:?} is not a URL or a path ({e})")))
    }

    /// The latest exchange.
    pub fn last_exchange(&self) -> Result<&Exchange> {
        self.session
            .as_ref()
            .and_then(Session::last)
            .ok_or_else(|| Error::step("no HTTP request was made yet in this scenario"))
    }

    /// The latest response received.
    pub fn last_response(&self) -> Result<&RecordedResponse> {
        let ex = self.last_exchange()?;
        ex.response().ok_or_else(|| {
            Error::step(format!(
                "{} {} got no response: {}",
                ex.request().method,
                ex.request().url,
                ex.error.as_deref().unwrap_or("unknown error")
            ))
        })
    }

    /// Describes the latest exchange for messages ("the response to POST /token").
    pub fn last_subject(&self) -> String {
        self.last_exchange()
            .map(|ex| {
                let url = url::Url::parse(&ex.request().url)
                    .map(|u| u.path().to_string())
                    .unwrap_or_default();
                format!(
                    "the response to {} {url} ({})",
                    ex.request().method,
                    ex.label
                )
            })
            .unwrap_or_else(|_| "the response".into())
    }

    /// GETs `url` until the JSON value at `path` satisfies `matcher`, within `bounds`; the
    /// polls go into the report's timelines.
    pub async fn poll_json_until(
        &mut self,
        url: url::Url,
        path: &str,
        matcher: &crate::expect::Matcher,
        bounds: crate::poll::PollBounds,
    ) -> Result<()> {
        let clock = self.clock()?;
        let label = format!("polling {} until {path}", url.path());
        let mut poller = crate::poll::UntilPoller::new(&clock, &label, bounds);
        while poller.wait(&clock).await {
            let spec = RequestSpec::new("GET", url.clone()).header("accept", "application/json");
            self.send("poll", spec, Redirects::Stop).await?;
            let subject = format!("JSONPath {path} in {}", self.last_subject());
            let resp = self.last_response()?;
            let found = resp
                .json()
                .map(|j| crate::expect::query(&j, path))
                .transpose()?
                .unwrap_or_default();
            let word = found
                .first()
                .map(crate::expect::render)
                .unwrap_or_else(|| "nothing".into());
            let held = crate::expect::check_all(&subject, &found, matcher).map_err(|m| {
                format!(
                    "{} {}
{m}",
                    resp.status,
                    crate::expect::body_preview(&resp.body, 200)
                )
            });
            poller.record(&clock, resp.status, word, held);
        }
        let (result, timeline) = poller.finish();
        self.session()?.record_mut().push_timeline(timeline);
        result.map_err(Error::step)
    }

    /// Sends a request made by the generic HTTP steps.
    pub async fn send(
        &mut self,
        label: &str,
        spec: RequestSpec,
        redirects: Redirects,
    ) -> Result<()> {
        self.session()?.send(label, spec, redirects).await?;
        Ok(())
    }
}
