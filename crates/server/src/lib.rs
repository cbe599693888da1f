//! `tern-server`: the Tern IM server as a library (the binary is a thin `main.rs`).
//!
//! - [`config`]: [`Config`] from flags, `TERN_*` env and a TOML file.
//! - [`server`]: [`spawn`] binds the HTTP/WebSocket router and returns a
//!   [`ServerHandle`]; graceful shutdown drains connections and the writer.
//! - [`connection`]: one WebSocket connection's loop (reads, pushes, idle
//!   timer, shutdown) and the handshake state machine.
//! - [`handlers`]: one module per command family; each turns a request into a
//!   response using the store and the hub.
//! - [`hub`]: who is online, with a bounded push queue per connection.
//! - [`auth`]: argon2id passwords and HMAC-signed expiring tokens.
//! - [`admin`]: the admin REST API under `/admin` (bearer admin secret).
//! - [`files`]: file upload and download under `/files` (bearer session token).
//! - [`store`]: SQLite with one group-committing writer thread and a read pool.
//! - [`tls`]: optional built-in TLS (`tls_cert` + `tls_key`, rustls with ring).
//! - [`bus`], [`cluster`]: a cluster of nodes (`--bus nats://…`): pushes and
//!   kicks across nodes, heartbeats, presence and dead-node detection.
//! - [`metrics`]: `/metrics` in the Prometheus text format.
//!
//! Tests and other crates start a server like this:
//!
//! ```no_run
//! # async fn demo() -> Result<(), tern_server::Error> {
//! let dir = std::env::temp_dir().join("tern-demo");
//! let server = tern_server::spawn(tern_server::Config::for_tests(&dir)).await?;
//! let url = format!("ws://{}/ws", server.addr());
//! # let _ = url;
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod admin;
pub mod auth;
pub mod bus;
pub mod cluster;
pub mod config;
mod conn_parts;
pub mod connection;
pub mod context;
pub mod database_config;
pub mod fault;
pub mod files;
pub mod forward_config;
pub mod fsperm;
pub mod handlers;
pub mod hub;
pub mod listener;
pub mod maintenance;
pub mod metrics;
pub mod presence_gate;
pub mod push_queue;
pub mod rate_limit;
pub mod room_config;
pub mod room_state;
pub mod security_config;
pub mod server;
pub mod service;
pub mod state;
pub mod storage;
pub mod tls;
pub mod upload_ledger;
pub mod webhook_config;
pub mod webhooks;

pub use config::{Config, MultiDevicePolicy};
pub use forward_config::ForwardSettings;
pub use room_config::RoomSettings;
pub use security_config::{Registration, Security};
pub use server::{spawn, ServerHandle};

/// Errors starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Binding the port or creating the data directory failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The database could not be opened or migrated.
    #[error("store: {0}")]
    Store(#[from] storage::StoreError),
    /// The token secret could not be loaded.
    #[error("auth: {0}")]
    Auth(#[from] auth::AuthError),
}
