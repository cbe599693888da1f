//! Opening web links and files with the desktop's applications, in the environment
//! Tern was started with: without the web engine's settings Tern put in its own
//! (`engine`), which a browser built on WebKit would otherwise inherit.
//!
//! On Linux through GIO (the desktop's default application for the URI's scheme or
//! the file's type, as GTK applications open links: `g_app_info_launch_default_for_uri`
//! with a launch context that unsets those variables); elsewhere through the opener
//! plugin.

use std::path::Path;

/// Opens an http(s) URL in the browser, a `mailto:` one in the mail program (checked
/// by the caller: `links::external_url`).
pub fn open_url(url: &str) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        launch(url)
    }
    #[cfg(not(target_os = "linux"))]
    {
        tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string())
    }
}

/// Opens a local file with the application the desktop has for its type.
pub fn open_path(path: &Path) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        use gio::prelude::FileExt;
        path.metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        launch(&gio::File::for_path(path).uri())
    }
    #[cfg(not(target_os = "linux"))]
    {
        tauri_plugin_opener::open_path(path, None::<&str>).map_err(|e| e.to_string())
    }
}

#[cfg(target_os = "linux")]
fn launch(uri: &str) -> Result<(), String> {
    use gio::prelude::AppLaunchContextExt;
    let context = gio::AppLaunchContext::new();
    for var in crate::engine::set_by_tern() {
        context.unsetenv(var);
    }
    gio::AppInfo::launch_default_for_uri(uri, Some(&context)).map_err(|e| e.to_string())
}
