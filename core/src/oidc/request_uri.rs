//! Request objects by reference (RFC 9101 §5.2, OpenID Connect Core 1.0 §6.2): the run hosts
//! each object at a URL the provider fetches, on a small HTTP listener of its own bound to
//! 127.0.0.1 (one per scenario, started when first needed, stopped with the scenario), and
//! remembers every fetch so that the scenario's record shows the provider's exchange.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::pkce::random_value;
use super::request_object::MEDIA_TYPE;
use crate::record::{Exchange, ExchangeEnd, Header, Hop, RecordedRequest, RecordedResponse};

/// A fetch of a hosted object, as the listener saw it.
#[derive(Debug, Clone)]
struct Fetch {
    method: String,
    url: String,
    headers: Vec<Header>,
    status: u16,
    body: String,
    at_ms: u128,
}

#[derive(Debug, Default)]
struct Hosted {
    objects: HashMap<String, String>,
    fetches: Vec<Fetch>,
}

/// The listener that serves request objects by reference.
#[derive(Debug)]
pub struct RequestUriHost {
    base: String,
    hosted: Arc<Mutex<Hosted>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl RequestUriHost {
    /// Starts the listener on 127.0.0.1 (a random port) on the running tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let hosted = Arc::new(Mutex::new(Hosted::default()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = hosted.clone();
        let origin = base.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => break,
                    },
                    _ = &mut stopped => break,
                };
                let shared = shared.clone();
                let origin = origin.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let answer = serve(&shared, &origin, &req);
                        async move { Ok::<_, std::convert::Infallible>(answer) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            base,
            hosted,
            _stop: stop,
        })
    }

    /// Hosts `object` and returns its URL (a fresh unguessable path).
    pub fn host(&self, object: String) -> String {
        let id = random_value(16);
        self.lock().objects.insert(id.clone(), object);
        format!("{}/request-objects/{id}", self.base)
    }

    /// The fetches since the last call, as exchanges labelled `label`.
    pub fn take_fetches(&self, label: &str) -> Vec<Exchange> {
        let fetches = std::mem::take(&mut self.lock().fetches);
        fetches
            .into_iter()
            .map(|f| Exchange {
                seq: 0,
                label: label.to_string(),
                hops: vec![Hop {
                    request: RecordedRequest {
                        method: f.method,
                        url: f.url,
                        headers: f.headers,
                        body: None,
                    },
                    response: Some(RecordedResponse {
                        status: f.status,
                        headers: vec![("content-type".into(), format!("application/{MEDIA_TYPE}"))],
                        body_size: f.body.len(),
                        body: f.body,
                    }),
                    started_at_ms: f.at_ms,
                    duration_ms: 0.0,
                }],
                end: ExchangeEnd::Response,
                stopped_at: None,
                error: None,
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Hosted> {
        self.hosted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Answers a fetch: the object at its path (GET only), else 404; and remembers it.
fn serve(
    hosted: &Mutex<Hosted>,
    origin: &str,
    req: &hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let mut hosted = hosted.lock().unwrap_or_else(|e| e.into_inner());
    let path = req.uri().path();
    let object = path
        .strip_prefix("/request-objects/")
        .and_then(|id| hosted.objects.get(id))
        .filter(|_| req.method() == hyper::Method::GET)
        .cloned();
    let (status, body) = match object {
        Some(object) => (200, object),
        None => (404, String::new()),
    };
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| -> Header {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or("(not text)").to_string(),
            )
        })
        .collect();
    hosted.fetches.push(Fetch {
        method: req.method().to_string(),
        url: format!("{origin}{path}"),
        headers,
        status,
        body: body.clone(),
        at_ms: crate::record::epoch_ms(std::time::SystemTime::now()),
    });
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    if let Ok(value) = hyper::header::HeaderValue::from_str(&format!("application/{MEDIA_TYPE}")) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_what_it_hosts_and_records_each_fetch() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let host = RequestUriHost::start().await.unwrap();
        let url = host.host("a.b.c".into());
        assert!(url.starts_with("http://127.0.0.1:"));
        let client = reqwest::Client::builder().build().unwrap();
        let answer = client.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.headers()["content-type"],
            "application/oauth-authz-req+jwt"
        );
        assert_eq!(answer.text().await.unwrap(), "a.b.c");
        let missing = client.get(format!("{url}x")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let fetches = host.take_fetches("request_uri fetch");
        assert_eq!(fetches.len(), 2);
        assert_eq!(fetches[0].hops[0].request.url, url);
        assert_eq!(fetches[0].hops[0].response.as_ref().unwrap().body, "a.b.c");
        assert_eq!(fetches[1].hops[0].response.as_ref().unwrap().status, 404);
        assert!(host.take_fetches("again").is_empty());
    }
}
