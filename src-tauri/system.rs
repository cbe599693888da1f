//! The desktop's preferences the webview does not report by itself: WebKitGTK
//! answers `navigator.language` with en-US whatever LANG says, and its
//! `prefers-color-scheme` may miss GTK's dark variant; the UI asks here.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, Theme};

/// What the UI follows when the user chose "System".
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
pub(crate) struct SystemPrefs {
    /// The user's languages, most preferred first (POSIX: LANGUAGE, then LC_ALL,
    /// LC_MESSAGES, LANG), as given ("zh_CN.UTF-8", "en").
    pub languages: Vec<String>,
    /// The desktop prefers a dark theme (GTK's dark variant or setting).
    pub dark: bool,
}

/// The languages of an environment, in POSIX precedence; "C"/"POSIX" and empty values left out.
pub(crate) fn languages_from(get: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = get("LANGUAGE") {
        out.extend(list.split(':').map(str::to_string));
    }
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Some(v) = get(var) {
            out.push(v);
        }
    }
    out.retain(|l| !l.is_empty() && l != "C" && l != "POSIX" && !l.starts_with("C."));
    out.dedup();
    out
}

/// Whether a GTK_THEME value asks for the dark variant ("Adwaita:dark", "Adwaita-dark").
pub(crate) fn gtk_theme_is_dark(theme: &str) -> bool {
    let t = theme.to_ascii_lowercase();
    t.ends_with(":dark") || t.ends_with("-dark")
}

/// The desktop's languages and light/dark preference.
#[tauri::command]
#[specta::specta]
pub(crate) fn system_prefs<R: Runtime>(app: AppHandle<R>) -> SystemPrefs {
    let env = |k: &str| std::env::var(k).ok();
    let window_dark = app
        .get_webview_window(crate::shell::WINDOW)
        .and_then(|w| w.theme().ok())
        .is_some_and(|t| t == Theme::Dark);
    SystemPrefs {
        languages: languages_from(env),
        dark: window_dark || env("GTK_THEME").is_some_and(|t| gtk_theme_is_dark(&t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_follow_posix_precedence_and_skip_c() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            languages_from(env(&[("LANGUAGE", "zh_CN:en"), ("LANG", "de_DE.UTF-8")])),
            ["zh_CN", "en", "de_DE.UTF-8"]
        );
        assert_eq!(
            languages_from(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
            ["zh_CN.UTF-8"]
        );
        assert_eq!(
            languages_from(env(&[("LANG", "C.UTF-8")])),
            Vec::<String>::new()
        );
        assert!(languages_from(env(&[])).is_empty());
    }

    #[test]
    fn gtk_dark_variants() {
        assert!(gtk_theme_is_dark("Adwaita:dark"));
        assert!(gtk_theme_is_dark("Adwaita-dark"));
        assert!(!gtk_theme_is_dark("Adwaita"));
        assert!(!gtk_theme_is_dark(""));
    }
}
