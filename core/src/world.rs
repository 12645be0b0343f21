//! The scenario's world: its [`Scenario`] (HTTP session, record, clock, secrets), its
//! variables, and the state of each product area's client. Steps reach the area clients
//! through it ([`IdflowWorld::rp`], [`IdflowWorld::user_agent`], [`IdflowWorld::ciba`],
//! [`IdflowWorld::mobileid`], [`IdflowWorld::rest`]); each client holds its own state and
//! shares the scenario.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::{RunContext, ScenarioKey};
use crate::error::{Error, Result};
use crate::http::RequestSpec;
use crate::mobileid::{MobileIdClient, MobileIdState};
use crate::oidc::ciba::{CibaClient, CibaState};
use crate::oidc::{OidcState, RelyingParty, UserAgent};
use crate::record::{Exchange, RecordedResponse};
use crate::rest_api::{RestClient, RestState};
use crate::scenario::Scenario;

/// A request being put together by several steps before it is sent.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    pub(crate) spec: RequestSpec,
    pub(crate) query: Vec<(String, String)>,
}

/// One scenario's state.
#[derive(Debug, Default, cucumber::World)]
pub struct IdflowWorld {
    key: Option<ScenarioKey>,
    scenario: Option<Box<Scenario>>,
    /// `{{name}}` variables.
    vars: BTreeMap<String, String>,
    oidc: Box<OidcState>,
    ciba: Box<CibaState>,
    mobileid: Box<MobileIdState>,
    rest: Box<RestState>,
    /// The request the generic HTTP steps are building.
    pending: Option<PendingRequest>,
}

/// A world dropped before the after hook ran (an interrupted run drops its running scenarios)
/// still hands its record over, so that the report shows what the scenario did.
impl Drop for IdflowWorld {
    fn drop(&mut self) {
        self.detach();
    }
}

const NOT_ATTACHED: &str =
    "this world is not attached to a run: run features through idflow::runner";

impl IdflowWorld {
    /// Binds the world to its run and scenario (the runner's before hook).
    pub fn attach(&mut self, ctx: Arc<RunContext>, key: ScenarioKey) {
        self.vars.insert("issuer".into(), ctx.issuer.clone());
        self.vars.insert(
            "base_url".into(),
            ctx.base_url.as_str().trim_end_matches('/').to_string(),
        );
        self.scenario = Some(Box::new(Scenario::new(ctx)));
        self.key = Some(key);
    }

    /// Starts the record of the next step: the evidence made from now on is this step's.
    /// The runner's step dispatcher calls it before each step, with where the step is defined.
    pub fn enter_step(&mut self, definition: Option<String>) {
        if let Some(scenario) = self.scenario.as_mut() {
            scenario.begin_step(definition);
        }
    }

    /// Hands the scenario's record to the collector (the runner's after hook).
    pub fn detach(&mut self) {
        if let (Some(scenario), Some(key)) = (self.scenario.take(), self.key.take()) {
            let ctx = Arc::clone(scenario.ctx_arc());
            ctx.collector.put(key, scenario.finish());
        }
    }

