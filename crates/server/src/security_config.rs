//! The settings that defend the server against hostile clients: who may
//! register, how logins are throttled, connection caps and timeouts, which
//! browser origins may open `/ws`, and storage quotas. Flags and `TERN_*`
//! variables as everywhere; in the TOML file they live in a `[security]` table.
//! docs/security.md explains each one.

use std::time::Duration;

use clap::ValueEnum;
use serde::Deserialize;

/// Whether anyone may create an account over the WebSocket `register` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Anyone who can reach the server may register.
    #[default]
    Open,
    /// Only the admin API creates accounts; `register` answers `Forbidden`.
    Closed,
}

/// The resolved security settings (see the field docs for defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Security {
    /// Who may register (default `open`).
    pub registration: Registration,
    /// Shortest password accepted at registration and password change (default 8).
    pub min_password_chars: usize,
    /// Password hashes (login, register, password change) computed at once;
    /// more concurrent requests get `RateLimited` (default: the number of cores).
    pub hash_concurrency: usize,
    /// Failed logins of one account within the window before it is locked (default 5).
    pub login_max_failures: u32,
    /// Failed logins from one IP address within the window before it is locked (default 20).
    pub login_max_failures_per_ip: u32,
    /// The window in which failures are counted (default 15 min).
    pub login_failure_window: Duration,
    /// How long a locked account or address must wait; doubles with every
    /// further lockout inside the window, up to 16× (default 60 s).
    pub login_lockout: Duration,
    /// A WebSocket must be logged in this long after connecting, or it is closed
    /// with 4004; pings do not count (default 15 s).
    pub auth_timeout: Duration,
    /// An HTTP request's header must arrive within this time of the connection
    /// opening (or of the previous response), else the connection is closed (default 10 s).
    pub header_timeout: Duration,
    /// Most open connections from one IP address, TLS handshakes included (default 256).
    pub max_connections_per_ip: usize,
    /// Most unfinished TLS handshakes from one IP address (default 16).
    pub max_tls_handshakes_per_ip: usize,
    /// Browser origins allowed to open `/ws`. A request without `Origin` (a
    /// native client) is always allowed; default: none.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies in front of the server. A connection from one of these
    /// addresses is not subject to the per-address connection cap, and its
    /// client's address (for login throttling and logs) is the last entry of
    /// `X-Forwarded-For` (or `X-Real-IP`); default: none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Change-log entries kept per user; older ones are compacted away and a
    /// device that needs them takes a snapshot (`SnapshotRequired`). 0 keeps
    /// all (default 10,000).
    pub changelog_keep: u64,
    /// An upload slower than this, in bytes per second, averaged after its
    /// first 10 seconds, is aborted (default 1024).
    pub min_upload_bytes_per_sec: u64,
    /// Total bytes of files one user may have uploaded; 0 = no quota (default 1 GiB).
    pub user_quota_bytes: u64,
    /// Uploads no message, avatar or group references after this long are
    /// deleted (default 24 h).
    pub unreferenced_upload_ttl: Duration,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            registration: Registration::Open,
            min_password_chars: 8,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            login_max_failures: 5,
            login_max_failures_per_ip: 20,
            login_failure_window: Duration::from_secs(15 * 60),
            login_lockout: Duration::from_secs(60),
            auth_timeout: Duration::from_secs(15),
            header_timeout: Duration::from_secs(10),
            max_connections_per_ip: 256,
            max_tls_handshakes_per_ip: 16,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            changelog_keep: 10_000,
            min_upload_bytes_per_sec: 1024,
            user_quota_bytes: 1 << 30,
            unreferenced_upload_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// Security flags, flattened into `tern-server`'s command line.
