//! The command line (`Args`: each flag also read from a `TERN_*` variable) and the
//! TOML file's shape (`FileConfig`), both merged into a `Config` by `Config::from_args`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

use super::MultiDevicePolicy;
use crate::forward_config::ForwardArgs;
use crate::room_config::RoomArgs;
use crate::security_config::{SecurityArgs, SecurityFile};
use crate::webhook_config::WebhookConfig;

/// Command-line flags; each also reads a `TERN_*` environment variable. Every
/// setting is described in docs/configuration.md (checked against this by
/// `tests/it/config_doc.rs`); a help text ends in `[default: …]` when the setting
/// has one (not a clap default: an absent flag must leave the file's value).
#[derive(Debug, Parser)]
#[command(name = "tern-server", version, about = "Tern IM server")]
pub struct Args {
    /// Address to listen on (IP:port) [default: 127.0.0.1:7700]
    #[arg(long, env = "TERN_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Data directory (SQLite database, token secret, files) [default: tern-data]
    #[arg(long, env = "TERN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite:PATH or postgres://user@host:port/db (when absent: SQLite at <data-dir>/tern.db)
    #[arg(long, env = "TERN_DATABASE", hide_env_values = true)]
    pub database: Option<String>,
    /// Optional TOML config file; flags and env override it.
    #[arg(long, env = "TERN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Token HMAC secret as hex (at least 64 hex digits); the decoded bytes are the key. Generated into <data-dir>/secret when absent
    #[arg(long, env = "TERN_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
    /// Token lifetime in seconds [default: 604800]
    #[arg(long, env = "TERN_TOKEN_TTL_SECS")]
    pub token_ttl_secs: Option<u64>,
    /// Multi-device policy (`per-platform` is accepted too) [default: all]
    #[arg(long, env = "TERN_MULTI_DEVICE", value_enum)]
    pub multi_device: Option<MultiDevicePolicy>,
    /// Recall window in seconds [default: 120]
    #[arg(long, env = "TERN_RECALL_WINDOW_SECS")]
    pub recall_window_secs: Option<u64>,
    /// Edit window in seconds; 0: text messages can always be edited by their sender [default: 86400]
    #[arg(long, env = "TERN_EDIT_WINDOW_SECS")]
    pub edit_window_secs: Option<u64>,
    /// Most distinct reaction emoji per message [default: 20]
    #[arg(long, env = "TERN_MAX_REACTIONS_PER_MESSAGE")]
    pub max_reactions_per_message: Option<u32>,
    /// Reactions (add or remove) one user may make per minute [default: 60]
    #[arg(long, env = "TERN_REACTIONS_PER_MINUTE")]
    pub reactions_per_minute: Option<u32>,
    /// Group-management requests (create, invite, update, join, leave, kick,
    /// roles, mutes, answers, dismiss) one user may make per minute [default: 60]
    #[arg(long, env = "TERN_GROUP_ACTIONS_PER_MINUTE")]
    pub group_actions_per_minute: Option<u32>,
    /// Friend applications and profile changes one user may make per minute
    /// [default: 60]
    #[arg(long, env = "TERN_SOCIAL_ACTIONS_PER_MINUTE")]
    pub social_actions_per_minute: Option<u32>,
    /// Most pinned messages per conversation [default: 20]
    #[arg(long, env = "TERN_MAX_PINS")]
    pub max_pins: Option<u32>,
    /// Require friendship (both ways) for one-to-one messages: true or false [default: false]
    #[arg(long, env = "TERN_REQUIRE_FRIENDSHIP")]
    pub require_friendship: Option<bool>,
    /// Largest WebSocket message in bytes [default: 65536]
    #[arg(long, env = "TERN_MAX_FRAME_BYTES")]
    pub max_frame_bytes: Option<usize>,
    /// Longest text message in characters [default: 8000]
    #[arg(long, env = "TERN_MAX_TEXT_CHARS")]
    pub max_text_chars: Option<usize>,
    /// Largest page size of list/pull/history requests [default: 500]
    #[arg(long, env = "TERN_MAX_PAGE")]
    pub max_page: Option<u32>,
    /// Idle timeout in seconds [default: 90]
    #[arg(long, env = "TERN_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,
    /// Sustained requests per second per connection [default: 50]
    #[arg(long, env = "TERN_RATE_PER_SEC")]
    pub rate_per_sec: Option<f64>,
    /// Request burst per connection [default: 200]
    #[arg(long, env = "TERN_RATE_BURST")]
    pub rate_burst: Option<f64>,
    /// Secret for the admin REST API (`Authorization: Bearer <secret>`); unset (or empty) here, in the environment and in the config file turns it off
    #[arg(long, env = "TERN_ADMIN_SECRET", hide_env_values = true)]
    pub admin_secret: Option<String>,
    /// Largest file upload in bytes [default: 104857600]
    #[arg(long, env = "TERN_MAX_FILE_BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Most members per group [default: 2000]
    #[arg(long, env = "TERN_MAX_GROUP_MEMBERS")]
    pub max_group_members: Option<u32>,
    /// PEM certificate chain for built-in TLS (HTTPS/WSS on the same port); needs --tls-key.
    #[arg(long, env = "TERN_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for built-in TLS; needs --tls-cert.
    #[arg(long, env = "TERN_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// This node's name in a cluster: letters, digits, '_', '-', '.', at most 64 (when absent: node-<random>)
    #[arg(long, env = "TERN_NODE_ID")]
    pub node_id: Option<String>,
    /// Cluster bus: nats://host:port (needs a PostgreSQL database); absent: a single node
    #[arg(long, env = "TERN_BUS")]
    pub bus: Option<String>,
    /// Directory of uploaded files; the nodes of a cluster share one (when absent: <data-dir>/files)
    #[arg(long, env = "TERN_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
    /// Defences against hostile clients.
    #[command(flatten)]
    pub security: SecurityArgs,
    /// Chat rooms.
    #[command(flatten)]
    pub rooms: RoomArgs,
    /// The `forward` caps.
    #[command(flatten)]
    pub forward: ForwardArgs,
}

