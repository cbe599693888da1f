//! The tray-only process: started by the app with a [`Handoff`] (never by hand),
//! it signs every account in again with its handed-over token (tern-core, the
//! same caches; what arrived since the app stopped listening is notified:
//! `live_since`), shows the tray item with the unread count and the accounts
//! ([`crate::sni`]), the launcher badge, and a notification per new message as the
//! app would with its window closed (the account's and chat's settings, the tray's
//! mute). "Open Tern", a click on the icon or an account entry, a clicked
//! notification or a second launch of Tern hand everything back: the process
//! becomes the app again (`exec`), at the chat the notification named or the one
//! that was open. "Quit" ends it; so does SIGTERM.

use tern_core::{Client, Event};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::handoff::{self, Account, Handoff};
use crate::launcher::Launcher;
use crate::menu::{self, TrayAccount};
use crate::notice::{self, DaemonSignal, Shown};
use crate::sni::{self, Click, Model, Tray};

mod accounts;

use accounts::{sign_in, Acct};

/// The process's entry point: its exit code.
pub fn main() -> i32 {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TERN_LOG")
                .unwrap_or_else(|_| "warn,tern=info,tern_tray=info".into()),
        )
        .init();
    let handoff = match Handoff::from_args(std::env::args()) {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            eprintln!("tern-tray: {e}");
            return 2;
        }
        None => {
            eprintln!("tern-tray is started by the Tern app when its window has been closed to the tray for a while; start `tern` instead.");
            return 2;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tern-tray: {e}");
            return 1;
        }
    };
    reap_children();
    rt.block_on(run(handoff))
}

/// The app's WebKit processes were its children and are now this process's: they
/// exit when their connection to the app closes (with the `exec`). They are
/// reaped here, and children ending later are not kept as zombies.
fn reap_children() {
    // SAFETY: setting SIGCHLD's disposition before any thread of ours exists.
    unsafe { libc::signal(libc::SIGCHLD, libc::SIG_IGN) };
    let _ = std::thread::Builder::new()
        .name("reap".into())
        .spawn(|| loop {
            // SAFETY: waits for any child; a null status pointer is allowed.
            if unsafe { libc::waitpid(-1, std::ptr::null_mut(), 0) } < 0
                && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR)
            {
                return;
            }
        });
}

