//! The shared HTTP client of a run and the per-scenario [`Session`] that records exchanges.

use std::path::Path;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use cookie_store::CookieStore;
use url::Url;

use crate::config::{HttpOptions, TlsOptions};
use crate::record::{
    Exchange, ExchangeEnd, Header, Hop, RecordedRequest, RecordedResponse, ScenarioRecord, epoch_ms,
};

/// How much of a body that went beyond `http.max_body_bytes` the record keeps (cut at a
/// character boundary and marked with `…`, which the redactor recognises after a cut secret).
const KEPT_OF_OVERSIZED_BODY: usize = 64 * 1024;

/// Why a request could not be made or completed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error("invalid HTTP client setup: {0}")]
    Setup(String),
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{method} {url}: more than {limit} redirects (last Location: {last})")]
    TooManyRedirects {
        method: String,
        url: String,
        limit: usize,
        last: String,
    },
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `application/json`.
    Json(serde_json::Value),
    /// Any other content, sent as is.
    Raw { content_type: String, text: String },
}

/// A request to send.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    pub(crate) method: String,
    pub(crate) url: Url,
    pub(crate) headers: Vec<Header>,
    pub(crate) body: Option<Body>,
    /// Sent by the relying party's backend (token, UserInfo, discovery, JWKS, backchannel
    /// APIs), not by the end-user's browser: it neither carries nor takes the user agent's
    /// cookies, as a real client's server never has them.
    pub(crate) backchannel: bool,
}

impl RequestSpec {
    /// A request without headers or body, sent as the end-user's browser would (with the
    /// session's cookies).
    pub fn new(method: &str, url: Url) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            url,
            headers: Vec::new(),
            body: None,
            backchannel: false,
        }
    }
    /// Marks the request as the relying party's backend's: no cookies either way.
    pub fn backchannel(mut self) -> Self {
        self.backchannel = true;
        self
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    /// Sets a form body.
    pub fn form(mut self, fields: Vec<(String, String)>) -> Self {
        self.body = Some(Body::Form(fields));
        self
    }
}

/// How the engine treats redirects.
#[derive(Debug, Clone, PartialEq)]
pub enum Redirects {
    /// Return the redirect response itself.
    Stop,
    /// Follow every redirect.
    Follow,
    /// Follow redirects but stop, without requesting it, at a Location on one of these
    /// (registered redirect URIs: scheme, host, port and path compared exactly).
    FollowUntil(Vec<Url>),
}

/// The run's HTTP client: one connection pool, TLS setup and timeouts for every scenario.
#[derive(Debug, Clone)]
pub struct HttpEngine {
    client: reqwest::Client,
    options: HttpOptions,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl HttpEngine {
    /// Builds the client; `base_dir` resolves a relative `tls.ca_file`.
    pub fn new(
        tls: &TlsOptions,
        options: &HttpOptions,
        base_dir: &Path,
    ) -> Result<Self, HttpError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(options.timeout_seconds.max(1)))
            .connect_timeout(Duration::from_secs(options.connect_timeout_seconds.max(1)))
            .user_agent(concat!("idflow/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(64);
        builder = super::tls::configure(builder, tls, base_dir)
            .map_err(|e| HttpError::Setup(e.to_string()))?;
        let client = builder
            .build()
            .map_err(|e| HttpError::Setup(error_chain(&e)))?;
        Ok(Self {
            client,
            options: options.clone(),
        })
    }

    /// A new session with an empty cookie jar.
    pub fn session(self: &Arc<Self>) -> Session {
        Session {
            engine: Arc::clone(self),
            cookies: CookieStore::default(),
            record: ScenarioRecord::default(),
            clock: None,
            span: tracing::Span::none(),
        }
    }

    /// A session whose requests tell the simulator this scenario's clock offset.
    pub fn session_with_clock(self: &Arc<Self>, clock: crate::clock::ScenarioClock) -> Session {
        Session {
            clock: Some(clock),
            ..self.session()
        }
    }
}

/// A cookie a user agent holds: its name and value, the host (or domain) and path it is sent
/// to, and whether only over HTTPS.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) host: String,
    pub(crate) path: String,
    pub(crate) secure: bool,
}

