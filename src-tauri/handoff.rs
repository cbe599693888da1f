//! Tray mode's second step: once tray mode has destroyed the window
//! (`traymode`), the app hands its signed-in accounts to the tray-only program
//! `tern-tray` and becomes it (`exec`: same process id, none of GTK, WebKit or the
//! window's memory left), which keeps them connected with the tray count,
//! notifications and the launcher badge (`crates/tray`). Opening Tern from there
//! hands them back: the app starts with `--handoff-fd`, signs the accounts in with
//! their tokens (no keyring asked) and shows the window at the chat that was open
//! or the one a clicked notification named ([`crate::live::restore`]).
//!
//! Without `tern-tray` next to the app (a build that lacks it) or with
//! [`IN_PROCESS_ENV`] set to `1`, tray mode stays in this process (the window's
//! memory trimmed, `trim`).

use std::sync::atomic::Ordering;

use tauri::{AppHandle, Manager, Runtime};
use tern_core::Client;
use tern_tray::handoff::{self, Account, Handoff};

use crate::state::AppState;

/// Environment variable keeping tray mode in the app's process (`1`).
pub(crate) const IN_PROCESS_ENV: &str = "TERN_TRAY_IN_PROCESS";

/// The tray-only program to become, unless tray mode stays in this process.
pub(crate) fn tray_program() -> Option<std::path::PathBuf> {
    if std::env::var(IN_PROCESS_ENV).is_ok_and(|v| v == "1") {
        return None;
    }
    handoff::sibling(handoff::TRAY_PROGRAM)
}

/// The handoff this process was started with (`--handoff-fd`), if any.
pub(crate) fn from_command_line() -> Option<Handoff> {
    match Handoff::from_args(std::env::args()) {
        Some(Ok(h)) => Some(h),
        Some(Err(e)) => {
            tracing::warn!("{e}: starting as usual");
            None
        }
        None => None,
    }
}

/// Becomes `program` with every signed-in account. Returns only if that failed;
/// the accounts are then signed in again in this process.
/// `open_chat`: the chat the window showed, opened again when the accounts come back.
pub(crate) async fn to_tray<R: Runtime>(
    app: &AppHandle<R>,
    program: &std::path::Path,
    open_chat: Option<String>,
) {
    let state = app.state::<AppState>();
    let live: Vec<(Account, Client)> = state
        .live
        .lock()
        .await
        .iter()
        .filter_map(|a| {
            let account = Account {
                id: a.id.clone(),
                user: a.client.user()?.to_string(),
                server_url: a.server_url.clone(),
                token: a.client.token()?,
            };
            Some((account, a.client.clone()))
        })
        .collect();
    for client in state.take_all().await {
        client.close().await;
    }
    let h = Handoff {
        accounts: live.into_iter().map(|(a, _)| a).collect(),
        active: state.active_id(),
        open_chat,
        lang: crate::texts::lang(app),
        muted: app
            .state::<crate::shell::Shell>()
            .muted
            .load(Ordering::SeqCst),
        since_ms: handoff::now_ms(),
        data_dir: state.data_dir.clone(),
        default_server_url: state.default_server_url.clone(),
        instance: crate::shell::instance_id(
            &app.config().identifier,
            std::env::var_os("TERN_APP_DATA_DIR").as_deref(),
        ),
    };
    tracing::info!(
        "tray mode: handing {} account(s) to {}",
        h.accounts.len(),
        program.display()
    );
    let e = h.exec(program, &[]);
    tracing::error!(
        "starting {}: {e}; tray mode stays in the app",
        program.display()
    );
    // The window is gone and the clients closed: start over as the app, handing
    // the accounts to it.
    if let Ok(me) = std::env::current_exe() {
        let e = h.exec(&me, &[format!("--server={}", h.default_server_url)]);
        tracing::error!("restarting the app: {e}");
    }
    std::process::exit(1);
}
