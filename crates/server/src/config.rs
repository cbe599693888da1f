//! Server configuration: command-line flags, `TERN_*` environment variables and
//! an optional TOML file (flags and env win over the file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use serde::Deserialize;
use tern_proto::Limits;

use crate::database_config::test_database;
pub use crate::database_config::{check_cluster, redact, with_database, Database};
use crate::forward_config::{ForwardFile, ForwardSettings};
use crate::room_config::{RoomFile, RoomSettings};
use crate::security_config::Security;
use crate::webhook_config::WebhookConfig;
use crate::Error;

mod args;
mod checks;

pub use args::Args;
use args::FileConfig;

/// How many sessions one user may hold at once. Spelled `all`, `per_platform`
/// and `single` everywhere (flag, `TERN_MULTI_DEVICE`, TOML, docs);
/// `per-platform` is accepted everywhere too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum MultiDevicePolicy {
    /// Any number of sessions on any devices.
    #[default]
    All,
    /// One session per platform class (desktop, mobile, web); a new login
    /// displaces the older session of the same class.
    #[value(name = "per_platform", alias = "per-platform")]
    #[serde(alias = "per-platform")]
    PerPlatform,
    /// One session in total; a new login displaces every other session.
    Single,
}

/// Everything the server needs to run. Tests build it with [`Config::for_tests`]
/// and adjust the public fields.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free port (see `ServerHandle::addr`).
    pub listen: SocketAddr,
    /// Directory holding the SQLite database and the token secret.
    pub data_dir: PathBuf,
    /// The database (default: SQLite at `<data_dir>/tern.db`).
    pub database: Database,
    /// HMAC secret for tokens (hex); `None` generates one into `data_dir/secret`.
    pub token_secret: Option<String>,
    /// How long a login token stays valid.
    pub token_ttl: Duration,
    /// Multi-device policy applied at login.
    pub multi_device: MultiDevicePolicy,
    /// How long after sending a message its sender may recall it.
    pub recall_window: Duration,
    /// How long after sending a text message its sender may edit it; zero: always.
    pub edit_window: Duration,
    /// Most distinct emoji one message may carry.
    pub max_reactions_per_message: u32,
    /// `react` requests one user may make per minute (all devices together).
    pub reactions_per_minute: u32,
    /// Group-management requests one user may make per minute (all devices
    /// together; the admin API is not counted).
    pub group_actions_per_minute: u32,
    /// `apply_friend` and `set_profile` requests one user may make per minute
    /// (all devices together; the admin API is not counted).
    pub social_actions_per_minute: u32,
    /// Most pinned messages per conversation.
    pub max_pins: u32,
    /// The `forward` caps (messages, targets, copies, history depth).
    pub forward: ForwardSettings,
    /// When true, one-to-one messages need a friendship (both ways).
    pub require_friendship: bool,
    /// Largest WebSocket message/frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Longest text (message text, system text) in characters.
    pub max_text_chars: usize,
    /// Largest page any list/pull/history request may ask for.
    pub max_page: u32,
    /// Close a connection that sends nothing for this long.
    pub idle_timeout: Duration,
    /// Requests per second a connection may sustain (token-bucket refill rate).
    pub rate_per_sec: f64,
    /// Burst size of the per-connection token bucket.
    pub rate_burst: f64,
    /// Frames queued for one connection before it is judged too slow and dropped.
    pub push_queue: usize,
    /// Maximum simultaneous WebSocket connections.
    pub max_connections: usize,
    /// Argon2id memory cost in KiB (tests lower it to stay fast).
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// Most write jobs committed in one transaction (group commit).
    pub max_batch: usize,
    /// Read-only SQLite connections kept for queries.
    pub read_pool: usize,
    /// Bearer secret of the admin REST API under `/admin`; `None` (or empty)
    /// turns the admin API off.
    pub admin_secret: Option<String>,
    /// Largest file accepted by `POST /files`, in bytes.
    pub max_file_bytes: u64,
    /// Most members one group may have.
    pub max_group_members: u32,
    /// PEM certificate chain (leaf first) for built-in TLS; with [`Config::tls_key`]
    /// the port serves HTTPS/WSS instead of plain HTTP/WS. Both or neither.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of [`Config::tls_cert`].
    pub tls_key: Option<PathBuf>,
    /// Defences against hostile clients (TOML table `[security]`).
    pub security: Security,
    /// This node's name in a cluster (heartbeats, bus envelopes, `/health`);
    /// `None` picks `node-<random>` at start.
    pub node_id: Option<String>,
    /// The cluster bus, `nats://host:port`; `None` is a single node.
    pub bus: Option<String>,
    /// Where uploaded blobs live; `None` is `<data_dir>/files`. Nodes of a
    /// cluster share one directory (see docs/deploy.md).
    pub files_dir: Option<PathBuf>,
    /// Webhook endpoints (TOML `[[webhooks]]`, docs/webhooks.md).
    pub webhooks: Vec<WebhookConfig>,
    /// Most events kept per webhook endpoint (delivered ones are deleted
    /// first; when all are undelivered, new events are dropped and counted).
    pub webhook_queue_max: u64,
    /// Longest wait between two delivery attempts of an after-event.
    pub webhook_retry_max: Duration,
    /// Chat rooms: recent messages kept, caps, rate, grace period.
    pub rooms: RoomSettings,
}

