//! The Tern desktop shell: thin glue between the web UI and tern-core.
//!
//! - `commands`: the typed IPC commands (the UI calls them through generated bindings).
//! - `events`: tern-core's event stream forwarded to the UI, plus `SessionEnded`.
//! - `state`: the signed-in accounts (one tern-core client each) and their event forwarders.
//! - `accounts`: the accounts config (which accounts, which one is active), upgrade from one account.
//! - `switcher`: list, switch and remove accounts.
//! - `error`: the one error type commands return.
//! - `links`: which URLs may be opened outside the app; `external` opens them (and
//!   files) with the desktop's applications.
//! - `engine`: the web engine's settings, put in the environment before WebKit starts.
//! - `groups`: the group commands (create, members, roles, mutes, notices).
//! - `files`: sending dropped/picked files, downloads, the `ternfile:` image scheme.
//! - `paste`: images pasted from the clipboard (kept owner-only, sent as images).
//! - `texts`: the tray's and notifications' texts in the app's language.
//!   (The texts, the tray menu model, notifications and the launcher badge live in
//!   `tern_tray`, shared with the tray-only process.)
//! - `avatars`: setting my or a group's avatar, avatar images for the UI (cached).
//! - `traymenu`: the tray menu's entry per account (with its unread count) and tooltip.
//! - `traymode`: destroys the window after a while hidden to the tray (frees the
//!   webview), recreates it at the chat that was open.
//! - `handoff`: then the app becomes the tray-only process `tern-tray`
//!   (`crates/tray`), which hands the accounts back when Tern is opened.
//! - `trim`: without it, ends WebKit's network process and unmaps the clean
//!   library pages the window used (tray mode's memory).
//! - `rich`: replies and quotes, edits, reactions, pinned messages, group read-by.

#![warn(missing_docs)]

mod accounts;
mod avatars;
mod commands;
pub mod credentials;
pub mod desktop;
pub mod engine;
mod error;
mod events;
pub mod external;
mod files;
mod groups;
mod handoff;
mod history;
mod links;
mod live;
mod mentions;
pub mod notify;
mod paste;
mod prefs;
mod rich;
mod rooms;
mod search;
mod servers;
pub mod shell;
mod state;
mod switcher;
mod system;
mod texts;
mod traymenu;
pub mod traymode;
mod trim;
mod webcrash;
mod window;

use std::path::PathBuf;

use tauri::{Manager, Runtime};
use tauri_specta::{collect_commands, collect_events, Builder};

pub use state::AppState;

/// Server pre-filled on the login screen when neither `--server` nor `TERN_SERVER_URL` is given.
pub const FALLBACK_SERVER_URL: &str = "ws://127.0.0.1:7878";

