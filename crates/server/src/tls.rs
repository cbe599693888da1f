//! Optional built-in TLS (`tls_cert` + `tls_key`): rustls with the ring provider.
//!
//! [`TlsListener`] is an [`axum::serve::Listener`]: a task accepts TCP connections
//! and runs each TLS handshake in its own task (bounded by [`HANDSHAKE_TIMEOUT`]);
//! finished handshakes are handed to axum, so routing, the connection limit and
//! graceful shutdown are the same as over plain HTTP. A failed or slow handshake
//! only drops that connection.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::listener::{accept_capped, Guarded, PerIp};
use crate::Error;

/// Longest a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the server TLS configuration from a PEM certificate chain (leaf first) and
/// a PEM private key; errors name the file at fault.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    let read = |what: &str, path: &Path| {
        std::fs::read(path)
            .map_err(|e| Error::Config(format!("reading TLS {what} {}: {e}", path.display())))
    };
    let pem = read("certificate", cert)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::Config(format!(
                "TLS certificate {}: not a PEM certificate file ({e})",
                cert.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(Error::Config(format!(
            "TLS certificate {}: no PEM certificate (BEGIN CERTIFICATE) in the file",
            cert.display()
        )));
    }
    let pem = read("key", key)?;
    let private = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        Error::Config(format!(
            "TLS key {}: no usable PEM private key ({e})",
            key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            Error::Config(format!(
                "TLS certificate {} with key {}: {e}",
                cert.display(),
                key.display()
            ))
        })?;
    // The router speaks HTTP/1.1 only (WebSocket upgrades need it).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Caps on what one IP address may hold open (see `security_config`).
#[derive(Debug, Clone)]
pub struct TlsCaps {
    /// Open connections per address, handshakes included.
    pub per_ip: Arc<PerIp>,
    /// Most connections per address.
    pub max_per_ip: usize,
    /// Unfinished handshakes per address.
    pub handshakes: Arc<PerIp>,
    /// Most unfinished handshakes per address.
    pub max_handshakes_per_ip: usize,
    /// Trusted reverse proxies, exempt from the per-address caps.
    pub exempt: Vec<std::net::IpAddr>,
}

/// A TCP listener that hands out connections whose TLS handshake has finished.
pub struct TlsListener {
    ready: mpsc::Receiver<(Guarded<TlsStream<TcpStream>>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp`; must run inside a Tokio runtime. The accept task
    /// ends (and the port closes) when the `TlsListener` is dropped.
    pub fn new(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        caps: TlsCaps,
    ) -> io::Result<Self> {
        let addr = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), caps, tx));
        Ok(Self { ready, addr })
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    caps: TlsCaps,
    tx: mpsc::Sender<(Guarded<TlsStream<TcpStream>>, SocketAddr)>,
) {
    loop {
        let (stream, peer, slot) = tokio::select! {
            _ = tx.closed() => return,
            c = accept_capped(&tcp, &caps.per_ip, caps.max_per_ip, &caps.exempt) => c,
        };
        let max_handshakes = if caps.exempt.contains(&peer.ip()) {
            usize::MAX
        } else {
            caps.max_handshakes_per_ip
        };
        let Some(handshake) = caps.handshakes.try_take(peer.ip(), max_handshakes) else {
            tracing::warn!(%peer, "TLS handshake refused: too many pending from this address");
            continue;
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
            drop(handshake);
            match done {
                Ok(Ok(tls)) => {
                    let _ = tx.send((Guarded::new(tls, slot), peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = Guarded<TlsStream<TcpStream>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