/// The error when only one of `tls_cert` and `tls_key` is set.
pub(crate) const TLS_PAIR: &str =
    "tls_cert (--tls-cert, TERN_TLS_CERT) and tls_key (--tls-key, TERN_TLS_KEY) must be given together (both for built-in TLS, neither for plain HTTP)";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7700)),
            data_dir: PathBuf::from("tern-data"),
            database: Database::DefaultSqlite,
            token_secret: None,
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            multi_device: MultiDevicePolicy::All,
            recall_window: Duration::from_secs(120),
            edit_window: Duration::from_secs(24 * 3600),
            max_reactions_per_message: 20,
            reactions_per_minute: 60,
            group_actions_per_minute: 60,
            social_actions_per_minute: 60,
            max_pins: 20,
            forward: ForwardSettings::default(),
            require_friendship: false,
            max_frame_bytes: 64 * 1024,
            max_text_chars: 8000,
            max_page: 500,
            idle_timeout: Duration::from_secs(90),
            rate_per_sec: 50.0,
            rate_burst: 200.0,
            push_queue: 1024,
            max_connections: 50_000,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            max_batch: 256,
            read_pool: 4,
            admin_secret: None,
            max_file_bytes: 100 * 1024 * 1024,
            max_group_members: 2000,
            tls_cert: None,
            tls_key: None,
            security: Security::default(),
            node_id: None,
            bus: None,
            files_dir: None,
            webhooks: Vec::new(),
            webhook_queue_max: 100_000,
            webhook_retry_max: Duration::from_secs(60),
            rooms: RoomSettings::default(),
        }
    }
}