/// Where the generated TypeScript bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// The command and event registry; also the source of the TypeScript bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::session::default_server_url,
            system::system_prefs::<tauri::Wry>,
            commands::session::current_session,
            commands::session::connection_state,
            commands::session::reconnect_now,
            commands::session::register,
            commands::session::login,
            commands::session::restore_session,
            commands::session::keyring_notice,
            commands::session::logout,
            switcher::list_accounts,
            switcher::switch_account,
            switcher::remove_account,
            commands::session::change_password,
            commands::session::sign_out_others,
            commands::contacts::my_profile,
            commands::contacts::set_profile,
            avatars::set_my_avatar,
            avatars::set_group_avatar,
            avatars::avatar_url,
            commands::contacts::search_users,
            commands::contacts::get_profiles,
            commands::contacts::list_friends,
            commands::contacts::list_applications,
            commands::contacts::apply_friend,
            commands::contacts::accept_friend,
            commands::contacts::refuse_friend,
            commands::contacts::set_remark,
            commands::contacts::delete_friend,
            commands::contacts::list_blacklist,
            commands::contacts::block,
            commands::contacts::unblock,
            commands::chats::list_conversations,
            commands::chats::open_direct,
            commands::chats::load_messages,
            search::search_messages,
            search::search_index_state,
            commands::chats::send_text,
            commands::chats::resend,
            commands::chats::delete_failed,
            commands::chats::delete_for_me,
            paste::send_pasted_image,
            commands::chats::recall,
            rich::send_reply,
            rich::quote,
            rich::edit_message,
            rich::react,
            rich::reactions_of,
            rich::pin_message,
            rich::pins,
            rich::read_by,
            rich::set_group_read_by,
            commands::chats::server_limits,
            commands::chats::mark_read,
            commands::chats::set_draft,
            commands::chats::typing,
            commands::chats::open_external,
            groups::list_groups,
            groups::group_info,
            groups::create_group,
            groups::update_group,
            groups::group_members,
            groups::invite_members,
            groups::join_group,
            groups::group_applications,
            groups::accept_group_application,
            groups::refuse_group_application,
            groups::leave_group,
            groups::kick_member,
            groups::dismiss_group,
            groups::set_member_role,
            groups::transfer_group,
            groups::mute_member,
            groups::mute_all,
            groups::open_group,
            groups::member_notices,
            mentions::send_mentioning,
            mentions::forward_messages,
            rooms::list_rooms,
            rooms::create_room,
            rooms::join_room,
            rooms::leave_room,
            rooms::room_send,
            files::send::send_files,
            files::send::pick_files,
            files::drop::simulate_drop,
            files::send::cancel_upload,
            files::cache::download_file,
            files::open::open_file,
            files::open::save_file_as,
            history::download_history_file,
            history::save_history_file_as,
            shell::shell_state,
            shell::quit,
            traymode::set_tray_free_after,
            traymode::tray_free_after,
            traymode::remember_chat,
            traymode::chat_to_open,
            texts::set_language,
            prefs::conv_settings,
            prefs::edit_conv,
            prefs::account_settings,
            prefs::set_account_settings,
            desktop::desktop_prefs,
            desktop::set_desktop_prefs,
            notify::set_notifications_muted,
        ])
        .events(collect_events![
            events::CoreEvent,
            events::SessionEnded,
            switcher::AccountsChanged,
            switcher::ShowAccount,
            notify::OpenChat,
            files::FileDrop
        ])
        // Who may moderate whom, from tern-proto's GroupRole (see groups::role_rules).
        .constant("GROUP_ROLE_RULES", groups::role_rules())
        // Seqs and millisecond times are u64/i64 in Rust but stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type: the UI only receives what commands return.
        .disable_serde_phases()
}

/// The TypeScript bindings as they should be committed.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let ts = specta_typescript::Typescript::default().header(
        "// Generated from src-tauri by tauri-specta. Do not edit.\n\
         // Regenerate: TERN_UPDATE_BINDINGS=1 cargo test -p tern-desktop --lib bindings\n",
    );
    specta_builder().export(ts, path).map_err(|e| e.to_string())
}

/// `--server <url>` from the command line, else `TERN_SERVER_URL`, else the fallback.
fn default_server_url() -> String {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--server" {
            if let Some(v) = args.next() {
                return v;
            }
        } else if let Some(v) = a.strip_prefix("--server=") {
            return v.to_owned();
        }
    }
    std::env::var("TERN_SERVER_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| FALLBACK_SERVER_URL.to_owned())
}

/// `TERN_APP_DATA_DIR` if set (tests use a fresh one), else the OS app-data
/// directory; made private ([`private_data_dir`]).
fn data_dir<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<PathBuf> {
    let dir = match std::env::var_os("TERN_APP_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => app.path().app_data_dir()?,
    };
    private_data_dir(&dir)?;
    Ok(dir)
}

/// Creates the app's data directory owner-only (0700), and makes an existing one
/// (earlier versions left it 0755) owner-only: it holds every account's cache.
fn private_data_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use tern_core::private_fs;
    private_fs::create_private_dir_all(dir)?;
    private_fs::restrict(dir, private_fs::DIR_MODE)
}

/// Only the app's own pages load in the webview; web links go to the browser.
pub(crate) fn allow_navigation(url: &url::Url) -> bool {
    let own = url.scheme() == "tauri"
        || matches!(url.host_str(), Some("tauri.localhost") | Some("localhost"));
    if !own {
        if let Some(u) = links::external_url(url.as_str()) {
            if let Err(e) = external::open_url(u.as_str()) {
                tracing::warn!("open link: {e}");
            }
        }
    }
    own
}