/// One scenario's HTTP state: its cookie jar, and the scenario's record, to which every
/// exchange is appended (under the step that is running) as it is made.
#[derive(Debug)]
pub struct Session {
    engine: Arc<HttpEngine>,
    cookies: CookieStore,
    record: ScenarioRecord,
    clock: Option<crate::clock::ScenarioClock>,
    /// The scenario's span: exchanges run inside it, so their logs are the scenario's.
    span: tracing::Span,
}

impl Session {
    /// The scenario's record so far.
    pub fn record(&self) -> &ScenarioRecord {
        &self.record
    }

    /// The scenario's record, for appending evidence made outside HTTP (token verdicts,
    /// poll timelines, checks).
    pub fn record_mut(&mut self) -> &mut ScenarioRecord {
        &mut self.record
    }

    /// Takes the finished record out (for the report), leaving an empty one.
    pub fn take_record(&mut self) -> ScenarioRecord {
        std::mem::take(&mut self.record)
    }

    /// The latest exchange, whichever step made it.
    pub fn last(&self) -> Option<&Exchange> {
        self.record.last_exchange()
    }

    /// Forgets every cookie (a new user agent).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    /// Takes a cookie another user agent of the same end-user holds (the browser login
    /// driver's), as if `url` had answered with this `Set-Cookie` value; a malformed one is
    /// ignored as a browser would.
    pub fn adopt_cookie(&mut self, set_cookie: &str, url: &Url) {
        let _ = self.cookies.parse(set_cookie, url);
    }

    /// The unexpired cookies this user agent holds, for another user agent of the same
    /// end-user (the browser login driver opening a page the relying party's requests reached).
    pub fn held_cookies(&self) -> Vec<HeldCookie> {
        self.cookies
            .iter_unexpired()
            .filter_map(|c| {
                Some(HeldCookie {
                    name: c.name().to_string(),
                    value: c.value().to_string(),
                    host: c.domain.as_cow()?.into_owned(),
                    path: String::from(&c.path),
                    secure: c.secure().unwrap_or(false),
                })
            })
            .collect()
    }

    /// Runs this session's exchanges inside `span` (the scenario's).
    pub fn in_span(mut self, span: tracing::Span) -> Self {
        self.span = span;
        self
    }

    /// Sends a request, following redirects as told, and records the exchange. A transport
    /// failure is recorded too, then returned as an error.
    pub async fn send(
        &mut self,
        label: &str,
        spec: RequestSpec,
        redirects: Redirects,
    ) -> Result<&Exchange, HttpError> {
        use tracing::Instrument as _;
        let span = self.span.clone();
        self.send_in_span(label, spec, redirects)
            .instrument(span)
            .await
    }

