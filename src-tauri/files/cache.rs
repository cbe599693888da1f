//! Received files in the account's cache: finding a message's file, downloading
//! it, and serving cached images to the webview through the `ternfile:` scheme.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use specta::Type;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, State, UriSchemeContext, UriSchemeResponder};
use tern_core::proto::{ClientMsgId, Content, FileRef, Seq};
use tern_core::{Client, LocalMessage};

use crate::commands::conv_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::normalize;

/// The URI scheme cached images are served from.
pub(crate) const SCHEME: &str = "ternfile";
/// Image types served to the webview (rendered passively by `<img>`; no SVG),
/// as [`tern_core::showable_image`] reads them from a file's header.
const SERVED_IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];
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
pub(super) async fn message_file(
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
    let path = cached(&client, &served, &file).await?;
    Ok(downloaded(&file, &path).await)
}

/// What the UI gets of a downloaded file: its id, and a URL for the images it
/// may show inline: a served type whose header says PNG, JPEG, GIF or WebP
/// with a canvas of at most [`tern_core::MAX_SHOWN_PIXELS`] (a small file can
/// declare a canvas the webview would take gigabytes to decode: the UI shows
/// such an image as a file to open or save).
pub(crate) async fn downloaded(file: &FileRef, path: &Path) -> Downloaded {
    let servable = SERVED_IMAGE_TYPES.contains(&file.mime.as_str()) && showable(path).await;
    Downloaded {
        file: file.id.to_string(),
        url: servable.then(|| url_for(file.id.as_str())),
    }
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

/// Whether the image at `path` may be shown ([`tern_core::showable_image`]; reads its header).
async fn showable(path: &Path) -> bool {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || tern_core::showable_image(&path))
        .await
        .unwrap_or(false)
}

/// The response for a served entry: its bytes when it is an image type we serve
/// whose canvas may be shown, lying inside `root` (the signed-in account's file
/// cache), else 404.
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
    if !inside || !showable(&path).await {
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

    #[tokio::test]
    async fn the_scheme_serves_only_registered_images() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("alice").join("files");
        std::fs::create_dir_all(cache.join("f1")).unwrap();
        let img = cache.join("f1").join("cat.png");
        let header = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
        std::fs::write(&img, header).unwrap();
        let root = Some(cache.as_path());
        let ok = serve(Some((img.clone(), "image/png".into())), root).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["x-content-type-options"], "nosniff");
        assert_eq!(serve(None, root).await.status(), StatusCode::NOT_FOUND);
        let svg = serve(Some((img.clone(), "image/svg+xml".into())), root).await;
        assert_eq!(svg.status(), StatusCode::NOT_FOUND);
        // A canvas too large to show (a decompression bomb), or no image at all.
        let mut bomb = header.to_vec();
        bomb[16..24].copy_from_slice(&[0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30]); // 30,000²
        let bomb_at = cache.join("f1").join("bomb.png");
        std::fs::write(&bomb_at, &bomb).unwrap();
        let big = serve(Some((bomb_at, "image/png".into())), root).await;
        assert_eq!(big.status(), StatusCode::NOT_FOUND);
        let junk = cache.join("f1").join("junk.png");
        std::fs::write(&junk, b"\x89PNG").unwrap();
        let junk = serve(Some((junk, "image/png".into())), root).await;
        assert_eq!(junk.status(), StatusCode::NOT_FOUND);
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
