//! Sending files: the checks before any upload (granted, readable, within the
//! server's size limit), the paperclip's file dialog, and cancelling an upload.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tern_core::proto::{ClientMsgId, ConversationId};
use tern_core::{Client, LocalMessage};

use crate::commands::conv_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::drop::Grants;
use super::{display_name, normalize};

/// Most files one drop or pick may send at once.
pub(crate) const MAX_FILES_PER_SEND: usize = 20;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