    async fn send_in_span(
        &mut self,
        label: &str,
        spec: RequestSpec,
        redirects: Redirects,
    ) -> Result<&Exchange, HttpError> {
        let mut hops = Vec::new();
        let mut current = spec;
        let limit = self.engine.options.max_redirects;
        let (end, stopped_at, error) = loop {
            let (hop, err) = self.send_one(&current).await;
            hops.push(hop);
            if let Some(message) = err {
                break (ExchangeEnd::TransportError, None, Some(message));
            }
            let response = hops
                .last()
                .and_then(|h| h.response.as_ref())
                .expect("response present");
            let location = response
                .header("location")
                .filter(|_| (300..400).contains(&response.status))
                .and_then(|l| current.url.join(l).ok());
            let Some(next) = location else {
                break (ExchangeEnd::Response, None, None);
            };
            match &redirects {
                Redirects::Stop => break (ExchangeEnd::Response, None, None),
                Redirects::FollowUntil(uris) if uris.iter().any(|u| same_endpoint(u, &next)) => {
                    break (ExchangeEnd::RedirectUri, Some(next.to_string()), None);
                }
                _ => {}
            }
            if hops.len() > limit {
                break (ExchangeEnd::TooManyRedirects, None, None);
            }
            current = redirected(current, response.status, next);
        };
        let exchange = Exchange {
            seq: 0,
            label: label.to_string(),
            hops,
            end: end.clone(),
            stopped_at,
            error: error.clone(),
        };
        tracing::debug!(
            step = self.record.step_index(),
            label,
            method = %exchange.request().method,
            url = %exchange.request().url,
            status = exchange.response().map(|r| r.status),
            hops = exchange.hops.len(),
            ms = format!("{:.1}", exchange.duration_ms()),
            "http exchange"
        );
        let recorded = self.record.push_exchange(exchange);
        match end {
            ExchangeEnd::TransportError => Err(HttpError::Transport {
                method: recorded
                    .hops
                    .last()
                    .map(|h| h.request.method.clone())
                    .unwrap_or_default(),
                url: recorded
                    .hops
                    .last()
                    .map(|h| h.request.url.clone())
                    .unwrap_or_default(),
                message: error.unwrap_or_default(),
            }),
            ExchangeEnd::TooManyRedirects => Err(HttpError::TooManyRedirects {
                method: recorded.request().method.clone(),
                url: recorded.request().url.clone(),
                limit,
                last: recorded
                    .response()
                    .and_then(|r| r.header("location"))
                    .unwrap_or_default()
                    .to_string(),
            }),
            _ => Ok(recorded),
        }
    }

    /// Sends two requests at the same time (`tokio::join!`), neither following redirects, and
    /// records both exchanges in the order given: an attacker's race, such as two redemptions
    /// of one authorization code. A transport failure of either is recorded, then returned.
    pub async fn send_pair(
        &mut self,
        first: (&str, RequestSpec),
        second: (&str, RequestSpec),
    ) -> Result<[Exchange; 2], HttpError> {
        use tracing::Instrument as _;
        let span = self.span.clone();
        let fetch_built = |spec: &RequestSpec| {
            let engine = Arc::clone(&self.engine);
            let built = self.build(spec);
            let unbuilt = unbuilt_request(spec);
            async move {
                match built {
                    Ok((request, recorded)) => fetch(&engine, request, recorded).await,
                    Err(message) => (
                        hop(unbuilt, None, SystemTime::now(), Instant::now()),
                        Some(message),
                    ),
                }
            }
        };
        let a = fetch_built(&first.1).instrument(span.clone());
        let b = fetch_built(&second.1).instrument(span);
        let (a, b) = tokio::join!(a, b);
        let mut out = Vec::with_capacity(2);
        for ((label, spec), (hop, error)) in [first, second].into_iter().zip([a, b]) {
            self.store_cookies(&hop, &spec);
            let end = if error.is_some() {
                ExchangeEnd::TransportError
            } else {
                ExchangeEnd::Response
            };
            let exchange = Exchange {
                seq: 0,
                label: label.to_string(),
                hops: vec![hop],
                end,
                stopped_at: None,
                error: error.clone(),
            };
            let recorded = self.record.push_exchange(exchange).clone();
            if let Some(message) = error {
                return Err(HttpError::Transport {
                    method: spec.method.clone(),
                    url: spec.url.to_string(),
                    message,
                });
            }
            out.push(recorded);
        }
        let second = out.pop().expect("two exchanges");
        let first = out.pop().expect("two exchanges");
        Ok([first, second])
    }

