//! The environment's TLS options on an HTTP client ([`configure`]): reqwest's own "no
//! verification" for `tls.insecure_skip_verify`, else the platform's certificate verification
//! (the system's root certificates, plus the certificates of `tls.ca_file`), set up at the first
//! TLS handshake rather than when the client is built.
//!
//! Reading the system's roots was 15% of the instructions of a one-scenario run against the
//! simulator, which speaks plain HTTP and never needs them.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::config::TlsOptions;

/// Why the environment's TLS options cannot be applied.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsSetupError {
    #[error(transparent)]
    CaFile(#[from] CaFileError),
    #[error("TLS set-up: {0}")]
    Config(#[from] rustls::Error),
}

/// A `ca_file` that cannot serve as extra roots.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CaFileError {
    #[error("cannot read tls.ca_file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "tls.ca_file {path} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`): {detail}; give the CA certificate that signed the target's certificate, in PEM"
    )]
    NotPem { path: String, detail: String },
}

/// Reads every certificate of a PEM file (one CA or a bundle).
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, CaFileError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| CaFileError::Read {
        path: shown.clone(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CaFileError::NotPem {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(CaFileError::NotPem {
            path: shown,
            detail: "no certificate in the file".into(),
        });
    }
    Ok(certs)
}

/// `builder` with the environment's TLS options: no verification at all
/// (`tls.insecure_skip_verify`, reqwest's own), or the platform's with the certificates of
/// `tls.ca_file` (relative to `base_dir`) as extra roots, set up at the first handshake. The
/// `ca_file` is read either way: a wrong path is an error, never ignored.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    tls: &TlsOptions,
    base_dir: &Path,
) -> Result<reqwest::ClientBuilder, TlsSetupError> {
    let extra_roots = match &tls.ca_file {
        Some(ca) => read_ca_file(&base_dir.join(ca))?,
        None => Vec::new(),
    };
    if tls.insecure_skip_verify {
        return Ok(builder.tls_danger_accept_invalid_certs(true));
    }
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let config = client_config(provider, extra_roots)?;
    Ok(builder.use_preconfigured_tls(config))
}

/// The client configuration reqwest would build for verified TLS (TLS 1.3 and 1.2, SNI, ALPN
/// `http/1.1`), with [`LazyVerifier`] as its verifier.
fn client_config(
    provider: Arc<CryptoProvider>,
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<ClientConfig, rustls::Error> {
    let verifier = Arc::new(LazyVerifier::new(provider.clone(), extra_roots));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform's verifier, made at the first certificate it checks.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    extra_roots: Vec<CertificateDer<'static>>,
    platform: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

impl LazyVerifier {
    fn new(provider: Arc<CryptoProvider>, extra_roots: Vec<CertificateDer<'static>>) -> Self {
        LazyVerifier {
            provider,
            extra_roots,
            platform: OnceLock::new(),
        }
    }

    fn platform(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.platform
            .get_or_init(|| {
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    self.extra_roots.iter().cloned(),
                    self.provider.clone(),
                )
                .map_err(|e| {
                    rustls::Error::General(format!(
                        "cannot load the system's root certificates: {e}"
                    ))
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    #[cfg(test)]
    fn loaded(&self) -> bool {
        self.platform.get().is_some()
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.platform()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform()?.verify_tls13_signature(message, cert, dss)
    }

    /// The provider's schemes, as the platform verifier's are: asked before any certificate
    /// is seen, so answered without loading the roots.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    pub(crate) const CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/testdata/ca.pem");
    const SERVER_CERT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/testdata/server.pem");
    const SERVER_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/testdata/server.key");

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// An HTTPS server on 127.0.0.1 whose certificate the test CA signed: it answers every
    /// connection `200 ok`. Its address.
    pub(crate) async fn https_server() -> std::net::SocketAddr {
        let certs = CertificateDer::pem_file_iter(SERVER_CERT)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(SERVER_KEY).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        addr
    }

    fn client(extra_roots: Vec<CertificateDer<'static>>) -> reqwest::Client {
        reqwest::Client::builder()
            .use_preconfigured_tls(client_config(provider(), extra_roots).unwrap())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_target_signed_by_the_ca_file_is_trusted() {
        let addr = https_server().await;
        let roots = read_ca_file(Path::new(CA)).unwrap();
        let answer = client(roots)
            .get(format!("https://{addr}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "ok");
    }

    #[tokio::test]
    async fn a_target_signed_by_an_unknown_ca_is_refused() {
        let addr = https_server().await;
        let err = client(Vec::new())
            .get(format!("https://{addr}/"))
            .send()
            .await
            .unwrap_err();
        let mut chain = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            chain.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(chain.contains("certificate"), "{chain}");
        assert!(
            chain.to_lowercase().contains("unknown") || chain.contains("UnknownIssuer"),
            "{chain}"
        );
    }

    #[tokio::test]
    async fn the_system_roots_are_read_at_the_first_handshake_only() {
        let verifier = Arc::new(LazyVerifier::new(provider(), Vec::new()));
        assert!(!verifier.loaded());
        // A plain-HTTP exchange never needs them.
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .build()
            .unwrap();
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let plain_addr = plain.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = plain.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await;
        });
        let answer = http
            .get(format!("http://{plain_addr}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 204);
        assert!(!verifier.loaded());
        // The first certificate to check loads them.
        let addr = https_server().await;
        let _ = http.get(format!("https://{addr}/")).send().await;
        assert!(verifier.loaded());
    }

    #[test]
    fn a_ca_file_that_is_not_pem_says_so_and_how_to_fix_it() {
        let dir = std::env::temp_dir().join(format!("idflow-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ca.der");
        std::fs::write(&file, b"not a certificate").unwrap();
        let err = read_ca_file(&file).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("ca.der"), "{err}");
        assert!(err.contains("no PEM certificate"), "{err}");
        assert!(err.contains("in PEM"), "{err}");
        let missing = read_ca_file(Path::new("/nonexistent/ca.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("cannot read tls.ca_file /nonexistent/ca.pem"),
            "{missing}"
        );
    }
}
