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
//! body) and drops the rest. A request's path and query are the target's own when `url::Url`
//! would keep them as they are (every target clients send), so that the URL is parsed only when
//! it changes something, and bodies travel as `Bytes` without copies.

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
    /// The request target as it came.
    uri: http::Uri,
    /// The path and query as `url::Url` normalises them (`http://localhost` + the target when
    /// it has no authority, as wiremock gave it), kept only when they differ from the target's
    /// own (see [`normalised`]).
    normalised: Option<(String, Option<String>)>,
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Request {
    /// The path, as `url::Url::path` gives it.
    pub(crate) fn path(&self) -> &str {
        match &self.normalised {
            Some((path, _)) => path,
            None => self.uri.path(),
        }
    }

    /// The query string, as `url::Url::query` gives it.
    pub(crate) fn query(&self) -> Option<&str> {
        match &self.normalised {
            Some((_, query)) => query.as_deref(),
            None => self.uri.query(),
        }
    }

    /// The query's parameters, decoded (`url::Url::query_pairs`).
    pub(crate) fn query_pairs(&self) -> url::form_urlencoded::Parse<'_> {
        url::form_urlencoded::parse(self.query().unwrap_or_default().as_bytes())
    }
}

/// Whether `url::Url` keeps an origin-form request target's path and query byte for byte: a path
/// of unreserved characters, sub-delimiters, `:`, `@` and `/` without `.` or `..` segments (no
/// `%`, which could hide a dot segment), and a query of printable ASCII outside the special
/// query's percent-encode set (`"`, `#`, `<`, `>`, `'`). Every target a client of the simulator
/// sends is one; any other takes the full URL parse.
fn kept_as_is(uri: &http::Uri) -> bool {
    if uri.authority().is_some() || uri.scheme().is_some() {
        return false;
    }
    let path = uri.path();
    let path_ok = path.starts_with('/')
        && path.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b':'
                        | b'@'
                        | b'/'
                )
        })
        && path
            .split('/')
            .all(|segment| segment != "." && segment != "..");
    let query_ok = uri.query().is_none_or(|q| {
        q.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'\''))
    });
    path_ok && query_ok
}

/// The path and query `url::Url` makes of a request target, when they are not the target's own.
fn normalised(uri: &http::Uri) -> Option<(String, Option<String>)> {
    if kept_as_is(uri) {
        return None;
    }
    let target = match uri.authority() {
        Some(_) => uri.to_string(),
        None => format!("http://localhost{uri}"),
    };
    let url = Url::parse(&target)
        .unwrap_or_else(|_| Url::parse("http://localhost/").expect("a constant URL"));
    Some((url.path().to_string(), url.query().map(str::to_string)))
}

/// An answer: status, headers, body with its content type.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    status: StatusCode,
    headers: HeaderMap,
    mime: Option<HeaderValue>,
    body: Bytes,
}

impl Response {
    /// An empty answer with this status.
    pub fn new(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("a valid status code"),
            headers: HeaderMap::new(),
            mime: None,
            body: Bytes::new(),
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

    /// `Cache-Control: no-store` (a constant header, nothing to parse).
    pub fn no_store(mut self) -> Self {
        self.headers.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        self
    }

    /// `Pragma: no-cache` (a constant header, nothing to parse).
    pub fn pragma_no_cache(mut self) -> Self {
        self.headers
            .insert(http::header::PRAGMA, HeaderValue::from_static("no-cache"));
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

    /// Sets the body (a `Vec<u8>`, or `Bytes` shared with a document rendered once) and its
    /// content type.
    pub fn set_body_raw(mut self, body: impl Into<Bytes>, mime: &'static str) -> Self {
        self.body = body.into();
        self.mime = Some(HeaderValue::from_static(mime));
        self
    }

    fn into_hyper(self) -> hyper::Response<Full<Bytes>> {
        let mut headers = self.headers;
        if let Some(mime) = self.mime {
            headers.insert(http::header::CONTENT_TYPE, mime);
        }
        let mut response = hyper::Response::new(Full::new(self.body));
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
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    /// Stops the server and waits for its thread, so that no thread is still tearing its
    /// runtime down when the process exits.
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves `listener` with `app` on a thread of its own (a current-thread runtime), until the
/// returned [`Server`] is dropped.
pub(crate) fn serve(listener: std::net::TcpListener, app: App) -> std::io::Result<Server> {
    listener.set_nonblocking(true)?;
    // Sockets only: nothing here waits on a timer, so the runtime has no time driver to turn.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let (shutdown, signal) = tokio::sync::watch::channel(());
    let thread = std::thread::Builder::new()
        .name("idflow-simulator".into())
        .spawn(move || runtime.block_on(accept_loop(listener, app, signal)))?;
    Ok(Server {
        shutdown: Some(shutdown),
        thread: Some(thread),
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
    let body = body.collect().await?.to_bytes();
    Ok(Request {
        normalised: normalised(&parts.uri),
        uri: parts.uri,
        method: parts.method,
        headers: parts.headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path and query a handler sees, as the old server computed them (always through
    /// `url::Url`).
    fn through_url(target: &str) -> (String, Option<String>) {
        let uri: http::Uri = target.parse().unwrap();
        let target = match uri.authority() {
            Some(_) => uri.to_string(),
            None => format!("http://localhost{uri}"),
        };
        let url = Url::parse(&target).unwrap_or_else(|_| Url::parse("http://localhost/").unwrap());
        (url.path().to_string(), url.query().map(str::to_string))
    }

    fn seen(target: &str) -> (String, Option<String>) {
        let uri: http::Uri = target.parse().unwrap();
        let request = Request {
            normalised: normalised(&uri),
            uri,
            method: Method::GET,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        (
            request.path().to_string(),
            request.query().map(str::to_string),
        )
    }

    #[test]
    fn paths_and_queries_are_what_url_makes_of_them() {
        let targets = [
            "/auth/open/.well-known/openid-configuration",
            "/auth/open/connect/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid+profile&state=abc_-~.&nonce=n",
            "/auth/open/connect/authorize?",
            "/auth/open/./connect/token",
            "/auth/open/connect/../connect/token",
            "/auth/open/%2e/connect/token",
            "/auth/open/%2E%2E/x",
            "/a//b/",
            "/a/b?x=%zz&y=%41",
            "/a/b?quote='x'",
            "/a/b?x={y}|^`",
            "/a/b?x={y}|^",
            "/a/{b}|^`",
            "/a/{b}|^",
            "/a/{b}",
            "/a/b?x=\\y",
            "/a/b;c=d:e@f!$&()*+,",
            "/__simulator/ciba/abc/approve",
            "http://other.example:8080/auth/open/connect/token?x=1",
            "*",
        ];
        for target in targets {
            // A target hyper refuses never reaches a handler.
            if target.parse::<http::Uri>().is_ok() {
                assert_eq!(seen(target), through_url(target), "{target}");
            }
        }
        assert!(kept_as_is(&"/auth/open/connect/token".parse().unwrap()));
        assert!(!kept_as_is(&"/auth/open/./connect".parse().unwrap()));
    }
}