#[derive(Debug, Default, clap::Args)]
pub struct SecurityArgs {
    /// Who may register: open (anyone) or closed (admin API only) [default: open].
    #[arg(long, env = "TERN_REGISTRATION", value_enum)]
    pub registration: Option<Registration>,
    /// Shortest password accepted, in characters [default: 8].
    #[arg(long, env = "TERN_MIN_PASSWORD_CHARS")]
    pub min_password_chars: Option<usize>,
    /// Password hashes computed at once; more get RateLimited (default: the number of cores).
    #[arg(long, env = "TERN_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,
    /// Failed logins per account within the window before a lockout [default: 5].
    #[arg(long, env = "TERN_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// Failed logins per IP address within the window before a lockout [default: 20].
    #[arg(long, env = "TERN_LOGIN_MAX_FAILURES_PER_IP")]
    pub login_max_failures_per_ip: Option<u32>,
    /// Window in which failed logins are counted, in seconds [default: 900].
    #[arg(long, env = "TERN_LOGIN_FAILURE_WINDOW_SECS")]
    pub login_failure_window_secs: Option<u64>,
    /// First lockout in seconds; doubles per further lockout, up to 16x [default: 60].
    #[arg(long, env = "TERN_LOGIN_LOCKOUT_SECS")]
    pub login_lockout_secs: Option<u64>,
    /// Seconds a WebSocket has to log in before it is closed (4004) [default: 15].
    #[arg(long, env = "TERN_AUTH_TIMEOUT_SECS")]
    pub auth_timeout_secs: Option<u64>,
    /// Seconds an HTTP request header may take to arrive [default: 10].
    #[arg(long, env = "TERN_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Most open connections per IP address [default: 256].
    #[arg(long, env = "TERN_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<usize>,
    /// Most unfinished TLS handshakes per IP address [default: 16].
    #[arg(long, env = "TERN_MAX_TLS_HANDSHAKES_PER_IP")]
    pub max_tls_handshakes_per_ip: Option<usize>,
    /// Browser origin allowed to open /ws (repeat, or comma-separated in the env); none by default.
    #[arg(
        long = "allowed-origin",
        env = "TERN_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Option<Vec<String>>,
    /// Address of a reverse proxy in front of the server (repeat, or comma-separated in the env); none by default.
    #[arg(
        long = "trusted-proxy",
        env = "TERN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Change-log entries kept per user; 0 keeps all [default: 10000].
    #[arg(long, env = "TERN_CHANGELOG_KEEP")]
    pub changelog_keep: Option<u64>,
    /// Slowest upload accepted, bytes per second after its first 10 s [default: 1024].
    #[arg(long, env = "TERN_MIN_UPLOAD_BYTES_PER_SEC")]
    pub min_upload_bytes_per_sec: Option<u64>,
    /// Bytes of uploads one user may keep; 0 = unlimited [default: 1073741824].
    #[arg(long, env = "TERN_USER_QUOTA_BYTES")]
    pub user_quota_bytes: Option<u64>,
    /// Seconds after which an upload nothing references is deleted [default: 86400].
    #[arg(long, env = "TERN_UNREFERENCED_UPLOAD_TTL_SECS")]
    pub unreferenced_upload_ttl_secs: Option<u64>,
}

/// The `[security]` table of the TOML file; keys as the flags, with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityFile {
    registration: Option<Registration>,
    min_password_chars: Option<usize>,
    hash_concurrency: Option<usize>,
    login_max_failures: Option<u32>,
    login_max_failures_per_ip: Option<u32>,
    login_failure_window_secs: Option<u64>,
    login_lockout_secs: Option<u64>,
    auth_timeout_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    max_connections_per_ip: Option<usize>,
    max_tls_handshakes_per_ip: Option<usize>,
    allowed_origins: Option<Vec<String>>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    changelog_keep: Option<u64>,
    min_upload_bytes_per_sec: Option<u64>,
    user_quota_bytes: Option<u64>,
    unreferenced_upload_ttl_secs: Option<u64>,
}

