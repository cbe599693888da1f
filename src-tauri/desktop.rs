//! Machine-local choices, kept in the app's local config file
//! (`desktop.json` in the data directory) rather than on the server: start at
//! login (an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/tern.desktop`),
//! start minimised to the tray, and whether closing the window keeps the app
//! in the tray or quits it.

use parking_lot::Mutex;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{AppError, AppResult};

/// The local config file's name in the data directory.
pub const CONFIG_FILE: &str = "desktop.json";
/// The autostart entry's file name.
pub const AUTOSTART_FILE: &str = "tern.desktop";

/// This machine's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct DesktopPrefs {
    /// Start Tern when I log in to the desktop (an XDG autostart entry).
    pub autostart: bool,
    /// Start with the window hidden in the tray (minimised where no tray host exists).
    pub start_minimised: bool,
    /// Closing the window keeps Tern running in the tray; off: closing quits.
    pub close_to_tray: bool,
}

impl Default for DesktopPrefs {
    fn default() -> Self {
        Self {
            autostart: false,
            start_minimised: false,
            close_to_tray: true,
        }
    }
}

/// The choices as loaded, and where they are kept.
pub struct Desktop {
    path: PathBuf,
    prefs: Mutex<DesktopPrefs>,
}

impl Desktop {
    /// Loads `desktop.json` from `data_dir` (defaults when missing or unreadable).
    pub fn load(data_dir: &Path) -> Self {
        let path = data_dir.join(CONFIG_FILE);
        let prefs = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            path,
            prefs: Mutex::new(prefs),
        }
    }

    /// The current choices.
    pub fn get(&self) -> DesktopPrefs {
        self.prefs.lock().clone()
    }

    /// Stores `prefs` (written to a temporary file, then renamed over the old one).
    pub fn set(&self, prefs: DesktopPrefs) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&prefs)?)?;
        std::fs::rename(&tmp, &self.path)?;
        *self.prefs.lock() = prefs;
        Ok(())
    }
}

/// The autostart directory: `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
pub fn autostart_dir(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let config = match get("XDG_CONFIG_HOME").filter(|v| v.starts_with('/')) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(get("HOME").filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(config.join("autostart"))
}

/// The autostart entry that starts `exe` (quoted as the Desktop Entry
/// specification asks for an `Exec` argument).
pub fn autostart_entry(exe: &Path) -> String {
    let quoted = exe
        .to_string_lossy()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('`', "\\`")
        .replace('$', "\\$");
    format!(
        "[Desktop Entry]\nType=Application\nName=Tern\nComment=Tern messenger\n\
         Exec=\"{quoted}\"\nIcon=tern\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// Writes (`on`) or removes the autostart entry in `dir`.
pub fn apply_autostart(dir: &Path, on: bool, exe: &Path) -> std::io::Result<()> {
    let file = dir.join(AUTOSTART_FILE);
    if on {
        std::fs::create_dir_all(dir)?;
        std::fs::write(file, autostart_entry(exe))
    } else {
        match std::fs::remove_file(file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::new("internal", format!("saving the app's settings: {e}"))
}

/// This machine's choices (the autostart switch as the entry on disk says).
#[tauri::command]
#[specta::specta]
pub fn desktop_prefs(desktop: State<'_, Desktop>) -> DesktopPrefs {
    let mut p = desktop.get();
    if let Some(dir) = autostart_dir(|k| std::env::var(k).ok()) {
        p.autostart = dir.join(AUTOSTART_FILE).is_file();
    }
    p
}

/// Saves this machine's choices and writes or removes the autostart entry.
#[tauri::command]
#[specta::specta]
pub fn set_desktop_prefs(
    desktop: State<'_, Desktop>,
    prefs: DesktopPrefs,
) -> AppResult<DesktopPrefs> {
    let dir = autostart_dir(|k| std::env::var(k).ok())
        .ok_or_else(|| AppError::new("internal", "No HOME to put the autostart entry in."))?;
    let exe = std::env::current_exe().map_err(io_error)?;
    apply_autostart(&dir, prefs.autostart, &exe).map_err(io_error)?;
    desktop.set(prefs.clone()).map_err(io_error)?;
    Ok(prefs)
}

/// Whether closing the main window keeps the app running (see [`DesktopPrefs`]).
pub fn close_to_tray<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Desktop>()
        .is_none_or(|d| d.get().close_to_tray)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_autostart_entry_is_written_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = autostart_dir(|k| match k {
            "HOME" => Some(tmp.path().to_string_lossy().into_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(dir, tmp.path().join(".config/autostart"));
        let exe = Path::new("/opt/Tern $HOME/tern\"x");
        apply_autostart(&dir, true, exe).unwrap();
        let text = std::fs::read_to_string(dir.join(AUTOSTART_FILE)).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"));
        assert!(
            text.contains("Exec=\"/opt/Tern \\$HOME/tern\\\"x\"\n"),
            "{text}"
        );
        apply_autostart(&dir, false, exe).unwrap();
        assert!(!dir.join(AUTOSTART_FILE).exists());
        apply_autostart(&dir, false, exe).unwrap(); // already gone: fine
        let x = autostart_dir(|k| (k == "XDG_CONFIG_HOME").then(|| "/cfg".to_owned()));
        assert_eq!(x.unwrap(), PathBuf::from("/cfg/autostart"));
    }

    #[test]
    fn choices_survive_a_reload_and_default_to_close_to_tray() {
        let tmp = tempfile::tempdir().unwrap();
        let d = Desktop::load(tmp.path());
        assert_eq!(d.get(), DesktopPrefs::default());
        assert!(d.get().close_to_tray);
        let p = DesktopPrefs {
            autostart: true,
            start_minimised: true,
            close_to_tray: false,
        };
        d.set(p.clone()).unwrap();
        assert_eq!(Desktop::load(tmp.path()).get(), p);
        std::fs::write(tmp.path().join(CONFIG_FILE), b"{not json").unwrap();
        assert_eq!(Desktop::load(tmp.path()).get(), DesktopPrefs::default());
    }
}
