//! Dropped files: a native drop on the window records its paths as granted
//! ([`Grants`]) and tells the UI ([`FileDrop`]); the end-to-end hook
//! [`simulate_drop`] feeds paths through the same handler (see the parent module).

use parking_lot::Mutex;
use std::collections::HashSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event as _;

use crate::error::{AppError, AppResult};

use super::{display_name, normalize};

/// Environment switch that enables [`simulate_drop`] (end-to-end tests only, and
/// only in builds with the `e2e-hooks` feature).
#[cfg(feature = "e2e-hooks")]
pub(crate) const SIMULATE_DROP_ENV: &str = "TERN_E2E_SIMULATE_DROP";
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
}