    fn store_cookies(&mut self, hop: &Hop, spec: &RequestSpec) {
        let Some(response) = &hop.response else {
            return;
        };
        if spec.backchannel {
            return;
        }
        for (name, value) in &response.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let _ = self.cookies.parse(value, &spec.url);
            }
        }
    }

    async fn send_one(&mut self, spec: &RequestSpec) -> (Hop, Option<String>) {
        let (hop, error) = match self.build(spec) {
            Ok((request, recorded)) => fetch(&self.engine, request, recorded).await,
            Err(message) => (
                hop(
                    unbuilt_request(spec),
                    None,
                    SystemTime::now(),
                    Instant::now(),
                ),
                Some(message),
            ),
        };
        self.store_cookies(&hop, spec);
        (hop, error)
    }

    fn build(&self, spec: &RequestSpec) -> Result<(reqwest::Request, RecordedRequest), String> {
        let method = reqwest::Method::from_bytes(spec.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", spec.method))?;
        let mut builder = self.engine.client.request(method, spec.url.clone());
        let cookie_header: Vec<String> = if spec.backchannel {
            Vec::new()
        } else {
            self.cookies
                .get_request_values(&spec.url)
                .map(|(n, v)| format!("{n}={v}"))
                .collect()
        };
        let sets_cookie = spec
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("cookie"));
        if !cookie_header.is_empty() && !sets_cookie {
            builder = builder.header("cookie", cookie_header.join("; "));
        }
        for (name, value) in &spec.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(clock) = &self.clock {
            builder = builder.header(
                crate::clock::CLOCK_OFFSET_HEADER,
                clock.offset_ms().to_string(),
            );
        }
        let mut body_text = None;
        match &spec.body {
            None => {}
            Some(Body::Form(fields)) => {
                let text = serde_urlencoded_pairs(fields);
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                if text.is_empty() {
                    // hyper sends no Content-Length for an empty body; strict servers reject
                    // such a POST (RFC 9110 §8.6: a client SHOULD send it).
                    builder = builder.header("content-length", "0");
                }
                builder = builder.body(text.clone());
                body_text = Some(text);
            }
            Some(Body::Json(value)) => {
                let text = value.to_string();
                if !spec
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    builder = builder.header("content-type", "application/json");
                }
                builder = builder.body(text.clone());
                body_text = Some(text);
            }
            Some(Body::Raw { content_type, text }) => {
                if !spec
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    builder = builder.header("content-type", content_type.as_str());
                }
                builder = builder.body(text.clone());
                body_text = Some(text.clone());
            }
        }
        let request = builder
            .build()
            .map_err(|e| format!("cannot build the request: {}", error_chain(&e)))?;
        let headers = recorded_headers(request.headers());
        let recorded = RecordedRequest {
            method: request.method().to_string(),
            url: request.url().to_string(),
            headers,
            body: body_text,
        };
        Ok((request, recorded))
    }
}

/// Executes a built request and reads its answer (bounded), as one hop; no cookie is stored.
async fn fetch(
    engine: &HttpEngine,
    request: reqwest::Request,
    recorded: RecordedRequest,
) -> (Hop, Option<String>) {
    let started = SystemTime::now();
    let clock = Instant::now();
    let response = match engine.client.execute(request).await {
        Ok(r) => r,
        Err(e) => {
            let message = describe_transport_error(&e, &engine.options);
            return (hop(recorded, None, started, clock), Some(message));
        }
    };
    let status = response.status().as_u16();
    let headers: Vec<Header> = recorded_headers(response.headers());
    let limit = engine.options.max_body_bytes;
    let (bytes, problem) = read_bounded(response, limit, &engine.options).await;
    let body_size = bytes.len();
    let body = match &problem {
        None => String::from_utf8_lossy(&bytes).into_owned(),
        Some(_) => {
            let kept = String::from_utf8_lossy(&bytes[..body_size.min(KEPT_OF_OVERSIZED_BODY)]);
            // A multi-byte character cut in two shows as U+FFFD: drop it.
            format!(
                "{}{}",
                kept.trim_end_matches('\u{fffd}'),
                crate::redact::CUT
            )
        }
    };
    let recorded_response = RecordedResponse {
        status,
        headers,
        body,
        body_size,
    };
    (
        hop(recorded, Some(recorded_response), started, clock),
        problem,
    )
}

/// The record of a request that could not be built.
fn unbuilt_request(spec: &RequestSpec) -> RecordedRequest {
    RecordedRequest {
        method: spec.method.clone(),
        url: spec.url.to_string(),
        headers: spec.headers.clone(),
        body: None,
    }
}