    /// The scenario: its HTTP session, record, clock and secrets.
    pub fn scenario(&mut self) -> Result<&mut Scenario> {
        self.scenario
            .as_deref_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))
    }

    fn scenario_ref(&self) -> Result<&Scenario> {
        self.scenario
            .as_deref()
            .ok_or_else(|| Error::step(NOT_ATTACHED))
    }

    /// The run context.
    pub fn ctx(&self) -> Result<&RunContext> {
        Ok(self.scenario_ref()?.ctx())
    }

    /// This scenario's clock.
    pub fn clock(&self) -> Result<crate::clock::SharedClock> {
        Ok(self.scenario_ref()?.clock())
    }

    /// The scenario's record so far.
    pub fn record(&self) -> Result<&crate::record::ScenarioRecord> {
        Ok(self.scenario_ref()?.record())
    }

    /// The OpenID Connect relying party.
    pub fn rp(&mut self) -> Result<RelyingParty<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(RelyingParty::new(sc, &mut self.oidc))
    }

    /// The attacker of the security pack, acting on the relying party's requests and responses.
    pub fn attacker(&mut self) -> Result<crate::oidc::attacks::Attacker<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(crate::oidc::attacks::Attacker::new(sc, &mut self.oidc))
    }

    /// The user agent that drives the provider's pages (login, consent).
    pub fn user_agent(&mut self) -> Result<UserAgent<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(UserAgent::new(sc, &mut self.oidc))
    }

    /// The CIBA client.
    pub fn ciba(&mut self) -> Result<CibaClient<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(CibaClient::new(sc, &mut self.oidc, &mut self.ciba))
    }

    /// The MobileID operations client.
    pub fn mobileid(&mut self) -> Result<MobileIdClient<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(MobileIdClient::new(sc, &mut self.oidc, &mut self.mobileid))
    }

    /// The Authentication REST API client.
    pub fn rest(&mut self) -> Result<RestClient<'_>> {
        let sc = self
            .scenario
            .as_mut()
            .ok_or_else(|| Error::step(NOT_ATTACHED))?;
        Ok(RestClient::new(sc, &mut self.oidc, &mut self.rest))
    }

    /// Fetches and checks the discovery document; its string fields become variables such
    /// as `{{discovery.token_endpoint}}`.
    pub async fn discover(&mut self) -> Result<()> {
        let meta = self.rp()?.discover().await?;
        for (k, v) in meta.raw.as_object().into_iter().flatten() {
            if let Some(s) = v.as_str() {
                self.set_var(&format!("discovery.{k}"), s);
            }
        }
        Ok(())
    }

    /// Starts a MobileID operation of `kind` for the MobileID user; its status and complete
    /// URLs become the variables `{{operation.status_url}}` and `{{operation.complete_url}}`.
    pub async fn start_operation(&mut self, kind: &str) -> Result<()> {
        let user = self.mobileid_user()?;
        let mut client = self.mobileid()?;
        client.start_operation(kind, &user).await?;
        let op = client.operation()?.clone();
        self.set_var("operation.status_url", op.status_url.to_string());
        self.set_var("operation.complete_url", op.complete_url.to_string());
        Ok(())
    }

    /// Names the MobileID user of the scenario (one with a MobileID registration in the
    /// environment).
    pub fn choose_mobileid_user(&mut self, user: &str) -> Result<()> {
        let env = &self.ctx()?.env;
        if env.user(user)?.mobileid.is_none() {
            return Err(Error::step(format!(
                "user `{user}` has no MobileID registration in {}: add `mobileid: {{user_id: ..., device_id: ...}}`",
                env.path.display()
            )));
        }
        self.set_var("mobileid_user", user);
        Ok(())
    }

    /// The scenario's MobileID user.
    pub fn mobileid_user(&self) -> Result<String> {
        self.var("mobileid_user").map(str::to_string).ok_or_else(|| {
            Error::step(
                "no MobileID user: start with `Given a MobileID user \"carol\" with a registered device`",
            )
        })
    }

    /// Creates a REST API session with `body`; its id becomes the variable `{{session_id}}`.
    pub async fn create_rest_session(&mut self, body: serde_json::Value) -> Result<()> {
        let mut rest = self.rest()?;
        rest.create_session(body).await?;
        let id = rest.session().ok().map(|s| s.id.clone());
        if let Some(id) = id {
            self.set_var("session_id", id);
        }
        Ok(())
    }

    /// The request the generic HTTP steps are building.
    pub fn pending(&mut self) -> &mut Option<PendingRequest> {
        &mut self.pending
    }

    /// A variable's value.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
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
            match self.vars.get(name) {
                Some(value) => out.push_str(value),
                // Provider data the environment declares: {{users.alice.sub}} ...
                None => match self.ctx().ok().and_then(|c| c.env.variable(name)) {
                    Some(value) => out.push_str(&value),
                    None => return Err(self.unknown_variable(name)),
                },
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn unknown_variable(&self, name: &str) -> Error {
        let mut known: Vec<String> = self.vars.keys().cloned().collect();
        let mut hint = format!(
            "save one first, for example `And the client saves the JSON value at \"$.id\" as \"{name}\"`"
        );
        if let Ok(ctx) = self.ctx() {
            known.extend(ctx.env.variable_names());
            if name.starts_with("users.") {
                hint = format!(
                    "declare it under `users:` in {} (sub, claims, mobileid)",
                    ctx.env.path.display()
                );
            }
        }
        Error::step(format!(
            "unknown variable {{{{{name}}}}}: known variables are {}; {hint}",
            known.join(", ")
        ))
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
        self.scenario_ref()?.last_exchange()
    }

    /// The latest response received.
    pub fn last_response(&self) -> Result<&RecordedResponse> {
        self.scenario_ref()?.last_response()
    }

    /// Describes the latest exchange for messages ("the response to POST /token").
    pub fn last_subject(&self) -> String {
        self.last_exchange()
            .map(Exchange::describe)
            .unwrap_or_else(|_| "the response".into())
    }
}

#[cfg(test)]
mod size {
    /// cucumber moves the world by value through every step of a scenario (its executor folds
    /// the steps over `Option<World>`), several times per step: the states live behind boxes.
    #[test]
    fn the_world_moved_through_every_step_stays_small() {
        let size = std::mem::size_of::<super::IdflowWorld>();
        assert!(
            size <= 512,
            "IdflowWorld is {size} bytes: box its large parts"
        );
    }
}
