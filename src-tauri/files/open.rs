//! Opening and saving received files: the allowlist of types opened directly, the
//! confirmation for everything else, and "Save as…".

use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::Path;

use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tern_core::proto::{FileRef, Seq};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::cache::{cached, message_file, Served};
use super::display_name;

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn suggested_names_have_no_directories() {
        assert_eq!(suggested_name("../../etc/passwd"), "passwd");
        assert_eq!(suggested_name("a\0b.txt"), "ab.txt");
        assert_eq!(suggested_name(".."), "file");
        assert_eq!(suggested_name("C:\\x\\report.pdf"), "report.pdf");
        assert!(suggested_name(&"x".repeat(500)).len() <= 200);
    }
}
