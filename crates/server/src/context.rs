//! The per-connection state that handlers read and change.

use std::sync::Arc;

use tern_proto::{ErrorCode, Platform, UserId, WireError};

use crate::hub::{ConnEntry, ConnId, Outbound};
use crate::state::Shared;

/// Where a connection is in the handshake.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Nothing received yet: only `hello` is accepted.
    New,
    /// `hello` done: `register`, `login`, `resume`, `ping` are accepted.
    Greeted,
    /// Logged in.
    Authed(Auth),
}

/// The authenticated identity of a connection.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The user; always the sender of what this connection sends.
    pub user: UserId,
    /// The session row (revocation, kicks).
    pub session: std::sync::Arc<str>,
    /// Device class.
    pub platform: Platform,
    /// When the session's token expires (ms since the epoch); the connection
    /// is closed then.
    pub expires_at: i64,
}

/// A close the connection must perform after sending the current response.
#[derive(Debug, Clone, Copy)]
pub struct CloseAfter {
    /// WebSocket close code.
    pub code: u16,
    /// Close reason.
    pub reason: &'static str,
}

/// What a handler gets: shared server state plus this connection's state.
pub struct Ctx {
    /// Server-wide state.
    pub shared: Arc<Shared>,
    /// This connection's id in the hub.
    pub conn: ConnId,
    /// Handshake phase.
    pub phase: Phase,
    /// Sender side of this connection's push queue (registered in the hub at login).
    pub push_tx: crate::push_queue::PushSender<Outbound>,
    /// Set by a handler that wants the connection closed after its response.
    pub close_after: Option<CloseAfter>,
    /// The peer's address (login throttling, logs).
    pub peer: std::net::SocketAddr,
}

impl Ctx {
    /// The authenticated identity, or the right error for the phase.
    pub fn auth(&self) -> Result<&Auth, WireError> {
        match &self.phase {
            Phase::Authed(a) => Ok(a),
            Phase::New => Err(handshake_required()),
            Phase::Greeted => Err(WireError::new(
                ErrorCode::Unauthenticated,
                "log in (login or resume) first",
            )),
        }
    }

    /// The hub entry for this connection under `auth`.
    pub fn entry(&self, auth: &Auth) -> ConnEntry {
        ConnEntry {
            conn: self.conn,
            session: auth.session.clone(),
            platform: auth.platform,
            tx: self.push_tx.clone(),
            since: crate::storage::now_ms(),
        }
    }
}

/// The error for any request before `hello`.
pub fn handshake_required() -> WireError {
    WireError::new(
        ErrorCode::HandshakeRequired,
        "the first request must be `hello`",
    )
}