/// The notification daemon's action signals, on their own thread and connection.
fn listen_to_notifications(signals: UnboundedSender<DaemonSignal>) {
    std::thread::Builder::new()
        .name("tray-notify".into())
        .spawn(move || {
            let conn = match dbus::blocking::Connection::new_session() {
                Ok(c) => c,
                Err(e) => return tracing::info!("no session bus for notification actions: {e}"),
            };
            let send = move |s| {
                let _ = signals.send(s);
            };
            if let Err(e) = notice::listen_to_daemon(&conn, send) {
                return tracing::warn!("notification actions: {e}");
            }
            while conn.process(std::time::Duration::from_secs(5)).is_ok() {}
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::warn!("notification actions: {e}"));
}

/// The process's state.
struct TrayProcess {
    h: Handoff,
    accounts: Vec<Acct>,
    tray: Option<Tray>,
    launcher: Launcher,
    shown: Shown,
}

impl TrayProcess {
    /// Shows the accounts' counts on the tray and the launcher.
    fn refresh(&self) {
        let accounts: Vec<TrayAccount> = self
            .accounts
            .iter()
            .filter(|a| a.client.is_some())
            .map(|a| TrayAccount {
                id: a.given.id.clone(),
                label: a.label.clone(),
                unread: a.unread,
                active: self.h.active.as_deref() == Some(a.given.id.as_str()),
            })
            .collect();
        let unread = accounts.iter().map(|a| a.unread).sum();
        self.launcher.set_count(unread);
        let tooltip = match menu::tooltip(&accounts) {
            Some(t) if unread > 0 => t,
            _ => self.h.lang.tooltip(unread),
        };
        if let Some(tray) = &self.tray {
            tray.show(Model {
                lang: self.h.lang,
                unread,
                tooltip,
                accounts: menu::entries(self.h.lang, &accounts),
                muted: self.h.muted,
            });
        }
    }

    /// Account `i`'s unread count from tern-core's `total`.
    async fn set_unread(&mut self, i: usize, total: Option<u64>) {
        let Some(client) = self.accounts[i].client.clone() else {
            return;
        };
        let total = match total {
            Some(t) => t,
            None => client.total_unread().await.unwrap_or(0),
        };
        self.accounts[i].unread = notice::unread_without_muted(&client, total).await;
        self.refresh();
    }

    async fn on_event(&mut self, i: usize, ev: Event) {
        match ev {
            Event::TotalUnreadChanged { total } => self.set_unread(i, Some(total)).await,
            Event::ConvSettingsChanged { .. } => self.set_unread(i, None).await,
            Event::NewMessage { message, live } => self.notify(i, &message, live).await,
            Event::KickedOffline { .. } | Event::TokenExpired { .. } => {
                // Signed out elsewhere: not handed back (the app forgets it at start).
                tracing::info!("{} signed out: {ev:?}", self.accounts[i].label);
                if let Some(c) = self.accounts[i].client.take() {
                    c.close().await;
                }
                self.accounts[i].ended = true;
                self.refresh();
            }
            _ => {}
        }
    }

    async fn notify(&mut self, i: usize, m: &tern_core::LocalMessage, live: bool) {
        let Some(client) = self.accounts[i].client.clone() else {
            return;
        };
        if !notice::should_notify(m, live, false, self.h.muted, true)
            || !notice::allowed(&client, m).await
        {
            return;
        }
        let several = self.accounts.iter().filter(|a| !a.ended).count() > 1;
        let account = several.then(|| self.accounts[i].label.clone());
        let t = self.h.lang.texts();
        let composed = notice::compose(&client, account.as_deref(), m, t).await;
        match tokio::task::spawn_blocking(move || notice::show(&composed, t)).await {
            Ok(Ok(id)) => self.shown.insert(
                id,
                (self.accounts[i].given.id.clone(), client, m.conv.clone()),
            ),
            Ok(Err(e)) => tracing::warn!("notification: {e}"),
            Err(e) => tracing::warn!("notification: {e}"),
        }
    }

    /// Acts on a click; `true` when the process is done (it quits).
    async fn on_click(&mut self, c: Click) -> bool {
        match c {
            Click::Open => self.back(None, None).await,
            Click::Account(id) => self.back(Some(id), None).await,
            Click::Mute => {
                self.h.muted = !self.h.muted;
                self.refresh();
                false
            }
            Click::Quit => {
                self.close().await;
                true
            }
        }
    }

    async fn on_signal(&mut self, s: DaemonSignal) -> bool {
        match s {
            DaemonSignal::Action(id, action) => {
                let Some((account, client, conv)) = self.shown.get(id) else {
                    return false;
                };
                match action.as_str() {
                    "default" => return self.back(Some(account), Some(conv.to_string())).await,
                    "read" => {
                        if let Err(e) = client.mark_read(&conv).await {
                            tracing::warn!("mark read from notification: {e}");
                        }
                    }
                    _ => {}
                }
            }
            DaemonSignal::Replied(id, text) => {
                if let Some((_, client, conv)) = self.shown.remove(id) {
                    if let Err(e) = client.send_text(&conv, &text).await {
                        tracing::warn!("inline reply: {e}");
                    }
                }
            }
            DaemonSignal::Closed(id) => {
                self.shown.remove(id);
            }
        }
        false
    }

    /// Closes every client (the caches stay; the tokens stay valid).
    async fn close(&mut self) {
        for a in &self.accounts {
            if let Some(c) = &a.client {
                c.close().await;
            }
        }
    }

    /// Hands everything back to the app, showing `account` (else the active one)
    /// at `chat` (else the one that was open). Returns `true` only if the app
    /// program is missing and the process quits instead.
    async fn back(&mut self, account: Option<String>, chat: Option<String>) -> bool {
        let Some(app) = handoff::sibling(handoff::APP_PROGRAM) else {
            tracing::error!(
                "the app ({}) is not next to tern-tray",
                handoff::APP_PROGRAM
            );
            return false;
        };
        self.close().await;
        let mut h = self.h.clone();
        h.accounts = self
            .accounts
            .iter()
            .filter(|a| !a.ended)
            .map(|a| Account {
                token: a
                    .client
                    .as_ref()
                    .and_then(Client::token)
                    .unwrap_or_else(|| a.given.token.clone()),
                ..a.given.clone()
            })
            .collect();
        if account.is_some() {
            h.active = account;
            h.open_chat = chat;
        }
        h.since_ms = handoff::now_ms();
        let mut args = Vec::new();
        if !h.default_server_url.is_empty() {
            args.push(format!("--server={}", h.default_server_url));
        }
        tracing::info!(
            "handing the accounts back to the app (chat {:?})",
            h.open_chat
        );
        let e = h.exec(&app, &args);
        tracing::error!("starting the app: {e}");
        std::process::exit(1);
    }
}

async fn run(h: Handoff) -> i32 {
    let (events_tx, mut events) = unbounded_channel();
    let mut accounts = Vec::new();
    for (i, a) in h.accounts.iter().enumerate() {
        let client = match sign_in(&h, a, i, events_tx.clone()).await {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("{}: signing in again failed: {e}", a.id);
                None
            }
        };
        accounts.push(Acct {
            given: a.clone(),
            label: menu::label_of_id(&a.id),
            client,
            unread: 0,
            ended: false,
        });
    }
    let (clicks_tx, mut clicks) = unbounded_channel();
    let tray = match sni::start(&h.instance, Model::default(), clicks_tx) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("no tray: {e}");
            None
        }
    };
    let (signals_tx, mut signals) = unbounded_channel();
    listen_to_notifications(signals_tx);
    let mut p = TrayProcess {
        h,
        accounts,
        tray,
        launcher: Launcher::default(),
        shown: Shown::default(),
    };
    for i in 0..p.accounts.len() {
        p.set_unread(i, None).await;
    }
    p.refresh();
    tracing::info!(
        "tray mode: {} account(s) connected without a window",
        p.accounts.len()
    );
    serve(&mut p, &mut events, &mut clicks, &mut signals).await
}

async fn serve(
    p: &mut TrayProcess,
    events: &mut UnboundedReceiver<(usize, Event)>,
    clicks: &mut UnboundedReceiver<Click>,
    signals: &mut UnboundedReceiver<DaemonSignal>,
) -> i32 {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("SIGTERM: {e}");
            return 1;
        }
    };
    loop {
        tokio::select! {
            Some((i, ev)) = events.recv() => {
                if i < p.accounts.len() { p.on_event(i, ev).await }
            }
            Some(c) = clicks.recv() => if p.on_click(c).await { return 0 },
            Some(s) = signals.recv() => if p.on_signal(s).await { return 0 },
            _ = term.recv() => {
                p.close().await;
                return 0;
            }
        }
    }
}
