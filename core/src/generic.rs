//! The generic HTTP client behind the escape-hatch steps: a request put together by several
//! steps and sent, values of the latest response saved as variables, and expectations on the
//! latest response (status, headers, JSON values, body) and on variables. Each expectation is
//! a named check recorded under the running step.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::expect::{Matcher, check, check_all, query};
use crate::http::{Body, Redirects, RequestSpec};
use crate::oidc::{AuthorizationResponse, basic_auth};
use crate::poll::{PollBounds, UntilPoller};
use crate::scenario::{Scenario, response_of};
use crate::world::{IdflowWorld, PendingRequest};

const NO_REQUEST: &str = "no request is being built: start with `Given a GET request to \"/path\"`";

impl IdflowWorld {
    /// The matcher a phrase of a step describes (`is "x"`, `contains "y"`, `exists` ...),
    /// with `{{variables}}` replaced and time phrases relative to the scenario's clock.
    pub fn matcher(&self, phrase: &str) -> Result<Matcher> {
        let now = self.clock()?.unix_seconds();
        crate::phrase::parse_matcher(&self.interpolate(phrase)?, now).map_err(Error::step)
    }

    /// Starts building a request to a URL or a path on the target.
    pub fn start_request(&mut self, method: &str, url: &str) -> Result<()> {
        let url = self.resolve_url(url)?;
        *self.pending() = Some(PendingRequest {
            spec: RequestSpec::new(method, url),
            query: Vec::new(),
        });
        Ok(())
    }

    fn building(&mut self) -> Result<&mut PendingRequest> {
        self.pending()
            .as_mut()
            .ok_or_else(|| Error::step(NO_REQUEST))
    }

    /// Adds a header to the request being built.
    pub fn add_request_header(&mut self, name: &str, value: &str) -> Result<()> {
        let value = self.interpolate(value)?;
        self.building()?
            .spec
            .headers
            .push((name.to_string(), value));
        Ok(())
    }

    /// Adds query parameters to the request being built.
    pub fn add_request_query(&mut self, pairs: Vec<(String, String)>) -> Result<()> {
        self.building()?.query.extend(pairs);
        Ok(())
    }

    /// Sets the body of the request being built.
    pub fn set_request_body(&mut self, body: Body) -> Result<()> {
        self.building()?.spec.body = Some(body);
        Ok(())
    }

