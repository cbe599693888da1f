//! Images pasted from the clipboard. The webview hands over the bytes (it has no
//! path for them): they are kept owner-only in `<app data>/pasted/` and sent like
//! a dropped image (upload with progress, retried from that file). Pasted files
//! older than [`KEEP`] are removed at the next paste.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tauri::State;
use tern_core::private_fs;
use tern_core::LocalMessage;

use crate::commands::conv_id;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long a pasted image is kept for a retry of its upload.
pub(crate) const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// The file extension for a pasted image type; `None` for anything else.
pub(crate) fn extension(mime: &str) -> Option<&'static str> {
    match mime {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

/// Writes a pasted image to `dir` (created owner-only) as `pasted-<time>.<ext>`.
pub(crate) fn store(dir: &Path, mime: &str, bytes: &[u8], now: SystemTime) -> AppResult<PathBuf> {
    let ext = extension(mime).ok_or_else(|| {
        AppError::new(
            "invalid_argument",
            "Only PNG, JPEG, GIF and WebP images can be pasted.",
        )
    })?;
    if bytes.is_empty() {
        return Err(AppError::new(
            "invalid_argument",
            "The pasted image is empty.",
        ));
    }
    let io = |e: std::io::Error| {
        tracing::warn!("pasted image in {}: {e}", dir.display());
        AppError::new("internal", e.to_string())
    };
    private_fs::create_private_dir_all(dir).map_err(io)?;
    let ms = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let mut path = dir.join(format!("pasted-{ms}.{ext}"));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("pasted-{ms}-{n}.{ext}"));
        n += 1;
    }
    private_fs::write_private(&path, bytes).map_err(io)?;
    Ok(path)
}

/// Removes pasted images older than `keep` from `dir` (best effort).
pub(crate) fn prune(dir: &Path, keep: Duration, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > keep));
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Sends an image pasted into the composer to `conv` (one image message).
#[tauri::command]
#[specta::specta]
pub(crate) async fn send_pasted_image(
    state: State<'_, AppState>,
    conv: String,
    mime: String,
    bytes: Vec<u8>,
) -> AppResult<Vec<LocalMessage>> {
    let conv = conv_id(&conv)?;
    let client = state.client().await?;
    let dir = state.data_dir.join("pasted");
    let now = SystemTime::now();
    prune(&dir, KEEP, now);
    let path = store(&dir, &mime, &bytes, now)?;
    crate::files::check_files(
        std::slice::from_ref(&path),
        client.limits().map(|l| l.max_file_bytes),
    )?;
    Ok(vec![client.send_file(&conv, &path).await?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_image_is_kept_owner_only_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let pasted = dir.path().join("pasted");
        let now = SystemTime::now();
        let a = store(&pasted, "image/png", b"\x89PNG....", now).unwrap();
        let b = store(&pasted, "image/png", b"\x89PNG....", now).unwrap();
        assert_ne!(a, b, "two pastes in the same millisecond get two files");
        assert_eq!(a.extension().unwrap(), "png");
        assert_eq!(std::fs::read(&a).unwrap(), b"\x89PNG....");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&pasted), 0o700);
            assert_eq!(mode(&a), 0o600);
        }
        assert!(store(&pasted, "text/html", b"<b>", now).is_err());
        assert!(store(&pasted, "image/png", b"", now).is_err());
        prune(&pasted, KEEP, now);
        assert!(a.exists());
        prune(&pasted, KEEP, now + KEEP + Duration::from_secs(1));
        assert!(!a.exists() && !b.exists());
    }
}
