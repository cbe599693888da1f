//! Account and session calls: register, log in (password or token), log out, change
//! the password, sign out other devices, close, resync, and the session's start.

use std::sync::Arc;

use tern_proto::{cmd, UserId};
use tokio::sync::{mpsc, oneshot};

use super::Client;
use crate::error::{Detail, Error, Result};
use crate::event::Event;
use crate::session::{Cmd, Link, Marks, Sending, Shared};
use crate::state::Outbox;
use crate::store::{conversations as convs, outgoing, Db};
use crate::supervisor::{open_session, supervise, Auth, Connected};
use crate::types::{ConnectionState, LoginStatus, Session};

impl Client {
    /// Creates an account on the server (does not log in).
    pub async fn register(&self, user: &UserId, password: &str) -> Result<()> {
        let cfg = &self.inner.config;
        let (conn, _pushes, _) = crate::supervisor::connect_any(cfg).await?;
        conn.call(cmd::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await?;
        let r = conn
            .call(cmd::Register {
                user: user.clone(),
                password: password.to_string(),
            })
            .await;
        conn.close();
        r.map(|_| ())
    }

    /// Logs in with a password: connects, authenticates, opens the account's cache,
    /// then keeps the connection (reconnecting as needed) and resyncs in the background.
    /// Fails with [`Error::Server`] (e.g. `BadCredentials`), [`Error::Offline`],
    /// [`Error::Timeout`] (no answer to `hello` or `login`), [`Error::Certificate`]
    /// (a refused TLS certificate) or [`Error::Storage`] (the cache cannot be opened).
    pub async fn login(&self, user: &UserId, password: &str) -> Result<Session> {
        let _g = self.inner.login_lock.lock().await;
        if self.shared().is_ok() {
            return Err(Error::AlreadyLoggedIn);
        }
        let st = &self.inner.status;
        st.set_login(LoginStatus::LoggingIn);
        self.connecting();
        let auth = Auth::Password(user, password);
        match open_session(&self.inner.config, &self.inner.device, auth).await {
            Ok(c) => {
                self.start(user, c.token.clone(), c.expires_at, Some(c))
                    .await
            }
            Err(e) => {
                st.set_login(LoginStatus::LoginFailed);
                st.set_conn(ConnectionState::Offline);
                Err(e)
            }
        }
    }

    /// Logs in with a token from an earlier session. A refused token fails the call
    /// (`TokenExpired` / `TokenInvalid`); an unreachable server does not: the session
    /// starts offline on the local cache and keeps reconnecting.
    pub async fn login_with_token(&self, user: &UserId, token: &str) -> Result<Session> {
        let _g = self.inner.login_lock.lock().await;
        if self.shared().is_ok() {
            return Err(Error::AlreadyLoggedIn);
        }
        let st = &self.inner.status;
        st.set_login(LoginStatus::LoggingIn);
        self.connecting();
        match open_session(&self.inner.config, &self.inner.device, Auth::Token(token)).await {
            Ok(c) => {
                self.start(user, c.token.clone(), c.expires_at, Some(c))
                    .await
            }
            Err(e) if e.is_transient() || matches!(e, Error::Protocol(_)) => {
                self.start(user, token.to_string(), 0, None).await
            }
            Err(e) => {
                st.set_login(LoginStatus::LoginFailed);
                st.set_conn(ConnectionState::Offline);
                Err(e)
            }
        }
    }

    /// Announces the first connection attempt of a login.
    fn connecting(&self) {
        self.inner.status.set_conn(ConnectionState::Connecting);
        let _ = self.inner.events.send(Event::Connecting { attempt: 1 });
    }

    async fn start(
        &self,
        user: &UserId,
        token: String,
        expires_at: i64,
        first: Option<Connected>,
    ) -> Result<Session> {
        let cfg = &self.inner.config;
        let started = async {
            // Owner-only, named by server and user (never outside data_dir).
            let (data, url, u) = (cfg.data_dir.clone(), cfg.server_url.clone(), user.clone());
            let path = tokio::task::spawn_blocking(move || {
                let dir = crate::private_fs::prepare_account_dir(&data, &url, &u)?;
                let path = dir.join("tern.db");
                crate::private_fs::prepare_db_file(&path)?;
                Ok::<_, std::io::Error>(path)
            })
            .await
            .map_err(|e| {
                Error::Storage(Detail::caused(format!("preparing the cache: {e}"), e))
            })??;
            let db = Db::open(&path).await?;
            let (me, me2) = (user.clone(), user.clone());
            let (entries, convs) = db
                .call(move |c| Ok((outgoing::load_outbox(c)?, convs::conversations(c, &me2)?)))
                .await?;
            Ok::<_, Error>((db, me, entries, convs))
        }
        .await;
        let (db, me, entries, convs) = match started {
            Ok(x) => x,
            Err(e) => {
                self.inner.status.set_login(LoginStatus::LoginFailed);
                return Err(e);
            }
        };
        let mut outbox = Outbox::new(cfg.retry);
        for e in entries {
            outbox.push(e);
        }
        let unread = convs.iter().map(|c| (c.conv.clone(), c.unread)).collect();
        let (cmds, cmd_rx) = mpsc::unbounded_channel();
        let sh = Arc::new(Shared {
            config: cfg.clone(),
            me,
            device: self.inner.device.clone(),
            db,
            events: self.inner.events.clone(),
            status: self.inner.status.clone(),
            link: Link::new(token.clone(), expires_at, cfg.server_url.clone(), cmds),
            sending: Sending::new(outbox),
            marks: Marks::new(unread),
        });
        *self.inner.session.lock() = Some(sh.clone());
        self.inner.status.set_login(LoginStatus::LoggedIn);
        tokio::spawn(supervise(sh.clone(), cmd_rx, first));
        tokio::spawn(crate::outbox::run(sh.clone()));
        // File messages whose upload was cut short by the last shutdown. A client
        // closed or logged out meanwhile (`tern-cli login` exits at once) resumes
        // them at its next login: nothing to warn about.
        let me = self.clone();
        tokio::spawn(async move {
            match me.resume_uploads().await {
                Ok(()) | Err(Error::NotLoggedIn) => {}
                Err(e) => tracing::warn!(error = %e, "resuming uploads failed"),
            }
        });
        Ok(Session {
            user: user.clone(),
            token,
            expires_at,
        })
    }

    /// Revokes the token on the server (when reachable), stops the connection and
    /// closes the cache. Queued messages stay in the outbox for the next login.
    pub async fn logout(&self) -> Result<()> {
        let _g = self.inner.login_lock.lock().await;
        let sh = self.inner.session.lock().take();
        if let Some(sh) = sh {
            if let Ok(conn) = sh.link.conn() {
                let _ = conn.call(cmd::Logout {}).await;
            }
            sh.link.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
        Ok(())
    }

    /// Changes my password (the current one must be right). Every other device
    /// of mine is signed out; this session stays logged in.
    pub async fn change_password(&self, old: &str, new: &str) -> Result<()> {
        let conn = self.shared()?.link.conn()?;
        conn.call(cmd::ChangePassword {
            old_password: old.to_string(),
            new_password: new.to_string(),
        })
        .await
        .map(drop)
    }

    /// Signs out every other device of mine; this session stays logged in.
    pub async fn sign_out_others(&self) -> Result<()> {
        let conn = self.shared()?.link.conn()?;
        conn.call(cmd::SignOutOthers {}).await.map(drop)
    }

    /// Stops the connection and closes the cache without revoking the token
    /// (app shutdown). A later `login_with_token` resumes.
    pub async fn close(&self) {
        let _g = self.inner.login_lock.lock().await;
        if let Some(sh) = self.inner.session.lock().take() {
            sh.link.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
    }

    /// Gives back the memory the cache keeps for speed (SQLite's page cache), for
    /// an app going to the background; the next reads come from disk.
    pub async fn shrink_memory(&self) -> Result<()> {
        self.read(|c, _| Ok(c.execute_batch("PRAGMA shrink_memory")?))
            .await
    }

    /// Forces a resync now (call on wake from sleep or a network change): reconnects
    /// at once if disconnected, then syncs relations and messages. Returns when done.
    pub async fn resync(&self) -> Result<()> {
        let sh = self.shared()?;
        let (tx, rx) = oneshot::channel();
        sh.link.command(Cmd::Resync(tx))?;
        rx.await.map_err(|_| Error::Closed)?
    }
}
