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

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, Runtime, State, UriSchemeContext, UriSchemeResponder};
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event as _;
use tern_core::proto::{ClientMsgId, Content, ConversationId, FileRef, Seq};
use tern_core::{Client, LocalMessage};

use crate::commands::conv_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The URI scheme cached images are served from.
pub(crate) const SCHEME: &str = "ternfile";

/// Most files one drop or pick may send at once.
pub(crate) const MAX_FILES_PER_SEND: usize = 20;

/// Environment switch that enables [`simulate_drop`] (end-to-end tests only, and
/// only in builds with the `e2e-hooks` feature).
#[cfg(feature = "e2e-hooks")]
pub(crate) const SIMULATE_DROP_ENV: &str = "TERN_E2E_SIMULATE_DROP";

/// Image types served to the webview (rendered passively by `<img>`; no SVG).
const SERVED_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
];

/// Paths the user handed to the app by a drop or the file dialog, not yet sent.
#[derive(Default)]
pub(crate) struct Grants(Mutex<HashSet<PathBuf>>);

impl Grants {
    /// Records `paths` as chosen by the user; they replace any earlier drop's
    /// unsent paths (only the last drop can be sent).
    pub(crate) fn grant<I: IntoIterator<Item = PathBuf>>(&self, paths: I) {
        let mut g = self.0.lock();
        g.clear();
        for p in paths {
            g.insert(normalize(&p));
        }
    }

    /// Takes the grant of every path in `paths`, or none (and an error naming the
    /// first path that was never granted).
    pub(crate) fn take_all(&self, paths: &[PathBuf]) -> AppResult<Vec<PathBuf>> {
        let mut g = self.0.lock();
        let normalized: Vec<PathBuf> = paths.iter().map(|p| normalize(p)).collect();
        if let Some(bad) = normalized.iter().find(|p| !g.contains(*p)) {
            return Err(AppError::new(
                "not_allowed",
                format!(
                    "{} was not dropped on the app or chosen in the file dialog.",
                    display_name(bad)
                ),
            ));
        }
        for p in &normalized {
            g.remove(p);
        }
        Ok(normalized)
    }
}

/// Cached files the `ternfile:` scheme may serve: file id → (path, MIME type).
#[derive(Default)]
pub(crate) struct Served(Mutex<HashMap<String, (PathBuf, String)>>);

impl Served {
    fn insert(&self, file: &FileRef, path: PathBuf) {
        self.0
            .lock()
            .insert(file.id.to_string(), (path, file.mime.clone()));
    }

    /// Serves a cached file (an avatar) by its id.
    pub(crate) fn insert_path(&self, id: &str, path: PathBuf, mime: &str) {
        self.0.lock().insert(id.to_owned(), (path, mime.to_owned()));
    }

    fn get(&self, id: &str) -> Option<(PathBuf, String)> {
        self.0.lock().get(id).cloned()
    }
}

/// Canonical form of a path when it exists, else the path as given.
fn normalize(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// What is happening with a drag over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileDropKind {
    /// Files are dragged over the window: show the drop target.
    Over,
    /// Files were dropped; `paths` may now be passed to `send_files`.
    Drop,
    /// The drag left the window or was cancelled.
    Leave,
}

/// A native drag-and-drop on the window (typed event).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub(crate) struct FileDrop {
    /// Over, drop or leave.
    pub kind: FileDropKind,
    /// The dropped files (only for `drop`; granted for one `send_files`).
    pub paths: Vec<String>,
}

/// Native drag-and-drop on the main window (registered with `on_window_event`).
/// The webview of a `WebviewWindow` reports its drops as this window event
/// (tauri-runtime-wry synthesizes `WindowEvent::DragDrop` for window content).
pub(crate) fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::DragDrop(e) = event {
        handle_drop(window.app_handle(), e);
    }
}

/// Native drag-and-drop on a child webview (`WebviewEvent::DragDrop`; registered
/// with `on_webview_event` so a drop is handled whichever way it is reported).
pub(crate) fn on_webview_event<R: Runtime>(
    webview: &tauri::Webview<R>,
    event: &tauri::WebviewEvent,
) {
    if let tauri::WebviewEvent::DragDrop(e) = event {
        handle_drop(webview.app_handle(), e);
    }
}