/// Reads a response body chunk by chunk, never more than `limit` bytes: memory stays bounded
/// whatever the target sends. Returns what was read, and why reading stopped early.
async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
    options: &HttpOptions,
) -> (Vec<u8>, Option<String>) {
    let declared = response.content_length();
    if let Some(n) = declared
        && n > limit as u64
    {
        return (
            Vec::new(),
            Some(format!(
                "the response body is {n} bytes (Content-Length), more than http.max_body_bytes ({limit} bytes); nothing of it was read. Raise http.max_body_bytes in the environment file if the target really answers this much"
            )),
        );
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(limit));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > limit {
                    let room = limit - bytes.len();
                    bytes.extend_from_slice(&chunk[..room]);
                    return (
                        bytes,
                        Some(format!(
                            "the response body goes beyond http.max_body_bytes ({limit} bytes); reading stopped there and the rest was not read. Raise http.max_body_bytes in the environment file if the target really answers this much"
                        )),
                    );
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return (bytes, None),
            Err(e) => {
                let message = if e.is_timeout() {
                    format!(
                        "reading the response body timed out after {} s with {} bytes read ({}); the target sends its body too slowly: raise http.timeout_seconds in the environment file or check the target",
                        options.timeout_seconds,
                        bytes.len(),
                        error_chain(&e)
                    )
                } else {
                    format!(
                        "reading the response body failed after {} bytes: {}",
                        bytes.len(),
                        error_chain(&e)
                    )
                };
                return (bytes, Some(message));
            }
        }
    }
}

fn hop(
    request: RecordedRequest,
    response: Option<RecordedResponse>,
    started: SystemTime,
    clock: Instant,
) -> Hop {
    Hop {
        request,
        response,
        started_at_ms: epoch_ms(started),
        duration_ms: clock.elapsed().as_secs_f64() * 1000.0,
    }
}

/// `a=1&b=2`, form-encoded.
pub fn serde_urlencoded_pairs(fields: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

/// The request for the next hop: 303 (and 301/302 after a non-GET) turn into a GET without a
/// body, as browsers do; 307/308 repeat the method and body.
fn redirected(previous: RequestSpec, status: u16, next: Url) -> RequestSpec {
    let keep_method = matches!(status, 307 | 308);
    let cross_origin = previous.url.origin() != next.origin();
    let headers = previous
        .headers
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("cookie"))
        .filter(|(n, _)| !(cross_origin && n.eq_ignore_ascii_case("authorization")))
        .filter(|(n, _)| keep_method || !n.eq_ignore_ascii_case("content-type"))
        .collect();
    RequestSpec {
        method: if keep_method {
            previous.method
        } else {
            "GET".to_string()
        },
        url: next,
        headers,
        body: if keep_method { previous.body } else { None },
        backchannel: previous.backchannel,
    }
}