/// Starts the app.
pub fn run() {
    engine::configure();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TERN_LOG")
                .unwrap_or_else(|_| "warn,tern=info".into()),
        )
        // stderr, as a program's diagnostics go (and where a launcher such as
        // WebKitWebDriver passes them on).
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let builder = specta_builder();
    let context = tauri::generate_context!();
    let instance = shell::instance_id(
        &context.config().identifier,
        std::env::var_os("TERN_APP_DATA_DIR").as_deref(),
    );
    tauri::Builder::default()
        // First, so a second launch hands over (the running window shows) and exits
        // before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(window::on_second_instance)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .on_window_event(window::on_window_event)
        .on_window_event(files::on_window_event)
        .on_webview_event(files::on_webview_event)
        .register_asynchronous_uri_scheme_protocol(files::SCHEME, files::protocol)
        .setup(move |app| {
            builder.mount_events(app);
            let credentials = credentials::Credentials::new(
                std::sync::Arc::new(credentials::KeyringStore::new()),
                credentials::KEYRING_TIMEOUT,
            );
            app.manage(shell::Shell::default());
            app.manage(traymode::TrayMode::default());
            app.manage(tern_tray::launcher::Launcher::default());
            app.manage(texts::Language::default());
            app.manage(traymenu::TrayAccounts::default());
            app.manage(notify::Shown::default());
            app.manage(files::Grants::default());
            app.manage(files::Served::default());
            app.manage(files::OpenConfirmations::default());
            notify::start_reply_listener(app.handle().clone());
            shell::setup_tray(app, window::show_window)?;
            switcher::listen_tray(app.handle());
            let data_dir = data_dir(app)?;
            app.manage(desktop::Desktop::load(&data_dir));
            app.manage(AppState::new(data_dir, default_server_url(), credentials));
            let handed = handoff::from_command_line();
            if let Some(h) = &handed {
                // Back from the tray-only process: its mute, then the chat to show.
                shell::set_muted(app.handle(), h.muted);
                if let Some(conv) = h.open_chat.clone() {
                    app.state::<traymode::TrayMode>().open_on(conv);
                }
            }
            let opened_from_tray = handed.is_some();
            *app.state::<AppState>().handoff.lock() = handed;
            let window = traymode::build_window(app)?;
            if app.state::<desktop::Desktop>().get().start_minimised && !opened_from_tray {
                // To the tray where a tray host shows it, else to the taskbar.
                match shell::close_action(shell::tray_host_present()) {
                    shell::CloseAction::HideToTray => window.hide()?,
                    shell::CloseAction::Minimise => window.minimize()?,
                }
            }
            Ok(())
        })
        .build(context)
        .expect("error while building Tern")
        .run(|app, event| {
            if let tauri::RunEvent::ExitRequested { code, api, .. } = &event {
                // Tray mode destroyed the last window: keep running (Quit has a code).
                traymode::keep_running(app, *code, api);
            }
            if let tauri::RunEvent::Exit = event {
                // Stop the connection and close the cache cleanly; the token and the
                // outbox stay for the next start.
                let state = app.state::<AppState>();
                tauri::async_runtime::block_on(async {
                    for client in state.take_all().await {
                        client.close().await;
                    }
                });
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_data_dir_is_owner_only_new_or_existing() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("share").join("tern");
        private_data_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_data_dir(&old).unwrap();
        assert_eq!(mode(&old), 0o700);
    }

    /// Fails when `ui/src/lib/bindings.ts` no longer matches the Rust commands and events.
    #[test]
    fn bindings_are_fresh() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let committed = root.join(BINDINGS_PATH);
        if std::env::var_os("TERN_UPDATE_BINDINGS").is_some() {
            export_bindings(&committed).expect("export bindings");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = dir.path().join("bindings.ts");
        export_bindings(&fresh).expect("export bindings");
        let want = std::fs::read_to_string(&fresh).expect("read fresh bindings");
        let have = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            want == have,
            "{BINDINGS_PATH} is stale: run `TERN_UPDATE_BINDINGS=1 cargo test -p tern-desktop --lib bindings` and commit it"
        );
    }
}