impl Security {
    /// Flags (and env) over the file over the defaults; rejects values that
    /// would switch a protection off by accident.
    pub fn resolve(a: SecurityArgs, f: SecurityFile) -> Result<Self, String> {
        let d = Security::default();
        // The flag (or env), else the file, else the default.
        macro_rules! pick {
            ($field:ident) => {
                a.$field.or(f.$field).unwrap_or(d.$field)
            };
            ($field:ident, secs $key:ident) => {
                a.$key
                    .or(f.$key)
                    .map(Duration::from_secs)
                    .unwrap_or(d.$field)
            };
        }
        let s = Security {
            registration: pick!(registration),
            min_password_chars: pick!(min_password_chars),
            hash_concurrency: pick!(hash_concurrency),
            login_max_failures: pick!(login_max_failures),
            login_max_failures_per_ip: pick!(login_max_failures_per_ip),
            login_failure_window: pick!(login_failure_window, secs login_failure_window_secs),
            login_lockout: pick!(login_lockout, secs login_lockout_secs),
            auth_timeout: pick!(auth_timeout, secs auth_timeout_secs),
            header_timeout: pick!(header_timeout, secs header_timeout_secs),
            max_connections_per_ip: pick!(max_connections_per_ip),
            max_tls_handshakes_per_ip: pick!(max_tls_handshakes_per_ip),
            allowed_origins: pick!(allowed_origins),
            trusted_proxies: pick!(trusted_proxies),
            changelog_keep: pick!(changelog_keep),
            min_upload_bytes_per_sec: pick!(min_upload_bytes_per_sec),
            user_quota_bytes: pick!(user_quota_bytes),
            unreferenced_upload_ttl: pick!(unreferenced_upload_ttl, secs unreferenced_upload_ttl_secs),
        };
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), String> {
        let positive = [
            ("hash_concurrency", self.hash_concurrency as u64),
            ("login_max_failures", u64::from(self.login_max_failures)),
            (
                "login_max_failures_per_ip",
                u64::from(self.login_max_failures_per_ip),
            ),
            ("auth_timeout_secs", self.auth_timeout.as_secs()),
            ("login_lockout_secs", self.login_lockout.as_secs()),
            (
                "login_failure_window_secs",
                self.login_failure_window.as_secs(),
            ),
            ("header_timeout_secs", self.header_timeout.as_secs()),
            ("max_connections_per_ip", self.max_connections_per_ip as u64),
            (
                "max_tls_handshakes_per_ip",
                self.max_tls_handshakes_per_ip as u64,
            ),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("security.{name} must be at least 1"));
            }
        }
        if !(1..=256).contains(&self.min_password_chars) {
            return Err("security.min_password_chars must be 1 to 256".into());
        }
        Ok(())
    }

    /// Whether `peer` is a trusted reverse proxy.
    pub fn is_proxy(&self, peer: std::net::IpAddr) -> bool {
        self.trusted_proxies.contains(&peer)
    }

    /// The client's address: `peer`, or, when `peer` is a trusted proxy, the
    /// address it reports (the last `X-Forwarded-For` entry — the one the
    /// proxy added — else `X-Real-IP`; `peer` when neither parses).
    pub fn client_ip(
        &self,
        peer: std::net::IpAddr,
        forwarded_for: Option<&str>,
        real_ip: Option<&str>,
    ) -> std::net::IpAddr {
        if !self.is_proxy(peer) {
            return peer;
        }
        let last = forwarded_for.and_then(|v| v.rsplit(',').next());
        last.or(real_ip)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// Whether a browser `Origin` header value may open `/ws`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beat_defaults() {
        let a = SecurityArgs {
            login_max_failures: Some(3),
            ..SecurityArgs::default()
        };
        let f: SecurityFile =
            toml::from_str("login_max_failures = 9\nregistration = \"closed\"\n").unwrap();
        let s = Security::resolve(a, f).unwrap();
        assert_eq!(s.login_max_failures, 3);
        assert_eq!(s.registration, Registration::Closed);
        assert_eq!(s.auth_timeout, Security::default().auth_timeout);
    }

    #[test]
    fn zero_caps_are_refused() {
        let f: SecurityFile = toml::from_str("max_connections_per_ip = 0").unwrap();
        let e = Security::resolve(SecurityArgs::default(), f).unwrap_err();
        assert!(e.contains("max_connections_per_ip"), "{e}");
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let s = Security {
            trusted_proxies: vec![proxy],
            ..Security::default()
        };
        let xff = Some("1.2.3.4, 203.0.113.9");
        assert_eq!(
            s.client_ip(proxy, xff, None),
            "203.0.113.9".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(
            s.client_ip(proxy, None, Some("198.51.100.2")),
            "198.51.100.2".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(s.client_ip(proxy, Some("garbage"), None), proxy);
        let stranger: std::net::IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(
            s.client_ip(stranger, xff, None),
            stranger,
            "anyone can send the header"
        );
    }

    #[test]
    fn origins_match_without_trailing_slash_or_case() {
        let s = Security {
            allowed_origins: vec!["https://chat.example.com/".into()],
            ..Security::default()
        };
        assert!(s.origin_allowed("https://Chat.example.com"));
        assert!(!s.origin_allowed("https://evil.example"));
        assert!(!Security::default().origin_allowed("null"));
    }
}