/// Records dropped paths as granted and tells the UI.
fn handle_drop<R: Runtime>(app: &AppHandle<R>, e: &tauri::DragDropEvent) {
    let ev = match e {
        // `Over` repeats with every mouse move: the UI needs only the first one.
        tauri::DragDropEvent::Enter { .. } => FileDrop {
            kind: FileDropKind::Over,
            paths: Vec::new(),
        },
        tauri::DragDropEvent::Drop { paths, .. } => {
            // Only regular files: a dropped folder is not sent.
            let files: Vec<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
            app.state::<Grants>().grant(files.iter().cloned());
            FileDrop {
                kind: FileDropKind::Drop,
                paths: files
                    .iter()
                    .map(|p| normalize(p).to_string_lossy().into_owned())
                    .collect(),
            }
        }
        tauri::DragDropEvent::Leave => FileDrop {
            kind: FileDropKind::Leave,
            paths: Vec::new(),
        },
        _ => return,
    };
    if let Err(err) = ev.emit(app) {
        tracing::warn!("emit file drop: {err}");
    }
}

/// Test hook: drops `paths` on the window through the same handler a native drop
/// uses. Works only in builds with the `e2e-hooks` feature started with the
/// switch `SIMULATE_DROP_ENV` set to 1; other builds always refuse. (The command
/// exists in every build so the generated bindings do not differ. Its docs do not
/// spell out the switch: they are compiled into the binary as binding comments.)
#[tauri::command]
#[specta::specta]
pub(crate) fn simulate_drop(app: AppHandle, paths: Vec<String>) -> AppResult<()> {
    #[cfg(feature = "e2e-hooks")]
    if std::env::var(SIMULATE_DROP_ENV).as_deref() == Ok("1") {
        handle_drop(
            &app,
            &tauri::DragDropEvent::Drop {
                paths: paths.into_iter().map(PathBuf::from).collect(),
                position: tauri::PhysicalPosition::new(0.0, 0.0),
            },
        );
        return Ok(());
    }
    let _ = (app, paths);
    Err(simulated_drop_refused())
}

fn simulated_drop_refused() -> AppError {
    AppError::new(
        "not_allowed",
        "Simulated drops are only for end-to-end tests.",
    )
}

