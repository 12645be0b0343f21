//! Acting as the end-user on their device through the target's control interface: the
//! environment's `device` calls (approve or deny a CIBA request, start and complete a MobileID
//! operation). The same steps work on every target whose environment declares the calls.

use serde_json::Value;

use crate::config::{ControlCall, Environment};
use crate::error::{Error, Result};
use crate::http::{Body, Redirects, RequestSpec};
use crate::scenario::Scenario;

/// Replaces `{name}` placeholders; unknown placeholders are left as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

fn fill_json(v: &Value, values: &[(&str, &str)]) -> Value {
    match v {
        Value::String(s) => Value::String(fill(s, values)),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill_json(i, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| (k.clone(), fill_json(x, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The environment's control call `name`, or an error saying how to declare it.
pub fn control<'a>(
    env: &'a Environment,
    name: &str,
    pick: impl Fn(&'a crate::config::DeviceControl) -> Option<&'a ControlCall>,
) -> Result<&'a ControlCall> {
    env.device.as_ref().and_then(pick).ok_or_else(|| {
        Error::step(format!(
            "environment `{}` declares no device control `{name}`: add `device: {{ {name}: {{ url: ... }} }}` to {} (this target may not support it)",
            env.name,
            env.path.display()
        ))
    })
}

/// Makes a control call; a non-2xx answer is an error with the answer.
pub async fn call(
    sc: &mut Scenario,
    label: &str,
    call: &ControlCall,
    values: &[(&str, &str)],
) -> Result<Option<Value>> {
    let url_text = fill(&call.url, values);
    let url =
        sc.ctx().base_url.join(&url_text).map_err(|e| {
            Error::step(format!("device control URL {url_text:?} is not a URL: {e}"))
        })?;
    let mut spec = RequestSpec::new(&call.method, url).header("accept", "application/json");
    if let Some(body) = &call.body {
        spec.body = Some(Body::Json(fill_json(body, values)));
    }
    let ex = sc.send(label, spec, Redirects::Stop).await?;
    let resp = ex
        .response()
        .ok_or_else(|| Error::step(format!("{label}: no response")))?;
    if !(200..300).contains(&resp.status) {
        return Err(Error::step(format!(
            "{label} failed: {} {} answered {}\n  body: {}",
            ex.request().method,
            ex.request().url,
            resp.status,
            crate::expect::body_preview(&resp.body, 300)
        )));
    }
    Ok(resp.json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_urls_and_bodies() {
        assert_eq!(
            fill(
                "/c/{auth_req_id}/approve-after?polls={polls}",
                &[("auth_req_id", "a1"), ("polls", "3")]
            ),
            "/c/a1/approve-after?polls=3"
        );
        let body = serde_json::json!({"type": "{type}", "n": 1, "list": ["{user}"]});
        assert_eq!(
            fill_json(&body, &[("type", "registration"), ("user", "carol")]),
            serde_json::json!({"type": "registration", "n": 1, "list": ["carol"]})
        );
    }
}