    /// Sets a JSON body from text (with `{{variables}}`).
    pub fn set_request_json(&mut self, text: &str) -> Result<()> {
        let text = self.interpolate(text)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::step(format!("the request JSON body is not JSON: {e}")))?;
        self.set_request_body(Body::Json(value))
    }

    /// Authenticates the request being built with HTTP Basic as a named client.
    pub fn authenticate_request_as(&mut self, client: &str) -> Result<()> {
        let c = self.ctx()?.env.client(client)?;
        let secret = c.secret.as_ref().map(|s| s.expose()).unwrap_or_default();
        let header = basic_auth(&c.id, secret);
        self.add_header_value("authorization", header)
    }

    /// Authenticates the request being built with the latest access token.
    pub fn authorize_request_with_token(&mut self) -> Result<()> {
        let token = self
            .rp()?
            .state()
            .tokens
            .as_ref()
            .and_then(|t| t.access_token.clone())
            .ok_or_else(|| Error::step("no access token was received in this scenario"))?;
        self.add_header_value("authorization", format!("Bearer {token}"))
    }

    fn add_header_value(&mut self, name: &str, value: String) -> Result<()> {
        self.building()?
            .spec
            .headers
            .push((name.to_string(), value));
        Ok(())
    }

    /// Sends the request being built.
    pub async fn send_request(&mut self, redirects: Redirects) -> Result<()> {
        let PendingRequest { mut spec, query } = self
            .pending()
            .take()
            .ok_or_else(|| Error::step(NO_REQUEST))?;
        if !query.is_empty() {
            spec.url
                .query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let label = format!("{} request", spec.method);
        self.scenario()?.send(&label, spec, redirects).await?;
        Ok(())
    }

    /// Sends a request without headers or body.
    pub async fn send_simple_request(&mut self, method: &str, url: &str) -> Result<()> {
        self.start_request(method, url)?;
        self.send_request(Redirects::Stop).await
    }

    /// Saves the value at a JSONPath of the latest response as a variable.
    pub fn save_json_value(&mut self, path: &str, name: &str) -> Result<()> {
        let subject = self.last_subject();
        let json = self.last_response()?.json().ok_or_else(|| {
            Error::step(format!("{subject} is not JSON, so {path} cannot be read"))
        })?;
        let found = query(&json, path)?;
        let value = found
            .first()
            .ok_or_else(|| Error::step(format!("nothing at JSONPath {path} in {subject}")))?;
        let text = value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string());
        self.set_var(name, text);
        Ok(())
    }

    /// Saves a header of the latest response as a variable.
    pub fn save_header(&mut self, header: &str, name: &str) -> Result<()> {
        let subject = self.last_subject();
        let value = self
            .last_response()?
            .header(header)
            .ok_or_else(|| Error::step(format!("{subject} has no {header} header")))?
            .to_string();
        self.set_var(name, value);
        Ok(())
    }

    /// Saves a parameter of the latest redirect (query or fragment of its Location).
    pub fn save_redirect_param(&mut self, param: &str, name: &str) -> Result<()> {
        let ex = self.last_exchange()?;
        let location = ex
            .stopped_at
            .clone()
            .or_else(|| {
                ex.response()
                    .and_then(|r| r.header("location"))
                    .map(str::to_string)
            })
            .ok_or_else(|| Error::step("the latest response is not a redirect"))?;
        let value = AuthorizationResponse::parse(&location)?
            .any_param(param)
            .ok_or_else(|| {
                Error::step(format!(
                    "the redirect to {location} has no parameter {param}"
                ))
            })?
            .to_string();
        self.set_var(name, value);
        Ok(())
    }

    /// The latest response has this status.
    pub fn expect_status(&mut self, expected: u16) -> Result<()> {
        let subject = format!("status of {}", self.last_subject());
        let status = Value::from(self.last_response()?.status);
        let outcome = check(&subject, Some(&status), &Matcher::Equals(expected.into()));
        self.scenario()?.expect("status", outcome)
    }

    /// A header of the latest response meets `phrase`.
    pub fn expect_header(&mut self, name: &str, phrase: &str) -> Result<()> {
        let matcher = self.matcher(phrase)?;
        let subject = format!("header {name} of {}", self.last_subject());
        let values: Vec<&str> = self.last_response()?.header_values(name).collect();
        let actual = (!values.is_empty()).then(|| Value::String(values.join(", ")));
        let outcome = check(&subject, actual.as_ref(), &matcher);
        self.scenario()?.expect(&format!("header {name}"), outcome)
    }

    /// The values at a JSONPath of the latest response meet `phrase`.
    pub fn expect_json(&mut self, path: &str, phrase: &str) -> Result<()> {
        let matcher = self.matcher(phrase)?;
        let subject = format!("JSONPath {path} in {}", self.last_subject());
        let resp = self.last_response()?;
        let json = resp.json().ok_or_else(|| {
            Error::step(format!(
                "{subject}: the body is not JSON\n  body: {}",
                crate::expect::body_preview(&resp.body, 300)
            ))
        })?;
        let outcome = check_all(&subject, &query(&json, path)?, &matcher);
        self.scenario()?
            .expect(&format!("JSONPath {path}"), outcome)
    }

    /// The body of the latest response contains a text.
    pub fn expect_body_contains(&mut self, text: &str) -> Result<()> {
        let text = self.interpolate(text)?;
        let subject = format!("body of {}", self.last_subject());
        let body = Value::String(self.last_response()?.body.clone());
        let outcome = check(&subject, Some(&body), &Matcher::Contains(text.into()));
        self.scenario()?.expect("body", outcome)
    }

    /// A variable meets `phrase`.
    pub fn expect_variable(&mut self, name: &str, phrase: &str) -> Result<()> {
        let matcher = self.matcher(phrase)?;
        let value = self.var(name).map(|v| Value::String(v.to_string()));
        let outcome = check(&format!("variable {name}"), value.as_ref(), &matcher);
        self.scenario()?
            .expect(&format!("variable {name}"), outcome)
    }

    /// GETs `url` until the JSON value at `path` meets `phrase`, every `every` seconds, at
    /// most `attempts` times.
    pub async fn poll_until_json(
        &mut self,
        url: &str,
        every: u64,
        attempts: usize,
        path: &str,
        phrase: &str,
    ) -> Result<()> {
        let url = self.resolve_url(url)?;
        let matcher = self.matcher(phrase)?;
        let bounds = crate::poll::PollBounds {
            every: std::time::Duration::from_secs(every),
            attempts,
            within: std::time::Duration::from_secs(every * attempts as u64 + 1),
        };
        poll_json_until(self.scenario()?, url, path, &matcher, bounds).await
    }
}

/// GETs `url` until the JSON value at `path` satisfies `matcher`, within `bounds`; every poll
/// is an exchange, and the loop a timeline, of the running step.
async fn poll_json_until(
    sc: &mut Scenario,
    url: url::Url,
    path: &str,
    matcher: &crate::expect::Matcher,
    bounds: PollBounds,
) -> Result<()> {
    let clock = sc.clock();
    let label = format!("polling {} until {path}", url.path());
    let mut poller = UntilPoller::new(&clock, &label, bounds);
    while poller.wait(&clock).await {
        let spec = RequestSpec::new("GET", url.clone()).header("accept", "application/json");
        let ex = sc.send("poll", spec, Redirects::Stop).await?;
        let subject = format!("JSONPath {path} in {}", ex.describe());
        let resp = response_of(ex)?;
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
                "{} {}\n{m}",
                resp.status,
                crate::expect::body_preview(&resp.body, 200)
            )
        });
        poller.record(&clock, resp.status, word, held);
    }
    let (result, timeline) = poller.finish();
    sc.record_mut().push_timeline(timeline);
    result.map_err(Error::step)
}