/// Human size, e.g. `5.2 MB` (decimal units, as file managers show them).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// Checks that every path is a readable regular file within `max` bytes (when the
/// server announced a limit); the error names the file and both sizes.
pub(crate) fn check_files(paths: &[PathBuf], max: Option<u64>) -> AppResult<()> {
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            AppError::new(
                "invalid_argument",
                format!("Cannot read {}: {e}.", display_name(p)),
            )
        })?;
        if !meta.is_file() {
            return Err(AppError::new(
                "invalid_argument",
                format!("{} is not a file.", display_name(p)),
            ));
        }
        if let Some(max) = max.filter(|m| *m > 0) {
            if meta.len() > max {
                return Err(AppError::new(
                    "file_too_large",
                    format!(
                        "{} is {}; the server accepts files up to {}.",
                        display_name(p),
                        human_size(meta.len()),
                        human_size(max)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Sends granted files, one message each; checks all of them before sending any.
async fn send_granted(
    client: &Client,
    conv: &ConversationId,
    paths: Vec<PathBuf>,
) -> AppResult<Vec<LocalMessage>> {
    check_files(&paths, client.limits().map(|l| l.max_file_bytes))?;
    let mut out = Vec::with_capacity(paths.len());
    for p in &paths {
        out.push(client.send_file(conv, p).await?);
    }
    Ok(out)
}

/// Sends files that were just dropped on the window (see the module docs): one
/// file or image message each, uploading in the background with progress events.
#[tauri::command]
#[specta::specta]
pub(crate) async fn send_files(
    state: State<'_, AppState>,
    grants: State<'_, Grants>,
    conv: String,
    paths: Vec<String>,
) -> AppResult<Vec<LocalMessage>> {
    let conv = conv_id(&conv)?;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    if paths.len() > MAX_FILES_PER_SEND {
        return Err(AppError::new(
            "invalid_argument",
            format!("Send at most {MAX_FILES_PER_SEND} files at once."),
        ));
    }
    let client = state.client().await?;
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let granted = grants.take_all(&paths)?;
    send_granted(&client, &conv, granted).await
}

/// The paperclip: opens the system file dialog and sends the chosen files to `conv`
/// (an empty list when the user cancels).
#[tauri::command]
#[specta::specta]
pub(crate) async fn pick_files(
    app: AppHandle,
    state: State<'_, AppState>,
    conv: String,
) -> AppResult<Vec<LocalMessage>> {
    let conv = conv_id(&conv)?;
    let client = state.client().await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Send files");
    if let Some(w) = app.get_webview_window(crate::shell::WINDOW) {
        dialog = dialog.set_parent(&w);
    }
    dialog.pick_files(move |files| {
        let _ = tx.send(files);
    });
    let Some(files) = rx.await.ok().flatten() else {
        return Ok(Vec::new());
    };
    let paths: Vec<PathBuf> = files
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .take(MAX_FILES_PER_SEND)
        .map(|p| normalize(&p))
        .collect();
    send_granted(&client, &conv, paths).await
}

/// Stops an upload; its message disappears (`message_removed`) and nothing is sent.
#[tauri::command]
#[specta::specta]
pub(crate) async fn cancel_upload(state: State<'_, AppState>, client_id: String) -> AppResult<()> {
    let id = ClientMsgId::new(client_id)?;
    Ok(state.client().await?.cancel_upload(&id).await?)
}

/// The file a message (or a chat history's item) refers to.
pub(crate) fn file_of(content: &Content) -> Option<&FileRef> {
    match content {
        Content::Image { file, .. }
        | Content::File { file }
        | Content::Audio { file, .. }
        | Content::Video { file, .. } => Some(file),
        _ => None,
    }
}

/// A cached message: `seq` for a stored message (anyone's), else my pending one
/// by `client_id`.
pub(crate) async fn cached_message(
    client: &Client,
    conv: &str,
    seq: Option<Seq>,
    client_id: &str,
) -> AppResult<LocalMessage> {
    let conv = conv_id(conv)?;
    let id = ClientMsgId::new(client_id.to_owned())?;
    let found = match seq {
        Some(seq) => client
            .messages(&conv, Some(Seq(seq.0.saturating_add(1))), 1)
            .await?
            .into_iter()
            .find(|m| m.seq == Some(seq) && m.client_id == id),
        None => client.message(&id).await?.filter(|m| m.conv == conv),
    };
    found.ok_or_else(|| AppError::new("not_found", "That message is not in this chat any more."))
}

/// The file of a cached message (see [`cached_message`]). The file comes from
/// the cache, never from the UI.
async fn message_file(
    client: &Client,
    conv: &str,
    seq: Option<Seq>,
    client_id: &str,
) -> AppResult<FileRef> {
    let m = cached_message(client, conv, seq, client_id).await?;
    file_of(&m.content)
        .cloned()
        .ok_or_else(|| AppError::new("invalid_argument", "That message has no file."))
}

/// The cached copy of a message's file, downloading it first when needed.
pub(crate) async fn cached(client: &Client, served: &Served, file: &FileRef) -> AppResult<PathBuf> {
    let path = match client.cached_file(file) {
        Some(p) => p,
        None => client.download_file(file).await?,
    };
    served.insert(file, path.clone());
    Ok(path)
}

/// A downloaded file as the UI may use it.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct Downloaded {
    /// The file's server id.
    pub file: String,
    /// For images: the URL the webview can show it from (the `ternfile:` scheme).
    pub url: Option<String>,
}

/// The `ternfile:` URL of a served file id (the form differs per platform).
pub(crate) fn url_for(id: &str) -> String {
    if cfg!(any(windows, target_os = "android")) {
        format!("http://{SCHEME}.localhost/{id}")
    } else {
        format!("{SCHEME}://localhost/{id}")
    }
}

/// Downloads the file of a message (`seq`; my unsent one by `client_id`) into the account's cache (progress as
/// `transfer_progress` events keyed by the file id); for images also a URL to show it.
#[tauri::command]
#[specta::specta]
pub(crate) async fn download_file(
    state: State<'_, AppState>,
    served: State<'_, Served>,
    conv: String,
    seq: Option<Seq>,
    client_id: String,
) -> AppResult<Downloaded> {
    let client = state.client().await?;
    let file = message_file(&client, &conv, seq, &client_id).await?;
    cached(&client, &served, &file).await?;
    Ok(downloaded(&file))
}

/// What the UI gets of a downloaded file: its id, and a URL for the images it may show.
pub(crate) fn downloaded(file: &FileRef) -> Downloaded {
    let servable = SERVED_IMAGE_TYPES.contains(&file.mime.as_str());
    Downloaded {
        file: file.id.to_string(),
        url: servable.then(|| url_for(file.id.as_str())),
    }
}

/// Error code of an [`open_file`] refused until the user confirms.
pub(crate) const CONFIRM_OPEN: &str = "confirm_open";

/// File types (by extension, lower case) opened without asking: documents, images,
/// audio and video that desktop viewers open passively. Deliberately not here:
/// archives (`zip`, `tar`, `7z`…: archive managers may extract and run what is
/// inside, and they are how executables travel), HTML and SVG (run scripts in a
/// browser), macro-enabled Office files (`docm`, `xlsm`, `pptm`), and anything
/// executable or interpreted (`desktop`, `sh`, `jar`, `appimage`, `exe`, `py`…).
pub(crate) const OPEN_DIRECTLY: &[&str] = &[
    // documents
    "pdf", "txt", "md", "csv", "log", "rtf", "epub", "odt", "ods", "odp", "odg", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", // images
    "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "heic", "avif", // audio
    "mp3", "ogg", "oga", "opus", "flac", "wav", "m4a", "aac", // video
    "mp4", "m4v", "mkv", "webm", "mov", "avi", "ogv",
];

/// First bytes of programs and scripts (checked even for an allowlisted name, so a
/// "report.pdf" that is an ELF binary or a shell script still needs a confirmation).
const PROGRAM_MAGIC: &[&[u8]] = &[
    b"\x7fELF",          // Linux executable
    b"#!",               // script with an interpreter line
    b"MZ",               // Windows executable
    b"PK\x03\x04",       // zip (jar, apk, and Office files: see `open_check`)
    b"[Desktop Entry]",  // desktop entry
    b"\xca\xfe\xba\xbe", // Java class / Mach-O fat binary
];

/// How a received file may be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenCheck {
    /// A document or media type: open it directly.
    Direct,
    /// Anything else: ask the user first.
    Confirm,
}

/// Classifies a file by its name (`name`, as cached) and its first bytes (`head`).
pub(crate) fn open_check(name: &str, head: &[u8]) -> OpenCheck {
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => return OpenCheck::Confirm,
    };
    if !OPEN_DIRECTLY.contains(&ext.as_str()) {
        return OpenCheck::Confirm;
    }
    // Office Open XML and OpenDocument files are zip containers: that magic is
    // expected for them only.
    let zip_ok = matches!(
        ext.as_str(),
        "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "odg" | "epub"
    );
    let head = trim_bom(head);
    for magic in PROGRAM_MAGIC {
        if head.starts_with(magic) && !(zip_ok && *magic == b"PK\x03\x04") {
            return OpenCheck::Confirm;
        }
    }
    OpenCheck::Direct
}

fn trim_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

/// Files the user was asked about (a [`CONFIRM_OPEN`] refusal) and may now open
/// with `confirmed`: file id → when asked. A confirmed call without a refusal just
/// before is refused again, so a UI that skipped the dialog cannot open it.
#[derive(Default)]
pub(crate) struct OpenConfirmations(Mutex<HashMap<String, std::time::Instant>>);

/// How long after the question a confirmation is accepted.
const CONFIRM_WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

impl OpenConfirmations {
    fn asked(&self, id: &str) {
        let mut m = self.0.lock();
        m.retain(|_, t| t.elapsed() < CONFIRM_WINDOW);
        m.insert(id.to_owned(), std::time::Instant::now());
    }

    fn take(&self, id: &str) -> bool {
        self.0
            .lock()
            .remove(id)
            .is_some_and(|t| t.elapsed() < CONFIRM_WINDOW)
    }
}

/// Whether the cached file at `path` (of file `id`) may be opened now: directly
/// for allowlisted types; otherwise only when `confirmed` right after the user was
/// asked, else a [`CONFIRM_OPEN`] error naming the file (and the question is noted).
pub(crate) fn check_open(
    asked: &OpenConfirmations,
    id: &str,
    path: &Path,
    confirmed: bool,
) -> AppResult<()> {
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| {
            tracing::warn!("read {}: {e}", path.display());
            AppError::new("internal", format!("Could not read the file: {e}"))
        })?;
    let name = display_name(path);
    if open_check(&name, &head[..n]) == OpenCheck::Direct {
        return Ok(());
    }
    if confirmed && asked.take(id) {
        return Ok(());
    }
    asked.asked(id);
    Err(AppError::new(
        CONFIRM_OPEN,
        format!(
            "\u{201c}{name}\u{201d} is not a document or media file. Opening it may run a \
             program on your computer. Open it only if you trust the sender."
        ),
    ))
}

/// Opens the file of message `client_id` with the system's default application
/// (downloading it first when needed). Types outside the allowlist need
/// `confirmed` (see the module docs): without it the answer is a [`CONFIRM_OPEN`]
/// error for the UI to ask the user.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open_file(
    state: State<'_, AppState>,
    served: State<'_, Served>,
    asked: State<'_, OpenConfirmations>,
    conv: String,
    seq: Option<Seq>,
    client_id: String,
    confirmed: bool,
) -> AppResult<()> {
    let client = state.client().await?;
    let file = message_file(&client, &conv, seq, &client_id).await?;
    let path = cached(&client, &served, &file).await?;
    check_open(&asked, file.id.as_str(), &path, confirmed)?;
    crate::external::open_path(&path).map_err(|e| {
        // e.g. `Failed to find default application for content type …`.
        tracing::warn!("open {}: {e}", path.display());
        AppError::new("open_failed", e.to_string())
    })
}

