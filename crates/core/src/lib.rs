//! `tern-core`: the headless Tern client SDK. Every front end (the desktop app,
//! `tern-cli`, tests) drives a [`Client`]; it has no GUI dependency.
//!
//! - [`client`]: the public API — login, relations, conversations, messages, search.
//! - [`event`]: the one typed [`Event`] stream ([`Client::subscribe`]).
//! - `state`: the pure state machine (outbox retry budget, gap detection, unread,
//!   backoff), unit-tested without I/O.
//! - `transport`: one WebSocket connection — a typed `call` per tern-proto
//!   `Command`, request/response correlation, timeouts.
//! - `session`: the state of a logged-in session, shared by the API, sync and
//!   the outbox; it depends on none of them.
//! - `supervisor`: connect and authenticate, reconnect with backoff, resync, pushes.
//! - `outbox`: the task that sends queued messages in order and retries them.
//! - `store`: the per-account SQLite cache on its own thread
//!   (`<data_dir>/<account dir>/tern.db`, see [`private_fs::account_dir_name`]).
//! - [`private_fs`]: owner-only (`0700`/`0600`) directories and files, account cache names.

#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod error;
pub mod event;
pub mod preferences;
pub mod private_fs;
pub mod types;

mod outbox;
mod session;
mod state;
mod store;
mod supervisor;
mod sync;
mod sync_edits;
mod sync_reactions;
mod tls;
mod transport;

pub use client::{
    showable_image, Avatar, Client, ProfileUpdate, MAX_AVATAR_BYTES, MAX_AVATAR_PIXELS,
    MAX_SHOWN_PIXELS, PENDING_FILE_ID,
};
pub use config::{ClientConfig, ConnectionConfig, RetryPolicy};
pub use error::{CertificateProblem, Error, Result};
pub use event::Event;
pub use types::{
    ConnectionState, Conversation, DeliveryState, GroupUpdate, LocalMessage, LoginStatus,
    MemberNotice, MemberNoticeKind, Quote, QuoteState, ReadByPage, SearchIndexState, SearchPage,
    Session, TransferDirection,
};

/// The wire protocol crate, re-exported so apps need only one dependency.
pub use tern_proto as proto;
