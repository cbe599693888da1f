//! The session's link to the server: its credentials, the live connection,
//! what the last handshake announced, and the switch that ends the session.

use std::sync::Arc;

use parking_lot::Mutex;
use tern_proto::Limits;
use tokio::sync::{mpsc, watch};

use super::Cmd;
use crate::error::{Error, Result};
use crate::transport::Conn;

/// See the module documentation. Written by the supervisor on each
/// (re)connect; read by every call and file transfer.
pub(crate) struct Link {
    /// The session token and its expiry (the server may renew it on resume).
    token: Mutex<(String, i64)>,
    conn: watch::Sender<Option<Arc<Conn>>>,
    /// `None` until the first handshake.
    limits: Mutex<Option<Limits>>,
    /// The server URL of the current (or last) connection: file transfers go
    /// to the same node.
    url: Mutex<String>,
    cmds: mpsc::UnboundedSender<Cmd>,
    /// Set once, when the session ends; tasks watch it.
    stopped: watch::Sender<bool>,
}

impl Link {
    pub(crate) fn new(
        token: String,
        expires_at: i64,
        url: String,
        cmds: mpsc::UnboundedSender<Cmd>,
    ) -> Self {
        Self {
            token: Mutex::new((token, expires_at)),
            conn: watch::channel(None).0,
            limits: Mutex::new(None),
            url: Mutex::new(url),
            cmds,
            stopped: watch::channel(false).0,
        }
    }

    /// The live connection, or `Offline`.
    pub(crate) fn conn(&self) -> Result<Arc<Conn>> {
        self.current()
            .ok_or_else(|| Error::Offline("not connected".into()))
    }

    /// The live connection, if there is one.
    pub(crate) fn current(&self) -> Option<Arc<Conn>> {
        self.conn.borrow().clone()
    }

    /// A connection's handshake succeeded: it is the live one now.
    pub(crate) fn connected(
        &self,
        conn: Arc<Conn>,
        token: String,
        expires_at: i64,
        limits: Limits,
        url: String,
    ) {
        *self.token.lock() = (token, expires_at);
        *self.limits.lock() = Some(limits);
        *self.url.lock() = url;
        self.conn.send_replace(Some(conn));
    }

    /// Takes the live connection away (the caller closes it).
    pub(crate) fn disconnected(&self) -> Option<Arc<Conn>> {
        self.conn.send_replace(None)
    }

    /// The session token.
    pub(crate) fn token(&self) -> String {
        self.token.lock().0.clone()
    }

    /// The session token and its expiry.
    pub(crate) fn credentials(&self) -> (String, i64) {
        self.token.lock().clone()
    }

    /// The server URL of the current (or last) connection.
    pub(crate) fn url(&self) -> String {
        self.url.lock().clone()
    }

    /// The server's limits from the last handshake.
    pub(crate) fn limits(&self) -> Option<Limits> {
        self.limits.lock().clone()
    }

    /// Asks the supervisor to do something; `Closed` once it has gone.
    pub(crate) fn command(&self, cmd: Cmd) -> Result<()> {
        self.cmds.send(cmd).map_err(|_| Error::Closed)
    }

    /// Whether the session has ended.
    pub(crate) fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Watches the end of the session.
    pub(crate) fn stopped(&self) -> watch::Receiver<bool> {
        self.stopped.subscribe()
    }

    /// Ends the session: tasks stop, the supervisor stops, the connection closes.
    pub(crate) fn stop(&self) {
        let _ = self.cmds.send(Cmd::Stop);
        self.mark_stopped();
        if let Some(c) = self.disconnected() {
            c.close();
        }
    }

    /// Marks the session ended (the supervisor, when the server ended it).
    pub(crate) fn mark_stopped(&self) {
        self.stopped.send_replace(true);
    }
}