impl Config {
    /// A configuration for tests: binds 127.0.0.1:0, stores in `data_dir`,
    /// cheap password hashing and a generous rate limit.
    ///
    /// With `TERN_TEST_DATABASE` set (a `postgres://` URL of a server the
    /// tests may `CREATE DATABASE` on), the database is PostgreSQL instead: one
    /// database per data directory (and process), created on first use, so a
    /// test that restarts a server on the same directory finds its data again.
    /// This is how the black-box suites of tern-server, tern-core and tern-cli
    /// run on both backends.
    pub fn for_tests(data_dir: impl AsRef<Path>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.as_ref().to_path_buf(),
            database: test_database(data_dir.as_ref()),
            argon2_memory_kib: 256,
            argon2_iterations: 1,
            rate_per_sec: 10_000.0,
            rate_burst: 10_000.0,
            // Tests build many groups quickly as one user.
            group_actions_per_minute: 10_000,
            social_actions_per_minute: 10_000,
            security: Security {
                // Tests log in many users at once from 127.0.0.1.
                login_max_failures_per_ip: 10_000,
                max_connections_per_ip: 100_000,
                ..Security::default()
            },
            ..Self::default()
        }
    }

    /// The limits announced to clients in `hello`.
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_bytes: self.max_frame_bytes,
            max_text_chars: self.max_text_chars,
            max_page: self.max_page,
            recall_window_secs: self.recall_window.as_secs(),
            edit_window_secs: self.edit_window.as_secs(),
            idle_timeout_secs: self.idle_timeout.as_secs(),
            max_file_bytes: self.max_file_bytes,
            max_group_members: self.max_group_members,
            max_forward_messages: self.forward.max_messages,
            max_forward_targets: self.forward.max_targets,
            max_forward_copies: self.forward.max_copies,
            max_history_depth: self.forward.max_depth,
            max_history_bytes: self.forward.max_history_bytes,
        }
    }

    /// Builds the configuration from parsed flags/env and the optional TOML file.
    pub fn from_args(args: Args) -> Result<Self, Error> {
        let file: FileConfig = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Config(format!("reading {}: {e}", path.display())))?;
                toml::from_str(&text)
                    .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
            }
            None => FileConfig::default(),
        };
        let d = Config::default();
        let secs = |v: Option<u64>, f: Option<u64>, dflt: Duration| {
            v.or(f).map(Duration::from_secs).unwrap_or(dflt)
        };
        let tls_cert = args.tls_cert.or(file.tls_cert);
        let tls_key = args.tls_key.or(file.tls_key);
        if tls_cert.is_some() != tls_key.is_some() {
            return Err(Error::Config(TLS_PAIR.into()));
        }
        let database = match args.database.or(file.database) {
            Some(v) => Database::parse(&v)?,
            None => Database::DefaultSqlite,
        };
        let node_id = args.node_id.or(file.node_id);
        let bus = set(args.bus).or(set(file.bus));
        check_cluster(node_id.as_deref(), bus.as_deref(), &database)?;
        let webhooks = file.webhooks.unwrap_or_default();
        let room_file = RoomFile {
            room_recent: file.room_recent,
            room_max_members: file.room_max_members,
            rooms_per_owner: file.rooms_per_owner,
            room_messages_per_minute: file.room_messages_per_minute,
            room_grace_secs: file.room_grace_secs,
        };
        let forward_file = ForwardFile {
            max_forward_messages: file.max_forward_messages,
            max_forward_targets: file.max_forward_targets,
            max_forward_copies: file.max_forward_copies,
            max_history_depth: file.max_history_depth,
            max_history_bytes: file.max_history_bytes,
        };
        crate::webhook_config::check(&webhooks).map_err(Error::Config)?;
        let config = Config {
            listen: args.listen.or(file.listen).unwrap_or(d.listen),
            data_dir: args.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            database,
            token_secret: args.token_secret.or(file.token_secret),
            token_ttl: secs(args.token_ttl_secs, file.token_ttl_secs, d.token_ttl),
            multi_device: args
                .multi_device
                .or(file.multi_device)
                .unwrap_or(d.multi_device),
            recall_window: secs(
                args.recall_window_secs,
                file.recall_window_secs,
                d.recall_window,
            ),
            edit_window: secs(args.edit_window_secs, file.edit_window_secs, d.edit_window),
            max_reactions_per_message: args
                .max_reactions_per_message
                .or(file.max_reactions_per_message)
                .unwrap_or(d.max_reactions_per_message),
            reactions_per_minute: args
                .reactions_per_minute
                .or(file.reactions_per_minute)
                .unwrap_or(d.reactions_per_minute),
            group_actions_per_minute: args
                .group_actions_per_minute
                .or(file.group_actions_per_minute)
                .unwrap_or(d.group_actions_per_minute),
            social_actions_per_minute: args
                .social_actions_per_minute
                .or(file.social_actions_per_minute)
                .unwrap_or(d.social_actions_per_minute),
            max_pins: args.max_pins.or(file.max_pins).unwrap_or(d.max_pins),
            forward: ForwardSettings::resolve(args.forward, forward_file).map_err(Error::Config)?,
            require_friendship: args
                .require_friendship
                .or(file.require_friendship)
                .unwrap_or(false),
            max_frame_bytes: args
                .max_frame_bytes
                .or(file.max_frame_bytes)
                .unwrap_or(d.max_frame_bytes),
            max_text_chars: args
                .max_text_chars
                .or(file.max_text_chars)
                .unwrap_or(d.max_text_chars),
            max_page: args.max_page.or(file.max_page).unwrap_or(d.max_page),
            idle_timeout: secs(
                args.idle_timeout_secs,
                file.idle_timeout_secs,
                d.idle_timeout,
            ),
            rate_per_sec: args
                .rate_per_sec
                .or(file.rate_per_sec)
                .unwrap_or(d.rate_per_sec),
            rate_burst: args.rate_burst.or(file.rate_burst).unwrap_or(d.rate_burst),
            push_queue: file.push_queue.unwrap_or(d.push_queue),
            max_connections: file.max_connections.unwrap_or(d.max_connections),
            argon2_memory_kib: file.argon2_memory_kib.unwrap_or(d.argon2_memory_kib),
            argon2_iterations: file.argon2_iterations.unwrap_or(d.argon2_iterations),
            max_batch: file.max_batch.unwrap_or(d.max_batch),
            read_pool: file.read_pool.unwrap_or(d.read_pool),
            // An empty flag or variable counts as unset: the file's secret stands.
            admin_secret: set(args.admin_secret).or(set(file.admin_secret)),
            max_file_bytes: args
                .max_file_bytes
                .or(file.max_file_bytes)
                .unwrap_or(d.max_file_bytes),
            max_group_members: args
                .max_group_members
                .or(file.max_group_members)
                .unwrap_or(d.max_group_members),
            tls_cert,
            tls_key,
            security: Security::resolve(args.security, file.security.unwrap_or_default())
                .map_err(Error::Config)?,
            node_id,
            bus,
            files_dir: args.files_dir.or(file.files_dir),
            webhooks,
            webhook_queue_max: file.webhook_queue_max.unwrap_or(d.webhook_queue_max),
            webhook_retry_max: secs(None, file.webhook_retry_max_secs, d.webhook_retry_max),
            rooms: RoomSettings::resolve(args.rooms, room_file).map_err(Error::Config)?,
        };
        checks::no_protection_off(&config).map_err(Error::Config)?;
        Ok(config)
    }

    /// How this node names its upload temp files: `up-<node_id>-` in a
    /// cluster (the files directory is shared), `up-` otherwise.
    pub fn upload_prefix(&self) -> String {
        match (&self.bus, &self.node_id) {
            (Some(_), Some(node)) => format!("up-{node}-"),
            _ => "up-".into(),
        }
    }

    /// The directory of uploaded blobs (`files_dir`, or `<data_dir>/files`).
    pub fn files_root(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }
}

/// The error when a bus is configured over SQLite.
/// A setting given as an empty (or blank) value counts as not given.
fn set(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