/// A name safe to suggest in the save dialog: the same rule the server and
/// tern-core apply (last path component, no control characters, no leading dots).
pub(crate) fn suggested_name(name: &str) -> String {
    tern_core::proto::sanitize_file_name(name)
}

/// "Save as…": asks where to save the file of message `client_id` and copies it
/// there from the cache. Returns the chosen path, `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub(crate) async fn save_file_as(
    app: AppHandle,
    state: State<'_, AppState>,
    served: State<'_, Served>,
    conv: String,
    seq: Option<Seq>,
    client_id: String,
) -> AppResult<Option<String>> {
    let client = state.client().await?;
    let file = message_file(&client, &conv, seq, &client_id).await?;
    let src = cached(&client, &served, &file).await?;
    save_copy(&app, &file, &src).await
}

/// Asks where to save `file` (cached at `src`) and copies it there; `None` when cancelled.
pub(crate) async fn save_copy(
    app: &AppHandle,
    file: &FileRef,
    src: &Path,
) -> AppResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save file")
        .set_file_name(suggested_name(&file.name));
    if let Some(w) = app.get_webview_window(crate::shell::WINDOW) {
        dialog = dialog.set_parent(&w);
    }
    dialog.save_file(move |dest| {
        let _ = tx.send(dest);
    });
    let Some(dest) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let dest = dest
        .into_path()
        .map_err(|e| AppError::new("invalid_argument", format!("Cannot save there: {e}")))?;
    tokio::fs::copy(src, &dest).await.map_err(|e| {
        tracing::warn!("save {} to {}: {e}", src.display(), dest.display());
        AppError::new("save_failed", e.to_string())
    })?;
    Ok(Some(dest.to_string_lossy().into_owned()))
}

