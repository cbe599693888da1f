//! Accepting connections and serving HTTP on them, hardened against hostile
//! peers: a cap on open connections per IP address (held for the life of the
//! socket, WebSocket included), an HTTP header timeout (a silent socket, or a
//! request header dribbled in byte by byte, is closed), and the peer address
//! handed to handlers as `ConnectInfo<SocketAddr>` (login throttling, logs).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use parking_lot::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::rate_limit::address_key;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// Counts something per IP address (open connections, pending handshakes).
#[derive(Debug, Default)]
pub struct PerIp {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerIp {
    /// Takes one of the `max` slots of `ip`, or `None` when all are taken.
    /// An IPv6 address counts as its /64 ([`address_key`]). With no cap
    /// (`usize::MAX`: a trusted proxy) nothing is counted, so a proxy's many
    /// connections do not fill the /64 its neighbours are counted in.
    pub fn try_take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        if max == usize::MAX {
            return Some(IpSlot {
                table: self.clone(),
                ip: None,
            });
        }
        let ip = address_key(ip);
        let mut open = self.open.lock();
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: self.clone(),
            ip: Some(ip),
        })
    }

    /// Slots `ip` holds now.
    pub fn count(&self, ip: IpAddr) -> usize {
        let open = self.open.lock();
        open.get(&address_key(ip)).copied().unwrap_or(0)
    }
}

/// One taken slot; given back when dropped.
#[derive(Debug)]
pub struct IpSlot {
    table: Arc<PerIp>,
    /// The key counted (`None`: not counted).
    ip: Option<IpAddr>,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let Some(ip) = self.ip else {
            return;
        };
        let mut open = self.table.open.lock();
        if let Some(n) = open.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// A socket that holds its IP slot for as long as it lives (also after a
/// WebSocket upgrade, which keeps the socket).
#[derive(Debug)]
pub struct Guarded<I> {
    io: I,
    _slot: IpSlot,
}

impl<I> Guarded<I> {
    /// Wraps `io`, holding `slot`.
    pub fn new(io: I, slot: IpSlot) -> Self {
        Self { io, _slot: slot }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Guarded<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Guarded<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Accepts a TCP connection (TCP_NODELAY on) and takes its IP slot; a peer
/// over its cap is closed at once. Accept errors that concern one connection
/// are skipped; others (out of file descriptors) back off for a second.
pub async fn accept_capped(
    tcp: &TcpListener,
    per_ip: &Arc<PerIp>,
    max_per_ip: usize,
    exempt: &[IpAddr],
) -> (TcpStream, SocketAddr, IpSlot) {
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(c) => c,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "accepting a TCP connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let max = if exempt.contains(&peer.ip()) {
            usize::MAX
        } else {
            max_per_ip
        };
        let Some(slot) = per_ip.try_take(peer.ip(), max) else {
            tracing::warn!(%peer, max_per_ip, "connection refused: too many from this address");
            continue;
        };
        // Chat frames are small: without TCP_NODELAY, Nagle's algorithm holds
        // acks and pushes back for tens of milliseconds (see docs/benchmarks.md).
        let _ = stream.set_nodelay(true);
        return (stream, peer, slot);
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Plain TCP as an [`axum::serve::Listener`] with the per-IP cap (trusted
/// proxies exempt).
pub struct CappedTcp {
    tcp: TcpListener,
    per_ip: Arc<PerIp>,
    max_per_ip: usize,
    exempt: Vec<IpAddr>,
}

impl CappedTcp {
    /// Wraps a bound listener.
    pub fn new(
        tcp: TcpListener,
        per_ip: Arc<PerIp>,
        max_per_ip: usize,
        exempt: Vec<IpAddr>,
    ) -> Self {
        Self {
            tcp,
            per_ip,
            max_per_ip,
            exempt,
        }
    }
}

impl axum::serve::Listener for CappedTcp {
    type Io = Guarded<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, peer, slot) =
            accept_capped(&self.tcp, &self.per_ip, self.max_per_ip, &self.exempt).await;
        (Guarded::new(stream, slot), peer)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Serves `app` on every connection of `listener` (HTTP/1.1 with upgrades)
/// until `stop` turns true; then stops accepting, lets each connection finish
/// its current request, and returns once they have (WebSockets have their own
/// shutdown in `connection`).
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (closing_tx, closing_rx) = watch::channel(false);
    let (alive_tx, alive_rx) = watch::channel(());
    loop {
        let (io, peer) = tokio::select! {
            c = listener.accept() => c,
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => break,
        };
        let svc = app
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            });
        let mut closing = closing_rx.clone();
        let alive = alive_rx.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(io), TowerToHyperService::new(svc))
                .with_upgrades();
            tokio::pin!(conn);
            let res = tokio::select! {
                res = conn.as_mut() => res,
                _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    conn.as_mut().await
                }
            };
            if let Err(e) = res {
                tracing::debug!(%peer, error = %e, "http connection ended");
            }
            drop(alive);
        });
    }
    drop(listener);
    drop(alive_rx);
    let _ = closing_tx.send(true);
    alive_tx.closed().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_address_and_given_back() {
        let table = Arc::new(PerIp::default());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let s1 = table.try_take(a, 2).unwrap();
        let _s2 = table.try_take(a, 2).unwrap();
        assert!(table.try_take(a, 2).is_none());
        assert!(table.try_take(b, 2).is_some());
        drop(s1);
        assert_eq!(table.count(a), 1);
        assert!(table.try_take(a, 2).is_some());
    }

    #[test]
    fn an_ipv6_64_shares_one_count_and_an_uncapped_proxy_counts_nothing() {
        let table = Arc::new(PerIp::default());
        let host: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let sibling: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let proxy: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let _h = table.try_take(host, 2).unwrap();
        let _s = table.try_take(sibling, 2).unwrap();
        assert!(table.try_take(host, 2).is_none(), "one /64, one count");
        let held: Vec<_> = (0..100)
            .map(|_| table.try_take(proxy, usize::MAX).unwrap())
            .collect();
        assert_eq!(
            table.count(host),
            2,
            "the proxy's connections are not counted"
        );
        drop(held);
        assert_eq!(table.count(sibling), 2);
    }
}