/// Whether `candidate` is at the endpoint `registered` (scheme, host, port, path).
pub fn same_endpoint(registered: &Url, candidate: &Url) -> bool {
    registered.scheme() == candidate.scheme()
        && registered.host_str() == candidate.host_str()
        && registered.port_or_known_default() == candidate.port_or_known_default()
        && registered.path() == candidate.path()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn describe_transport_error(e: &reqwest::Error, options: &HttpOptions) -> String {
    let chain = error_chain(e);
    let lower = chain.to_lowercase();
    if e.is_timeout() {
        format!(
            "timed out after {} s ({chain}); the target is slow or unreachable: raise http.timeout_seconds in the environment file or check the target",
            options.timeout_seconds
        )
    } else if lower.contains("connection refused") {
        format!(
            "connection refused ({chain}); is the target running at this address? Check the environment's target"
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        format!(
            "TLS error ({chain}); for a private CA set tls.ca_file in the environment file (tls.insecure_skip_verify only for throwaway targets)"
        )
    } else if e.is_connect() {
        format!(
            "could not connect ({chain}); check the host name and port of the environment's target"
        )
    } else {
        chain
    }
}

/// Headers as recorded: names as the HTTP stack spells them, values as (lossy) text.
fn recorded_headers(headers: &reqwest::header::HeaderMap) -> Vec<Header> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn engine() -> Arc<HttpEngine> {
        Arc::new(
            HttpEngine::new(
                &TlsOptions::default(),
                &HttpOptions::default(),
                Path::new("."),
            )
            .unwrap(),
        )
    }

    #[tokio::test]
    async fn follows_redirects_keeping_cookies_and_stops_at_the_redirect_uri() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/start"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", "/next")
                    .insert_header("set-cookie", "sid=abc; Path=/"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/next"))
            .and(wiremock::matchers::header("cookie", "sid=abc"))
            .respond_with(
                ResponseTemplate::new(303)
                    .insert_header("location", "https://client.example/cb?code=1"),
            )
            .mount(&server)
            .await;
        let mut session = engine().session();
        let spec = RequestSpec::new(
            "GET",
            Url::parse(&format!("{}/start", server.uri())).unwrap(),
        );
        let cb = Url::parse("https://client.example/cb").unwrap();
        let ex = session
            .send("start", spec, Redirects::FollowUntil(vec![cb]))
            .await
            .unwrap();
        assert_eq!(ex.hops.len(), 2);
        assert_eq!(ex.end, ExchangeEnd::RedirectUri);
        assert_eq!(
            ex.stopped_at.as_deref(),
            Some("https://client.example/cb?code=1")
        );
        assert!(
            ex.hops[1]
                .request
                .headers
                .iter()
                .any(|(n, v)| n == "cookie" && v == "sid=abc")
        );
    }

    /// The environment's TLS options reach the client: a target signed by a private CA is
    /// trusted with `tls.ca_file` (or with verification off), and refused without it in words
    /// that name the fix.
    #[tokio::test]
    async fn tls_options_trust_a_private_ca_and_say_how_when_missing() {
        let addr = super::super::tls::tests::https_server().await;
        let url = Url::parse(&format!("https://{addr}/")).unwrap();
        // The status of a GET with these options, or the error in words.
        let fetch = |tls: TlsOptions| {
            let url = url.clone();
            async move {
                let engine = Arc::new(
                    HttpEngine::new(&tls, &HttpOptions::default(), Path::new("/")).unwrap(),
                );
                let mut session = engine.session();
                let ex = session
                    .send("fetch", RequestSpec::new("GET", url), Redirects::Stop)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(ex.hops[0].response.as_ref().map(|r| r.status))
            }
        };
        let ca = PathBuf::from(super::super::tls::tests::CA);
        let trusted = fetch(TlsOptions {
            ca_file: Some(ca),
            ..TlsOptions::default()
        })
        .await;
        assert_eq!(trusted, Ok(Some(200)));
        let unverified = fetch(TlsOptions {
            insecure_skip_verify: true,
            ..TlsOptions::default()
        })
        .await;
        assert_eq!(unverified, Ok(Some(200)));
        let refused = fetch(TlsOptions::default()).await.unwrap_err();
        assert!(refused.contains("TLS error"), "{refused}");
        assert!(refused.contains("set tls.ca_file"), "{refused}");
        let wrong = HttpEngine::new(
            &TlsOptions {
                ca_file: Some(PathBuf::from("missing-ca.pem")),
                insecure_skip_verify: true,
            },
            &HttpOptions::default(),
            Path::new("/nowhere"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            wrong.contains("cannot read tls.ca_file /nowhere/missing-ca.pem"),
            "{wrong}"
        );
    }

    /// The cookies a session holds, with the host and path they go to, for the browser.
    #[test]
    fn held_cookies_name_their_host_and_path() {
        let mut session = engine().session();
        let at = Url::parse("https://op.example/api/auth/").unwrap();
        session.adopt_cookie("sid=abc; Path=/api; Secure; HttpOnly", &at);
        session.adopt_cookie("lang=en", &at);
        let mut held = session.held_cookies();
        held.sort_by(|a, b| a.name.cmp(&b.name));
        let shown: Vec<_> = held
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.value.as_str(),
                    c.host.as_str(),
                    c.path.as_str(),
                    c.secure,
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("lang", "en", "op.example", "/api/auth", false),
                ("sid", "abc", "op.example", "/api", true),
            ]
        );
        session.clear_cookies();
        assert!(session.held_cookies().is_empty());
    }

    /// The relying party's backend requests carry none of the end-user's browser cookies and
    /// keep none they are offered: a real client's server never holds the browser's session.
    #[tokio::test]
    async fn backchannel_requests_neither_send_nor_take_cookies() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/login"))
            .respond_with(ResponseTemplate::new(200).insert_header("set-cookie", "sid=abc; Path=/"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).insert_header("set-cookie", "rp=1; Path=/"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/page"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let url = |p: &str| Url::parse(&format!("{}{p}", server.uri())).unwrap();
        let mut session = engine().session();
        let login = RequestSpec::new("GET", url("/login"));
        session.send("login", login, Redirects::Stop).await.unwrap();
        let token = RequestSpec::new("POST", url("/token")).backchannel();
        let ex = session.send("token", token, Redirects::Stop).await.unwrap();
        let sent = |ex: &Exchange| {
            ex.hops[0]
                .request
                .headers
                .iter()
                .find(|(n, _)| n == "cookie")
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            sent(ex),
            None,
            "the backchannel request sent the browser's cookie"
        );
        let page = RequestSpec::new("GET", url("/page"));
        let ex = session.send("page", page, Redirects::Stop).await.unwrap();
        assert_eq!(
            sent(ex).as_deref(),
            Some("sid=abc"),
            "the token endpoint's cookie was kept"
        );
    }

    #[tokio::test]
    async fn connection_refused_is_recorded_and_explained() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut session = engine().session();
        let spec = RequestSpec::new(
            "GET",
            Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap(),
        );
        let err = session
            .send("probe", spec, Redirects::Follow)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("connection refused"), "{err}");
        assert_eq!(session.record().exchanges().count(), 1);
        assert_eq!(session.last().unwrap().end, ExchangeEnd::TransportError);
    }

    #[tokio::test]
    async fn records_form_body_and_status() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(400).set_body_string("{\"error\":\"invalid_grant\"}"),
            )
            .mount(&server)
            .await;
        let mut session = engine().session();
        let spec = RequestSpec::new("POST", Url::parse(&server.uri()).unwrap()).form(vec![
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), "a b".into()),
        ]);
        let ex = session.send("token", spec, Redirects::Stop).await.unwrap();
        assert_eq!(
            ex.request().body.as_deref(),
            Some("grant_type=authorization_code&code=a+b")
        );
        let resp = ex.response().unwrap();
        assert_eq!(resp.status, 400);
        assert_eq!(resp.json().unwrap()["error"], "invalid_grant");
    }

    #[tokio::test]
    async fn an_empty_form_post_says_content_length_zero() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(wiremock::matchers::header("content-length", "0"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let mut session = engine().session();
        let spec = RequestSpec::new("POST", Url::parse(&server.uri()).unwrap()).form(Vec::new());
        let ex = session
            .send("empty form", spec, Redirects::Stop)
            .await
            .unwrap();
        assert_eq!(ex.response().unwrap().status, 204);
    }

    fn engine_with(max_body_bytes: usize, timeout_seconds: u64) -> Arc<HttpEngine> {
        let options = HttpOptions {
            max_body_bytes,
            timeout_seconds,
            ..HttpOptions::default()
        };
        Arc::new(HttpEngine::new(&TlsOptions::default(), &options, Path::new(".")).unwrap())
    }

    async fn get(engine: &Arc<HttpEngine>, url: &str) -> (Result<(), String>, Exchange) {
        let mut session = engine.session();
        let spec = RequestSpec::new("GET", Url::parse(url).unwrap());
        let result = session
            .send("hostile", spec, Redirects::Follow)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        (result, session.last().unwrap().clone())
    }

    const MIB: usize = 1024 * 1024;

    #[tokio::test]
    async fn an_endless_body_stops_at_the_limit_with_a_clear_message() {
        let server = super::super::hostile::Hostile::start();
        let (result, ex) = get(&engine_with(MIB, 10), &server.url("/endless")).await;
        let err = result.unwrap_err();
        assert!(
            err.contains("goes beyond http.max_body_bytes (1048576 bytes)"),
            "{err}"
        );
        assert!(err.contains("Raise http.max_body_bytes"), "{err}");
        let resp = ex.response().expect("status and headers are recorded");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body_size, MIB, "exactly the limit was read");
        assert!(resp.body.len() <= KEPT_OF_OVERSIZED_BODY + 4);
        assert!(resp.body.ends_with(crate::redact::CUT));
    }

    #[tokio::test]
    async fn a_declared_100_mb_json_is_refused_unread_and_a_streamed_one_stops_at_the_limit() {
        let server = super::super::hostile::Hostile::start();
        let engine = engine_with(MIB, 30);
        let (result, ex) = get(&engine, &server.url("/big-json")).await;
        let err = result.unwrap_err();
        assert!(err.contains("is 100000000 bytes (Content-Length)"), "{err}");
        assert_eq!(ex.response().unwrap().body_size, 0);
        let (result, ex) = get(&engine, &server.url("/big-json-chunked")).await;
        assert!(result.unwrap_err().contains("goes beyond"));
        assert_eq!(ex.response().unwrap().body_size, MIB);
    }

    #[tokio::test]
    async fn json_within_the_limit_parses_whatever_its_size() {
        let server = super::super::hostile::Hostile::start();
        let engine = engine_with(crate::config::DEFAULT_MAX_BODY_BYTES, 30);
        let size = 5 * MIB;
        let (result, ex) = get(&engine, &server.url(&format!("/json/{size}"))).await;
        result.unwrap();
        let resp = ex.response().unwrap();
        assert_eq!(resp.body_size, size);
        assert!(resp.json().is_some(), "a 5 MiB JSON document is JSON");
    }

    #[tokio::test]
    async fn a_trickling_body_ends_at_the_timeout() {
        let server = super::super::hostile::Hostile::start();
        let (result, _) = get(&engine_with(MIB, 1), &server.url("/trickle")).await;
        let err = result.unwrap_err();
        assert!(err.contains("timed out after 1 s"), "{err}");
    }

    #[tokio::test]
    async fn a_reset_a_redirect_loop_and_a_garbage_status_line_are_errors_in_words() {
        let server = super::super::hostile::Hostile::start();
        // One engine (one connection pool) per case: a connection the reset case killed must
        // not be what the next case is sent on.
        let (result, ex) = get(&engine_with(MIB, 10), &server.url("/reset")).await;
        assert!(result.is_err());
        assert_eq!(ex.end, ExchangeEnd::TransportError);
        let engine = engine_with(MIB, 10);
        let (result, ex) = get(&engine, &server.url("/redirect-loop")).await;
        let err = result.unwrap_err();
        assert!(err.contains("more than 10 redirects"), "{err}");
        assert_eq!(ex.hops.len(), 11);
        let (result, ex) = get(&engine, &server.url("/garbage")).await;
        assert!(result.is_err());
        assert_eq!(ex.end, ExchangeEnd::TransportError);
        assert!(ex.error.as_deref().is_some_and(|e| !e.is_empty()));
    }

    #[test]
    fn redirect_uri_comparison_ignores_query_only() {
        let reg = Url::parse("https://c.example/cb").unwrap();
        assert!(same_endpoint(
            &reg,
            &Url::parse("https://c.example/cb?code=x#y").unwrap()
        ));
        assert!(!same_endpoint(
            &reg,
            &Url::parse("https://c.example/cb2").unwrap()
        ));
        assert!(!same_endpoint(
            &reg,
            &Url::parse("http://c.example/cb").unwrap()
        ));
    }
}