/// The `ternfile:` URI scheme: `ternfile://localhost/<file id>` answers with the
/// cached bytes of an image this session downloaded, 404 for anything else.
pub(crate) fn protocol<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let id = request.uri().path().trim_start_matches('/').to_owned();
    let app = ctx.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        let entry = app.state::<Served>().get(&id);
        // Only the signed-in account's cache: `<data>/<account>/files/`.
        let state = app.state::<AppState>();
        let account = state.client().await.ok().and_then(|c| c.account_dir());
        let root = account.map(|a| a.join("files"));
        responder.respond(serve(entry, root.as_deref()).await);
    });
}

/// The response for a served entry: its bytes when it is an image type we serve
/// and lies inside `root` (the signed-in account's file cache), else 404.
async fn serve(entry: Option<(PathBuf, String)>, root: Option<&Path>) -> Response<Vec<u8>> {
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(b"not found".to_vec())
            .expect("static response")
    };
    let Some((path, mime)) = entry else {
        return not_found();
    };
    if !SERVED_IMAGE_TYPES.contains(&mime.as_str()) {
        return not_found();
    }
    let inside = match (root.map(normalize), std::fs::canonicalize(&path)) {
        (Some(root), Ok(p)) => p.starts_with(root),
        _ => false,
    };
    if !inside {
        return not_found();
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, mime)
            .header("X-Content-Type-Options", "nosniff")
            .header(header::CACHE_CONTROL, "private, max-age=86400")
            .body(bytes)
            .unwrap_or_else(|_| not_found()),
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without the `e2e-hooks` feature the simulated-drop hook is not compiled in:
    /// the switch's name is nowhere in this (test) binary of the app's code.
    #[cfg(not(feature = "e2e-hooks"))]
    #[test]
    fn the_drop_hook_is_not_compiled_without_the_e2e_feature() {
        // Built at run time (reversed), so this test does not put it in the binary.
        let needle: String = "PORD_ETALUMIS_E2E_NRET".chars().rev().collect();
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(
            !exe.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is compiled in"
        );
    }

    #[test]
    fn documents_and_media_open_directly_the_rest_needs_a_confirmation() {
        use OpenCheck::{Confirm, Direct};
        let pdf = b"%PDF-1.7\n";
        assert_eq!(open_check("Quarterly report.pdf", pdf), Direct);
        assert_eq!(open_check("cat.PNG", b"\x89PNG\r\n"), Direct);
        assert_eq!(open_check("notes.txt", b"hello"), Direct);
        assert_eq!(open_check("song.mp3", b"ID3"), Direct);
        assert_eq!(open_check("clip.mp4", b"\0\0\0 ftyp"), Direct);
        assert_eq!(open_check("sheet.xlsx", b"PK\x03\x04rest"), Direct);
        assert_eq!(open_check("talk.odp", b"PK\x03\x04rest"), Direct);
        for risky in [
            "run.sh",
            "app.desktop",
            "tool.jar",
            "Tern.AppImage",
            "setup.exe",
            "x.py",
            "page.html",
            "logo.svg",
            "bundle.zip",
            "src.tar.gz",
            "macro.docm",
            "invoice.pdf.desktop",
            "README",
            ".pdf",
            "noext.",
        ] {
            assert_eq!(open_check(risky, pdf), Confirm, "{risky}");
        }
        // An allowlisted name whose bytes are a program or script.
        assert_eq!(open_check("report.pdf", b"\x7fELF\x02\x01"), Confirm);
        assert_eq!(open_check("notes.txt", b"#!/bin/sh\nrm -rf ~"), Confirm);
        assert_eq!(open_check("notes.txt", b"\xef\xbb\xbf#!/bin/sh"), Confirm);
        assert_eq!(open_check("a.pdf", b"[Desktop Entry]\nExec=x"), Confirm);
        assert_eq!(open_check("a.doc", b"MZ\x90\0"), Confirm);
        assert_eq!(
            open_check("a.pdf", b"PK\x03\x04"),
            Confirm,
            "a zip (jar) named .pdf"
        );
    }

    #[test]
    fn a_risky_open_is_refused_until_confirmed_right_after_the_question() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("install.sh");
        std::fs::write(&script, b"#!/bin/sh\necho hi\n").unwrap();
        let pdf = dir.path().join("report.pdf");
        std::fs::write(&pdf, b"%PDF-1.4\n").unwrap();
        let asked = OpenConfirmations::default();
        // Allowlisted: no question.
        assert!(check_open(&asked, "f-pdf", &pdf, false).is_ok());
        // A confirmation nobody asked for is not enough (a UI that skipped the dialog).
        let err = check_open(&asked, "f-sh", &script, true).unwrap_err();
        assert_eq!(err.code, CONFIRM_OPEN);
        // Unconfirmed: refused with a message naming the file.
        let err = check_open(&asked, "f-sh", &script, false).unwrap_err();
        assert_eq!(err.code, CONFIRM_OPEN);
        assert!(err.message.contains("install.sh"), "{}", err.message);
        assert!(err.message.contains("trust the sender"), "{}", err.message);
        // Confirmed after the question: allowed once.
        assert!(check_open(&asked, "f-sh", &script, true).is_ok());
        assert_eq!(
            check_open(&asked, "f-sh", &script, true).unwrap_err().code,
            CONFIRM_OPEN
        );
        // A question about one file does not confirm another.
        let _ = check_open(&asked, "f-sh", &script, false);
        assert!(check_open(&asked, "f-other", &script, true).is_err());
    }

    #[test]
    fn only_granted_paths_are_taken_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        let g = Grants::default();
        g.grant([a.clone()]);
        let err = g.take_all(&[a.clone(), b.clone()]).unwrap_err();
        assert_eq!(err.code, "not_allowed");
        assert!(err.message.contains("b.txt"));
        // Nothing was taken by the refused call.
        assert_eq!(g.take_all(std::slice::from_ref(&a)).unwrap().len(), 1);
        // A grant is good for one send.
        assert!(g.take_all(std::slice::from_ref(&a)).is_err());
        // A new drop replaces the unsent paths of the previous one.
        g.grant([a.clone()]);
        g.grant([b.clone()]);
        assert!(g.take_all(&[a]).is_err());
        assert!(g.take_all(&[b]).is_ok());
    }

    #[test]
    fn oversize_files_are_refused_with_both_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.bin");
        std::fs::write(&f, vec![0u8; 2_500]).unwrap();
        let err = check_files(std::slice::from_ref(&f), Some(1_000)).unwrap_err();
        assert_eq!(err.code, "file_too_large");
        assert!(err.message.contains("big.bin is 2.5 KB"), "{}", err.message);
        assert!(err.message.contains("up to 1.0 KB"), "{}", err.message);
        assert!(check_files(std::slice::from_ref(&f), Some(2_500)).is_ok());
        assert!(check_files(std::slice::from_ref(&f), None).is_ok());
        assert!(check_files(&[dir.path().to_path_buf()], None).is_err());
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_000), "1.0 KB");
        assert_eq!(human_size(5_242_880), "5.2 MB");
        assert_eq!(human_size(104_857_600), "105 MB");
        assert_eq!(human_size(999_999), "1.0 MB");
    }

    #[test]
    fn suggested_names_have_no_directories() {
        assert_eq!(suggested_name("../../etc/passwd"), "passwd");
        assert_eq!(suggested_name("a\0b.txt"), "ab.txt");
        assert_eq!(suggested_name(".."), "file");
        assert_eq!(suggested_name("C:\\x\\report.pdf"), "report.pdf");
        assert!(suggested_name(&"x".repeat(500)).len() <= 200);
    }

    #[tokio::test]
    async fn the_scheme_serves_only_registered_images() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("alice").join("files");
        std::fs::create_dir_all(cache.join("f1")).unwrap();
        let img = cache.join("f1").join("cat.png");
        std::fs::write(&img, b"\x89PNG").unwrap();
        let root = Some(cache.as_path());
        let ok = serve(Some((img.clone(), "image/png".into())), root).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["x-content-type-options"], "nosniff");
        assert_eq!(serve(None, root).await.status(), StatusCode::NOT_FOUND);
        let svg = serve(Some((img.clone(), "image/svg+xml".into())), root).await;
        assert_eq!(svg.status(), StatusCode::NOT_FOUND);
        // Signed out, or another account's cache: nothing.
        let png = || Some((img.clone(), "image/png".to_owned()));
        assert_eq!(serve(png(), None).await.status(), StatusCode::NOT_FOUND);
        let bob = dir.path().join("bob").join("files");
        std::fs::create_dir_all(&bob).unwrap();
        assert_eq!(
            serve(png(), Some(&bob)).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}