/// The TOML file's shape: every field optional, same names as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) listen: Option<SocketAddr>,
    pub(super) data_dir: Option<PathBuf>,
    pub(super) database: Option<String>,
    pub(super) token_secret: Option<String>,
    pub(super) token_ttl_secs: Option<u64>,
    pub(super) multi_device: Option<MultiDevicePolicy>,
    pub(super) recall_window_secs: Option<u64>,
    pub(super) edit_window_secs: Option<u64>,
    pub(super) max_reactions_per_message: Option<u32>,
    pub(super) reactions_per_minute: Option<u32>,
    pub(super) group_actions_per_minute: Option<u32>,
    pub(super) social_actions_per_minute: Option<u32>,
    pub(super) max_pins: Option<u32>,
    pub(super) require_friendship: Option<bool>,
    pub(super) max_frame_bytes: Option<usize>,
    pub(super) max_text_chars: Option<usize>,
    pub(super) max_page: Option<u32>,
    pub(super) idle_timeout_secs: Option<u64>,
    pub(super) rate_per_sec: Option<f64>,
    pub(super) rate_burst: Option<f64>,
    pub(super) push_queue: Option<usize>,
    pub(super) max_connections: Option<usize>,
    pub(super) argon2_memory_kib: Option<u32>,
    pub(super) argon2_iterations: Option<u32>,
    pub(super) max_batch: Option<usize>,
    pub(super) read_pool: Option<usize>,
    pub(super) admin_secret: Option<String>,
    pub(super) max_file_bytes: Option<u64>,
    pub(super) max_group_members: Option<u32>,
    pub(super) tls_cert: Option<PathBuf>,
    pub(super) tls_key: Option<PathBuf>,
    pub(super) security: Option<SecurityFile>,
    pub(super) node_id: Option<String>,
    pub(super) bus: Option<String>,
    pub(super) files_dir: Option<PathBuf>,
    pub(super) webhooks: Option<Vec<WebhookConfig>>,
    pub(super) webhook_queue_max: Option<u64>,
    pub(super) webhook_retry_max_secs: Option<u64>,
    pub(super) room_recent: Option<u32>,
    pub(super) room_max_members: Option<u32>,
    pub(super) rooms_per_owner: Option<u32>,
    pub(super) room_messages_per_minute: Option<u32>,
    pub(super) room_grace_secs: Option<u64>,
    pub(super) max_forward_messages: Option<u32>,
    pub(super) max_forward_targets: Option<u32>,
    pub(super) max_forward_copies: Option<u32>,
    pub(super) max_history_depth: Option<u32>,
    pub(super) max_history_bytes: Option<u32>,
}
