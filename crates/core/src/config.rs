//! How a [`crate::Client`] is set up: where it keeps data, which server it talks to,
//! and the timing knobs of its connection and outbox.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tern_proto::{DeviceId, Platform};

/// Everything a [`crate::Client`] needs to start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientConfig {
    /// Root of the local data; each account (user id on one server) gets
    /// `<data_dir>/<account dir>/tern.db`, see [`crate::private_fs::account_dir_name`].
    pub data_dir: PathBuf,
    /// WebSocket URL of the server, e.g. `ws://127.0.0.1:7700` (`/ws` is appended when
    /// the URL has no path; `http(s)://` is accepted and turned into `ws(s)://`).
    pub server_url: String,
    /// Other nodes of the same server (a cluster), as URLs like `server_url`:
    /// when connecting to `server_url` fails, these are tried in order, at
    /// login and at every reconnect. The local cache stays the one of
    /// `server_url` (the nodes share their data).
    #[serde(default)]
    pub fallback_urls: Vec<String>,
    /// Device class, used by the server's multi-device policy.
    pub platform: Platform,
    /// Stable id of this installation; `None` generates one and keeps it in
    /// `<data_dir>/device_id` so that restarts reuse it.
    pub device: Option<DeviceId>,
    /// Connection timing.
    pub connection: ConnectionConfig,
    /// When an unacknowledged message is given up on.
    pub retry: RetryPolicy,
    /// A PEM file of extra CA certificates to trust for `wss://` and `https://`, on top
    /// of the OS's CA store: for a server behind TLS with a self-signed certificate or a
    /// private CA. `None` trusts the OS's store only. [`crate::Client::new`] fails with
    /// [`crate::Error::InvalidArgument`] when the file cannot be read or holds no
    /// certificate.
    #[serde(default)]
    pub extra_ca_pem: Option<PathBuf>,
    /// Messages a catch-up brings that were sent at or after this time (ms since the
    /// epoch) are announced as live news (`NewMessage { live: true }`, notified),
    /// not as backlog. Set by a process that takes over from another one that was
    /// listening until then (the desktop app and its tray-only process), so that
    /// what arrived in between is still notified. `None`: a catch-up is backlog.
    #[serde(default)]
    pub live_since: Option<i64>,
}

impl ClientConfig {
    /// `server_url`, then `fallback_urls`: the order connections are tried in.
    pub fn server_urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.server_url.as_str())
            .chain(self.fallback_urls.iter().map(String::as_str))
    }

    /// A desktop client with default timings.
    pub fn new(data_dir: impl Into<PathBuf>, server_url: impl Into<String>) -> Self {
        Self {
            data_dir: data_dir.into(),
            server_url: server_url.into(),
            fallback_urls: Vec::new(),
            platform: Platform::Desktop,
            device: None,
            connection: ConnectionConfig::default(),
            retry: RetryPolicy::default(),
            extra_ca_pem: None,
            live_since: None,
        }
    }
}

/// Timing of the connection: request timeouts, heartbeat and reconnect backoff.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ConnectionConfig {
    /// How long one request waits for its response; also bounds connecting (the
    /// TCP connection, TLS handshake and WebSocket upgrade).
    pub request_timeout_ms: u64,
    /// Heartbeat interval; `None` derives it from the server's idle timeout (a third of it).
    pub ping_interval_ms: Option<u64>,
    /// First reconnect delay, with jitter: each wait is between half of it and all
    /// of it; the level doubles from the second failed attempt on.
    pub backoff_initial_ms: u64,
    /// Longest reconnect delay.
    pub backoff_max_ms: u64,
    /// On a fresh device, how many of the newest messages per conversation are pulled
    /// eagerly; older ones are fetched page by page when [`crate::Client::messages`] asks.
    pub initial_sync_window: u64,
    /// While connected, how often to check every conversation's newest seq and
    /// the change-log version against the local store and pull what is
    /// missing, even when no push says so (a push lost between the nodes of a
    /// cluster is noticed within this time); 0 turns the check off.
    #[serde(default = "default_catch_up_ms")]
    pub catch_up_interval_ms: u64,
}

/// [`ConnectionConfig::catch_up_interval_ms`] by default: 10 s.
pub const CATCH_UP_INTERVAL_MS: u64 = 10_000;

fn default_catch_up_ms() -> u64 {
    CATCH_UP_INTERVAL_MS
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: 10_000,
            ping_interval_ms: None,
            backoff_initial_ms: 500,
            backoff_max_ms: 30_000,
            initial_sync_window: 1_000,
            catch_up_interval_ms: CATCH_UP_INTERVAL_MS,
        }
    }
}

impl ConnectionConfig {
    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// The retry budget of an outgoing message (MobileIMSDK's QoS): it is resent until
/// acknowledged, but at most `max_attempts` times and for at most `max_age_ms` after it
/// was queued (counted also while offline); then it is marked failed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Sends that got no answer before the message fails.
    pub max_attempts: u32,
    /// Time from queueing (or a manual resend) after which the message fails.
    pub max_age_ms: u64,
    /// Pause after an unanswered attempt before the next one.
    pub retry_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_age_ms: 60_000,
            retry_delay_ms: 1_000,
        }
    }
}
