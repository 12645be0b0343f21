//! The simulator's HTTP server: hyper on a thread of its own, handing each request to one
//! dispatcher (see `Simulator::start`).
//!
//! The simulator used to be mounted on wiremock, which costs what a mock server needs and a
//! simulator does not (issue 14): every request is cloned and kept for verification (a run of
//! 10,000 flows kept 70,000 requests with their bodies), the mounted mocks are sorted and matched
//! one by one for each request, and all requests pass through one write lock, handler included.
//! This server keeps the parts of wiremock the answers depend on (hyper 1 with the automatic
//! HTTP/1.1 and HTTP/2 connection builder, a current-thread runtime on its own thread, the
//! request as url, method, headers and body, the response as status, headers, content type and
//! body) and drops the rest.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use url::Url;

/// A request as the handlers see it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The full URL (`http://localhost` + the request target when the target has no
    /// authority), as wiremock gave it.
    pub(crate) url: Url,
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// An answer: status, headers, body with its content type.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    status: StatusCode,
    headers: HeaderMap,
    mime: Option<HeaderValue>,
    body: Vec<u8>,
}

impl Response {
    /// An empty answer with this status.
    pub fn new(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("a valid status code"),
            headers: HeaderMap::new(),
            mime: None,
            body: Vec::new(),
        }
    }

    /// Sets a header, replacing any value it had.
    pub fn insert_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName, Error: std::fmt::Debug>,
        V: TryInto<HeaderValue, Error: std::fmt::Debug>,
    {
        self.headers.insert(
            name.try_into().expect("a valid header name"),
            value.try_into().expect("a valid header value"),
        );
        self
    }

    /// Adds a value to a header (for example a second `set-cookie`).
    pub fn append_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName, Error: std::fmt::Debug>,
        V: TryInto<HeaderValue, Error: std::fmt::Debug>,
    {
        self.headers.append(
            name.try_into().expect("a valid header name"),
            value.try_into().expect("a valid header value"),
        );
        self
    }

    /// Sets the body and its content type.
    pub fn set_body_raw(mut self, body: Vec<u8>, mime: &str) -> Self {
        self.body = body;
        self.mime = Some(HeaderValue::try_from(mime).expect("a valid content type"));
        self
    }

    fn into_hyper(self) -> hyper::Response<Full<Bytes>> {
        let mut headers = self.headers;
        if let Some(mime) = self.mime {
            headers.insert(http::header::CONTENT_TYPE, mime);
        }
        let mut response = hyper::Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        response
    }
}

/// What answers the requests.
pub(crate) type App = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A running server; dropping it stops it.
pub(crate) struct Server {
    shutdown: Option<tokio::sync::watch::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Serves `listener` with `app` on a thread of its own (a current-thread runtime), until the
/// returned [`Server`] is dropped.
pub(crate) fn serve(listener: std::net::TcpListener, app: App) -> std::io::Result<Server> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (shutdown, signal) = tokio::sync::watch::channel(());
    std::thread::Builder::new()
        .name("idflow-simulator".into())
        .spawn(move || runtime.block_on(accept_loop(listener, app, signal)))?;
    Ok(Server {
        shutdown: Some(shutdown),
    })
}

async fn accept_loop(
    listener: std::net::TcpListener,
    app: App,
    mut shutdown: tokio::sync::watch::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let stream = tokio::select! { biased;
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut shutdown = shutdown.clone();
        tokio::task::spawn(async move {
            let service = service_fn(move |request| {
                let app = app.clone();
                async move {
                    let request = read(request).await?;
                    Ok::<_, hyper::Error>(app(&request).into_hyper())
                }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
        });
    }
}

/// The request with its whole body.
async fn read(request: hyper::Request<hyper::body::Incoming>) -> Result<Request, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    let target = match parts.uri.authority() {
        Some(_) => parts.uri.to_string(),
        None => format!("http://localhost{}", parts.uri),
    };
    let url = Url::parse(&target)
        .unwrap_or_else(|_| Url::parse("http://localhost/").expect("a constant URL"));
    Ok(Request {
        url,
        method: parts.method,
        headers: parts.headers,
        body,
    })
}
