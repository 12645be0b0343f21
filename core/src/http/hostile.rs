//! A hostile HTTP server for tests: a small tokio server on 127.0.0.1 that misbehaves on
//! purpose, one way per path. Used by the engine's tests and, through `#[path]`, by the
//! command-line tests (which measure a child `idflow run` against it).
//!
//! - `/.well-known/openid-configuration`: a minimal valid discovery document (so that a run's
//!   reachability probe passes);
//! - `/endless`: 200 with a chunked body that never ends;
//! - `/trickle`: 200 announcing 1,000 bytes, then one byte every 200 ms;
//! - `/reset`: the connection is reset (RST) after the request is read;
//! - `/big-json`: 200 with `Content-Length` of a 100 MB JSON document, streamed;
//! - `/big-json-chunked`: the same 100 MB JSON without a length;
//! - `/json/N`: a valid JSON document of N bytes;
//! - `/redirect-loop`: 302 to itself, forever;
//! - `/garbage`: a status line that is no HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// 100 MB.
pub const BIG_JSON_BYTES: usize = 100_000_000;

/// A running hostile server; it lives as long as the test process.
pub struct Hostile {
    pub(crate) addr: SocketAddr,
}

impl Hostile {
    /// Starts the server on its own thread and runtime (usable from sync and async tests).
    pub fn start() -> Hostile {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(stream));
                }
            });
        });
        Hostile {
            addr: rx.recv().expect("hostile server started"),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

async fn serve(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let host = format!(
        "http://{}",
        stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    let _ = respond(&mut stream, &path, &host).await;
}

async fn respond(stream: &mut TcpStream, path: &str, host: &str) -> std::io::Result<()> {
    match path {
        "/.well-known/openid-configuration" => {
            let body = format!(
                r#"{{"issuer":"{host}","authorization_endpoint":"{host}/authorize","token_endpoint":"{host}/token","jwks_uri":"{host}/jwks","response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}}"#
            );
            fixed(stream, "200 OK", "application/json", body.as_bytes()).await
        }
        "/endless" => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
                .await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(&chunk);
            framed.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&framed).await?;
            }
        }
        "/trickle" => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n",
                )
                .await?;
            for _ in 0..1000 {
                stream.write_all(b"x").await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(())
        }
        "/reset" => {
            // A zero linger makes the close a reset and never blocks.
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO))?;
            Ok(())
        }
        "/big-json" | "/big-json-chunked" => {
            let chunked = path.ends_with("chunked");
            let header = if chunked {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {BIG_JSON_BYTES}\r\n\r\n"
                )
            };
            stream.write_all(header.as_bytes()).await?;
            let mut sent = 0;
            let piece = "0,".repeat(32 * 1024);
            while sent < BIG_JSON_BYTES {
                let part = if sent == 0 {
                    format!("[{}", &piece[1..])
                } else if sent + piece.len() >= BIG_JSON_BYTES {
                    let n = BIG_JSON_BYTES - sent;
                    format!("{}0]", &piece[..n - 2])
                } else {
                    piece.clone()
                };
                sent += part.len();
                if chunked {
                    stream
                        .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                        .await?;
                    stream.write_all(part.as_bytes()).await?;
                    stream.write_all(b"\r\n").await?;
                } else {
                    stream.write_all(part.as_bytes()).await?;
                }
            }
            if chunked {
                stream.write_all(b"0\r\n\r\n").await?;
            }
            Ok(())
        }
        "/redirect-loop" => {
            stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nlocation: /redirect-loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await
        }
        "/garbage" => {
            stream
                .write_all(b"SMTP 220 ready, not HTTP at all\r\n\r\n")
                .await
        }
        p if p.starts_with("/json/") => {
            let n: usize = p["/json/".len()..].parse().unwrap_or(2);
            // `{"pad":"xxx…"}` of exactly n bytes (at least 10).
            let n = n.max(10);
            let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(n - 10));
            fixed(stream, "200 OK", "application/json", body.as_bytes()).await
        }
        _ => fixed(stream, "404 Not Found", "text/plain", b"not here").await,
    }
}

async fn fixed(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}
