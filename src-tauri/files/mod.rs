//! Files: sending dropped or picked files, upload cancel, downloads into
//! tern-core's per-account cache, "Open" and "Save as…", and serving cached
//! images to the webview.
//!
//! # Which paths may be sent
//! The UI never chooses a path on its own. A path can be sent only after the
//! Rust side saw it in one of two places, and only once (for drops: only the
//! paths of the last drop):
//! - a native drop on the window ([`on_window_event`]: a `WebviewWindow`'s
//!   webview reports drops as `WindowEvent::DragDrop`; [`on_webview_event`]
//!   covers child webviews), which records the dropped paths in [`Grants`] and
//!   then tells the UI (the typed [`FileDrop`] event) so it can call
//!   [`send_files`] for the open chat;
//! - the file dialog of [`pick_files`] (tauri-plugin-dialog, called from Rust, so
//!   the paths never pass through JavaScript before they are granted).
//!
//! [`send_files`] refuses any path not granted this way (a compromised page cannot
//! upload `~/.ssh/id_rsa`) and checks every file against the server's
//! `max_file_bytes` before anything is uploaded.
//!
//! The end-to-end test performs one real XDND drag (xdotool); for the others, with
//! `TERN_E2E_SIMULATE_DROP=1` in the app's environment (and only then)
//! [`simulate_drop`] feeds paths through the very same drop handler. That hook is
//! compiled only with the cargo feature `e2e-hooks` (tests/e2e/run.sh builds with
//! it; release and .deb builds do not): without it the command always refuses.
//!
//! # Opening received files
//! [`open_file`] hands a cached file to the desktop's default application
//! (xdg-open) directly only when [`open_check`] finds it a document or media type
//! on the allowlist ([`OPEN_DIRECTLY`]) whose first bytes are not those of a
//! program or script. Anything else (`.desktop`, `.sh`, `.jar`, `.AppImage`,
//! `.exe`, HTML, SVG, archives, unknown types, a "PDF" that is an ELF binary…) is
//! refused with the error code [`CONFIRM_OPEN`] until the UI has asked the user,
//! naming the file, and calls again with `confirmed`; a confirmed call is honoured
//! only right after such a refusal for that file ([`OpenConfirmations`]).
//!
//! # Images in the webview
//! The CSP stays strict: cached image bytes are served by the `ternfile:` URI
//! scheme ([`protocol`]), which answers only for file ids this session downloaded
//! into its cache (registered in [`Served`]), only from the signed-in account's
//! cache directory (`<data>/<account>/files/`) and only with image types a browser
//! renders passively (no SVG). Progress comes to the UI as tern-core's
//! `TransferProgress` / `TransferFinished` events (forwarded like every core event).

pub(crate) mod cache;
pub(crate) mod drop;
pub(crate) mod open;
pub(crate) mod send;

use std::path::{Path, PathBuf};

// The commands are registered by their own paths (`files::send::send_files`):
// tauri's and specta's command macros sit next to each function, not re-exported.
pub(crate) use cache::{
    cached, cached_message, downloaded, file_of, protocol, url_for, Downloaded, Served, SCHEME,
};
pub(crate) use drop::{on_webview_event, on_window_event, FileDrop, Grants};
pub(crate) use open::{save_copy, OpenConfirmations};
pub(crate) use send::check_files;

/// Canonical form of a path when it exists, else the path as given.
fn normalize(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
