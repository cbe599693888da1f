//! Tern's tray-only process and what it shares with the desktop app.
//!
//! When the app's window has been closed to the tray for a while, the app hands its
//! signed-in accounts to `tern-tray` ([`handoff`]) and becomes it (`exec`, same
//! process id): a small program without GTK or WebKit that keeps every account
//! connected through tern-core and shows what the app showed from Rust — the tray
//! item with the unread count and the accounts menu ([`sni`], [`menu`]),
//! notifications with their actions ([`notice`]) and the launcher badge
//! ([`launcher`]), in the app's language ([`texts`]). Opening Tern from the tray, a
//! notification or a second launch hands the accounts back: the process becomes the
//! app again, at the chat that was open or the one the notification named ([`run`]).
//!
//! - `handoff`: the accounts and state passed across `exec` (an anonymous file).
//! - `texts`, `menu`, `notice`, `launcher`: shared with the app (`src-tauri/`).
//! - `sni`: the tray item over D-Bus (StatusNotifierItem + com.canonical.dbusmenu).
//! - `run`: the tray-only process itself.

#![warn(missing_docs)]

pub mod handoff;
pub mod launcher;
pub mod menu;
pub mod notice;
pub mod run;
pub mod sni;
pub mod texts;
