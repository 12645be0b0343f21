//! MobileID backend-initiated operations (seed 000): an operation runs on the end-user's
//! device; the client polls its status URL, then follows its complete URL through every
//! redirect to the code — without `Accept: application/json`, which makes Signicat answer
//! JSON instead of redirecting.

use serde_json::Value;
use url::Url;

use crate::checks::Checklist;
use crate::device;
use crate::error::{Error, Result};
use crate::http::{Redirects, RequestSpec};
use crate::oidc::{AreaClient, AuthorizationResponse};

/// A started operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) status_url: Url,
    pub(crate) complete_url: Url,
}

/// What the MobileID client remembers during a scenario.
#[derive(Debug, Default, Clone)]
pub struct MobileIdState {
    /// The backend-initiated operation in progress.
    operation: Option<Operation>,
}

/// The MobileID operations client of one scenario. The code its complete URL yields goes to
/// the relying party's state, which exchanges it like any other.
pub type MobileIdClient<'a> = AreaClient<'a, MobileIdState>;

impl MobileIdClient<'_> {
    /// Starts an operation (`registration`, `authentication`, `authorisation`,
    /// `consent_signature`) for `user` through the environment's `device.start_operation`.
    pub async fn start_operation(&mut self, kind: &str, user: &str) -> Result<()> {
        self.sc.env().user(user)?;
        let (_, client) = self.oidc.client_in(self.sc.env())?;
        let client_id = client.id.to_string();
        let redirect_uri = client
            .redirect_uris
            .first()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let call = device::control(self.sc.env(), "start_operation", |d| {
            d.start_operation.as_ref()
        })?
        .clone();
        let values = [
            ("type", kind),
            ("user", user),
            ("client_id", client_id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
        ];
        let answer = device::call(self.sc, "start MobileID operation", &call, &values)
            .await?
            .unwrap_or_default();
        let url = |field: &str| -> Result<Url> {
            let text = answer.get(field).and_then(Value::as_str).ok_or_else(|| {
                Error::step(format!(
                    "starting the operation answered no {field}: {}",
                    crate::expect::render(&answer)
                ))
            })?;
            self.sc
                .ctx()
                .base_url
                .join(text)
                .map_err(|e| Error::step(format!("{field} {text:?}: {e}")))
        };
        self.state.operation = Some(Operation {
            id: answer
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            kind: kind.to_string(),
            status_url: url("statusUrl")?,
            complete_url: url("completeUrl")?,
        });
        self.oidc.response = None;
        Ok(())
    }

    /// The operation in progress.
    pub fn operation(&self) -> Result<&Operation> {
        self.state
            .operation
            .as_ref()
            .ok_or_else(|| Error::step("no MobileID operation was started in this scenario"))
    }

    /// The end-user completes (`true`) or abandons (`false`) the operation on the device.
    pub async fn finish_operation_on_device(&mut self, completes: bool) -> Result<()> {
        let id = self.operation()?.id.clone();
        let (name, call) = if completes {
            (
                "complete_operation",
                device::control(self.sc.env(), "complete_operation", |d| {
                    d.complete_operation.as_ref()
                })?,
            )
        } else {
            (
                "fail_operation",
                device::control(self.sc.env(), "fail_operation", |d| {
                    d.fail_operation.as_ref()
                })?,
            )
        };
        let call = call.clone();
        device::call(self.sc, name, &call, &[("operation_id", id.as_str())]).await?;
        Ok(())
    }

    /// Follows the complete URL through every redirect, stopping at the client's redirect URI.
    /// `accept_json` reproduces the documented mistake of sending `Accept: application/json`.
    pub async fn follow_complete_url(&mut self, accept_json: bool) -> Result<()> {
        let url = self.operation()?.complete_url.clone();
        let (_, client) = self.oidc.client_in(self.sc.env())?;
        let stop: Vec<Url> = client
            .redirect_uris
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let mut spec = RequestSpec::new("GET", url);
        if accept_json {
            spec = spec.header("accept", "application/json");
        }
        let label = if accept_json {
            "complete URL (Accept: application/json)"
        } else {
            "complete URL"
        };
        let ex = self
            .sc
            .send(label, spec, Redirects::FollowUntil(stop))
            .await?;
        self.oidc.response = match &ex.stopped_at {
            Some(at) => Some(AuthorizationResponse::parse(at)?),
            None => None,
        };
        Ok(())
    }

    /// The provider did not redirect the client to its redirect URI (no code reached it).
    pub fn expect_not_redirected(&mut self) -> Result<()> {
        let mut list = Checklist::new("the complete URL");
        list.must(
            "no redirect to the client",
            "MobileID backend-initiated operations (seed 000)",
            self.oidc.response.is_none(),
            format!(
                "the client was redirected to {}",
                self.oidc
                    .response
                    .as_ref()
                    .map(|r| r.url.to_string())
                    .unwrap_or_default()
            ),
        );
        self.sc.conclude(list)
    }
}
